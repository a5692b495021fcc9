#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""OTLP/HTTP logs into headless Logdeck's --output, posted by CPython's
urllib: a protobuf ExportLogsServiceRequest (the decoders' fixture, encoded
by protobuf-c), the same export as OTLP/JSON, both gzipped too; and what an
attacker or a broken exporter sends: a gzip bomb, a body declared over the
limit, truncated protobuf, bad JSON, a wrong media type, path and method.
Each answer is checked as the OTLP specification asks. TAP output.

usage: test-otlp-http.py LOGDECK_HEADLESS
"""
import gzip
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fuzz', 'corpus-otlp')

# The same export as the fixture, as the JS SDK's JSON exporter writes it.
EXPORT_JSON = {'resourceLogs': [{
    'resource': {'attributes': [
        {'key': 'service.name', 'value': {'stringValue': 'checkout-json'}},
        {'key': 'host.name', 'value': {'stringValue': 'web-2'}}]},
    'scopeLogs': [{'scope': {'name': 'app.orders'}, 'logRecords': [
        {'timeUnixNano': '1700000000123456789', 'severityNumber': 9, 'severityText': 'INFO',
         'body': {'stringValue': 'json order placed'},
         'attributes': [{'key': 'user', 'value': {'stringValue': 'alice'}}],
         'traceId': '4bf92f3577b34da6a3ce929d0e0e4736', 'spanId': '00f067aa0ba902b7'},
        {'timeUnixNano': '1700000001000000000', 'severityNumber': 17,
         'body': {'stringValue': 'json failure'},
         'attributes': [
             {'key': 'exception.type', 'value': {'stringValue': 'TypeError'}},
             {'key': 'exception.message', 'value': {'stringValue': 'x is undefined'}}]},
    ]}]}]}


def field(number, payload):
    """A length-delimited protobuf field."""
    length = len(payload)
    varint = b''
    while True:
        byte = length & 0x7f
        length >>= 7
        varint += bytes([byte | (0x80 if length else 0)])
        if not length:
            break
    return bytes([number << 3 | 2]) + varint + payload


def string_attribute(key, value):
    # KeyValue { key = 1; value = 2 (AnyValue { string_value = 1 }) }
    return field(6, field(1, key.encode()) + field(2, field(1, value.encode())))


def partly_rejected_request():
    """Two records, the second with more attributes than a record may have."""
    kept = field(5, field(1, b'kept record'))
    rejected = field(5, field(1, b'too many attributes')) + b''.join(
        string_attribute(f'a{i}', 'x') for i in range(1100))
    scope_logs = field(2, kept) + field(2, rejected)
    return field(1, field(2, scope_logs))


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def post(port, body, content_type, encoding=None, path='/v1/logs', method='POST'):
    request = urllib.request.Request(f'http://127.0.0.1:{port}{path}', data=body, method=method)
    if content_type is not None:
        request.add_header('Content-Type', content_type)
    if encoding is not None:
        request.add_header('Content-Encoding', encoding)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get('Content-Type'), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get('Content-Type'), error.read()


def declared_too_big(port):
    """Headers that declare 100 MiB, and no body: refused from the headers alone."""
    with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
        s.sendall(b'POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n'
                  b'Content-Length: 104857600\r\n\r\n')
        answer = s.recv(4096)
    return int(answer.split(b' ')[1])


def main():
    logdeck = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix='ld-otlp-http-')
    output = os.path.join(tmp, 'out.jsonl')
    port = free_port()
    with open(os.path.join(FIXTURES, 'request'), 'rb') as f:
        request_pb = f.read()
    with open(os.path.join(FIXTURES, 'truncated'), 'rb') as f:
        truncated_pb = f.read()
    export_json = json.dumps(EXPORT_JSON).encode()
    bomb = gzip.compress(b'\0' * (100 * 1024 * 1024), compresslevel=9)

    print('1..10')
    proc = subprocess.Popen([logdeck, '--tcp-port', '0', '--udp-port', '0', '--http-port', '0',
                             '--nng-listen', '', '--syslog-port', '0', '--gelf-port', '0',
                             '--otlp-port', str(port), '--include-internal',
                             '--output', output], stderr=subprocess.DEVNULL)
    answers = {}
    try:
        for _ in range(200):
            try:
                socket.create_connection(('127.0.0.1', port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        answers['pb'] = post(port, request_pb, 'application/x-protobuf')
        answers['json'] = post(port, export_json, 'application/json')
        answers['pb-gzip'] = post(port, gzip.compress(request_pb), 'application/x-protobuf',
                                  'gzip')
        answers['json-gzip'] = post(port, gzip.compress(export_json),
                                    'application/json; charset=utf-8', 'gzip')
        answers['bomb'] = post(port, bomb, 'application/x-protobuf', 'gzip')
        answers['declared'] = (declared_too_big(port), None, b'')
        answers['truncated'] = post(port, truncated_pb, 'application/x-protobuf')
        answers['bad-json'] = post(port, b'{"resourceLogs": [', 'application/json')
        answers['text'] = post(port, b'hello', 'text/plain')
        answers['path'] = post(port, request_pb, 'application/x-protobuf', path='/v1/traces')
        answers['get'] = post(port, None, None, method='GET')
        answers['partial'] = post(port, partly_rejected_request(), 'application/x-protobuf')
        answers['after'] = post(port, request_pb, 'application/x-protobuf')
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)

    with open(output, encoding='utf-8') as f:
        records = [json.loads(line) for line in f]
    problems = [r['message'] for r in records if r.get('logger') == 'logdeck.ingest']
    failures = 0

    def check(number, name, condition, detail=''):
        nonlocal failures
        print(f'{"ok" if condition else "not ok"} {number} - {name}')
        if not condition:
            failures += 1
            print(f'# {detail}')

    ok = [answers[k][:2] for k in ('pb', 'pb-gzip', 'after')]
    check(1, 'protobuf, plain and gzipped: 200 with an ExportLogsServiceResponse',
          all(a == (200, 'application/x-protobuf') for a in ok)
          and all(answers[k][2] == b'' for k in ('pb', 'pb-gzip')), f'{answers}')

    check(2, 'JSON, plain and gzipped: 200 with {} as JSON',
          all(answers[k] == (200, 'application/json', b'{}') for k in ('json', 'json-gzip')),
          f'{answers["json"]} {answers["json-gzip"]}')

    placed = [r for r in records if r['message'] == 'order placed']
    first = placed[0] if placed else {}
    detail = f'{first}'
    check(3, 'protobuf records: level, service, host, logger, trace context, attributes',
          len(placed) == 3 and first.get('levelno') == 20 and first.get('service') == 'checkout'
          and first.get('host') == 'web-1' and first.get('logger') == 'app.orders'
          and first.get('trace_id') == '0102030405060708090a0b0c0d0e0f10'
          and first.get('span_id') == '0102030405060708'
          and first.get('protocol') == 'otlp-http', detail)

    # The JSON normaliser keeps the resource and the trace context as extra fields for now
    # (see the decoders' test-otlp.c): whichever way they come, they must be there.
    json_placed = [r for r in records if r['message'] == 'json order placed']
    failure = [r for r in records if r['message'] == 'json failure']
    placed = json_placed[0] if json_placed else {}
    extra = placed.get('extra', {})
    check(4, 'JSON records: level, service, host, trace context, exception',
          len(json_placed) == 2 and placed.get('levelno') == 20
          and 'checkout-json' in (placed.get('service'), extra.get('service.name'))
          and 'web-2' in (placed.get('host'), extra.get('host.name'))
          and '4bf92f3577b34da6a3ce929d0e0e4736' in (placed.get('trace_id'), extra.get('traceId'))
          and extra.get('user') == 'alice'
          and len(failure) == 2 and failure[0].get('levelno') == 40
          and 'TypeError' in (failure[0].get('exception') or ''), f'{json_placed} {failure}')

    check(5, 'a gzip bomb and a body declared over 64 MiB: 413',
          answers['bomb'][0] == 413 and answers['declared'][0] == 413,
          f'{answers["bomb"]} {answers["declared"]}')

    status, ctype, body = answers['truncated']
    check(6, 'truncated protobuf: 400 with a google.rpc.Status',
          status == 400 and ctype == 'application/x-protobuf' and body[:2] == b'\x08\x03'
          and body[2] == 0x12, f'{answers["truncated"]}')

    status, ctype, body = answers['bad-json']
    try:
        rpc = json.loads(body)
    except ValueError:
        rpc = {}
    check(7, 'bad JSON: 400 with a google.rpc.Status as JSON',
          status == 400 and ctype == 'application/json' and rpc.get('code') == 3
          and rpc.get('message'), f'{answers["bad-json"]}')

    check(8, 'a wrong media type 415, another path 404, GET 405',
          answers['text'][0] == 415 and answers['path'][0] == 404 and answers['get'][0] == 405,
          f'{answers["text"]} {answers["path"]} {answers["get"]}')

    wanted = ['(413)', '(400)', '(415)', '(404)', '(405)']
    check(9, 'every refusal is an error record naming the endpoint',
          all(any(w in p and p.startswith('otlp') for p in problems) for w in wanted),
          f'{problems}')

    # ExportLogsServiceResponse { partial_success = 1 { rejected_log_records = 1: 1,
    # error_message = 2 } }
    status, ctype, body = answers['partial']
    kept = [r for r in records if r['message'] == 'kept record']
    check(10, 'a record over the limits: 200 with partial_success counting it, the rest kept',
          status == 200 and body[:1] == b'\x0a' and body[2:4] == b'\x08\x01'
          and b'\x12' in body and len(kept) == 1
          and not any(r['message'] == 'too many attributes' for r in records),
          f'{answers["partial"]} {kept}')

    shutil.rmtree(tmp)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
