"""The member template's EventBridge rule forwards exactly the events Italic handles.

Loads the event pattern from deploy/member.yaml and holds it against the AWS sample
events in tests/data/aws (their sources are in tests/data/aws/SOURCE.md): every kind
of event Italic handles (docs/events.md) must match, unrelated events must not.

EventBridge is not available here, so the matcher below implements the pattern
semantics AWS documents, for exactly the operators the template uses (a test
checks that the pattern uses no other operator):

- A pattern is a JSON object. Every field it names must match (AND). A field whose
  pattern value is an object requires the event field to be an object with the
  same nesting, matched recursively; a missing field or a non-object does not match.
- A field whose pattern value is an array is a leaf: it matches when any element
  of the array matches the event value (OR). When the event value is itself an
  array, the field matches when the two arrays intersect. Events fields the
  pattern does not name are ignored.
- A literal (string, number, true/false, null) matches an equal JSON value of the
  same type, case-sensitively, with no normalisation ("Matching event values",
  "Arrays in event patterns").
- {"exists": true} matches when the field is present as a leaf (not an object);
  {"exists": false} matches when it is absent. Exists matching "only works on leaf
  nodes": an object-valued field counts as absent, as in the documented c-count
  example ("Exists matching", content filtering page).
- "$or": [p1, p2, ...] inside a pattern object matches when at least one of the
  sub-patterns matches the same event object, in addition (AND) to the sibling
  fields ("Comparison operators": "$or").

Sources: Amazon EventBridge User Guide, "Event patterns", "Arrays in Amazon
EventBridge event patterns", "Content filtering in Amazon EventBridge event
patterns", "Comparison operators for use in event patterns".
Run with: /usr/bin/python3 -m pytest tests/deploy
"""

import copy
import json
import pathlib

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "deploy" / "member.yaml"
SAMPLES = REPO / "tests" / "data" / "aws"

LEAF_OPERATORS = {"exists"}
OBJECT_OPERATORS = {"$or"}


# ---------------------------------------------------------------------------
# CloudFormation YAML: short-form tags (!Ref, !GetAtt, !Sub, ...) become their
# long JSON forms so that yaml.SafeLoader accepts the template.


class CfnLoader(yaml.SafeLoader):
    pass


def _cfn_tag(loader, suffix, node):
    name = {"Ref": "Ref", "Condition": "Condition"}.get(suffix, "Fn::" + suffix)
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CfnLoader.add_multi_constructor("!", _cfn_tag)


def load_template():
    with open(TEMPLATE, encoding="utf-8") as f:
        return yaml.load(f, Loader=CfnLoader)


def rule_pattern():
    rules = [
        r for r in load_template()["Resources"].values()
        if r["Type"] == "AWS::Events::Rule" and "EventPattern" in r["Properties"]
    ]
    assert len(rules) == 1, "member template must have exactly one forwarding rule"
    return rules[0]["Properties"]["EventPattern"]


# ---------------------------------------------------------------------------
# The matcher.


class UnsupportedOperator(Exception):
    pass


def _same_json_value(a, b):
    # bool is an int in Python; JSON true is not the number 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def _leaf_matches(matchers, present, value):
    values = value if isinstance(value, list) else [value]
    for m in matchers:
        if isinstance(m, dict):
            if set(m) - LEAF_OPERATORS or len(m) != 1:
                raise UnsupportedOperator(sorted(m))
            if m["exists"] is present:
                return True
        elif isinstance(m, list):
            raise UnsupportedOperator("nested array")
        elif present and any(_same_json_value(m, v) for v in values):
            return True
    return False


def matches(pattern, event):
    if not isinstance(pattern, dict):
        raise UnsupportedOperator("pattern is not an object")
    for key, want in pattern.items():
        if key.startswith("$"):
            if key not in OBJECT_OPERATORS:
                raise UnsupportedOperator(key)
            if not any(matches(sub, event) for sub in want):
                return False
        elif isinstance(want, dict):
            got = event.get(key) if isinstance(event, dict) else None
            if not isinstance(got, dict) or not matches(want, got):
                return False
        elif isinstance(want, list):
            present = isinstance(event, dict) and key in event and not isinstance(event[key], dict)
            if not _leaf_matches(want, present, event.get(key) if present else None):
                return False
        else:
            raise UnsupportedOperator(f"{key}: pattern value must be an object or array")
    return True


def operators_used(pattern):
    found = set()
    for key, want in pattern.items():
        if key.startswith("$"):
            found.add(key)
            for sub in want:
                found |= operators_used(sub)
        elif isinstance(want, dict):
            found |= operators_used(want)
        else:
            for m in want:
                if isinstance(m, dict):
                    found |= set(m)
                elif not isinstance(m, str):
                    found.add(f"literal {type(m).__name__}")
    return found


# ---------------------------------------------------------------------------
# Samples.


@pytest.fixture(scope="session")
def samples():
    if not SAMPLES.is_dir():
        pytest.fail(f"AWS sample events not found at {SAMPLES} "
                    "(they are committed under tests/data/aws)")

    def load(name):
        path = SAMPLES / name
        if not path.is_file():
            pytest.fail(f"sample {path} missing")
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    return load


def envelope(source, detail_type, detail, account="123456789012", region="us-east-1"):
    return {"version": "0", "id": "5b6b4f4c-0f1e-4a36-9a64-2b8d7f0c9e11",
            "detail-type": detail_type, "source": source, "account": account,
            "time": "2024-04-02T15:13:06Z", "region": region, "resources": [],
            "detail": detail}


def cloudtrail(record):
    """Bare CloudTrail record -> the EventBridge event CloudTrail delivers."""
    return envelope("aws.ec2", "AWS API Call via CloudTrail", record,
                    record["recipientAccountId"], record["awsRegion"])


def config_change(detail):
    return envelope("aws.config", "Config Configuration Item Change", detail)


def with_state(event, state):
    e = copy.deepcopy(event)
    e["detail"]["state"] = state
    return e


LT = "launch-templates/"


def lt_cloudtrail(samples, name, event_name=None):
    """A trimmed console CloudTrail record (launch-templates/SOURCE.md) -> the event.

    The publisher's export trims records to ten fields and writes "errorCode": null
    and "errorMessage": null into each; a real successful record has no such fields
    (CloudTrail User Guide, "CloudTrail record contents": errorCode and errorMessage
    are present when the request returns an error), so they are dropped here. The
    account, absent from the trimmed record, is the sample's sanitised createdBy's.
    event_name builds the CreateLaunchTemplateVersion / ModifyLaunchTemplate records
    no public sample exists for, from the documented request and response shapes:
    the same envelope with another eventName.
    """
    record = copy.deepcopy(samples(LT + name))
    for key in ("errorCode", "errorMessage"):
        if record.get(key) is None:
            record.pop(key, None)
    record.setdefault("recipientAccountId", "200802171337")
    if event_name:
        record["eventName"] = event_name
    return cloudtrail(record)


def config_lt_change(samples):
    """Config item change for AWS::EC2::LaunchTemplate. No real one was found
    (launch-templates/SOURCE.md); built from the EC2 instance item change sample with
    the resource type and identifiers of the launch-template schema sample."""
    e = copy.deepcopy(samples("eventbridge-config-ci-change-ec2-instance.json"))
    ci = e["detail"]["configurationItem"]
    ci["resourceType"] = "AWS::EC2::LaunchTemplate"
    ci["resourceId"] = "lt-db0c0ffee4616a338"
    ci["configuration"] = {"launchTemplateName": "minimalistLaunchTemplate",
                           "defaultVersionNumber": 1, "latestVersionNumber": 1}
    return e


def handled(samples):
    ci = samples("eventbridge-config-ci-change-ec2-instance.json")
    pending = samples("eventbridge-ec2-instance-state-change-pending.json")
    oversized_lt = config_change(copy.deepcopy(samples("config-sns-oversized-ci-change-ec2-message.json")))
    oversized_lt["detail"]["configurationItemSummary"]["resourceType"] = "AWS::EC2::LaunchTemplate"
    return {
        "CloudTrail CreateLaunchTemplate":
            lt_cloudtrail(samples, "cloudtrail-CreateLaunchTemplate-minimal-console.json"),
        "CloudTrail CreateLaunchTemplate with ImageId":
            lt_cloudtrail(samples, "cloudtrail-CreateLaunchTemplate-with-ImageId-console.json"),
        "CloudTrail CreateLaunchTemplateVersion (documented shape)":
            lt_cloudtrail(samples, "cloudtrail-CreateLaunchTemplate-with-ImageId-console.json",
                          "CreateLaunchTemplateVersion"),
        "CloudTrail ModifyLaunchTemplate (documented shape)":
            lt_cloudtrail(samples, "cloudtrail-CreateLaunchTemplate-minimal-console.json",
                          "ModifyLaunchTemplate"),
        "CloudTrail DeleteLaunchTemplate":
            lt_cloudtrail(samples, "cloudtrail-DeleteLaunchTemplate-console.json"),
        "CloudTrail DeleteLaunchTemplateVersions (documented shape)":
            lt_cloudtrail(samples, "cloudtrail-DeleteLaunchTemplate-console.json",
                          "DeleteLaunchTemplateVersions"),
        "config CI change, launch template (built)": config_lt_change(samples),
        "config oversized CI change, launch template (built)": oversized_lt,
        "config CI change, EC2 instance": ci,
        "config CI change, EC2 instance deleted":
            config_change(samples("config-invokingevent-ec2-resourcedeleted.json")),
        "config oversized CI change, EC2 instance":
            config_change(samples("config-sns-oversized-ci-change-ec2-message.json")),
        "state change pending": pending,
        "state change running": with_state(pending, "running"),
        "state change terminated": samples("eventbridge-ec2-instance-state-change-terminated.json"),
        "CloudTrail RunInstances":
            cloudtrail(samples("cloudtrail-record-runinstances-direct-imageid.json")),
    }


def unrelated(samples):
    pending = samples("eventbridge-ec2-instance-state-change-pending.json")
    run = samples("cloudtrail-record-runinstances-direct-imageid.json")
    terminate = copy.deepcopy(run)
    terminate["eventName"] = "TerminateInstances"
    volume = copy.deepcopy(samples("eventbridge-config-ci-change-ec2-instance.json"))
    volume["detail"]["configurationItem"]["resourceType"] = "AWS::EC2::Volume"
    s3_as_ec2 = copy.deepcopy(samples("eventbridge-cloudtrail-api-call-envelope-s3-createbucket.json"))
    s3_as_ec2["source"] = "aws.ec2"
    return {
        "CloudTrail S3 CreateBucket": samples("eventbridge-cloudtrail-api-call-envelope-s3-createbucket.json"),
        "CloudTrail S3 CreateBucket relabelled aws.ec2": s3_as_ec2,
        "config CI change, EFS file system": samples("eventbridge-config-ci-change-efs-awsdocs.json"),
        "config CI change, EC2 volume": volume,
        "config rules compliance change": samples("eventbridge-config-rules-compliance-change.json"),
        "state change stopping": with_state(pending, "stopping"),
        "state change stopped": with_state(pending, "stopped"),
        "state change shutting-down": with_state(pending, "shutting-down"),
        "CloudTrail TerminateInstances": cloudtrail(terminate),
        "CloudTrail RunInstances failed (UnauthorizedOperation)":
            cloudtrail(samples("cloudtrail-record-runinstances-failed-unauthorized.json")),
        "state change pending from another source":
            dict(copy.deepcopy(pending), source="custom.ec2"),
        "CloudTrail DescribeLaunchTemplateVersions (read-only)":
            lt_cloudtrail(samples, "cloudtrail-DescribeLaunchTemplateVersions-console.json"),
        "CloudTrail CreateLaunchTemplate failed": failed_lt(samples),
        "CloudTrail GetLaunchTemplateData": lt_cloudtrail(
            samples, "cloudtrail-CreateLaunchTemplate-minimal-console.json", "GetLaunchTemplateData"),
    }


def failed_lt(samples):
    e = lt_cloudtrail(samples, "cloudtrail-CreateLaunchTemplate-minimal-console.json")
    e["detail"]["errorCode"] = "Client.UnauthorizedOperation"
    e["detail"]["errorMessage"] = "You are not authorized to perform this operation."
    e["detail"]["responseElements"] = None
    return e


HANDLED_NAMES = [
    "config CI change, EC2 instance", "config CI change, EC2 instance deleted",
    "config oversized CI change, EC2 instance", "state change pending",
    "state change running", "state change terminated", "CloudTrail RunInstances",
    "CloudTrail CreateLaunchTemplate", "CloudTrail CreateLaunchTemplate with ImageId",
    "CloudTrail CreateLaunchTemplateVersion (documented shape)",
    "CloudTrail ModifyLaunchTemplate (documented shape)", "CloudTrail DeleteLaunchTemplate",
    "CloudTrail DeleteLaunchTemplateVersions (documented shape)",
    "config CI change, launch template (built)",
    "config oversized CI change, launch template (built)",
]
UNRELATED_NAMES = [
    "CloudTrail S3 CreateBucket", "CloudTrail S3 CreateBucket relabelled aws.ec2",
    "config CI change, EFS file system", "config CI change, EC2 volume",
    "config rules compliance change", "state change stopping", "state change stopped",
    "state change shutting-down", "CloudTrail TerminateInstances",
    "CloudTrail RunInstances failed (UnauthorizedOperation)",
    "state change pending from another source",
    "CloudTrail DescribeLaunchTemplateVersions (read-only)",
    "CloudTrail CreateLaunchTemplate failed", "CloudTrail GetLaunchTemplateData",
]


# ---------------------------------------------------------------------------
# The matcher itself, on the examples of the AWS documentation (negative first).


def test_matcher_rejects_documented_non_matches():
    assert not matches({"source": ["aws.ec2"]}, {"source": "aws.EC2"})
    assert not matches({"detail": {"state": ["terminated"]}}, {"detail": {}})
    assert not matches({"detail": {"state": ["terminated"]}}, {"detail": "terminated"})
    assert not matches({"detail": {"c-count": [{"exists": False}]}}, {"detail": {"c-count": 5}})
    assert not matches({"detail": {"c-count": [{"exists": True}]}}, {"detail": {}})
    assert not matches({"x": [1]}, {"x": True})
    assert not matches({"x": ["1"]}, {"x": 1})
    assert not matches({"$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"a": "2", "b": "1"})
    assert not matches({"k": ["v"], "$or": [{"a": ["1"]}]}, {"k": "w", "a": "1"})


def test_matcher_accepts_documented_matches():
    arn = "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"
    assert matches({"resources": [arn, "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f"]},
                   {"resources": ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x", arn]})
    assert matches({"source": ["aws.ec2", "aws.fargate"]}, {"source": "aws.fargate", "other": 1})
    assert matches({"detail": {"c-count": [{"exists": False}]}},
                   {"detail": {"state": ["initializing", "running"]}})
    # c-count is not a leaf here, so exists:false still matches (AWS's example).
    assert matches({"detail": {"c-count": [{"exists": False}]}},
                   {"detail": {"c-count": {"c1": 100}}})
    assert matches({"detail": {"description": [{"exists": True}]}}, {"detail": {"description": "x"}})
    assert matches({"responseElements": [None]}, {"responseElements": None})
    assert matches({"$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"b": "2"})


def test_matcher_refuses_operators_it_does_not_implement():
    for op in ({"prefix": "aws."}, {"anything-but": "x"}, {"numeric": [">", 0]},
               {"wildcard": "*"}, {"exists": True, "prefix": "a"}):
        with pytest.raises(UnsupportedOperator):
            matches({"source": [op]}, {"source": "aws.ec2"})
    with pytest.raises(UnsupportedOperator):
        matches({"$and": []}, {})


# ---------------------------------------------------------------------------
# The template's pattern.


def test_pattern_is_plain_json_with_only_implemented_operators():
    pattern = rule_pattern()
    text = json.dumps(pattern)
    assert "Fn::" not in text and '"Ref"' not in text, "event pattern must not use intrinsics"
    used = operators_used(pattern)
    assert used <= LEAF_OPERATORS | OBJECT_OPERATORS, f"matcher does not implement {used}"
    assert used == {"$or", "exists"}  # a change here needs a matcher review


def test_pattern_branches_are_exactly_the_handled_sources():
    branches = rule_pattern()["$or"]
    kinds = sorted((b["source"][0], b["detail-type"][0]) for b in branches)
    assert kinds == [
        ("aws.config", "Config Configuration Item Change"),
        ("aws.ec2", "AWS API Call via CloudTrail"),
        ("aws.ec2", "EC2 Instance State-change Notification"),
    ]
    assert all(len(b["source"]) == 1 and len(b["detail-type"]) == 1 for b in branches)


@pytest.mark.parametrize("name", UNRELATED_NAMES)
def test_unrelated_events_do_not_match(samples, name):
    events = unrelated(samples)
    assert not matches(rule_pattern(), events[name]), name


@pytest.mark.parametrize("name", HANDLED_NAMES)
def test_handled_events_match(samples, name):
    events = handled(samples)
    assert matches(rule_pattern(), events[name]), name


def test_sample_lists_are_complete(samples):
    # The parametrized names above must cover every constructed event.
    assert sorted(handled(samples)) == sorted(HANDLED_NAMES)
    assert sorted(unrelated(samples)) == sorted(UNRELATED_NAMES)


def test_samples_are_what_the_tests_assume(samples):
    # Guard against a sample changing under the tests: the negative cases must
    # fail for the intended reason, not because a sample is malformed.
    assert samples("eventbridge-ec2-instance-state-change-terminated.json")["detail"]["state"] == "terminated"
    assert samples("eventbridge-config-ci-change-efs-awsdocs.json")["detail"]["configurationItem"][
        "resourceType"] == "AWS::EFS::FileSystem"
    failed = samples("cloudtrail-record-runinstances-failed-unauthorized.json")
    assert failed["eventName"] == "RunInstances" and failed["errorCode"] == "Client.UnauthorizedOperation"
    ok = samples("cloudtrail-record-runinstances-direct-imageid.json")
    assert ok["eventSource"] == "ec2.amazonaws.com" and "errorCode" not in ok


# ---------------------------------------------------------------------------
# The Custom Event Bus topology (deploy/member-bus.yaml, deploy/hub-bus.yaml).
#
# An event reaches Italic there when (1) the member account's event source for
# its service forwards it: EventBridge adds the conditions source = AwsService,
# account and region itself (eb-custom-bus-event-sources: "Leave the source key
# and the top-level account and region keys out of the pattern"), and the
# source's Pattern must match the envelope; and (2) the hub subscriber's filters
# all match: SYSTEM_METADATA against the fields EventBridge sets (aws:Source and
# aws:DetailType from the envelope's source and detail-type), DATA against the
# envelope (eb-custom-bus-filtering: filters are ANDed, one per scope).

BUS_MEMBER = REPO / "deploy" / "member-bus.yaml"
BUS_HUB = REPO / "deploy" / "hub-bus.yaml"


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=CfnLoader)


def event_sources():
    """{AwsService: parsed Pattern} of the member-bus template."""
    out = {}
    for r in load(BUS_MEMBER)["Resources"].values():
        if r["Type"] == "AWS::EventsV2::EventSource":
            cfg = r["Properties"]["Configuration"]["AwsServiceEventsConfiguration"]
            assert cfg["AwsService"] not in out, "one event source per service"
            out[cfg["AwsService"]] = json.loads(cfg["Pattern"])
    return out


def subscriber_filters(name="Subscriber"):
    """{Scope: parsed Pattern} of a hub-bus subscriber, plus the raw filter list."""
    flt = load(BUS_HUB)["Resources"][name]["Properties"]["FilterConfiguration"]
    scopes = [f["Scope"] for f in flt["Filters"]]
    assert len(scopes) == len(set(scopes)), "at most one filter per scope"
    return {f["Scope"]: json.loads(f["Pattern"]) for f in flt["Filters"]}, flt["Filters"]


def system_metadata(event):
    return {"aws:Source": event["source"], "aws:DetailType": event["detail-type"],
            "ContentType": "application/eventbridge+json"}


def bus_delivers(event):
    sources = event_sources()
    if event.get("source") not in sources:
        return False
    if not matches(sources[event["source"]], event):
        return False
    filters, _ = subscriber_filters()
    for scope, pattern in filters.items():
        target = {"SYSTEM_METADATA": system_metadata(event), "DATA": event}[scope]
        if not matches(pattern, target):
            return False
    return True


@pytest.mark.parametrize("name", HANDLED_NAMES)
def test_bus_delivers_handled_events(samples, name):
    assert bus_delivers(handled(samples)[name]), name


@pytest.mark.parametrize("name", UNRELATED_NAMES)
def test_bus_drops_unrelated_events(samples, name):
    assert not bus_delivers(unrelated(samples)[name]), name


def test_event_source_patterns_leave_out_what_eventbridge_adds():
    for service, pattern in event_sources().items():
        assert service in ("aws.ec2", "aws.config")
        text = json.dumps(pattern)
        for key in ('"source"', '"account"', '"region"'):
            assert key not in text, f"{service}: {key} must not be in an event source pattern"
        assert operators_used(pattern) <= LEAF_OPERATORS | OBJECT_OPERATORS


def test_bus_patterns_select_what_the_classic_rule_selects():
    # Same event kinds on both topologies: each event source's pattern, with the
    # source EventBridge adds, is the classic rule's branch (or branches) for that
    # source; the hub subscriber's DATA filter is the classic pattern itself.
    classic = rule_pattern()
    by_source = {}
    for branch in classic["$or"]:
        b = copy.deepcopy(branch)
        by_source.setdefault(b.pop("source")[0], []).append(b)
    for service, pattern in event_sources().items():
        branches = pattern["$or"] if set(pattern) == {"$or"} else [pattern]
        assert branches == by_source[service], service
    filters, _ = subscriber_filters()
    assert filters["DATA"] == classic
    assert sorted(filters["SYSTEM_METADATA"]["aws:Source"]) == sorted(by_source)
    assert set(filters["SYSTEM_METADATA"]) == {"aws:Source"}


def test_subscriber_filters_fit_the_documented_limits():
    # eb-custom-bus-filtering: 4,096 bytes across all filters; at most 1,000
    # $or combinations; no wildcard matchers.
    for name in ("Subscriber", "ReplaySubscriber"):
        _, raw = subscriber_filters(name)
        size = sum(len(f["Pattern"].encode()) for f in raw)
        assert size <= 4096, (name, size)
        for f in raw:
            assert "wildcard" not in f["Pattern"]
            assert or_combinations(json.loads(f["Pattern"])) <= 1000


def or_combinations(pattern):
    n = 1
    for key, want in pattern.items():
        if key == "$or":
            n *= sum(or_combinations(sub) for sub in want)
        elif isinstance(want, dict):
            n *= or_combinations(want)
    return n


def test_replay_subscriber_delivers_the_same_way():
    res = load(BUS_HUB)["Resources"]
    live, replay = res["Subscriber"]["Properties"], res["ReplaySubscriber"]["Properties"]
    for key in ("FilterConfiguration", "BatchConfiguration", "Transformer", "RetryPolicy",
                "OnFailureConfiguration", "InvokeConfiguration", "EventBusArn"):
        assert live[key] == replay[key], key
    assert replay["StartingPosition"] == "POINT_IN_TIME"
    assert live["StartingPosition"] == "LATEST"


def test_member_role_is_the_same_in_both_member_templates():
    classic = load(TEMPLATE)["Resources"]["MemberRole"]
    bus = load(BUS_MEMBER)["Resources"]["MemberRole"]
    assert classic == bus


# ---------------------------------------------------------------------------
# The alert bus example rule (deploy/hub.yaml): Italic's PutEvents entries, as
# docs/alerts.md describes them, arrive as events with source "italic" and
# detail-type "Italic Compliance Change".


def alert_event(**detail):
    d = {"account": "222233334444", "region": "eu-west-1", "instance_id": "i-0abc1234def567890",
         "image_id": "ami-0123456789abcdef0", "from": "COMPLIANT", "to": "NON_COMPLIANT",
         "reasons": ["image not approved"], "matched_rule": None, "exemption": None,
         "observed_at": "2026-11-27T09:00:00Z", "evaluated_at": "2026-11-27T09:00:01Z",
         "url": "https://italic.example.com:8443/v1/instances/222233334444/eu-west-1/i-0abc1234def567890"}
    d.update(detail)
    return envelope("italic", "Italic Compliance Change", d, "111122223333", "eu-west-1")


def alert_rule():
    return load(REPO / "deploy" / "hub.yaml")["Resources"]["AlertRule"]["Properties"]


def test_alert_rule_matches_italic_compliance_changes_only():
    pattern = alert_rule()["EventPattern"]
    assert matches(pattern, alert_event())
    assert matches(pattern, alert_event(**{"from": "NON_COMPLIANT", "to": "COMPLIANT"}))
    assert not matches(pattern, dict(alert_event(), source="italic.test"))
    assert not matches(pattern, dict(alert_event(), **{"detail-type": "Italic Digest"}))
    assert not matches(pattern, dict(alert_event(), source="aws.ec2"))


def test_alert_rule_input_paths_exist_in_the_alert_detail():
    paths = alert_rule()["Targets"][0]["InputTransformer"]["InputPathsMap"]
    detail = alert_event()["detail"]
    for var, path in paths.items():
        assert path.startswith("$.detail."), path
        assert path[len("$.detail."):] in detail, path
        assert f"<{var}>" in alert_rule()["Targets"][0]["InputTransformer"]["InputTemplate"]


# The storm digest (docs/alerts.md): its own DetailType, its own example rule.


def alert_digest_event(**detail):
    d = {"kind": "digest", "window_start": "2026-11-27T09:00:00.000Z", "window_end": "2026-11-27T09:01:00.000Z",
         "count": 180, "by_to": {"NON_COMPLIANT": 180}, "by_account": {"222233334444": 180},
         "by_image": {"ami-0123456789abcdef0": 180}, "by_account_others": 0, "by_image_others": 0,
         "instances": [], "instances_not_listed": 180,
         "url": "https://italic.example.com:8443/v1/instances?compliance=NON_COMPLIANT"}
    d.update(detail)
    return envelope("italic", "Italic Compliance Digest", d, "111122223333", "eu-west-1")


def alert_digest_rule():
    return load(REPO / "deploy" / "hub.yaml")["Resources"]["AlertDigestRule"]["Properties"]


def test_alert_digest_rule_matches_digests_only():
    pattern = alert_digest_rule()["EventPattern"]
    assert matches(pattern, alert_digest_event())
    assert not matches(pattern, alert_event())
    assert not matches(alert_rule()["EventPattern"], alert_digest_event())
    assert not matches(pattern, dict(alert_digest_event(), source="italic.test"))


def test_alert_digest_rule_input_paths_exist_in_the_digest_detail():
    t = alert_digest_rule()["Targets"][0]["InputTransformer"]
    detail = alert_digest_event()["detail"]
    for var, path in t["InputPathsMap"].items():
        assert path.startswith("$.detail."), path
        key = path[len("$.detail."):]
        assert key in detail and not isinstance(detail[key], (dict, list)), path
        assert f"<{var}>" in t["InputTemplate"]


def test_alert_topic_accepts_both_example_rules_only():
    stmt = load(REPO / "deploy" / "hub.yaml")["Resources"]["AlertTopicPolicy"]["Properties"]["PolicyDocument"][
        "Statement"][0]
    assert stmt["Condition"]["ArnEquals"]["aws:SourceArn"] == [
        {"Fn::GetAtt": ["AlertRule", "Arn"]}, {"Fn::GetAtt": ["AlertDigestRule", "Arn"]}]
