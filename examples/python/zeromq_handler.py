#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sends log records to Logdeck over ZeroMQ, with the logging cookbook's ZeroMQSocketHandler.

The cookbook's "Subclassing QueueHandler and QueueListener - a ZeroMQ example" publishes
json of record.__dict__ on a PUB socket that the handler binds; Logdeck takes the place of its
ZeroMQSocketListener, a SUB that connects:

    logdeck --zmq tcp://127.0.0.1:5556 &
    python3 zeromq_handler.py

Or the other way round, the handler's socket connecting to Logdeck, which listens with a SUB
socket on the address given and a PULL socket on the next port:

    logdeck --zmq-listen tcp://127.0.0.1:5556 &
    python3 zeromq_handler.py --connect tcp://127.0.0.1:5557 --push

It needs pyzmq: on Debian, apt install python3-zmq.
"""

import argparse
import json
import logging
import logging.handlers
import threading
import time

import zmq


# The cookbook's handler, with one change: default=str sends a value that json cannot write
# (an object passed in extra=, say) as its str(), where send_json() would raise and the record
# would be lost. QueueHandler.prepare() has already formatted the message and any traceback
# into the record and set exc_info to None, so the traceback arrives as text.
class ZeroMQSocketHandler(logging.handlers.QueueHandler):
    def enqueue(self, record):
        self.queue.send_json(record.__dict__, default=str)


# The cookbook's "Implementing structured logging": Logdeck shows "text >>> {json}" as the
# text, with the object's keys as fields.
class StructuredMessage:
    def __init__(self, message, /, **kwargs):
        self.message = message
        self.kwargs = kwargs

    def __str__(self):
        return '%s >>> %s' % (self.message, json.dumps(self.kwargs))


_ = StructuredMessage


def worker(number):
    log = logging.getLogger("orders.worker%d" % number)
    for order in range(3):
        log.info("Order %d packed", order, extra={"order": order, "worker": number})


def log_some_records():
    log = logging.getLogger("orders")
    log.debug("Connected to the order database")
    log.info("User %s placed order %d", "alice", 42, extra={"user": "alice", "order": 42})
    log.warning("Stock of %s is low: %d left", "widgets", 3)
    log.info(_("Payment taken", order=42, amount=19.99, currency="EUR"))
    threads = [threading.Thread(target=worker, args=(n,), name="Packer-%d" % n)
               for n in range(1, 3)]
    for thread in threads:
        thread.start()
        # A ZeroMQ socket is not thread-safe: one thread logs at a time here.
        thread.join()
    try:
        {}["missing"]
    except KeyError:
        log.exception("Looking up an order failed")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bind", default="tcp://127.0.0.1:5556",
                        help="where the PUB socket listens (the cookbook's shape)")
    parser.add_argument("--connect", help="connect to Logdeck's --zmq-listen instead")
    parser.add_argument("--push", action="store_true", help="with --connect: a PUSH socket, "
                        "to Logdeck's PULL port, rather than a PUB to its SUB port")
    parser.add_argument("--wait", type=float, default=1.0,
                        help="seconds a PUB waits for subscribers before it logs")
    args = parser.parse_args()

    ctx = zmq.Context()
    sock = zmq.Socket(ctx, zmq.PUSH if args.push else zmq.PUB)
    if args.connect:
        sock.connect(args.connect)
    else:
        sock.bind(args.bind)
    # A PUB sends only to the subscribers it has: what it publishes before Logdeck's SUB has
    # connected and subscribed is lost (ZeroMQ's "slow joiner"). A PUSH keeps it until then.
    if not args.push:
        time.sleep(args.wait)

    handler = ZeroMQSocketHandler(sock)
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    log_some_records()

    root.removeHandler(handler)
    # Closing waits until ZeroMQ has sent what is queued.
    sock.close()
    ctx.term()


if __name__ == "__main__":
    main()
