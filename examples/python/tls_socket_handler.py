#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sends log records to Logdeck over TLS, with the standard library only.

logging.handlers.SocketHandler has no TLS of its own, but its makeSocket() is
there to be overridden: this subclass wraps the socket in ssl, and checks
Logdeck's certificate against the one given with --cafile. Start Logdeck with
a certificate, for example

    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=logdeck \\
        -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout key.pem -out cert.pem
    logdeck --tls-cert cert.pem --tls-key key.pem

then run:

    python3 tls_socket_handler.py --cafile cert.pem [--host 127.0.0.1] [--port 9020]
        [--certfile client.pem --keyfile client-key.pem]   # when Logdeck has --tls-client-ca
"""

import argparse
import logging
import logging.handlers
import ssl


class TLSSocketHandler(logging.handlers.SocketHandler):
    """A SocketHandler whose connection is TLS."""

    def __init__(self, host, port, context):
        super().__init__(host, port)
        self.context = context

    def makeSocket(self, timeout=1):
        sock = super().makeSocket(timeout)
        return self.context.wrap_socket(sock, server_hostname=self.host)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=logging.handlers.DEFAULT_TCP_LOGGING_PORT)
    parser.add_argument("--cafile", required=True, help="the certificate Logdeck shows, or its CA")
    parser.add_argument("--certfile", help="a client certificate, for --tls-client-ca")
    parser.add_argument("--keyfile", help="the client certificate's key")
    parser.add_argument("--count", type=int, default=3)
    args = parser.parse_args()

    context = ssl.create_default_context(cafile=args.cafile)
    if args.certfile:
        context.load_cert_chain(args.certfile, args.keyfile)

    handler = TLSSocketHandler(args.host, args.port, context)
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)

    log = logging.getLogger("myapp.secure")
    for i in range(args.count):
        log.info("Record %d over TLS", i + 1, extra={"n": i + 1})
    handler.close()


if __name__ == "__main__":
    main()
