#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""An attacker for test-hardening: opens many TCP connections and holds them.

  --connections N    connections that send nothing (idle)
  --slowloris M      connections that send the first 2 bytes of a frame header
                     and stall; with --reconnect, one the server closes is
                     opened again
  --wait-stdin       opens them only once a line arrives on stdin (and none if
                     stdin ends first)

Prints "holding N" once all are open, then holds them for --seconds (or until
killed), and prints how many the server closed.
"""

import argparse
import ctypes
import resource
import selectors
import signal
import socket
import sys
import time


def open_connection(host, port, slow):
    try:
        sock = socket.create_connection((host, port), timeout=10)
        if slow:
            sock.sendall(b"\x00\x00")
    except OSError:
        return None
    sock.setblocking(False)
    return sock


def die_with_parent():
    """An attacker must not outlive a test that failed."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def main():
    die_with_parent()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=0)
    parser.add_argument("--slowloris", type=int, default=0)
    parser.add_argument("--reconnect", action="store_true")
    parser.add_argument("--wait-stdin", action="store_true")
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.wait_stdin and not sys.stdin.readline():
        return

    deadline = time.monotonic() + args.seconds
    selector = selectors.DefaultSelector()
    kinds = [False] * args.connections + [True] * args.slowloris
    n_open = 0
    for slow in kinds:
        sock = open_connection(args.host, args.port, slow)
        if sock is not None:
            selector.register(sock, selectors.EVENT_READ, slow)
            n_open += 1
    print("holding %d" % n_open, flush=True)

    n_closed = 0
    n_reopened = 0
    while time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.2):
            try:
                if key.fileobj.recv(4096):
                    continue
            except BlockingIOError:
                continue
            except OSError:
                pass
            selector.unregister(key.fileobj)
            key.fileobj.close()
            n_closed += 1
            if key.data and args.reconnect:
                sock = open_connection(args.host, args.port, True)
                if sock is not None:
                    selector.register(sock, selectors.EVENT_READ, True)
                    n_reopened += 1
    print("closed %d reopened %d" % (n_closed, n_reopened), flush=True)


if __name__ == "__main__":
    main()
