#!/usr/bin/env bash
# SQLite's own CPU per event for store schemas 1, 2 and 3 (bench/store_loop.c), run by hand.
#   bench/store_loop.sh            (needs cc and libsqlite3-dev: script/setup installs the latter)
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out/store-loop
mkdir -p "$out"
# Schema 3 as the relay creates it; schema 2 is the same with the state indexes' conditions as
# IN lists (what version 3 changed); schema 1 as frozen in the upgrade test.
python3 - "$out" <<'PY'
import sys
out = sys.argv[1]
src = open("Sources/HookrelayStore/SQLite/StoreSchema.swift").read()
ddl = lambda name: src.split(f'static let {name} = """')[1].split('"""')[0]
v3 = ddl("tables") + ddl("stateIndexes")
open(f"{out}/v3.sql", "w").write(v3)
v2 = v3.replace("(state = 'pending' OR state = 'retrying')", "state IN ('pending', 'retrying')")
v2 = v2.replace("(state = 'delivered' OR state = 'rejected' OR state = 'dead')", "state IN ('delivered', 'rejected', 'dead')")
assert v2 != v3
open(f"{out}/v2.sql", "w").write(v2)
src = open("Tests/HookrelayIntegrationTests/StoreUpgradeTests.swift").read()
ddl = lambda name: src.split(f'static let {name} = """')[1].split('"""')[0]
open(f"{out}/v1.sql", "w").write(ddl("version1").replace("\\(failuresAndTokens)", ddl("failuresAndTokens")))
PY
cc -O2 -o "$out/store_loop" bench/store_loop.c -lsqlite3
for schema in v1 v2 v3; do "$out/store_loop" "$out/$schema.sql" "$out/$schema.sqlite"; done
SP=0 "$out/store_loop" "$out/v3.sql" "$out/v3.sqlite"
TOK=0 "$out/store_loop" "$out/v3.sql" "$out/v3.sqlite"
OUT=0 "$out/store_loop" "$out/v3.sql" "$out/v3.sqlite"
