#!/usr/bin/env bash
# CPU profile of the ingest and delivery hot paths: a `bench.py --only hookrelay` run, with
# `perf record` attached to the relay for SECONDS in the middle of the load; prints the split
# by thread and by library and the top symbols.
#   bench/profile.sh [SECONDS]         (linux-perf; writes bench/out/perf.data)
# valgrind --tool=callgrind was tried first: valgrind 3.19 (Debian 12) cannot read the DWARF
# of Swift 6.3 binaries and crashes (SIGSEGV inside valgrind) on a stripped copy.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RECORD=${1:-4}
OUT=bench/out/perf.data
mkdir -p bench/out
python3 bench/bench.py --only hookrelay --pairs 1 --duration $((SECONDS_TO_RECORD + 6)) --events 400000 > bench/out/profile-run.json &
BENCH=$!
pid=""
for _ in $(seq 200); do pid=$(pgrep -f "hookrelay serve --config $PWD/bench/out" | head -1 || true); [ -n "$pid" ] && break; sleep 0.1; done
[ -n "$pid" ] || { echo "profile: relay did not start" >&2; exit 1; }
sleep 3
perf record -F 1999 -g -p "$pid" -o "$OUT" -- sleep "$SECONDS_TO_RECORD" 2>/dev/null
wait $BENCH
echo "== samples by thread (writer / curl engine are the unnamed Foundation threads; see ps -L)"
perf script -i "$OUT" -F tid,comm 2>/dev/null | sort | uniq -c | sort -rn | head -8
echo "== by library"
perf report -i "$OUT" --no-children --sort dso --stdio -g none 2>/dev/null | grep "%" | head -10
echo "== top symbols"
perf report -i "$OUT" --no-children --sort sym --stdio -g none 2>/dev/null | grep "%" | head -30
