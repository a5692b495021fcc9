#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A peer for test-ingest: sends records with CPython's own logging.handlers.DatagramHandler."""

import argparse
import logging
import logging.handlers

DATAGRAM_RECORDS = 5


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=logging.handlers.DEFAULT_UDP_LOGGING_PORT)
    args = parser.parse_args()

    handler = logging.handlers.DatagramHandler(args.host, args.port)
    logger = logging.getLogger("peer.udp")
    logger.setLevel(1)
    logger.propagate = False
    logger.addHandler(handler)

    logger.info("datagram one")
    logger.warning("datagram two", extra={"user": "alice", "n": 7})
    logger.log(5, "datagram level five")
    logger.error("datagram ünïcode ✓")
    logger.info("datagram %s", "formatted")
    handler.close()


if __name__ == "__main__":
    main()
