"""The evaluation pipeline with AWS: facts read from the fake AWS (signatures verified
by botocore), verification against a lying event, shared-image tags read in the owner
account, deprecated and vanished images, retries then INSUFFICIENT_DATA, and the
backlog answering 429 while AWS hangs."""
import concurrent.futures
import json
import time

import pytest

import eventlib
from aws_fixtures import fake_aws  # noqa: F401  (pytest fixture)
from eventlib import run_instances, state_change, wait_verdict

ACCOUNT = "111122223333"
OWNER = "444455556666"
REGION = "us-east-1"


def aws_server(make_server, fake, **extra):
    env = fake.env(ITALIC_AWS="auto", ITALIC_MEMBER_ROLE="ItalicMember", ITALIC_EXTERNAL_ID="ext-123",
                   ITALIC_IMAGE_CACHE_TTL="0")
    env.update(extra)
    fake.control("sts", {"external_id": "ext-123"})
    return make_server(env=env)


def rules(server, *rs):
    admin = server.token("admin")
    for r in rs:
        resp = server.request("POST", "/v1/rules", body=r, token=admin)
        assert resp.status == 201, resp


def image(image_id, owner=ACCOUNT, name="golden-al2023-2026.01", created="2026-11-01T00:00:00.000Z", **kw):
    d = {"ImageId": image_id, "OwnerId": owner, "Name": name, "CreationDate": created, "State": "available",
         "PlatformDetails": "Linux/UNIX", "Tags": {"Approved": "true"}}
    d.update(kw)
    return d


def instance(iid, image_id, state="running", account=ACCOUNT, region=REGION, tags=None):
    return {"account": account, "region": region, "InstanceId": iid, "ImageId": image_id, "State": state,
            "StateCode": {"pending": 0, "running": 16, "terminated": 48, "stopped": 80}[state],
            "Tags": tags or {"Name": "web"}}


def post(server, ev):
    r = server.request("POST", "/v1/events", body=ev, token=server.token("ingest"))
    assert r.status == 202, r
    return r


def test_state_change_reads_image_from_aws(make_server, fake_aws):
    s = aws_server(make_server, fake_aws)
    iid = "i-" + eventlib.hexid()
    fake_aws.control("images", [image("ami-0aaaaaaaaaaaaaaa1")])
    fake_aws.control("instances", [instance(iid, "ami-0aaaaaaaaaaaaaaa1")])
    rules(s, {"id": "golden", "criteria": {"name_patterns": ["golden-al2023-*"], "tags": {"Approved": ["true"]}}})
    post(s, state_change("running", account=ACCOUNT, region=REGION, instance_id=iid))
    v = wait_verdict(s.db, ACCOUNT, REGION, iid)
    assert v["compliance"] == "COMPLIANT" and v["matched_rule"] == "golden", v
    assert v["image_id"] == "ami-0aaaaaaaaaaaaaaa1" and v["facts_source"] == "describe-images"
    assert json.loads(v["tags"]) == {"Name": "web"}
    ops = {(r["operation"], r["account"]) for r in fake_aws.requests()}
    assert ("DescribeInstances", ACCOUNT) in ops and ("DescribeImages", ACCOUNT) in ops
    assert ("AssumeRole", "999999999999") in ops


def test_lying_event_is_judged_by_aws_image(make_server, fake_aws):
    s = aws_server(make_server, fake_aws)
    iid = "i-" + eventlib.hexid()
    fake_aws.control("images", [image("ami-0aaaaaaaaaaaaaaa1"), image("ami-0bbbbbbbbbbbbbbb2", name="rogue")])
    fake_aws.control("instances", [instance(iid, "ami-0bbbbbbbbbbbbbbb2")])
    rules(s, {"id": "golden", "criteria": {"image_ids": ["ami-0aaaaaaaaaaaaaaa1"]}})
    ev = run_instances(account=ACCOUNT, region=REGION, instance_id=iid, image_id="ami-0aaaaaaaaaaaaaaa1")
    post(s, ev)
    v = wait_verdict(s.db, ACCOUNT, REGION, iid)
    assert v["image_id"] == "ami-0bbbbbbbbbbbbbbb2" and v["compliance"] == "NON_COMPLIANT", v
    assert any("AWS says the instance runs ami-0bbbbbbbbbbbbbbb2" in r for r in json.loads(v["reasons"]))


def test_verify_off_trusts_the_event(make_server, fake_aws):
    s = aws_server(make_server, fake_aws, ITALIC_VERIFY="off")
    iid = "i-" + eventlib.hexid()
    fake_aws.control("images", [image("ami-0aaaaaaaaaaaaaaa1")])
    rules(s, {"id": "golden", "criteria": {"image_ids": ["ami-0aaaaaaaaaaaaaaa1"]}})
    post(s, run_instances(account=ACCOUNT, region=REGION, instance_id=iid, image_id="ami-0aaaaaaaaaaaaaaa1"))
    v = wait_verdict(s.db, ACCOUNT, REGION, iid)
    assert v["compliance"] == "COMPLIANT"
    assert not fake_aws.requests(operation="DescribeInstances")


def test_shared_image_tags_are_read_in_the_owner_account(make_server, fake_aws):
    s = aws_server(make_server, fake_aws)
    iid = "i-" + eventlib.hexid()
    fake_aws.control("images", [image("ami-0ccccccccccccccc3", owner=OWNER, Tags={"Approved": "true"})])
    fake_aws.control("instances", [instance(iid, "ami-0ccccccccccccccc3")])
    rules(s, {"id": "tagged", "criteria": {"tags": {"Approved": ["true"]}}})
    post(s, state_change("running", account=ACCOUNT, region=REGION, instance_id=iid))
    v = wait_verdict(s.db, ACCOUNT, REGION, iid)
    assert v["compliance"] == "COMPLIANT", v
    calls = {(r["operation"], r["account"]) for r in fake_aws.requests(operation="DescribeImages")}
    assert ("DescribeImages", OWNER) in calls, calls


def test_shared_image_tags_unavailable_without_member_role(make_server, fake_aws):
    env = fake_aws.env(ITALIC_AWS="auto", ITALIC_IMAGE_CACHE_TTL="0")
    s = make_server(env=env)
    iid = "i-" + eventlib.hexid()
    # Without a member role every call is made in the central account (the key's).
    fake_aws.control("images", [image("ami-0ccccccccccccccc3", owner=OWNER)])
    fake_aws.control("instances", [instance(iid, "ami-0ccccccccccccccc3", account="999999999999")])
    rules(s, {"id": "tagged", "criteria": {"tags": {"Approved": ["true"]}}})
    post(s, state_change("running", account="999999999999", region=REGION, instance_id=iid))
    v = wait_verdict(s.db, "999999999999", REGION, iid)
    assert v["compliance"] == "NON_COMPLIANT"
    assert any("tags unavailable" in r for r in json.loads(v["reasons"])), v["reasons"]


def test_vanished_image_only_an_id_rule_allows(make_server, fake_aws):
    s = aws_server(make_server, fake_aws)
    a, b = "i-" + eventlib.hexid(), "i-" + eventlib.hexid()
    fake_aws.control("images", [image("ami-0ddddddddddddddd4", Gone="empty"),
                                image("ami-0eeeeeeeeeeeeeee5", Gone="notfound")])
    fake_aws.control("image_metadata", {"supported": False})
    fake_aws.control("instances", [instance(a, "ami-0ddddddddddddddd4"), instance(b, "ami-0eeeeeeeeeeeeeee5")])
    rules(s, {"id": "by-owner", "criteria": {"owners": [ACCOUNT]}},
          {"id": "by-id", "criteria": {"image_ids": ["ami-0eeeeeeeeeeeeeee5"]}})
    post(s, state_change("running", account=ACCOUNT, region=REGION, instance_id=a))
    post(s, state_change("running", account=ACCOUNT, region=REGION, instance_id=b))
    va = wait_verdict(s.db, ACCOUNT, REGION, a)
    vb = wait_verdict(s.db, ACCOUNT, REGION, b)
    assert va["compliance"] == "NON_COMPLIANT", va
    assert vb["compliance"] == "COMPLIANT" and vb["matched_rule"] == "by-id", vb


def test_vanished_image_metadata_fallback(make_server, fake_aws):
    s = aws_server(make_server, fake_aws)
    iid = "i-" + eventlib.hexid()
    fake_aws.control("images", [image("ami-0fffffffffffffff6", Gone="empty")])
    fake_aws.control("image_metadata", {"supported": True})
    fake_aws.control("instances", [instance(iid, "ami-0fffffffffffffff6")])
    rules(s, {"id": "golden", "criteria": {"name_patterns": ["golden-*"]}})
    post(s, state_change("running", account=ACCOUNT, region=REGION, instance_id=iid))
    v = wait_verdict(s.db, ACCOUNT, REGION, iid)
    assert v["facts_source"] == "instance-image-metadata", v
    assert v["compliance"] == "COMPLIANT", v


def test_deprecated_image(make_server, fake_aws):
    s = aws_server(make_server, fake_aws)
    iid = "i-" + eventlib.hexid()
    fake_aws.control("images", [image("ami-0a0a0a0a0a0a0a0a7", DeprecationTime="2026-01-01T00:00:00.000Z")])
    fake_aws.control("instances", [instance(iid, "ami-0a0a0a0a0a0a0a0a7")])
    rules(s, {"id": "fresh", "criteria": {"owners": [ACCOUNT], "max_days_since_deprecated": 0}})
    post(s, state_change("running", account=ACCOUNT, region=REGION, instance_id=iid))
    v = wait_verdict(s.db, ACCOUNT, REGION, iid)
    assert v["compliance"] == "NON_COMPLIANT" and "deprecat" in v["reasons"], v


def test_aws_failures_retry_then_insufficient_data(make_server, fake_aws):
    s = aws_server(make_server, fake_aws)
    iid = "i-" + eventlib.hexid()
    fake_aws.control("images", [image("ami-0aaaaaaaaaaaaaaa1")])
    fake_aws.control("instances", [instance(iid, "ami-0aaaaaaaaaaaaaaa1")])
    rules(s, {"id": "golden", "criteria": {"image_ids": ["ami-0aaaaaaaaaaaaaaa1"]}})
    fake_aws.control("faults", [{"service": "ec2", "operation": "DescribeInstances", "kind": "5xx", "count": 1000}])
    ev = state_change("running", account=ACCOUNT, region=REGION, instance_id=iid)
    post(s, ev)
    v = wait_verdict(s.db, ACCOUNT, REGION, iid, timeout=60)
    assert v["compliance"] == "INSUFFICIENT_DATA", v
    assert "DescribeInstances failed" in v["reasons"]
    assert v["next_change_at"], "INSUFFICIENT_DATA is retried later"
    # The event was retried several times before giving up.
    assert len(fake_aws.requests(operation="DescribeInstances")) >= 5


def test_throttling_then_success(make_server, fake_aws):
    s = aws_server(make_server, fake_aws)
    iid = "i-" + eventlib.hexid()
    fake_aws.control("images", [image("ami-0aaaaaaaaaaaaaaa1")])
    fake_aws.control("instances", [instance(iid, "ami-0aaaaaaaaaaaaaaa1")])
    rules(s, {"id": "golden", "criteria": {"image_ids": ["ami-0aaaaaaaaaaaaaaa1"]}})
    fake_aws.control("faults", [{"service": "ec2", "operation": "DescribeImages", "kind": "throttle", "count": 3}])
    post(s, state_change("running", account=ACCOUNT, region=REGION, instance_id=iid))
    v = wait_verdict(s.db, ACCOUNT, REGION, iid, timeout=30)
    assert v["compliance"] == "COMPLIANT", v


def test_one_launch_three_events_one_consistent_verdict(make_server, fake_aws):
    s = aws_server(make_server, fake_aws)
    iid = "i-" + eventlib.hexid()
    fake_aws.control("images", [image("ami-0aaaaaaaaaaaaaaa1")])
    fake_aws.control("instances", [instance(iid, "ami-0aaaaaaaaaaaaaaa1")])
    rules(s, {"id": "golden", "criteria": {"image_ids": ["ami-0aaaaaaaaaaaaaaa1"]}})
    ct = run_instances(account=ACCOUNT, region=REGION, instance_id=iid, image_id="ami-0aaaaaaaaaaaaaaa1",
                       event_time="2026-01-15T10:00:00Z")
    pending = state_change("pending", account=ACCOUNT, region=REGION, instance_id=iid,
                           event_time="2026-01-15T10:00:01Z")
    running = state_change("running", account=ACCOUNT, region=REGION, instance_id=iid,
                           event_time="2026-01-15T10:00:30Z")
    for ev in (running, ct, pending):          # arrival order differs from event order
        post(s, ev)
    deadline = time.time() + 15
    while time.time() < deadline:
        st = eventlib.inbox_states(s.db)
        if all(st.get(e["id"], (0,))[0] == 2 for e in (ct, pending, running)):
            break
        time.sleep(0.05)
    v = eventlib.db_verdict(s.db, ACCOUNT, REGION, iid)
    assert v["compliance"] == "COMPLIANT" and v["state"] == "running", v
    assert v["observed_at"] == 1768471230000  # the newest event's own time


def test_backlog_full_gives_429_while_aws_hangs(make_server, fake_aws):
    s = aws_server(make_server, fake_aws, ITALIC_INBOX_MAX="3", ITALIC_WORKERS="1")
    fake_aws.control("faults", [{"service": "ec2", "operation": "*", "kind": "slow", "sleep": 3, "count": 50}])
    tok = s.token("ingest")
    codes = []
    for _ in range(8):
        r = s.request("POST", "/v1/events", body=state_change("running", account=ACCOUNT, region=REGION), token=tok)
        codes.append(r.status)
        if r.status == 429:
            assert int(r.headers["retry-after"]) >= 1
    assert codes.count(202) >= 3 and 429 in codes, codes
