#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A peer for test-timing-ui: request logs with durations, sent with CPython's
logging.handlers.SocketHandler.

Three records in four carry a duration_ms field and a path; every fourth says
its duration only in the message, the way the tutorial's hook does
("Request completed in 0.123s [avg=...]"). One request, the last, is far
slower than the others: "/report" took 4.321 s, in its message only.
"""

import argparse
import logging
import logging.handlers

PATHS = ["/cart", "/cart", "/pay", "/home"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()

    handler = logging.handlers.SocketHandler("127.0.0.1", args.port)
    logger = logging.getLogger("shop.http")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(handler)

    for i in range(args.count):
        path = PATHS[i % 4]
        millis = 10 + (i * 37) % 190
        if i % 4 == 3:
            logger.info("Request completed in %.3fs [avg=0.100s]", millis / 1000,
                        extra={"path": path})
        else:
            logger.info("%s done", path, extra={"path": path, "duration_ms": millis})
    logger.info("Request completed in 4.321s [avg=0.100s]", extra={"path": "/report"})
    handler.close()
    print("sent", flush=True)


if __name__ == "__main__":
    main()
