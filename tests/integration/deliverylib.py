"""Helpers for the delivery and sweep tests: a server in AWS mode against the fake AWS
(member role assumed in the instance's account), instances and images at the fake,
Config rule invocations for chosen instances, and waits on the deliveries table."""
import copy
import gzip
import json
import os
import sqlite3
import time

from eventlib import load, run_instances, state_change
from policy_helpers import wait_for

ACCOUNT = "123456789012"
REGION = "us-east-1"
GOOD_AMI = "ami-0a0a0a0a0a0a0a0a0"      # owned by amazon: allowed by the rule
BAD_AMI = "ami-0b0b0b0b0b0b0b0b0"       # owned by a stranger: not allowed
STRANGER = "111111111111"


def images():
    return [
        {"ImageId": GOOD_AMI, "OwnerId": "137112412989", "OwnerAlias": "amazon", "Name": "al2023-golden",
         "CreationDate": "2025-11-01T00:00:00.000Z", "State": "available", "PlatformDetails": "Linux/UNIX"},
        {"ImageId": BAD_AMI, "OwnerId": STRANGER, "Name": "hand-rolled",
         "CreationDate": "2025-11-01T00:00:00.000Z", "State": "available", "PlatformDetails": "Linux/UNIX"},
    ]


def fake_instance(instance_id, image_id, state="running", account=ACCOUNT, region=REGION):
    return {"account": account, "region": region, "InstanceId": instance_id, "ImageId": image_id,
            "State": state, "StateCode": {"running": 16, "stopped": 80, "terminated": 48}.get(state, 16),
            "LaunchTime": "2026-01-15T10:00:00.000Z", "PlatformDetails": "Linux/UNIX", "Tags": {"team": "web"}}


def aws_server(make_server, fake, **env):
    e = fake.env(ITALIC_AWS="auto", ITALIC_MEMBER_ROLE="ItalicMember", ITALIC_SWEEP_INTERVAL="0",
                 ITALIC_CONFIG_REPORT="on")
    e.update(env)
    srv = make_server(env=e, start=False)
    # The rule is in place before the service starts, so no verdict races its arrival.
    path = os.path.join(srv.dir, "rules.json")
    with open(path, "w") as f:
        json.dump({"rules": [{"id": "golden", "name": "Golden images", "criteria": {"owners": ["amazon"]}}]}, f)
    srv.cli("rules", "import", path)
    return srv.start()


def invocation(instance_id, image_id, token, state="running", account=ACCOUNT, region=REGION,
               capture="2026-01-15T10:00:00.000Z"):
    """A Config custom-rule invocation (ConfigurationItemChangeNotification) for one instance."""
    inv = copy.deepcopy(load("config-rule-invocation-change"))
    ie = json.loads(inv["invokingEvent"])
    ci = ie["configurationItem"]
    ci["awsAccountId"] = account
    ci["awsRegion"] = region
    ci["resourceId"] = instance_id
    ci["configurationItemCaptureTime"] = capture
    ci["configurationItemStatus"] = "OK"
    ci["ARN"] = "arn:aws:ec2:%s:%s:instance/%s" % (region, account, instance_id)
    ci["configuration"]["instanceId"] = instance_id
    ci["configuration"]["imageId"] = image_id
    ci["configuration"]["state"]["name"] = state
    inv["invokingEvent"] = json.dumps(ie)
    inv["resultToken"] = token
    inv["accountId"] = account
    inv["configRuleArn"] = "arn:aws:config:%s:%s:config-rule/config-rule-i9y8j9" % (region, account)
    return inv


def scheduled(token, account=ACCOUNT, region=REGION, when="2026-01-15T12:00:00.000Z"):
    inv = copy.deepcopy(load("config-rule-invocation-scheduled"))
    ie = json.loads(inv["invokingEvent"])
    ie["awsAccountId"] = account
    ie["notificationCreationTime"] = when
    inv["invokingEvent"] = json.dumps(ie)
    inv["resultToken"] = token
    inv["accountId"] = account
    inv["configRuleArn"] = "arn:aws:config:%s:%s:config-rule/config-rule-pdmyw1" % (region, account)
    return inv


def post(srv, ev):
    r = srv.request("POST", "/v1/events", body=ev, token=srv.token("ingest"))
    assert r.status in (200, 202), r
    return r


def deliveries(db, destination=None):
    con = sqlite3.connect(db, timeout=10)
    try:
        con.row_factory = sqlite3.Row
        q = "SELECT * FROM deliveries" + (" WHERE destination = ?" if destination else "") + " ORDER BY id"
        return [dict(r) for r in con.execute(q, (destination,) if destination else ())]
    finally:
        con.close()


def wait_delivered(db, destination, count, timeout=20):
    """Waits until count rows of destination exist and none is pending."""
    def check():
        rows = deliveries(db, destination)
        return rows if len(rows) >= count and all(r["state"] != "pending" for r in rows) else None
    return wait_for(check, timeout, "%d %s deliveries settled" % (count, destination))


def gunzip_lines(data):
    return [json.loads(line) for line in gzip.decompress(data).decode().splitlines()]


__all__ = ["ACCOUNT", "REGION", "GOOD_AMI", "BAD_AMI", "images", "fake_instance", "aws_server", "invocation",
           "scheduled", "post", "deliveries", "wait_delivered", "gunzip_lines", "run_instances", "state_change",
           "wait_for", "time"]
