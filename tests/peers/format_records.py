#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Formats Logdeck's JSON Lines export with CPython's own logging.Formatter.

    format_records.py RECORDS.jsonl STYLE FORMAT [DATEFMT] [--utc]
                      [--keep-control-chars]

Each line becomes a LogRecord with the attributes Logdeck's text export reads
(see "Python logging format strings" in src/core/ld-log-format.c), and is written
as a StreamHandler writes it: Formatter.format() and a newline, with control
characters escaped as ld_escape.py says unless --keep-control-chars. The
output is what the text export must equal byte for byte.
"""

import datetime
import json
import logging
import os
import re
import sys
import time

from ld_escape import escape_controls

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
FIELD_PATTERNS = {
    '%': r'%\((\w+)\)',
    '{': r'\{(\w+)',
    '$': r'\$\{?(\w+)',
}


def time_us(text):
    moment = datetime.datetime.fromisoformat(text)
    return (moment - EPOCH) // datetime.timedelta(microseconds=1)


def python_value(value):
    """An extra field as the text export takes it: containers as their JSON."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(',', ':'), ensure_ascii=False)
    return value


def make_record(obj, start_us):
    us = time_us(obj['time'])
    extra = {key: python_value(value) for key, value in obj.get('extra', {}).items()}
    pathname = obj.get('file', '')
    filename = extra.get('filename')
    if not isinstance(filename, str):
        filename = os.path.basename(pathname)
    module = extra.get('module')
    if not isinstance(module, str):
        module = os.path.splitext(filename)[0]

    record = logging.makeLogRecord(extra)
    record.__dict__.update({
        'name': obj.get('logger', ''),
        'msg': obj['message'],
        'args': (),
        'levelname': obj['level'],
        'levelno': obj['levelno'],
        'pathname': pathname,
        'filename': filename,
        'module': module,
        'lineno': obj.get('line', 0),
        'funcName': obj.get('function'),
        'created': us / 1e6,
        'msecs': float((us % 1000000) // 1000),
        'relativeCreated': (us - start_us) / 1000.0,
        'thread': obj.get('thread_id'),
        'threadName': obj.get('thread'),
        'process': obj.get('process'),
        'processName': obj.get('process_name'),
        'taskName': obj.get('task'),
        'exc_info': None,
        'exc_text': obj.get('exception'),
        'stack_info': obj.get('stack'),
    })
    return record


def main():
    args = [arg for arg in sys.argv[1:] if arg not in ('--utc', '--keep-control-chars')]
    keep = '--keep-control-chars' in sys.argv
    path, style, fmt = args[:3]
    datefmt = args[3] if len(args) > 3 and args[3] else None

    # An extra field a record lacks is "" in Logdeck's export.
    names = set(re.findall(FIELD_PATTERNS[style], fmt))
    formatter = logging.Formatter(fmt, datefmt, style=style,
                                  defaults={name: '' for name in names})
    if '--utc' in sys.argv:
        formatter.converter = time.gmtime

    with open(path, encoding='utf-8') as stream:
        objects = [json.loads(line) for line in stream if line.strip()]
    start_us = time_us(objects[0]['time']) if objects else 0

    out = sys.stdout.buffer
    for obj in objects:
        text = formatter.format(make_record(obj, start_us))
        out.write(((text if keep else escape_controls(text)) + '\n').encode('utf-8'))


if __name__ == '__main__':
    main()
