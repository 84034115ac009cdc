#!/usr/bin/python3
"""The reconciliation sweep at organization scale (issue 19 §2), with the fake AWS.

    /usr/bin/python3 bench/sweep_bench.py [--accounts 2000] [--regions 5] [--per-pair 3]
        [--big 50000] [--latency-ms 200] [--interval 420] [--concurrency N] [--per-account N]
        [--bin PATH] [--out FILE]

Italic knows accounts x regions (account, Region) pairs (10,000 by default) with
--per-pair instances each, plus one more pair holding --big instances (50,000: the large
account of the issue, 50 pages of 1,000). The fake AWS (tests/fake_aws/fake_aws.py, every
SigV4 signature checked with botocore) lists exactly those instances, so a sweep changes
nothing and measures the listing itself, and answers every AWS call (AssumeRole once per
account, every DescribeInstances page) after --latency-ms. ITALIC_SWEEP_INTERVAL is
--interval (short, for the bench); every pair is overdue at start, so each is due at its
slot in the first interval (lib/sweep_plan.h).

Reported: how many pairs were swept within the interval (from table sweeps), each pair's
lateness (start minus due time, from the sweep's log lines) p50/p99/max, AWS calls per
minute and throttled answers (the fake's counts), the peak RSS of Italic (the 50,000-
instance pair is read page by page) and the CPU the fake and Italic used. Prints JSON.
"""
import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

from ingest_bench import ROOT, Server, build, emit

sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from aws_fixtures import FakeAws  # noqa: E402  (the integration tests' fake AWS handle)
from aws_verdict_bench import cpu_s, start_fake  # noqa: E402

REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
IMAGE = "ami-0a0a0a0a0a0a0a0a0"


def fleet_instance_id(account, region, k):
    """The fake's id for instance k of a generated pair (fake_aws.fleet_instance_id)."""
    return "i-" + hashlib.sha256(f"{account}/{region}/{k}".encode()).hexdigest()[:17]


def seed(binary, db, pairs, first_seen):
    """Italic's record of every fleet instance, as running from IMAGE (what the fake lists)."""
    subprocess.run([binary, "migrate", "--db", db], check=True, capture_output=True)
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous=OFF")
    with con:
        con.executemany(
            "INSERT INTO instances(account, region, instance_id, image_id, state, compliance, reasons,"
            " observed_at, evaluated_at, first_seen_at) VALUES (?, ?, ?, ?, 'running', 'COMPLIANT', '[]', ?, ?, ?)",
            ((a, r, fleet_instance_id(a, r, k), IMAGE, first_seen, first_seen, first_seen)
             for a, r, n in pairs for k in range(n)))
    con.close()


def lateness(log_path):
    """Per-pair lateness (ms) and duration (ms) from the sweep's log lines."""
    late, took = [], []
    with open(log_path, errors="replace") as f:
        for line in f:
            if '"An account and Region were swept."' not in line:
                continue
            rec = json.loads(line)
            late.append(rec.get("italic.sweep.lateness_ms", 0))
            took.append(rec.get("italic.sweep.duration_ms", 0))
    return late, took


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] if v else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--accounts", type=int, default=2000)
    ap.add_argument("--regions", type=int, default=5)
    ap.add_argument("--per-pair", type=int, default=3)
    ap.add_argument("--big", type=int, default=50000, help="instances in one more pair (0: none)")
    ap.add_argument("--latency-ms", type=int, default=200)
    ap.add_argument("--interval", type=int, default=420, help="ITALIC_SWEEP_INTERVAL in seconds")
    ap.add_argument("--concurrency", type=int, help="ITALIC_SWEEP_CONCURRENCY (default: Italic's)")
    ap.add_argument("--per-account", type=int, help="ITALIC_SWEEP_PER_ACCOUNT (default: Italic's)")
    ap.add_argument("--bin")
    ap.add_argument("--out")
    args = ap.parse_args()
    binary = args.bin or build()
    work = tempfile.mkdtemp(prefix="italic-sweep-")
    accounts = ["%012d" % (300000000000 + k) for k in range(args.accounts)]
    pairs = [(a, r, args.per_pair) for a in accounts for r in REGIONS[:args.regions]]
    if args.big:
        pairs.append(("399999999999", "us-east-1", args.big))
    fake = start_fake(work)
    s = None
    try:
        fake.control("recording", {"on": False})
        fake.control("images", [{"ImageId": IMAGE, "OwnerId": "137112412989", "OwnerAlias": "amazon",
                                 "Name": "golden", "CreationDate": "2026-01-01T00:00:00.000Z", "State": "available"}])
        fake.control("fleet", {"pairs": [[a, r, n] for a, r, n in pairs], "image": IMAGE})
        fake.control("latency", {"ms": args.latency_ms, "service": "*", "operation": "*"})
        env = fake.env(ITALIC_AWS="auto", ITALIC_MEMBER_ROLE="ItalicMember", ITALIC_CONFIG_REPORT="off",
                       ITALIC_SWEEP_INTERVAL="%ds" % args.interval, ITALIC_LOG_LEVEL="info",
                       ITALIC_METRICS_PUBLIC="1")
        if args.concurrency:
            env["ITALIC_SWEEP_CONCURRENCY"] = str(args.concurrency)
        if args.per_account:
            env["ITALIC_SWEEP_PER_ACCOUNT"] = str(args.per_account)
        s = Server(binary, work, env=env)
        s.env = env                          # the fake's AWS_* and nothing of this shell's
        s.env.update(ITALIC_DB=s.db, ITALIC_LISTEN="127.0.0.1:%d" % s.port)
        t0 = time.time()
        seed(binary, s.db, pairs, int((t0 - 2 * 86400) * 1000))
        seed_s = time.time() - t0
        fake_cpu0 = cpu_s(fake.proc.pid)
        s.start()
        start_ms = int(time.time() * 1000)
        rss0 = s.rss_peak_kib()
        n_pairs, swept = len(pairs), 0
        deadline = time.time() + args.interval * 1.5 + 60
        con = sqlite3.connect(s.db, timeout=30)
        while time.time() < deadline:
            swept = con.execute("SELECT count(*) FROM sweeps WHERE last_finished_at >= ? AND error IS NULL",
                                (start_ms,)).fetchone()[0]
            if swept >= n_pairs:
                break
            time.sleep(2)
        last = con.execute("SELECT max(last_finished_at), max(last_started_at) FROM sweeps WHERE last_finished_at >= ?",
                           (start_ms,)).fetchone()
        errors = con.execute("SELECT count(*) FROM sweeps WHERE error IS NOT NULL").fetchone()[0]
        big = con.execute("SELECT instances_seen, last_started_at, last_finished_at FROM sweeps WHERE account ="
                          " '399999999999'").fetchone()
        con.close()
        elapsed_s = time.time() - start_ms / 1000.0
        italic_cpu = cpu_s(s.proc.pid)
        rss = s.rss_peak_kib()
        counts = fake._call("GET", "counts")
        fake_cpu = cpu_s(fake.proc.pid) - fake_cpu0
    finally:
        if s and s.proc:
            s.stop()
        fake.proc.terminate()
        fake.proc.wait(timeout=10)
    late, took = lateness(os.path.join(work, "server.log"))
    shutil.rmtree(work, ignore_errors=True)
    di = sum(v for k, v in counts.items() if k.startswith("ec2 DescribeInstances "))
    throttled = sum(v for k, v in counts.items() if k.startswith("ec2 DescribeInstances 503"))
    sts = sum(v for k, v in counts.items() if k.startswith("sts "))
    out = {
        "pairs": n_pairs, "accounts": len(accounts) + (1 if args.big else 0), "instances_per_pair": args.per_pair,
        "big_pair_instances": args.big, "latency_ms": args.latency_ms, "interval_s": args.interval,
        "concurrency": args.concurrency or 8, "per_account": args.per_account or 2, "seed_s": round(seed_s, 1),
        "swept": swept, "errors": errors,
        "last_finished_s": round(((last[0] or start_ms) - start_ms) / 1000.0, 1),
        "last_started_s": round(((last[1] or start_ms) - start_ms) / 1000.0, 1),
        "lateness_p50_s": (pct(late, 0.5) or 0) / 1000.0, "lateness_p99_s": (pct(late, 0.99) or 0) / 1000.0,
        "lateness_max_s": (max(late) if late else 0) / 1000.0,
        "pair_duration_p50_ms": pct(took, 0.5), "pair_duration_max_ms": max(took) if took else None,
        "big_pair": {"instances_seen": big[0], "seconds": (big[2] - big[1]) / 1000.0} if big and big[2] else None,
        "calls": di + sts, "describe_instances": di, "assume_role": sts, "throttled": throttled,
        "calls_per_min": round((di + sts) / (elapsed_s / 60.0)), "elapsed_s": round(elapsed_s),
        "rss_start_kib": rss0, "rss_peak_kib": rss,
        "cpu_s": {"italic": round(italic_cpu, 1), "fake_aws": round(fake_cpu, 1)},
        "counts": counts,
    }
    emit(out, args.out)


if __name__ == "__main__":
    main()
