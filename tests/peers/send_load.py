#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A peer for test-hardening: --senders threads, each with its own
logging.handlers.SocketHandler (its own connection), each sending --records
records "load S-N" (S the sender, N the record), all at once.
"""

import argparse
import logging
import logging.handlers
import threading


def send(host, port, sender, records, ready):
    handler = logging.handlers.SocketHandler(host, port)
    logger = logging.getLogger("load.%d" % sender)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    ready.wait(timeout=60)
    for n in range(records):
        logger.info("load %d-%d", sender, n)
    handler.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=logging.handlers.DEFAULT_TCP_LOGGING_PORT)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args()

    ready = threading.Barrier(args.senders)
    threads = [threading.Thread(target=send, args=(args.host, args.port, s, args.records, ready))
               for s in range(args.senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
