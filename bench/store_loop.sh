#!/usr/bin/env bash
# SQLite's own CPU per event for store schema 1 and 2 (bench/store_loop.c), run by hand.
#   bench/store_loop.sh            (needs cc and libsqlite3-dev: script/setup installs the latter)
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out/store-loop
mkdir -p "$out"
# Schema 2 as the relay creates it; schema 1 as frozen in the upgrade test.
python3 - "$out" <<'PY'
import sys
out = sys.argv[1]
src = open("Sources/HookrelayStore/SQLite/StoreSchema.swift").read()
open(f"{out}/v2.sql", "w").write(src.split('static let version2 = """')[1].split('"""')[0])
src = open("Tests/HookrelayIntegrationTests/StoreUpgradeTests.swift").read()
open(f"{out}/v1.sql", "w").write(src.split('static let version1 = """')[1].split('"""')[0])
PY
cc -O2 -o "$out/store_loop" bench/store_loop.c -lsqlite3
for schema in v1 v2; do "$out/store_loop" "$out/$schema.sql" "$out/$schema.sqlite"; done
SP=0 "$out/store_loop" "$out/v2.sql" "$out/v2.sqlite"
TOK=0 "$out/store_loop" "$out/v2.sql" "$out/v2.sqlite"
OUT=0 "$out/store_loop" "$out/v2.sql" "$out/v2.sqlite"
