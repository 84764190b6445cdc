#!/usr/bin/env bash
# SQLite's own CPU per event for store schemas 1 to 4 (bench/store_loop.c), run by hand.
#   bench/store_loop.sh            (needs cc and libsqlite3-dev: script/setup installs the latter)
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out/store-loop
mkdir -p "$out"
# Schema 4 as the relay creates it; schema 3 is the same with the tokens keyed by (source, token)
# (what version 4 changed), schema 2 is 3 with the state indexes' conditions as IN lists (what
# version 3 changed); schema 1 as frozen in the upgrade test.
python3 - "$out" <<'PY'
import sys
out = sys.argv[1]
src = open("Sources/HookrelayStore/SQLite/StoreSchema.swift").read()
ddl = lambda name: src.split(f'static let {name} = """')[1].split('"""')[0]
v4 = ddl("tables").replace("\\(tokensTable)", ddl("tokensTable")) + ddl("stateIndexes")
assert "\\(" not in v4
open(f"{out}/v4.sql", "w").write(v4)
tests = open("Tests/HookrelayIntegrationTests/StoreUpgradeTests.swift").read()
frozen = lambda name: tests.split(f'static let {name} = """')[1].split('"""')[0]
old_tokens = "CREATE TABLE IF NOT EXISTS tokens" + frozen("failuresAndTokens").split("CREATE TABLE tokens")[1]
v3 = v4.replace(ddl("tokensTable").strip(), old_tokens.strip())
assert v3 != v4 and "WITHOUT ROWID" in v3
open(f"{out}/v3.sql", "w").write(v3)
v2 = v3.replace("(state = 'pending' OR state = 'retrying')", "state IN ('pending', 'retrying')")
v2 = v2.replace("(state = 'delivered' OR state = 'rejected' OR state = 'dead')", "state IN ('delivered', 'rejected', 'dead')")
assert v2 != v3
open(f"{out}/v2.sql", "w").write(v2)
open(f"{out}/v1.sql", "w").write(frozen("version1").replace("\\(failuresAndTokens)", frozen("failuresAndTokens")))
PY
cc -O2 -o "$out/store_loop" bench/store_loop.c -lsqlite3
for schema in v1 v2 v3 v4; do "$out/store_loop" "$out/$schema.sql" "$out/$schema.sqlite"; done
SP=0 "$out/store_loop" "$out/v4.sql" "$out/v4.sqlite"
TOK=0 "$out/store_loop" "$out/v4.sql" "$out/v4.sqlite"
OUT=0 "$out/store_loop" "$out/v4.sql" "$out/v4.sqlite"
