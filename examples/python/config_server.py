#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A program whose logging Logdeck can turn up while it runs (the logging
cookbook's configuration server).

It sends its records to Logdeck with a SocketHandler and accepts new logger
levels on a configuration port through logging.config.listen(). Its logger
"demo.worker" starts at INFO, so its DEBUG lines are not sent.

Start Logdeck, turn on Preferences → "Allow changing senders' log levels",
then run:

    python3 config_server.py [--host 127.0.0.1] [--port 9020] [--config-port 9030]

In Logdeck's logger tree, right-click demo → worker, choose "Set level on
sender…", pick DEBUG and Send: the "details" lines start arriving within a
second.

listen() on its own applies whatever configuration arrives, and a logging
configuration can name classes to build and so run code. verify() below lets
through only what Logdeck sends: an incremental dictConfig that sets levels.
"""

import argparse
import json
import logging
import logging.config
import logging.handlers
import time

LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "NOTSET"}


def verify(data):
    """Passes an incremental dictConfig that only sets levels; drops anything else.

    logging.config.listen() calls it with the bytes received. Returning None
    discards them; returning bytes hands them to dictConfig() (or, if they
    are not JSON, to fileConfig(), which is why anything else is refused).
    """
    try:
        config = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(config, dict) or config.get("version") != 1 \
            or config.get("incremental") is not True \
            or not set(config) <= {"version", "incremental", "loggers", "root"}:
        return None
    loggers = config.get("loggers", {})
    if not isinstance(loggers, dict):
        return None
    sections = list(loggers.values())
    if "root" in config:
        sections.append(config["root"])
    for section in sections:
        if not isinstance(section, dict) or set(section) != {"level"} \
                or section["level"] not in LEVELS:
            return None
    return data


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="where Logdeck listens")
    parser.add_argument("--port", type=int, default=logging.handlers.DEFAULT_TCP_LOGGING_PORT)
    parser.add_argument("--config-port", type=int,
                        default=logging.config.DEFAULT_LOGGING_CONFIG_PORT,
                        help="where this program takes new levels")
    args = parser.parse_args()

    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    root.addHandler(logging.handlers.SocketHandler(args.host, args.port))
    log = logging.getLogger("demo.worker")
    log.setLevel(logging.INFO)

    listener = logging.config.listen(args.config_port, verify=verify)
    listener.start()
    print(f"Sending to {args.host}:{args.port}; "
          f"taking levels on 127.0.0.1:{args.config_port}. Ctrl+C stops.")

    try:
        tick = 0
        while True:
            tick += 1
            log.info("tick %d", tick)
            log.debug("tick %d details: queue=%d", tick, tick % 7, extra={"queue": tick % 7})
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        logging.config.stopListening()
        listener.join()


if __name__ == "__main__":
    main()
