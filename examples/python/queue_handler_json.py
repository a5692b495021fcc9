#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sends log records to Logdeck as JSON lines over TCP, from a QueueHandler subclass.

This is the logging cookbook's ZeroMQ and pynng pattern with a plain socket as the
"queue": QueueHandler.prepare() formats the message (and any traceback) into the record,
and enqueue() writes json.dumps(record.__dict__) as one line. Logdeck's TCP port takes
these lines and SocketHandler's pickles alike: it looks at each connection's first byte.
Start Logdeck first (it listens on 127.0.0.1:9020 by default), then run:

    python3 queue_handler_json.py [--host 127.0.0.1] [--port 9020]
"""

import argparse
import json
import logging
import logging.handlers
import socket
import threading


class JSONLinesSocket:
    """What enqueue() writes to: one JSON text and a newline per record."""

    def __init__(self, host, port):
        self.socket = socket.create_connection((host, port))
        self.lock = threading.Lock()

    def send_json(self, data):
        # default=str: a value json cannot write is sent as its str().
        line = json.dumps(data, default=str) + "\n"
        with self.lock:
            self.socket.sendall(line.encode("utf-8"))

    def close(self):
        self.socket.close()


class JSONLinesQueueHandler(logging.handlers.QueueHandler):
    def enqueue(self, record):
        self.queue.send_json(record.__dict__)

    def close(self):
        self.queue.close()
        super().close()


def worker(number):
    log = logging.getLogger("orders.worker%d" % number)
    for order in range(3):
        log.info("Order %d packed", order, extra={"order": order, "worker": number})


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=logging.handlers.DEFAULT_TCP_LOGGING_PORT)
    args = parser.parse_args()

    handler = JSONLinesQueueHandler(JSONLinesSocket(args.host, args.port))
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)

    log = logging.getLogger("orders")
    log.debug("Connected to the order database")
    log.info("User %s placed order %d", "alice", 42, extra={"user": "alice", "order": 42})
    log.warning("Stock of %s is low: %d left", "widgets", 3)
    threads = [threading.Thread(target=worker, args=(n,), name="Packer-%d" % n)
               for n in range(1, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        {}["missing"]
    except KeyError:
        log.exception("Looking up an order failed")
    log.info("Ünïcode and JSON's own characters: \" \\ \n done")

    handler.close()


if __name__ == "__main__":
    main()
