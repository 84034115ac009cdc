"""POST /v1/events with batches, as the EventBridge Custom Event Bus delivers them
(issue 14, docs/events.md "Batches"): both shapes built from the AWS samples, a mixed
batch with exact per-item results, 1 and 500 items, the byte limit before the body, the
Content-Type, the quarantine (listed, paged, purged), backpressure, rate, replay of an
already ingested batch, and kill -9 during batches."""
import concurrent.futures
import copy
import json
import os
import random
import socket
import sqlite3
import threading
import time
import uuid

import pytest

import eventlib
from eventlib import run_instances, state_change

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")
EB = {"Content-Type": "application/eventbridge+json"}


def load_batch(name):
    with open(os.path.join(FIXTURES, "batches", name + ".json"), "rb") as f:
        body = f.read()
    with open(os.path.join(FIXTURES, "batches", name + ".out"), encoding="utf-8") as f:
        want = [line.split() for line in f if line.strip()]
    return body, want


def rows(db, sql, args=()):
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def wait_done(db, ids, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = eventlib.inbox_states(db)
        if all(st.get(i, (0,))[0] == 2 for i in ids):
            return st
        time.sleep(0.05)
    raise AssertionError("not all evaluated: %r" % {i: eventlib.inbox_states(db).get(i) for i in ids})


def with_metadata(ev, event_id=None, delivery="LIVE"):
    return {"Data": ev, "Metadata": {},
            "SystemMetadata": {"ContentType": "application/eventbridge+json",
                               "aws:EventId": event_id or str(uuid.uuid4()),
                               "aws:IngestionTime": "2026-09-23T18:00:00Z", "aws:DeliveryType": delivery}}


def post(server, body, tok, headers=EB, **kw):
    return server.request("POST", "/v1/events", body=body if isinstance(body, (bytes, str)) else json.dumps(body),
                          token=tok, headers=headers, **kw)


def test_fixtures_in_both_shapes_then_a_replay_is_all_duplicate(server):
    tok = server.token("ingest")
    # RAW: the classic envelopes (and rule invocations), ids from the envelopes
    body, want = load_batch("raw")
    r = post(server, body, tok)
    assert r.status == 200, r
    got = r.json()
    assert [it["index"] for it in got["items"]] == list(range(len(want)))
    for it, (idx, status, eid, kind) in zip(got["items"], want):
        assert it["id"] == eid, (it, eid)
        assert it["status"] == ("accepted" if status == "candidate" else "ignored"), (it, kind)
        if status == "ignored":
            assert it["reason"], it
    accepted = [w[2] for w in want if w[1] == "candidate"]
    assert got["accepted"] == len(accepted) and got["ignored"] == len(want) - len(accepted)
    assert got["duplicate"] == 0 and got["rejected"] == 0
    # exactly the candidates are stored, and every one is judged
    stored = {r[0] for r in rows(server.db, "SELECT event_id FROM inbox")}
    assert stored == set(accepted), stored ^ set(accepted)
    wait_done(server.db, accepted)
    for eid in accepted:
        # judged: a verdict, or found older than the verdict already there (the pending
        # and running state changes of one instance may be judged in either order)
        assert rows(server.db, "SELECT outcome FROM inbox WHERE event_id=?", (eid,))[0][0] in ("evaluated", "stale"), eid

    # WITH_METADATA: the same events, deduplicated on aws:EventId (not Data.id)
    body, want = load_batch("with-metadata")
    r = post(server, body, tok)
    assert r.status == 200, r
    got = r.json()
    for it, (idx, status, eid, kind) in zip(got["items"], want):
        assert it["id"] == eid and it["status"] == ("accepted" if status == "candidate" else "ignored"), it
    ids = [w[2] for w in want if w[1] == "candidate"]
    wait_done(server.db, ids)
    # the stored body is Data (what event_parse reads back), the evaluation names Data.id
    raw = rows(server.db, "SELECT body FROM inbox WHERE event_id=?", (ids[0],))[0][0]
    assert json.loads(raw)["id"] == json.loads(body)[0]["Data"]["id"]

    # a replay of the same batch (aws:DeliveryType REPLAY, same aws:EventIds): all duplicate
    body, want = load_batch("replay")
    r = post(server, body, tok)
    assert r.status == 200, r
    got = r.json()
    assert got["accepted"] == 0 and got["duplicate"] == len(ids) and got["rejected"] == 0, got
    assert all(it["status"] in ("duplicate", "ignored") for it in got["items"])
    # and a RAW replay of the first batch too
    body, _ = load_batch("raw")
    got = post(server, body, tok).json()
    assert got["accepted"] == 0 and got["duplicate"] == len(accepted), got
    before = rows(server.db, "SELECT count(*) FROM evaluations")[0][0]
    time.sleep(0.5)
    assert rows(server.db, "SELECT count(*) FROM evaluations")[0][0] == before, "a duplicate was judged again"


def test_mixed_batch_exact_results_and_only_valid_items_stored(server):
    tok = server.token("ingest", name="hub-subscriber", accounts=["123456789012"])
    old = run_instances(account="123456789012")
    assert post(server, old, tok).status == 202
    valid = [run_instances(account="123456789012"), state_change("running", account="123456789012")]
    wm = run_instances(account="123456789012")
    ignored = eventlib.load("ignored-s3-createbucket")
    ignored["id"] = str(uuid.uuid4())
    malformed = run_instances(account="123456789012")
    malformed["detail"]["responseElements"]["instancesSet"]["items"][0]["instanceId"] = "i-XYZ"
    foreign = run_instances(account="444455556666")
    nowhere = run_instances(account="123456789012", region="us-east-7")
    huge = run_instances(account="123456789012")
    huge["detail"]["padding"] = "x" * (1024 * 1024 + 10)
    items = [valid[0], old, valid[1], valid[0], ignored, malformed, foreign, with_metadata(wm, "wm-1"),
             nowhere, huge, 42]
    r = post(server, items, tok)
    assert r.status == 200, r
    got = r.json()
    want = [
        (valid[0]["id"], "accepted", None, None),
        (old["id"], "duplicate", None, None),
        (valid[1]["id"], "accepted", None, None),
        (valid[0]["id"], "duplicate", None, None),          # duplicate within the batch
        (ignored["id"], "ignored", None, None),
        (malformed["id"], "rejected", "malformed", "detail.responseElements.instancesSet.items[0].instanceId"),
        (foreign["id"], "rejected", "forbidden_account", "account"),
        ("wm-1", "accepted", None, None),
        (nowhere["id"], "rejected", "unknown_region", "region"),
        (None, "rejected", "too_large", None),               # not parsed at all: no id
        (None, "rejected", "malformed", None),
    ]
    assert len(got["items"]) == len(want)
    for i, (it, (eid, status, reason, field)) in enumerate(zip(got["items"], want)):
        assert it["index"] == i and it["id"] == eid and it["status"] == status, (i, it)
        if status == "rejected":
            assert it["reason"] == reason and it["detail"], (i, it)
            assert it.get("field") == field, (i, it)
    assert (got["accepted"], got["duplicate"], got["ignored"], got["rejected"]) == (3, 2, 1, 5), got
    # exactly the valid items are stored, and judged
    accepted = [valid[0]["id"], valid[1]["id"], "wm-1"]
    stored = {r[0] for r in rows(server.db, "SELECT event_id FROM inbox")}
    assert stored == set(accepted) | {old["id"]}, stored
    wait_done(server.db, accepted)
    judged = {r[0] for r in rows(server.db, "SELECT DISTINCT trigger_event_id FROM evaluations")}
    assert judged == {old["id"], valid[0]["id"], valid[1]["id"], wm["id"]}, judged
    a, reg, iid = eventlib.instance_of(foreign)
    assert eventlib.db_verdict(server.db, a, reg, iid) is None
    # the rejected items are in the quarantine, with their bytes
    q = server.get("/v1/rejected-events", token=server.token("admin")).json()["items"]
    assert sorted((x["index"], x["reason"]) for x in q) == [(5, "malformed"), (6, "forbidden_account"),
                                                            (8, "unknown_region"), (9, "too_large"),
                                                            (10, "malformed")]
    by_index = {x["index"]: x for x in q}
    assert by_index[6]["account"] == "444455556666" and by_index[6]["token_name"] == "hub-subscriber"
    assert json.loads(by_index[6]["body"])["id"] == foreign["id"] and not by_index[6]["body_truncated"]
    assert by_index[9]["body_truncated"] and by_index[9]["body_bytes"] > 1024 * 1024
    assert len(by_index[9]["body"].encode()) == 16 * 1024
    assert by_index[10]["body"] == "42" and by_index[10]["event_id"] is None
    assert all(x["request_id"] == r.headers["x-request-id"] for x in q)
    assert all(x["detail"] == got["items"][x["index"]]["detail"] for x in q)   # the same words
    m = server.get("/metrics", token=server.token("reader")).body
    assert 'italic_events_rejected_total{reason="malformed"} 2' in m, m
    assert 'italic_events_rejected_total{reason="too_large"} 1' in m


def test_one_item_and_500_items(server):
    tok = server.token("ingest")
    one = run_instances()
    r = post(server, [one], tok)
    assert r.status == 200 and r.json()["items"] == [{"index": 0, "id": one["id"], "status": "accepted"}], r
    many = [state_change("running", region="eu-west-1") for _ in range(500)]
    r = post(server, many, tok, timeout=60)
    assert r.status == 200 and r.json()["accepted"] == 500, r
    assert rows(server.db, "SELECT count(*) FROM inbox WHERE region='eu-west-1'")[0][0] == 500
    r = post(server, [state_change("running") for _ in range(501)], tok)
    assert r.status == 400 and "more than 500" in r.json()["detail"], r
    assert rows(server.db, "SELECT count(*) FROM inbox")[0][0] == 501
    for body in ("[]", "[1,]", "[{}", "true"):
        r = post(server, body, tok)
        assert r.status == 400, (body, r)


def test_batch_byte_limit_is_413_before_the_body(make_server):
    s = make_server(env={"ITALIC_BATCH_MAX_BYTES": str(2 * 1024 * 1024)})
    tok = s.token("ingest")
    # announced over the limit: answered from the headers alone, no body sent
    t0 = time.time()
    raw = s.raw(("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                 "Content-Type: application/eventbridge+json\r\nContent-Length: %d\r\n\r\n"
                 % (tok, 2 * 1024 * 1024 + 1)).encode(), timeout=5)
    assert raw.startswith(b"HTTP/1.1 413"), raw[:200]
    assert b"ITALIC_BATCH_MAX_BYTES" in raw and time.time() - t0 < 4
    # exactly the limit is read (and refused only for what it holds)
    pad = run_instances()
    pad["detail"]["padding"] = "x" * (900 * 1024)
    items = [pad, copy.deepcopy(pad)]
    items[1]["id"] = str(uuid.uuid4())
    body = json.dumps(items)
    assert len(body) < 2 * 1024 * 1024
    r = post(s, body, tok)
    assert r.status == 200 and r.json()["accepted"] == 2, r
    # a chunked body that passes the limit is 413 too
    chunk = b"x" * 65536
    c = socket.create_connection((s.host, s.port), timeout=10)
    try:
        c.sendall(("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" % tok).encode())
        try:
            for _ in range(40):
                c.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            c.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        answer = c.recv(4096)
    finally:
        c.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_content_type(server):
    tok = server.token("ingest")
    for ct, want in (("application/json", 202), ("application/json; charset=utf-8", 202),
                     ("application/eventbridge+json", 202), ("Application/EventBridge+JSON;charset=UTF-8", 202),
                     (None, 202), ("text/plain", 415), ("application/x-www-form-urlencoded", 415),
                     ("application/xml", 415)):
        h = {"Content-Type": ct} if ct else {}
        r = server.request("POST", "/v1/events", body=json.dumps(run_instances()).encode(), token=tok, headers=h)
        assert r.status == want, (ct, r)
    # 415 comes before the body: the headers alone get it
    raw = server.raw(("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                      "Content-Type: text/plain\r\nContent-Length: 5000\r\n\r\n" % tok).encode(), timeout=5)
    assert raw.startswith(b"HTTP/1.1 415"), raw[:200]


def test_single_with_metadata_object_keeps_single_answers(server):
    tok = server.token("ingest", accounts=["123456789012"])
    ev = run_instances(account="123456789012")
    r = post(server, with_metadata(ev, "single-wm"), tok)
    assert r.status == 202 and r.json() == {"id": "single-wm", "status": "accepted"}, r
    r = post(server, with_metadata(ev, "single-wm", delivery="REPLAY"), tok)
    assert r.status == 200 and r.json()["status"] == "duplicate", r
    r = post(server, with_metadata(run_instances(account="444455556666")), tok)
    assert r.status == 403 and r.json()["field"] == "Data.account", r
    bad = run_instances(account="123456789012")
    bad["time"] = "yesterday"
    r = post(server, with_metadata(bad), tok)
    assert r.status == 400 and r.json()["field"] == "Data.time", r
    # without aws:EventId the id is Data.id
    doc = with_metadata(run_instances(account="123456789012"))
    del doc["SystemMetadata"]["aws:EventId"]
    r = post(server, doc, tok)
    assert r.status == 202 and r.json()["id"] == doc["Data"]["id"], r
    wait_done(server.db, ["single-wm", doc["Data"]["id"]])


def test_idempotency_key_is_not_used_for_a_batch(server):
    tok = server.token("ingest")
    r = post(server, [run_instances(), run_instances()], tok, headers=dict(EB, **{"Idempotency-Key": "k1"}))
    assert r.status == 200 and r.json()["accepted"] == 2, r


def test_quarantine_listed_paged_filtered_and_purged(make_server):
    s = make_server(env={"ITALIC_RETENTION_DAYS": "1"})
    tok, admin = s.token("ingest"), s.token("admin")
    bad = [{"id": "bad-%d" % i} for i in range(5)] + [run_instances(region="us-east-7")]
    r = post(s, bad, tok)
    assert r.status == 200 and r.json()["rejected"] == 6, r
    t_mid = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1))
    time.sleep(1.2)
    r = post(s, [{"id": "bad-late"}, run_instances()], tok)
    assert r.status == 200 and r.json()["rejected"] == 1, r
    # paged newest first, each item once
    seen, cursor = [], None
    while True:
        q = "/v1/rejected-events?limit=2" + ("&cursor=" + cursor if cursor else "")
        page = s.get(q, token=admin).json()
        seen += [x["event_id"] for x in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen[0] == "bad-late" and sorted(seen) == sorted(["bad-%d" % i for i in range(5)] + ["bad-late", bad[5]["id"]])
    assert len(seen) == len(set(seen)) == 7
    page = s.get("/v1/rejected-events?reason=unknown_region", token=admin).json()
    assert [x["event_id"] for x in page["items"]] == [bad[5]["id"]]
    page = s.get("/v1/rejected-events?since=" + t_mid, token=admin).json()
    assert [x["event_id"] for x in page["items"]] == ["bad-late"]
    for q, field in (("reason=nope", "reason"), ("since=yesterday", "since"), ("limit=0", "limit"),
                     ("cursor=abc", "cursor")):
        r = s.get("/v1/rejected-events?" + q, token=admin)
        assert r.status == 400 and r.json()["field"] == field, (q, r)
    assert s.get("/v1/rejected-events", token=s.token("reader")).status == 403
    assert s.get("/v1/rejected-events", token=tok).status == 403
    # purged with the retention: rows older than ITALIC_RETENTION_DAYS go at the next pass
    s.stop()
    con = sqlite3.connect(s.db)
    con.execute("UPDATE rejected_events SET received_at = received_at - 2 * 86400000 WHERE event_id LIKE 'bad-%' "
                "AND event_id != 'bad-late'")
    con.commit()
    con.close()
    s.start()
    deadline = time.time() + 10
    while time.time() < deadline:
        left = [x["event_id"] for x in s.get("/v1/rejected-events", token=admin).json()["items"]]
        if len(left) == 2:
            break
        time.sleep(0.1)
    assert sorted(left) == sorted(["bad-late", bad[5]["id"]]), left


def test_backlog_that_cannot_take_the_whole_batch_is_429_and_nothing_is_stored(make_server):
    s = make_server(env={"ITALIC_INBOX_MAX": "10"})
    tok = s.token("ingest")
    s.stop()
    # eight accepted events the evaluator will not reach yet (due far in the future)
    con = sqlite3.connect(s.db)
    for i in range(8):
        con.execute("INSERT INTO inbox(event_id, kind, account, region, received_at, body, not_before)"
                    " VALUES (?, 'ec2_state_change', '123456789012', 'us-east-1', 0, '{}', 9000000000000)",
                    ("held-%d" % i,))
    con.commit()
    con.close()
    s.start()
    three = [run_instances() for _ in range(3)]
    r = post(s, three + [{"id": "junk"}], tok)
    assert r.status == 429 and int(r.headers["retry-after"]) >= 1, r
    assert rows(s.db, "SELECT count(*) FROM inbox")[0][0] == 8
    assert rows(s.db, "SELECT count(*) FROM rejected_events")[0][0] == 0   # never half accepted
    r = post(s, three[:2], tok)
    assert r.status == 200 and r.json()["accepted"] == 2, r


def test_a_batch_counts_its_items_against_the_rate(make_server):
    s = make_server(env={"ITALIC_INGEST_RATE": "10"})
    tok = s.token("ingest")
    r = post(s, [state_change("running") for _ in range(30)], tok)
    assert r.status == 200 and r.json()["accepted"] == 30, r   # a full bucket lets a large batch in
    r = post(s, [state_change("running")], tok)
    assert r.status == 429 and int(r.headers["retry-after"]) >= 2, r


def test_kill9_during_batches(make_server):
    """For every batch answered 200: all its accepted items stored and evaluated; for
    every batch not answered: all of it or none."""
    s = make_server()
    tok = s.token("ingest")
    rnd = random.Random(14)
    answered, unanswered = [], []
    lock = threading.Lock()

    def one(batch):
        try:
            r = post(s, batch, tok, timeout=10, validate=False)
            with lock:
                (answered if r.status == 200 else unanswered).append((batch, r.status))
        except (OSError, http_errors()):
            with lock:
                unanswered.append((batch, None))

    for cycle in range(3):
        batches = [[run_instances(region="eu-central-1") for _ in range(rnd.randint(20, 100))] for _ in range(150)]
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(one, b) for b in batches]
            time.sleep(rnd.uniform(0.1, 0.4))
            s.kill9()
            for f in futures:
                f.result()
        s.start()
    assert answered and unanswered, (len(answered), len(unanswered))
    acked = [ev["id"] for batch, _ in answered for ev in batch]
    wait_done(s.db, acked, timeout=120)
    st = eventlib.inbox_states(s.db)
    for batch, status in unanswered:
        present = [ev["id"] in st for ev in batch]
        assert all(present) or not any(present), (status, sum(present), len(batch))
    con = sqlite3.connect(s.db)
    for eid in acked:
        n = con.execute("SELECT count(*) FROM evaluations WHERE trigger='event' AND trigger_event_id=?",
                        (eid,)).fetchone()[0]
        assert n == 1, (eid, n)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def http_errors():
    import http.client
    return http.client.HTTPException


def test_bodies_held_at_once_are_bounded_by_body_memory(make_server):
    """ITALIC_BODY_MEMORY bounds the request bodies of all connections together: a
    sender that would pass it gets 503 + Retry-After (retried by EventBridge), and
    the memory is free again once the holder's request ends."""
    s = make_server(env={"ITALIC_BATCH_MAX_BYTES": str(2 * 1024 * 1024),
                         "ITALIC_BODY_MEMORY": str(2 * 1024 * 1024)})
    tok = s.token("ingest")
    big = 1536 * 1024
    holder = socket.create_connection((s.host, s.port), timeout=10)
    try:
        holder.sendall(("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                        "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (tok, big)).encode())
        tail = json.dumps(state_change("running")).encode() + b"]"
        holder.sendall(b"[" + b" " * (big - 1 - len(tail)))   # most of it, and then it waits
        time.sleep(0.5)
        other = [run_instances()]
        other[0]["detail"]["padding"] = "x" * (700 * 1024)
        r = post(s, other, tok)
        assert r.status == 503 and int(r.headers["retry-after"]) >= 1, r
        assert "ITALIC_BODY_MEMORY" in r.json()["detail"]
        holder.sendall(tail)
        answer = holder.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    finally:
        holder.close()
    r = post(s, other, tok)
    assert r.status == 200 and r.json()["accepted"] == 1, r
