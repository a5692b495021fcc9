#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A peer for the websockets debug-prefix tests: a real websockets server and
client (Debian's python3-websockets) in one process, talking over 127.0.0.1
with their loggers at DEBUG, every record sent to Logdeck through CPython's
logging.handlers.SocketHandler.

The client sends --messages text messages and one binary one, the server
echoes each, the client pings once and closes with code 1000. Then it prints
one JSON line of what the library did, for the test to compare with what
Logdeck read from the records:
  {"records": N, "kinds": {"send": N, ...}, "sent": N, "received": N,
   "pings": N, "close_code": 1000}
counted from the same records as they were emitted (a logging.Filter on
the handler sees each record the SocketHandler sends).

With --print, the records' messages are printed instead of sent anywhere:
that is how tests/ws-debug-lines.txt, the core test's sample, was captured.
"""

import argparse
import asyncio
import json
import logging
import logging.handlers
import sys

import websockets

KINDS = {">": "send", "<": "recv", "=": "state", "x": "close", "%": "ping", "!": "error"}
FRAME_OPCODES = ("TEXT", "BINARY", "CONT", "PING", "PONG", "CLOSE")


class Tally(logging.Filter):
    """Counts the records as the handler emits them, by websockets' own prefix."""

    def __init__(self):
        super().__init__()
        self.records = 0
        self.kinds = {}
        self.sent = self.received = self.pings = 0
        self.close_code = 0

    def filter(self, record):
        # websockets puts its protocol object on each record (extra=
        # {"websocket": ...}), which cannot be pickled: SocketHandler would
        # drop the record. Its id says which WebSocket connection it was.
        websocket = getattr(record, "websocket", None)
        if websocket is not None and not isinstance(websocket, str):
            record.websocket = str(getattr(websocket, "id", ""))
        message = record.getMessage()
        self.records += 1
        if record.name.startswith("websockets") and len(message) >= 2 and message[1] == " ":
            kind = KINDS.get(message[0])
            if kind is not None:
                self.kinds[kind] = self.kinds.get(kind, 0) + 1
                self.count_frame(message)
        return True

    def count_frame(self, message):
        words = message[2:].split(" ", 1)
        if message[0] not in "<>" or words[0] not in FRAME_OPCODES:
            return
        if message[0] == ">":
            self.sent += 1
        else:
            self.received += 1
        if words[0] == "PING":
            self.pings += 1
        if words[0] == "CLOSE" and len(words) > 1:
            self.close_code = int(words[1].split(" ", 1)[0])


async def echo(websocket, path=None):
    async for message in websocket:
        await websocket.send(message)


async def run(messages):
    async with websockets.serve(echo, "127.0.0.1", 0, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        # The client's keepalive pings log "% sending keepalive ping".
        async with websockets.connect(f"ws://127.0.0.1:{port}/chat",
                                      ping_interval=0.1, ping_timeout=5) as client:
            for i in range(messages):
                await client.send(f"hello {i}")
                await client.recv()
            await client.send(bytes(range(40)))
            await client.recv()
            pong = await client.ping(b"are you there")
            await pong
            await asyncio.sleep(0.35)
            await client.close(code=1000, reason="done")
        # A plain HTTP request is no WebSocket upgrade: "! invalid upgrade".
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        await reader.read()
        writer.close()
        # The server's side of the closing handshake is logged as it ends.
        await asyncio.sleep(0.1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, help="Logdeck's SocketHandler port")
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--print", action="store_true", help="print the messages instead")
    args = parser.parse_args()

    tally = Tally()
    if args.print:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(name)s\t%(message)s"))
    else:
        handler = logging.handlers.SocketHandler("127.0.0.1", args.port)
    handler.addFilter(tally)
    logger = logging.getLogger("websockets")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)

    asyncio.run(run(args.messages))
    handler.close()

    if not args.print:
        print(json.dumps({"records": tally.records, "kinds": tally.kinds, "sent": tally.sent,
                          "received": tally.received, "pings": tally.pings,
                          "close_code": tally.close_code}), flush=True)


if __name__ == "__main__":
    main()
