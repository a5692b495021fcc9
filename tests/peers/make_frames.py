#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes LogRecord pickles for tests/test-pyrecord.c's check of the flat scanner.

Each frame in the file named by the only argument is one flag byte, a 4-byte big-endian length and a pickle. The flag is 1
when Logdeck's flat scanner must take the frame itself (a plain dict of str, int, bool and
None, with the floats where LogRecord keeps them) and 0 when it may hand it to the full
decoder. The pickles are CPython's own: SocketHandler.makePickle() for protocol 1, and
pickle.dumps() of the same dict for protocols 0 and 2 to 5.
"""

import datetime
import logging
import logging.handlers
import pickle
import struct
import sys
import threading

FLAT_MAX_FRAME = 16 * 1024
FLAT_MAX_ENTRIES = 64
FLOAT_KEYS = {"created", "msecs", "relativeCreated"}


def plain_value(key, value):
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -2**63 <= value < 2**63
    if isinstance(value, float):
        return key in FLOAT_KEYS
    if isinstance(value, str):
        return not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    return False


def expect_flat(d, protocol, data):
    if protocol == 0 or len(data) > FLAT_MAX_FRAME or len(d) > FLAT_MAX_ENTRIES:
        return False
    if not isinstance(d.get("msg", ""), str) or d.get("args") is not None:
        return False
    if d.get("exc_info") is not None:
        return False
    return all(isinstance(k, str) and plain_value(k, v) for k, v in d.items())


class Recorder(logging.handlers.SocketHandler):
    def __init__(self):
        super().__init__("127.0.0.1", 0)
        self.frames = []

    def emit(self, record):
        data = self.makePickle(record)[4:]
        self.frames.append((data, pickle.loads(data)))


def log_everything(logger):
    logger.info("plain")
    logger.log(5, "custom level 5")
    logger.log(25, "custom level 25")
    logger.warning("caf\u00e9 \U0001F600 \u4e2d\u6587")
    logger.error("lone \udc80 surrogate")
    logger.info("x" * 20000)
    logger.info("%d items at %s", 3, "home")
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("failed")
    logger.info("with stack", stack_info=True)
    logger.info("extras", extra={"user": "alice", "n": 7, "big": 2**40, "neg": -5, "yes": True,
                                 "no": False, "nothing": None, "empty": ""})
    logger.info("float extra", extra={"ratio": 0.5})
    logger.info("bigint extra", extra={"huge": 2**70})
    logger.info("list extra", extra={"items": [1, 2]})
    logger.info("datetime extra", extra={"when": datetime.datetime(2026, 11, 20, 12, 30)})
    logger.info("surrogate extra", extra={"bad": "\ud800"})
    try:
        logger.info("odd std types", extra={"taskName": 5})
    except KeyError:  # Python 3.12 and later set taskName themselves
        pass
    logger.info("many extras", extra={"k%d" % i: i for i in range(40)})
    logger.info("too many extras", extra={"k%d" % i: i for i in range(70)})
    logger.info(12345)


def main():
    recorder = Recorder()
    logger = logging.getLogger("acme.flat")
    logger.setLevel(1)
    logger.propagate = False
    logger.addHandler(recorder)

    log_everything(logger)
    thread = threading.Thread(target=log_everything, args=(logger,), name="Worker-1")
    thread.start()
    thread.join()
    logging.logThreads = False
    logger.info("no threads")

    out = open(sys.argv[1], "wb")
    for data, d in recorder.frames:
        out.write(bytes([expect_flat(d, 1, data)]) + struct.pack(">L", len(data)) + data)
        for protocol in (0, 2, 3, 4, 5):
            other = pickle.dumps(d, protocol)
            out.write(bytes([expect_flat(d, protocol, other)]) + struct.pack(">L", len(other))
                      + other)
    # A raw dict with args that SocketHandler would have merged.
    raw = dict(recorder.frames[0][1], msg="%s and %s", args=("a", "b"))
    for protocol in (1, 2, 4):
        data = pickle.dumps(raw, protocol)
        out.write(bytes([0]) + struct.pack(">L", len(data)) + data)
    out.close()


if __name__ == "__main__":
    main()
