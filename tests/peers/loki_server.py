#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A peer for test-ws: a `websockets` server that streams Grafana Loki tail messages
(GET /loki/api/v1/tail) to every client, for `logdeck --connect`.

Each client gets --messages messages, each with a plain line and a JSON line of one
stream, then one message with dropped entries, and the connection stays open until the
server is stopped. Prints "PORT <n>" once it listens, and writes the port to --port-file
(useful with --port 0).
"""

import argparse
import asyncio
import json
import os
import sys
import time

import websockets

LABELS = {"job": "loki-peer", "level": "warn", "host": "h1"}


def tail_message(batch, i):
    ns = time.time_ns()
    json_line = json.dumps({"msg": "%s json line %d" % (batch, i), "level": "error",
                            "logger": "app.db", "user": "u1"})
    return json.dumps({
        "streams": [{
            "stream": dict(LABELS, batch=batch),
            "values": [[str(ns), "%s plain line %d" % (batch, i)], [str(ns + 1000), json_line]],
        }],
        "dropped_entries": None,
    })


def dropped_message(batch):
    ns = 1_732_190_400_123_456_789
    return json.dumps({
        "streams": [],
        "dropped_entries": [{"labels": dict(LABELS, batch=batch), "timestamp": str(ns + i)}
                            for i in range(3)],
    })


async def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--batch", default="first")
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--port-file", help="where to write the port once listening")
    args = parser.parse_args()

    async def tail(ws, path=None):
        for i in range(args.messages):
            await ws.send(tail_message(args.batch, i))
        await ws.send(dropped_message(args.batch))
        await ws.wait_closed()

    async with websockets.serve(tail, args.host, args.port) as server:
        port = server.sockets[0].getsockname()[1]
        print("PORT %d" % port, file=sys.stderr, flush=True)
        if args.port_file:
            with open(args.port_file + ".tmp", "w") as port_file:
                port_file.write("%d\n" % port)
            os.rename(args.port_file + ".tmp", args.port_file)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
