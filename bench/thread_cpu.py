#!/usr/bin/env python3
"""CPU per relay thread (by name: hr-writer, hr-curl-1, NIO-ELT-…) during a reference-harness run.

    bench/thread_cpu.py RUNDIR [--pattern /tmp/hookrelay-new]   # start it before run.sh; it
                                                                 # waits for the relay to appear

Samples /proc/PID/task/*/stat every 0.2 s while the relay runs, then reads RUNDIR/meta.env
(WRK_START, WRK_END) and RUNDIR/result.json (drain_s) once run.sh wrote them, and prints, per
thread name, the share of one core it used during the load and during the drain. A thread near
100% is the one that caps the relay.

With the deliveries the sinks logged in each window (their access logs' timestamps), it also
prints each thread's CPU per delivery (from the drain, where the relay only delivers) and per
accept (the load's CPU less its deliveries at the drain's cost), and their sum per event: the
per-event budget of docs/PERFORMANCE.md.
"""
import glob
import argparse
import collections
import json
import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def find(pattern, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = subprocess.run(["pgrep", "-f", pattern + " serve"], capture_output=True, text=True).stdout.split()
        if out:
            return int(out[0])
        time.sleep(0.05)
    sys.exit(f"no process matching {pattern} serve")


def sample(pid):
    rows = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        rows[tid] = (name, (int(fields[11]) + int(fields[12])) / TICK)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rundir")
    parser.add_argument("--pattern", default="hookrelay")
    args = parser.parse_args()
    pid = find(args.pattern)
    samples = []
    while os.path.exists(f"/proc/{pid}"):
        try:
            samples.append((time.time(), sample(pid)))
        except OSError:
            break
        time.sleep(0.2)
    meta_path = os.path.join(args.rundir, "meta.env")
    for _ in range(600):
        if os.path.exists(os.path.join(args.rundir, "result.json")):
            break
        time.sleep(0.1)
    meta = dict(line.strip().split("=", 1) for line in open(meta_path) if "=" in line)
    result = json.load(open(os.path.join(args.rundir, "result.json")))
    load = (float(meta["WRK_START"]), float(meta["WRK_END"]))
    drain = (load[1], load[1] + float(result["drain_s"] or 0))

    def usage(window):
        first = min((s for s in samples if s[0] >= window[0]), key=lambda s: s[0], default=None)
        last = max((s for s in samples if s[0] <= window[1]), key=lambda s: s[0], default=None)
        if not first or not last or last[0] <= first[0]:
            return {}, 0
        per = collections.defaultdict(float)
        for tid, (name, cpu) in last[1].items():
            per[name] += cpu - first[1].get(tid, (name, 0.0))[1]
        return per, last[0] - first[0]

    (load_use, load_s), (drain_use, drain_s) = usage(load), usage(drain)
    names = sorted(set(load_use) | set(drain_use), key=lambda n: -load_use.get(n, 0))
    print(f"accepted/s {result['accepted_per_s']}, deliveries/s e2e {result['deliveries_per_s_e2e']}, drain {result['drain_s']} s")
    print("| thread | load: % of a core | drain: % of a core |\n|---|---|---|")
    for name in names:
        print(f"| {name} | {100 * load_use.get(name, 0) / load_s:.0f} | {100 * drain_use.get(name, 0) / drain_s if drain_s else 0:.0f} |")

    # The budget: CPU per delivery from the drain, per accept from the load less its deliveries.
    times = [float(line.split(" ", 1)[0]) for path in glob.glob(os.path.join(args.rundir, "logs", "sink*.access.log"))
             for line in open(path) if line.strip()]
    load_deliveries = sum(1 for t in times if load[0] <= t < load[1])
    drain_deliveries = sum(1 for t in times if drain[0] <= t < drain[1])
    accepted = result["accepted"]
    fanout = result["deliveries_target"] / accepted if accepted else 0
    if not drain_deliveries or not accepted:
        return
    print(f"\n{accepted} accepts and {load_deliveries} deliveries during the load, {drain_deliveries} deliveries in the drain")
    print("| thread | µs per delivery (drain) | µs per accept (load less its deliveries) | µs per event (accept + its deliveries) |\n|---|---|---|---|")
    totals = [0.0, 0.0, 0.0]
    for name in names:
        per_delivery = 1e6 * drain_use.get(name, 0) / drain_deliveries
        per_accept = max(0.0, 1e6 * load_use.get(name, 0) - load_deliveries * per_delivery) / accepted
        row = (per_delivery, per_accept, per_accept + fanout * per_delivery)
        totals = [a + b for a, b in zip(totals, row)]
        print(f"| {name} | {row[0]:.1f} | {row[1]:.1f} | {row[2]:.0f} |")
    print(f"| all | {totals[0]:.1f} | {totals[1]:.1f} | {totals[2]:.0f} |")


if __name__ == "__main__":
    main()
