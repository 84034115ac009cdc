#!/usr/bin/python3
"""Growth curve (issue 8): ingest rate and query latency as the database grows.

    /usr/bin/python3 bench/growth_bench.py [--sizes 10000,100000,1000000] [--seconds 5] [--runs 3]
        [--requests 500] [--seeded 1000000=DIR] [--bin build-bench/service/italic] [--out FILE]

For each size N (evaluations, with N/10 instances) the database is seeded by
query_bench.seed (the same long-tail data as the 1M query bench), or taken from
--seeded N=DIR, a `query_bench.py --keep DIR` directory, so that bench/run seeds 1M once.
On it, with a release `italic serve` (ITALIC_AWS=off):
  - database bytes per evaluation, as seeded;
  - p50/p99 of the filtered first page and of /v1/summary: query_bench's sequential
    keep-alive client, --requests per run, median of 3 runs;
  - GET /healthz keep-alive rate (wrk, 64 connections, --seconds): the noise reference;
  - POST /v1/events keep-alive rate (wrk and bench/wrk/events.lua as ingest_bench.py,
    64 connections, --seconds, median of --runs), each run on a fresh copy of the seeded
    database so every run starts at size N (the seeded database itself is not changed).
Prints a JSON object; bench/run renders it into RESULTS.md.
"""
import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time

from ingest_bench import HERE, Server, build, db_bytes, emit, median_run, wrk
from query_bench import FILTERED, measure_runs, seed

SEEDED_NAME = "bench.db"  # what query_bench.py --keep DIR leaves in DIR


def counts(db):
    con = sqlite3.connect(db, timeout=30)
    n = [con.execute("SELECT count(*) FROM %s" % t).fetchone()[0] for t in ("evaluations", "instances")]
    con.close()
    return n


def ingest_run(binary, seeded, work, token_env, seconds):
    """One wrk run of POST /v1/events on a fresh copy of the seeded database."""
    d = tempfile.mkdtemp(dir=work)
    try:
        s = Server(binary, d)
        for sfx in ("", "-wal"):
            if os.path.exists(seeded + sfx):
                shutil.copyfile(seeded + sfx, s.db + sfx)
        s.start()
        try:
            return wrk("http://127.0.0.1:%d/v1/events" % s.port, "events.lua", seconds, 64, env=token_env)
        finally:
            s.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def point(binary, db, work, args):
    """Every figure at one database size."""
    evaluations, instances = counts(db)
    out = {"evaluations": evaluations, "instances": instances, "db_bytes": db_bytes(db),
           "db_bytes_per_evaluation": round(db_bytes(db) / max(1, evaluations))}
    s = Server(binary, tempfile.mkdtemp(dir=work), db=db)
    reader, ingest = s.token("reader"), s.token("ingest")
    s.start()
    try:
        for name, path in (("filtered_first_page", FILTERED), ("summary", "/v1/summary")):
            p50, p99 = measure_runs(s.port, reader, path, args.requests)
            out[name] = {"p50_ms": round(p50, 3), "p99_ms": round(p99, 3)}
        out["healthz_keepalive"] = wrk("http://127.0.0.1:%d/healthz" % s.port, "get.lua", args.seconds, 64)
    finally:
        s.stop()
    token_env = {"EVENT_TEMPLATE": os.path.join(HERE, "wrk", "runinstances.json.tmpl"), "TOKEN": ingest}
    out["events_keepalive"] = median_run(lambda: ingest_run(binary, db, work, token_env, args.seconds), args.runs)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="evaluations per point, comma-separated")
    ap.add_argument("--seconds", type=int, default=5, help="per wrk run")
    ap.add_argument("--runs", type=int, default=3, help="ingest runs per size (the median is reported)")
    ap.add_argument("--requests", type=int, default=500, help="per query latency run (3 runs)")
    ap.add_argument("--seeded", action="append", default=[], metavar="N=DIR",
                    help="use DIR/%s (query_bench.py --keep DIR) as the size-N database" % SEEDED_NAME)
    ap.add_argument("--bin", help="italic binary (default: build build-bench and use it)")
    ap.add_argument("--out")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (scripts/install-deps)")
    sizes = [int(x) for x in args.sizes.split(",")]
    seeded = {int(k): os.path.join(v, SEEDED_NAME) for k, v in (x.split("=", 1) for x in args.seeded)}
    binary = args.bin or build()
    work = tempfile.mkdtemp(prefix="italic-growth-")
    out = {"seconds_per_run": args.seconds, "runs": args.runs, "requests_per_query_run": args.requests,
           "points": []}
    try:
        for n in sizes:
            db = seeded.get(n)
            seed_s = None
            if not db or not os.path.exists(db):
                db = os.path.join(tempfile.mkdtemp(dir=work), SEEDED_NAME)
                t0 = time.time()
                seed(db, binary, n_instances=max(1, n // 10), n_evaluations=n)
                seed_s = round(time.time() - t0, 1)
            p = point(binary, db, work, args)
            p["size"] = n
            p["seed_s"] = seed_s
            out["points"].append(p)
            print("growth_bench: %d evaluations: %.0f events/s, summary p99 %.2f ms"
                  % (n, p["events_keepalive"]["rps"], p["summary"]["p99_ms"]), file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    emit(out, args.out)


if __name__ == "__main__":
    main()
