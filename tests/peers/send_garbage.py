#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""An attacker for test-hardening: sends random bytes to a TCP port for
--seconds, connecting again whenever the server closes the connection, at
most --rate bytes a second. Prints how many connections it made.
"""

import argparse
import ctypes
import os
import signal
import socket
import time


def die_with_parent():
    """An attacker must not outlive a test that failed."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def main():
    die_with_parent()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=int, default=4 * 1024 * 1024)
    args = parser.parse_args()

    chunk = 16 * 1024
    deadline = time.monotonic() + args.seconds
    n_connections = 0
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((args.host, args.port), timeout=5) as sock:
                n_connections += 1
                while time.monotonic() < deadline:
                    sock.sendall(os.urandom(chunk))
                    time.sleep(chunk / args.rate)
        except OSError:
            time.sleep(0.01)
    print("connections %d" % n_connections, flush=True)


if __name__ == "__main__":
    main()
