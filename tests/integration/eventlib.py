"""Realistic events for integration tests: the committed fixtures (built from AWS's own
samples in tests/data/aws) with ids changed per test, so tests never collide."""
import copy
import json
import os
import random
import sqlite3
import time
import uuid

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "events")


def load(name):
    with open(os.path.join(FIXTURES, name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def hexid(n=17):
    return "".join(random.choice("0123456789abcdef") for _ in range(n))


def run_instances(account="123456789012", region="us-west-2", instance_id=None, image_id=None,
                  event_time="2026-01-15T10:00:00Z", tags=None):
    """A CloudTrail RunInstances event (EventBridge envelope) for one instance."""
    ev = load("cloudtrail-runinstances-direct")
    ev = copy.deepcopy(ev)
    ev["id"] = str(uuid.uuid4())
    ev["account"] = account
    ev["region"] = region
    ev["time"] = event_time
    d = ev["detail"]
    d["eventTime"] = event_time
    d["awsRegion"] = region
    d["recipientAccountId"] = account
    if "userIdentity" in d and "accountId" in d["userIdentity"]:
        d["userIdentity"]["accountId"] = account
    item = d["responseElements"]["instancesSet"]["items"][0]
    item["instanceId"] = instance_id or "i-" + hexid()
    item["imageId"] = image_id or "ami-" + hexid()
    d["responseElements"]["instancesSet"]["items"] = [item]
    if tags is not None:
        item["tagSet"] = {"items": [{"key": k, "value": v} for k, v in tags.items()]}
    for it in d.get("requestParameters", {}).get("instancesSet", {}).get("items", []):
        if "imageId" in it:
            it["imageId"] = item["imageId"]
    return ev


def state_change(state, account="123456789012", region="us-east-1", instance_id=None,
                 event_time="2026-01-15T10:05:00Z"):
    ev = copy.deepcopy(load("ec2-state-running"))
    ev["id"] = str(uuid.uuid4())
    ev["account"] = account
    ev["region"] = region
    ev["time"] = event_time
    ev["detail"]["instance-id"] = instance_id or "i-" + hexid()
    ev["detail"]["state"] = state
    ev["resources"] = ["arn:aws:ec2:%s:%s:instance/%s" % (region, account, ev["detail"]["instance-id"])]
    return ev


def instance_of(ev):
    """(account, region, instance_id) of a single-instance event."""
    if ev.get("detail-type") == "AWS API Call via CloudTrail":
        it = ev["detail"]["responseElements"]["instancesSet"]["items"][0]
        return ev["account"], ev["region"], it["instanceId"]
    if ev.get("detail-type") == "EC2 Instance State-change Notification":
        return ev["account"], ev["region"], ev["detail"]["instance-id"]
    ci = ev["detail"]["configurationItem"]
    return ci["awsAccountId"], ci["awsRegion"], ci["resourceId"]


def db_verdict(db, account, region, instance_id):
    con = sqlite3.connect(db, timeout=10)
    try:
        con.row_factory = sqlite3.Row
        r = con.execute("SELECT * FROM instances WHERE account=? AND region=? AND instance_id=?",
                        (account, region, instance_id)).fetchone()
        return dict(r) if r else None
    finally:
        con.close()


def wait_verdict(db, account, region, instance_id, timeout=10, pred=None):
    deadline = time.time() + timeout
    v = None
    while time.time() < deadline:
        v = db_verdict(db, account, region, instance_id)
        if v and (pred is None or pred(v)):
            return v
        time.sleep(0.05)
    raise AssertionError("no verdict for %s/%s/%s (last: %r)" % (account, region, instance_id, v))


def inbox_states(db):
    con = sqlite3.connect(db, timeout=10)
    try:
        return {r[0]: (r[1], r[2]) for r in con.execute("SELECT event_id, state, outcome FROM inbox")}
    finally:
        con.close()
