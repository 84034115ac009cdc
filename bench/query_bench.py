#!/usr/bin/python3
"""Query API latency at scale: seeds 100,000 instances and 1,000,000 evaluations,
starts `italic serve` on that database and measures p50/p99 of

  1. a filtered first page:  /v1/instances?compliance=NON_COMPLIANT&account=<a mid-size account>
  2. a deep page:            /v1/instances?limit=100 after following 50 cursors
  3. the summary:            /v1/summary

Each scenario is measured with one keep-alive client issuing requests back to back
(REQUESTS per run, RUNS runs, the median of each percentile reported), and with wrk
(4 threads, 16 connections, 10 s) for latency under concurrent load when wrk exists.

Usage: /usr/bin/python3 bench/query_bench.py [--bin build/service/italic] [--keep DIR]
Prints a Markdown block for bench/RESULTS.md.
"""
import argparse
import datetime
import http.client
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import time

N_INSTANCES = 100_000
N_EVALUATIONS = 1_000_000
N_ACCOUNTS = 200
REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
N_IMAGES = 500
REQUESTS = 2000
RUNS = 3
DAY = 86_400_000
ACCOUNTS = ["%012d" % (100000000000 + k) for k in range(N_ACCOUNTS)]
# A mid-size account (rank 20) for the filtered query.
FILTERED = "/v1/instances?compliance=NON_COMPLIANT&account=%s" % ACCOUNTS[20]


def seed(db, bin_path, n_instances=N_INSTANCES, n_evaluations=N_EVALUATIONS):
    """Seeds n_instances current verdicts and n_evaluations history rows into a fresh db
    (the same random data for the same sizes)."""
    subprocess.run([bin_path, "migrate", "--db", db], check=True, capture_output=True)
    rnd = random.Random(7)
    now = int(time.time() * 1000)
    # Account sizes follow a long tail (a few big production accounts, many small ones).
    weights = [1.0 / (k + 1) ** 0.8 for k in range(N_ACCOUNTS)]
    images = ["ami-%017x" % rnd.getrandbits(68) for _ in range(N_IMAGES)]
    img_weights = [1.0 / (k + 1) for k in range(N_IMAGES)]
    inst = []
    seen = set()
    while len(inst) < n_instances:
        acct = rnd.choices(ACCOUNTS, weights)[0]
        region = rnd.choice(REGIONS)
        iid = "i-%017x" % rnd.getrandbits(68)
        if (acct, region, iid) in seen:
            continue
        seen.add((acct, region, iid))
        nc = rnd.random() < 0.20
        compliance = "NON_COMPLIANT" if nc else ("NOT_APPLICABLE" if rnd.random() < 0.03 else "COMPLIANT")
        ev = now - rnd.randrange(30 * DAY)
        inst.append((acct, region, iid, rnd.choices(images, img_weights)[0],
                     "terminated" if compliance == "NOT_APPLICABLE" else "running",
                     json.dumps({"Name": "svc-%d" % rnd.randrange(1000), "env": rnd.choice(["prod", "dev"])}),
                     compliance,
                     json.dumps(["no enabled rule allows this image"] if nc else ["allowed by rule golden-ami"]),
                     None if nc else "golden-ami", "ex-%d" % rnd.randrange(50) if rnd.random() < 0.01 else None,
                     "describe_images", ev - rnd.randrange(60000), ev,
                     ev + 90 * DAY if rnd.random() < 0.3 else None, ev - rnd.randrange(DAY)))
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous=OFF")
    with con:
        con.executemany(
            "INSERT INTO instances(account, region, instance_id, image_id, state, tags, compliance, reasons,"
            " matched_rule, exemption, facts_source, observed_at, evaluated_at, next_change_at, first_seen_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", inst)

        def evals():
            for k in range(n_evaluations):
                a, r, i, img, st, _tags, c, rs, mr, ex, fs, ob, ev, nx, _f = inst[rnd.randrange(n_instances)]
                t = now - rnd.randrange(380 * DAY)
                yield (a, r, i, img, st, c, rnd.choice(["COMPLIANT", "NON_COMPLIANT", None]), rs, mr, ex, fs,
                       t - 1000, t, nx, "event", "evt-%d" % k)
        con.executemany(
            "INSERT INTO evaluations(account, region, instance_id, image_id, state, compliance,"
            " previous_compliance, reasons, matched_rule, exemption, facts_source, observed_at, evaluated_at,"
            " next_change_at, trigger, trigger_event_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", evals())
    con.execute("ANALYZE")
    con.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(port, token, path, n):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h = {"Authorization": "Bearer " + token}
    lat = []
    for _ in range(n):
        t0 = time.perf_counter()
        c.request("GET", path, headers=h)
        r = c.getresponse()
        r.read()
        lat.append((time.perf_counter() - t0) * 1000)
        assert r.status == 200, (r.status, path)
    c.close()
    lat.sort()
    return lat[len(lat) // 2], lat[int(len(lat) * 0.99) - 1]


def measure_runs(port, token, path, n=REQUESTS, runs=RUNS):
    """(p50, p99) in ms: the median of each over `runs` runs of measure()."""
    got = [measure(port, token, path, n) for _ in range(runs)]
    return statistics.median(r[0] for r in got), statistics.median(r[1] for r in got)


def wrk(port, token, path):
    if not shutil.which("wrk"):
        return None
    p = subprocess.run(["wrk", "-t4", "-c16", "-d10s", "--latency", "-H", "Authorization: Bearer " + token,
                        "http://127.0.0.1:%d%s" % (port, path)], capture_output=True, text=True)
    out = {}
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "99%"):
            out[parts[0]] = parts[1]
        if line.startswith("Requests/sec:"):
            out["rps"] = line.split()[1]
    return out


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return "%d CPUs (nproc), %s; %s" % (os.cpu_count(), model,
                                       datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "build", "service", "italic"))
    ap.add_argument("--keep", help="reuse/keep the seeded database in this directory")
    args = ap.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="italic-bench-")
    os.makedirs(work, exist_ok=True)
    db = os.path.join(work, "bench.db")
    t0 = time.time()
    if not os.path.exists(db):
        seed(db, args.bin)
    seed_s = time.time() - t0
    token = subprocess.run([args.bin, "token", "create", "--role", "reader", "--db", db],
                           check=True, capture_output=True, text=True).stdout.strip()
    port = free_port()
    env = dict(os.environ, ITALIC_DB=db, ITALIC_LISTEN="127.0.0.1:%d" % port, ITALIC_AWS="off",
               ITALIC_LOG_LEVEL="warn")
    srv = subprocess.Popen([args.bin, "serve"], env=env)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        c = http.client.HTTPConnection("127.0.0.1", port)
        cursor = None
        for _ in range(50):
            c.request("GET", "/v1/instances?limit=100" + ("&cursor=" + cursor if cursor else ""),
                      headers={"Authorization": "Bearer " + token})
            cursor = json.loads(c.getresponse().read())["next_cursor"]
        c.close()
        deep = "/v1/instances?limit=100&cursor=" + cursor
        scenarios = [("filtered first page", FILTERED), ("page 51 via cursors", deep), ("summary", "/v1/summary")]
        print("## Queries\n")
        print("Machine: %s  " % machine())
        print("Data: %d instances (%d accounts, long-tail sizes; %d regions; 20%% non-compliant; %d images), "
              "%d evaluations over 380 days; seeded in %.0f s.  " % (N_INSTANCES, N_ACCOUNTS, len(REGIONS),
                                                                     N_IMAGES, N_EVALUATIONS, seed_s))
        print("Sequential: one keep-alive client, %d requests per run, median of %d runs. "
              "Concurrent: wrk -t4 -c16 -d10s.\n" % (REQUESTS, RUNS))
        print("| query | path | sequential p50 ms | sequential p99 ms | wrk p50 | wrk p99 | wrk req/s |")
        print("|---|---|---|---|---|---|---|")
        for name, path in scenarios:
            p50, p99 = measure_runs(port, token, path)
            w = wrk(port, token, path) or {}
            shown = path if "cursor=" not in path else "/v1/instances?limit=100&cursor=…"
            print("| %s | `%s` | %.2f | %.2f | %s | %s | %s |" % (name, shown, p50, p99, w.get("50%", "-"),
                                                            w.get("99%", "-"), w.get("rps", "-")))
    finally:
        srv.terminate()
        srv.wait()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
