#!/usr/bin/env bash
# One node on PostgreSQL against one node on SQLite on the reference harness (../shared/bench),
# in one series alternating the two (issue 18). A throwaway PostgreSQL cluster (fsync and
# synchronous_commit on, unpinned: it shares the machine's cores) serves a fresh database per
# round; WAL bytes per accepted event are read from pg_current_wal_lsn() around each PG run.
#
#   bench/pg-series.sh OUTDIR ROUNDS BIN        (e.g. /tmp/pgs 3 .build/release/hookrelay)
#   bench/reference_summary.py OUTDIR "sqlite pg"
# SYSTEMS="pg pg2" compares one node with two nodes on the same PostgreSQL (bench/two-nodes-sut.sh).
set -u
B=${REFERENCE_BENCH:-$(cd "$(dirname "$0")/../../shared/bench" && pwd)}
[ $# -eq 3 ] || { echo "usage: pg-series.sh OUTDIR ROUNDS BIN" >&2; exit 2; }
OUT=$1; ROUNDS=$2; BIN=$3
HERE=$(cd "$(dirname "$0")" && pwd)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PORT=${PG_PORT:-55432}
mkdir -p "$OUT"; chmod 755 "$OUT"
PG=$(mktemp -d /tmp/hookrelay-bench-pg.XXXXXX); chmod 755 "$PG"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$PG"
as_pg "$PGBIN/initdb" -D "$PG/data" -U hookrelay --auth=trust -E UTF8 --no-instructions >/dev/null || exit 1
as_pg "$PGBIN/pg_ctl" -D "$PG/data" -l "$PG/server.log" -w -o "-p $PORT -k $PG -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=50" start >/dev/null || exit 1
trap 'as_pg "$PGBIN/pg_ctl" -D "$PG/data" -m fast -w stop >/dev/null; rm -rf "$PG"' EXIT
psql_() { "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U hookrelay -d "$1" -Atqc "$2"; }

sed -e 's#^data_dir = "@DATA_DIR@"#data_dir = "@DATA_DIR@"\nstore = "env:HOOKRELAY_BENCH_STORE"#' "$B/hookrelay.conf.tmpl" > "$OUT/pg.conf.tmpl"
for r in $(seq "$ROUNDS"); do
  set -- ${SYSTEMS:-sqlite pg}
  for sys in $( [ $((r % 2)) -eq 1 ] && echo "$1 $2" || echo "$2 $1" ); do
    dir="$OUT/r$r-$sys"; sync; sleep 3
    echo "#### round $r $sys $(date -u +%T)"
    if [ "$sys" = pg ] || [ "$sys" = pg2 ]; then
      db=bench$r$sys
      psql_ postgres "CREATE DATABASE $db" || exit 1
      bin=$BIN
      [ "$sys" = pg2 ] && bin="$HERE/two-nodes-sut.sh"
      before=$(psql_ postgres "SELECT pg_current_wal_lsn()")
      HOOKRELAY_BIN="$BIN" HOOKRELAY_BENCH_STORE="postgres://hookrelay@127.0.0.1:$PORT/$db" \
        "$B/run.sh" hookrelay --bin "$bin" --conf-template "$OUT/pg.conf.tmpl" --duration 15 --connections 64 --out "$dir" --run-id "r$r-$sys" > "$dir.log" 2>&1
      after=$(psql_ postgres "SELECT pg_current_wal_lsn()")
      bytes=$(psql_ postgres "SELECT pg_wal_lsn_diff('$after', '$before')")
      accepted=$(python3 -c "import json; print(json.load(open('$dir/result.json'))['accepted'])")
      echo "wal_bytes=$bytes accepted=$accepted per_event=$(python3 -c "print(round($bytes / max(1, $accepted)))")" | tee "$dir.wal"
    else
      "$B/run.sh" hookrelay --bin "$BIN" --conf-template "$B/hookrelay.conf.tmpl" --duration 15 --connections 64 --out "$dir" --run-id "r$r-sqlite" > "$dir.log" 2>&1
    fi
  done
done
