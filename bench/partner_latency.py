#!/usr/bin/env python3
"""Partner latency (issue 17): with partners that answer after DELAY ms, deliveries/s is
bounded by max_in_flight / latency per destination, not by CPU. For each max_in_flight value:
a relay (BIN) with 3 destinations on a slow sink (bench/slow_sink.py), EVENTS signed events
posted as fast as the relay takes them, deliveries/s measured at the sink over the middle 80%
of the deliveries, and the relay's CPU over that window.

    bench/partner_latency.py --bin .build/release/hookrelay --delay-ms 50 --events 6000 --max-in-flight 4 16 32
"""
import argparse, hashlib, hmac, http.client, json, os, socket, subprocess, sys, tempfile, threading, time, uuid

KEY = "bench-key"


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def event_body(i):
    ts = str(int(time.time())); tok = uuid.uuid4().hex
    sig = hmac.new(KEY.encode(), (ts + tok).encode(), hashlib.sha256).hexdigest()
    return json.dumps({"signature": {"timestamp": ts, "token": tok, "signature": sig},
                       "event-data": {"id": f"lat-{i}-{tok[:8]}", "event": "delivered", "recipient": "a@example.com",
                                      "timestamp": time.time()}}).encode()


def post_all(port, events, threads=8):
    bodies = [event_body(i) for i in range(events)]
    statuses = []
    lock = threading.Lock()
    def worker(part):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for body in part:
            conn.request("POST", "/webhooks/mailgun", body, {"Content-Type": "application/json"})
            r = conn.getresponse(); r.read()
            with lock: statuses.append(r.status)
    ts = [threading.Thread(target=worker, args=(bodies[k::threads],)) for k in range(threads)]
    [t.start() for t in ts]; [t.join() for t in ts]
    return statuses


def cpu_seconds(pid):
    total = 0.0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def run(binary, delay_ms, events, max_in_flight):
    work = tempfile.mkdtemp(prefix="partner-latency-")
    sink_ports = [free_port() for _ in range(3)]
    log = os.path.join(work, "sink.log")
    sink = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "slow_sink.py"), str(delay_ms), log]
                            + [str(p) for p in sink_ports], stdout=subprocess.PIPE, text=True)
    sink.stdout.readline()
    conf = os.path.join(work, "relay.conf")
    with open(conf, "w") as f:
        port, admin = free_port(), free_port()
        f.write(f'[server]\nlisten = "127.0.0.1:{port}"\nadmin_listen = "127.0.0.1:{admin}"\ndata_dir = "{work}/data"\n\n'
                f'[[source]]\nname = "mailgun"\npath = "/webhooks/mailgun"\nverify = "mailgun"\nkeys = ["{KEY}"]\n\n')
        for i, p in enumerate(sink_ports):
            f.write(f'[[destination]]\nname = "d{i}"\nurl = "http://127.0.0.1:{p}/hook"\nmax_in_flight = {max_in_flight}\n\n')
        f.write('[[route]]\nsource = "mailgun"\nevents = ["*"]\nto = ["d0", "d1", "d2"]\n')
    relay = subprocess.Popen([binary, "serve", "--config", conf, "--log-level", "warning"])
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close(); break
        except OSError:
            time.sleep(0.05)
    statuses = post_all(port, events)
    target = 3 * events
    deadline = time.time() + 600
    def lines():
        with open(log) as f: return f.read().splitlines()
    # CPU over the delivery window: sampled while deliveries arrive.
    samples = []
    while time.time() < deadline:
        n = len(lines()); samples.append((time.monotonic_ns(), n, cpu_seconds(relay.pid)))
        if n >= target: break
        time.sleep(0.2)
    relay.terminate(); relay.wait(timeout=30); sink.terminate(); sink.wait(timeout=10)
    stamps = sorted(int(l.split()[0]) for l in lines())
    lo, hi = stamps[len(stamps) // 10], stamps[len(stamps) * 9 // 10]
    rate = (len(stamps) * 8 // 10) / ((hi - lo) / 1e9)
    window = [s for s in samples if lo <= s[0] <= hi]
    cpu = (window[-1][2] - window[0][2]) / ((window[-1][0] - window[0][0]) / 1e9) if len(window) >= 2 else float("nan")
    predicted = 3 * max_in_flight / (delay_ms / 1000.0)
    return {"max_in_flight": max_in_flight, "accepted": sum(1 for s in statuses if s == 200), "deliveries": len(stamps),
            "deliveries_per_s": round(rate, 1), "predicted_per_s": round(predicted, 1), "ratio": round(rate / predicted, 3),
            "relay_cpu_pct": round(100 * cpu, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--delay-ms", type=int, default=50)
    ap.add_argument("--events", type=int, default=6000)
    ap.add_argument("--max-in-flight", type=int, nargs="+", default=[4, 16, 32])
    a = ap.parse_args()
    print("| max_in_flight | predicted 3 × max_in_flight / latency | measured deliveries/s | measured / predicted | relay CPU (1 core = 100%) |")
    print("|---|---|---|---|---|")
    for m in a.max_in_flight:
        r = run(a.bin, a.delay_ms, a.events, m)
        print(f"| {m} | {r['predicted_per_s']} | {r['deliveries_per_s']} | {r['ratio']} | {r['relay_cpu_pct']}% |", flush=True)
        print(json.dumps(r), file=sys.stderr)


if __name__ == "__main__":
    main()
