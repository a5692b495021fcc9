#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Syslog and GELF from their real senders into headless Logdeck's --output:
CPython's own logging.handlers.SysLogHandler over UDP and TCP, with the
logging cookbook's RFC 5424 subclass and its BOM recipe; util-linux logger(1)
over UDP and TCP, octet-counted or not, RFC 3164 and RFC 5424 with structured
data and a MSGID; Debian's rsyslog, started here as an unprivileged relay
with its own config, forwarding logger's messages in RFC 5424 over
octet-counted TCP; Debian's graypy over UDP (a message chunked, another
zlib-compressed) and TCP. Bad input on one connection gives an error record
naming it and closes only that one; a chunked GELF message that never
completes is dropped after 5 s and reported. TAP output.

usage: test-syslog-gelf-peers.py LOGDECK_HEADLESS
"""
import datetime
import json
import logging
import logging.handlers
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

try:
    import graypy
except ImportError:
    graypy = None

HOST = socket.gethostname()


def free_port():
    """A port free for both TCP and UDP, as both listeners share it."""
    for _ in range(50):
        with socket.socket() as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            tcp.bind(('127.0.0.1', 0))
            port = tcp.getsockname()[1]
            try:
                udp.bind(('127.0.0.1', port))
            except OSError:
                continue
            return port
    raise RuntimeError('no free port')


def wait_for_port(port):
    for _ in range(200):
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f'nothing listens on {port}')


# The logging cookbook's "Logging to syslog with RFC5424 support", as printed there.
class SysLogHandler5424(logging.handlers.SysLogHandler):

    tz_offset = re.compile(r'([+-]\d{2})(\d{2})$')
    escaped = re.compile(r'([\]"\\])')

    def __init__(self, *args, **kwargs):
        self.msgid = kwargs.pop('msgid', None)
        self.appname = kwargs.pop('appname', None)
        super().__init__(*args, **kwargs)

    def format(self, record):
        version = 1
        asctime = datetime.datetime.fromtimestamp(record.created).isoformat()
        m = self.tz_offset.match(time.strftime('%z'))
        has_offset = False
        if m and time.timezone:
            hrs, mins = m.groups()
            if int(hrs) or int(mins):
                has_offset = True
        if not has_offset:
            asctime += 'Z'
        else:
            asctime += f'{hrs}:{mins}'
        try:
            hostname = socket.gethostname()
        except Exception:
            hostname = '-'
        appname = self.appname or '-'
        procid = os.getpid()
        msgid = '-'
        msg = super().format(record)
        sdata = '-'
        if hasattr(record, 'structured_data'):
            sd = record.structured_data
            parts = []

            def replacer(m):
                g = m.groups()
                return '\\' + g[0]

            for sdid, dv in sd.items():
                part = f'[{sdid}'
                for k, v in dv.items():
                    s = str(v)
                    s = self.escaped.sub(replacer, s)
                    part += f' {k}="{s}"'
                part += ']'
                parts.append(part)
            sdata = ''.join(parts)
        return f'{version} {asctime} {hostname} {appname} {procid} {msgid} {sdata} {msg}'


def python_senders(port):
    logger = logging.getLogger('peers')
    logger.propagate = False
    logger.setLevel(logging.DEBUG)

    def send(handler, level, message, **extra):
        logger.addHandler(handler)
        try:
            logger.log(level, message, **extra)
        finally:
            logger.removeHandler(handler)

    udp = logging.handlers.SysLogHandler(('127.0.0.1', port))
    udp.ident = 'pyudp: '
    send(udp, logging.WARNING, 'python udp warning')
    udp.close()

    tcp = logging.handlers.SysLogHandler(('127.0.0.1', port), socktype=socket.SOCK_STREAM)
    tcp.ident = 'pytcp: '
    logger.addHandler(tcp)
    logger.error('python tcp error')
    logger.critical('python tcp critical')
    logger.debug('python tcp debug')
    logger.removeHandler(tcp)
    tcp.close()

    h5424 = SysLogHandler5424(('127.0.0.1', port), socktype=socket.SOCK_STREAM, appname='cookbook',
                              facility=logging.handlers.SysLogHandler.LOG_LOCAL1)
    send(h5424, logging.INFO, 'cookbook 5424',
         extra={'structured_data': {'origin@32473': {'ip': '10.0.0.1', 'quote': 'a"b]c'}}})
    h5424.close()

    # The cookbook's BOM recipe: an ASCII header, then a BOM, then the Unicode message.
    bom = logging.handlers.SysLogHandler(('127.0.0.1', port))
    bom.setFormatter(logging.Formatter(f'1 - {HOST} bomapp - - - \ufeff%(message)s'))
    send(bom, logging.INFO, 'café ☕ unicode')
    bom.close()


def logger_senders(port):
    base = ['logger', '-n', '127.0.0.1', '-P', str(port)]
    runs = [
        ['--udp', '--rfc5424', '-t', 'lg-udp', '-p', 'daemon.warning', '--msgid', 'MSG1',
         '--sd-id', 'zoo@123', '--sd-param', 'tiger="hungry"', '--sd-param', 'zebra="running"',
         '--id=4242', 'logger udp 5424'],
        ['--tcp', '--octet-count', '--rfc5424', '-t', 'lg-oc', '-p', 'local7.err', '--msgid',
         'MSG2', 'logger tcp octet-counted'],
        ['--tcp', '--rfc5424', '-t', 'lg-lf', '-p', 'user.debug', 'logger tcp lf'],
        ['--tcp', '--rfc3164', '-t', 'lg-3164', '-p', 'mail.crit', '--id=77', 'logger tcp 3164'],
        ['--udp', '--rfc3164', '-t', 'lg-3164u', '-p', 'auth.alert', 'logger udp 3164'],
    ]
    for args in runs:
        subprocess.run(base + args, check=True)


def gelf_senders(port):
    if graypy is None:
        return
    logger = logging.getLogger('gelf.app')
    logger.propagate = False
    logger.setLevel(logging.DEBUG)

    # Uncompressed and over one chunk: graypy sends it in 1,420-byte chunks.
    udp = graypy.GELFUDPHandler('127.0.0.1', port, compress=False)
    logger.addHandler(udp)
    logger.error('gelf chunked ' + 'x' * 5000, extra={'order_id': 17})
    logger.removeHandler(udp)
    udp.close()

    zudp = graypy.GELFUDPHandler('127.0.0.1', port)
    logger.addHandler(zudp)
    logger.warning('gelf zlib udp')
    logger.removeHandler(zudp)
    zudp.close()

    tcp = graypy.GELFTCPHandler('127.0.0.1', port)
    logger.addHandler(tcp)
    logger.info('gelf tcp one')
    logger.debug('gelf tcp two')
    logger.removeHandler(tcp)
    tcp.close()


RSYSLOG_CONF = """
global(workDirectory="{work}")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="{relay_port}")
action(type="omfwd" target="127.0.0.1" port="{port}" protocol="tcp" TCP_Framing="octet-counted"
       template="RSYSLOG_SyslogProtocol23Format")
"""


def start_rsyslog(tmp, port):
    """An rsyslog relay of its own: no system service, no /dev/log, test ports only."""
    rsyslogd = shutil.which('rsyslogd') or ('/usr/sbin/rsyslogd'
                                            if os.path.exists('/usr/sbin/rsyslogd') else None)
    if rsyslogd is None:
        return None, None
    work = os.path.join(tmp, 'rsyslog')
    os.mkdir(work)
    relay_port = free_port()
    conf = os.path.join(work, 'rsyslog.conf')
    with open(conf, 'w') as f:
        f.write(RSYSLOG_CONF.format(work=work, relay_port=relay_port, port=port))
    relay = subprocess.Popen([rsyslogd, '-n', '-f', conf, '-i', os.path.join(work, 'pid')],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(relay_port)
    return relay, relay_port


def relay_senders(relay_port):
    subprocess.run(['logger', '-n', '127.0.0.1', '-P', str(relay_port), '--tcp', '--rfc5424',
                    '-t', 'relayed', '-p', 'daemon.err', '--msgid', 'RLY', 'through rsyslog'],
                   check=True)


def incomplete_chunk(gelf_port):
    """The first of two chunks, whose second never comes."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.sendto(b'\x1e\x0f' + b'incomplt' + bytes([0, 2]) + b'{"short_message": "ha',
                 ('127.0.0.1', gelf_port))


def bad_input(syslog_port, gelf_port):
    """A good connection stays open across another's bad input."""
    good = socket.create_connection(('127.0.0.1', syslog_port))
    good.sendall(b'<13>1 - - good - - - before\n')
    bad = socket.create_connection(('127.0.0.1', syslog_port))
    bad.sendall(b'this is no syslog\n')
    counted = socket.create_connection(('127.0.0.1', syslog_port))
    counted.sendall(b'99999999999 <13>1 - - - - - - too long\n')
    gbad = socket.create_connection(('127.0.0.1', gelf_port))
    gbad.sendall(b'{"not": "closed"\0')
    # Never-ending messages: past the size limit without their end, each connection is closed.
    for port, size in ((syslog_port, 300 * 1024), (gelf_port, 9 * 1024 * 1024)):
        huge = socket.create_connection(('127.0.0.1', port))
        try:
            huge.sendall(b'<13>' + b'x' * size if port == syslog_port else b'{' + b' ' * size)
        except OSError:
            pass  # closed under the sender's feet, as it should be
        huge.close()
    time.sleep(0.3)
    good.sendall(b'<13>1 - - good - - - after\n')
    good.close()
    for s in (bad, counted, gbad):
        s.close()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.sendto(b'\x1e\x0f short', ('127.0.0.1', gelf_port))


def main():
    logdeck = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix='ld-syslog-gelf-')
    output = os.path.join(tmp, 'out.jsonl')
    syslog_port, gelf_port = free_port(), free_port()
    n_tests = 10 if graypy is not None else 6
    print(f'1..{n_tests}')

    proc = subprocess.Popen([logdeck, '--tcp-port', '0', '--udp-port', '0', '--http-port', '0',
                             '--nng-listen', '', '--syslog-port', str(syslog_port),
                             '--gelf-port', str(gelf_port), '--include-internal',
                             '--output', output], stderr=subprocess.DEVNULL)
    relay = None
    try:
        wait_for_port(syslog_port)
        wait_for_port(gelf_port)
        started = time.monotonic()
        incomplete_chunk(gelf_port)
        relay, relay_port = start_rsyslog(tmp, syslog_port)
        if relay is not None:
            relay_senders(relay_port)
        python_senders(syslog_port)
        logger_senders(syslog_port)
        gelf_senders(gelf_port)
        bad_input(syslog_port, gelf_port)
        # The incomplete message's 5 s, and the relay's forwarding, run out.
        for _ in range(100):
            time.sleep(0.1)
            if time.monotonic() - started > 7.0:
                break
    finally:
        if relay is not None:
            relay.terminate()
            relay.wait(timeout=10)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)

    with open(output, encoding='utf-8') as f:
        records = [json.loads(line) for line in f]
    by_message = {r['message']: r for r in records}
    problems = [r for r in records if r.get('logger') == 'logdeck.ingest']
    failures = 0

    def check(number, name, condition, detail=''):
        nonlocal failures
        if condition:
            print(f'ok {number} - {name}')
        else:
            failures += 1
            print(f'not ok {number} - {name}')
            print(f'# {detail}')

    def fields(message, **want):
        r = by_message.get(message)
        if r is None:
            return f'no record {message!r}'
        for key, value in want.items():
            have = r.get('extra', {}).get(key[2:]) if key.startswith('x_') else r.get(key)
            if have != value:
                return f'{message!r}: {key} is {have!r}, not {value!r}: {r}'
        return ''

    def all_fields(cases):
        return '; '.join(d for d in (fields(m, **w) for m, w in cases) if d)

    python_cases = [
        ('python udp warning', dict(levelno=30, logger='pyudp', protocol='syslog-udp',
                                    x_facility='user')),
        ('python tcp error', dict(levelno=40, logger='pytcp', protocol='syslog-tcp')),
        ('python tcp critical', dict(levelno=50, logger='pytcp')),
        ('python tcp debug', dict(levelno=10, logger='pytcp')),
    ]
    detail = all_fields(python_cases)
    check(1, 'SysLogHandler over UDP and TCP: levels, ident as logger', not detail, detail)

    detail = all_fields([
        ('cookbook 5424', {'levelno': 20, 'logger': 'cookbook', 'host': HOST,
                           'x_facility': 'local1', 'x_origin@32473.ip': '10.0.0.1',
                           'x_origin@32473.quote': 'a"b]c'}),
        ('café ☕ unicode', dict(levelno=20, logger='bomapp', host=HOST)),
    ])
    cookbook = by_message.get('cookbook 5424', {})
    if not detail and not str(cookbook.get('process', '')).isdigit():
        detail = f'no procid as process: {cookbook}'
    check(2, "the cookbook's RFC 5424 subclass and BOM recipe", not detail, detail)

    detail = all_fields([
        ('logger udp 5424', {'levelno': 30, 'logger': 'lg-udp', 'process': 4242,
                             'x_facility': 'daemon', 'x_msgid': 'MSG1',
                             'x_zoo@123.tiger': 'hungry', 'x_zoo@123.zebra': 'running'}),
        ('logger tcp octet-counted', dict(levelno=40, logger='lg-oc', x_facility='local7',
                                          x_msgid='MSG2', protocol='syslog-tcp')),
        ('logger tcp lf', dict(levelno=10, logger='lg-lf')),
        ('logger tcp 3164', dict(levelno=50, logger='lg-3164', process=77, x_facility='mail')),
        ('logger udp 3164', dict(levelno=55, logger='lg-3164u', x_facility='auth')),
    ])
    check(3, 'logger(1): UDP, TCP, octet counting, RFC 3164 and 5424, SD, MSGID', not detail,
          detail)

    befores = [r for r in records if r['message'] in ('before', 'after')]
    detail = '' if [r['message'] for r in befores] == ['before', 'after'] \
        and len({r['connection'] for r in befores}) == 1 else f'got {befores}'
    check(4, "another connection's bad input leaves a good one open", not detail, detail)

    syslog_problems = [p for p in problems if p.get('protocol') == 'syslog-tcp'
                       and 'connection closed' in p['message'] and 'bad' in p['message']]
    detail = '' if len(syslog_problems) == 3 and all(
        p['message'].startswith(p['connection'] + ': ') for p in syslog_problems) \
        else f'syslog problems: {problems}'
    check(5, 'bad and endless syslog frames and messages: an error record naming the connection', not detail,
          detail)

    if relay is None:
        print('ok 6 # SKIP rsyslogd is not installed')
    else:
        detail = fields('through rsyslog', levelno=40, logger='relayed', host=HOST,
                        protocol='syslog-tcp', x_facility='daemon', x_msgid='RLY')
        check(6, 'logger through an rsyslog relay: RFC 5424 over octet-counted TCP', not detail,
              detail)

    if graypy is None:
        return 1 if failures else 0

    chunked = next((r for r in records if r['message'].startswith('gelf chunked ')), None)
    detail = fields('gelf zlib udp', levelno=30, logger='gelf.app', host=HOST,
                    protocol='gelf-udp')
    if chunked is None or len(chunked['message']) != len('gelf chunked ') + 5000 \
            or chunked.get('levelno') != 40 or chunked.get('extra', {}).get('order_id') != 17:
        detail += f' chunked: {chunked}'
    check(7, 'graypy over UDP: a chunked message reassembled, a zlib one', not detail.strip(),
          detail)

    detail = all_fields([
        ('gelf tcp one', dict(levelno=20, logger='gelf.app', host=HOST, protocol='gelf-tcp')),
        ('gelf tcp two', dict(levelno=10, logger='gelf.app')),
    ])
    check(8, 'graypy over TCP', not detail, detail)

    gelf_tcp = [p for p in problems if p.get('protocol') == 'gelf-tcp'
                and 'connection closed' in p['message']]
    gelf_udp = [p for p in problems if p.get('protocol') == 'gelf-udp']
    expired = [p for p in gelf_udp if 'dropped incomplete' in p['message']]
    detail = '' if len(gelf_tcp) == 2 and len(gelf_udp) == 2 else f'gelf problems: {problems}'
    check(9, 'bad GELF over TCP and UDP: error records', not detail, detail)
    check(10, 'a chunked message never completed is dropped after 5 s and reported',
          len(expired) == 1 and expired[0]['message'].startswith('gelf-udp: 1 chunked'),
          f'{gelf_udp}')

    shutil.rmtree(tmp)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
