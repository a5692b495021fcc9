#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Load across the standard protocols at once: 20 senders × 5,000 records into
one headless Logdeck — util-linux logger(1) over octet-counted TCP, CPython's
SysLogHandler over TCP, graypy over TCP, and OTLP/JSON posts of 500 records —
and --output holds every record exactly once. TCP and HTTP only: datagrams
may be dropped by the kernel under load, so they cannot give exact counts.
TAP output.

usage: test-new-protocols-load.py LOGDECK_HEADLESS
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

N_PER_SENDER = 5000
KINDS = ['logger', 'syslog-handler', 'graypy', 'otlp']
N_EACH = 5
OTLP_BATCH = 500

SENDER = r'''
import json, logging, logging.handlers, socket, sys, urllib.request
kind, sender, port, n, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
if kind == 'syslog-handler':
    handler = logging.handlers.SysLogHandler(('127.0.0.1', port), socktype=socket.SOCK_STREAM)
    handler.ident = 'load: '
elif kind == 'graypy':
    import graypy
    handler = graypy.GELFTCPHandler('127.0.0.1', port)
if kind == 'otlp':
    for start in range(0, n, batch):
        records = [{'severityNumber': 9, 'body': {'stringValue': f's{sender} r{i}'}}
                   for i in range(start, min(n, start + batch))]
        body = json.dumps({'resourceLogs': [{'scopeLogs': [{'scope': {'name': 'load'},
                                                            'logRecords': records}]}]})
        request = urllib.request.Request(f'http://127.0.0.1:{port}/v1/logs', data=body.encode(),
                                         headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
else:
    logger = logging.getLogger(f'load{sender}')
    logger.propagate = False
    logger.addHandler(handler)
    for i in range(n):
        logger.warning('s%d r%d', sender, i)
    handler.close()
'''


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_for_port(port):
    for _ in range(200):
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f'nothing listens on {port}')


def main():
    logdeck = sys.argv[1]
    try:
        import graypy  # noqa: F401
    except ImportError:
        print('1..0 # SKIP python3-graypy is not installed')
        return 0
    tmp = tempfile.mkdtemp(prefix='ld-load-')
    output = os.path.join(tmp, 'out.jsonl')
    ports = {'logger': free_port(), 'graypy': free_port(), 'otlp': free_port()}
    ports['syslog-handler'] = ports['logger']
    print('1..2')

    proc = subprocess.Popen([logdeck, '--tcp-port', '0', '--udp-port', '0', '--http-port', '0',
                             '--nng-listen', '', '--syslog-port', str(ports['logger']),
                             '--gelf-port', str(ports['graypy']),
                             '--otlp-port', str(ports['otlp']), '--max-records', '200000',
                             '--output', output], stderr=subprocess.DEVNULL)
    senders = []
    failed = []
    try:
        for port in set(ports.values()):
            wait_for_port(port)
        for k, kind in enumerate(KINDS):
            for j in range(N_EACH):
                sender = k * N_EACH + j
                if kind == 'logger':
                    lines = os.path.join(tmp, f'lines-{sender}')
                    with open(lines, 'w') as f:
                        f.writelines(f's{sender} r{i}\n' for i in range(N_PER_SENDER))
                    args = ['logger', '-n', '127.0.0.1', '-P', str(ports[kind]), '--tcp',
                            '--octet-count', '--rfc5424', '-t', f'load{sender}', '-f', lines]
                else:
                    args = [sys.executable, '-c', SENDER, kind, str(sender), str(ports[kind]),
                            str(N_PER_SENDER), str(OTLP_BATCH)]
                senders.append((sender, subprocess.Popen(args)))
        for sender, p in senders:
            if p.wait(timeout=300) != 0:
                failed.append(sender)
        time.sleep(1.0)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)

    counts = {}
    seen = set()
    duplicates = 0
    with open(output, encoding='utf-8') as f:
        for line in f:
            message = json.loads(line)['message']
            if not message.startswith('s') or ' r' not in message:
                continue
            if message in seen:
                duplicates += 1
            seen.add(message)
            sender = int(message[1:message.index(' ')])
            counts[sender] = counts.get(sender, 0) + 1

    print(f'{"ok" if not failed else "not ok"} 1 - every sender finished')
    if failed:
        print(f'# failed senders: {failed}')
    wrong = {s: counts.get(s, 0) for s in range(len(KINDS) * N_EACH)
             if counts.get(s, 0) != N_PER_SENDER}
    good = not wrong and duplicates == 0
    print(f'{"ok" if good else "not ok"} 2 - {len(KINDS) * N_EACH} × {N_PER_SENDER} records, '
          'each exactly once')
    if not good:
        print(f'# wrong counts: {wrong}; duplicates: {duplicates}')

    shutil.rmtree(tmp)
    return 0 if good and not failed else 1


if __name__ == '__main__':
    sys.exit(main())
