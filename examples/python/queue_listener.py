#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The logging cookbook's non-blocking pattern, sending to Logdeck.

Threads that log only put records on a queue (QueueHandler); one QueueListener thread
takes them off and sends them with a SocketHandler, so a slow network never slows the
code that logs. Start Logdeck first, then run:

    python3 queue_listener.py [--host 127.0.0.1] [--port 9020]
"""

import argparse
import logging
import logging.handlers
import queue
import random
import threading
import time


def worker(number, stop):
    log = logging.getLogger("jobs.worker%d" % number)
    job = 0
    while not stop.is_set():
        job += 1
        log.info("Job %d started", job, extra={"job": job, "worker": number})
        time.sleep(random.uniform(0.01, 0.05))
        if random.random() < 0.1:
            log.warning("Job %d took a retry", job, extra={"job": job, "worker": number})
        log.debug("Job %d done", job)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=logging.handlers.DEFAULT_TCP_LOGGING_PORT)
    parser.add_argument("--seconds", type=float, default=3.0, help="how long the workers run")
    args = parser.parse_args()

    records = queue.Queue(-1)
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    root.addHandler(logging.handlers.QueueHandler(records))

    socket_handler = logging.handlers.SocketHandler(args.host, args.port)
    listener = logging.handlers.QueueListener(records, socket_handler,
                                              respect_handler_level=True)
    listener.start()

    stop = threading.Event()
    threads = [threading.Thread(target=worker, args=(n, stop), name="Worker-%d" % n)
               for n in range(1, 4)]
    for thread in threads:
        thread.start()
    root.info("Started %d workers", len(threads))
    time.sleep(args.seconds)
    stop.set()
    for thread in threads:
        thread.join()
    root.info("All workers stopped")

    # Sends everything still queued before the program ends.
    listener.stop()
    socket_handler.close()


if __name__ == "__main__":
    main()
