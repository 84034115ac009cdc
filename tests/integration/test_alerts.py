"""Alerts on compliance changes (docs/alerts.md, issue 17): PutEvents to the fake AWS (every
request's SigV4 checked by botocore) and signed POSTs to a loopback webhook receiver
(tests/integration/webhooklib.py) that checks the signature and the timestamp window.
The real binary over real HTTP, a fresh SQLite file per server."""
import json
import os
import re
import sqlite3
import subprocess
import sys
import time

from aws_fixtures import fake_aws  # noqa: F401  (pytest fixture)
from conftest import BIN, ROOT
from deliverylib import (ACCOUNT, BAD_AMI, GOOD_AMI, REGION, aws_server, deliveries, fake_instance, images,
                         run_instances, state_change, wait_for)
from webhooklib import SECRET, WINDOW, signature, webhook  # noqa: F401  (pytest fixture)

BUS = "italic-alerts"
CENTRAL = "999999999999"
I1, I2, I3 = "i-0a1e000000000000a", "i-0a1e000000000000b", "i-0a1e000000000000c"

sys.path.insert(0, os.path.join(ROOT, "tests", "deploy"))


def alert_env(hook, **extra):
    env = {"ITALIC_ALERT_EVENTBUS": BUS, "ITALIC_ALERT_WEBHOOK_URL": hook.url,
           "ITALIC_ALERT_WEBHOOK_SECRET": SECRET, "ITALIC_PUBLIC_URL": "https://italic.example.com/",
           "ITALIC_CONFIG_REPORT": "off"}
    env.update(extra)
    return env


def arrange(fake, instances):
    fake.control("images", images())
    fake.control("instances", [fake_instance(i, img) for i, img in instances])


def launch(srv, instance_id, image_id, when="2026-01-15T10:00:00Z"):
    r = srv.request("POST", "/v1/events", token=srv.token("ingest"), body=run_instances(
        account=ACCOUNT, region=REGION, instance_id=instance_id, image_id=image_id, event_time=when))
    assert r.status == 202, r


def compliance(db, instance_id):
    con = sqlite3.connect(db, timeout=10)
    try:
        r = con.execute("SELECT compliance FROM instances WHERE instance_id = ?", (instance_id,)).fetchone()
        return r[0] if r else None
    finally:
        con.close()


def settled(db, destination, count, timeout=20):
    """count rows of destination, none pending (a due digest included)."""
    def check():
        rows = deliveries(db, destination)
        return rows if len(rows) >= count and all(r["state"] != "pending" for r in rows) else None
    return wait_for(check, timeout, "%d %s deliveries settled" % (count, destination))


def events(fake):
    return fake.state()["events"]


def put_events_calls(fake):
    return [r for r in fake.requests("events", "PutEvents") if r["status"] == 200]


def test_new_noncompliant_one_event_one_webhook(make_server, fake_aws, webhook):
    arrange(fake_aws, [(I1, BAD_AMI)])
    srv = aws_server(make_server, fake_aws, **alert_env(webhook))
    launch(srv, I1, BAD_AMI)
    eb = settled(srv.db, "eventbridge", 1)
    wh = settled(srv.db, "webhook", 1)
    assert [r["state"] for r in eb + wh] == ["done", "done"], (eb, wh)
    assert len(eb) == 1 and len(wh) == 1

    # EventBridge: one signed PutEvents in the service's own account and home Region.
    calls = put_events_calls(fake_aws)
    assert len(calls) == 1
    c = calls[0]
    assert c["account"] == CENTRAL and c["region"] == REGION
    assert c["headers"]["X-Amz-Target"] == "AWSEvents.PutEvents"
    assert c["headers"]["Content-Type"] == "application/x-amz-json-1.1"
    got = events(fake_aws)
    assert len(got) == 1
    entry, detail = got[0]["entry"], got[0]["detail"]
    assert entry["Source"] == "italic" and entry["DetailType"] == "Italic Compliance Change"
    assert entry["EventBusName"] == BUS
    assert entry["Resources"] == ["arn:aws:ec2:%s:%s:instance/%s" % (REGION, ACCOUNT, I1)]
    assert isinstance(entry["Time"], int)
    assert detail == {
        "kind": "change", "account": ACCOUNT, "region": REGION, "instance_id": I1, "image_id": BAD_AMI,
        "from": None, "to": "NON_COMPLIANT", "reasons": ["rule golden: owner 111111111111 not in owners"],
        "matched_rule": None, "exemption": None, "observed_at": detail["observed_at"],
        "evaluated_at": detail["evaluated_at"],
        "url": "https://italic.example.com/v1/instances/%s/%s/%s" % (ACCOUNT, REGION, I1)}
    assert detail["observed_at"] == "2026-01-15T10:00:00.000Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", detail["evaluated_at"])

    # The webhook: the same detail, signed, within the window, marked with its kind and
    # delivery id.
    reqs = webhook.wait(1)
    assert len(reqs) == 1
    h = reqs[0]
    assert h["signature_ok"] and h["timestamp_ok"], h["headers"]
    assert h["json"] == detail
    assert h["headers"]["Content-Type"] == "application/json"
    assert h["headers"]["X-Italic-Event"] == "change"
    assert h["headers"]["X-Italic-Delivery"] == str(wh[0]["id"])
    assert h["path"] == "/hooks/italic-abc123"

    # Visible as deliveries and in the metrics.
    rd = srv.token("reader")
    for dest in ("eventbridge", "webhook"):
        items = srv.get("/v1/deliveries?destination=" + dest, token=rd).json()["items"]
        assert [(i["destination"], i["instance_id"], i["state"], i["attempts"]) for i in items] == [
            (dest, I1, "done", 1)]
    m = srv.get("/metrics", token=rd).body
    for dest in ("eventbridge", "webhook"):
        assert 'italic_deliveries{destination="%s",state="done"} 1' % dest in m
        assert 'italic_deliveries_sent_total{destination="%s",outcome="delivered"} 1' % dest in m
    assert 'italic_aws_calls_total{service="events",operation="PutEvents",outcome="ok"} 1' in m

    # The secret is in no log line and no delivery row; the URL's path (often the
    # secret itself, as in Slack's URLs) neither.
    logs = srv.logs()
    assert SECRET not in logs and "italic-abc123" not in logs
    dump = json.dumps(deliveries(srv.db))
    assert SECRET not in dump and "italic-abc123" not in dump

    # The example rules of deploy/hub.yaml select what Italic really sent.
    from test_event_pattern import alert_rule, envelope, matches
    ev = envelope("italic", entry["DetailType"], detail, CENTRAL, REGION)
    assert matches(alert_rule()["EventPattern"], ev)
    for var, path in alert_rule()["Targets"][0]["InputTransformer"]["InputPathsMap"].items():
        assert path[len("$.detail."):] in detail, path
    assert srv.stop() == 0        # a clean exit (under ASan: nothing leaked)


def test_same_compliance_again_alerts_nothing_then_all_mode(make_server, fake_aws, webhook):
    arrange(fake_aws, [(I1, BAD_AMI), (I2, GOOD_AMI)])
    srv = aws_server(make_server, fake_aws, **alert_env(webhook))
    launch(srv, I1, BAD_AMI)
    settled(srv.db, "eventbridge", 1)
    settled(srv.db, "webhook", 1)
    # A newer event for the same instance re-evaluates it: still NON_COMPLIANT.
    r = srv.request("POST", "/v1/events", token=srv.token("ingest"), body=state_change(
        "running", account=ACCOUNT, region=REGION, instance_id=I1, event_time="2026-01-15T11:00:00Z"))
    assert r.status == 202
    # A new COMPLIANT instance: no change into or out of NON_COMPLIANT.
    launch(srv, I2, GOOD_AMI)

    def judged():
        con = sqlite3.connect(srv.db, timeout=10)
        try:
            n = con.execute("SELECT count(*) FROM evaluations").fetchone()[0]
        finally:
            con.close()
        return n >= 3
    wait_for(judged, 10, "three evaluations")
    time.sleep(1.5)
    assert len(deliveries(srv.db, "eventbridge")) == 1 and len(deliveries(srv.db, "webhook")) == 1
    assert len(events(fake_aws)) == 1 and len(webhook.requests) == 1
    srv.stop()

    # ITALIC_ALERT_ON=all: the first verdict of a COMPLIANT instance is a change too.
    srv2 = aws_server(make_server, fake_aws, **alert_env(webhook, ITALIC_ALERT_ON="all"))
    launch(srv2, I2, GOOD_AMI)
    rows = settled(srv2.db, "webhook", 1)
    assert rows[0]["instance_id"] == I2
    got = [e["detail"] for e in events(fake_aws) if e["detail"]["instance_id"] == I2]
    assert len(got) == 1 and got[0]["from"] is None and got[0]["to"] == "COMPLIANT"
    assert got[0]["matched_rule"] == "golden"


def test_exemption_added_alerts_the_change_back(make_server, fake_aws, webhook):
    arrange(fake_aws, [(I1, BAD_AMI)])
    srv = aws_server(make_server, fake_aws, **alert_env(webhook))
    launch(srv, I1, BAD_AMI)
    settled(srv.db, "webhook", 1)
    r = srv.request("POST", "/v1/exemptions", token=srv.token("admin"), body={
        "id": "vendor-box", "account": ACCOUNT, "instance_id": I1, "reason": "vendor appliance, SEC-7",
        "expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 30 * 86400))})
    assert r.status == 201, r
    wait_for(lambda: compliance(srv.db, I1) == "COMPLIANT", 15, "the exemption to apply")
    settled(srv.db, "eventbridge", 2)
    settled(srv.db, "webhook", 2)
    back = [e["detail"] for e in events(fake_aws)][1]
    assert back["from"] == "NON_COMPLIANT" and back["to"] == "COMPLIANT"
    assert back["exemption"] == "vendor-box" and back["instance_id"] == I1
    hooks = webhook.wait(2)
    assert hooks[1]["json"] == back and hooks[1]["signature_ok"]


def local_server(make_server, hook=None, start=True, directory=None, **env):
    """A server without AWS (the webhook needs none): the golden rule, images registered."""
    e = {"ITALIC_AWS": "off"}
    if hook:
        e.update({"ITALIC_ALERT_WEBHOOK_URL": hook.url, "ITALIC_ALERT_WEBHOOK_SECRET": SECRET})
    e.update(env)
    srv = make_server(env=e, start=False, directory=directory)
    if directory is None:
        path = os.path.join(srv.dir, "rules.json")
        with open(path, "w") as f:
            json.dump({"rules": [{"id": "golden", "name": "Golden", "criteria": {"owners": ["amazon"]}}]}, f)
        srv.cli("rules", "import", path)
    srv.start()
    if directory is None:
        adm = srv.token("admin")
        for img, facts in ((GOOD_AMI, {"owner_alias": "amazon", "tags": {}}),
                           (BAD_AMI, {"owner_id": "111111111111", "tags": {}})):
            r = srv.request("PUT", "/v1/images/%s/%s" % (REGION, img), token=adm, body=facts)
            assert r.status in (200, 201), r
    return srv


def test_storm_20_singles_then_one_digest_across_kill_9(make_server, fake_aws, webhook):
    ids = ["i-%017x" % (0x5000 + k) for k in range(200)]
    arrange(fake_aws, [(i, BAD_AMI) for i in ids])
    env = alert_env(webhook)
    srv = aws_server(make_server, fake_aws, **env)
    tok = srv.token("ingest")
    for i in ids[:100]:
        assert srv.request("POST", "/v1/events", token=tok, body=run_instances(
            account=ACCOUNT, region=REGION, instance_id=i, image_id=BAD_AMI)).status == 202

    def counted(n):
        con = sqlite3.connect(srv.db, timeout=10)
        try:
            got = con.execute("SELECT sum(n) FROM alert_digest_counts WHERE dimension = 'account'").fetchone()[0]
        finally:
            con.close()
        return got == 2 * n       # both destinations
    # 100 judged: per destination 20 singles and 80 counted in the open digest.
    wait_for(lambda: counted(80), 30, "80 alerts per destination in the digests")
    srv.kill9()                       # mid-storm
    srv.start()
    for i in ids[100:]:
        assert srv.request("POST", "/v1/events", token=tok, body=run_instances(
            account=ACCOUNT, region=REGION, instance_id=i, image_id=BAD_AMI)).status == 202
    wait_for(lambda: counted(180), 30, "180 alerts per destination in the digests")
    # The digest goes out when the window (a minute from the first alert) closes.
    for dest in ("eventbridge", "webhook"):
        rows = settled(srv.db, dest, 21, timeout=90)
        assert len(rows) == 21 and all(r["state"] == "done" for r in rows), rows
        singles = [r for r in rows if r["instance_id"]]
        assert len(singles) == 20
        assert [r["instance_id"] for r in rows if not r["instance_id"]] == [None]

    evs = events(fake_aws)
    changes = [e for e in evs if e["entry"]["DetailType"] == "Italic Compliance Change"]
    digests = [e for e in evs if e["entry"]["DetailType"] == "Italic Compliance Digest"]
    assert len(changes) == 20 and len(digests) == 1, (len(changes), len(digests))
    d = digests[0]["detail"]
    assert d["kind"] == "digest" and d["count"] == 180
    assert d["by_account"] == {ACCOUNT: 180} and d["by_image"] == {BAD_AMI: 180}
    assert d["by_to"] == {"NON_COMPLIANT": 180}
    assert d["by_account_others"] == 0 and d["by_image_others"] == 0
    assert len(d["instances"]) == 20 and d["instances_not_listed"] == 160
    assert d["url"] == "https://italic.example.com/v1/instances?compliance=NON_COMPLIANT"
    listed = {x["instance_id"] for x in d["instances"]}
    single_ids = {e["detail"]["instance_id"] for e in changes}
    assert not listed & single_ids and listed <= set(ids)
    assert digests[0]["entry"]["Resources"] == [
        "arn:aws:ec2:%s:%s:instance/%s" % (REGION, ACCOUNT, x["instance_id"]) for x in d["instances"]]
    from test_event_pattern import envelope, load, matches
    hub = load(os.path.join(ROOT, "deploy", "hub.yaml"))["Resources"]
    ev = envelope("italic", "Italic Compliance Digest", d, CENTRAL, REGION)
    assert matches(hub["AlertDigestRule"]["Properties"]["EventPattern"], ev)
    assert not matches(hub["AlertRule"]["Properties"]["EventPattern"], ev)

    # The webhook got the same: 20 changes and one digest, each signed (a single may come
    # twice if the kill caught it between the POST and its record: at least once).
    reqs = webhook.requests
    by_delivery = {}
    for r in reqs:
        assert r["signature_ok"] and r["timestamp_ok"]
        by_delivery.setdefault(r["headers"]["X-Italic-Delivery"], r)
    kinds = sorted(r["headers"]["X-Italic-Event"] for r in by_delivery.values())
    assert kinds == ["change"] * 20 + ["digest"]
    assert [r["json"] for r in reqs if r["headers"]["X-Italic-Event"] == "digest"] == [d]


def test_putevents_partial_failure_retries_only_the_failed_entries(make_server, fake_aws, tmp_path):
    four = [I1, I2, I3, "i-0a1e000000000000d"]
    # Without AWS the alerts wait in the outbox, so the restart below sends them in one call.
    srv = local_server(make_server, ITALIC_ALERT_EVENTBUS=BUS)
    for i in four:
        r = srv.request("POST", "/v1/events", token=srv.token("ingest"), body=run_instances(
            account=ACCOUNT, region=REGION, instance_id=i, image_id=BAD_AMI))
        assert r.status == 202
    wait_for(lambda: len(deliveries(srv.db, "eventbridge")) == 4, 15, "four alerts waiting")
    assert srv.stop() == 0
    fake_aws.control("events_failures", [
        {"match": I2, "code": "InternalFailure", "message": "try again", "count": 2},
        {"match": four[3], "code": "MalformedDetail", "message": "never", "count": 100}])
    srv2 = make_server(env=fake_aws.env(ITALIC_AWS="auto", ITALIC_ALERT_EVENTBUS=BUS, ITALIC_SWEEP_INTERVAL="0",
                                        ITALIC_DB=srv.db), directory=srv.dir)
    rows = settled(srv2.db, "eventbridge", 4, timeout=30)
    by = {r["instance_id"]: r for r in rows}
    assert [by[i]["state"] for i in (I1, I2, I3)] == ["done"] * 3
    assert by[I1]["attempts"] == 1 and by[I3]["attempts"] == 1 and by[I2]["attempts"] == 3
    assert by[four[3]]["state"] == "failed" and by[four[3]]["attempts"] == 1
    assert by[four[3]]["last_error"].startswith("PutEvents entry failed: MalformedDetail"), by[four[3]]
    calls = put_events_calls(fake_aws)
    # One call with all four; then the retryable failure alone, twice.
    assert [c["entries"] for c in calls] == [[I1, I2, I3, four[3]], [I2], [I2]], [c["entries"] for c in calls]
    assert calls[0]["failed_entries"] == [1, 3] and calls[1]["failed_entries"] == [0]
    assert calls[2]["failed_entries"] == []
    assert sorted(e["detail"]["instance_id"] for e in events(fake_aws)) == sorted([I1, I2, I3])


def test_webhook_500_then_200_is_delivered_once(make_server, webhook):
    webhook.answer(500, b"upstream hiccup")
    srv = local_server(make_server, webhook)
    launch(srv, I1, BAD_AMI)
    rows = settled(srv.db, "webhook", 1, timeout=20)
    assert rows[0]["state"] == "done" and rows[0]["attempts"] == 2 and rows[0]["last_error"] is None
    reqs = webhook.requests
    assert [r["status"] for r in reqs] == [500, 200]
    assert reqs[0]["body"] == reqs[1]["body"] and all(r["signature_ok"] and r["timestamp_ok"] for r in reqs)
    assert reqs[0]["headers"]["X-Italic-Delivery"] == reqs[1]["headers"]["X-Italic-Delivery"]
    time.sleep(1.5)
    assert len(webhook.requests) == 2
    m = srv.get("/metrics", token=srv.token("reader")).body
    assert 'italic_deliveries_sent_total{destination="webhook",outcome="retry"} 1' in m
    assert 'italic_deliveries_sent_total{destination="webhook",outcome="delivered"} 1' in m


def test_webhook_retry_after_honoured_and_4xx_final(make_server, webhook):
    webhook.answer(429, b"slow down", {"Retry-After": "3"})
    srv = local_server(make_server, webhook)
    launch(srv, I1, BAD_AMI)
    rows = settled(srv.db, "webhook", 1, timeout=20)
    reqs = webhook.requests
    assert [r["status"] for r in reqs] == [429, 200] and rows[0]["state"] == "done"
    assert reqs[1]["received_at"] - reqs[0]["received_at"] >= 2.9, reqs[1]["received_at"] - reqs[0]["received_at"]
    # A 4xx other than 408/429: failed for good, the answer's first bytes kept.
    webhook.answer(404, b"no such hook \x00\xff" + b"x" * 500)
    launch(srv, I2, BAD_AMI)
    rows = settled(srv.db, "webhook", 2, timeout=20)
    bad = [r for r in rows if r["instance_id"] == I2][0]
    assert bad["state"] == "failed" and bad["attempts"] == 1
    assert bad["last_error"].startswith("HTTP 404: no such hook ??xxx"), bad["last_error"]
    assert len(bad["last_error"]) <= len("HTTP 404: ") + 200
    r = srv.get("/v1/deliveries?destination=webhook&state=failed", token=srv.token("reader"))
    assert [i["instance_id"] for i in r.json()["items"]] == [I2]
    time.sleep(1.5)
    assert len(webhook.requests) == 3


def test_kill_9_with_alerts_pending_delivers_after_restart(make_server, fake_aws, webhook):
    arrange(fake_aws, [(I1, BAD_AMI), (I2, BAD_AMI)])
    webhook.answer(503, b"down", times=1000)
    fake_aws.control("faults", [{"service": "events", "operation": "*", "kind": "5xx", "count": 100000}])
    srv = aws_server(make_server, fake_aws, **alert_env(webhook))
    launch(srv, I1, BAD_AMI)
    launch(srv, I2, BAD_AMI)
    wait_for(lambda: len([r for r in deliveries(srv.db) if r["attempts"] >= 1]) == 4, 20, "attempts on all alerts")
    assert all(r["state"] == "pending" for r in deliveries(srv.db))
    srv.kill9()
    webhook.script.clear()
    fake_aws.control("clear_faults", {})
    srv.start()
    settled(srv.db, "eventbridge", 2, timeout=30)
    settled(srv.db, "webhook", 2, timeout=30)
    assert all(r["state"] == "done" for r in deliveries(srv.db))
    assert sorted(e["detail"]["instance_id"] for e in events(fake_aws)) == [I1, I2]
    ok = [r for r in webhook.requests if r["status"] == 200]
    assert sorted(r["json"]["instance_id"] for r in ok) == [I1, I2]


def test_alerts_test_endpoint(make_server, fake_aws, webhook):
    srv = aws_server(make_server, fake_aws, **alert_env(webhook))
    adm = srv.token("admin")
    assert srv.request("POST", "/v1/alerts/test", token=srv.token("reader")).status == 403
    r = srv.request("POST", "/v1/alerts/test", token=adm)
    assert r.status == 200, r
    res = {x["destination"]: x for x in r.json()["results"]}
    assert res["eventbridge"]["ok"] is True and res["eventbridge"]["status"] == 200
    assert res["eventbridge"]["error"] is None
    ev = events(fake_aws)
    assert [e["event_id"] for e in ev] == [res["eventbridge"]["answer"]]
    d = ev[0]["detail"]
    assert d["kind"] == "test" and d["instance_id"] == "italic-test-alert" and "TEST ALERT" in d["reasons"][0]
    assert ev[0]["entry"]["DetailType"] == "Italic Compliance Change" and "Resources" not in ev[0]["entry"]
    assert res["webhook"] == {"destination": "webhook", "ok": True, "status": 200, "answer": "ok", "error": None}
    h = webhook.wait(1)[0]
    assert h["signature_ok"] and h["timestamp_ok"] and h["headers"]["X-Italic-Event"] == "test"
    assert "X-Italic-Delivery" not in h["headers"] and h["json"] == d
    # Not an outbox delivery, not counted by the storm rule.
    assert deliveries(srv.db) == []
    # A refusing destination is reported, not hidden.
    webhook.answer(401, b"bad signature")
    fake_aws.control("faults", [{"service": "events", "operation": "*", "kind": "error", "status": 400,
                                 "code": "AccessDeniedException", "count": 1}])
    res = {x["destination"]: x for x in srv.request("POST", "/v1/alerts/test", token=adm).json()["results"]}
    assert res["webhook"]["ok"] is False and res["webhook"]["status"] == 401
    assert res["webhook"]["error"] == "HTTP 401: bad signature"
    assert res["eventbridge"]["ok"] is False and res["eventbridge"]["error"].startswith("AccessDeniedException")
    assert srv.stop() == 0
    # Without any destination: 409.
    plain = make_server()
    r = plain.request("POST", "/v1/alerts/test", token=plain.token("admin"))
    assert r.status == 409 and "ITALIC_ALERT_EVENTBUS" in r.json()["detail"]


def test_slack_format_without_secret(make_server, webhook):
    srv = local_server(make_server, ITALIC_ALERT_WEBHOOK_URL=webhook.url, ITALIC_ALERT_WEBHOOK_FORMAT="slack")
    launch(srv, I1, BAD_AMI)
    settled(srv.db, "webhook", 1)
    h = webhook.wait(1)[0]
    assert "X-Italic-Signature" not in h["headers"] and "X-Italic-Timestamp" not in h["headers"]
    assert set(h["json"]) == {"text"}
    assert h["json"]["text"] == ("Italic: %s (%s/%s, image %s) is new: NON_COMPLIANT: rule golden: owner "
                                 "111111111111 not in owners. /v1/instances/%s/%s/%s") % (
        I1, ACCOUNT, REGION, BAD_AMI, ACCOUNT, REGION, I1)


BAD_SETTINGS = [
    ({"ITALIC_ALERT_ON": "sometimes"}, "ITALIC_ALERT_ON (expected noncompliant or all)"),
    ({"ITALIC_ALERT_WEBHOOK_FORMAT": "xml"}, "ITALIC_ALERT_WEBHOOK_FORMAT (expected json or slack)"),
    ({"ITALIC_ALERT_MAX_PER_MINUTE": "-1"}, "ITALIC_ALERT_MAX_PER_MINUTE"),
    ({"ITALIC_ALERT_MAX_PER_MINUTE": "100001"}, "ITALIC_ALERT_MAX_PER_MINUTE"),
    ({"ITALIC_ALERT_WEBHOOK_URL": "http://hooks.example.com/x", "ITALIC_ALERT_WEBHOOK_SECRET": "s" * 32},
     "plain http is allowed only for a loopback address"),
    ({"ITALIC_ALERT_WEBHOOK_URL": "https://user:pw@hooks.example.com/x", "ITALIC_ALERT_WEBHOOK_SECRET": "s" * 32},
     "must not carry a user name or password"),
    ({"ITALIC_ALERT_WEBHOOK_URL": "ftp://hooks.example.com/x"}, "must start with https://"),
    ({"ITALIC_ALERT_WEBHOOK_URL": "https://hooks.example.com/x"}, "needs ITALIC_ALERT_WEBHOOK_SECRET"),
    ({"ITALIC_ALERT_WEBHOOK_URL": "https://hooks.example.com/x", "ITALIC_ALERT_WEBHOOK_SECRET": "short-secret"},
     "ITALIC_ALERT_WEBHOOK_SECRET (expected 16 to 1024 bytes)"),
    ({"ITALIC_ALERT_WEBHOOK_SECRET": "s" * 32}, "ITALIC_ALERT_WEBHOOK_URL is not"),
    ({"ITALIC_ALERT_WEBHOOK_URL": "https://h.example.com/x", "ITALIC_ALERT_WEBHOOK_SECRET": "s" * 32,
      "ITALIC_ALERT_WEBHOOK_SECRET_FILE": "/etc/hostname"}, "not both"),
    ({"ITALIC_ALERT_WEBHOOK_URL": "https://h.example.com/x", "ITALIC_ALERT_WEBHOOK_SECRET_FILE": "/nonexistent/s"},
     "ITALIC_ALERT_WEBHOOK_SECRET_FILE /nonexistent/s cannot be read"),
    ({"ITALIC_ALERT_EVENTBUS": "bad bus name"}, "ITALIC_ALERT_EVENTBUS"),
    ({"ITALIC_ALERT_EVENTBUS": "arn:aws:events:us-east-1:12345:event-bus/x"}, "ITALIC_ALERT_EVENTBUS"),
    ({"ITALIC_PUBLIC_URL": "https://italic.example.com/?a=b"}, "ITALIC_PUBLIC_URL"),
]


def test_bad_alert_settings_exit_2_naming_the_setting(tmp_path):
    for extra, want in BAD_SETTINGS:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ITALIC_", "AWS_"))}
        env.update({"ITALIC_DB": str(tmp_path / "never.db"), "ITALIC_AWS": "off", "ITALIC_LISTEN": "127.0.0.1:1"})
        env.update(extra)
        p = subprocess.run([BIN, "serve"], env=env, capture_output=True, text=True, timeout=20)
        assert p.returncode == 2, (extra, p.returncode, p.stderr)
        assert want in p.stderr, (extra, p.stderr)
        for v in extra.values():
            if "secret" in v.lower() or v == "s" * 32 or "pw@" in v:
                assert v not in p.stderr, (extra, p.stderr)
        assert not os.path.exists(tmp_path / "never.db"), extra
    h = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True, timeout=20).stdout
    for name in ("ITALIC_ALERT_EVENTBUS", "ITALIC_ALERT_WEBHOOK_URL", "ITALIC_ALERT_WEBHOOK_SECRET",
                 "ITALIC_ALERT_WEBHOOK_SECRET_FILE", "ITALIC_ALERT_WEBHOOK_FORMAT", "ITALIC_ALERT_ON",
                 "ITALIC_ALERT_MAX_PER_MINUTE", "ITALIC_PUBLIC_URL"):
        assert name in h, name


def test_eventbus_arn_outside_the_home_region_is_refused(make_server, fake_aws, tmp_path):
    env = fake_aws.env(ITALIC_AWS="auto", ITALIC_DB=str(tmp_path / "x.db"), ITALIC_LISTEN="127.0.0.1:1",
                       ITALIC_ALERT_EVENTBUS="arn:aws:events:eu-west-1:%s:event-bus/italic" % CENTRAL)
    p = subprocess.run([BIN, "serve"], env=env, capture_output=True, text=True, timeout=20)
    assert p.returncode == 2 and "not in the home Region us-east-1" in p.stderr, p.stderr


def test_secret_file_is_read(make_server, webhook, tmp_path):
    path = tmp_path / "secret"
    path.write_text(SECRET + "\n")
    srv = local_server(make_server, ITALIC_ALERT_WEBHOOK_URL=webhook.url,
                       ITALIC_ALERT_WEBHOOK_SECRET_FILE=str(path))
    launch(srv, I1, BAD_AMI)
    settled(srv.db, "webhook", 1)
    assert webhook.wait(1)[0]["signature_ok"]


def readme_snippet(kind):
    """The code block after "<!-- receiver: kind -->" in docs/alerts.md."""
    with open(os.path.join(ROOT, "docs", "alerts.md"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"<!-- receiver: %s -->\n```\w+\n(.*?)\n```" % kind, text, re.S)
    assert m, "docs/alerts.md has no %s receiver snippet" % kind
    return m.group(1)


def test_readme_receivers_check_a_real_delivery(make_server, webhook, tmp_path):
    srv = local_server(make_server, webhook)
    launch(srv, I1, BAD_AMI)
    got = webhook.wait(1)[0]
    headers, body = got["headers"], got["body"]
    assert got["signature_ok"]

    # The Python snippet, as printed.
    scope = {}
    exec(compile(readme_snippet("python"), "docs/alerts.md", "exec"), scope)
    ok = scope["italic_alert_ok"]
    assert ok(SECRET.encode(), headers, body) is True
    assert ok(SECRET.encode(), headers, body + b" ") is False
    assert ok(b"another-secret-0123456789", headers, body) is False
    old = str(int(headers["X-Italic-Timestamp"]) - WINDOW - 10)
    replay = dict(headers, **{"X-Italic-Timestamp": old, "X-Italic-Signature": signature(SECRET, old, body)})
    assert ok(SECRET.encode(), replay, body) is False
    assert ok(SECRET.encode(), {}, body) is False

    # The shell snippet, as printed, with openssl.
    script = tmp_path / "check.sh"
    script.write_text(readme_snippet("shell") + "\n")

    def shell(body_bytes, ts, sig):
        (tmp_path / "body.json").write_bytes(body_bytes)
        env = dict(os.environ, ts=ts, sig=sig, ITALIC_ALERT_WEBHOOK_SECRET=SECRET)
        p = subprocess.run(["bash", str(script)], cwd=str(tmp_path), env=env, capture_output=True, text=True,
                           timeout=20)
        return p.returncode, p.stdout.strip()
    assert shell(body, headers["X-Italic-Timestamp"], headers["X-Italic-Signature"]) == (0, "signature ok")
    assert shell(body.replace(b"NON_COMPLIANT", b"COMPLIANT"), headers["X-Italic-Timestamp"],
                 headers["X-Italic-Signature"]) == (1, "forged")
    assert shell(body, old, signature(SECRET, old, body)) == (1, "stale")
    assert srv.stop() == 0
