"""The reconciliation sweep against the fake AWS: an instance no event announced is
evaluated, one that vanished is retired, one whose state changed unnoticed is fixed,
and each pair's last sweep is visible in GET /v1/sweeps."""
import hashlib
import json
import os
import sqlite3

from aws_fixtures import fake_aws  # noqa: F401  (pytest fixture)
from policy_helpers import check_schema
from deliverylib import (ACCOUNT, BAD_AMI, GOOD_AMI, REGION, aws_server, fake_instance, images, run_instances,
                         time, wait_for)

KNOWN, VANISHING, UNANNOUNCED, STOPPED = ("i-%017x" % (0x5000 + k) for k in range(4))


def rows(db, sql, args=()):
    con = sqlite3.connect(db, timeout=10)
    try:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute(sql, args)]
    finally:
        con.close()


def verdict(db, instance_id):
    r = rows(db, "SELECT * FROM instances WHERE instance_id = ?", (instance_id,))
    return r[0] if r else None


def test_sweep_finds_unannounced_and_retires_vanished(make_server, fake_aws):
    fake_aws.control("images", images())
    fake_aws.control("instances", [fake_instance(i, GOOD_AMI) for i in (KNOWN, VANISHING, STOPPED)])
    srv = aws_server(make_server, fake_aws, ITALIC_SWEEP_INTERVAL="3s", ITALIC_SECURITYHUB="on")
    tok = srv.token("ingest")
    for i in (KNOWN, VANISHING, STOPPED):
        assert srv.request("POST", "/v1/events", token=tok, body=run_instances(
            account=ACCOUNT, region=REGION, instance_id=i, image_id=GOOD_AMI)).status == 202
    for i in (KNOWN, VANISHING, STOPPED):
        wait_for(lambda i=i: verdict(srv.db, i), 10, "verdict " + i)
    # Behind Italic's back: one instance is gone, one appeared, one stopped.
    fake_aws.control("instances", [fake_instance(KNOWN, GOOD_AMI), fake_instance(UNANNOUNCED, BAD_AMI),
                                   fake_instance(STOPPED, GOOD_AMI, state="stopped")])
    rd = srv.token("reader")

    def swept():
        items = srv.get("/v1/sweeps", token=rd).json()["items"]
        return items if items and items[0]["last_finished_at"] and items[0]["changed"] == 3 else None
    items = wait_for(swept, 20, "a sweep with 3 changes")
    assert items == [{"account": ACCOUNT, "region": REGION, "instances_seen": 3, "changed": 3, "error": None,
                      "last_started_at": items[0]["last_started_at"],
                      "last_finished_at": items[0]["last_finished_at"],
                      "status": "ok", "failing_since": None, "stopped_at": None}]
    assert items[0]["last_started_at"] <= items[0]["last_finished_at"]
    check_schema(items[0], "Sweep")

    gone = verdict(srv.db, VANISHING)
    assert gone["compliance"] == "NOT_APPLICABLE"
    assert "no longer lists" in gone["reasons"]
    new = verdict(srv.db, UNANNOUNCED)
    assert new["compliance"] == "NON_COMPLIANT" and new["image_id"] == BAD_AMI and new["state"] == "running"
    assert new["tags"] == '{"team":"web"}'
    assert verdict(srv.db, STOPPED)["state"] == "stopped"
    hist = rows(srv.db, "SELECT instance_id, trigger FROM evaluations WHERE trigger = 'sweep' ORDER BY id")
    assert sorted(h["instance_id"] for h in hist) == sorted([VANISHING, UNANNOUNCED, STOPPED])
    # The sweep used one listing per pair, not a DescribeInstances per instance.
    listings = [r for r in fake_aws.requests("ec2", "DescribeInstances") if "InstanceId" not in r["body"]]
    assert listings
    # Its verdicts are delivered like any other: the vanished instance's finding is archived.
    def archived():
        return [f for f in fake_aws.state()["findings"]
                if f["Id"].endswith(VANISHING) and f["RecordState"] == "ARCHIVED"]
    wait_for(archived, 15, "archived finding")
    # A later sweep with nothing new changes nothing.
    first_started = items[0]["last_started_at"]

    def again():
        it = srv.get("/v1/sweeps", token=rd).json()["items"][0]
        return it if it["last_started_at"] > first_started and it["last_finished_at"] >= it["last_started_at"] else None
    later = wait_for(again, 20, "a second sweep")
    assert later["changed"] == 0 and later["instances_seen"] == 3


def test_sweep_records_errors_and_api_validation(make_server, fake_aws):
    fake_aws.control("images", images())
    fake_aws.control("instances", [fake_instance(KNOWN, GOOD_AMI)])
    srv = aws_server(make_server, fake_aws, ITALIC_SWEEP_INTERVAL="2s")
    assert srv.request("POST", "/v1/events", token=srv.token("ingest"), body=run_instances(
        account=ACCOUNT, region=REGION, instance_id=KNOWN, image_id=GOOD_AMI)).status == 202
    wait_for(lambda: verdict(srv.db, KNOWN), 10, "verdict")
    fake_aws.control("faults", [{"service": "ec2", "operation": "DescribeInstances", "kind": "error", "status": 403,
                                 "code": "UnauthorizedOperation", "count": 100000}])
    rd = srv.token("reader")
    items = wait_for(lambda: [i for i in srv.get("/v1/sweeps", token=rd).json()["items"] if i["error"]], 20,
                     "a failed sweep")
    assert "UnauthorizedOperation" in items[0]["error"]
    assert items[0]["status"] == "failing" and items[0]["failing_since"] and items[0]["stopped_at"] is None
    check_schema(items[0], "Sweep")
    assert verdict(srv.db, KNOWN)["compliance"] == "COMPLIANT"   # a failed listing retires nothing
    for q in ("limit=0", "limit=1001", "cursor=nope", "cursor=123456789012/not_a_region", "cursor=1234/us-east-1"):
        r = srv.get("/v1/sweeps?" + q, token=rd)
        assert r.status == 400 and r.json()["field"] in ("limit", "cursor"), (q, r)
    page = srv.get("/v1/sweeps?limit=1", token=rd).json()
    assert page["next_cursor"] == "%s/%s" % (ACCOUNT, REGION)
    assert srv.get("/v1/sweeps?cursor=" + page["next_cursor"], token=rd).json() == {"items": [], "next_cursor": None}


def test_sweep_off_without_aws(make_server):
    srv = make_server(env={"ITALIC_SWEEP_INTERVAL": "1s", "ITALIC_SECURITYHUB": "on"})
    time.sleep(0.5)
    assert "The reconciliation sweep is off" in srv.logs()
    assert "Deliveries are off" in srv.logs()
    assert srv.get("/v1/sweeps", token=srv.token("reader")).json() == {"items": [], "next_cursor": None}


# ---- issue 19: many pairs, bounded concurrency, throttling, paging --------------------

def fleet_instance_id(account, region, k):
    """The fake's id for instance k of a generated pair (fake_aws.fleet_instance_id)."""
    return "i-" + hashlib.sha256(f"{account}/{region}/{k}".encode()).hexdigest()[:17]


def known_pairs(srv, pairs, per_pair=1, first_seen=1):
    """Italic knows per_pair generated instances (fake_aws fleet ids) in each pair, judged
    long ago: every pair is overdue, so each is swept at its slot in the first interval."""
    srv.cli("migrate")
    con = sqlite3.connect(srv.db, timeout=10)
    with con:
        for account, region in pairs:
            for k in range(per_pair):
                con.execute("INSERT INTO instances(account, region, instance_id, image_id, state, compliance,"
                            " reasons, observed_at, evaluated_at, first_seen_at) VALUES"
                            " (?, ?, ?, ?, 'running', 'COMPLIANT', '[]', ?, ?, ?)",
                            (account, region, fleet_instance_id(account, region, k), GOOD_AMI, first_seen,
                             first_seen, first_seen))
    con.close()


def sweep_server(make_server, fake, pairs, per_pair=1, **env):
    e = fake.env(ITALIC_AWS="auto", ITALIC_MEMBER_ROLE="ItalicMember", ITALIC_CONFIG_REPORT="off")
    e.update(env)
    srv = make_server(env=e, start=False)
    path = os.path.join(srv.dir, "rules.json")
    with open(path, "w") as f:
        json.dump({"rules": [{"id": "golden", "name": "Golden images", "criteria": {"owners": ["amazon"]}}]}, f)
    srv.cli("rules", "import", path)
    known_pairs(srv, pairs, per_pair)
    return srv.start()


def sweeps_by_pair(srv):
    rd = srv.token("reader")
    return {(i["account"], i["region"]): i for i in srv.get("/v1/sweeps?limit=1000", token=rd).json()["items"]}


def listings(fake, account=None):
    return [r for r in fake.requests("ec2", "DescribeInstances")
            if "InstanceId" not in r["body"] and (account is None or r["account"] == account)]


ACCTS = ["210000000001", "210000000002", "210000000003", "210000000004"]
REGS = ["us-east-1", "us-west-2", "eu-west-1"]


def test_sweep_concurrency_bounded_overall_and_per_account(make_server, fake_aws):
    """12 pairs in 4 accounts, each listing answered after 400 ms: never more than
    ITALIC_SWEEP_CONCURRENCY listings at once, never two of one account, and more than one
    at a time (the bound is used, pairs are not swept one by one)."""
    pairs = [(a, r) for a in ACCTS for r in REGS]
    fake_aws.control("images", images())
    fake_aws.control("fleet", {"pairs": [[a, r, 2] for a, r in pairs], "image": GOOD_AMI})
    fake_aws.control("latency", {"ms": 400, "service": "ec2", "operation": "DescribeInstances"})
    srv = sweep_server(make_server, fake_aws, pairs, per_pair=2, ITALIC_SWEEP_INTERVAL="4s",
                       ITALIC_SWEEP_CONCURRENCY="3", ITALIC_SWEEP_PER_ACCOUNT="1")
    done = wait_for(lambda: (lambda s: s if len(s) == 12 and all(i["last_finished_at"] and i["status"] == "ok"
                                                                for i in s.values()) else None)(sweeps_by_pair(srv)),
                    30, "all 12 pairs swept")
    seen = fake_aws._call("GET", "inflight")
    assert 2 <= seen["max"] <= 3, seen
    assert max(seen["max_by_account"].values()) == 1, seen
    assert all(i["instances_seen"] == 2 and i["changed"] == 0 for i in done.values()), done
    # Spread over the interval, not in one burst: the 12 first listings did not all start
    # within the first second.
    starts = sorted(r["t"] for r in listings(fake_aws))[:12]
    assert starts[-1] - starts[0] > 1.0, starts
    metrics = srv.get("/metrics", token=srv.token("reader")).body
    assert "italic_sweep_pairs 12" in metrics
    assert "italic_sweep_lateness_seconds_count" in metrics


def test_slow_account_does_not_delay_the_others(make_server, fake_aws):
    """One account answers every listing after 8 s; the other accounts' pairs are all swept
    while its first listing is still waiting."""
    slow = ACCTS[0]
    pairs = [(a, r) for a in ACCTS[:3] for r in REGS]
    fake_aws.control("images", images())
    fake_aws.control("fleet", {"pairs": [[a, r, 1] for a, r in pairs], "image": GOOD_AMI})
    fake_aws.control("latency", {"ms": 50, "service": "ec2", "operation": "DescribeInstances",
                                 "accounts": {slow: 8000}})
    srv = sweep_server(make_server, fake_aws, pairs, ITALIC_SWEEP_INTERVAL="3s", ITALIC_SWEEP_CONCURRENCY="3",
                       ITALIC_SWEEP_PER_ACCOUNT="2")
    t0 = time.time()

    def others_done():
        s = sweeps_by_pair(srv)
        fast = [s.get((a, r)) for a, r in pairs if a != slow]
        return s if all(i and i["last_finished_at"] for i in fast) else None
    s = wait_for(others_done, 20, "the fast accounts' pairs swept")
    took = time.time() - t0
    slow_done = [s[(a, r)] for a, r in pairs if a == slow and (a, r) in s and s[(a, r)]["last_finished_at"]]
    assert not slow_done, (took, slow_done)
    assert took < 8, took
    # Two of the slow account's pairs at most were waiting at once: it held 2 of 3 workers.
    assert fake_aws._call("GET", "inflight")["max_by_account"][slow] <= 2


def test_throttled_account_is_held_back_and_swept_after(make_server, fake_aws):
    """Account A's listings are throttled for two calls' worth of attempts (aws_call()
    retries each call 4 times). The sweep holds A back between the calls (at least the
    hold's minimum, more than the client's own backoff), then lists it; account B is not
    held."""
    a, b = ACCTS[0], ACCTS[1]
    pairs = [(a, "us-east-1"), (b, "us-east-1"), (b, "eu-west-1")]
    fake_aws.control("images", images())
    fake_aws.control("fleet", {"pairs": [[x, r, 1] for x, r in pairs], "image": GOOD_AMI})
    fake_aws.control("faults", [{"service": "ec2", "operation": "DescribeInstances", "kind": "throttle",
                                 "account": a, "count": 8, "listing": True}])
    srv = sweep_server(make_server, fake_aws, pairs, ITALIC_SWEEP_INTERVAL="3s", ITALIC_SWEEP_PER_ACCOUNT="1")
    s = wait_for(lambda: (lambda s: s if s.get((a, "us-east-1"), {}).get("last_finished_at") else None)(
        sweeps_by_pair(srv)), 30, "the throttled account swept in the end")
    assert s[(a, "us-east-1")]["status"] == "ok" and s[(a, "us-east-1")]["error"] is None
    calls = sorted(r["t"] for r in listings(fake_aws, a))
    assert len(calls) >= 9, calls          # 8 throttled attempts, then the one that was answered
    # Attempts 4 -> 5 and 8 -> 9 straddle a hold: at least half the hold base (0.5 s).
    assert calls[4] - calls[3] >= 0.45 and calls[8] - calls[7] >= 0.45, calls
    m = srv.get("/metrics", token=srv.token("reader")).body
    assert "italic_sweep_throttled_total 2" in m, [l for l in m.splitlines() if "throttled" in l]
    # B was swept while A was held: its listings are not spaced by A's holds.
    b_done = [s[p] for p in pairs if p[0] == b]
    assert all(i["status"] == "ok" for i in b_done)
    assert min(i["last_finished_at"] for i in b_done) <= s[(a, "us-east-1")]["last_finished_at"]


def test_large_pair_is_read_page_by_page(make_server, fake_aws):
    """350 instances Italic never heard of, listed 100 a page, plus one Italic knows that
    AWS no longer lists: every page is judged, the unlisted one retired, nothing else."""
    acct, region = ACCTS[2], "eu-west-1"
    gone = "i-0000000000000ee01"
    fake_aws.control("images", images())
    fake_aws.control("page_size", {"size": 100})
    fake_aws.control("fleet", {"pairs": [[acct, region, 350]], "image": BAD_AMI})
    srv = sweep_server(make_server, fake_aws, [(acct, region)], per_pair=1, ITALIC_SWEEP_INTERVAL="3s")
    con = sqlite3.connect(srv.db, timeout=10)
    with con:
        con.execute("INSERT INTO instances(account, region, instance_id, image_id, state, compliance, reasons,"
                    " observed_at, evaluated_at, first_seen_at) VALUES (?, ?, ?, ?, 'running', 'COMPLIANT', '[]',"
                    " 1, 1, 1)", (acct, region, gone, GOOD_AMI))
    con.close()
    s = wait_for(lambda: (lambda s: s if s.get((acct, region), {}).get("last_finished_at") else None)(
        sweeps_by_pair(srv)), 30, "the large pair swept")
    item = s[(acct, region)]
    assert item["instances_seen"] == 350 and item["status"] == "ok", item
    pages = listings(fake_aws, acct)
    assert len(pages) >= 4 and sum(1 for p in pages if "NextToken" in p["body"]) >= 3
    assert all("MaxResults=1000" in p["body"] for p in pages)
    n = rows(srv.db, "SELECT count(*) AS n FROM instances WHERE account = ? AND region = ? AND"
                     " compliance = 'NON_COMPLIANT'", (acct, region))[0]["n"]
    # 349 unannounced (from BAD_AMI) and the known fleet instance 0, now judged from BAD_AMI too
    assert n == 350, n
    assert verdict(srv.db, gone)["compliance"] == "NOT_APPLICABLE"
