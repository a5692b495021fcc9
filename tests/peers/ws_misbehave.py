#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""An attacker for test-hardening: WebSocket clients on /ws that misbehave.

Each scenario prints one JSON line, {"case": SCENARIO, "status": n, …}, and
every wait in it is bounded.

  closing-deadline   a raw client that never reads: pings until the server's
                     socket buffer is full and more pongs wait in the session,
                     then starts a fragmented message (the session is busy
                     from then, for --busy-seconds), and a little before that
                     deadline sends a frame that is a protocol error, so that
                     the deadline passes while the session is closing. Waits
                     for the server to close its side (as /proc/net/tcp shows
                     it). Times are in seconds from the first fragment;
                     status 0 when it went as planned
  pong-hog           a raw client (TLS with --cafile) that sends pings and
                     never reads its pongs, until the server stops taking
                     them; prints "status": 0 then, and holds its connection,
                     still not reading, until killed (or --hold seconds)
  json-flood         the `websockets` library: a good record, --messages
                     messages that are not JSON, another good record, and a
                     normal close; status 0
  origin             the `websockets` library with an Origin header of
                     --origin, and --token as a bearer token if given: one
                     record, --message; status 101 when the upgrade was
                     accepted, else the HTTP status of the refusal
"""

import argparse
import asyncio
import base64
import ctypes
import json
import os
import signal
import socket
import ssl
import struct
import sys
import time

import websockets
import websockets.exceptions


def report(case, status, **more):
    print(json.dumps(dict(case=case, status=status, **more)), flush=True)


def die_with_parent():
    """An attacker must not outlive a test that failed."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


# Raw frames

def frame(opcode, payload, fin=True):
    """A masked client frame."""
    mask = os.urandom(4)
    n = len(payload)
    header = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        header += bytes([0x80 | n])
    elif n < 65536:
        header += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        header += bytes([0x80 | 127]) + struct.pack(">Q", n)
    key = (mask * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")
    return header + mask + masked


def pings(count, size=120):
    """@count pings of @size bytes: each comes back as a pong of size + 2."""
    one = frame(0x9, b"p" * size)
    return one * count


def raw_connect(host, port, context=None, rcvbuf=4096):
    """A WebSocket handshake by hand, with a small receive buffer so that
    what the client does not read soon backs up on the server."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(20)
    sock.connect((host, port))
    local_port = sock.getsockname()[1]
    if context is not None:
        sock = context.wrap_socket(sock, server_hostname=host)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(("GET /ws HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n" % (host, port, key)).encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        byte = sock.recv(1)
        if not byte:
            raise SystemExit("closed during the handshake: %r" % answer)
        answer += byte
    if not answer.startswith(b"HTTP/1.1 101"):
        raise SystemExit("upgrade refused: %r" % answer)
    return sock, local_port


def server_socket(port, client_port):
    """(state, tx_queue) of the server's side of our connection, from
    /proc/net/tcp, or None once it is gone."""
    local = "0100007F:%04X" % port
    remote = "0100007F:%04X" % client_port
    with open("/proc/net/tcp", encoding="ascii") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if fields[1] == local and fields[2] == remote:
                tx_queue = int(fields[4].split(":")[0], 16)
                return int(fields[3], 16), tx_queue
    return None


TCP_ESTABLISHED = 1


def closing_deadline(args):
    sock, client_port = raw_connect(args.host, args.port)

    # Pongs fill the server's socket buffer: its send queue grows by less
    # than half a batch's pongs, and then not at all. What did not fit waits
    # in the session: at most 1.5 batches, with the 1500 below some 730 KiB,
    # under its limit of 1 MiB.
    count = 3000
    batch = pings(count)
    expected = count * (120 + 2)
    last = 0
    deadline = time.monotonic() + 20
    while True:
        sock.sendall(batch)
        time.sleep(0.1)
        state = server_socket(args.port, client_port)
        if state is None or state[0] != TCP_ESTABLISHED:
            report("closing-deadline", 1, why="closed while filling")
            return
        if state[1] - last < expected // 2:
            time.sleep(0.1)
            again = server_socket(args.port, client_port)
            if again is not None and again[1] == state[1]:
                last = state[1]
                break
            state = again or state
        last = state[1]
        if time.monotonic() > deadline:
            report("closing-deadline", 1, why="the send queue keeps growing", queued=last)
            return
    # Some 180 KiB more wait in the session itself, well under its limit.
    sock.sendall(pings(1500))
    time.sleep(0.2)

    # The first fragment of a message: busy from now.
    sock.sendall(frame(0x1, b"{", fin=False))
    start = time.monotonic()
    time.sleep(max(0.0, args.busy_seconds - 0.4))
    # A new data frame in the middle of a fragmented message.
    sock.sendall(frame(0x2, b"z"))
    error_at = time.monotonic() - start

    closed_at = None
    while time.monotonic() - start < error_at + 10:
        state = server_socket(args.port, client_port)
        if state is None or state[0] != TCP_ESTABLISHED:
            closed_at = time.monotonic() - start
            break
        time.sleep(0.02)
    report("closing-deadline", 0 if closed_at is not None else 1, queued=last,
           error_at=round(error_at, 3), closed_at=closed_at and round(closed_at, 3))
    sock.close()


def pong_hog(args):
    context = None
    if args.cafile:
        context = ssl.create_default_context(cafile=args.cafile)
    sock, _ = raw_connect(args.host, args.port, context)
    sock.settimeout(2)
    batch = pings(2000)
    sent = 0
    why = "sent 64 MiB"
    try:
        while sent < 64 * 1024 * 1024:
            sock.sendall(batch)
            sent += len(batch)
    except (OSError, ssl.SSLError) as error:
        why = str(error) or type(error).__name__
    report("pong-hog", 0, sent=sent, why=why)
    # Still there, still reading nothing.
    time.sleep(args.hold)
    sock.close()


async def json_flood(args):
    uri = "ws://%s:%d/ws" % (args.host, args.port)
    async with websockets.connect(uri, open_timeout=20, close_timeout=20) as ws:
        await ws.send(json.dumps({"message": args.message + " before", "logger": "peer.flood"}))
        for _ in range(args.messages):
            await ws.send("{bad")
        await ws.send(json.dumps({"message": args.message + " after", "logger": "peer.flood"}))
    report("json-flood", 0)


async def origin(args):
    uri = "ws://%s:%d/ws" % (args.host, args.port)
    headers = {}
    if args.token is not None:
        headers["Authorization"] = "Bearer " + args.token
    try:
        async with websockets.connect(uri, origin=args.origin, extra_headers=headers,
                                      open_timeout=20, close_timeout=20) as ws:
            await ws.send(json.dumps({"message": args.message, "logger": "peer.origin"}))
            status = 101
    except websockets.exceptions.InvalidStatusCode as error:
        status = error.status_code
    report("origin", status)


def main():
    die_with_parent()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=["closing-deadline", "pong-hog", "json-flood",
                                             "origin"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--busy-seconds", type=float, default=2)
    parser.add_argument("--cafile")
    parser.add_argument("--hold", type=float, default=60)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--message", default="ws record")
    parser.add_argument("--origin")
    parser.add_argument("--token")
    args = parser.parse_args()

    if args.scenario == "closing-deadline":
        closing_deadline(args)
    elif args.scenario == "pong-hog":
        pong_hog(args)
    elif args.scenario == "json-flood":
        asyncio.run(json_flood(args))
    else:
        asyncio.run(origin(args))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
