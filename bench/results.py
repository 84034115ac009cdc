#!/usr/bin/python3
"""Renders bench/RESULTS.md from the JSON files bench/run leaves in its work directory.

    /usr/bin/python3 bench/results.py WORKDIR [PREVIOUS_RESULTS_MD] > RESULTS.md

WORKDIR holds ingest.json, resources.json, growth.json, aws.json, policy.txt, query.md
(and, after `bench/run --scale`, sweep.json plus a growth point at 10M evaluations). Without
them, the "Org scale" section of PREVIOUS_RESULTS_MD is carried over unchanged, so a
default run does not erase what the last --scale run measured.
"""
import datetime
import json
import os
import platform
import sys

SCALE_BEGIN = "<!-- org-scale:begin -->"
SCALE_END = "<!-- org-scale:end -->"


def load_text(path):
    try:
        return open(path).read().strip()
    except OSError:
        return ""


def mib(kib):
    return kib / 1024.0


def ms(d, key="p99_ms"):
    return "%.2f" % d[key] if d and d.get(key) is not None else "-"


def ratio_to_empty(points):
    """{evaluations: ratio} of the ingest rate to an empty database's: from the empty
    database measured beside the point in turns when there is one, else from the empty
    point of the curve (minutes apart, so a neighbour's load can skew it)."""
    empty = [p for p in points if p["evaluations"] == 0]
    out = {}
    for p in points:
        if p.get("events_keepalive_empty_beside"):
            out[p["evaluations"]] = p["events_keepalive"]["rps"] / p["events_keepalive_empty_beside"]["rps"]
        elif empty:
            out[p["evaluations"]] = p["events_keepalive"]["rps"] / empty[0]["events_keepalive"]["rps"]
    return out


def growth_section(growth):
    pts = growth["points"]
    rat = ratio_to_empty(pts)
    print("\n## Growth curve (`bench/growth_bench.py`)\n")
    print("Each point is its own seeded database: N evaluations over 380 days, N/10 instances, accounts = N/2,000 "
          "(50 to 5,000; long-tail sizes), 6 regions, 500 images with registered facts. Queries: one keep-alive "
          "client, %d requests per run, median of 3 runs. Ingest: wrk, keep-alive, %d s per run, median of %d runs, "
          "on one copy of the seeded database synced to disk first; paced = %d connections pausing %s ms "
          "(about 2,000 events/s when acknowledgements take a few ms; a closed loop, so slower answers lower the "
          "rate reached, which is shown). Each ingest run alternates with the same run against a server on an empty "
          "database (\"empty beside\"), and \"vs empty\" divides by that, so both sides of the ratio share the "
          "machine's load of the moment; /healthz on the same server is the other noise reference. "
          "The filtered query is `%s` (account rank 20 of the long tail).\n"
          % (growth["requests_per_query_run"], growth["seconds_per_run"], growth["runs"], growth["paced"]["conns"],
             growth["paced"]["delay_ms"], "compliance=NON_COMPLIANT&account=" + growth["filtered_account"]))
    print("**Ingest** (\"empty beside\": the same runs against an empty database, in turns with these)\n")
    print("| evaluations | instances | accounts | DB bytes / evaluation | POST /v1/events/s (runs) | ack p50 / p99 ms "
          "| empty beside events/s | vs empty | /healthz req/s beside | paced events/s | paced ack p50 / p99 ms "
          "| empty beside paced p99 ms | RSS under load MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for p in pts:
        ev, pc = p["events_keepalive"], p["events_paced_2000"]
        eb, pb = p.get("events_keepalive_empty_beside"), p.get("events_paced_2000_empty_beside")
        r = rat.get(p["evaluations"])
        print("| %d | %d | %d | %s | %.0f (%s) | %.1f / %.1f | %s | %s | %.0f | %.0f | %.1f / %.1f | %s | %.1f |" % (
            p["evaluations"], p["instances"], p["accounts"], p["db_bytes_per_evaluation"] or "-", ev["rps"],
            ", ".join(str(x) for x in ev["runs_rps"]), ev["p50_ms"], ev["p99_ms"],
            "%.0f (%s)" % (eb["rps"], ", ".join(str(x) for x in eb["runs_rps"])) if eb else "-",
            "%.2f" % r if r is not None else "-", p["healthz_beside_ingest"]["rps"], pc["rps"], pc["p50_ms"],
            pc["p99_ms"], "%.1f at %.0f/s" % (pb["p99_ms"], pb["rps"]) if pb else "-", mib(p["rss_ingest_kib"])))
    print("\n**Reads, start-up, memory**\n")
    print("| evaluations | filtered first page p50 / p99 ms | page 51 by cursor p50 / p99 ms | /v1/summary p50 / p99 ms "
          "| /metrics scrape p50 / p99 / max ms | GET /healthz p50 / p99 ms (the same client: the noise floor) "
          "| start-up ms (median of 5) | RSS serving MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for p in pts:
        f, d, su, sc = p.get("filtered_first_page"), p.get("page_51"), p.get("summary"), p["metrics_scrape"]
        hz = p.get("healthz_sequential")
        print("| %d | %s / %s | %s / %s | %s / %s | %.1f / %.1f / %.1f | %s / %s | %.0f | %.1f |" % (
            p["evaluations"], ms(f, "p50_ms"), ms(f), ms(d, "p50_ms"), ms(d), ms(su, "p50_ms"), ms(su),
            sc["p50_ms"], sc["p99_ms"], sc["max_ms"], ms(hz, "p50_ms"), ms(hz), p["startup"]["median_ms"],
            mib(p["rss_serving_kib"])))
    print("\n**Maintenance under the paced load** (backup: `italic backup` of the live database; purge: a restart "
          "with ITALIC_RETENTION_DAYS=378, which deletes the oldest 2 days of history in batches sized by their time "
          "(20 to 1,000 rows) with 50 ms pauses; simulation: POST /v1/simulations with two proposed rules over every "
          "instance, on a fresh server, after the ingest runs added their instances)\n")
    print("| evaluations | backup s (MiB) | ack p99 during backup ms | WAL file before / peak MiB | purge s per day of "
          "history (rows/s) | ack p99 during purge ms | simulation s over instances | simulation peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for p in pts:
        b, pu, si = p["backup"], p.get("purge"), p["simulation"]
        print("| %d | %.1f (%.0f) | %.1f | %s / %.0f | %s | %s | %.2f over %d | %.1f |" % (
            p["evaluations"], b["seconds"], b["bytes"] / 1048576.0, b["paced"]["p99_ms"],
            "%.0f" % (b["wal_before_bytes"] / 1048576.0) if "wal_before_bytes" in b else "-", b["wal_peak_bytes"] / 1048576.0,
            "%.2f (%d)" % (pu["seconds_per_day"], pu["rows_per_s"]) if pu and pu.get("seconds_per_day") else "-",
            "%.1f" % pu["paced"]["p99_ms"] if pu else "-", si["seconds"], si["instances"], mib(si["rss_peak_kib"])))


def scale_section(growth, big, sweep, w):
    when = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M")
    print(SCALE_BEGIN)
    print("## Org scale (`bench/run --scale`)\n")
    print("Measured by `bench/run --scale` on %s UTC. Load average (1/5/15 min) at the start: %s; at the end: %s. %s\n"
          % (when, load_text(os.path.join(w, "load-start.txt")).split("load average:")[-1].strip() or "?",
             load_text(os.path.join(w, "load-end.txt")).split("load average:")[-1].strip() or "?",
             load_text(os.path.join(w, "note.txt"))))
    rows = []
    if big:
        rat = ratio_to_empty(growth["points"]).get(big["evaluations"])
        pc = big["events_paced_2000"]
        rows += [
            ("filtered first page p99 < 5 ms", "%.2f ms (p50 %.2f; GET /healthz by the same client: p99 %s ms)" % (
                big["filtered_first_page"]["p99_ms"], big["filtered_first_page"]["p50_ms"],
                ms(big.get("healthz_sequential"))), big["filtered_first_page"]["p99_ms"] < 5),
            ("page 51 by cursor p99 (no target; < 5 ms like the first page)", "%s ms" % ms(big.get("page_51")),
             bool(big.get("page_51")) and big["page_51"]["p99_ms"] < 5),
            ("/v1/summary p99 < 20 ms", "%.2f ms" % big["summary"]["p99_ms"], big["summary"]["p99_ms"] < 20),
            ("/metrics scrape < 100 ms", "p99 %.1f ms, max %.1f ms" % (big["metrics_scrape"]["p99_ms"],
                                                                      big["metrics_scrape"]["max_ms"]),
             big["metrics_scrape"]["max_ms"] < 100),
            ("start-up < 1 s", "%.0f ms" % big["startup"]["median_ms"], big["startup"]["median_ms"] < 1000),
            ("RSS < 200 MiB", "%.1f MiB serving, %.1f MiB under ingest load, %.1f MiB in a simulation"
             % (mib(big["rss_serving_kib"]), mib(big["rss_ingest_kib"]), mib(big["simulation"]["rss_peak_kib"])),
             max(big["rss_serving_kib"], big["rss_ingest_kib"], big["simulation"]["rss_peak_kib"]) < 200 * 1024),
            ("ingest within 80% of its rate on an empty database",
             "%.0f%% (%.0f vs %.0f events/s, %s)" % (
                 100 * rat, big["events_keepalive"]["rps"],
                 big["events_keepalive_empty_beside"]["rps"] if big.get("events_keepalive_empty_beside") else
                 [p for p in growth["points"] if p["evaluations"] == 0][0]["events_keepalive"]["rps"],
                 "an empty database measured in turns beside it" if big.get("events_keepalive_empty_beside")
                 else "the curve's empty point") if rat is not None else "-",
             rat is not None and rat >= 0.8),
            ("ack p99 at 2,000 events/s < 30 ms", "p99 %.1f ms at %.0f events/s%s%s" % (
                pc["p99_ms"], pc["rps"], "" if pc["rps"] >= 1800 else " (the paced load reached only this rate)",
                "; an empty database beside it: p99 %.1f ms at %.0f events/s" % (
                    big["events_paced_2000_empty_beside"]["p99_ms"], big["events_paced_2000_empty_beside"]["rps"])
                if big.get("events_paced_2000_empty_beside") else ""),
             pc["p99_ms"] < 30 and pc["rps"] >= 1800),
            ("simulation over 1M instances < 10 s and < 200 MiB", "%.1f s, %.1f MiB peak RSS over %d instances"
             % (big["simulation"]["seconds"], mib(big["simulation"]["rss_peak_kib"]), big["simulation"]["instances"]),
             big["simulation"]["seconds"] < 10 and big["simulation"]["rss_peak_kib"] < 200 * 1024),
        ]
    if sweep:
        rows += [
            ("sweep: all %d pairs within the interval (%d s)" % (sweep["pairs"], sweep["interval_s"]),
             "%d swept in the first interval; the last started %.1f s and finished %.1f s after the start (its "
             "slot is at the interval's end; met when every pair finished within the interval plus 5%%, the "
             "allowance for a pair's lateness)" % (
                 sweep["swept"], sweep.get("last_started_s", sweep["last_finished_s"]), sweep["last_finished_s"]),
             sweep["swept"] == sweep["pairs"] and sweep["last_finished_s"] <= sweep["interval_s"] * 1.05),
            ("sweep: p99 of a pair's lateness", "p50 %.1f s, p99 %.1f s, max %.1f s" % (
                sweep["lateness_p50_s"], sweep["lateness_p99_s"], sweep["lateness_max_s"]), None),
            ("sweep: AWS calls per minute", "%.0f DescribeInstances/min (%d throttled answers)" % (
                sweep["calls_per_min"], sweep["throttled"]), None),
        ]
    print("| target (issue 19) | measured | met |\n|---|---|---|")
    for name, got, ok in rows:
        print("| %s | %s | %s |" % (name, got, "-" if ok is None else ("yes" if ok else "**no**")))
    if big:
        print("\nSeeding %d evaluations / %d instances / %d accounts took %s s (query_bench.seed); the database is "
              "%.1f GiB (%d bytes per evaluation)." % (big["evaluations"], big["instances"], big["accounts"],
                                                       big.get("seed_s") or "(reused)", big["db_bytes"] / 2 ** 30,
                                                       big["db_bytes_per_evaluation"]))
        print("Backup of the live database: %.1f s for %.1f GiB, ack p99 %.1f ms meanwhile (paced, %.0f events/s); "
              "the WAL file peaked at %.0f MiB while the backup held its snapshot and was back under 64 MiB %s." % (
                  big["backup"]["seconds"], big["backup"]["bytes"] / 2 ** 30, big["backup"]["paced"]["p99_ms"],
                  big["backup"]["paced"]["rps"], big["backup"]["wal_peak_bytes"] / 1048576.0,
                  "%.1f s after it" % big["backup"]["wal_back_under_64mib_s"]
                  if big["backup"].get("wal_back_under_64mib_s") is not None else "not within 2 minutes after it"))
        if big.get("purge"):
            pu = big["purge"]
            print("Retention purge: %d rows (%.1f days of history) in %.1f s, %.1f s per day of history; ack p99 "
                  "%.1f ms meanwhile." % (pu["rows"], pu["days"], pu["seconds"], pu["seconds_per_day"] or 0,
                                          pu["paced"]["p99_ms"]))
    if sweep:
        print("\n" + sweep_text(sweep))
    print(SCALE_END)


def sweep_text(sw):
    return ("Sweep (`bench/sweep_bench.py`): %d (account, Region) pairs in %d accounts, %d instances each "
            "(one pair with %d), fake AWS answering every call after %d ms, ITALIC_SWEEP_INTERVAL=%ds, "
            "concurrency %d overall and %d per account. %d calls in all (%.0f per minute), %d throttled and "
            "retried. Peak RSS %.1f MiB." % (
                sw["pairs"], sw["accounts"], sw["instances_per_pair"], sw["big_pair_instances"], sw["latency_ms"],
                sw["interval_s"], sw["concurrency"], sw["per_account"], sw["calls"], sw["calls_per_min"],
                sw["throttled"], sw["rss_peak_kib"] / 1024.0))



def main():
    w = sys.argv[1]
    previous = sys.argv[2] if len(sys.argv) > 2 else None
    growth = json.load(open(os.path.join(w, "growth.json")))
    sweep = json.load(open(os.path.join(w, "sweep.json"))) if os.path.exists(os.path.join(w, "sweep.json")) else None
    big = [p for p in growth["points"] if p["evaluations"] >= 5_000_000]
    ing = json.load(open(os.path.join(w, "ingest.json")))
    res = json.load(open(os.path.join(w, "resources.json")))
    aws = json.load(open(os.path.join(w, "aws.json")))
    cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")]
    mem = [l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")][0]
    print("# Benchmark results\n")
    print("Produced by `bench/run` on %s UTC (release build of this tree)." % datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"))
    print("Machine: %d CPUs (%s), %d MiB RAM, %s; shared and noisy: figures are medians of repeated runs,"
          % (os.cpu_count(), cpu[0] if cpu else "?", int(mem) // 1024, platform.platform()))
    print("and the load generator (wrk) runs on the same two CPUs as the server.\n")
    print("## Targets at a glance\n")
    print("| target | measured | met |\n|---|---|---|")
    ka, hz = ing["events_keepalive"]["rps"], ing["healthz_keepalive"]["rps"]
    rows = [
     ("ingest ≥ 50% of /healthz rate (keep-alive)", "%.1f%% (%.0f vs %.0f req/s)" % (100 * ka / hz, ka, hz), ka / hz >= 0.5),
     ("ingest ≥ 5,000 events/s on 2 cores", "%.0f events/s keep-alive, %.0f with Connection: close" % (ka, ing["events_close"]["rps"]), ka >= 5000),
     ("p99 acknowledgement < 20 ms at 2,000 events/s", "p99 %.1f ms at %.0f events/s offered" % (ing["events_paced_2000"]["p99_ms"], ing["events_paced_2000"]["rps"]), ing["events_paced_2000"]["p99_ms"] < 20),
     ("every acknowledged event durable", "%d answered 202, %d rows in the inbox (requests in flight when wrk stopped are stored unacknowledged)" % (ing["durability"]["acknowledged_202"], ing["durability"]["rows_in_inbox"]), ing["durability"]["ok"]),
    ]
    e2v = ing.get("event_to_verdict_500")
    if e2v:
        rows.append(("event→verdict p99 < 100 ms at 500 events/s (no AWS)", "p50 %d ms, p99 %d ms over %d events" % (e2v["p50_ms"], e2v["p99_ms"], e2v["events"]), e2v["p99_ms"] < 100))
    def aws_row(r):
        """(text, met) for one run of bench/aws_verdict_bench.py at the target rate."""
        if not r.get("events"):
            return "%s: no verdicts" % r["cache"], False
        notes = []
        if not r["kept_up"]:
            sus = aws.get(r["cache"] + "_sustained", {})
            notes.append("verdicts fell behind" + (", kept up at %.0f/s with p99 %d ms" % (sus["accepted_per_s"], sus["p99_ms"])
                                                   if sus.get("kept_up") else ""))
        if r["accepted_per_s"] < 0.9 * aws["rate_target"]:
            notes.append("wrk reached only %.0f/s" % r["accepted_per_s"])
        text = "%s p99 %d ms at %.0f events/s%s" % (r["cache"], r["p99_ms"], r["accepted_per_s"],
                                                    " (%s)" % ", ".join(notes) if notes else "")
        return text, not notes and r["p99_ms"] < 100
    (ct, cm), (wt, wm) = aws_row(aws["cold"]), aws_row(aws["warm"])
    rows.append(("event→verdict p99 < 100 ms at 500 events/s, fake AWS in the loop (cold / warm image cache)",
                 "%s; %s" % (ct, wt), cm and wm))
    rows.append(("start-up to ready on the seeded database < 200 ms", "%.0f ms (median of 5)" % res["startup_ms_median"], res["startup_ms_median"] < 200))
    rows.append(("peak RSS under ingest load < 100 MiB", "%.1f MiB" % (ing["rss_peak_after_ingest_kib"] / 1024), ing["rss_peak_after_ingest_kib"] < 100 * 1024))
    rows.append(("peak RSS serving 100k instances / 1M evaluations < 100 MiB", "%.1f MiB" % (res["rss_peak_kib_median"] / 1024), res["rss_peak_kib_median"] < 100 * 1024))
    for name, got, ok in rows:
        print("| %s | %s | %s |" % (name, got, "yes" if ok else "**no**"))
    print("\n" + open("bench/ingest-notes.md").read())
    print("\n## Ingest (`bench/ingest_bench.py`)\n")
    print("wrk, 64 connections, %d s per run, median of %d runs; the body is a real CloudTrail RunInstances event (5 KB) with a fresh event and instance id per request; the server evaluates what it accepts at the same time (ITALIC_AWS=off).\n" % (ing["seconds_per_run"], ing["runs"]))
    print("| load | req/s (runs) | p50 ms | p99 ms | non-202 |\n|---|---|---|---|---|")
    for k, label in (("healthz_keepalive", "GET /healthz, keep-alive (reference)"), ("events_keepalive", "POST /v1/events, keep-alive"),
                     ("healthz_close", "GET /healthz, Connection: close (reference)"), ("events_close", "POST /v1/events, Connection: close"),
                     ("events_paced_2000", "POST /v1/events paced at ~2,000/s (24 connections, 10 ms pauses)")):
        r = ing[k]
        print("| %s | %.0f (%s) | %.2f | %.2f | %d |" % (label, r["rps"], ", ".join(str(x) for x in r["runs_rps"]), r["p50_ms"], r["p99_ms"], r["other_status"]))
    print("\nRatios in the same run: events/healthz keep-alive **%.3f**, with Connection: close **%.3f**." % (ing["ratio_events_to_healthz_keepalive"], ing["ratio_events_to_healthz_close"]))
    print("Durability: a separate 3 s run acknowledged %d events and the inbox held %d rows after a clean stop." % (ing["durability"]["acknowledged_202"], ing["durability"]["rows_in_inbox"]))
    print("Database: %.0f bytes per evaluation after the ingest runs (%d evaluations; the inbox keeps each event body for the dedup window)." % (ing["db_bytes_per_evaluation"], ing["evaluations"]))
    print("Peak RSS of the server after all ingest runs: %.1f MiB." % (ing["rss_peak_after_ingest_kib"] / 1024))
    if e2v:
        print("\nEvent to verdict at ~500 events/s (inbox.received_at → evaluations.evaluated_at, ms resolution): p50 %d ms, p99 %d ms, max %d ms." % (e2v["p50_ms"], e2v["p99_ms"], e2v["max_ms"]))
    print("\n## Policy evaluator (`build-bench/bench/policy_bench`)\n\n```\n" + open(os.path.join(w, "policy.txt")).read().strip() + "\n```\n")
    print("Target: ≥ 100,000 evaluations/s per core against 100 rules.\n")
    print(open(os.path.join(w, "query.md")).read())
    print("\n## Start-up and memory on the seeded database\n")
    print("Start-up to `/readyz` 200: median %.0f ms (runs: %s). Peak RSS after serving /metrics (which counts everything): %.1f MiB. Database size: %.0f MiB for 100k instances and 1M evaluations (%.0f bytes per evaluation)."
          % (res["startup_ms_median"], res["startup_ms_runs"], res["rss_peak_kib_median"] / 1024, res["db_bytes"] / 1048576, res["db_bytes"] / 1_000_000))

    growth_section(growth)
    print("\n## Event to verdict with the fake AWS (`bench/aws_verdict_bench.py`)\n")
    print("Italic with ITALIC_AWS=auto, a member role assumed in %d accounts (%d regions each), ITALIC_VERIFY=%s (DescribeInstances confirms every event's instance), "
          "sweep off; AWS is `tests/fake_aws/fake_aws.py` (every SigV4 signature checked with botocore, ~1-2 ms of Python CPU per call). "
          "The fake, Italic and wrk share the 2 CPUs. "
          "wrk sends CloudTrail RunInstances events for fresh instances at a paced rate (%d connections, %d s); each run is a fresh server after one "
          "warm-up event per account and region. Cold: every event's image is new to the server (a DescribeImages each); warm: every event's image "
          "was looked up by the warm-up. Latency is inbox.received_at → evaluations.evaluated_at (ms resolution). A run whose verdicts fall behind "
          "acceptance is repeated at 80%% of the verdict rate it reached.\n"
          % (aws["accounts"], aws["regions"], aws["verify"], aws["connections"], aws["seconds_per_run"]))
    print("| image cache | events/s sent (wrk) | verdicts | p50 ms | p99 ms | max ms | verdicts/s (accepted/s) | kept up | AWS calls (per event) | cache hit / miss | CPU fake / Italic | verdicts by kind |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key, label in (("cold", "cold"), ("cold_sustained", "cold, rate the loop sustains"), ("warm", "warm"), ("warm_sustained", "warm, rate the loop sustains")):
        r = aws.get(key)
        if not r:
            continue
        calls = ", ".join("%s %d" % (k.split(" ", 1)[1], v) for k, v in sorted(r["aws_calls"].items()))
        if r["aws_errors"]:
            calls += ", %d answered non-200" % r["aws_errors"]
        print("| %s | %.0f | %d | %s | %s | %s | %s (%s) | %s | %s (%s) | %d / %d | %.0f%% / %.0f%% | %s |" % (
            label, r["offered_per_s"], r["events"], r.get("p50_ms", "-"), r.get("p99_ms", "-"), r.get("max_ms", "-"),
            r.get("verdicts_per_s", "-"), r.get("accepted_per_s", "-"), "yes" if r["kept_up"] else "**no**", calls,
            r.get("aws_calls_per_event", "-"), r["image_cache"]["hit"], r["image_cache"]["miss"], r["cpu_pct"]["fake_aws"],
            r["cpu_pct"]["italic"], ", ".join("%s %d" % kv for kv in sorted(r["verdicts"].items()))))
    tls = load_text(os.path.join(w, "tls.md"))
    if tls:
        print("\n" + tls)
    print("\n## Not measured here\n\n- Event to verdict against real AWS: the fake answers on the same machine; real AWS adds its network round trip to each call (with ITALIC_VERIFY=on one call per warm event, two per cold event, as counted above).")
    print()
    if big or sweep:
        scale_section(growth, big[-1] if big else None, sweep, w)
    elif previous and SCALE_BEGIN in load_text(previous):
        text = load_text(previous)
        print(text[text.index(SCALE_BEGIN):text.index(SCALE_END) + len(SCALE_END)])
    else:
        print(SCALE_BEGIN + "\n## Org scale (`bench/run --scale`)\n\nNot measured yet: run `bench/run --scale`.\n" + SCALE_END)


if __name__ == "__main__":
    main()
