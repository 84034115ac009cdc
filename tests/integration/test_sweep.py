"""The reconciliation sweep against the fake AWS: an instance no event announced is
evaluated, one that vanished is retired, one whose state changed unnoticed is fixed,
and each pair's last sweep is visible in GET /v1/sweeps."""
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
