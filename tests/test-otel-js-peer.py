#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The OpenTelemetry JS SDK (npm's @opentelemetry/sdk-logs with the
exporter-logs-otlp-http and -otlp-proto exporters, pinned in
tests/peers/otel-js and installed by build-aux/install-deps) exports into
headless Logdeck over OTLP/HTTP: JSON and protobuf, plain and gzipped, with
severities, attributes, an exception, a trace context and resource
attributes, each export answered with success. TAP output.

usage: test-otel-js-peer.py LOGDECK_HEADLESS
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

PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'peers', 'otel-js')
TRACE = '5b8efff798038103d269b633813fc60c'
SPAN = 'eee19b7ec3c1b174'
RUNS = [('json', 'none'), ('json', 'gzip'), ('proto', 'none'), ('proto', 'gzip')]


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def main():
    logdeck = sys.argv[1]
    node = shutil.which('node')
    if node is None or not os.path.isdir(os.path.join(PEER, 'node_modules', '@opentelemetry')):
        print('1..0 # SKIP node or the OpenTelemetry JS SDK is not installed '
              '(build-aux/install-deps installs it)')
        return 0
    tmp = tempfile.mkdtemp(prefix='ld-otel-js-')
    output = os.path.join(tmp, 'out.jsonl')
    port = free_port()
    print(f'1..{len(RUNS) + 1}')

    proc = subprocess.Popen([logdeck, '--tcp-port', '0', '--udp-port', '0', '--http-port', '0',
                             '--nng-listen', '', '--syslog-port', '0', '--gelf-port', '0',
                             '--otlp-port', str(port), '--output', output],
                            stderr=subprocess.DEVNULL)
    exits = {}
    try:
        for _ in range(200):
            try:
                socket.create_connection(('127.0.0.1', port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        for protocol, compression in RUNS:
            exits[(protocol, compression)] = subprocess.run(
                [node, os.path.join(PEER, 'send.js'), str(port), protocol, compression],
                cwd=PEER, timeout=60).returncode
        time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)

    with open(output, encoding='utf-8') as f:
        records = [json.loads(line) for line in f]
    by_message = {r['message']: r for r in records}
    failures = 0

    def field(record, canonical, extra_key):
        """The canonical field, or the extra field the JSON normaliser keeps it as."""
        return record.get(canonical) or record.get('extra', {}).get(extra_key)

    for number, (protocol, compression) in enumerate(RUNS, 1):
        tag = f'{protocol}-{compression}'
        placed = by_message.get(f'{tag} order placed', {})
        low = by_message.get(f'{tag} stock low', {})
        failed = by_message.get(f'{tag} payment failed', {})
        structured = [r for r in records if f'"{tag} structured"' in r['message']]
        problems = []
        if exits[(protocol, compression)] != 0:
            problems.append('an export failed')
        if (placed.get('levelno'), low.get('levelno'), failed.get('levelno')) != (20, 30, 40):
            problems.append('levels')
        if len(structured) != 1 or structured[0].get('levelno') != 10:
            problems.append('the structured body')
        if field(placed, 'service', 'service.name') != f'node-{tag}' \
                or field(placed, 'host', 'host.name') != 'node-host' \
                or placed.get('extra', {}).get('deployment.environment') != 'test':
            problems.append('resource attributes')
        if field(placed, 'trace_id', 'traceId') != TRACE \
                or field(failed, 'span_id', 'spanId') != SPAN:
            problems.append('trace context')
        if protocol == 'proto' and (placed.get('service') != f'node-{tag}'
                                    or placed.get('trace_id') != TRACE):
            problems.append('protobuf: service and trace_id as canonical fields')
        if placed.get('extra', {}).get('order.id') != 17 or placed.get('logger') != 'shop.checkout':
            problems.append('attributes and scope')
        if not (failed.get('exception') or '').startswith('TypeError: x is undefined'):
            problems.append('the exception')
        ok = not problems
        print(f'{"ok" if ok else "not ok"} {number} - OpenTelemetry JS SDK, {protocol}, '
              f'{compression}')
        if not ok:
            failures += 1
            print(f'# {", ".join(problems)}: {placed} {failed}')

    traced = [r for r in records if field(r, 'trace_id', 'traceId') == TRACE]
    ok = len(traced) == 2 * len(RUNS)
    print(f'{"ok" if ok else "not ok"} {len(RUNS) + 1} - one trace across every export: '
          f'{len(traced)} records')
    failures += 0 if ok else 1

    shutil.rmtree(tmp)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
