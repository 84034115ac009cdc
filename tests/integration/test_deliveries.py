"""Deliveries to AWS Config, Security Hub and the SIEM bucket, against the fake AWS
(every request's SigV4 signature verified by botocore; member role assumed in the
instance's account)."""
import re

from aws_fixtures import fake_aws  # noqa: F401  (pytest fixture)
from policy_helpers import check_schema
from deliverylib import (ACCOUNT, BAD_AMI, GOOD_AMI, REGION, aws_server, deliveries, fake_instance,
                         gunzip_lines, images, invocation, post, run_instances, scheduled, state_change,
                         time, wait_delivered, wait_for)

I1, I2 = "i-0000000000000000a", "i-0000000000000000b"
FAIL_ID = "i-0fa11ed0000000001"


def arrange(fake, instances):
    fake.control("images", images())
    fake.control("instances", [fake_instance(i, img) for i, img in instances])


def calls(fake, service, operation):
    return [r for r in fake.requests(service, operation) if r["status"] == 200]


def test_config_put_evaluations_exact(make_server, fake_aws):
    arrange(fake_aws, [(I1, GOOD_AMI), (I2, BAD_AMI)])
    srv = aws_server(make_server, fake_aws)
    post(srv, invocation(I1, GOOD_AMI, "TOKEN-A", capture="2026-01-15T10:00:00.000Z"))
    post(srv, invocation(I2, BAD_AMI, "TOKEN-B", capture="2026-01-15T10:00:05.900Z"))
    wait_delivered(srv.db, "config", 2)
    reqs = calls(fake_aws, "config", "PutEvaluations")
    assert len(reqs) == 2
    for r in reqs:
        # In the member account (the assumed role's key), in the rule's region.
        assert r["account"] == ACCOUNT and r["region"] == REGION
        assert r["headers"]["X-Amz-Target"] == "StarlingDoveService.PutEvaluations"
        assert r["headers"]["Content-Type"] == "application/x-amz-json-1.1"
    evs = {e["result_token"]: e for e in fake_aws.state()["evaluations"]}
    assert evs["TOKEN-A"] == {
        "ComplianceResourceType": "AWS::EC2::Instance", "ComplianceResourceId": I1,
        "ComplianceType": "COMPLIANT", "OrderingTimestamp": 1768471200,
        "Annotation": "allowed by rule golden. See /v1/instances/%s/%s/%s" % (ACCOUNT, REGION, I1),
        "account": ACCOUNT, "region": REGION, "result_token": "TOKEN-A"}
    b = evs["TOKEN-B"]
    assert b["ComplianceType"] == "NON_COMPLIANT" and b["OrderingTimestamp"] == 1768471205
    assert b["Annotation"] == "rule golden: owner 111111111111 not in owners. See /v1/instances/%s/%s/%s" % (
        ACCOUNT, REGION, I2)
    # The API shows them delivered.
    r = srv.get("/v1/deliveries?destination=config&state=done", token=srv.token("reader"))
    assert r.status == 200
    items = r.json()["items"]
    # Newest first; the two events are judged by different evaluator workers, so which
    # verdict (and delivery) came first is not fixed.
    assert sorted(i["instance_id"] for i in items) == [I1, I2]
    assert [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True)
    assert all(i["attempts"] == 1 and i["last_error"] is None and i["done_at"] and i["next_attempt_at"] is None
               for i in items)


def test_scheduled_notification_batches_of_100(make_server, fake_aws):
    ids = ["i-%017x" % (0x1000 + k) for k in range(130)]
    arrange(fake_aws, [(i, GOOD_AMI if k % 2 else BAD_AMI) for k, i in enumerate(ids)])
    srv = aws_server(make_server, fake_aws)
    tok = srv.token("ingest")
    for i in ids:   # instances Italic knows from events (no Config token)
        r = srv.request("POST", "/v1/events", token=tok,
                        body=run_instances(account=ACCOUNT, region=REGION, instance_id=i, image_id=GOOD_AMI))
        assert r.status == 202
    wait_for(lambda: len(deliveries(srv.db)) == 0 and _count(srv.db) == 130, 30, "130 verdicts")
    post(srv, scheduled("TOKEN-SCHEDULED"))
    wait_delivered(srv.db, "config", 130, timeout=30)
    reqs = calls(fake_aws, "config", "PutEvaluations")
    sizes = sorted(len(__import__("json").loads(r["body"])["Evaluations"]) if len(r["body"]) < 4096 else 100
                   for r in reqs)
    evs = [e for e in fake_aws.state()["evaluations"] if e["result_token"] == "TOKEN-SCHEDULED"]
    assert len(evs) == 130 and len({e["ComplianceResourceId"] for e in evs}) == 130
    assert len(reqs) == 2 and sizes[-1] <= 100, sizes
    # Scheduled: OrderingTimestamp is the notification's time.
    assert {e["OrderingTimestamp"] for e in evs} == {1768478400}
    assert all(len(e["Annotation"]) <= 256 and e["Annotation"].endswith("/" + e["ComplianceResourceId"])
               for e in evs)


def _count(db):
    import sqlite3
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute("SELECT count(*) FROM instances").fetchone()[0]
    finally:
        con.close()


def test_annotation_cut_to_256_ends_with_path(make_server, fake_aws):
    # Many rules, each of which explains why it did not allow the image: long reasons.
    arrange(fake_aws, [(I2, BAD_AMI)])
    srv = aws_server(make_server, fake_aws)
    adm = srv.token("admin")
    for k in range(12):
        r = srv.request("POST", "/v1/rules", token=adm, body={
            "id": "owner-rule-with-a-long-name-%02d" % k, "criteria": {"owners": ["%012d" % (222222222222 + k)]}})
        assert r.status == 201, r
    time.sleep(1.5)   # the rule snapshot reloads
    post(srv, invocation(I2, BAD_AMI, "TOKEN-LONG"))
    wait_delivered(srv.db, "config", 1)
    ev = [e for e in fake_aws.state()["evaluations"] if e["result_token"] == "TOKEN-LONG"][0]
    path = "/v1/instances/%s/%s/%s" % (ACCOUNT, REGION, I2)
    assert len(ev["Annotation"]) <= 256 and len(ev["Annotation"]) > 200, ev["Annotation"]
    assert ev["Annotation"].endswith("… See " + path), ev["Annotation"]


def test_insufficient_data_withheld_then_sent_once(make_server, fake_aws):
    # The image cannot be read (DescribeImages denied, no metadata fallback) and is not
    # registered: no definite verdict yet.
    unknown = "ami-0c0c0c0c0c0c0c0c0"
    fake_aws.control("images", images())
    fake_aws.control("instances", [fake_instance(I1, unknown)])
    fake_aws.control("image_metadata", {"supported": False})
    fake_aws.control("faults", [{"service": "ec2", "operation": "DescribeImages", "kind": "error", "status": 403,
                                 "code": "UnauthorizedOperation", "count": 100000}])
    srv = aws_server(make_server, fake_aws)
    post(srv, invocation(I1, unknown, "TOKEN-UNKNOWN"))
    v = wait_for(lambda: _verdict(srv.db, I1), 10, "a verdict")
    assert v == "INSUFFICIENT_DATA", v
    time.sleep(1.5)
    assert deliveries(srv.db, "config") == []
    assert calls(fake_aws, "config", "PutEvaluations") == []
    # Registering the image makes the verdict definite: sent with the stored token.
    r = srv.request("PUT", "/v1/images/%s/%s" % (REGION, unknown), token=srv.token("admin"),
                    body={"owner_alias": "amazon", "tags": {}})
    assert r.status in (200, 201), r
    wait_delivered(srv.db, "config", 1, timeout=20)
    time.sleep(1.5)
    evs = [e for e in fake_aws.state()["evaluations"] if e["result_token"] == "TOKEN-UNKNOWN"]
    assert len(evs) == 1 and evs[0]["ComplianceType"] == "COMPLIANT", evs
    assert all(e["ComplianceType"] != "INSUFFICIENT_DATA" for e in fake_aws.state()["evaluations"])


def _verdict(db, instance_id):
    import sqlite3
    con = sqlite3.connect(db, timeout=10)
    try:
        r = con.execute("SELECT compliance FROM instances WHERE instance_id = ?", (instance_id,)).fetchone()
        return r[0] if r else None
    finally:
        con.close()


def test_securityhub_finding_then_archived_on_termination(make_server, fake_aws):
    arrange(fake_aws, [(I2, BAD_AMI)])
    srv = aws_server(make_server, fake_aws, ITALIC_CONFIG_REPORT="off", ITALIC_SECURITYHUB="on")
    tok = srv.token("ingest")
    r = srv.request("POST", "/v1/events", token=tok, body=run_instances(
        account=ACCOUNT, region=REGION, instance_id=I2, image_id=BAD_AMI, event_time="2026-01-15T10:00:00Z"))
    assert r.status == 202
    wait_delivered(srv.db, "securityhub", 1)
    first = fake_aws.state()["findings"]
    assert len(first) == 1
    f = first[0]
    assert f["Id"] == "italic/%s/%s/%s" % (ACCOUNT, REGION, I2)
    assert f["ProductArn"] == "arn:aws:securityhub:us-east-1:%s:product/%s/default" % (ACCOUNT, ACCOUNT)
    assert f["_account"] == ACCOUNT and f["_region"] == REGION and f["AwsAccountId"] == ACCOUNT
    assert f["SchemaVersion"] == "2018-10-08" and f["GeneratorId"] == "italic-approved-ami"
    assert f["Severity"] == {"Label": "HIGH"} and f["FindingProviderFields"]["Severity"] == {"Label": "HIGH"}
    assert f["Compliance"] == {"Status": "FAILED"} and f["RecordState"] == "ACTIVE"
    assert f["Resources"] == [{"Type": "AwsEc2Instance", "Partition": "aws", "Region": REGION,
                               "Id": "arn:aws:ec2:%s:%s:instance/%s" % (REGION, ACCOUNT, I2),
                               "Details": {"AwsEc2Instance": {"ImageId": BAD_AMI}}}]
    assert f["CreatedAt"] == f["UpdatedAt"]
    assert f["Description"] == "rule golden: owner 111111111111 not in owners"
    # Terminated: the same finding, archived, newer UpdatedAt, same CreatedAt.
    fake_aws.control("instances", [fake_instance(I2, BAD_AMI, state="terminated")])
    r = srv.request("POST", "/v1/events", token=tok, body=state_change(
        "terminated", account=ACCOUNT, region=REGION, instance_id=I2, event_time="2026-01-15T11:00:00Z"))
    assert r.status == 202
    wait_delivered(srv.db, "securityhub", 2)
    both = fake_aws.state()["findings"]
    assert len(both) == 2
    g = both[1]
    assert g["Id"] == f["Id"] and g["RecordState"] == "ARCHIVED" and g["Compliance"] == {"Status": "NOT_AVAILABLE"}
    assert g["CreatedAt"] == f["CreatedAt"] and g["UpdatedAt"] > f["UpdatedAt"]
    assert g["Title"] == "EC2 instance %s no longer exists" % I2


def test_siem_objects_gzip_json_lines(make_server, fake_aws):
    ids = ["i-%017x" % (0x2000 + k) for k in range(5)]
    arrange(fake_aws, [(i, GOOD_AMI) for i in ids])
    srv = aws_server(make_server, fake_aws, ITALIC_CONFIG_REPORT="off", ITALIC_SIEM_BUCKET="italic-logs",
                     ITALIC_SIEM_PREFIX="siem/", ITALIC_SIEM_FLUSH_SECONDS="1")
    tok = srv.token("ingest")
    for i in ids:
        assert srv.request("POST", "/v1/events", token=tok, body=run_instances(
            account=ACCOUNT, region=REGION, instance_id=i, image_id=GOOD_AMI)).status == 202
    wait_delivered(srv.db, "siem", 5)
    objs = fake_aws.objects()
    lines = []
    for key, body in objs.items():
        assert re.fullmatch(r"italic-logs/siem/dt=\d{4}-\d\d-\d\d/hour=\d\d/[A-Za-z0-9.-]+-\d{8}T\d{9}Z-\d+\.jsonl\.gz",
                            key), key
        lines += gunzip_lines(body)
    assert sorted(l["instance_id"] for l in lines) == sorted(ids)
    for l in lines:
        assert l["compliance"] == "COMPLIANT" and l["account"] == ACCOUNT and l["trigger"] == "event"
        assert l["image_id"] == GOOD_AMI and l["matched_rule"] == "golden" and l["state"] == "running"
        assert l["resource_type"] == "AwsEc2Instance"   # launch templates write AwsEc2LaunchTemplate
    puts = calls(fake_aws, "s3", "PutObject")
    assert puts and all(p["account"] == "999999999999" for p in puts)   # the service's own account
    assert all(p["headers"]["Content-Type"] == "application/gzip" for p in puts)


def test_siem_drained_on_shutdown(make_server, fake_aws):
    arrange(fake_aws, [(I1, GOOD_AMI)])
    srv = aws_server(make_server, fake_aws, ITALIC_CONFIG_REPORT="off", ITALIC_SIEM_BUCKET="italic-logs",
                     ITALIC_SIEM_FLUSH_SECONDS="3600")
    assert srv.request("POST", "/v1/events", token=srv.token("ingest"), body=run_instances(
        account=ACCOUNT, region=REGION, instance_id=I1, image_id=GOOD_AMI)).status == 202
    wait_for(lambda: deliveries(srv.db, "siem"), 10, "a siem row")
    time.sleep(1.5)
    assert fake_aws.objects() == {}          # not due for an hour
    assert srv.stop() == 0
    objs = fake_aws.objects()
    assert len(objs) == 1
    assert [l["instance_id"] for l in gunzip_lines(list(objs.values())[0])] == [I1]
    assert deliveries(srv.db, "siem")[0]["state"] == "done"


def test_retries_under_throttling_and_5xx_then_success(make_server, fake_aws):
    arrange(fake_aws, [(I2, BAD_AMI)])
    # More failures than one call's own retries (4 attempts): the row itself is retried.
    fake_aws.control("faults", [{"service": "config", "operation": "PutEvaluations", "kind": "throttle", "count": 5},
                                {"service": "securityhub", "operation": "*", "kind": "5xx", "count": 5}])
    srv = aws_server(make_server, fake_aws, ITALIC_SECURITYHUB="on")
    post(srv, invocation(I2, BAD_AMI, "TOKEN-RETRY"))
    rows = wait_delivered(srv.db, "config", 1, timeout=30)
    assert rows[0]["state"] == "done" and rows[0]["attempts"] == 2, rows
    rows = wait_delivered(srv.db, "securityhub", 1, timeout=30)
    assert rows[0]["state"] == "done" and rows[0]["attempts"] == 2, rows
    assert len(fake_aws.state()["evaluations"]) == 1 and len(fake_aws.state()["findings"]) == 1
    assert len(fake_aws.requests("config", "PutEvaluations")) == 6
    assert len(fake_aws.requests("securityhub", "BatchImportFindings")) == 6


def test_final_error_fails_the_row_at_once(make_server, fake_aws):
    arrange(fake_aws, [(I2, BAD_AMI)])
    fake_aws.control("faults", [{"service": "config", "operation": "PutEvaluations", "kind": "error",
                                 "status": 400, "code": "InvalidResultTokenException", "count": 1}])
    srv = aws_server(make_server, fake_aws)
    post(srv, invocation(I2, BAD_AMI, "TOKEN-BAD"))
    rows = wait_delivered(srv.db, "config", 1)
    assert rows[0]["state"] == "failed" and rows[0]["attempts"] == 1
    assert rows[0]["last_error"].startswith("InvalidResultTokenException"), rows[0]["last_error"]
    r = srv.get("/v1/deliveries?state=failed", token=srv.token("reader"))
    assert [i["instance_id"] for i in r.json()["items"]] == [I2]
    assert len(fake_aws.requests("config", "PutEvaluations")) == 1
    m = srv.get("/metrics", token=srv.token("reader")).body
    assert 'italic_deliveries{destination="config",state="failed"} 1' in m
    assert 'italic_deliveries_sent_total{destination="config",outcome="failed"} 1' in m


def test_partial_failures_are_retried_not_dropped(make_server, fake_aws):
    arrange(fake_aws, [(I1, GOOD_AMI), (FAIL_ID, BAD_AMI)])
    srv = aws_server(make_server, fake_aws, ITALIC_SECURITYHUB="on")
    post(srv, scheduled("TOKEN-PARTIAL-0"))   # nothing known yet: nothing to send
    tok = srv.token("ingest")
    for i, img in ((I1, GOOD_AMI), (FAIL_ID, BAD_AMI)):
        assert srv.request("POST", "/v1/events", token=tok, body=run_instances(
            account=ACCOUNT, region=REGION, instance_id=i, image_id=img)).status == 202
    wait_for(lambda: _count(srv.db) == 2, 10, "two verdicts")
    post(srv, scheduled("TOKEN-PARTIAL"))

    def retried():
        rows = {(r["destination"], r["instance_id"]): r for r in deliveries(srv.db)}
        c, s = rows.get(("config", FAIL_ID)), rows.get(("securityhub", FAIL_ID))
        return rows if c and s and c["attempts"] >= 2 and s["attempts"] >= 2 else None
    rows = wait_for(retried, 20, "failed items retried")
    assert rows[("config", I1)]["state"] == "done" and rows[("securityhub", I1)]["state"] == "done"
    assert rows[("config", FAIL_ID)]["state"] == "pending"
    assert "FailedEvaluations" in rows[("config", FAIL_ID)]["last_error"]
    assert rows[("securityhub", FAIL_ID)]["state"] == "pending"
    assert "FailedFindings" in rows[("securityhub", FAIL_ID)]["last_error"]
    evs = fake_aws.state()["evaluations"]
    assert [e["ComplianceResourceId"] for e in evs] == [I1]


def test_kill_9_then_restart_delivers_each_exactly_once(make_server, fake_aws):
    ids = ["i-%017x" % (0x3000 + k) for k in range(6)]
    arrange(fake_aws, [(i, GOOD_AMI) for i in ids])
    env = dict(ITALIC_SECURITYHUB="on", ITALIC_SIEM_BUCKET="italic-logs", ITALIC_SIEM_FLUSH_SECONDS="1")
    srv = aws_server(make_server, fake_aws, **env)
    # First half delivered normally.
    for k, i in enumerate(ids[:3]):
        post(srv, invocation(i, GOOD_AMI, "TOKEN-K%d" % k))
    wait_delivered(srv.db, "config", 3)
    wait_delivered(srv.db, "securityhub", 3)
    wait_delivered(srv.db, "siem", 3)
    # Second half stuck behind failures, some mid-lease, when the process dies.
    fake_aws.control("faults", [{"service": s, "operation": "*", "kind": "5xx", "count": 100000}
                                for s in ("config", "securityhub", "s3")])
    for k, i in enumerate(ids[3:]):
        post(srv, invocation(i, GOOD_AMI, "TOKEN-K%d" % (k + 3)))
    wait_for(lambda: len([r for r in deliveries(srv.db) if r["attempts"] >= 1]) == 18, 20, "attempts on all rows")
    srv.kill9()
    fake_aws.control("clear_faults", {})
    srv.start()
    wait_delivered(srv.db, "config", 6)
    wait_delivered(srv.db, "securityhub", 6)
    wait_delivered(srv.db, "siem", 6)
    time.sleep(2.5)   # nothing more goes out
    st = fake_aws.state()
    assert sorted(e["ComplianceResourceId"] for e in st["evaluations"]) == sorted(ids)
    assert sorted(f["Resources"][0]["Id"].rsplit("/", 1)[1] for f in st["findings"]) == sorted(ids)
    lines = [l for body in fake_aws.objects().values() for l in gunzip_lines(body)]
    assert sorted(l["instance_id"] for l in lines) == sorted(ids)
    assert all(r["state"] == "done" for r in deliveries(srv.db))


def test_deliveries_api_validation_and_paging(make_server, fake_aws):
    ids = ["i-%017x" % (0x4000 + k) for k in range(3)]
    arrange(fake_aws, [(i, GOOD_AMI) for i in ids])
    srv = aws_server(make_server, fake_aws)
    for k, i in enumerate(ids):
        post(srv, invocation(i, GOOD_AMI, "TOKEN-P%d" % k))
    wait_delivered(srv.db, "config", 3)
    rd = srv.token("reader")
    for q, field in (("destination=email", "destination"), ("state=sent", "state"), ("limit=0", "limit"),
                     ("limit=1001", "limit"), ("limit=x", "limit"), ("cursor=-1", "cursor"), ("cursor=a", "cursor")):
        r = srv.get("/v1/deliveries?" + q, token=rd)
        assert r.status == 400 and r.json()["field"] == field, (q, r)
        assert r.headers["content-type"].startswith("application/problem+json")
    p1 = srv.get("/v1/deliveries?limit=2", token=rd).json()
    assert len(p1["items"]) == 2 and p1["next_cursor"]
    p2 = srv.get("/v1/deliveries?limit=2&cursor=" + p1["next_cursor"], token=rd).json()
    assert len(p2["items"]) == 1 and p2["next_cursor"] is None
    got = [i["id"] for i in p1["items"] + p2["items"]]
    assert got == sorted(got, reverse=True) and len(set(got)) == 3
    item = p2["items"][0]
    for i in p1["items"] + p2["items"]:
        check_schema(i, "Delivery")
    assert set(item) == {"id", "destination", "account", "region", "instance_id", "state", "attempts",
                         "last_error", "next_attempt_at", "created_at", "done_at"}
    assert srv.get("/v1/deliveries", token=srv.token("ingest")).status == 403


def test_a_new_verdict_wakes_the_deliverer(make_server, fake_aws):
    """The evaluator wakes the deliverers when it commits deliveries: an idle deliverer
    (napping up to 30 s while nothing is due) sends a new verdict's finding at once."""
    arrange(fake_aws, [(I1, GOOD_AMI)])
    srv = aws_server(make_server, fake_aws, ITALIC_CONFIG_REPORT="off", ITALIC_SECURITYHUB="on")
    time.sleep(2)   # the deliverer has looked, found nothing, and naps
    t0 = time.time()
    r = srv.request("POST", "/v1/events", token=srv.token("ingest"), body=run_instances(
        account=ACCOUNT, region=REGION, instance_id=I1, image_id=GOOD_AMI, event_time="2026-01-15T10:00:00Z"))
    assert r.status == 202
    wait_delivered(srv.db, "securityhub", 1, timeout=10)
    assert time.time() - t0 < 10
    assert len(fake_aws.state()["findings"]) == 1
