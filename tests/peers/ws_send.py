#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A peer for test-ws: sends JSON log records to Logdeck's /ws with the `websockets` library.

Scenarios:
  lines FILE   one connection; each line of FILE that is a JSON object with a "send"
               member sends that member as one text message (test fixtures), any other
               non-blank line is sent as it is
  many         --clients concurrent connections, --records records each, as single
               objects, arrays and newline-delimited objects in turn
  big          one message holding an array of --records records
  bad          one connection per bad input; prints what each connection saw as a JSON
               line: {"case": …, "code": close code or null, "open": bool}
"""

import argparse
import asyncio
import json
import time

import websockets
import websockets.frames


def record(client, seq):
    return {
        "created": time.time(), "levelname": "INFO", "levelno": 20, "name": "peer.many",
        "msg": "client %d record %d" % (client, seq), "client": client, "seq": seq,
    }


async def send_lines(uri, path, headers):
    async with websockets.connect(uri, extra_headers=headers) as ws:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                line = line.strip()
                if not line:
                    continue
                try:
                    fixture = json.loads(line)
                except ValueError:
                    fixture = None
                if isinstance(fixture, dict) and "send" in fixture:
                    send = fixture["send"]
                    line = send if isinstance(send, str) else json.dumps(send)
                await ws.send(line)


async def one_client(uri, client, records):
    """Messages of 1, then 4 records as an array, then 5 as lines, and again."""
    # A hundred handshakes at once queue behind the records already arriving.
    async with websockets.connect(uri, max_queue=None, open_timeout=60) as ws:
        seq = 0
        shape = 0
        while seq < records:
            size = min((1, 4, 5)[shape % 3], records - seq)
            batch = [record(client, seq + i) for i in range(size)]
            if shape % 3 == 0:
                await ws.send(json.dumps(batch[0]))
            elif shape % 3 == 1:
                await ws.send(json.dumps(batch))
            else:
                await ws.send("\n".join(json.dumps(r) for r in batch) + "\n")
            seq += size
            shape += 1


async def many(uri, clients, records):
    await asyncio.gather(*(one_client(uri, c, records) for c in range(clients)))


async def big(uri, records):
    async with websockets.connect(uri, max_size=None) as ws:
        await ws.send(json.dumps([record(0, seq) for seq in range(records)]))


async def outcome(ws, case):
    """Waits for the server to close, or shows the connection is still open with a ping."""
    try:
        pong = await ws.ping()
        await asyncio.wait_for(pong, 10)
        await asyncio.sleep(0.2)
    except (websockets.ConnectionClosed, asyncio.TimeoutError):
        pass
    try:
        await asyncio.wait_for(ws.wait_closed(), 0.5)
    except asyncio.TimeoutError:
        pass
    print(json.dumps({"case": case, "code": ws.close_code, "reason": ws.close_reason,
                      "open": ws.open}), flush=True)


async def bad(uri, limit):
    # Not JSON: reported, and the connection stays open for the next message.
    async with websockets.connect(uri) as ws:
        await ws.send('{"msg": "before invalid json"}')
        await ws.send('{"msg": "cut off here')
        await ws.send('{"msg": "after invalid json"}')
        await outcome(ws, "invalid-json")

    async with websockets.connect(uri, max_size=None) as ws:
        await ws.send('{"msg": "before too big"}')
        try:
            await ws.send("x" * (limit + 1))
        except websockets.WebSocketException:
            pass
        await outcome(ws, "too-big")

    # Fragments each under the limit, over it together.
    async with websockets.connect(uri, max_size=None) as ws:
        try:
            await ws.send(["y" * (limit // 2 + 1), "y" * (limit // 2 + 1)])
        except websockets.WebSocketException:
            pass
        await outcome(ws, "fragments-too-big")

    async with websockets.connect(uri) as ws:
        await ws.send(b'{"msg": "binary"}')
        await outcome(ws, "binary")

    # websockets never sends invalid UTF-8 in a text frame itself, so the frame is
    # written below its API.
    async with websockets.connect(uri) as ws:
        await ws.write_frame(True, websockets.frames.OP_TEXT, b'{"msg": "bad \xff\xfe utf-8"}')
        await outcome(ws, "bad-utf8")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=["lines", "many", "big", "bad"])
    parser.add_argument("file", nargs="?")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9022)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=16 * 1024 * 1024)
    parser.add_argument("--forwarded-for", help="an X-Forwarded-For header to send")
    args = parser.parse_args()

    uri = "ws://%s:%d/ws" % (args.host, args.port)
    headers = {"X-Forwarded-For": args.forwarded_for} if args.forwarded_for else {}
    if args.scenario == "lines":
        asyncio.run(send_lines(uri, args.file, headers))
    elif args.scenario == "many":
        asyncio.run(many(uri, args.clients, args.records))
    elif args.scenario == "big":
        asyncio.run(big(uri, args.records))
    else:
        asyncio.run(bad(uri, args.limit))


if __name__ == "__main__":
    main()
