#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A peer for test-hardening: sends records to Logdeck's HTTP endpoint.

Scenarios (each prints one JSON line: {"case": …, "status": n}):
  handler   CPython's own logging.handlers.HTTPHandler, --method GET or POST,
            --records records "MESSAGE 0" …; over TLS with --cafile; status 0
  json      one JSON record POSTed to /log with urllib, with --token as a
            bearer token if given
  ws        one JSON record over a WebSocket on /ws with the `websockets`
            library, with --token in the query if given (in an Authorization
            header with --bearer); status 101 when the upgrade was accepted,
            else the HTTP status of the refusal
"""

import argparse
import asyncio
import json
import logging
import logging.handlers
import ssl
import urllib.error
import urllib.request

import websockets
import websockets.exceptions


def report(case, status):
    print(json.dumps({"case": case, "status": status}), flush=True)


def send_with_handler(args):
    context = ssl.create_default_context(cafile=args.cafile) if args.cafile else None
    handler = logging.handlers.HTTPHandler("%s:%d" % (args.host, args.port), "/log",
                                           method=args.method, secure=context is not None,
                                           context=context)
    logger = logging.getLogger("peer.http")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    for i in range(args.records):
        logger.info("%s %d", args.message, i)
    handler.close()
    report("handler", 0)


def post_json(args):
    headers = {"Content-Type": "application/json"}
    if args.token is not None:
        headers["Authorization"] = "Bearer " + args.token
    body = json.dumps({"message": args.message, "level": "info", "logger": "peer.json"})
    request = urllib.request.Request("http://%s:%d/log" % (args.host, args.port),
                                     data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    report("json", status)


async def send_ws(args):
    uri = "ws://%s:%d/ws" % (args.host, args.port)
    headers = {}
    if args.token is not None and args.bearer:
        headers["Authorization"] = "Bearer " + args.token
    elif args.token is not None:
        uri += "?token=" + args.token
    try:
        async with websockets.connect(uri, extra_headers=headers, open_timeout=20) as ws:
            await ws.send(json.dumps({"message": args.message, "logger": "peer.ws"}))
            status = 101
    except websockets.exceptions.InvalidStatusCode as error:
        status = error.status_code
    report("ws", status)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=["handler", "json", "ws"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=logging.handlers.DEFAULT_HTTP_LOGGING_PORT)
    parser.add_argument("--method", choices=["GET", "POST"], default="POST")
    parser.add_argument("--records", type=int, default=1)
    parser.add_argument("--message", default="http record")
    parser.add_argument("--cafile")
    parser.add_argument("--token")
    parser.add_argument("--bearer", action="store_true")
    args = parser.parse_args()

    if args.scenario == "handler":
        send_with_handler(args)
    elif args.scenario == "json":
        post_json(args)
    else:
        asyncio.run(send_ws(args))


if __name__ == "__main__":
    main()
