#!/usr/bin/python3
"""Ingest and evaluation benchmark for Italic (issue 8). One command:

    bench/ingest_bench.py [--seconds 8] [--runs 3] [--out bench/results-ingest.json]

Starts a release build of `italic serve` (ITALIC_AWS=off) on a fresh database and
measures, each as the median of --runs runs of wrk, on this machine in one session:
  - GET /healthz (the reference) and POST /v1/events, keep-alive, 64 connections;
  - the same two with "Connection: close" on every request (as EventBridge sends);
  - acknowledgement latency of POST /v1/events paced at 2,000 events/s;
  - every 202 durable: the inbox holds exactly the accepted events;
  - event-to-verdict latency at 500 events/s (inbox.received_at -> instances.evaluated_at);
  - peak RSS of the server and database bytes per evaluation.
Prints a JSON object with every figure; bench/run renders it into RESULTS.md.
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build():
    b = os.path.join(ROOT, "build-bench")
    if not os.path.exists(os.path.join(b, "build.ninja")):
        subprocess.run(["meson", "setup", b, "--buildtype=release"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", b, "service/italic"], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(b, "service", "italic")


class Server:
    """`italic serve` on workdir/italic.db (or on db), logging to workdir/server.log."""

    def __init__(self, binary, workdir, env=None, db=None):
        self.bin = binary
        self.dir = workdir
        self.db = db or os.path.join(workdir, "italic.db")
        self.port = free_port()
        self.env = dict(os.environ, ITALIC_DB=self.db, ITALIC_LISTEN="127.0.0.1:%d" % self.port,
                        ITALIC_AWS="off", ITALIC_LOG_LEVEL="warn", ITALIC_INBOX_MAX="10000000")
        if env:
            self.env.update(env)
        self.proc = None

    def token(self, role):
        return subprocess.run([self.bin, "token", "create", "--role", role, "--db", self.db], env=self.env,
                              check=True, capture_output=True, text=True).stdout.strip()

    def start(self):
        t0 = time.monotonic()
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen([self.bin, "serve"], env=self.env, stdout=self.log, stderr=self.log)
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/readyz" % self.port, timeout=1) as r:
                    if r.status == 200:
                        return time.monotonic() - t0
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("server exited")
            time.sleep(0.002)

    def rss_peak_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        self.log.close()


def wrk(url, script, seconds, conns, threads=2, env=None):
    e = dict(os.environ, RUN_NONCE=str(random.randint(1, 65535)))
    if env:
        e.update(env)
    p = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % conns, "-d%ds" % seconds, "--timeout", "10s",
                        "-s", os.path.join(HERE, "wrk", script), url], env=e, capture_output=True, text=True)
    for line in p.stdout.splitlines():
        if line.startswith("{"):
            r = json.loads(line)
            r["rps"] = r["requests"] / r["seconds"]
            return r
    raise RuntimeError("wrk failed: %s %s" % (p.stdout, p.stderr))


def median_run(fn, runs):
    results = [fn() for _ in range(runs)]
    results.sort(key=lambda r: r["rps"])
    mid = results[len(results) // 2]
    mid["runs_rps"] = [round(r["rps"]) for r in results]
    return mid


def db_bytes(db):
    """Bytes of an SQLite database with its -wal and -shm files."""
    return sum(os.path.getsize(db + sfx) for sfx in ("", "-wal", "-shm") if os.path.exists(db + sfx))


def event_to_verdict(db, since_ms=0):
    """Latency of each event received at or after since_ms (Unix ms) from acceptance
    (inbox.received_at) to its verdict (evaluations.evaluated_at), in ms:
    {"events", "p50_ms", "p99_ms", "max_ms", "first_received_ms", "last_received_ms",
    "last_verdict_ms"}, or None when no such event has a verdict."""
    con = sqlite3.connect(db, timeout=30)
    rows = con.execute(
        "SELECT i.received_at, e.evaluated_at FROM inbox i JOIN evaluations e"
        " ON e.trigger_event_id = i.event_id AND e.trigger = 'event' WHERE i.received_at >= ?",
        (since_ms,)).fetchall()
    con.close()
    if not rows:
        return None
    lat = sorted(v - r for r, v in rows)
    return {"events": len(lat), "p50_ms": lat[len(lat) // 2],
            "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))], "max_ms": lat[-1],
            "first_received_ms": min(r for r, _ in rows), "last_received_ms": max(r for r, _ in rows),
            "last_verdict_ms": max(v for _, v in rows)}


def emit(out, path):
    """Prints the result object as JSON, and writes it to path too when given."""
    text = json.dumps(out, indent=1)
    if path:
        with open(path, "w") as f:
            f.write(text + "\n")
    print(text)


def wait_evaluated(db, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        con = sqlite3.connect(db, timeout=30)
        n = con.execute("SELECT count(*) FROM inbox WHERE state < 2").fetchone()[0]
        con.close()
        if n == 0:
            return True
        time.sleep(0.2)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (scripts/install-deps)")
    binary = build()
    tmpl = os.path.join(HERE, "wrk", "runinstances.json.tmpl")
    out = {"seconds_per_run": args.seconds, "runs": args.runs}
    work = tempfile.mkdtemp(prefix="italic-bench-")
    try:
        s = Server(binary, work)
        tok = s.token("ingest")
        out["startup_empty_s"] = s.start()
        base = "http://127.0.0.1:%d" % s.port
        ev_env = {"EVENT_TEMPLATE": tmpl, "TOKEN": tok}

        out["healthz_keepalive"] = median_run(lambda: wrk(base + "/healthz", "get.lua", args.seconds, 64), args.runs)
        out["events_keepalive"] = median_run(lambda: wrk(base + "/v1/events", "events.lua", args.seconds, 64,
                                                         env=ev_env), args.runs)
        out["healthz_close"] = median_run(lambda: wrk(base + "/healthz", "get.lua", args.seconds, 64,
                                                      env={"CLOSE": "1"}), args.runs)
        out["events_close"] = median_run(lambda: wrk(base + "/v1/events", "events.lua", args.seconds, 64,
                                                     env=dict(ev_env, CLOSE="1")), args.runs)
        # About 2,000 events/s: 24 connections, each pausing 10 ms between requests.
        out["events_paced_2000"] = median_run(lambda: wrk(base + "/v1/events", "events.lua", args.seconds, 24,
                                                          env=dict(ev_env, DELAY_MS="10")), args.runs)
        out["rss_peak_after_ingest_kib"] = s.rss_peak_kib()

        wait_evaluated(s.db)
        con = sqlite3.connect(s.db, timeout=30)
        inbox_rows = con.execute("SELECT count(*) FROM inbox").fetchone()[0]
        evaluated = con.execute("SELECT count(*) FROM inbox WHERE state = 2").fetchone()[0]
        evaluations = con.execute("SELECT count(*) FROM evaluations").fetchone()[0]
        con.close()
        out["inbox_rows"] = inbox_rows
        out["inbox_evaluated"] = evaluated
        out["evaluations"] = evaluations
        s.stop()
        out["db_bytes"] = db_bytes(s.db)
        out["db_bytes_per_evaluation"] = out["db_bytes"] / max(1, evaluations)

        # Durability of acknowledgements: a fresh server, a known number of 202s.
        s2 = Server(binary, tempfile.mkdtemp(dir=work))
        tok2 = s2.token("ingest")
        s2.start()
        r = wrk("http://127.0.0.1:%d/v1/events" % s2.port, "events.lua", 3, 32,
                env={"EVENT_TEMPLATE": tmpl, "TOKEN": tok2})
        s2.stop()
        con = sqlite3.connect(s2.db)
        stored = con.execute("SELECT count(*) FROM inbox").fetchone()[0]
        con.close()
        # wrk stops reading when its time is up, so requests in flight at that moment
        # may be stored without their 202 being counted: durable means stored >= acked.
        # (The integration tests check acknowledged events one by one across kill -9.)
        out["durability"] = {"acknowledged_202": r["accepted"], "rows_in_inbox": stored,
                             "ok": stored >= r["accepted"]}

        # Event to verdict at 500 events/s (10 connections x ~20 ms pause).
        s3 = Server(binary, tempfile.mkdtemp(dir=work))
        tok3 = s3.token("ingest")
        s3.start()
        wrk("http://127.0.0.1:%d/v1/events" % s3.port, "events.lua", args.seconds, 10, threads=1,
            env={"EVENT_TEMPLATE": tmpl, "TOKEN": tok3, "DELAY_MS": "20"})
        wait_evaluated(s3.db)
        e2v = event_to_verdict(s3.db)
        s3.stop()
        if e2v:
            out["event_to_verdict_500"] = e2v
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out["ratio_events_to_healthz_keepalive"] = out["events_keepalive"]["rps"] / out["healthz_keepalive"]["rps"]
    out["ratio_events_to_healthz_close"] = out["events_close"]["rps"] / out["healthz_close"]["rps"]
    emit(out, args.out)


if __name__ == "__main__":
    main()
