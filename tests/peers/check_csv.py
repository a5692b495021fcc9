#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reads Logdeck's CSV export back with Python's csv module and checks every
cell against the JSON Lines export of the same records.

    check_csv.py [--raw|--protected] RECORDS.csv RECORDS.jsonl COLUMN,... [EXTRA,...]

Text cells are expected as ld_escape.py has them (--protected, the default),
or as they are with --raw
(the export's csv_raw and keep_control_chars). The "extra" column must be
the very text of the JSON line's "extra" object. Prints "ok N" for N rows
checked, or the first difference, and exits 1.
"""

import csv
import json
import sys

from ld_escape import protect_cell

RAW = '--raw' in sys.argv


def text_cell(text):
    return text if RAW else protect_cell(text)


def extra_text(line):
    """The "extra" object as the JSON line has it: the line's last field,
    whose lead cannot occur earlier, as a string's quotes are escaped."""
    start = line.find(',"extra":')
    return line.rstrip('\n')[start + len(',"extra":'):-1] if start >= 0 else ''


def expected_cell(obj, line, column):
    value = obj.get(column)
    if column == 'levelno':
        return str(obj['levelno'])
    if column == 'extra':
        return extra_text(line)
    if value is None:
        return ''
    return text_cell(value) if isinstance(value, str) else str(value)


def expected_extra(raw_extra, extra, key):
    if key not in extra or extra[key] is None:
        return ''
    value = extra[key]
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (dict, list)):
        return text_cell(json.dumps(value, separators=(',', ':'), ensure_ascii=False))
    if isinstance(value, str):
        return text_cell(value)
    # Numbers as the text they were sent as, never taken for formulas.
    return str(raw_extra[key])


def main():
    args = [arg for arg in sys.argv[1:] if arg not in ('--raw', '--protected')]
    csv_path, jsonl_path, columns = args[:3]
    columns = columns.split(',')
    extras = args[3].split(',') if len(args) > 3 and args[3] else []

    with open(jsonl_path, encoding='utf-8') as stream:
        lines = [line for line in stream if line.strip()]
    with open(csv_path, encoding='utf-8', newline='') as stream:
        rows = list(csv.reader(stream, strict=True))

    if rows[0] != columns + extras:
        sys.exit(f'header {rows[0]!r} != {columns + extras!r}')
    if len(rows) - 1 != len(lines):
        sys.exit(f'{len(rows) - 1} rows for {len(lines)} records')

    for number, (row, line) in enumerate(zip(rows[1:], lines), 1):
        obj = json.loads(line)
        raw = json.loads(line, parse_float=str, parse_int=str)
        expected = [expected_cell(obj, line, column) for column in columns]
        if 'extra' in columns and 'extra' in obj \
           and json.loads(row[columns.index('extra')]) != obj['extra']:
            sys.exit(f"row {number}: the extra column does not hold the record's extra fields")
        expected += [expected_extra(raw.get('extra', {}), obj.get('extra', {}), key)
                     for key in extras]
        if row != expected:
            sys.exit(f'row {number}: {row!r}\n  expected {expected!r}')

    print('ok', len(lines))


if __name__ == '__main__':
    main()
