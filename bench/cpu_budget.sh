#!/usr/bin/env bash
# One reference-harness run of BIN, with each relay thread's CPU and context switches over 5 s
# of the load and 5 s of the drain, and the deliveries the sinks logged in each window: the CPU
# per delivery (drain) and per accept (load, its deliveries taken off) in docs/PERFORMANCE.md.
#
#   bench/cpu_budget.sh /tmp/hookrelay-new /tmp/budget1     # OUT: a fresh path, or an earlier run's
set -u
[ $# -eq 2 ] || { echo "usage: cpu_budget.sh BIN OUT" >&2; exit 2; }
BIN=$1; OUT=$2
B=${REFERENCE_BENCH:-$(cd "$(dirname "$0")/../../shared/bench" && pwd)}
# OUT is removed first: refuse anything but a fresh path or an earlier run's directory.
if [ -e "$OUT" ] && [ ! -f "$OUT/result.json" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then
  echo "cpu_budget.sh: $OUT exists and is not an earlier run's directory; pick another OUT" >&2; exit 2
fi
rm -rf "$OUT"; mkdir -p "$(dirname "$OUT")"

# Per thread: name, voluntary and involuntary switches, utime+stime ticks.
snapshot() {
  for t in /proc/$1/task/*; do
    echo "$(cat $t/comm 2>/dev/null | tr ' ' '_') $(grep -h ctxt_switches $t/status 2>/dev/null | awk '{print $2}' | tr '\n' ' ') $(awk '{print $14+$15}' $t/stat 2>/dev/null)"
  done | sort
}
window() {  # PID SECONDS NAME -> OUT.NAME, and the window's start and end (epoch seconds)
  local a b t0 t1
  t0=$(date +%s.%N); a=$(snapshot $1); sleep $2; b=$(snapshot $1); t1=$(date +%s.%N)
  paste -d' ' <(echo "$a") <(echo "$b") | awk -v hz=$(getconf CLK_TCK) \
    '{printf "%-18s cpu %6.2f s  switches vol %7d invol %7d\n", $1, ($8-$4)/hz, $6-$2, $7-$3}' | awk '$3>0 || $7>0 || $9>0' > "$OUT.$3"
  echo "$t0 $t1" > "$OUT.$3.window"
}

"$B/run.sh" hookrelay --bin "$BIN" --conf-template "$B/hookrelay.conf.tmpl" --duration 15 --connections 64 --out "$OUT" --run-id budget > "$OUT.log" 2>&1 &
runner=$!
for _ in $(seq 120); do pid=$(pgrep -f "$BIN serve" | head -1); [ -n "$pid" ] && break; sleep 0.5; done
[ -n "${pid:-}" ] || { echo "the relay did not start (see $OUT.log)" >&2; exit 1; }
sleep 5; window $pid 5 load
sleep 7; window $pid 5 drain
wait $runner
for w in load drain; do
  read t0 t1 < "$OUT.$w.window"
  n=$(awk -v a=$t0 -v b=$t1 '$1 >= a && $1 < b' "$OUT"/logs/sink*.access.log | wc -l)
  echo "== $w: $n deliveries in $(echo "$t1 - $t0" | bc) s"
  cat "$OUT.$w"
done
grep -E "accepted events/s|drain time|deliveries/s e2e" "$OUT.log"
rm -rf "$OUT/data" "$OUT/events.jsonl"
