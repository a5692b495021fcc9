#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A peer for test-sender-config: a program with logging.config.listen() on a
free port, guarded by the verify() of examples/python/config_server.py, that
sends its records to Logdeck with a SocketHandler.

It prints "port N" once listening, and "received HEX accepted|rejected" for
each configuration. Commands on stdin, one a line:
  burst N   logs N DEBUG and N INFO records on --logger, then prints "done"
  quit      stops listening and exits
"""

import argparse
import logging
import logging.config
import logging.handlers
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "examples", "python"))
import config_server  # noqa: E402  the README's verify()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--logger", default="app.worker")
    args = parser.parse_args()

    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    handler = logging.handlers.SocketHandler(args.host, args.port)
    root.addHandler(handler)
    log = logging.getLogger(args.logger)
    log.setLevel(logging.INFO)

    def verify(data):
        result = config_server.verify(data)
        print("received", data.hex(), "accepted" if result is not None else "rejected",
              flush=True)
        return result

    listener = logging.config.listen(0, verify=verify)
    listener.start()
    listener.ready.wait(10)
    print("port", listener.port, flush=True)

    sent = 0
    for line in sys.stdin:
        words = line.split()
        if words[:1] == ["burst"]:
            for _ in range(int(words[1])):
                sent += 1
                log.debug("debug %d", sent)
                log.info("info %d", sent)
            print("done", flush=True)
        elif words[:1] == ["quit"]:
            break

    handler.close()
    logging.config.stopListening()
    listener.join(10)


if __name__ == "__main__":
    main()
