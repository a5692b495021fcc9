#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The logging cookbook's "logging from multiple threads" example, sending to Logdeck.

Several named threads log while the main thread does too; Logdeck's Thread column tells
them apart. The cookbook's version runs until Ctrl+C; this one also stops by itself after
--seconds. Start Logdeck first, then run:

    python3 threads.py [--host 127.0.0.1] [--port 9020] [--seconds 5]
"""

import argparse
import logging
import logging.handlers
import threading
import time


def worker(arg):
    while not arg["stop"]:
        logging.debug("Hi from myfunc")
        time.sleep(0.5)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=logging.handlers.DEFAULT_TCP_LOGGING_PORT)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    logging.basicConfig(level=logging.DEBUG,
                        format="%(relativeCreated)6d %(threadName)s %(message)s")
    socket_handler = logging.handlers.SocketHandler(args.host, args.port)
    logging.getLogger().addHandler(socket_handler)

    info = {"stop": False}
    threads = [threading.Thread(target=worker, args=(info,), name=name)
               for name in ("Reader", "Parser", "Writer")]
    for thread in threads:
        thread.start()

    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        try:
            logging.debug("Hello from main")
            time.sleep(0.75)
        except KeyboardInterrupt:
            break
    info["stop"] = True
    for thread in threads:
        thread.join()

    socket_handler.close()


if __name__ == "__main__":
    main()
