#!/usr/bin/env bash
# The app actions work from outside, through `gapplication action`, on a
# session bus of this test's own. TAP output.
set -u
logdeck=$1
app_id=io.github.logdeck.Logdeck
path=/io/github/logdeck/Logdeck

echo "1..5"
if [[ -z "${DISPLAY:-}" ]]; then
  echo "ok 1 # SKIP no display"; echo "ok 2 # SKIP"; echo "ok 3 # SKIP"; echo "ok 4 # SKIP"
  echo "ok 5 # SKIP"
  exit 0
fi

"$logdeck" --tcp-port 0 --udp-port 0 --http-port 0 --nng-listen "" &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT

state () {
  gdbus call --session --dest $app_id --object-path $path \
    --method org.gtk.Actions.Describe "$1" 2>/dev/null
}

for _ in $(seq 300); do
  state pause >/dev/null && break
  sleep 0.1
done

if state pause | grep -q "false"; then echo "ok 1 - pause starts off"; else echo "not ok 1 - pause starts off: $(state pause)"; fi

gapplication action $app_id pause
if state pause | grep -q "true"; then echo "ok 2 - gapplication action pause pauses"; else echo "not ok 2 - pause: $(state pause)"; fi

gapplication action $app_id clear && echo "ok 3 - gapplication action clear" || echo "not ok 3 - clear"

out=$(mktemp -d)
gapplication action $app_id export "'$out/records.jsonl'"
for _ in $(seq 100); do
  [[ -f "$out/records.jsonl" ]] && break
  sleep 0.1
done
if [[ -f "$out/records.jsonl" ]]; then echo "ok 4 - gapplication action export writes the file"; else echo "not ok 4 - export wrote nothing"; fi
rm -rf "$out"

gapplication action $app_id quit
for _ in $(seq 100); do
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
if kill -0 $pid 2>/dev/null; then echo "not ok 5 - quit left the process running"; else echo "ok 5 - gapplication action quit ends the process"; fi
