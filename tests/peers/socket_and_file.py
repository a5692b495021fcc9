#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A peer for test-headless: logs the same records to Logdeck with CPython's
SocketHandler and to a file with its FileHandler, so that Logdeck's text
export can be compared with the file byte for byte. Half way through, a
probe connection sends the start of a frame and closes, which makes
Logdeck report a problem of its own.

    socket_and_file.py PORT FORMAT FILE

Prints how many records it logged.
"""

import logging
import logging.handlers
import socket
import struct
import sys


def probe(port):
    """A frame that says 1,000 bytes, and 10 of them."""
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(struct.pack(">L", 1000) + b"x" * 10)


def main():
    port, fmt, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    formatter = logging.Formatter(fmt)
    to_file = logging.FileHandler(path, mode="w", encoding="utf-8")
    to_socket = logging.handlers.SocketHandler("127.0.0.1", port)
    log = logging.getLogger("acme.shop")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    for handler in (to_file, to_socket):
        handler.setFormatter(formatter)
        log.addHandler(handler)

    n = 0
    for i in range(20):
        log.log((logging.DEBUG, logging.INFO, logging.WARNING)[i % 3], "order %d for %s", i,
                "zoë ✓")
        n += 1
    probe(port)
    try:
        {}["missing"]
    except KeyError:
        log.exception("lookup failed\nwith a second line")
        n += 1
    for i in range(20, 40):
        log.error("refund %d", i)
        n += 1

    to_socket.close()
    to_file.close()
    print(n)


if __name__ == "__main__":
    main()
