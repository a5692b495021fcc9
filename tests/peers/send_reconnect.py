#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A peer for test-dashboard-wiring: a program that reconnects, as a
reloading server does. It sends records with CPython's own
logging.handlers.SocketHandler, closes the connection, waits, opens a new
one from the same process and sends again."""

import argparse
import logging
import logging.handlers
import time

RECORDS_PER_CONNECTION = 3


def send(logger, handler, round_name):
    logger.addHandler(handler)
    for i in range(RECORDS_PER_CONNECTION):
        logger.info("%s record %d", round_name, i)
    handler.close()
    logger.removeHandler(handler)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pause", type=float, default=0.5)
    args = parser.parse_args()

    logger = logging.getLogger("peer.reconnect")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False

    send(logger, logging.handlers.SocketHandler(args.host, args.port), "first")
    # Long enough for the listener to see the close before the new connection.
    time.sleep(args.pause)
    send(logger, logging.handlers.SocketHandler(args.host, args.port), "second")


if __name__ == "__main__":
    main()
