#!/usr/bin/python3
"""Growth curve (issues 8 and 19): every figure that could bend as the database grows.

    /usr/bin/python3 bench/growth_bench.py [--sizes 0,10000,100000,1000000] [--seconds 5] [--runs 3]
        [--requests 500] [--keep DIR] [--bin build-bench/service/italic] [--out FILE]

For each size N (evaluations; N/10 instances; accounts = N/2,000 between 50 and 5,000, so
10 million evaluations are 1 million instances in 5,000 accounts; 6 regions; long-tail
account sizes) a database is seeded by query_bench.seed (0: an empty, migrated one), or
reused from --keep DIR. On it, with a release `italic serve` (ITALIC_AWS=off):

  on the seeded database (nothing but tokens is written to it):
  - database bytes per evaluation; start-up to /readyz (median of 5 starts);
  - p50/p99 of the filtered first page, of page 51 (after following 50 cursors) and of
    /v1/summary: query_bench's sequential keep-alive client, --requests per run, median of
    3 runs; /metrics scrape time (50 scrapes); peak RSS after all of it;
  - GET /healthz keep-alive rate (wrk, 64 connections): the noise reference;
  on one copy of it (synced to disk before the server starts, see below):
  - POST /v1/events keep-alive (wrk, 64 connections, median of --runs) and paced at
    ~2,000 events/s (64 connections with 30 ms pauses, median of --runs): rate and
    acknowledgement p50/p99; peak RSS under that load. Each run alternates with the same
    run against a server on an empty database ("empty beside"), so the ratio to an empty
    database compares runs seconds apart, not minutes (a neighbour's load comes and goes);
  - `italic backup` of the live database while the paced load runs: its time, the
    acknowledgement p99 meanwhile (the load goes on until the WAL is back under 64 MiB),
    the WAL's peak size and how long after the backup it was cut back;
  - the retention purge of 2 days of history (a restart with ITALIC_RETENTION_DAYS=378:
    the seeded history spans 380 days) while the paced load runs: its time per day of
    history and the acknowledgement p99 meanwhile;
  - POST /v1/simulations (a proposed set of two rules) over every instance: time and the
    server's peak RSS (a fresh server).

The working copy is fsynced before its server starts: a copy whose pages are still dirty
in the page cache makes the server's first checkpoint sync the whole file (measured: a
1.2 s stall at 10M evaluations), which is the copy's cost, not Italic's.

Prints a JSON object; bench/run renders it into RESULTS.md.
"""
import argparse
import ctypes
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from ingest_bench import HERE, Server, build, db_bytes, emit, median_run, wrk
from query_bench import ACCOUNTS, DAY, FILTERED, measure, measure_runs, seed

# ~2,000 events/s when an acknowledgement takes 2 ms (64 / 32 ms), ~1,800 at 5 ms: wrk is a
# closed loop, so a slower server lowers the rate reached, which is reported beside it.
PACED = {"conns": 64, "delay_ms": "30"}
PURGE_DAYS = 2


def accounts_for(evaluations):
    return min(5000, max(50, evaluations // 2000))


def counts(db):
    con = sqlite3.connect(db, timeout=30)
    n = [con.execute("SELECT count(*) FROM %s" % t).fetchone()[0] for t in ("evaluations", "instances")]
    con.close()
    return n


def seeded_db(n, binary, work, keep):
    """(path, seconds it took to seed or None when reused)."""
    d = keep or tempfile.mkdtemp(dir=work)
    os.makedirs(d, exist_ok=True)
    db = os.path.join(d, "growth-%d.db" % n)
    if os.path.exists(db):
        try:
            with open(db + ".seed_s") as f:
                return db, float(f.read())   # seeded by an earlier run, this long
        except (OSError, ValueError):
            return db, None
    t0 = time.time()
    part = db + ".partial"
    for sfx in ("", "-wal", "-shm"):
        if os.path.exists(part + sfx):
            os.unlink(part + sfx)
    if n == 0:
        subprocess.run([binary, "migrate", "--db", part], check=True, capture_output=True)
    else:
        seed(part, binary, n_instances=max(1, n // 10), n_evaluations=n, n_accounts=accounts_for(n))
    os.rename(part, db)
    took = round(time.time() - t0, 1)
    with open(db + ".seed_s", "w") as f:
        f.write(str(took))
    return db, took


def synced_copy(src, d):
    """src (with its WAL, if any) copied into d and fsynced."""
    dst = os.path.join(d, "italic.db")
    for sfx in ("", "-wal"):
        if os.path.exists(src + sfx):
            shutil.copyfile(src + sfx, dst + sfx)
            fd = os.open(dst + sfx, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
    return dst


def get(port, path, token=None, method="GET", body=None, timeout=600):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


def metric(port, token, name):
    _, body = get(port, "/metrics", token)
    total = 0.0
    for line in body.decode().splitlines():
        if line.startswith(name):
            total += float(line.rsplit(" ", 1)[1])
    return total


def startup(binary, db, work, n=5):
    """Median milliseconds from exec to /readyz 200 over n starts on db."""
    times = []
    for _ in range(n):
        s = Server(binary, tempfile.mkdtemp(dir=work), db=db)
        times.append(s.start() * 1000)
        s.stop()
    return {"median_ms": round(statistics.median(times), 1), "runs_ms": [round(t, 1) for t in times]}


def deep_cursor_path(port, token, pages=50):
    cursor = None
    for _ in range(pages):
        _, body = get(port, "/v1/instances?limit=100" + ("&cursor=" + cursor if cursor else ""), token)
        cursor = json.loads(body)["next_cursor"]
        if not cursor:
            return None
    return "/v1/instances?limit=100&cursor=" + cursor


def scrape(port, token, n=50):
    lat = []
    for _ in range(n):
        t0 = time.perf_counter()
        get(port, "/metrics", token)
        lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    return {"p50_ms": round(lat[len(lat) // 2], 2), "p99_ms": round(lat[int(len(lat) * 0.99) - 1], 2),
            "max_ms": round(lat[-1], 2)}


def sigint_main_thread(pid):
    """SIGINT to the main thread of pid: wrk reports and exits when its main thread's sleep
    is interrupted; a SIGINT that lands on one of its worker threads only stops them."""
    libc = ctypes.CDLL(None, use_errno=True)
    SYS_tgkill = 234   # x86_64
    if libc.syscall(SYS_tgkill, pid, pid, signal.SIGINT) != 0:
        os.kill(pid, signal.SIGINT)


class Paced:
    """wrk at the paced rate in the background until stop() (SIGINT makes wrk report)."""

    def __init__(self, port, token_env):
        env = dict(os.environ, RUN_NONCE=str(int(time.time() * 1000) % 65535 + 1), DELAY_MS=PACED["delay_ms"],
                   **token_env)
        # -d caps a wrk whose stop() never comes (the bench died): it ends on its own.
        self.p = subprocess.Popen(["wrk", "-t2", "-c%d" % PACED["conns"], "-d1800s", "--timeout", "10s", "-s",
                                   os.path.join(HERE, "wrk", "events.lua"), "http://127.0.0.1:%d/v1/events" % port],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.t0 = time.time()

    def stop(self):
        # A SIGINT before wrk's main thread sleeps would be lost (its handler only sets a
        # flag): let it start, and repeat the signal until it exits.
        time.sleep(max(0.0, self.t0 + 1.5 - time.time()))
        for _ in range(20):
            sigint_main_thread(self.p.pid)
            try:
                out, err = self.p.communicate(timeout=3)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            self.p.kill()
            self.p.wait()
            raise RuntimeError("wrk did not stop")
        for line in out.splitlines():
            if line.startswith("{"):
                r = json.loads(line)
                r["rps"] = r["requests"] / r["seconds"]
                return r
        raise RuntimeError("wrk failed: %s %s" % (out, err))


def wal_watch(path, stop, peak):
    while not stop.is_set():
        try:
            peak[0] = max(peak[0], os.path.getsize(path + "-wal"))
        except OSError:
            pass
        time.sleep(0.05)


def backup_under_load(binary, s, token_env, work):
    """`italic backup` of s's live database while the paced load runs."""
    dest = os.path.join(tempfile.mkdtemp(dir=work), "backup.db")
    before = os.path.getsize(s.db + "-wal") if os.path.exists(s.db + "-wal") else 0
    stop, peak = threading.Event(), [0]
    watcher = threading.Thread(target=wal_watch, args=(s.db, stop, peak))
    watcher.start()
    load = Paced(s.port, token_env)
    try:
        time.sleep(2)
        t0 = time.time()
        subprocess.run([binary, "backup", "--db", s.db, dest], check=True, capture_output=True, env=s.env)
        seconds = time.time() - t0
        # The WAL the backup pinned is copied back, then the file is cut back to its
        # limit (lib/store.h, STORE_WAL_KEEP_BYTES_STR) at the next restart.
        shrunk = None
        while time.time() - t0 - seconds < 120:
            time.sleep(0.5)
            if os.path.getsize(s.db + "-wal") <= 64 * 1024 * 1024:
                shrunk = round(time.time() - t0 - seconds, 1)
                break
    finally:
        r = load.stop()
        stop.set()
        watcher.join()
    out = {"seconds": round(seconds, 1), "bytes": os.path.getsize(dest), "wal_before_bytes": before,
           "wal_peak_bytes": peak[0], "wal_back_under_64mib_s": shrunk,
           "paced": {k: r[k] for k in ("rps", "p50_ms", "p99_ms", "max_ms", "other_status")}}
    shutil.rmtree(os.path.dirname(dest), ignore_errors=True)
    return out


def purge_under_load(binary, db, token_env, work, n_eval):
    """Retention of 380 - PURGE_DAYS days on a restart, while the paced load runs."""
    con = sqlite3.connect(db, timeout=30)
    cutoff = int(time.time() * 1000) - (380 - PURGE_DAYS) * DAY
    expect = con.execute("SELECT count(*) FROM evaluations WHERE evaluated_at < ?", (cutoff,)).fetchone()[0]
    con.close()
    s = Server(binary, tempfile.mkdtemp(dir=work), db=db,
               env={"ITALIC_RETENTION_DAYS": str(380 - PURGE_DAYS), "ITALIC_METRICS_PUBLIC": "1"})
    t0 = time.time()
    s.start()
    try:
        load = Paced(s.port, token_env)
        try:
            deleted = 0
            while time.time() - t0 < 1800:
                deleted = metric(s.port, None, 'italic_retention_deleted_total{table="evaluations"}')
                if deleted >= expect:
                    break
                time.sleep(0.1)
            seconds = time.time() - t0
        finally:
            r = load.stop()
    finally:
        s.stop()
    per_day = max(1, n_eval / 380.0)
    return {"days": round(expect / per_day, 2) if n_eval else 0, "rows": int(deleted), "seconds": round(seconds, 2),
            "seconds_per_day": round(seconds / max(0.01, expect / per_day), 2) if expect else None,
            "rows_per_s": round(deleted / seconds) if seconds else None,
            "paced": {k: r[k] for k in ("rps", "p50_ms", "p99_ms", "max_ms", "other_status")}}


SIM_BODY = {"rules": [{"id": "amazon", "name": "Amazon images", "criteria": {"owners": ["amazon"]}},
                      {"id": "pinned", "name": "Pinned images", "criteria": {"image_ids": []}}]}


def simulation(binary, db, work):
    """POST /v1/simulations over every instance of db on a fresh server: time and RSS."""
    con = sqlite3.connect(db, timeout=30)
    top = [r[0] for r in con.execute("SELECT image_id FROM instance_nc_image_totals ORDER BY n DESC LIMIT 3")]
    n_inst = con.execute("SELECT count(*) FROM instances").fetchone()[0]
    con.close()
    body = json.loads(json.dumps(SIM_BODY))
    body["rules"][1]["criteria"]["image_ids"] = top or ["ami-00000000000000001"]
    s = Server(binary, tempfile.mkdtemp(dir=work), db=db)
    admin = s.token("admin")
    s.start()
    try:
        with open("/proc/%d/status" % s.proc.pid) as f:
            before = [int(l.split()[1]) for l in f if l.startswith("VmRSS:")][0]
        t0 = time.perf_counter()
        status, resp = get(s.port, "/v1/simulations", admin, method="POST", body=body, timeout=1800)
        seconds = time.perf_counter() - t0
        res = json.loads(resp)
        return {"instances": n_inst, "seconds": round(seconds, 2), "rss_before_kib": before,
                "rss_peak_kib": s.rss_peak_kib(), "status": status, "evaluated": res.get("evaluated"),
                "changed": res.get("changed"), "response_bytes": len(resp)}
    finally:
        s.stop()


def point(binary, seeded, work, args):
    """Every figure at one database size."""
    evaluations, instances = counts(seeded)
    out = {"evaluations": evaluations, "instances": instances,
           "accounts": accounts_for(evaluations) if evaluations else 0, "db_bytes": db_bytes(seeded),
           "db_bytes_per_evaluation": round(db_bytes(seeded) / evaluations) if evaluations else None}
    out["startup"] = startup(binary, seeded, work)

    s = Server(binary, tempfile.mkdtemp(dir=work), db=seeded)
    reader = s.token("reader")
    s.start()
    try:
        deep = deep_cursor_path(s.port, reader)
        queries = [("filtered_first_page", FILTERED), ("page_51", deep), ("summary", "/v1/summary")]
        for name, path in queries:
            if path:
                p50, p99 = measure_runs(s.port, reader, path, args.requests)
                out[name] = {"p50_ms": round(p50, 3), "p99_ms": round(p99, 3)}
        p50, p99 = measure_runs(s.port, reader, "/healthz", args.requests)
        out["healthz_sequential"] = {"p50_ms": round(p50, 3), "p99_ms": round(p99, 3)}   # the noise floor
        out["metrics_scrape"] = scrape(s.port, reader)
        out["rss_serving_kib"] = s.rss_peak_kib()
        out["healthz_keepalive"] = wrk("http://127.0.0.1:%d/healthz" % s.port, "get.lua", args.seconds, 64)
    finally:
        s.stop()

    d = tempfile.mkdtemp(dir=work)
    t0 = time.time()
    db = synced_copy(seeded, d)
    out["copy_s"] = round(time.time() - t0, 1)
    s = Server(binary, d, db=db)
    ingest = s.token("ingest")
    token_env = {"EVENT_TEMPLATE": os.path.join(HERE, "wrk", "runinstances.json.tmpl"), "TOKEN": ingest}
    # The reference: an empty database's server, measured in turns with this one, so a
    # neighbour's load that comes and goes hits both alike ("vs empty, beside").
    ref = Server(binary, tempfile.mkdtemp(dir=work)) if evaluations else None
    ref_env = dict(token_env, TOKEN=ref.token("ingest")) if ref else None
    s.start()
    if ref:
        ref.start()
    try:
        url = "http://127.0.0.1:%d/v1/events" % s.port
        ref_url = "http://127.0.0.1:%d/v1/events" % ref.port if ref else None
        paced = dict(DELAY_MS=PACED["delay_ms"])
        runs, ref_runs, pruns, ref_pruns = [], [], [], []
        for _ in range(args.runs):
            runs.append(wrk(url, "events.lua", args.seconds, 64, env=token_env))
            if ref:
                ref_runs.append(wrk(ref_url, "events.lua", args.seconds, 64, env=ref_env))
        out["events_keepalive"] = median_run(lambda: runs.pop(), args.runs)
        if ref:
            out["events_keepalive_empty_beside"] = median_run(lambda: ref_runs.pop(), args.runs)
        out["healthz_beside_ingest"] = wrk("http://127.0.0.1:%d/healthz" % s.port, "get.lua", args.seconds, 64)
        for _ in range(args.runs):
            pruns.append(wrk(url, "events.lua", args.seconds, PACED["conns"], env=dict(token_env, **paced)))
            if ref:
                ref_pruns.append(wrk(ref_url, "events.lua", args.seconds, PACED["conns"], env=dict(ref_env, **paced)))
        out["events_paced_2000"] = median_run(lambda: pruns.pop(), args.runs)
        if ref:
            out["events_paced_2000_empty_beside"] = median_run(lambda: ref_pruns.pop(), args.runs)
        out["rss_ingest_kib"] = s.rss_peak_kib()
        if ref:
            ref.stop()
            ref = None
        out["backup"] = backup_under_load(binary, s, token_env, work)
    finally:
        if ref:
            ref.stop()
        s.stop()
    if evaluations:
        out["purge"] = purge_under_load(binary, db, token_env, work, evaluations)
    out["simulation"] = simulation(binary, db, work)
    shutil.rmtree(d, ignore_errors=True)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="0,10000,100000,1000000", help="evaluations per point, comma-separated")
    ap.add_argument("--seconds", type=int, default=5, help="per wrk run")
    ap.add_argument("--runs", type=int, default=3, help="ingest runs per size (the median is reported)")
    ap.add_argument("--requests", type=int, default=500, help="per query latency run (3 runs)")
    ap.add_argument("--keep", metavar="DIR", help="keep the seeded databases in DIR (growth-N.db) and reuse them")
    ap.add_argument("--bin", help="italic binary (default: build build-bench and use it)")
    ap.add_argument("--out")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (scripts/install-deps)")
    sizes = [int(x) for x in args.sizes.split(",")]
    binary = args.bin or build()
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    work = tempfile.mkdtemp(prefix="italic-growth-", dir=args.keep)
    out = {"seconds_per_run": args.seconds, "runs": args.runs, "requests_per_query_run": args.requests,
           "paced": PACED, "filtered_account": ACCOUNTS[20], "points": []}
    try:
        for n in sizes:
            db, seed_s = seeded_db(n, binary, work, args.keep)
            t0 = time.time()
            p = point(binary, db, work, args)
            p["size"] = n
            p["seed_s"] = seed_s
            p["measure_s"] = round(time.time() - t0)
            out["points"].append(p)
            print("growth_bench: %d evaluations: %.0f events/s, paced p99 %.1f ms, summary p99 %s ms (%d s)"
                  % (n, p["events_keepalive"]["rps"], p["events_paced_2000"]["p99_ms"],
                     p.get("summary", {}).get("p99_ms", "-"), p["measure_s"]), file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    emit(out, args.out)


if __name__ == "__main__":
    main()
