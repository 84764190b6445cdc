#!/usr/bin/env python3
"""Ingest and fan-out benchmark: hookrelay against an nginx `mirror` anchor, on loopback.

Each run: three nginx sinks (answering 200, one access log each) on the load core; the
system under test (hookrelay, or the anchor nginx) pinned to the other core; wrk POSTing
pre-signed, distinct Mailgun events (each sent once) for --duration seconds with
--connections connections. Prints accepted events/s, latency p50/p99, non-2xx, deliveries per
sink, time to drain, end-to-end deliveries/s, peak RSS and per-core busy %. Runs alternate
anchor, hookrelay, anchor, hookrelay, … and the summary gives medians, spreads and ratios.

    bench/bench.py --pairs 5 --duration 10          # python3, wrk and nginx from Debian

For profiles and A/Bs only. Its anchor is load-bound (wrk -t2 with a Lua body formatter shares
the load core with three logging sinks; issue 17 measured it at a third of what the same nginx
`mirror` does on the reference harness), so its ratios flatter any relay. Target figures come
from the reference harness, ../shared/bench (bench/reference-ab.sh runs it on two builds).
"""
import argparse
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
KEY = b"bench-signing-key"
PORT, ADMIN_PORT = 19100, 19090
SINK_PORTS = (19101, 19102, 19103)


def cpu_times():
    """Per-CPU (busy, total) jiffies from /proc/stat."""
    result = {}
    with open("/proc/stat") as f:
        for line in f:
            m = re.match(r"cpu(\d+) (.*)", line)
            if m:
                v = [int(x) for x in m.group(2).split()]
                idle = v[3] + v[4]
                result[int(m.group(1))] = (sum(v) - idle, sum(v))
    return result


def busy_percent(before, after):
    return {cpu: round(100.0 * (after[cpu][0] - before[cpu][0]) / max(1, after[cpu][1] - before[cpu][1]), 1) for cpu in after}


def write_signatures(path, count, run_id):
    """One line per event: id, timestamp, token, signature (HMAC-SHA256 of timestamp+token)."""
    ts = str(int(time.time()))
    with open(path, "w") as f:
        for n in range(count):
            token = secrets.token_hex(25)
            sig = hmac.new(KEY, (ts + token).encode(), hashlib.sha256).hexdigest()
            f.write(f"{run_id}-{n} {ts} {token} {sig}\n")


def render(template, workdir):
    with open(os.path.join(BENCH, template)) as f:
        text = f.read().replace("WORKDIR", workdir)
    path = os.path.join(workdir, template)
    with open(path, "w") as f:
        f.write(text)
    return path


def relay_config(workdir, destinations, max_in_flight=None, port=PORT, admin_port=ADMIN_PORT):
    """Writes WORKDIR/relay.conf: one Mailgun source (KEY), `destinations` ([(name, url)]) on
    one `*` route. Also used by backlog.py."""
    path = os.path.join(workdir, "relay.conf")
    limit = f"max_in_flight = {max_in_flight}\n" if max_in_flight else ""
    blocks = "".join(f'[[destination]]\nname = "{name}"\nurl = "{url}"\n{limit}\n' for name, url in destinations)
    names = ", ".join(f'"{name}"' for name, _ in destinations)
    with open(path, "w") as f:
        f.write(f"""[server]
listen = "127.0.0.1:{port}"
admin_listen = "127.0.0.1:{admin_port}"
data_dir = "{workdir}/data"

[[source]]
name = "mailgun"
path = "/webhooks/mailgun"
verify = "mailgun"
keys = ["{KEY.decode()}"]

{blocks}
[[route]]
source = "mailgun"
events = ["*"]
to = [{names}]
""")
    return path


def wait_http(url, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.05)
    raise RuntimeError(f"{url} not ready after {timeout}s")


def wait_port(port, timeout=10):
    import socket
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} not listening")


def line_count(path):
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


def distinct_ids(path):
    with open(path) as f:
        return len({line.split(" ", 1)[0] for line in f if not line.startswith("-")})


def peak_rss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def cpu_seconds(pids):
    """User + system CPU time the processes have used (utime + stime from /proc/PID/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except FileNotFoundError:
            pass
    return total / ticks


def children(pid):
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
        return [int(x) for x in out.split()]
    except Exception:
        return []


def parse_wrk(text):
    def grab(pattern, cast=float, default=None):
        m = re.search(pattern, text)
        return cast(m.group(1)) if m else default

    def to_ms(value, unit):
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", text, re.M))
    def lat_ms(key):
        m = re.match(r"([\d.]+)(us|ms|s)", lat.get(key, "0ms"))
        return to_ms(m.group(1), m.group(2))
    return {
        "requests": grab(r"(\d+) requests in", int, 0),
        "non2xx": grab(r"Non-2xx or 3xx responses: (\d+)", int, 0),
        "socket_errors": sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", text)),
        "p50_ms": lat_ms("50"),
        "p99_ms": lat_ms("99"),
    }


def port_free(port):
    import socket
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # only a listener conflicts, not TIME_WAIT
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def run_once(kind, args, index):
    busy = [p for p in (PORT, ADMIN_PORT) + SINK_PORTS if not port_free(p)]
    if busy:
        sys.exit(f"bench: ports {busy} are in use (a stale nginx or relay?); stop it first")
    workdir = os.path.join(args.out, f"{index:02d}-{kind}")
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(os.path.join(workdir, "tmp"))
    # Each run starts with nothing left to write back: the last run's files (a relay's store is
    # ~1 GB) and the directory just deleted would otherwise be flushed during this run and slow
    # its fsyncs. Runs back to back showed it: the second of two was ~6% slower.
    os.sync()
    procs = []
    try:
        sinks = subprocess.Popen(["taskset", "-c", str(args.load_core), "nginx", "-c", render("nginx-sinks.conf", workdir)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(sinks)
        for port in SINK_PORTS:
            wait_port(port)
        if kind == "anchor":
            sut = subprocess.Popen(["taskset", "-c", str(args.sut_core), "nginx", "-c", render("nginx-mirror.conf", workdir)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(sut)
            wait_port(PORT)
            sut_pids = [sut.pid] + children(sut.pid)
        else:
            log = open(os.path.join(workdir, "hookrelay.log"), "w")
            sut = subprocess.Popen(["taskset", "-c", str(args.sut_core), args.binary, "serve", "--config",
                                    relay_config(workdir, [(f"sink{i + 1}", f"http://127.0.0.1:{p}/hook") for i, p in enumerate(SINK_PORTS)],
                                                 args.max_in_flight),
                                    "--log-level", args.log_level], stdout=log, stderr=log)
            procs.append(sut)
            wait_http(f"http://127.0.0.1:{ADMIN_PORT}/readyz")
            sut_pids = [sut.pid]

        signatures = os.path.join(workdir, "signatures.txt")
        write_signatures(signatures, args.events, f"{kind}{index}")
        before = cpu_times()
        started = time.time()
        wrk = subprocess.run(
            ["taskset", "-c", str(args.load_core), "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
             "--latency", "-s", os.path.join(BENCH, "post.lua"), f"http://127.0.0.1:{PORT}/webhooks/mailgun",
             "--", signatures, str(args.threads)],
            capture_output=True, text=True)
        load_end = time.time()
        busy = busy_percent(before, cpu_times())
        logs = [os.path.join(workdir, f"sink{i}.log") for i in (1, 2, 3)]
        # Deliveries made while the load ran; the rest are the drain's.
        during_load = sum(line_count(p) for p in logs)
        stats = parse_wrk(wrk.stdout)
        accepted = stats["requests"] - stats["non2xx"]
        drain_deadline = load_end + args.drain_timeout
        while time.time() < drain_deadline and any(line_count(p) < accepted for p in logs):
            time.sleep(0.02)
        drained = time.time()
        deliveries = [line_count(p) for p in logs]
        measured = sorted(set(sut_pids + children(sut_pids[0])))  # nginx's worker is in both lists
        result = {
            "kind": kind, "run": index,
            "accepted_per_s": round(accepted / args.duration, 1),
            "accepted": accepted, "non2xx": stats["non2xx"], "socket_errors": stats["socket_errors"],
            "p50_ms": stats["p50_ms"], "p99_ms": stats["p99_ms"],
            "deliveries_per_sink": deliveries,
            "missing": [max(0, accepted - d) for d in deliveries],
            "drain_s": round(drained - load_end, 3),
            "delivered_during_load": round(during_load / max(1, sum(deliveries)), 3),
            "e2e_deliveries_per_s": round(sum(deliveries) / max(0.001, drained - started), 1),
            "peak_rss_mib": round(peak_rss_kib(measured) / 1024, 1),
            # All the SUT's CPU from start to drained (ingest and every delivery), per accepted event.
            "cpu_us_per_event": round(cpu_seconds(measured) * 1e6 / max(1, accepted), 1),
            "busy_percent": {"sut_core": busy.get(args.sut_core), "load_core": busy.get(args.load_core)},
        }
        if kind == "hookrelay":
            result["distinct_per_sink"] = [distinct_ids(p) for p in logs]
        return result
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()


def summarise(results):
    print("\nsummary (median [min–max])")
    rows = {}
    for kind in ("anchor", "hookrelay"):
        rs = [r for r in results if r["kind"] == kind]
        if not rs:
            continue
        rows[kind] = {}
        for key in ("accepted_per_s", "p50_ms", "p99_ms", "drain_s", "e2e_deliveries_per_s", "peak_rss_mib", "cpu_us_per_event"):
            values = [r[key] for r in rs]
            rows[kind][key] = statistics.median(values)
            print(f"  {kind:10s} {key:22s} {statistics.median(values):>10.2f}  [{min(values):.2f}–{max(values):.2f}]")
    if "anchor" in rows and "hookrelay" in rows:
        a, h = rows["anchor"], rows["hookrelay"]
        print(f"\n  accepted/s ratio hookrelay/anchor: {h['accepted_per_s'] / a['accepted_per_s']:.2f}  (target ≥ 0.70)")
        print(f"  p99 ratio hookrelay/anchor:        {h['p99_ms'] / a['p99_ms']:.2f}  (target ≤ 2.00)")
        # Each anchor run with the hookrelay run after it: the spread a single pair can show.
        anchors = [r for r in results if r["kind"] == "anchor"]
        relays = [r for r in results if r["kind"] == "hookrelay"]
        for key, label, target, worse in (("accepted_per_s", "accepted/s", 0.70, lambda x: x < 0.70),
                                          ("p99_ms", "p99", 2.00, lambda x: x > 2.00)):
            ratios = [r[key] / x[key] for x, r in zip(anchors, relays) if x[key]]
            if ratios:
                misses = sum(1 for x in ratios if worse(x))
                print(f"  {label} pair ratios: {' '.join(f'{x:.2f}' for x in ratios)}"
                      f"  (median {statistics.median(ratios):.2f}; {misses} of {len(ratios)} past {target:.2f})")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--events", type=int, default=600_000, help="pre-signed events per run (more than can be sent)")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build-release/release/hookrelay"))
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--max-in-flight", type=int, default=64,
                        help="per destination (the relay's default is 16; with it the relay defers deliveries "
                             "during the load and the drain takes longer than 5 s)")
    parser.add_argument("--sut-core", type=int, default=0)
    parser.add_argument("--load-core", type=int, default=1)
    parser.add_argument("--drain-timeout", type=float, default=60)
    parser.add_argument("--only", choices=["anchor", "hookrelay"])
    parser.add_argument("--out", default=os.path.join(ROOT, "bench/out"))
    args = parser.parse_args()
    for tool in ("wrk", "nginx", "taskset"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} not found (apt-get install wrk nginx-light util-linux)")
    if not os.path.exists(args.binary):
        sys.exit(f"bench: {args.binary} missing: swift build -c release --scratch-path .build-release --product hookrelay")
    os.makedirs(args.out, exist_ok=True)
    results = []
    kinds = [args.only] if args.only else ["anchor", "hookrelay"]
    index = 0
    for _ in range(args.pairs):
        for kind in kinds:
            index += 1
            result = run_once(kind, args, index)
            results.append(result)
            print(json.dumps(result), flush=True)
    summarise(results)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
