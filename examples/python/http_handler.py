#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sends log records to Logdeck with logging.handlers.HTTPHandler, by GET and by POST.

HTTPHandler sends the record's attributes as an urlencoded form, every value as a
string, with the message still unformatted ("msg" and the repr of "args"); Logdeck
formats it as SocketHandler's records are. Start Logdeck first (it serves HTTP on
127.0.0.1:9022 by default), then run:

    python3 http_handler.py [--host 127.0.0.1] [--port 9022]
"""

import argparse
import logging
import logging.handlers


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=logging.handlers.DEFAULT_HTTP_LOGGING_PORT)
    args = parser.parse_args()

    where = "%s:%d" % (args.host, args.port)
    by_get = logging.handlers.HTTPHandler(where, "/log", method="GET")
    by_post = logging.handlers.HTTPHandler(where, "/log", method="POST")

    web = logging.getLogger("web.requests")
    web.setLevel(logging.DEBUG)
    web.addHandler(by_get)
    jobs = logging.getLogger("web.jobs")
    jobs.setLevel(logging.DEBUG)
    jobs.addHandler(by_post)

    web.info("GET %s answered %d in %.1f ms", "/index.html", 200, 3.25)
    web.warning("Slow request", extra={"path": "/report", "ms": 2400})
    jobs.info("Job %s finished", "nightly-export", extra={"rows": 1200})
    try:
        int("not a number")
    except ValueError:
        jobs.exception("Job %s failed", "import")

    by_get.close()
    by_post.close()


if __name__ == "__main__":
    main()
