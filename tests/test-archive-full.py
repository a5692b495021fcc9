#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A full disk pauses archiving and nothing else: headless Logdeck archives
onto a 4 MiB tmpfs (in a user and mount namespace of its own, so no root is
needed) while CPython's SocketHandler sends 30,000 records; every record
still reaches --output, Logdeck says archiving is paused, stops cleanly on
SIGTERM, and the archive holds a clean prefix of the records. TAP output.

usage: test-archive-full.py LOGDECK_HEADLESS
"""
import json
import logging
import logging.handlers
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

N_RECORDS = 30000


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def main():
    logdeck = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix='ld-archive-full-')
    mnt = os.path.join(tmp, 'small')
    os.mkdir(mnt)
    probe = subprocess.run(['unshare', '--user', '--map-root-user', '--mount', 'sh', '-c',
                            'mount -t tmpfs -o size=4m tmpfs "$0"', mnt], capture_output=True)
    if probe.returncode != 0:
        print('1..0 # SKIP no user and mount namespaces here: ' + probe.stderr.decode().strip())
        shutil.rmtree(tmp)
        return 0
    print('1..4')

    port = free_port()
    output = os.path.join(tmp, 'out.jsonl')
    archive = os.path.join(mnt, 'session.logdeck')
    copy = os.path.join(tmp, 'copy.logdeck')
    script = ('mount -t tmpfs -o size=4m tmpfs "$1" && "$2" --archive "$3" --output "$4" '
              '--tcp-port "$5" --udp-port 0 --http-port 0 --nng-listen "" & pid=$!; '
              'trap "kill -TERM $pid" TERM; wait $pid; wait $pid; rc=$?; '
              'cp "$3" "$6" 2>/dev/null; cp "$3-wal" "$6-wal" 2>/dev/null; exit $rc')
    # In a user namespace GLib cannot copy a thread's scheduler settings
    # and says so with a critical warning, which must not be fatal here.
    env = dict(os.environ, GSETTINGS_BACKEND='memory', G_DEBUG='gc-friendly')
    proc = subprocess.Popen(['unshare', '--user', '--map-root-user', '--mount', 'sh', '-c', script,
                             'sh', mnt, logdeck, archive, output, str(port), copy],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)

    handler = logging.handlers.SocketHandler('127.0.0.1', port)
    logger = logging.getLogger('full.sender')
    logger.propagate = False
    logger.addHandler(handler)
    for i in range(N_RECORDS):
        logger.warning('record %d with text to fill the small disk quickly %s', i, 'x' * 100)
    handler.close()

    # A checkpoint the full disk stopped leaves part of the archive in its
    # write-ahead log: the two are copied out together.

    # Every record reaches --output although the archive cannot take them.
    received = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with open(output) as f:
                received = sum(1 for line in f if '"full.sender"' in line)
        except OSError:
            received = 0
        if received >= N_RECORDS:
            break
        time.sleep(0.2)
    print(('ok' if received == N_RECORDS else 'not ok')
          + ' 1 - every record reached --output (%d of %d)' % (received, N_RECORDS))

    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    print(('ok' if proc.returncode == 0 else 'not ok')
          + ' 2 - logdeck stopped cleanly (rc %s)' % proc.returncode)

    paused = 'Archiving paused' in err and 'full' in err
    print(('ok' if paused else 'not ok') + ' 3 - logdeck said archiving is paused')
    if not paused:
        print('# ' + repr(err[-1000:]))

    ok = False
    detail = 'no copy of the archive'
    if os.path.exists(copy):
        db = sqlite3.connect('file:%s?mode=ro' % copy, uri=True)
        numbers = [int(m.split()[1]) for (m,) in db.execute(
            "SELECT message FROM records WHERE logger = 'full.sender' ORDER BY seq")]
        check = db.execute('PRAGMA integrity_check').fetchone()[0]
        db.close()
        ok = check == 'ok' and 0 < len(numbers) < N_RECORDS and numbers == list(range(len(numbers)))
        detail = '%d records, a clean prefix, integrity %s' % (len(numbers), check)
    print(('ok' if ok else 'not ok') + ' 4 - the archive that fit is intact: ' + detail)
    shutil.rmtree(tmp)
    return 0


if __name__ == '__main__':
    sys.exit(main())
