#!/usr/bin/env bash
# Microbenchmark of ingest's JSON parse (JSONParser, strict) on the reference harness's events:
# builds the parser's sources with bench/json_parse/main.swift (swiftc -O) and prints µs per
# parse. For A/Bs of the parser alone: pass another checkout's Sources/HookrelayCore as SRC.
#   bench/json_parse.sh [SRC]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../Sources/HookrelayCore}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
python3 "$here/../../shared/bench/mkevents.py" 1000 benchkey "$work/events.jsonl" --seed 1 >/dev/null
# The parser and what it reaches (the form parser's hex digits and the types they bring), not
# the whole of HookrelayCore, which needs libcrypto and Mustache; a missing file fails the build.
swiftc -O -wmo -o "$work/parse" "$here/json_parse/main.swift" \
  "$src"/Rewrite/{JSONParser,JSONValue,JSONObject,JSONWriter,RewriteError}.swift \
  "$src"/Parsing/{FormURLEncodedParser,FormFields,HeaderParameters}.swift \
  "$src"/Model/{WebhookRequest,DestinationConfig,HTTPVersionPreference,RetrySchedule}.swift
for _ in 1 2 3; do "$work/parse" "$work/events.jsonl"; done
