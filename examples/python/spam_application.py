#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The logging cookbook's "using logging in multiple modules" example, sending to Logdeck.

In the cookbook the Auxiliary class lives in its own module, auxiliary_module.py; it is
folded in here so that the example is one file, with the same logger names:
"spam_application", "spam_application.auxiliary" and
"spam_application.auxiliary.Auxiliary". Start Logdeck first, then run:

    python3 spam_application.py [--host 127.0.0.1] [--port 9020]
"""

import argparse
import logging
import logging.handlers

# What the cookbook's auxiliary_module.py holds.
module_logger = logging.getLogger("spam_application.auxiliary")


class Auxiliary:
    def __init__(self):
        self.logger = logging.getLogger("spam_application.auxiliary.Auxiliary")
        self.logger.info("creating an instance of Auxiliary")

    def do_something(self):
        self.logger.info("doing something")
        a = 1 + 1
        self.logger.info("done doing something")
        return a


def some_function():
    module_logger.info('received a call to "some_function"')


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=logging.handlers.DEFAULT_TCP_LOGGING_PORT)
    args = parser.parse_args()

    # create logger with 'spam_application'
    logger = logging.getLogger("spam_application")
    logger.setLevel(logging.DEBUG)
    # Logdeck takes the place of the cookbook's spam.log, and gets every level.
    socket_handler = logging.handlers.SocketHandler(args.host, args.port)
    socket_handler.setLevel(logging.DEBUG)
    # create console handler with a higher log level
    ch = logging.StreamHandler()
    ch.setLevel(logging.ERROR)
    ch.setFormatter(logging.Formatter("%(asctime)s - %(name)s - %(levelname)s - %(message)s"))
    logger.addHandler(socket_handler)
    logger.addHandler(ch)

    logger.info("creating an instance of auxiliary_module.Auxiliary")
    a = Auxiliary()
    logger.info("created an instance of auxiliary_module.Auxiliary")
    logger.info("calling auxiliary_module.Auxiliary.do_something")
    a.do_something()
    logger.info("finished auxiliary_module.Auxiliary.do_something")
    logger.info("calling auxiliary_module.some_function()")
    some_function()
    logger.info("done with auxiliary_module.some_function()")

    socket_handler.close()


if __name__ == "__main__":
    main()
