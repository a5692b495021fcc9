#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reads Logdeck's CSV export back with Python's csv module and checks every
cell against the JSON Lines export of the same records.

    check_csv.py RECORDS.csv RECORDS.jsonl COLUMN,... [EXTRA,...]

Prints "ok N" for N rows checked, or the first difference, and exits 1.
"""

import csv
import json
import sys


def expected_cell(obj, column):
    value = obj.get(column)
    if column == 'levelno':
        return str(obj['levelno'])
    if value is None:
        return ''
    return str(value)


def expected_extra(raw_extra, extra, key):
    if key not in extra or extra[key] is None:
        return ''
    value = extra[key]
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(',', ':'), ensure_ascii=False)
    # Numbers as the text they were sent as.
    return str(raw_extra[key])


def main():
    csv_path, jsonl_path, columns = sys.argv[1:4]
    columns = columns.split(',')
    extras = sys.argv[4].split(',') if len(sys.argv) > 4 and sys.argv[4] else []

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
        expected = [expected_cell(obj, column) for column in columns]
        expected += [expected_extra(raw.get('extra', {}), obj.get('extra', {}), key)
                     for key in extras]
        if row != expected:
            sys.exit(f'row {number}: {row!r}\n  expected {expected!r}')

    print('ok', len(lines))


if __name__ == '__main__':
    main()
