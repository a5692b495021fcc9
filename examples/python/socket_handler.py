#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sends log records to Logdeck with logging.handlers.SocketHandler.

Start Logdeck first (it listens on 127.0.0.1:9020 by default), then run:

    python3 socket_handler.py [--host 127.0.0.1] [--port 9020]

Every record appears with its level, logger, thread and the extra fields given here.
"""

import argparse
import logging
import logging.handlers


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=logging.handlers.DEFAULT_TCP_LOGGING_PORT)
    args = parser.parse_args()

    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    # No formatter: SocketHandler sends the record itself, and Logdeck formats it.
    handler = logging.handlers.SocketHandler(args.host, args.port)
    root.addHandler(handler)

    logging.addLevelName(25, "NOTICE")
    log = logging.getLogger("myapp.area1")
    log.debug("Quick zephyrs blow, vexing daft Jim.")
    log.info("How quickly daft jumping zebras vex.")
    logging.getLogger("myapp.area2").warning("Jail zesty vixen who grabbed pay from quack.")
    logging.getLogger("myapp.area2").error("The five boxing wizards jump quickly.")
    log.log(25, "A custom level between INFO and WARNING.")
    log.info("User %s logged in from %s", "alice", "10.0.0.7",
             extra={"user": "alice", "ip": "10.0.0.7", "appName": "myapp"})
    try:
        {}["missing"]
    except KeyError:
        log.exception("Looking up a key failed")

    handler.close()


if __name__ == "__main__":
    main()
