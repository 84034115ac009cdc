"""POST /v1/events: every event kind, dedup, ignored kinds, every 4xx, limits, and the
verdicts the evaluator writes in no-AWS mode (ITALIC_AWS=off)."""
import concurrent.futures
import json
import os
import random
import signal
import sqlite3
import time
import uuid

import pytest

import eventlib
from eventlib import FIXTURES, load, run_instances, state_change, wait_verdict

ACCEPTED = ["cloudtrail-runinstances-direct", "cloudtrail-runinstances-launch-template",
            "config-ci-change-ec2", "config-ci-change-ec2-from-sns", "config-ci-deleted-ec2",
            "config-ci-oversized-ec2", "config-rule-invocation-change", "config-rule-invocation-deleted",
            "config-rule-invocation-oversized", "config-rule-invocation-scheduled", "ec2-state-pending",
            "ec2-state-running", "ec2-state-terminated"]
IGNORED = ["ignored-cloudtrail-terminateinstances", "ignored-config-efs",
           "ignored-config-rules-compliance-change", "ignored-s3-createbucket",
           "cloudtrail-runinstances-failed"]


@pytest.mark.parametrize("name", ACCEPTED)
def test_each_kind_is_accepted_then_evaluated(server, name):
    tok = server.token("ingest")
    with open(os.path.join(FIXTURES, name + ".json"), "rb") as f:
        body = f.read()
    r = server.request("POST", "/v1/events", body=body, token=tok,
                       headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status == 202, r
    eid = r.json()["id"]
    assert r.json() == {"id": eid, "status": "accepted"}
    deadline = time.time() + 10
    while time.time() < deadline:
        st = eventlib.inbox_states(server.db).get(eid)
        if st and st[0] == 2:
            break
        time.sleep(0.05)
    assert eventlib.inbox_states(server.db)[eid] == (2, "evaluated")


@pytest.mark.parametrize("name", IGNORED)
def test_other_kinds_are_ignored_not_stored(server, name):
    tok = server.token("ingest")
    with open(os.path.join(FIXTURES, name + ".json"), "rb") as f:
        r = server.request("POST", "/v1/events", body=f.read(), token=tok)
    assert r.status == 202 and r.json()["status"] == "ignored" and r.json()["reason"], r
    assert r.json()["id"] not in eventlib.inbox_states(server.db)


def test_duplicates_by_id_and_idempotency_key(server):
    tok = server.token("ingest")
    ev = run_instances()
    r1 = server.request("POST", "/v1/events", body=ev, token=tok)
    r2 = server.request("POST", "/v1/events", body=ev, token=tok)
    assert (r1.status, r2.status) == (202, 200)
    assert r2.json() == {"id": ev["id"], "status": "duplicate"}
    a = run_instances()
    b = run_instances()
    r1 = server.request("POST", "/v1/events", body=a, token=tok, headers={"Idempotency-Key": "k-123"})
    r2 = server.request("POST", "/v1/events", body=b, token=tok, headers={"Idempotency-Key": "k-123"})
    assert (r1.status, r2.status) == (202, 200), (r1, r2)
    assert len([e for e in eventlib.inbox_states(server.db) if e in (a["id"], b["id"])]) == 1


def test_malformed_events_are_400_naming_the_problem(server):
    tok = server.token("ingest")
    cases = [
        ("not json", None),
        ("[]", None),
        (json.dumps({"id": "x"}), None),
    ]
    for body, _ in cases:
        r = server.request("POST", "/v1/events", body=body, token=tok)
        assert r.status == 400 and r.headers["content-type"] == "application/problem+json", (body, r)
    ev = run_instances()
    ev["account"] = "12345"
    r = server.request("POST", "/v1/events", body=ev, token=tok)
    assert r.status == 400 and r.json()["field"] == "account", r
    ev = run_instances()
    ev["detail"]["responseElements"]["instancesSet"]["items"][0]["instanceId"] = "i-XYZ"
    r = server.request("POST", "/v1/events", body=ev, token=tok)
    assert r.status == 400 and "instanceId" in r.json()["field"], r
    ev = run_instances()
    ev["time"] = "yesterday"
    r = server.request("POST", "/v1/events", body=ev, token=tok)
    assert r.status == 400 and r.json()["field"] == "time", r
    deep = '{"a":' * 200 + "1" + "}" * 200
    r = server.request("POST", "/v1/events", body=deep, token=tok)
    assert r.status == 400, r
    r = server.request("POST", "/v1/events", body=run_instances(), token=tok, headers={"Idempotency-Key": "a b"})
    assert r.status == 400 and r.json()["field"] == "Idempotency-Key"


def test_every_bad_fixture_is_rejected_with_its_field(server):
    tok = server.token("ingest")
    bad = os.path.join(FIXTURES, "bad")
    names = sorted(n[:-5] for n in os.listdir(bad) if n.endswith(".json"))
    assert len(names) >= 50
    checked = 0
    for n in names:
        with open(os.path.join(bad, n + ".json"), "rb") as f:
            body = f.read()
        with open(os.path.join(bad, n + ".err"), encoding="utf-8") as f:
            want = f.read()
        r = server.request("POST", "/v1/events", body=body, token=tok)
        lines = want.splitlines()
        status, field = lines[0].strip(), (lines[1].strip() if len(lines) > 1 else "")
        assert status in ("einval", "etoobig"), (n, status)
        if len(body) > 1024 * 1024:
            assert r.status == 413, (n, r)
            continue
        if body.lstrip().startswith(b"["):
            # An array is a batch (docs/events.md "Batches"): its bad item is rejected
            # on its own, and the request succeeds.
            assert r.status == 200 and r.json()["items"][0]["status"] == "rejected", (n, r)
            assert r.json()["items"][0]["reason"] == "malformed", (n, r)
            continue
        assert r.status == 400, (n, r)
        if field:
            assert r.json().get("field") == field, (n, r.json(), field)
            checked += 1
    assert checked >= 50, checked


def test_account_bound_token(server):
    tok = server.token("ingest", name="member-a", accounts=["111122223333"])
    r = server.request("POST", "/v1/events", body=run_instances(account="111122223333"), token=tok)
    assert r.status == 202, r
    r = server.request("POST", "/v1/events", body=run_instances(account="444455556666"), token=tok)
    assert r.status == 403 and r.json()["field"] == "account", r


def test_reader_cannot_post_events_admin_can(server):
    assert server.request("POST", "/v1/events", body=run_instances(), token=server.token("reader")).status == 403
    assert server.request("POST", "/v1/events", body=run_instances(), token=server.token("admin")).status == 202
    assert server.request("POST", "/v1/events", body=run_instances()).status == 401


def test_body_limits(server):
    tok = server.token("ingest")
    ev = run_instances()
    # A valid event padded to just under 1 MiB is accepted (EventBridge allows 1 MB).
    ev["detail"]["padding"] = "x" * (1024 * 1024 - len(json.dumps(ev)) - 200)
    r = server.request("POST", "/v1/events", body=json.dumps(ev), token=tok)
    assert r.status == 202, r
    # One event over 1 MiB is 413 (the route's cap is the batch's, so it is read first).
    ev["detail"]["padding"] += "x" * 400
    r = server.request("POST", "/v1/events", body=json.dumps(ev), token=tok)
    assert r.status == 413, r
    # Over ITALIC_BATCH_MAX_BYTES (default 32 MiB): 413 comes back from the headers alone
    # (the body is never read, so the test sends none: a client streaming it would see
    # the connection close).
    raw = server.raw(("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                      "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                      % (tok, 32 * 1024 * 1024 + 1)).encode(), timeout=5)
    assert raw.startswith(b"HTTP/1.1 413"), raw[:100]
    # Other routes keep their 1 MiB.
    raw = server.raw(("POST /v1/rules HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                      "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                      % (server.token("admin"), 1024 * 1024 + 1)).encode(), timeout=5)
    assert raw.startswith(b"HTTP/1.1 413"), raw[:100]


def test_rate_limit_gives_429_with_retry_after(make_server):
    s = make_server(env={"ITALIC_INGEST_RATE": "2"})
    tok = s.token("ingest")
    statuses = [s.request("POST", "/v1/events", body=run_instances(), token=tok) for _ in range(5)]
    codes = [r.status for r in statuses]
    assert codes[:2] == [202, 202] and 429 in codes, codes
    limited = [r for r in statuses if r.status == 429][0]
    assert int(limited.headers["retry-after"]) >= 1


def test_no_aws_verdicts_from_event_facts(server):
    tok = server.token("ingest")
    ev = run_instances()
    a, r_, i = eventlib.instance_of(ev)
    assert server.request("POST", "/v1/events", body=ev, token=tok).status == 202
    v = wait_verdict(server.db, a, r_, i)
    # No rules and no registered image: the facts are unknown.
    assert v["compliance"] in ("INSUFFICIENT_DATA", "NON_COMPLIANT")
    assert v["image_id"] == ev["detail"]["responseElements"]["instancesSet"]["items"][0]["imageId"]
    assert v["facts_source"] == "none"
    assert json.loads(v["reasons"])


def test_terminated_is_not_applicable_and_ordering_by_event_time(server):
    tok = server.token("ingest")
    iid = "i-" + eventlib.hexid()
    newer = state_change("terminated", instance_id=iid, event_time="2026-01-15T12:00:00Z")
    older = state_change("running", instance_id=iid, event_time="2026-01-15T11:00:00Z")
    assert server.request("POST", "/v1/events", body=newer, token=tok).status == 202
    v = wait_verdict(server.db, "123456789012", "us-east-1", iid)
    assert v["compliance"] == "NOT_APPLICABLE"
    assert server.request("POST", "/v1/events", body=older, token=tok).status == 202
    deadline = time.time() + 10
    while time.time() < deadline and eventlib.inbox_states(server.db)[older["id"]][0] != 2:
        time.sleep(0.05)
    assert eventlib.inbox_states(server.db)[older["id"]] == (2, "stale")
    v = eventlib.db_verdict(server.db, "123456789012", "us-east-1", iid)
    assert v["compliance"] == "NOT_APPLICABLE" and v["state"] == "terminated"


def test_state_change_keeps_known_image(server):
    tok = server.token("ingest")
    ev = run_instances(region="us-east-1", event_time="2026-01-15T10:00:00Z")
    a, r_, i = eventlib.instance_of(ev)
    server.request("POST", "/v1/events", body=ev, token=tok)
    wait_verdict(server.db, a, r_, i)
    sc = state_change("running", account=a, region=r_, instance_id=i, event_time="2026-01-15T10:01:00Z")
    server.request("POST", "/v1/events", body=sc, token=tok)
    v = wait_verdict(server.db, a, r_, i, pred=lambda v: v["state"] == "running")
    assert v["image_id"] == ev["detail"]["responseElements"]["instancesSet"]["items"][0]["imageId"]


def test_kill9_during_burst_loses_no_acknowledged_event(make_server):
    s = make_server()
    tok = s.token("ingest")
    events = [run_instances(region="eu-west-1") for _ in range(400)]
    acked = []
    errors = []

    def post(ev):
        try:
            r = s.request("POST", "/v1/events", body=ev, token=tok, timeout=5)
            if r.status == 202:
                return ev
        except Exception as e:  # connection reset by the kill
            errors.append(e)
        return None

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        futures = [pool.submit(post, ev) for ev in events]
        time.sleep(0.15)
        s.kill9()
        for f in futures:
            ev = f.result()
            if ev:
                acked.append(ev)
    assert acked, "nothing was acknowledged before the kill"
    s.start()
    for ev in acked:
        a, r_, i = eventlib.instance_of(ev)
        wait_verdict(s.db, a, r_, i, timeout=20)
    states = eventlib.inbox_states(s.db)
    assert all(states[ev["id"]][0] == 2 for ev in acked)


def _metric(text, name, labels):
    for line in text.splitlines():
        if line.startswith("%s{%s} " % (name, labels)):
            return float(line.split()[-1])
    return 0.0


def test_many_senders_on_one_server_thread(make_server):
    """64 senders at once against a single server thread: the ingest route parks each
    connection until its commit rather than holding the thread, so all are answered,
    each event is stored once, and the evaluator judges every one from the request's
    own parse (the in-memory hand-off) instead of parsing the stored body again."""
    s = make_server(env={"ITALIC_HTTP_THREADS": "1"})
    tok = s.token("ingest")
    reader = s.token("reader")
    bodies = [run_instances() for _ in range(64)]
    with concurrent.futures.ThreadPoolExecutor(64) as ex:
        rs = list(ex.map(lambda b: s.request("POST", "/v1/events", body=b, token=tok), bodies))
    assert [r.status for r in rs] == [202] * 64
    ids = {r.json()["id"] for r in rs}
    assert ids == {b["id"] for b in bodies}
    deadline = time.time() + 20
    while time.time() < deadline:
        states = eventlib.inbox_states(s.db)
        if all(states.get(i, (0,))[0] == 2 for i in ids):
            break
        time.sleep(0.05)
    states = eventlib.inbox_states(s.db)
    assert len(states) == 64 and all(states[i] == (2, "evaluated") for i in ids)
    m = s.get("/metrics", token=reader).body
    assert _metric(m, "italic_event_handoff_total", 'result="parsed"') == 64, m
    assert _metric(m, "italic_event_handoff_total", 'result="reparsed"') == 0


def test_restart_reparses_what_was_not_yet_evaluated(make_server):
    """The hand-off is memory only: events stored by an earlier process are judged from
    their stored bodies."""
    s = make_server()
    s.stop()
    con = sqlite3.connect(s.db)
    ev = run_instances()
    con.execute("INSERT INTO inbox(event_id, kind, account, region, received_at, body)"
                " VALUES (?, 'cloudtrail_run_instances', '123456789012', 'us-west-2', 1, ?)",
                (ev["id"], json.dumps(ev).encode()))
    con.commit()
    con.close()
    s.start()
    eid = ev["id"]
    deadline = time.time() + 10
    while time.time() < deadline and eventlib.inbox_states(s.db).get(eid, (0,))[0] != 2:
        time.sleep(0.05)
    assert eventlib.inbox_states(s.db)[eid] == (2, "evaluated")
    m = s.get("/metrics", token=s.token("reader")).body
    assert _metric(m, "italic_event_handoff_total", 'result="reparsed"') == 1
    assert _metric(m, "italic_event_handoff_total", 'result="parsed"') == 0
