#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sends log records to Logdeck with logging.handlers.DatagramHandler (UDP).

Start Logdeck first (it listens for datagrams on 127.0.0.1:9021 by default), then run:

    python3 datagram_handler.py [--host 127.0.0.1] [--port 9021]

A datagram is never acknowledged, so a sender never waits; a record bigger than one
datagram (about 64 KB) is lost, which is why SocketHandler suits tracebacks better.
"""

import argparse
import logging
import logging.handlers


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=logging.handlers.DEFAULT_UDP_LOGGING_PORT)
    args = parser.parse_args()

    handler = logging.handlers.DatagramHandler(args.host, args.port)
    log = logging.getLogger("udp.example")
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)

    log.debug("A datagram at DEBUG")
    log.info("Disk usage is %d%%", 73, extra={"mount": "/srv", "host": "db1"})
    log.warning("Queue length %d is over %d", 1200, 1000)
    log.error("Cannot reach %s", "backup.example.org")

    handler.close()


if __name__ == "__main__":
    main()
