#!/usr/bin/python3
"""Event to verdict with the fake AWS in the loop (issue 8): p50/p99 from acceptance
(inbox.received_at) to verdict (evaluations.evaluated_at) at --rate events/s offered,
with a cold and with a warm image cache.

    /usr/bin/python3 bench/aws_verdict_bench.py [--rate 500] [--seconds 8] [--verify on|off]
        [--bin build-bench/service/italic] [--out FILE]

Italic runs as deployed with AWS: ITALIC_AWS=auto, a member role assumed in each of 4
accounts (events come from 4 regions of each), ITALIC_VERIFY=on by default (every event's
instance is confirmed with DescribeInstances), image facts read with DescribeImages and
cached per account, region and image. AWS is tests/fake_aws/fake_aws.py, which checks
every SigV4 signature with botocore and runs on the same 2 CPUs. The reconciliation sweep is off (ITALIC_SWEEP_INTERVAL=0) so only
event-driven calls are counted.

Each phase runs a fresh server (empty image cache). A warm-up event per account and
region assumes the role there and looks up that pair's warm image; then wrk
(bench/wrk/events.lua with TARGETS) sends CloudTrail RunInstances events for fresh
instances, each instance once, at the rate:
  cold  every instance runs an image no earlier event named: a DescribeImages per event;
  warm  every instance runs its account and region's warm image: an image cache hit.
A phase whose verdicts fall behind the acceptance rate is run again at 80% of the
verdict rate it reached, and both runs are reported with the CPU the fake and Italic
used, so a fake that cannot answer that fast is visible rather than hidden.
AWS calls are counted by the fake (each request it received, by operation and status);
image cache hits and misses come from Italic's /metrics.
Prints a JSON object; bench/run renders it into RESULTS.md.
"""
import argparse
import collections
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

from ingest_bench import ROOT, Server, build, emit, event_to_verdict, wait_evaluated, wrk

sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from aws_fixtures import FAKE, FakeAws  # noqa: E402  (the integration tests' fake AWS handle)

ACCOUNTS = ["111122223333", "222233334444", "333344445555", "444455556666"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]
PAIRS = [(a, r) for a in ACCOUNTS for r in REGIONS]
RULE = {"id": "golden", "criteria": {"name_patterns": ["golden-*"]}}
CONNS = 100  # each pausing CONNS/rate s between requests: the acknowledgement time barely slows the rate
# What the recorded event names, replaced by per-event values (see bench/wrk/events.lua).
TEMPLATE_FIELDS = (("ami-020a359780bc6f835", "{{AMI}}"), ("123456789012", "{{ACCT}}"), ("us-west-2", "{{REGION}}"))


def make_template(work):
    with open(os.path.join(ROOT, "bench", "wrk", "runinstances.json.tmpl")) as f:
        text = f.read()
    for old, new in TEMPLATE_FIELDS:
        assert old in text, old
        text = text.replace(old, new)
    path = os.path.join(work, "runinstances-aws.json.tmpl")
    with open(path, "w") as f:
        f.write(text)
    return path, text


def start_fake(work):
    """The test suite's fake AWS (it sets TCP_NODELAY: without it, Nagle's algorithm and
    the client's delayed ACK held every kept-alive answer ~40 ms, measured here)."""
    log = open(os.path.join(work, "fake_aws.log"), "wb")
    proc = subprocess.Popen(["/usr/bin/python3", FAKE], stdout=subprocess.PIPE, stderr=log, text=True)
    first = proc.stdout.readline()
    if not first.startswith("fake_aws listening on "):
        proc.kill()
        raise RuntimeError("fake_aws did not start: %r (see %s)" % (first, log.name))
    return FakeAws(proc, int(first.split()[-1]))


def cpu_s(pid):
    """User + system CPU seconds a process has used so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def metric(port, name):
    """{labels: value} of one counter in Italic's /metrics (served without a token here)."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=30) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            key, _, value = line.rpartition(" ")
            out[key[len(name):].strip("{}")] = float(value)
    return out


def post(port, token, path, body):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=body.encode(), method="POST",
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status


def image(account, region, image_id, n):
    return {"region": region, "ImageId": image_id, "OwnerId": account, "Name": "golden-bench-%d" % n,
            "CreationDate": "2026-01-01T00:00:00.000Z", "State": "available", "PlatformDetails": "Linux/UNIX"}


def instance(account, region, iid, image_id):
    return {"account": account, "region": region, "InstanceId": iid, "ImageId": image_id, "State": "running",
            "StateCode": 16, "Tags": {"Name": "bench"}}


def phase(binary, fake, work, tmpl, cache, rate, seconds, verify):
    """One measured run at `rate` events/s offered on a fresh server; returns its figures."""
    tmpl_path, tmpl_text = tmpl
    rnd = random.Random("%s-%d" % (cache, rate))
    n = int(rate * seconds * 1.25) + CONNS  # wrk stops early rather than reuse an instance
    warm = {p: "ami-%017x" % rnd.getrandbits(68) for p in PAIRS}
    images = [image(a, r, warm[(a, r)], k) for k, (a, r) in enumerate(PAIRS)]
    warmup = [(a, r, "i-%017x" % rnd.getrandbits(68), warm[(a, r)]) for a, r in PAIRS]
    targets = []
    for k in range(n):
        a, r = PAIRS[k % len(PAIRS)]
        img = warm[(a, r)]
        if cache == "cold":
            img = "ami-%017x" % rnd.getrandbits(68)
            images.append(image(a, r, img, len(images)))
        targets.append((a, r, "i-%017x" % rnd.getrandbits(68), img))
    fake.control("reset", {})
    fake.control("images", images)
    fake.control("instances", [instance(*t) for t in warmup + targets])
    targets_path = os.path.join(work, "targets-%s-%d.txt" % (cache, rate))
    with open(targets_path, "w") as f:
        f.writelines("%s %s %s %s\n" % t for t in targets)

    env = fake.env(ITALIC_AWS="auto", ITALIC_MEMBER_ROLE="ItalicMember", ITALIC_VERIFY=verify,
                   ITALIC_SWEEP_INTERVAL="0", ITALIC_METRICS_PUBLIC="1")
    s = Server(binary, tempfile.mkdtemp(dir=work), env=env)
    s.env = {k: v for k, v in s.env.items() if not k.startswith("AWS_") or k in env}
    ingest, admin = s.token("ingest"), s.token("admin")
    s.start()
    out = {"cache": cache, "rate_target": rate, "instances_registered": len(warmup) + n,
           "images_registered": len(images)}
    try:
        post(s.port, admin, "/v1/rules", json.dumps(RULE))
        for a, r, iid, img in warmup:
            body = tmpl_text
            for key, value in (("{{ID}}", str(uuid.uuid4())), ("{{IID}}", iid), ("{{AMI}}", img), ("{{ACCT}}", a),
                               ("{{REGION}}", r)):
                body = body.replace(key, value)
            post(s.port, ingest, "/v1/events", body)
        if not wait_evaluated(s.db, timeout=60):
            raise RuntimeError("warm-up events were not evaluated (see %s/server.log)" % s.dir)
        calls_before = len(fake.requests())
        cache_before = metric(s.port, "italic_image_cache_total")
        cpu_before = (cpu_s(fake.proc.pid), cpu_s(s.proc.pid))
        t0 = time.time()
        w = wrk("http://127.0.0.1:%d/v1/events" % s.port, "events.lua", seconds, CONNS, threads=1,
                env={"EVENT_TEMPLATE": tmpl_path, "TOKEN": ingest, "DELAY_MS": str(round(CONNS * 1000 / rate)),
                     "TARGETS": targets_path})
        drained = wait_evaluated(s.db, timeout=180)
        elapsed = time.time() - t0
        cpu_after = (cpu_s(fake.proc.pid), cpu_s(s.proc.pid))
        cache_after = metric(s.port, "italic_image_cache_total")
        calls = fake.requests()[calls_before:]
        e2v = event_to_verdict(s.db, since_ms=int(t0 * 1000))
        verdicts = verdict_kinds(s.db, int(t0 * 1000))
    finally:
        s.stop()
    ops = collections.Counter("%s %s" % (c["service"], c["operation"]) for c in calls)
    out.update({
        "offered_per_s": round(w["rps"], 1), "accepted_202": w["accepted"], "other_status": w["other_status"],
        "ack_p99_ms": w["p99_ms"], "drained": drained, "elapsed_s": round(elapsed, 1),
        "aws_calls": dict(ops), "aws_calls_total": len(calls),
        "aws_errors": sum(1 for c in calls if c.get("status") != 200),
        "image_cache": {k: int(cache_after.get('result="%s"' % k, 0) - cache_before.get('result="%s"' % k, 0))
                        for k in ("hit", "miss")},
        "verdicts": verdicts,
        "cpu_pct": {"fake_aws": round(100 * (cpu_after[0] - cpu_before[0]) / elapsed, 1),
                    "italic": round(100 * (cpu_after[1] - cpu_before[1]) / elapsed, 1)},
    })
    if e2v:
        span_in = max(1, e2v["last_received_ms"] - e2v["first_received_ms"]) / 1000
        span_out = max(1, e2v["last_verdict_ms"] - e2v["first_received_ms"]) / 1000
        out.update({k: e2v[k] for k in ("events", "p50_ms", "p99_ms", "max_ms")})
        out["accepted_per_s"] = round(e2v["events"] / span_in, 1)
        out["verdicts_per_s"] = round(e2v["events"] / span_out, 1)
        # Verdicts kept pace with acceptance: the backlog did not grow during the run.
        out["kept_up"] = drained and out["verdicts_per_s"] >= 0.9 * out["accepted_per_s"]
        out["aws_calls_per_event"] = round(len(calls) / e2v["events"], 2)
    else:
        out.update({"events": 0, "kept_up": False})
    return out


def verdict_kinds(db, since_ms):
    """{"COMPLIANCE facts_source": count} of the verdicts of events received since since_ms."""
    con = sqlite3.connect(db, timeout=30)
    rows = con.execute("SELECT e.compliance, e.facts_source, count(*) FROM inbox i JOIN evaluations e"
                       " ON e.trigger_event_id = i.event_id AND e.trigger = 'event' WHERE i.received_at >= ?"
                       " GROUP BY 1, 2", (since_ms,)).fetchall()
    con.close()
    return {"%s %s" % (c, src): k for c, src, k in rows}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=int, default=500, help="events per second offered")
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--verify", choices=("on", "off"), default="on")
    ap.add_argument("--bin", help="italic binary (default: build build-bench and use it)")
    ap.add_argument("--out")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (scripts/install-deps)")
    binary = args.bin or build()
    work = tempfile.mkdtemp(prefix="italic-awsbench-")
    out = {"rate_target": args.rate, "seconds_per_run": args.seconds, "verify": args.verify,
           "accounts": len(ACCOUNTS), "regions": len(REGIONS), "connections": CONNS}
    fake = start_fake(work)
    try:
        tmpl = make_template(work)
        for cache in ("cold", "warm"):
            rate = args.rate
            for key in (cache, cache + "_sustained"):
                r = out[key] = phase(binary, fake, work, tmpl, cache, rate, args.seconds, args.verify)
                print("aws_verdict_bench: %s cache, %s/s offered: %d verdicts, p99 %s ms, %s verdicts/s, kept up: %s"
                      % (cache, r["offered_per_s"], r["events"], r.get("p99_ms"), r.get("verdicts_per_s"),
                         r["kept_up"]), file=sys.stderr)
                if r["kept_up"] or not r.get("verdicts_per_s"):
                    break
                rate = max(10, int(r["verdicts_per_s"] * 0.8))
    finally:
        fake.proc.terminate()
        fake.proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    emit(out, args.out)


if __name__ == "__main__":
    main()
