#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A peer for test-hardening: sends numbered records with CPython's own
logging.handlers.SocketHandler, in plain text or over TLS.

  --records N --message TEXT   sends "TEXT 0" … "TEXT N-1"
  --cafile CERT                speaks TLS, trusting CERT for the server
  --cert CERT --key KEY        shows this client certificate
  --wait-stdin                 sends only once a line arrives on stdin (and
                               nothing if stdin ends first)
"""

import argparse
import logging
import logging.handlers
import ssl
import sys


class TlsSocketHandler(logging.handlers.SocketHandler):
    """SocketHandler whose connection is wrapped in TLS."""

    def __init__(self, host, port, context):
        super().__init__(host, port)
        self.context = context

    def makeSocket(self, timeout=1):
        sock = super().makeSocket(timeout)
        try:
            return self.context.wrap_socket(sock, server_hostname=self.host)
        except OSError:
            sock.close()
            raise


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=logging.handlers.DEFAULT_TCP_LOGGING_PORT)
    parser.add_argument("--records", type=int, default=10)
    parser.add_argument("--message", default="record")
    parser.add_argument("--cafile")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--wait-stdin", action="store_true")
    args = parser.parse_args()

    if args.cafile:
        context = ssl.create_default_context(cafile=args.cafile)
        if args.cert:
            context.load_cert_chain(args.cert, args.key)
        handler = TlsSocketHandler(args.host, args.port, context)
    else:
        handler = logging.handlers.SocketHandler(args.host, args.port)

    logger = logging.getLogger("peer.records")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)

    if args.wait_stdin and not sys.stdin.readline():
        return
    for i in range(args.records):
        logger.info("%s %d", args.message, i)
    handler.close()


if __name__ == "__main__":
    main()
