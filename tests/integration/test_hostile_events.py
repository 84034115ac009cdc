"""Hostile input, events, judging and storage half (issue 13): each test is one attack an
ingest token (or a forged event) can make, and what it gets now. The table in TESTING.md
("Hostile input: what each attack gets") lists the same attacks with these test names.

Every test failed on the code before its fix: the future-dated events pinned the
verdict, the terminated claim was believed without asking AWS, ids and keys were
deduplicated across accounts, made-up regions were kept and swept, and the database
files followed the umask.
"""
import copy
import json
import os
import sqlite3
import stat
import time
import uuid

import pytest

from aws_fixtures import fake_aws  # noqa: F401  (pytest fixture)
from deliverylib import (ACCOUNT, BAD_AMI, GOOD_AMI, REGION, aws_server, fake_instance, images, invocation)
from eventlib import db_verdict, hexid, load, run_instances, state_change, wait_verdict
from policy_helpers import check_schema, wait_for

FUTURE = "9999-12-31T23:59:59Z"
FUTURE_MS = 253402300799000
SKEW_MS = 5 * 60 * 1000


def iso_ms(t=None):
    """RFC 3339 with milliseconds (events posted one after the other must order)."""
    t = time.time() if t is None else t
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def now_ms():
    return int(time.time() * 1000)


def config_item(instance_id, image_id, capture, status="OK", account=ACCOUNT, region=REGION, state="running"):
    """A Config Configuration Item Change for one instance (the committed fixture, rewritten)."""
    ev = copy.deepcopy(load("config-ci-change-ec2" if status == "OK" else "config-ci-deleted-ec2"))
    ev["id"] = str(uuid.uuid4())
    ev["account"] = account
    ev["region"] = region
    ev["time"] = capture
    ci = ev["detail"]["configurationItem"]
    ci["awsAccountId"] = account
    ci["awsRegion"] = region
    ci["resourceId"] = instance_id
    ci["ARN"] = "arn:aws:ec2:%s:%s:instance/%s" % (region, account, instance_id)
    ci["configurationItemCaptureTime"] = capture
    if status == "OK":
        ci["configuration"]["instanceId"] = instance_id
        ci["configuration"]["imageId"] = image_id
        ci["configuration"]["state"]["name"] = state
    ev["resources"] = [ci["ARN"]]
    return ev


def post(srv, ev, token=None, headers=None):
    return srv.request("POST", "/v1/events", body=ev, token=token or srv.token("ingest"), headers=headers)


def reasons(v):
    return " | ".join(json.loads(v["reasons"]))


def db_exec(db, sql, args=()):
    con = sqlite3.connect(db, timeout=10)
    try:
        con.execute(sql, args)
        con.commit()
    finally:
        con.close()


# ---- §1: a verdict pinned forever ----

def test_terminated_event_dated_9999_cannot_hide_a_running_instance(make_server):
    """The attack of the issue: a running NON_COMPLIANT instance, then one forged
    `terminated` state change dated 9999-12-31. Before: observed_at 9999 and every real
    event after it discarded as older. Now: the time is clamped to the receipt time, the
    reasons say so, and the next real event is judged."""
    srv = make_server()   # no AWS: the event is all there is, so the claim itself is believed
    inst = "i-" + hexid()
    post(srv, run_instances(account=ACCOUNT, region=REGION, instance_id=inst, image_id=BAD_AMI,
                            event_time=iso_ms(time.time() - 60)))
    wait_verdict(srv.db, ACCOUNT, REGION, inst, pred=lambda v: v["compliance"] == "NON_COMPLIANT")
    before = now_ms()
    assert post(srv, state_change("terminated", account=ACCOUNT, region=REGION, instance_id=inst,
                                  event_time=FUTURE)).status == 202
    v = wait_verdict(srv.db, ACCOUNT, REGION, inst, pred=lambda v: v["compliance"] == "NOT_APPLICABLE")
    assert before <= v["observed_at"] <= now_ms(), v["observed_at"]
    assert "time 9999-12-31T23:59:59Z is more than 5 minutes after Italic received the event" in reasons(v)
    time.sleep(0.05)
    # The instance's real next event is newer than the clamped one and wins.
    assert post(srv, state_change("running", account=ACCOUNT, region=REGION, instance_id=inst,
                                  event_time=iso_ms())).status == 202
    v = wait_verdict(srv.db, ACCOUNT, REGION, inst, pred=lambda v: v["compliance"] != "NOT_APPLICABLE")
    assert v["compliance"] == "NON_COMPLIANT" and v["state"] == "running" and v["observed_at"] < FUTURE_MS


def _future_event(kind, inst):
    if kind == "cloudtrail_eventTime":
        return run_instances(account=ACCOUNT, region=REGION, instance_id=inst, image_id=BAD_AMI, event_time=FUTURE), \
            "eventTime 9999-12-31T23:59:59Z"
    if kind == "state_change_time":
        return state_change("stopped", account=ACCOUNT, region=REGION, instance_id=inst, event_time=FUTURE), \
            "time 9999-12-31T23:59:59Z"
    if kind == "config_capture_time":
        return config_item(inst, BAD_AMI, FUTURE), "configurationItemCaptureTime 9999-12-31T23:59:59Z"
    inv = invocation(inst, BAD_AMI, "tok-" + hexid(), capture=FUTURE)
    ie = json.loads(inv["invokingEvent"])
    ie["notificationCreationTime"] = FUTURE
    inv["invokingEvent"] = json.dumps(ie)
    return inv, "configurationItemCaptureTime 9999-12-31T23:59:59Z"


@pytest.mark.parametrize("kind", ["cloudtrail_eventTime", "state_change_time", "config_capture_time",
                                  "rule_invocation_capture_and_notification_time"])
def test_every_event_time_is_bounded_by_its_receipt(make_server, kind):
    """Each event kind, each time that becomes observed_at: dated 9999, it is judged as
    observed at its receipt, and the verdict says which time was clamped."""
    srv = make_server()
    inst = "i-" + hexid()
    ev, said = _future_event(kind, inst)
    before = now_ms()
    assert post(srv, ev).status == 202
    v = wait_verdict(srv.db, ACCOUNT, REGION, inst)
    assert before <= v["observed_at"] <= now_ms()
    assert said in reasons(v) and "clamped to the receipt time" in reasons(v), reasons(v)
    got = srv.get("/v1/instances/%s/%s/%s" % (ACCOUNT, REGION, inst), token=srv.token("reader")).json()
    assert got["instance"]["observed_at"] < "9999" and "clamped" in " ".join(got["instance"]["reasons"])


def test_terminated_and_deleted_claims_are_confirmed_with_describe_instances(make_server, fake_aws):
    """ITALIC_VERIFY=on: a `terminated` state change, or a Config item `ResourceDeleted`,
    for an instance AWS still lists as running is judged as running, and the reasons say
    the event claimed otherwise. Before: NOT_APPLICABLE without asking AWS."""
    inst = "i-" + hexid()
    fake_aws.control("images", images())
    fake_aws.control("instances", [fake_instance(inst, BAD_AMI)])
    srv = aws_server(make_server, fake_aws)
    post(srv, run_instances(account=ACCOUNT, region=REGION, instance_id=inst, image_id=BAD_AMI,
                            event_time=iso_ms(time.time() - 60)))
    wait_verdict(srv.db, ACCOUNT, REGION, inst, pred=lambda v: v["compliance"] == "NON_COMPLIANT")

    def asked():
        return [r for r in fake_aws.requests("ec2", "DescribeInstances") if inst in r["body"]]
    n_asked = len(asked())
    assert post(srv, state_change("terminated", account=ACCOUNT, region=REGION, instance_id=inst,
                                  event_time=iso_ms(time.time() - 30))).status == 202
    v = wait_verdict(srv.db, ACCOUNT, REGION, inst, pred=lambda v: "terminated, but" in v["reasons"])
    assert v["compliance"] == "NON_COMPLIANT" and v["state"] == "running", v
    assert "the event said the instance was terminated, but DescribeInstances lists it as running" in reasons(v)
    assert len(asked()) > n_asked

    assert post(srv, config_item(inst, None, iso_ms(time.time() - 20), status="ResourceDeleted")).status == 202
    v = wait_verdict(srv.db, ACCOUNT, REGION, inst, pred=lambda v: "deleted, but" in v["reasons"])
    assert v["compliance"] == "NON_COMPLIANT" and v["state"] == "running", v

    assert post(srv, state_change("shutting-down", account=ACCOUNT, region=REGION, instance_id=inst,
                                  event_time=iso_ms(time.time() - 18))).status == 202
    v = wait_verdict(srv.db, ACCOUNT, REGION, inst, pred=lambda v: "shutting-down, but" in v["reasons"])
    assert v["compliance"] == "NON_COMPLIANT" and v["state"] == "running", v

    # AWS cannot answer: the claim is not believed, and not stored as the state either,
    # so the retry 10 minutes later asks AWS again instead of taking the stored word.
    fake_aws.control("faults", [{"service": "ec2", "operation": "DescribeInstances", "kind": "error", "status": 403,
                                 "code": "UnauthorizedOperation", "count": 1}])
    assert post(srv, state_change("terminated", account=ACCOUNT, region=REGION, instance_id=inst,
                                  event_time=iso_ms(time.time() - 15))).status == 202
    v = wait_verdict(srv.db, ACCOUNT, REGION, inst, pred=lambda v: "not confirmed by AWS yet" in v["reasons"])
    assert v["compliance"] == "INSUFFICIENT_DATA" and v["state"] != "terminated" and v["next_change_at"], v

    # When AWS agrees, the claim stands.
    fake_aws.control("instances", [fake_instance(inst, BAD_AMI, state="terminated")])
    assert post(srv, state_change("terminated", account=ACCOUNT, region=REGION, instance_id=inst,
                                  event_time=iso_ms(time.time() - 10))).status == 202
    v = wait_verdict(srv.db, ACCOUNT, REGION, inst, pred=lambda v: v["compliance"] == "NOT_APPLICABLE")
    assert "confirmed by DescribeInstances" in reasons(v)


def test_sweep_repairs_a_verdict_pinned_before_the_fix(make_server, fake_aws):
    """A database written before times were bounded may hold a verdict observed in 9999.
    The sweep lists the instance running, re-judges it whatever observed_at says, and the
    next real event is ordered normally again."""
    inst = "i-" + hexid()
    fake_aws.control("images", images())
    fake_aws.control("instances", [fake_instance(inst, BAD_AMI)])
    srv = aws_server(make_server, fake_aws, ITALIC_SWEEP_INTERVAL="2s")
    post(srv, run_instances(account=ACCOUNT, region=REGION, instance_id=inst, image_id=BAD_AMI,
                            event_time=iso_ms(time.time() - 60)))
    wait_verdict(srv.db, ACCOUNT, REGION, inst, pred=lambda v: v["compliance"] == "NON_COMPLIANT")
    # What the old code wrote for a terminated event dated 9999-12-31T23:59:59.999Z.
    db_exec(srv.db, "UPDATE instances SET compliance = 'NOT_APPLICABLE', state = 'terminated',"
                    " reasons = '[\"instance terminated\"]', observed_at = ? WHERE instance_id = ?",
            (FUTURE_MS + 999, inst))
    v = wait_verdict(srv.db, ACCOUNT, REGION, inst, timeout=20, pred=lambda v: v["compliance"] != "NOT_APPLICABLE")
    assert v["compliance"] == "NON_COMPLIANT" and v["state"] == "running" and v["observed_at"] <= now_ms()
    con = sqlite3.connect(srv.db, timeout=10)
    trig = con.execute("SELECT trigger FROM evaluations WHERE instance_id = ? ORDER BY id DESC LIMIT 1",
                       (inst,)).fetchone()[0]
    con.close()
    assert trig == "sweep"
    fake_aws.control("instances", [fake_instance(inst, BAD_AMI, state="stopped")])
    assert post(srv, state_change("stopped", account=ACCOUNT, region=REGION, instance_id=inst,
                                  event_time=iso_ms())).status == 202
    wait_verdict(srv.db, ACCOUNT, REGION, inst, pred=lambda v: v["state"] == "stopped")


# ---- §5: duplicate detection across accounts ----

def test_one_accounts_event_id_or_key_does_not_shadow_another(make_server):
    """A token bound to account A posts B's (guessed or seen) event id first, and reuses
    an Idempotency-Key another token uses. Before: B's real event was answered duplicate
    and never evaluated. Now ids are unique per account and keys per token."""
    a, b = "111111111111", "222222222222"
    srv = make_server()
    tok_a = srv.token("ingest", name="a", accounts=[a])
    tok_b = srv.token("ingest", name="b", accounts=[b])
    shadow = str(uuid.uuid4())
    ev_a = state_change("running", account=a, region=REGION, event_time=iso_ms())
    ev_a["id"] = shadow
    ev_b = state_change("running", account=b, region=REGION, event_time=iso_ms())
    ev_b["id"] = shadow
    assert post(srv, ev_a, tok_a).status == 202
    r = post(srv, ev_b, tok_b)
    assert r.status == 202 and r.json() == {"id": shadow, "status": "accepted"}, r
    r = post(srv, ev_a, tok_a)
    assert r.status == 200 and r.json()["status"] == "duplicate"
    wait_verdict(srv.db, b, REGION, ev_b["detail"]["instance-id"])

    key = {"Idempotency-Key": "retry-" + hexid(8)}
    assert post(srv, state_change("running", account=a, region=REGION), tok_a, headers=key).status == 202
    r = post(srv, state_change("running", account=b, region=REGION), tok_b, headers=key)
    assert r.status == 202, r
    r = post(srv, state_change("running", account=a, region=REGION), tok_a, headers=key)
    assert r.status == 200 and r.json()["status"] == "duplicate"


# ---- §7: made-up regions and accounts, partitions ----

@pytest.mark.parametrize("region", ["us-east-9", "xx-fake-1", "mars-north-1"])
def test_an_event_from_a_region_aws_does_not_have_is_refused(make_server, region):
    srv = make_server()
    inst = "i-" + hexid()
    r = post(srv, run_instances(account=ACCOUNT, region=region, instance_id=inst, image_id=BAD_AMI))
    assert r.status == 400 and r.json()["field"] == "region", r
    inv = invocation(inst, BAD_AMI, "tok-" + hexid(), region=region)
    r = post(srv, inv)
    assert r.status == 400 and r.json()["field"] == "configRuleArn", r
    time.sleep(0.2)
    assert db_verdict(srv.db, ACCOUNT, region, inst) is None


def test_extra_regions_admit_a_new_aws_region(make_server):
    srv = make_server(env={"ITALIC_EXTRA_REGIONS": "ap-southeast-9"})
    inst = "i-" + hexid()
    assert post(srv, run_instances(account=ACCOUNT, region="ap-southeast-9", instance_id=inst,
                                   image_id=BAD_AMI)).status == 202
    wait_verdict(srv.db, ACCOUNT, "ap-southeast-9", inst)
    p = srv.cli("serve", "--help")
    assert "ITALIC_EXTRA_REGIONS" in p.stdout + p.stderr


@pytest.mark.parametrize("arn", ["arn:awsevil:config:us-east-1:123456789012:config-rule/config-rule-x",
                                 "arn:aws:config:cn-north-1:123456789012:config-rule/config-rule-x",
                                 "arn:aws-cn:config:us-east-1:123456789012:config-rule/config-rule-x"])
def test_a_rule_arn_outside_the_known_partitions_is_refused(make_server, arn):
    srv = make_server()
    inv = invocation("i-" + hexid(), BAD_AMI, "tok-" + hexid())
    inv["configRuleArn"] = arn
    r = post(srv, inv)
    assert r.status == 400 and r.json()["field"] == "configRuleArn", r
    assert "partition" in r.json()["detail"]


def test_a_made_up_account_stops_being_swept_after_a_day_of_failures(make_server, fake_aws):
    """Account 000000000000: no role can be assumed there, so every sweep fails. After
    failing for over a day the pair is shown stopped in GET /v1/sweeps and no longer
    listed; once AWS answers for it (a DescribeInstances while judging an event), it is
    swept again. (The day is simulated by moving failing_since back.)"""
    fake = "000000000000"
    inst = "i-" + hexid()
    fake_aws.control("images", images())
    fake_aws.control("sts", {"deny_accounts": [fake]})
    srv = aws_server(make_server, fake_aws, ITALIC_SWEEP_INTERVAL="1s")
    rd = srv.token("reader")
    assert post(srv, run_instances(account=fake, region=REGION, instance_id=inst, image_id=BAD_AMI,
                                   event_time=iso_ms())).status == 202
    wait_verdict(srv.db, fake, REGION, inst)

    def pair():
        items = [i for i in srv.get("/v1/sweeps", token=rd).json()["items"] if i["account"] == fake]
        return items[0] if items else None
    failing = wait_for(lambda: (pair() or {}).get("status") == "failing" and pair(), 20, "a failing sweep")
    assert failing["failing_since"] and failing["stopped_at"] is None and "AccessDenied" in failing["error"]
    check_schema(failing, "Sweep")
    day_ago = now_ms() - 25 * 3600 * 1000
    db_exec(srv.db, "UPDATE sweeps SET failing_since = ? WHERE account = ?", (day_ago, fake))
    stopped = wait_for(lambda: (pair() or {}).get("status") == "stopped" and pair(), 20, "the pair stopped")
    assert stopped["stopped_at"] and stopped["failing_since"]
    check_schema(stopped, "Sweep")
    assert "not swept again until AWS answers for it" in srv.logs()
    time.sleep(3.5)   # over three intervals
    assert pair()["last_started_at"] == stopped["last_started_at"], "a stopped pair is not swept"

    # The account becomes real: AWS answers while judging one of its instances.
    fake_aws.control("sts", {"deny_accounts": []})
    fake_aws.control("instances", [fake_instance(inst, BAD_AMI, account=fake)])
    assert post(srv, state_change("running", account=fake, region=REGION, instance_id=inst,
                                  event_time=iso_ms())).status == 202
    # A run that started after the stop and has finished (between its start and its end
    # the row still shows the previous run's error).
    def swept_again():
        p = pair() or {}
        return (p.get("status") == "ok" and p["last_started_at"] > stopped["last_started_at"] and
                p["last_finished_at"] and p["last_finished_at"] >= p["last_started_at"] and p)
    again = wait_for(swept_again, 20, "swept again")
    assert again["stopped_at"] is None and again["error"] is None


# ---- §7: database files ----

def test_database_files_are_private_whatever_the_umask(make_server):
    """The database holds the cursor-signing key and Config result tokens. Before: its
    mode followed the umask (0666 under umask 000)."""
    old = os.umask(0)
    try:
        srv = make_server()
    finally:
        os.umask(old)
    inst = "i-" + hexid()
    assert post(srv, run_instances(account=ACCOUNT, region=REGION, instance_id=inst, image_id=BAD_AMI)).status == 202
    wait_verdict(srv.db, ACCOUNT, REGION, inst)
    for path in (srv.db, srv.db + "-wal", srv.db + "-shm"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, (path, oct(os.stat(path).st_mode))
    dest = os.path.join(srv.dir, "copy.db")
    old = os.umask(0)
    try:
        srv.cli("backup", dest)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
