#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A peer for test-ws: sends records to Logdeck's /log with CPython's own
logging.handlers.HTTPHandler, GET and POST, then posts JSON bodies as log shippers do,
and bodies Logdeck must refuse. Prints each plain POST's status as a JSON line:
{"case": …, "status": n}.
"""

import argparse
import json
import logging
import logging.handlers
import urllib.error
import urllib.request


class Opaque:
    def __repr__(self):
        return "<Opaque thing>"


def send_with_handler(host, port, method):
    handler = logging.handlers.HTTPHandler("%s:%d" % (host, port), "/log", method=method)
    logger = logging.getLogger("peer.http.%s" % method.lower())
    logger.setLevel(1)
    logger.propagate = False
    logger.addHandler(handler)
    logging.addLevelName(25, "NOTICE")

    logger.info("%s: user %s has %d items", method, "bob", 3)
    logger.warning("%s: with extras", method, extra={"user": "alice", "attempt": 2})
    logger.log(25, "%s: notice level", method)
    logger.info("%(method)s: mapped %(a)s", {"method": method, "a": "value"})
    logger.info("%s: opaque %s", method, Opaque())
    logger.info("%s: percent 100%% sure", method)
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("%s: division failed", method)
    logger.info("%s: ünïcode ✓ & = + %%", method)
    handler.close()


def post(host, port, case, body, content_type):
    request = urllib.request.Request("http://%s:%d/log" % (host, port), data=body,
                                     headers={"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    print(json.dumps({"case": case, "status": status}), flush=True)


def post_bodies(host, port):
    one = {"timestamp": "2026-11-21T10:00:00Z", "message": "json object body", "level": "info",
           "logger": "shipper"}
    many = [dict(one, message="json array body %d" % i) for i in range(3)]
    lines = "\n".join(json.dumps(dict(one, message="ndjson body %d" % i)) for i in range(4))
    post(host, port, "object", json.dumps(one).encode(), "application/json")
    post(host, port, "array", json.dumps(many).encode(), "application/json")
    post(host, port, "ndjson", lines.encode(), "application/x-ndjson")
    post(host, port, "bad-json", b'{"message": "cut', "application/json")
    post(host, port, "msgpack", b"\x81\xa3msg\xa2hi", "application/msgpack")
    post(host, port, "neither", b"just some text", "text/plain")
    post(host, port, "not-a-record", b"a=1&b=2", "application/x-www-form-urlencoded")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=logging.handlers.DEFAULT_HTTP_LOGGING_PORT)
    args = parser.parse_args()

    send_with_handler(args.host, args.port, "GET")
    send_with_handler(args.host, args.port, "POST")
    post_bodies(args.host, args.port)


if __name__ == "__main__":
    main()
