#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A peer for test-ingest: sends records with CPython's own logging.handlers.SocketHandler.

Scenarios:
  full   one connection with every kind of record Logdeck must map (45 records)
  many   --connections concurrent connections, --records records each
"""

import argparse
import datetime
import decimal
import logging
import logging.handlers
import threading
import uuid

FULL_RECORDS = 45


def make_logger(name, host, port):
    handler = logging.handlers.SocketHandler(host, port)
    logger = logging.getLogger(name)
    logger.setLevel(1)
    logger.propagate = False
    logger.addHandler(handler)
    return logger, handler


def full(host, port):
    logger, handler = make_logger("peer.full", host, port)
    logging.addLevelName(25, "NOTICE")

    logger.debug("debug message")
    logger.info("info message")
    logger.warning("warning message")
    logger.error("error message")
    logger.critical("critical message")
    logger.log(5, "custom level five")
    logger.log(25, "custom level twenty-five")
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("division failed")
    logger.info("where am I", stack_info=True)
    logger.info("héllo wörld ✓ 😀 ünïcode")
    logger.info("lone surrogate: \udc80 end")
    logger.info("big:" + "x" * 200_000)
    logger.info("with extras", extra={
        "s": "text", "i": 42, "f": 2.5, "t_bool": True, "nothing": None,
        "a_list": [1, "two", 3.0], "a_dict": {"k": [1, 2]}, "a_tuple": (1, "x"),
        "when": datetime.datetime(2026, 11, 20, 12, 30),
        "price": decimal.Decimal("12.50"),
        "ident": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "raw": b"\x00\x01ab", "a_set": {7},
    })
    logger.info("user %s has %d items", "bob", 3)

    logging.logThreads = False
    logger.info("no thread info")
    logging.logThreads = True

    def work():
        for i in range(10):
            logger.info("from %s #%d", threading.current_thread().name, i)

    threads = [threading.Thread(target=work, name=name)
               for name in ("worker-a", "worker-b", "worker-c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    handler.close()


def many(host, port, connections, records):
    ready = threading.Barrier(connections)

    def work(index):
        logger, handler = make_logger("peer.many.%d" % index, host, port)
        logger.info("hello", extra={"conn": index, "seq": 0})
        # Every connection is open before any of them goes on.
        ready.wait(timeout=60)
        for seq in range(1, records):
            logger.info("record %d", seq, extra={"conn": index, "seq": seq})
        handler.close()

    threads = [threading.Thread(target=work, args=(i,), name="sender-%d" % i)
               for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=["full", "many"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=logging.handlers.DEFAULT_TCP_LOGGING_PORT)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args()

    if args.scenario == "full":
        full(args.host, args.port)
    else:
        many(args.host, args.port, args.connections, args.records)


if __name__ == "__main__":
    main()
