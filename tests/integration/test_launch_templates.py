"""Launch templates through the pipeline, against the fake AWS (docs/launch-templates.md):
each event kind (CreateLaunchTemplate, CreateLaunchTemplateVersion, ModifyLaunchTemplate,
DeleteLaunchTemplateVersions, DeleteLaunchTemplate, a Config item and its oversized
variant, the launch template Config rule's change-triggered and scheduled invocations),
resolve:ssm: aliases resolved and unresolvable, instances launched from a template and an
image override at launch, the sweep, a rule change, and the deliveries (Security Hub, the
SIEM log, Config, an alert). The API answers are checked against openapi.yaml by
conftest."""
import json
import sqlite3
import time

from aws_fixtures import fake_aws  # noqa: F401  (pytest fixture)
from deliverylib import (ACCOUNT, BAD_AMI, GOOD_AMI, REGION, aws_server, fake_instance, gunzip_lines, images, post,
                         wait_delivered, wait_for)
from ltlib import (config_item, config_oversized, create, create_version, delete, delete_versions, fake_template, modify,
                   rule_invocation, run_from_template, scheduled_templates, template, versions)
from eventlib import run_instances

LT1, LT2, LT3 = "lt-0a1a1a1a1a1a1a1a1", "lt-0b2b2b2b2b2b2b2b2", "lt-0c3c3c3c3c3c3c3c3"
PARAM = "golden-ami"


def t0(k):
    """Event times in order: 2026-01-15T10:00:kk.000Z."""
    return "2026-01-15T10:%02d:%02d.000Z" % (k // 60, k % 60)


def get(srv, path):
    r = srv.get(path, token=srv.token("reader"))
    assert r.status == 200, r
    return r.json()


def lt_path(tid):
    return "/v1/launch-templates/%s/%s/%s" % (ACCOUNT, REGION, tid)


def wait_template(srv, tid, compliance, timeout=10, **also):
    def check():
        t = template(srv.db, tid)
        if t and t["compliance"] == compliance and all(t.get(k) == v for k, v in also.items()):
            return t
        return None
    return wait_for(check, timeout, "%s %s %s" % (tid, compliance, also))


def arrange(fake, templates, params=()):
    fake.control("images", images())
    fake.control("launch_templates", templates)
    fake.control("ssm_parameters", [dict(account=ACCOUNT, region=REGION, **p) for p in params])


def test_unapproved_default_is_non_compliant_within_a_second_with_deliveries(make_server, fake_aws):
    arrange(fake_aws, [fake_template(LT1, {1: BAD_AMI}, 1, ACCOUNT, REGION)])
    srv = aws_server(make_server, fake_aws, ITALIC_CONFIG_REPORT="off", ITALIC_SECURITYHUB="on",
                     ITALIC_SIEM_BUCKET="italic-logs", ITALIC_SIEM_FLUSH_SECONDS="1")
    ev = create(LT1, BAD_AMI, t0(0), ACCOUNT, REGION)
    post(srv, ev)
    judged = wait_template(srv, LT1, "NON_COMPLIANT", timeout=5)
    # Within a second of the event's receipt, as the service itself measures it (the
    # inbox row's received_at to the verdict's evaluated_at; the wall clock of a loaded
    # test machine would measure the test instead).
    con = sqlite3.connect(srv.db, timeout=10)
    received = con.execute("SELECT received_at FROM inbox WHERE event_id = ?", (ev["id"],)).fetchone()[0]
    con.close()
    assert judged["evaluated_at"] - received < 1000, "judged %d ms after receipt" % (judged["evaluated_at"] - received)
    b = get(srv, lt_path(LT1))
    t = b["launch_template"]
    assert t["compliance"] == "NON_COMPLIANT" and t["default_version"] == 1 and t["image_id"] == BAD_AMI
    assert any("owner 111111111111 not in owners" in r for r in t["reasons"]), t["reasons"]
    assert [v["version"] for v in b["versions"]["items"]] == [1] and b["versions"]["items"][0]["default"]
    # The event was confirmed with EC2's own record of the template.
    assert fake_aws.requests("ec2", "DescribeLaunchTemplateVersions")
    listed = get(srv, "/v1/launch-templates?compliance=NON_COMPLIANT")["items"]
    assert [x["launch_template_id"] for x in listed] == [LT1]
    assert get(srv, "/v1/summary")["launch_templates"]["by_compliance"]["NON_COMPLIANT"] == 1
    # Security Hub: a finding on the template resource.
    wait_delivered(srv.db, "securityhub", 1)
    f = [x for x in fake_aws.state()["findings"] if x["Id"].endswith(LT1)]
    assert len(f) == 1
    f = f[0]
    assert f["Id"] == "italic/%s/%s/%s" % (ACCOUNT, REGION, LT1)
    assert f["Resources"][0]["Type"] == "AwsEc2LaunchTemplate"
    assert f["Resources"][0]["Id"] == "arn:aws:ec2:%s:%s:launch-template/%s" % (REGION, ACCOUNT, LT1)
    assert f["Resources"][0]["Details"]["AwsEc2LaunchTemplate"]["LaunchTemplateData"] == {"ImageId": BAD_AMI}
    assert f["Compliance"] == {"Status": "FAILED"} and f["Severity"] == {"Label": "HIGH"}
    assert f["Title"] == "EC2 launch template %s launches an AMI that is not approved" % LT1
    assert "owner 111111111111 not in owners" in f["Description"]
    # The SIEM log: a line with resource_type AwsEc2LaunchTemplate.
    wait_delivered(srv.db, "siem", 1)
    lines = [l for body in fake_aws.objects().values() for l in gunzip_lines(body)]
    mine = [l for l in lines if l.get("launch_template_id") == LT1]
    assert mine and mine[0]["resource_type"] == "AwsEc2LaunchTemplate"
    assert mine[0]["compliance"] == "NON_COMPLIANT" and mine[0]["image_id"] == BAD_AMI
    assert mine[0]["trigger"] == "event" and mine[0]["version"] == 1


def test_each_cloudtrail_event_kind(make_server, fake_aws):
    arrange(fake_aws, [fake_template(LT1, {1: GOOD_AMI}, 1, ACCOUNT, REGION)])
    srv = aws_server(make_server, fake_aws)
    post(srv, create(LT1, GOOD_AMI, t0(0), ACCOUNT, REGION))
    wait_template(srv, LT1, "COMPLIANT", default_version=1)
    # A new version, not the default: the template stays COMPLIANT, its latest is not.
    fake_aws.control("launch_templates", [fake_template(LT1, {1: GOOD_AMI, 2: BAD_AMI}, 1, ACCOUNT, REGION)])
    post(srv, create_version(LT1, 2, BAD_AMI, False, t0(1), ACCOUNT, REGION))
    wait_template(srv, LT1, "COMPLIANT", latest_version=2, latest_compliance="NON_COMPLIANT")
    b = get(srv, lt_path(LT1))
    v = {x["version"]: x for x in b["versions"]["items"]}
    assert v[2]["compliance"] == "NON_COMPLIANT" and v[2]["latest"] and not v[2]["default"]
    assert b["launch_template"]["latest_compliance"] == "NON_COMPLIANT"
    # ModifyLaunchTemplate makes 2 the default: NON_COMPLIANT.
    fake_aws.control("launch_templates", [fake_template(LT1, {1: GOOD_AMI, 2: BAD_AMI}, 2, ACCOUNT, REGION)])
    post(srv, modify(LT1, 2, 2, t0(2), ACCOUNT, REGION))
    wait_template(srv, LT1, "NON_COMPLIANT", default_version=2)
    # DeleteLaunchTemplateVersions of version 1: that version is gone, the template unchanged.
    fake_aws.control("launch_templates", [fake_template(LT1, {2: BAD_AMI}, 2, ACCOUNT, REGION)])
    post(srv, delete_versions(LT1, [1], t0(3), ACCOUNT, REGION))
    wait_for(lambda: versions(srv.db, LT1)[1]["deleted_at"], 10, "version 1 deleted")
    assert versions(srv.db, LT1)[1]["compliance"] == "NOT_APPLICABLE"
    assert template(srv.db, LT1)["compliance"] == "NON_COMPLIANT"
    # DeleteLaunchTemplate: NOT_APPLICABLE (EC2 agrees it is gone).
    fake_aws.control("launch_templates", [])
    post(srv, delete(LT1, t0(4), ACCOUNT, REGION, default=2, latest=2))
    t = wait_template(srv, LT1, "NOT_APPLICABLE")
    assert t["deleted_at"]
    b = get(srv, lt_path(LT1))
    assert b["launch_template"]["deleted"] is True
    assert b["launch_template"]["reasons"] == ["the launch template was deleted"]
    # The template's history (its default version's rows) changed three times, newest
    # first; the other rows are versions that were not the default.
    hist = [(h["version"], h["compliance"]) for h in b["history"]["items"] if h["default"]]
    assert hist == [(2, "NOT_APPLICABLE"), (2, "NON_COMPLIANT"), (1, "COMPLIANT")], hist
    assert [(h["version"], h["compliance"]) for h in b["history"]["items"] if not h["default"]] == \
        [(1, "NOT_APPLICABLE"), (2, "NON_COMPLIANT")]


def test_a_deletion_ec2_contradicts_is_not_believed(make_server, fake_aws):
    arrange(fake_aws, [fake_template(LT1, {1: BAD_AMI}, 1, ACCOUNT, REGION)])
    srv = aws_server(make_server, fake_aws)
    post(srv, create(LT1, BAD_AMI, t0(0), ACCOUNT, REGION))
    wait_template(srv, LT1, "NON_COMPLIANT")
    post(srv, delete(LT1, t0(1), ACCOUNT, REGION))   # a forged claim: EC2 still has it
    time.sleep(1.0)
    t = template(srv.db, LT1)
    assert t["compliance"] == "NON_COMPLIANT" and t["deleted_at"] is None


def test_config_item_rule_invocation_and_scheduled(make_server, fake_aws):
    arrange(fake_aws, [fake_template(LT1, {1: GOOD_AMI}, 1, ACCOUNT, REGION),
                       fake_template(LT2, {1: GOOD_AMI, 2: BAD_AMI}, 2, ACCOUNT, REGION)])
    srv = aws_server(make_server, fake_aws)
    # A Config configuration item (its LaunchTemplateData is the default version's).
    post(srv, config_item(LT1, 1, 1, GOOD_AMI, t0(0), ACCOUNT, REGION))
    wait_template(srv, LT1, "COMPLIANT")
    # The launch template rule invoked for a change: answered for AWS::EC2::LaunchTemplate.
    post(srv, rule_invocation(LT2, 2, 2, BAD_AMI, "TOKEN-LT2", t0(1), ACCOUNT, REGION))
    wait_template(srv, LT2, "NON_COMPLIANT")
    wait_delivered(srv.db, "config", 1)
    evs = {e["result_token"]: e for e in fake_aws.state()["evaluations"]}
    e = evs["TOKEN-LT2"]
    assert e["ComplianceResourceType"] == "AWS::EC2::LaunchTemplate" and e["ComplianceResourceId"] == LT2
    assert e["ComplianceType"] == "NON_COMPLIANT"
    assert e["Annotation"].endswith("See %s" % lt_path(LT2)), e["Annotation"]
    # Its scheduled invocation: every known template of the pair, with that token.
    post(srv, scheduled_templates("TOKEN-SCHED", "2026-01-15T12:00:00.000Z", ACCOUNT, REGION))
    wait_delivered(srv.db, "config", 3)
    sched = [x for x in fake_aws.state()["evaluations"] if x["result_token"] == "TOKEN-SCHED"]
    assert sorted((x["ComplianceResourceId"], x["ComplianceType"]) for x in sched) == \
        [(LT1, "COMPLIANT"), (LT2, "NON_COMPLIANT")]
    assert all(x["ComplianceResourceType"] == "AWS::EC2::LaunchTemplate" for x in sched)
    body = srv.get("/metrics", token=srv.token("reader")).body
    assert 'italic_launch_template_evaluations_total{compliance="NON_COMPLIANT",trigger="schedule"} 1' in body, \
        [l for l in body.splitlines() if "launch_template" in l]
    # The oversized variant names the template only: it is read from EC2.
    fake_aws.control("launch_templates", [fake_template(LT1, {1: GOOD_AMI}, 1, ACCOUNT, REGION),
                                          fake_template(LT2, {1: GOOD_AMI, 2: BAD_AMI}, 2, ACCOUNT, REGION),
                                          fake_template(LT3, {1: BAD_AMI}, 1, ACCOUNT, REGION)])
    post(srv, config_oversized(LT3, t0(4), ACCOUNT, REGION))
    wait_template(srv, LT3, "NON_COMPLIANT", default_version=1)
    # A Config item saying the template was deleted: NOT_APPLICABLE once EC2 agrees.
    fake_aws.control("launch_templates", [fake_template(LT2, {1: GOOD_AMI, 2: BAD_AMI}, 2, ACCOUNT, REGION)])
    post(srv, config_item(LT1, 1, 1, GOOD_AMI, t0(5), ACCOUNT, REGION, status="ResourceDeleted"))
    wait_template(srv, LT1, "NOT_APPLICABLE")


def test_alias_resolved_unresolvable_and_rechecked_at_the_sweep(make_server, fake_aws):
    alias, missing = "resolve:ssm:" + PARAM, "resolve:ssm:missing-param"
    arrange(fake_aws, [fake_template(LT1, {1: alias}, 1, ACCOUNT, REGION),
                       fake_template(LT2, {1: missing}, 1, ACCOUNT, REGION)],
            [{"Name": PARAM, "Value": GOOD_AMI, "Version": 1}])
    fake_aws.control("instances", [fake_instance("i-0000000000000aaaa", GOOD_AMI)])
    srv = aws_server(make_server, fake_aws, ITALIC_SWEEP_INTERVAL="2s")
    post(srv, create(LT1, alias, t0(0), ACCOUNT, REGION))
    post(srv, create(LT2, missing, t0(1), ACCOUNT, REGION))
    t = wait_template(srv, LT1, "COMPLIANT")
    assert t["image_ref"] == alias and t["image_id"] == GOOD_AMI
    reasons = json.loads(t["reasons"])
    assert reasons[0].startswith("%s meant %s" % (alias, GOOD_AMI)), reasons
    u = wait_template(srv, LT2, "INSUFFICIENT_DATA")
    assert u["image_id"] is None
    assert any("missing-param" in r for r in json.loads(u["reasons"])), u["reasons"]
    # The API shows the alias and what it meant.
    v = get(srv, lt_path(LT1))["versions"]["items"][0]
    assert v["image"] == alias and v["image_id"] == GOOD_AMI and v["resolved_at"]
    # The parameter moves to an unapproved AMI, and the missing one appears: the sweep
    # (the pair is known from an instance) resolves both again.
    post(srv, run_instances(account=ACCOUNT, region=REGION, instance_id="i-0000000000000aaaa", image_id=GOOD_AMI))
    fake_aws.control("ssm_parameters", [
        dict(account=ACCOUNT, region=REGION, Name=PARAM, Value=BAD_AMI, Version=2),
        dict(account=ACCOUNT, region=REGION, Name="missing-param", Value=GOOD_AMI, Version=1)])
    t = wait_template(srv, LT1, "NON_COMPLIANT", timeout=20)
    assert t["image_id"] == BAD_AMI
    wait_template(srv, LT2, "COMPLIANT", timeout=20)
    assert fake_aws.requests("ec2", "DescribeLaunchTemplates")


def test_instances_launched_from_a_template_and_an_override(make_server, fake_aws):
    arrange(fake_aws, [fake_template(LT1, {1: GOOD_AMI}, 1, ACCOUNT, REGION)])
    plain, over = "i-0000000000000b001", "i-0000000000000b002"
    fake_aws.control("instances", [fake_instance(plain, GOOD_AMI), fake_instance(over, BAD_AMI)])
    srv = aws_server(make_server, fake_aws)
    post(srv, create(LT1, GOOD_AMI, t0(0), ACCOUNT, REGION))
    wait_template(srv, LT1, "COMPLIANT")
    post(srv, run_from_template(LT1, 1, plain, GOOD_AMI, t0(1), ACCOUNT, REGION))
    post(srv, run_from_template(LT1, 1, over, BAD_AMI, t0(2), ACCOUNT, REGION, override=True))
    rd = srv.token("reader")

    def inst(i):
        r = srv.get("/v1/instances/%s/%s/%s" % (ACCOUNT, REGION, i), token=rd)
        return r.json()["instance"] if r.status == 200 else None
    a = wait_for(lambda: inst(plain), 10, "plain verdict")
    assert a["compliance"] == "COMPLIANT"
    assert "launched from launch template %s version 1" % LT1 in a["reasons"], a["reasons"]
    b = wait_for(lambda: inst(over), 10, "override verdict")
    assert b["compliance"] == "NON_COMPLIANT" and b["image_id"] == BAD_AMI
    note = [r for r in b["reasons"] if r.startswith("launched from launch template")]
    assert note and "names %s; the launch ran %s instead" % (GOOD_AMI, BAD_AMI) in note[0], b["reasons"]
    items = {x["instance_id"]: x for x in get(srv, lt_path(LT1))["instances"]["items"]}
    assert set(items) == {plain, over}
    assert items[over]["image_override"] is True and items[plain]["image_override"] is False
    assert items[over]["compliance"] == "NON_COMPLIANT" and items[plain]["version"] == 1
    # GET /v1/images/{region}/{image_id} names the template that launches the image.
    img = get(srv, "/v1/images/%s/%s" % (REGION, GOOD_AMI))
    assert [x["launch_template_id"] for x in img["launch_templates"]["items"]] == [LT1]


def test_the_sweep_lists_templates_and_retires_vanished_ones(make_server, fake_aws):
    arrange(fake_aws, [fake_template(LT1, {1: GOOD_AMI}, 1, ACCOUNT, REGION),
                       fake_template(LT2, {1: GOOD_AMI, 2: BAD_AMI, 3: GOOD_AMI}, 2, ACCOUNT, REGION)])
    known, unannounced = "i-0000000000000c001", "i-0000000000000c002"
    from_lt2 = fake_instance(unannounced, BAD_AMI)
    from_lt2["Tags"] = {"aws:ec2launchtemplate:id": LT2, "aws:ec2launchtemplate:version": "2"}
    fake_aws.control("instances", [fake_instance(known, GOOD_AMI), from_lt2])
    srv = aws_server(make_server, fake_aws, ITALIC_SWEEP_INTERVAL="2s", ITALIC_SECURITYHUB="on")
    post(srv, run_instances(account=ACCOUNT, region=REGION, instance_id=known, image_id=GOOD_AMI))
    # No event announced them: the sweep finds both, $Default and $Latest of each.
    wait_template(srv, LT1, "COMPLIANT", timeout=20)
    t2 = wait_template(srv, LT2, "NON_COMPLIANT", timeout=20, default_version=2, latest_version=3)
    assert t2["latest_compliance"] == "COMPLIANT"
    assert sorted(versions(srv.db, LT2)) == [2, 3]
    b = get(srv, lt_path(LT2))
    assert b["history"]["items"][0]["trigger"] == "sweep"
    # An instance the sweep found shows the template its tags name.
    def unannounced_verdict():
        r = srv.get("/v1/instances/%s/%s/%s" % (ACCOUNT, REGION, unannounced), token=srv.token("reader"))
        return r.json()["instance"] if r.status == 200 else None
    u = wait_for(unannounced_verdict, 20, "the unannounced instance")
    assert "launched from launch template %s version 2" % LT2 in u["reasons"], u["reasons"]
    assert [x["instance_id"] for x in get(srv, lt_path(LT2))["instances"]["items"]] == [unannounced]
    # One template vanishes behind Italic's back: the next sweep retires it.
    fake_aws.control("launch_templates", [fake_template(LT2, {1: GOOD_AMI, 2: BAD_AMI, 3: GOOD_AMI}, 2, ACCOUNT,
                                                        REGION)])
    wait_template(srv, LT1, "NOT_APPLICABLE", timeout=20)
    assert template(srv.db, LT2)["compliance"] == "NON_COMPLIANT"
    assert get(srv, "/v1/summary")["launch_templates"] == {
        "total": 2, "by_compliance": {"COMPLIANT": 0, "NON_COMPLIANT": 1, "NOT_APPLICABLE": 1, "INSUFFICIENT_DATA": 0}}


def test_a_rule_change_judges_templates_again(make_server, fake_aws):
    arrange(fake_aws, [fake_template(LT3, {1: BAD_AMI}, 1, ACCOUNT, REGION)])
    srv = aws_server(make_server, fake_aws)
    post(srv, create(LT3, BAD_AMI, t0(0), ACCOUNT, REGION))
    wait_template(srv, LT3, "NON_COMPLIANT")
    r = srv.request("POST", "/v1/rules", token=srv.token("admin"), body={
        "id": "stranger", "name": "The stranger's images", "criteria": {"owners": ["111111111111"]}})
    assert r.status == 201, r
    wait_template(srv, LT3, "COMPLIANT")
    h = get(srv, lt_path(LT3))["history"]["items"][0]
    assert h["trigger"] == "reevaluate" and h["compliance"] == "COMPLIANT"


def test_without_aws_templates_are_judged_on_their_events(make_server):
    srv = make_server()
    adm = srv.token("admin")
    assert srv.request("PUT", "/v1/images/%s/%s" % (REGION, GOOD_AMI), token=adm, body={
        "owner_alias": "amazon", "tags": {}}).status in (200, 201)
    assert srv.request("POST", "/v1/rules", token=adm, body={
        "id": "golden", "name": "Golden", "criteria": {"owners": ["amazon"]}}).status == 201
    post(srv, create(LT1, GOOD_AMI, t0(0), ACCOUNT, REGION))
    post(srv, create(LT2, "resolve:ssm:" + PARAM, t0(1), ACCOUNT, REGION))
    wait_template(srv, LT1, "COMPLIANT")
    u = wait_template(srv, LT2, "INSUFFICIENT_DATA")
    assert any("AWS" in r for r in json.loads(u["reasons"])), u["reasons"]



def test_a_default_turning_non_compliant_alerts(make_server, fake_aws):
    # the default version moves from an approved image to an unapproved one: one alert,
    # about the template, with its ARN and a link to it
    arrange(fake_aws, [fake_template(LT1, {1: GOOD_AMI}, 1, ACCOUNT, REGION)])
    srv = aws_server(make_server, fake_aws, ITALIC_ALERT_EVENTBUS="italic-alerts", ITALIC_CONFIG_REPORT="off",
                     ITALIC_PUBLIC_URL="https://italic.example.com/")
    post(srv, create(LT1, GOOD_AMI, t0(0), ACCOUNT, REGION))
    wait_template(srv, LT1, "COMPLIANT")
    fake_aws.control("launch_templates", [fake_template(LT1, {1: GOOD_AMI, 2: BAD_AMI}, 2, ACCOUNT, REGION)])
    post(srv, create_version(LT1, 2, BAD_AMI, True, t0(1), ACCOUNT, REGION))
    wait_template(srv, LT1, "NON_COMPLIANT", default_version=2)
    wait_delivered(srv.db, "eventbridge", 1)
    got = fake_aws.state()["events"]
    assert len(got) == 1, got   # a new COMPLIANT template does not alert; the change does
    entry, detail = got[0]["entry"], got[0]["detail"]
    assert entry["Resources"] == ["arn:aws:ec2:%s:%s:launch-template/%s" % (REGION, ACCOUNT, LT1)]
    assert detail["resource_type"] == "AwsEc2LaunchTemplate" and detail["launch_template_id"] == LT1
    assert detail["instance_id"] is None and detail["from"] == "COMPLIANT" and detail["to"] == "NON_COMPLIANT"
    assert detail["image_id"] == BAD_AMI
    assert detail["url"] == "https://italic.example.com/v1/launch-templates/%s/%s/%s" % (ACCOUNT, REGION, LT1)
