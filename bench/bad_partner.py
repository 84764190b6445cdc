#!/usr/bin/env python3
"""A bad partner costs the others nothing (issue 17): the reference harness (../shared/bench)
run as shipped ("healthy") alternating with a run whose third destination refuses connections
and whose store already holds N retrying deliveries to it ("bad").

"bad" renders `hookrelay.conf.tmpl` with sink3's URL replaced by http://127.0.0.1:9/hooks/sink3
(port 9: nothing listens, every connection refused) and starts on a copy of a data directory
filled once: N events, each with one delivery to that URL in state `retrying`, attempts 1–6,
next attempts spread evenly over the next 10 min – 4 h (as the default schedule leaves them
after an outage). `--pause-after 0` turns the refusing destination's circuit breaker off, so
every one of its deliveries is tried and fails. Everything else is the harness's `run.sh` unchanged (the SUT pinned to one
core, 64 connections, 15 s); the bad run's drain is cut at --bad-drain-limit, since sink3 never
gets its third.

Figures per run, from run.sh's result.json and the sinks' access logs: accepted events/s, and
the healthy destinations' deliveries/s end to end = 2 x accepted / time from the first delivery
at sink1 or sink2 to the (2 x accepted)-th there (for both kinds of run alike).

    swift build -c release --product hookrelay
    bench/bad_partner.py --bin .build/release/hookrelay --out /tmp/bp --rounds 3
"""
import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.environ.get("REFERENCE_BENCH", os.path.join(os.path.dirname(ROOT), "shared", "bench"))
BAD_URL = "http://127.0.0.1:9/hooks/sink3"


def bad_template(out, pause_after):
    with open(os.path.join(BENCH, "hookrelay.conf.tmpl")) as f:
        text = f.read()
    text = text.replace("http://127.0.0.1:@SINK3_PORT@/hooks/sink3", BAD_URL)
    assert BAD_URL in text, "the template's sink3 URL changed"
    if pause_after is not None:
        text = text.replace(f'url = "{BAD_URL}"', f'url = "{BAD_URL}"\npause_after = {pause_after}')
    path = os.path.join(out, "bad.conf.tmpl")
    with open(path, "w") as f:
        f.write(text)
    return path


def create_schema(binary, template, data):
    """Lets hookrelay create its store (a first start on an empty directory), then stops it."""
    os.makedirs(data)
    conf = os.path.join(os.path.dirname(data), "create.conf")
    with open(template) as f:
        text = f.read()
    for name, port in (("LISTEN_PORT", 19480), ("ADMIN_PORT", 19490), ("SINK1_PORT", 9), ("SINK2_PORT", 9), ("SINK3_PORT", 9)):
        text = text.replace(f"@{name}@", str(port))
    with open(conf, "w") as f:
        f.write(text.replace("@DATA_DIR@", data))
    env = dict(os.environ, MAILGUN_WEBHOOK_SIGNING_KEY="fill")
    relay = subprocess.Popen([binary, "serve", "--config", conf, "--log-level", "warning"], env=env)
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen("http://127.0.0.1:19490/readyz", timeout=1) as r:
                if r.status == 200:
                    break
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.05)
    relay.send_signal(signal.SIGTERM)
    relay.wait(timeout=30)


def fill(db_path, count):
    body = (b'{"signature":{"timestamp":"1700000000","token":"t%s","signature":"s"},"event-data":{"id":"%s",'
            b'"event":"delivered","recipient":"alice@example.com","envelope":{"sender":"bob@mg.example.com"},'
            b'"message":{"headers":{"message-id":"m@mg.example.com","to":"alice@example.com"}},'
            b'"delivery-status":{"code":250,"message":"OK"}}}')
    now = int(time.time() * 1000)
    rng = random.Random(17)
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("BEGIN")
    for n in range(count):
        eid = f"retrying-{n}".encode()
        row = db.execute(
            "INSERT INTO events (event_id, source, event_type, domain, content_type, body, received_at) VALUES (?,?,?,?,?,?,?)",
            (eid.decode(), "mailgun", "delivered", "mg.example.com", "application/json", body % (eid, eid), now)).lastrowid
        due = now + rng.randint(600_000, 14_400_000)
        db.execute(
            "INSERT INTO deliveries (event, destination, url, state, attempts, next_attempt_at, last_error, created_at, updated_at) "
            "VALUES (?,?,?,'retrying',?,?,'connect',?,?)", (row, "sink3", BAD_URL, rng.randint(1, 6), due, now, now))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def sink_times(rundir, sinks):
    times = []
    for i in sinks:
        with open(os.path.join(rundir, "logs", f"sink{i}.access.log")) as f:
            for line in f:
                parts = line.split()
                if len(parts) > 1 and parts[1] == "200":
                    times.append(float(parts[0]))
    return sorted(times)


def figures(rundir):
    with open(os.path.join(rundir, "result.json")) as f:
        result = json.load(f)
    accepted = result.get("accepted") or result.get("accepted_events")
    if accepted is None:
        raise KeyError(f"no accepted count in {rundir}/result.json: {sorted(result)}")
    rate = result.get("accepted_per_s") or result.get("accepted_events_per_s")
    times = sink_times(rundir, (1, 2))
    target = 2 * accepted
    healthy = target / (times[target - 1] - times[0]) if len(times) >= target else None
    return {"accepted_per_s": rate, "healthy_deliveries_per_s": healthy, "healthy_missing": max(0, target - len(times)),
            "sink3": len(sink_times(rundir, (3,)))}


def run(kind, args, template, seed_data, rundir):
    if kind == "bad":
        os.makedirs(rundir)
        shutil.copytree(seed_data, os.path.join(rundir, "data"))
        tmpl, drain = template, args.bad_drain_limit
    else:
        tmpl, drain = os.path.join(BENCH, "hookrelay.conf.tmpl"), 60
    subprocess.run(["sync"])
    time.sleep(3)
    with open(rundir + ".log", "w") as log:
        subprocess.run([os.path.join(BENCH, "run.sh"), "hookrelay", "--bin", args.bin, "--conf-template", tmpl,
                        "--duration", "15", "--connections", "64", "--drain-limit", str(drain), "--out", rundir,
                        "--run-id", os.path.basename(rundir)], stdout=log, stderr=subprocess.STDOUT)
    if kind == "bad":
        shutil.rmtree(os.path.join(rundir, "data"), ignore_errors=True)  # ~0.5 GB each
    return figures(rundir)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--retrying", type=int, default=1_000_000)
    parser.add_argument("--bad-drain-limit", type=int, default=40)
    parser.add_argument("--pause-after", type=int, default=None,
                        help="pause_after for the refusing destination (default: as shipped, 20; 0 = no circuit breaker)")
    args = parser.parse_args()
    args.bin = os.path.abspath(args.bin)
    os.makedirs(args.out, exist_ok=True)
    os.chmod(args.out, 0o755)  # nginx workers run as nobody
    template = bad_template(args.out, args.pause_after)
    seed = os.path.join(args.out, "seed", "data")
    if not os.path.exists(os.path.join(seed, "hookrelay.sqlite")):
        shutil.rmtree(os.path.dirname(seed), ignore_errors=True)
        create_schema(args.bin, template, seed)
        t = time.time()
        fill(os.path.join(seed, "hookrelay.sqlite"), args.retrying)
        print(f"filled {args.retrying} retrying deliveries in {time.time() - t:.0f} s, "
              f"store {os.path.getsize(os.path.join(seed, 'hookrelay.sqlite')) / 2**20:.0f} MiB", flush=True)
    results = {"healthy": [], "bad": []}
    for r in range(1, args.rounds + 1):
        for kind in (("healthy", "bad") if r % 2 else ("bad", "healthy")):
            rundir = os.path.join(args.out, f"r{r}-{kind}")
            shutil.rmtree(rundir, ignore_errors=True)
            fig = run(kind, args, template, seed, rundir)
            results[kind].append(fig)
            print(f"round {r} {kind}: {json.dumps(fig)}", flush=True)
    print("| figure | healthy | bad | bad/healthy |\n|---|---|---|---|")
    for key in ("accepted_per_s", "healthy_deliveries_per_s"):
        h = statistics.median(f[key] for f in results["healthy"])
        b = statistics.median(f[key] for f in results["bad"])
        print(f"| {key} | {h:.0f} | {b:.0f} | {b / h:.2f} |")
    print("healthy missing (bad runs):", [f["healthy_missing"] for f in results["bad"]],
          "sink3 deliveries (bad runs):", [f["sink3"] for f in results["bad"]])


if __name__ == "__main__":
    main()
