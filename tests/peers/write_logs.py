#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes logs with CPython's own logging, for test-import to open.

    write_logs.py text FORMAT DATEFMT OUT.log EXPECTED.json
    write_logs.py capture OUT.bin EXPECTED.json
    write_logs.py slow DELAY COUNT          (lines to stdout, DELAY seconds apart)

"text" writes through a FileHandler with Formatter(FORMAT, DATEFMT or None);
"capture" writes what SocketHandler would send for the same records. Both
also write the records as LogRecord attributes, as JSON, for the test to
compare with what it read.
"""

import json
import logging
import logging.handlers
import sys
import time


class CaptureHandler(logging.handlers.SocketHandler):
    """A SocketHandler whose socket is a file."""

    def __init__(self, out):
        super().__init__('127.0.0.1', 0)
        self.out = out

    def emit(self, record):
        self.out.write(self.makePickle(record))


class Collector(logging.Handler):
    """Keeps what each record says, as the test expects to read it back."""

    def __init__(self):
        super().__init__()
        self.records = []
        self.formatter = logging.Formatter()

    def emit(self, record):
        exc_text = self.formatter.formatException(record.exc_info) if record.exc_info else None
        self.records.append({
            'created_ms': int(record.created) * 1000 + int(record.msecs),
            'created_us': round(record.created * 1e6),
            'levelname': record.levelname,
            'levelno': record.levelno,
            'name': record.name,
            'message': record.getMessage(),
            'exc_text': exc_text,
            'stack_info': record.stack_info,
            'lineno': record.lineno,
            'module': record.module,
            'funcName': record.funcName,
        })


def fail():
    raise ValueError('bad value: 42')


def log_everything(loggers):
    web, db = loggers
    logging.addLevelName(25, 'NOTICE')
    web.info('GET /index 200')
    web.debug('debug %s with %d args', 'message', 2)
    db.warning('slow query: %.1f s', 2.5, extra={'table': 'users'})
    web.log(25, 'a notice')
    web.log(35, 'an unnamed level')
    try:
        fail()
    except ValueError:
        web.exception('request failed')
    db.info('where am I', stack_info=True)
    web.error('several\nlines\n  indented')
    web.info('héllo wörld ✓ 😀')
    try:
        try:
            fail()
        except ValueError as error:
            raise KeyError('missing') from error
    except KeyError:
        db.critical('chained')
    web.info('last one')


def make_loggers(handlers):
    loggers = [logging.getLogger('app.web'), logging.getLogger('app.db')]
    for logger in loggers:
        logger.setLevel(1)
        logger.propagate = False
        for handler in handlers:
            logger.addHandler(handler)
    return loggers


def write(handler, expected_path):
    collector = Collector()
    log_everything(make_loggers([handler, collector]))
    handler.close()
    with open(expected_path, 'w', encoding='utf-8') as out:
        json.dump(collector.records, out)


def main():
    mode = sys.argv[1]
    if mode == 'text':
        fmt, datefmt, out_path, expected_path = sys.argv[2:6]
        handler = logging.FileHandler(out_path, encoding='utf-8')
        handler.setFormatter(logging.Formatter(fmt, datefmt or None))
        write(handler, expected_path)
    elif mode == 'capture':
        out_path, expected_path = sys.argv[2:4]
        with open(out_path, 'wb') as out:
            write(CaptureHandler(out), expected_path)
    elif mode == 'slow':
        delay, count = float(sys.argv[2]), int(sys.argv[3])
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter('%(asctime)s %(levelname)s %(name)s: %(message)s'))
        logger = make_loggers([handler])[0]
        for number in range(count):
            if number == 1:
                try:
                    fail()
                except ValueError:
                    logger.exception('line %d', number)
            else:
                logger.warning('line %d', number)
            sys.stdout.flush()
            time.sleep(delay)


if __name__ == '__main__':
    main()
