#!/usr/bin/env bash
# Headless Logdeck needs no display, stops cleanly on SIGTERM and SIGINT,
# writes what it received with --output (only what --filter matches) and
# exports it with --export, with CPython's SocketHandler as the sender.
set -u
logdeck=$1
python=${LD_PYTHON3:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "1..8"

unset DISPLAY WAYLAND_DISPLAY
for sig in TERM INT; do
  "$logdeck" --headless --tcp-port 0 --udp-port 0 --http-port 0 2>/dev/null &
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

"$logdeck" --headless --tcp-port 0 --udp-port 0 --http-port 0 \
  --output "$work/out.jsonl" --filter 'level>=WARNING' \
  --export "$work/all.log" --format text --log-format '%(levelname)s:%(name)s:%(message)s' \
  2>"$work/stderr" &
pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/^logdeck: listening on tcp [^:]*:\([0-9]*\)$/\1/p' "$work/stderr")
  [[ -n "$port" ]] && break
  sleep 0.1
done
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
  "$logdeck" --headless --tcp-port 0 --udp-port 0 --http-port 0 --output "$work/in.jsonl" \
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
