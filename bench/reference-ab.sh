#!/usr/bin/env bash
# An A/B of hookrelay builds on the reference harness (../shared/bench, whose figures the issues'
# targets are): each SYSTEM is `mirror` (the anchor) or a name NAME with its binary at
# /tmp/hookrelay-NAME. The order rotates each round, and every run starts after `sync`, so no
# run pays for writing back the previous run's store. Summary: bench/reference_summary.py OUT.
# A SYSTEM ending in `+nopin` (e.g. `new+nopin`, `mirror+nopin`) runs with run.sh's --no-pin:
# the SUT may use every core, shared with the harness.
#
#   cp .build/release/hookrelay /tmp/hookrelay-new; cp <old build> /tmp/hookrelay-base
#   bench/reference-ab.sh /tmp/ab/s3 3 base new mirror
#   bench/reference_summary.py /tmp/ab/s3 "mirror base new"
# With BUDGET=1, each hookrelay run is watched by bench/thread_cpu.py (CPU per thread, per
# delivery, per accept and per event), its report in OUTDIR/rN-NAME.cpu.
set -u
B=${REFERENCE_BENCH:-$(cd "$(dirname "$0")/../../shared/bench" && pwd)}
[ $# -ge 3 ] || { echo "usage: reference-ab.sh OUTDIR ROUNDS SYSTEM..." >&2; exit 2; }
OUT=$1; ROUNDS=$2; shift 2; SYSTEMS=("$@")
mkdir -p "$OUT"; chmod 755 "$OUT"
n=${#SYSTEMS[@]}
for r in $(seq $ROUNDS); do
  for i in $(seq 0 $((n-1))); do
    sys=${SYSTEMS[$(( (i + r - 1) % n ))]}
    dir="$OUT/r$r-$sys"
    sync; sleep 3
    echo "#### round $r $sys $(date -u +%T)"
    name=${sys%+nopin}; pin=()
    [ "$name" != "$sys" ] && pin=(--no-pin)
    if [ $name = mirror ]; then
      $B/run.sh mirror --duration 15 --connections 64 "${pin[@]}" --out "$dir" --run-id "r$r-$sys" > "$dir.log" 2>&1
    else
      watcher=""
      if [ "${BUDGET:-0}" = 1 ]; then
        python3 "$(dirname "$0")/thread_cpu.py" "$dir" --pattern /tmp/hookrelay-$name > "$dir.cpu" 2>&1 &
        watcher=$!
      fi
      $B/run.sh hookrelay --bin /tmp/hookrelay-$name --conf-template $B/hookrelay.conf.tmpl --duration 15 --connections 64 "${pin[@]}" --out "$dir" --run-id "r$r-$sys" > "$dir.log" 2>&1
      [ -n "$watcher" ] && wait $watcher
    fi
    rm -rf "$dir/data" "$dir/events.jsonl"   # ~1 GB per run; results and logs stay
  done
done
