#!/usr/bin/env bash
# Headless Logdeck needs no display, stops cleanly on SIGTERM and SIGINT,
# writes what it received with --output (only what --filter matches) and
# exports it with --export, with CPython's SocketHandler as the sender.
# logdeck-headless ($2, if given), built without the window, never loads GTK.
set -u
logdeck=$1
headless=${2:-}
python=${LD_PYTHON3:-/usr/bin/python3}
peers=$(dirname "$0")/peers
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ -n "$headless" ]]; then echo "1..28"; else echo "1..24"; fi

# The TCP port a headless Logdeck announced on standard error (in file $1).
tcp_port() {
  local port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/^logdeck: listening on tcp [^:]*:\([0-9]*\)$/\1/p' "$1")
    [[ -n "$port" ]] && break
    sleep 0.1
  done
  echo "$port"
}

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local tries=$(($1 * 10))
  shift
  for _ in $(seq "$tries"); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

ok() { if [[ $1 == 0 ]]; then echo "ok - $2"; else echo "not ok - $2"; fi; }

unset DISPLAY WAYLAND_DISPLAY
for sig in TERM INT; do
  "$logdeck" --headless --tcp-port 0 --udp-port 0 --http-port 0 --nng-listen "" 2>/dev/null &
  pid=$!
  sleep 0.5
  if ! kill -0 $pid 2>/dev/null; then
    echo "not ok - logdeck --headless exited without a display"; continue
  fi
  kill -$sig $pid
  wait $pid
  status=$?
  if [[ $status -eq 0 ]]; then echo "ok - SIG$sig stops it with status 0"; else echo "not ok - SIG$sig: status $status"; fi
done

if "$logdeck" --version | grep -q "^logdeck "; then echo "ok - --version"; else echo "not ok - --version"; fi

"$logdeck" --headless --tcp-port 0 --udp-port 0 --http-port 0 --nng-listen "" \
  --output "$work/out.jsonl" --filter 'level>=WARNING' \
  --export "$work/all.log" --format text --log-format '%(levelname)s:%(name)s:%(message)s' \
  2>"$work/stderr" &
pid=$!
port=$(tcp_port "$work/stderr")
"$python" - "$port" <<'PY'
import logging, logging.handlers, sys
handler = logging.handlers.SocketHandler("127.0.0.1", int(sys.argv[1]))
log = logging.getLogger("acme.api")
log.setLevel(logging.DEBUG)
log.addHandler(handler)
for i in range(50):
    log.log((logging.INFO, logging.WARNING)[i % 2], "record %d", i)
handler.close()
PY
sleep 0.5
kill -TERM $pid
wait $pid
status=$?
[[ $status -eq 0 ]] && echo "ok - stops with status 0 after receiving" || echo "not ok - status $status"

warnings=$("$python" -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["levelno"] == 30 and json.loads(l)["logger"] == "acme.api"))' "$work/out.jsonl")
others=$(grep -vc '"levelno":30' "$work/out.jsonl")
if [[ "$warnings" == 25 && "$others" == 0 ]]; then echo "ok - --output wrote the 25 records --filter matches"; else echo "not ok - --output: $warnings warnings, $others others"; fi

count=$(grep -c '^\(INFO\|WARNING\):acme.api:record ' "$work/all.log")
if [[ "$count" == 50 ]]; then echo "ok - --export wrote all 50 records as text"; else echo "not ok - --export: $count records"; fi

# logdeck FILE and logdeck -: a file and a live pipe become sources.
printf 'INFO:acme.api:from a file\nERROR:acme.api:boom\n' > "$work/app.log"
(printf '2026-11-21 10:00:01,123 - acme.pipe - WARNING - piped line 1\n'; sleep 0.5
 printf '2026-11-21 10:00:02,123 - acme.pipe - WARNING - piped line 2\n'; sleep 5) |
  "$logdeck" --headless --tcp-port 0 --udp-port 0 --http-port 0 --nng-listen "" --output "$work/in.jsonl" \
    "$work/app.log" - 2>/dev/null &
pid=$!
for _ in $(seq 50); do
  [[ -f "$work/in.jsonl" ]] && [[ $(grep -c 'piped line' "$work/in.jsonl") == 2 ]] && break
  sleep 0.1
done
kill -TERM $pid 2>/dev/null
wait $pid 2>/dev/null
if [[ $(grep -c '"connection":"stdin"' "$work/in.jsonl") == 2 ]]; then echo "ok - a pipe is read as it arrives"; else echo "not ok - stdin: $(cat "$work/in.jsonl")"; fi
if [[ $(grep -c '"connection":"app.log"' "$work/in.jsonl") == 2 ]]; then echo "ok - a file on the command line is opened"; else echo "not ok - file: $(cat "$work/in.jsonl")"; fi

# A text export of SocketHandler records is byte for byte the sender's own
# FileHandler output, even when a probe connection closes in the middle of a
# frame meanwhile: Logdeck's own records go to standard error, one line each,
# and neither to --output nor to --export.
fmt='%(levelname)s %(name)s %(threadName)s %(process)d %(funcName)s:%(lineno)d %(message)s'
"$logdeck" --headless --tcp-port 0 --udp-port 0 --http-port 0 --nng-listen "" --output "$work/a.jsonl" \
  --export "$work/a.log" --format text --log-format "$fmt" 2>"$work/a.err" &
pid=$!
port=$(tcp_port "$work/a.err")
[[ -n "$port" && $port != 9020 ]]
ok $? "--tcp-port 0 listens on a port of the system's choosing ($port)"
n=$("$python" "$peers/socket_and_file.py" "$port" "$fmt" "$work/sender.log")
wait_for 10 grep -q '^logdeck: WARNING logdeck.ingest: tcp-[0-9]*: .*' "$work/a.err"
wait_for 10 test "$(wc -l < "$work/a.jsonl")" -ge "$n"
kill -TERM $pid
wait $pid
ok $? "stops with status 0 after a probe closed mid-frame"
cmp -s "$work/sender.log" "$work/a.log"
ok $? "the text export is the sender's FileHandler output byte for byte"
[[ $(grep -c '^logdeck: WARNING logdeck.ingest: tcp-[0-9]*: ' "$work/a.err") == 1 ]]
ok $? "Logdeck's own warning went to standard error, on one line"
! grep -q '"logger":"logdeck' "$work/a.jsonl" && [[ $(wc -l < "$work/a.jsonl") == "$n" ]]
ok $? "--output has the $n records sent and none of Logdeck's own"
grep -qx "Exported $n records to $work/a.log" "$work/a.err"
ok $? "--export says where it wrote and how many records"

# --output reaches its file while Logdeck runs, without more traffic to push
# it out. With --include-internal, Logdeck's own records go to --output and
# --export instead of standard error. Numbers that Python's json cannot take
# as numbers are written as strings, and --csv-raw --keep-control-chars
# write cells as they are.
"$logdeck" --headless --tcp-port 0 --udp-port 0 --http-port 0 --nng-listen "" --output "$work/b.jsonl" \
  --include-internal --export "$work/b.csv" --csv-raw --keep-control-chars 2>"$work/b.err" &
pid=$!
port=$(tcp_port "$work/b.err")
"$python" - "$port" <<'PY'
import logging, logging.handlers, sys
handler = logging.handlers.SocketHandler("127.0.0.1", int(sys.argv[1]))
log = logging.getLogger("acme.csv")
log.addHandler(handler)
log.warning("=1+2 \x1b[1mbold")
handler.close()
PY
wait_for 3 grep -q 'bold' "$work/b.jsonl"
ok $? "--output has a record within 3 s without more traffic"
"$python" - "$port" <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
with socket.create_connection(("127.0.0.1", port)) as connection:
    connection.sendall(b'{"message": "numbers", "inf": 1e999999, "long": ' + b"7" * 100000
                       + b', "nested": {"n": [-1E+400, 2.5]}}\n')
with socket.create_connection(("127.0.0.1", port)) as connection:
    connection.sendall(struct.pack(">L", 1000) + b"x" * 10)
PY
wait_for 10 grep -q '"logger":"logdeck.ingest"' "$work/b.jsonl"
wait_for 10 grep -q '"message":"numbers"' "$work/b.jsonl"
kill -TERM $pid
wait $pid
ok $? "stops with status 0 with --include-internal"
"$python" - "$work/b.jsonl" <<'PY'
import json, sys
records = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
for record in records:
    json.dumps(record, allow_nan=False)
numbers = [r["extra"] for r in records if r["message"] == "numbers"][0]
assert numbers == {"inf": "1e999999", "long": "7" * 100000, "nested.n": ["-1E+400", 2.5]}, numbers
PY
ok $? "json.loads takes every line; 1e999999 and 100,000 digits are strings"
grep -q '"logger":"logdeck.ingest"' "$work/b.jsonl" && ! grep -q '^logdeck: WARNING' "$work/b.err"
ok $? "--include-internal writes Logdeck's own records to --output, not standard error"
"$python" - "$work/b.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
assert any(row["message"] == "=1+2 \x1b[1mbold" for row in rows), rows
assert any(row["logger"] == "logdeck.ingest" for row in rows), rows
PY
ok $? "--csv-raw --keep-control-chars --include-internal: the CSV has the cells as sent"
"$logdeck" --headless --tls-cert "$work/no-such.pem" --tcp-port 0 --udp-port 0 --http-port 0 --nng-listen "" \
  2>"$work/c.err" &
pid=$!
wait_for 10 bash -c "! kill -0 $pid 2>/dev/null"
wait $pid
status=$?
[[ $status != 0 ]] && grep -q 'no-such.pem' "$work/c.err"
ok $? "a TLS certificate that cannot be read stops headless Logdeck at start-up (status $status)"

# A token from LOGDECK_TOKEN, which the process list does not show, guards
# the HTTP endpoint as --token would.
LOGDECK_TOKEN=s3cret-token "$logdeck" --headless --tcp-port 0 --udp-port 0 --http-port 0 --nng-listen "" \
  --output "$work/t.jsonl" 2>"$work/t.err" &
pid=$!
wait_for 10 grep -q '^logdeck: listening on http ' "$work/t.err"
http=$(sed -n 's/^logdeck: listening on http [^:]*:\([0-9]*\)$/\1/p' "$work/t.err")
! grep -q s3cret-token "/proc/$pid/cmdline"
ok $? "the token is not on the command line"
"$python" - "$http" <<'PY'
import json, sys, urllib.error, urllib.request
def post(message, headers):
    request = urllib.request.Request("http://127.0.0.1:%s/log" % sys.argv[1], method="POST",
                                     data=json.dumps({"message": message}).encode(),
                                     headers=dict(headers, **{"Content-Type": "application/json"}))
    try:
        return urllib.request.urlopen(request, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code
assert post("without the token", {}) in (401, 403)
assert post("with the token", {"Authorization": "Bearer s3cret-token"}) < 300
PY
status=$?
wait_for 3 grep -q '"message":"with the token"' "$work/t.jsonl"
found=$?
[[ $status == 0 && $found == 0 ]] && ! grep -q 'without the token' "$work/t.jsonl"
ok $? "LOGDECK_TOKEN: a request without it is refused, one with it is taken"
kill -TERM $pid
wait $pid

# --help says what comes after the options: files, and - for standard input.
help=$("$logdeck" --help)
grep -q '^  logdeck \[OPTION.*\] \[FILE.*\]$' <<<"$help" && grep -q -- '- reads standard input' <<<"$help"
ok $? "--help shows [FILE…] and what - means"

# A GLib warning of Logdeck's own goes to standard error as Logdeck names its
# level, on one line, as its other records do (not fatal here: no G_DEBUG).
"$python" -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$work/taken.port" &
holder=$!
wait_for 5 test -s "$work/taken.port"
env -u G_DEBUG "$logdeck" --headless --tcp-port "$(cat "$work/taken.port")" --udp-port 0 \
  --http-port 0 --nng-listen "" 2>"$work/w.err" &
pid=$!
wait_for 10 grep -q '^logdeck: listening on http ' "$work/w.err"
kill -TERM $pid
wait $pid
kill $holder
wait $holder 2>/dev/null
grep -q '^logdeck: WARNING logdeck.ui: The tcp listener cannot start: ' "$work/w.err" \
  && ! grep -q ' \*\*' "$work/w.err"
ok $? "a GLib warning is printed as 'logdeck: WARNING logger: message'"

[[ -z "$headless" ]] && exit 0

# logdeck-headless is headless without --headless, links neither GTK nor
# libadwaita, and none is in its memory while it runs.
! ldd "$headless" | grep -q 'libgtk\|libgdk\|libadwaita'
ok $? "logdeck-headless links neither GTK nor libadwaita"
"$headless" --tcp-port 0 --udp-port 0 --http-port 0 --nng-listen "" --output "$work/h.jsonl" \
  2>"$work/h.err" &
pid=$!
port=$(tcp_port "$work/h.err")
[[ -n "$port" ]] && ! grep -q 'libgtk\|libgdk\|libadwaita' "/proc/$pid/maps"
ok $? "logdeck-headless runs without a display and never loads GTK"
"$python" - "$port" <<'PY'
import logging, logging.handlers, sys
handler = logging.handlers.SocketHandler("127.0.0.1", int(sys.argv[1]))
log = logging.getLogger("acme.headless")
log.addHandler(handler)
log.warning("from logdeck-headless")
handler.close()
PY
wait_for 5 grep -q '"message":"from logdeck-headless"' "$work/h.jsonl"
ok $? "logdeck-headless writes --output"
kill -TERM $pid
wait $pid
ok $? "logdeck-headless stops with status 0"
