#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Captures what logging.handlers.SocketHandler would send for N records into a file.

bench/ingest-pickle runs this at bench time (the capture is not committed) and replays the
file over loopback. The frames are CPython's own: a SocketHandler subclass writes the bytes
of makePickle() to the file instead of a socket. The records look like a busy web service's:
a few loggers and threads, levels from DEBUG to ERROR, messages with merged arguments, a
traceback now and then, and contextual extra fields on some.
"""

import argparse
import logging
import logging.handlers
import sys
import threading


class CaptureHandler(logging.handlers.SocketHandler):
    """A SocketHandler whose socket is a file."""

    def __init__(self, out):
        super().__init__("127.0.0.1", 0)
        self.out = out

    def emit(self, record):
        self.out.write(self.makePickle(record))


def make_loggers(out):
    handler = CaptureHandler(out)
    loggers = [logging.getLogger(name) for name in
               ("acme.api", "acme.api.auth", "acme.db", "acme.worker")]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        logger.addHandler(handler)
    return loggers


def capture(loggers, first, count, thread_name):
    threading.current_thread().name = thread_name
    try:
        raise ValueError("connection reset by peer")
    except ValueError:
        exc_info = sys.exc_info()

    for i in range(first, first + count):
        logger = loggers[i % 4]
        kind = i % 10
        if kind < 4:
            logger.info("GET /api/v1/items/%d completed in %d ms", i, i % 997)
        elif kind < 7:
            logger.debug("cache %s for key item:%d", "hit" if i % 3 else "miss", i)
        elif kind < 9:
            logger.warning("slow query took %.1f ms", (i % 5000) / 10,
                           extra={"user": "user%d" % (i % 100), "request_id": i})
        elif i % 1000 == 9:
            logger.error("request %d failed", i, exc_info=exc_info)
        else:
            logger.error("upstream returned %d", 500 + i % 4)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output")
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()

    threads = ("MainThread", "Worker-1", "Worker-2", "Worker-3")
    per_thread = args.records // len(threads)
    with open(args.output, "wb", buffering=1 << 20) as out:
        loggers = make_loggers(out)
        # One thread name per quarter, set on the main thread: real threads would only
        # interleave the same frames and make the capture slower.
        for n, name in enumerate(threads):
            count = per_thread if n < len(threads) - 1 else args.records - per_thread * n
            capture(loggers, per_thread * n, count, name)


if __name__ == "__main__":
    main()
