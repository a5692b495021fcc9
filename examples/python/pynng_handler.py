#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sends log records to Logdeck over NNG, with the logging cookbook's NNGSocketHandler.

The sender of the cookbook's "Subclassing QueueHandler and QueueListener - a pynng example",
unchanged but for its endless loop, which here stops after --count records. It dials a Pub0
socket to tcp://localhost:13232, where the cookbook's listener is a Sub0 socket; Logdeck
listens there by default:

    logdeck --nng-listen tcp://127.0.0.1:13232 &
    python3 pynng_handler.py

Logdeck lists each connection as a pipe of its own ("nng-1/pipe-1") with its peer's address.

pynng is not packaged in Debian 12: install it with pip in a virtual environment
(python3 -m venv nng && nng/bin/pip install pynng). Logdeck's tests do not run this file; they
send the same records with nngcat (Debian's nng-utils) and with libnng's Pub0 from C.

If "localhost" resolves to ::1 on the sender's machine, dial tcp://127.0.0.1:13232 instead, or
have Logdeck listen on tcp://[::1]:13232.
"""

import argparse
import json
import logging
import logging.handlers
import random
import time

import pynng

DEFAULT_ADDR = "tcp://localhost:13232"


class NNGSocketHandler(logging.handlers.QueueHandler):

    def __init__(self, uri):
        socket = pynng.Pub0(dial=uri, send_timeout=500)
        super().__init__(socket)

    def enqueue(self, record):
        # Send the record as UTF-8 encoded JSON
        d = dict(record.__dict__)
        data = json.dumps(d)
        self.queue.send(data.encode('utf-8'))

    def close(self):
        self.queue.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--address", default=DEFAULT_ADDR)
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()

    logging.getLogger('pynng').propagate = False
    handler = NNGSocketHandler(args.address)
    # Make sure the process ID is in the output
    logging.basicConfig(level=logging.DEBUG,
                        handlers=[logging.StreamHandler(), handler],
                        format='%(levelname)-8s %(name)10s %(process)6s %(message)s')
    levels = (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR,
              logging.CRITICAL)
    logger_names = ('myapp', 'myapp.lib1', 'myapp.lib2')
    for msgno in range(1, args.count + 1):
        # Just randomly select some loggers and levels and log away
        level = random.choice(levels)
        logger = logging.getLogger(random.choice(logger_names))
        logger.log(level, 'Message no. %5d' % msgno)
        delay = random.random() * 2 + 0.5
        time.sleep(delay)
    handler.close()


if __name__ == "__main__":
    main()
