#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A `websockets` echo server whose own logs stream to Logdeck over a WebSocket.

The websockets.server logger says "connection open" and "connection closed" (INFO) and,
at DEBUG, every frame: ">" sent, "<" received, "=" state changes, "%" keepalive pings.
Each of its records carries the connection object as record.websocket, which neither
pickle nor json can write; Python's stock handlers then drop the record. The filter here
replaces it with what identifies the connection, as the websockets logging guide does:
connection_id (the connection's UUID) and remote_addr (the client's address, or the
first address of X-Forwarded-For behind a reverse proxy). Logdeck shows connection_id in
its Connection column, so each client's frames line up.

The handler sends every record's dict as JSON to Logdeck's /ws, from a thread of its own
with its own event loop, several records per message when they come fast.

Start Logdeck first (it serves WebSockets on ws://127.0.0.1:9022/ws by default), then:

    python3 websockets_server.py [--serve-port 8765]     # until Ctrl+C
    python3 websockets_server.py --demo-clients 3        # a few clients, then exit
"""

import argparse
import asyncio
import json
import logging
import logging.handlers
import queue
import threading

import websockets


class WebSocketContext(logging.Filter):
    """Replaces record.websocket, which no handler can send, with connection_id and
    remote_addr."""

    def filter(self, record):
        websocket = record.__dict__.pop("websocket", None)
        if websocket is None:
            return True
        record.connection_id = str(websocket.id)
        headers = getattr(websocket, "request_headers", None)
        forwarded = headers.get("X-Forwarded-For") if headers is not None else None
        if forwarded:
            record.remote_addr = forwarded.split(",")[0].strip()
        else:
            try:
                host, port = websocket.remote_address[:2]
                record.remote_addr = "%s:%d" % (host, port)
            except (TypeError, ValueError):
                record.remote_addr = None
        return True


class LogdeckHandler(logging.Handler):
    """Sends json.dumps(record.__dict__) to Logdeck's /ws.

    emit() only formats and queues; a thread with its own asyncio loop holds the
    WebSocket connection, and sends what has queued up as newline-delimited JSON in one
    message. If Logdeck is not there yet, the thread tries again every second and
    keeps the records meanwhile."""

    def __init__(self, uri):
        super().__init__()
        self.uri = uri
        self.records = queue.SimpleQueue()
        self.sender = threading.Thread(target=asyncio.run, args=(self.send_all(),),
                                       name="logdeck-sender", daemon=True)
        self.sender.start()

    def emit(self, record):
        try:
            data = dict(record.__dict__)
            # Like QueueHandler.prepare(): the message formatted, the traceback as text.
            data["msg"] = record.getMessage()
            data["args"] = None
            if record.exc_info:
                data["exc_text"] = logging.Formatter().formatException(record.exc_info)
            data["exc_info"] = None
            self.records.put(json.dumps(data, default=str))
        except Exception:
            self.handleError(record)

    def next_batch(self):
        batch = [self.records.get()]
        while len(batch) < 1000:
            try:
                batch.append(self.records.get_nowait())
            except queue.Empty:
                break
        return batch

    async def send_all(self):
        loop = asyncio.get_running_loop()
        pending = []
        while True:
            try:
                async with websockets.connect(self.uri) as ws:
                    while True:
                        if not pending:
                            pending = await loop.run_in_executor(None, self.next_batch)
                        done = None in pending
                        texts = [text for text in pending if text is not None]
                        if texts:
                            await ws.send("\n".join(texts))
                        pending = []
                        if done:
                            return
            except (OSError, websockets.WebSocketException):
                await asyncio.sleep(1)

    def close(self):
        self.records.put(None)
        self.sender.join(timeout=10)
        super().close()


async def echo(websocket, path=None):
    async for message in websocket:
        await websocket.send(message)


async def demo_client(port, number):
    # The third client comes through a reverse proxy, as far as the server can tell.
    headers = {"X-Forwarded-For": "203.0.113.%d" % number} if number == 3 else {}
    async with websockets.connect("ws://127.0.0.1:%d/" % port, extra_headers=headers) as ws:
        for i in range(3):
            await ws.send("hello %d from client %d" % (i, number))
            await ws.recv()


async def serve(port, demo_clients):
    async with websockets.serve(echo, "127.0.0.1", port) as server:
        port = server.sockets[0].getsockname()[1]
        if not demo_clients:
            await asyncio.Future()
        await asyncio.gather(*(demo_client(port, n) for n in range(1, demo_clients + 1)))
        # Let the server log the last closing handshakes.
        await asyncio.sleep(0.2)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="Logdeck's address")
    parser.add_argument("--port", type=int, default=logging.handlers.DEFAULT_HTTP_LOGGING_PORT,
                        help="Logdeck's HTTP and WebSocket port")
    parser.add_argument("--serve-port", type=int, default=8765,
                        help="the port this echo server listens on (0 for any)")
    parser.add_argument("--demo-clients", type=int, default=0,
                        help="run this many clients against the server, then exit")
    args = parser.parse_args()

    handler = LogdeckHandler("ws://%s:%d/ws" % (args.host, args.port))
    server_log = logging.getLogger("websockets.server")
    server_log.setLevel(logging.DEBUG)
    server_log.addFilter(WebSocketContext())
    server_log.addHandler(handler)

    try:
        asyncio.run(serve(0 if args.demo_clients else args.serve_port, args.demo_clients))
    except KeyboardInterrupt:
        pass
    finally:
        handler.close()


if __name__ == "__main__":
    main()
