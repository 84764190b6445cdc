#!/usr/bin/env bash
# A stand-in SUT for ../shared/bench/run.sh (its --bin): two relay nodes on one PostgreSQL store
# behind an nginx round-robin proxy on the port the harness loads. run.sh passes
# `serve --config FILE`; the nodes get FILE with their own ports (+100, +200) and data_dir, and
# HOOKRELAY_BIN (the relay) and HOOKRELAY_BENCH_STORE (the store URL, `store = "env:…"` in the
# template) from the environment. run.sh pins this script, so both nodes and the proxy share the
# SUT's core: the same CPU budget as one node. See bench/pg-series.sh (PG_NODES=2).
set -u
CONF=$3
DIR=$(dirname "$CONF")
port=$(sed -n 's/^listen = "127\.0\.0\.1:\([0-9]*\)"/\1/p' "$CONF")
admin=$(sed -n 's/^admin_listen = "127\.0\.0\.1:\([0-9]*\)"/\1/p' "$CONF")
data=$(sed -n 's/^data_dir = "\(.*\)"/\1/p' "$CONF")
pids=()
for n in 1 2; do
  sed -e "s/^listen = .*/listen = \"127.0.0.1:$((port + n * 100))\"/" \
      -e "s/^admin_listen = .*/admin_listen = \"127.0.0.1:$((admin + n * 100))\"/" \
      -e "s#^data_dir = .*#data_dir = \"$data-node$n\"#" "$CONF" > "$DIR/node$n.conf"
  "$HOOKRELAY_BIN" serve --config "$DIR/node$n.conf" > "$DIR/logs/node$n.log" 2>&1 &
  pids+=($!)
done
cat > "$DIR/proxy.conf" <<NGINX
worker_processes 1;
daemon off;
pid $DIR/proxy.pid;
error_log $DIR/logs/proxy.err;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $DIR/proxy-tmp;
    upstream nodes { server 127.0.0.1:$((port + 100)); server 127.0.0.1:$((port + 200)); keepalive 128; }
    server {
        listen 127.0.0.1:$port;
        location / { proxy_pass http://nodes; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }
}
NGINX
mkdir -p "$DIR/proxy-tmp"; chmod 777 "$DIR/proxy-tmp"
nginx -p "$DIR" -c "$DIR/proxy.conf" &
pids+=($!)
trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait' TERM INT
wait
