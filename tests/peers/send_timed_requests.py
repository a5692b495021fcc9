#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A peer for test-timing-ui: request logs with durations, sent with CPython's
logging.handlers.SocketHandler.

Three records in four carry a duration_ms field and a path; every fourth says
its duration only in the message, the way the tutorial's hook does
("Request completed in 0.123s [avg=...]"). With --plain, records without any duration come first. One request, the last, is far
slower than the others: "/report" took 4.321 s, in its message only.
"""

import argparse
import logging
import logging.handlers
import time

PATHS = ["/cart", "/cart", "/pay", "/home"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--plain", type=int, default=0,
                        help="records without a duration, sent first; none timed")
    args = parser.parse_args()

    handler = logging.handlers.SocketHandler("127.0.0.1", args.port)
    logger = logging.getLogger("shop.http")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(handler)

    # The requests are dated over the last two minutes, as a real service's
    # would be, so that the timing chart has columns to draw.
    start = time.time() - 120
    step = 120 / max(1, args.count)
    numbers = iter(range(args.count + 1))

    def spread(record):
        if record.msg != "Service started, worker %d":
            record.created = start + next(numbers) * step
            record.msecs = (record.created % 1) * 1000
        return True

    logger.addFilter(spread)
    for i in range(args.plain):
        logger.info("Service started, worker %d", i)
    for i in range(args.count):
        path = PATHS[i % 4]
        millis = 10 + (i * 37) % 190
        if i % 4 == 3:
            logger.info("Request completed in %.3fs [avg=0.100s]", millis / 1000,
                        extra={"path": path})
        else:
            logger.info("%s done", path, extra={"path": path, "duration_ms": millis})
    if args.count > 0:
        logger.info("Request completed in 4.321s [avg=0.100s]", extra={"path": "/report"})
    handler.close()
    print("sent", flush=True)


if __name__ == "__main__":
    main()
