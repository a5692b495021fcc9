#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A ZeroMQ sender for test-mq: the logging cookbook's ZeroMQSocketHandler, in both forms of
its section "Subclassing QueueHandler and QueueListener - a ZeroMQ example", run with Debian's
python3-zmq:

  --form socket   the handler given a socket made here (a PUB that binds, as the cookbook's
                  first example, or a PUSH that connects: "or zmq.PUSH")
  --form uri      the cookbook's subclass that makes and binds its own socket from a URI

It prints "bound ADDRESS" once its socket is bound or connected. With --handshake it then
logs a record "probe" every 50 ms until a line arrives on standard input: a SUB only gets what
is published after its subscription has reached the PUB (ZeroMQ's "slow joiner"), so the test
says when a probe has arrived. Then it logs --count records and prints a JSON summary.
"""

import argparse
import itertools
import json
import logging
import sys
import threading
import time
from logging.handlers import QueueHandler

import zmq


# The cookbook's handler, given a socket.
class ZeroMQSocketHandler(QueueHandler):
    def enqueue(self, record):
        self.queue.send_json(record.__dict__)


# The cookbook's handler that makes its own socket from a URI.
class ZeroMQSocketHandlerFromURI(QueueHandler):
    def __init__(self, uri, socktype=zmq.PUB, ctx=None):
        self.ctx = ctx or zmq.Context()
        socket = zmq.Socket(self.ctx, socktype)
        socket.bind(uri)
        super().__init__(socket)

    def enqueue(self, record):
        self.queue.send_json(record.__dict__)

    def close(self):
        self.queue.close()


# Not in the cookbook: a topic frame before the JSON, as send_multipart() sends it.
class TopicHandler(QueueHandler):
    def __init__(self, socket, topic):
        super().__init__(socket)
        self.topic = topic.encode()

    def enqueue(self, record):
        self.queue.send_multipart([self.topic, json.dumps(record.__dict__).encode()])


# The cookbook's "Implementing structured logging".
class StructuredMessage:
    def __init__(self, message, /, **kwargs):
        self.message = message
        self.kwargs = kwargs

    def __str__(self):
        return '%s >>> %s' % (self.message, json.dumps(self.kwargs))


# Numbers records, so that the receiver can see which never arrived.
class SequenceFilter(logging.Filter):
    def __init__(self):
        super().__init__()
        self.counter = itertools.count(1)

    def filter(self, record):
        record.seq = next(self.counter)
        return True


def make_handler(args):
    if args.form == 'uri':
        return ZeroMQSocketHandlerFromURI(args.bind)

    ctx = zmq.Context()
    sock = zmq.Socket(ctx, zmq.PUSH if args.type == 'push' else zmq.PUB)
    sock.setsockopt(zmq.SNDHWM, args.sndhwm)
    if args.bind:
        sock.bind(args.bind)
    else:
        sock.connect(args.connect)
    if args.topic:
        return TopicHandler(sock, args.topic)
    return ZeroMQSocketHandler(sock)


def wait_for_go(logger):
    go = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.readline(), go.set()), daemon=True).start()
    probe = logging.getLogger('probe')
    while not go.wait(0.05):
        probe.info('probe')


def log_records(logger, count):
    levels = [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR]
    for i in range(count):
        logger.log(levels[i % 4], 'record %d of %d', i, count)


def log_specials(logger):
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception('special: an exception')
    logger.info(StructuredMessage('special: structured', fnum=123.456, num=123, bar='baz'))
    worker = threading.Thread(target=lambda: logger.warning('special: from a thread'),
                              name='Worker-7')
    worker.start()
    worker.join()


# Messages Logdeck must refuse, each on its own, sent on the handler's socket.
def send_bad(sock, oversize):
    sock.send(b'{"name": "bad", "msg": "broken')
    sock.send(b'\x00\x01\xffnot json at all')
    sock.send(json.dumps({'name': 'bad', 'msg': 'x' * oversize}).encode())


# A publisher faster than its subscriber: raw record.__dict__ texts, each numbered by "seq"
# and with @fields extra fields that make it slow to take, sent without waiting.
def flood(sock, count, fields):
    record = {'name': 'flood', 'msg': 'flood %d', 'levelno': 20, 'levelname': 'INFO',
              'seq': 0}
    record.update(('field_%d' % i, i) for i in range(fields))
    template = json.dumps(record).replace('"seq": 0', '"seq": %d')
    for i in range(1, count + 1):
        sock.send((template % (i, i)).encode())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--form', choices=['socket', 'uri'], default='socket')
    parser.add_argument('--type', choices=['pub', 'push'], default='pub')
    parser.add_argument('--bind')
    parser.add_argument('--connect')
    parser.add_argument('--count', type=int, default=0)
    parser.add_argument('--topic')
    parser.add_argument('--handshake', action='store_true')
    parser.add_argument('--specials', action='store_true')
    parser.add_argument('--seq', action='store_true')
    parser.add_argument('--sndhwm', type=int, default=1000)
    parser.add_argument('--bad-oversize', type=int, default=0,
                        help='send bad messages, the oversize one of this many bytes')
    parser.add_argument('--flood', type=int, default=0)
    parser.add_argument('--flood-fields', type=int, default=1000)
    args = parser.parse_args()

    handler = make_handler(args)
    sock = handler.queue
    print('bound', sock.getsockopt(zmq.LAST_ENDPOINT).decode() if args.bind
          else args.connect, flush=True)

    logger = logging.getLogger('cookbook.zmq')
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    probe = logging.getLogger('probe')
    probe.setLevel(logging.INFO)
    probe.propagate = False
    probe.addHandler(handler)
    if args.seq:
        handler.addFilter(SequenceFilter())

    if args.handshake:
        wait_for_go(logger)
    log_records(logger, args.count)
    if args.flood:
        flood(sock, args.flood, args.flood_fields)
    if args.specials:
        log_specials(logger)
    if args.bad_oversize:
        send_bad(sock, args.bad_oversize)
        logger.info('after the bad messages')

    # Closing waits until every queued message is sent (the default linger).
    handler.close()
    sock.close()
    sock.context.term()
    print(json.dumps({'sent': args.count}), flush=True)


if __name__ == '__main__':
    main()
