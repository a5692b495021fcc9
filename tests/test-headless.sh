#!/usr/bin/env bash
# Headless Logdeck needs no display, and stops cleanly on SIGTERM and SIGINT.
set -u
logdeck=$1
echo "1..3"

unset DISPLAY WAYLAND_DISPLAY
for sig in TERM INT; do
  "$logdeck" --headless --tcp-port 0 --udp-port 0 --http-port 0 &
  pid=$!
  sleep 0.5
  if ! kill -0 $pid 2>/dev/null; then
    echo "not ok - logdeck --headless exited without a display"; exit 0
  fi
  kill -$sig $pid
  wait $pid
  status=$?
  if [[ $status -eq 0 ]]; then echo "ok - SIG$sig stops it with status 0"; else echo "not ok - SIG$sig: status $status"; fi
done

if "$logdeck" --version | grep -q "^logdeck "; then echo "ok - --version"; else echo "not ok - --version"; fi
