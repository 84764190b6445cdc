#!/usr/bin/env python3
"""Backlog benchmark: hookrelay with 1,000,000 pending retries in its store.

Builds a data directory whose store holds --deliveries retrying deliveries (events fanned out
to three destinations, next attempts an hour ahead, as after an outage), then starts
`hookrelay serve` on it and reports: time from start to /readyz, time to the first accepted
event, RSS after start and after --settle seconds of running (the scheduler looking at its
backlog), and what /metrics says about the queue.

The schema is created by hookrelay itself (a first start on an empty directory); the rows are
then inserted with Python's sqlite3 in the shape hookrelay writes them.

    bench/backlog.py --deliveries 1000000
"""
import argparse
import hashlib
import hmac
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import KEY, relay_config  # noqa: E402  (the same relay.conf shape as the load benchmark)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORT, ADMIN_PORT = 19200, 19290


def config(workdir):
    # The stored rows name destinations d1–d3 (see fill); port 9 refuses, so they stay pending.
    return relay_config(workdir, [(f"d{i}", f"http://127.0.0.1:9/d{i}") for i in (1, 2, 3)], port=PORT, admin_port=ADMIN_PORT)


def start(binary, conf, workdir, name):
    log = open(os.path.join(workdir, f"{name}.log"), "w")
    return subprocess.Popen([binary, "serve", "--config", conf, "--log-level", "warning"], stdout=log, stderr=log)


def wait_ready(timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{ADMIN_PORT}/readyz", timeout=1) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.005)
    raise RuntimeError("not ready")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def rss_mib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)


def post_event(event_id):
    ts = str(int(time.time()))
    token = hashlib.sha256(event_id.encode()).hexdigest()[:50]
    sig = hmac.new(KEY, (ts + token).encode(), hashlib.sha256).hexdigest()
    body = json.dumps({"signature": {"timestamp": ts, "token": token, "signature": sig},
                       "event-data": {"id": event_id, "event": "delivered", "recipient": "a@example.com",
                                      "envelope": {"sender": "b@mg.example.com"}}}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}/webhooks/mailgun", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


def fill(db_path, deliveries):
    events = (deliveries + 2) // 3
    body = (b'{"signature":{"timestamp":"1700000000","token":"t","signature":"s"},"event-data":{"id":"%s",'
            b'"event":"delivered","recipient":"alice@example.com","envelope":{"sender":"bob@mg.example.com"},'
            b'"message":{"headers":{"message-id":"m@mg.example.com","to":"alice@example.com"}},'
            b'"delivery-status":{"code":250,"message":"OK"}}' + b" " * 400 + b"}")
    now = int(time.time() * 1000)
    due = now + 3_600_000
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("BEGIN")
    made = 0
    for n in range(events):
        eid = f"backlog-{n}"
        row = db.execute("INSERT INTO events (event_id, source, event_type, domain, content_type, body, received_at) VALUES (?,?,?,?,?,?,?)",
                         (eid, "mailgun", "delivered", "mg.example.com", "application/json", body % eid.encode(), now)).lastrowid
        for d in (1, 2, 3):
            if made == deliveries:
                break
            db.execute("INSERT INTO deliveries (event, destination, url, state, attempts, next_attempt_at, last_error, created_at, updated_at) "
                       "VALUES (?,?,?,'retrying',1,?,'connect',?,?)", (row, f"d{d}", f"http://127.0.0.1:9/d{d}", due, now, now))
            made += 1
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return events


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deliveries", type=int, default=1_000_000)
    parser.add_argument("--settle", type=float, default=10)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build-release/release/hookrelay"))
    parser.add_argument("--out", default=os.path.join(ROOT, "bench/out/backlog"))
    parser.add_argument("--reuse", action="store_true", help="keep an existing filled data directory")
    args = parser.parse_args()
    workdir = args.out
    conf = os.path.join(workdir, "relay.conf")
    db_path = os.path.join(workdir, "data", "hookrelay.sqlite")
    if not (args.reuse and os.path.exists(db_path)):
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)
        conf = config(workdir)
        first = start(args.binary, conf, workdir, "create")
        wait_ready()
        stop(first)
        t = time.time()
        events = fill(db_path, args.deliveries)
        print(f"filled {args.deliveries} deliveries over {events} events in {time.time() - t:.1f}s; "
              f"store {os.path.getsize(db_path) / 2**20:.0f} MiB", flush=True)

    t0 = time.time()
    relay = start(args.binary, conf, workdir, "serve")
    try:
        wait_ready()
        ready = time.time() - t0
        status = post_event(f"fresh-{int(t0)}")
        first_accept = time.time() - t0
        rss_start = rss_mib(relay.pid)
        time.sleep(args.settle)
        with urllib.request.urlopen(f"http://127.0.0.1:{ADMIN_PORT}/metrics", timeout=30) as r:
            metrics = r.read().decode()
        depth = next((l.split()[-1] for l in metrics.splitlines() if l.startswith("hookrelay_queue_depth")), "?")
        result = {
            "deliveries": args.deliveries, "ready_s": round(ready, 3), "first_accept_s": round(first_accept, 3),
            "first_accept_status": status, "rss_after_start_mib": rss_start,
            "rss_after_settle_mib": rss_mib(relay.pid), "peak_rss_mib": rss_mib(relay.pid, "VmHWM"),
            "queue_depth_metric": depth,
        }
        print(json.dumps(result))
    finally:
        stop(relay)


if __name__ == "__main__":
    main()
