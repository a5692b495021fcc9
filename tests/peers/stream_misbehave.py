#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A peer for test-hardening: senders on the TCP and HTTP ports that are
awkward or hostile. Each scenario prints one JSON line, {"case": SCENARIO,
"status": n, …}, and every wait in it is bounded.

  straddle     JSON lines on the TCP port, --lines of them "MESSAGE N", where
               every write ends in the middle of a line: the second half of
               one line and the first half of the next, every --interval
               seconds. Status 0 if the server never closed the connection
  body         a POST to --path that declares --length bytes and streams its
               body for at most --seconds (and --max-bytes), reading what
               the server answers meanwhile; status is the answer's HTTP
               status (0 for none), "while_sending" whether it came before
               the client stopped of its own accord
  patient-tls  CPython's logging.handlers.SocketHandler over TLS (trusting
               --cafile) whose connection may take --timeout seconds, as a
               patient sender's would: --records records "MESSAGE N"; status 0
"""

import argparse
import ctypes
import json
import logging
import logging.handlers
import select
import signal
import socket
import ssl
import time


def report(case, status, **more):
    print(json.dumps(dict(case=case, status=status, **more)), flush=True)


def die_with_parent():
    """A peer must not outlive a test that failed."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def closed_by_server(sock):
    """Whether the server has closed (or reset) the connection; it sends
    nothing on this port, so anything readable is the end."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(4096, socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def straddle(args):
    lines = [json.dumps({"msg": "%s %03d" % (args.message, i), "levelname": "INFO",
                         "name": "peer.straddle"}).encode() + b"\n"
             for i in range(args.lines)]
    sock = socket.create_connection((args.host, args.port), timeout=20)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    start = time.monotonic()
    # Write k holds the end of line k-1 and the start of line k.
    for k in range(args.lines + 1):
        data = b""
        if k > 0:
            data += lines[k - 1][len(lines[k - 1]) // 2:]
        if k < args.lines:
            data += lines[k][:len(lines[k]) // 2]
        if closed_by_server(sock):
            report("straddle", 1, closed_at=round(time.monotonic() - start, 3), writes=k)
            return
        try:
            sock.sendall(data)
        except OSError as error:
            report("straddle", 1, closed_at=round(time.monotonic() - start, 3), writes=k,
                   why=str(error))
            return
        if k < args.lines:
            time.sleep(args.interval)
    time.sleep(args.interval)
    if closed_by_server(sock):
        report("straddle", 1, closed_at=round(time.monotonic() - start, 3),
               writes=args.lines + 1)
        return
    sock.close()
    report("straddle", 0, lines=args.lines, seconds=round(time.monotonic() - start, 3))


def body(args):
    sock = socket.create_connection((args.host, args.port), timeout=20)
    sock.sendall(("POST %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: stream_misbehave\r\n"
                  "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                  % (args.path, args.host, args.port, args.length)).encode())
    sock.setblocking(False)
    chunk = b" " * (256 * 1024)
    received = b""
    sent = 0
    sent_at_answer = None
    stopped = "time"
    start = time.monotonic()
    while True:
        if time.monotonic() - start > args.seconds:
            break
        if sent >= args.max_bytes:
            stopped = "max-bytes"
            break
        readable, writable, _ = select.select([sock], [sock], [], 0.05)
        try:
            if readable:
                data = sock.recv(65536)
                if not data:
                    stopped = "closed"
                    break
                received += data
                if sent_at_answer is None and b"\r\n" in received:
                    sent_at_answer = sent
            if writable:
                sent += sock.send(chunk)
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as error:
            stopped = str(error)
            break
    while_sending = sent_at_answer is not None
    # What the server says at last, if it has said nothing yet.
    sock.setblocking(True)
    sock.settimeout(5)
    try:
        while b"\r\n" not in received:
            data = sock.recv(65536)
            if not data:
                break
            received += data
    except OSError:
        pass
    status = 0
    if received.startswith(b"HTTP/1.1 "):
        status = int(received.split(b" ")[1])
    report("body", status, path=args.path, sent=sent, sent_at_answer=sent_at_answer,
           while_sending=while_sending, stopped=stopped,
           seconds=round(time.monotonic() - start, 3))
    sock.close()


class PatientTlsSocketHandler(logging.handlers.SocketHandler):
    """SocketHandler over TLS whose connection, handshake included, may take
    @timeout seconds rather than SocketHandler's one."""

    def __init__(self, host, port, context, timeout):
        super().__init__(host, port)
        self.context = context
        self.timeout = timeout

    def makeSocket(self, timeout=1):
        sock = super().makeSocket(self.timeout)
        try:
            return self.context.wrap_socket(sock, server_hostname=self.host)
        except OSError:
            sock.close()
            raise


def patient_tls(args):
    context = ssl.create_default_context(cafile=args.cafile)
    handler = PatientTlsSocketHandler(args.host, args.port, context, args.timeout)
    logger = logging.getLogger("peer.patient")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    start = time.monotonic()
    for i in range(args.records):
        logger.info("%s %d", args.message, i)
    handler.close()
    report("patient-tls", 0, seconds=round(time.monotonic() - start, 3))


def main():
    die_with_parent()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=["straddle", "body", "patient-tls"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--message", default="record")
    parser.add_argument("--path", default="/")
    parser.add_argument("--length", type=int, default=1900000000)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--max-bytes", type=int, default=256 * 1024 * 1024)
    parser.add_argument("--cafile")
    parser.add_argument("--records", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()

    if args.scenario == "straddle":
        straddle(args)
    elif args.scenario == "body":
        body(args)
    else:
        patient_tls(args)


if __name__ == "__main__":
    main()
