"""Launch template events for integration tests: the committed fixtures of
tests/fixtures/event_lt (built from AWS's samples and documented shapes, see its
SOURCE.md) with ids, accounts, Regions, versions, images and times set per test, and the
fake AWS's launch templates and SSM parameters to match."""
import copy
import json
import os
import sqlite3
import uuid

from eventlib import load as load_event

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "event_lt")


def load(name):
    with open(os.path.join(FIXTURES, name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def _envelope(ev, account, region, when):
    ev["id"] = str(uuid.uuid4())
    ev["account"] = account
    ev["region"] = region
    ev["time"] = when
    d = ev["detail"]
    if "eventTime" in d:
        d["eventTime"] = when
        d["awsRegion"] = region
        d["eventID"] = str(uuid.uuid4())
        if "recipientAccountId" in d:
            d["recipientAccountId"] = account
        if "userIdentity" in d and "accountId" in d["userIdentity"]:
            d["userIdentity"]["accountId"] = account
    return ev


def create(tid, image, when, account, region, name="web"):
    """CreateLaunchTemplate: version 1, the default, with image (None: no ImageId)."""
    ev = _envelope(copy.deepcopy(load("cloudtrail-create-with-image")), account, region, when)
    d = ev["detail"]
    data = d["requestParameters"]["CreateLaunchTemplateRequest"]["LaunchTemplateData"]
    if image is None:
        data.pop("ImageId", None)
    else:
        data["ImageId"] = image
    d["requestParameters"]["CreateLaunchTemplateRequest"]["LaunchTemplateName"] = name
    lt = d["responseElements"]["CreateLaunchTemplateResponse"]["launchTemplate"]
    lt.update(launchTemplateId=tid, launchTemplateName=name, defaultVersionNumber=1, latestVersionNumber=1,
              createTime=when)
    return ev


def create_version(tid, number, image, default, when, account, region, name="web"):
    """CreateLaunchTemplateVersion: version number with image, the default or not."""
    ev = _envelope(copy.deepcopy(load("cloudtrail-create-version")), account, region, when)
    d = ev["detail"]
    req = d["requestParameters"]["CreateLaunchTemplateVersionRequest"]
    req["LaunchTemplateId"] = tid
    req["LaunchTemplateData"] = {"ImageId": image}
    v = d["responseElements"]["CreateLaunchTemplateVersionResponse"]["launchTemplateVersion"]
    v.update(launchTemplateId=tid, launchTemplateName=name, versionNumber=number, defaultVersion=default,
             launchTemplateData={"imageId": image, "instanceType": "t3.micro"}, createTime=when)
    return ev


def modify(tid, default, latest, when, account, region, name="web"):
    """ModifyLaunchTemplate: a new default version."""
    ev = _envelope(copy.deepcopy(load("cloudtrail-modify")), account, region, when)
    d = ev["detail"]
    d["requestParameters"]["ModifyLaunchTemplateRequest"].update(LaunchTemplateId=tid, SetDefaultVersion=str(default))
    lt = d["responseElements"]["ModifyLaunchTemplateResponse"]["launchTemplate"]
    lt.update(launchTemplateId=tid, launchTemplateName=name, defaultVersionNumber=default, latestVersionNumber=latest)
    return ev


def delete(tid, when, account, region, name="web", default=1, latest=1):
    ev = _envelope(copy.deepcopy(load("cloudtrail-delete")), account, region, when)
    d = ev["detail"]
    d["requestParameters"]["DeleteLaunchTemplateRequest"]["LaunchTemplateId"] = tid
    d["responseElements"]["DeleteLaunchTemplateResponse"]["launchTemplate"].update(
        launchTemplateId=tid, launchTemplateName=name, defaultVersionNumber=default, latestVersionNumber=latest)
    return ev


def delete_versions(tid, numbers, when, account, region, name="web"):
    ev = _envelope(copy.deepcopy(load("cloudtrail-delete-versions-one")), account, region, when)
    d = ev["detail"]
    req = d["requestParameters"]["DeleteLaunchTemplateVersionsRequest"]
    req["LaunchTemplateId"] = tid
    req["LaunchTemplateVersion"] = [{"tag": k + 1, "content": str(n)} for k, n in enumerate(numbers)]
    resp = d["responseElements"]["DeleteLaunchTemplateVersionsResponse"]
    resp["successfullyDeletedLaunchTemplateVersionSet"] = {"item": [
        {"launchTemplateId": tid, "launchTemplateName": name, "versionNumber": n} for n in numbers]}
    return ev


def _ci(tid, default, latest, image, when, account, region, status="OK"):
    ci = copy.deepcopy(load("config-ci-change")["detail"]["configurationItem"])
    ci.update(resourceId=tid, awsAccountId=account, awsRegion=region, configurationItemCaptureTime=when,
              configurationItemStatus=status,
              ARN="arn:aws:ec2:%s:%s:launch-template/%s" % (region, account, tid))
    ci["configuration"].update(Id=tid, DefaultVersionNumber=str(default), LatestVersionNumber=str(latest),
                               LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"})
    if status == "ResourceDeleted":
        ci["configuration"] = None
    return ci


def config_item(tid, default, latest, image, when, account, region, status="OK"):
    """A Config configuration item change (EventBridge) of an AWS::EC2::LaunchTemplate."""
    ev = copy.deepcopy(load("config-ci-change"))
    ev["id"] = str(uuid.uuid4())
    ev["account"], ev["region"], ev["time"] = account, region, when
    ev["detail"]["configurationItem"] = _ci(tid, default, latest, image, when, account, region, status)
    ev["resources"] = [ev["detail"]["configurationItem"]["ARN"]]
    return ev


def config_oversized(tid, when, account, region):
    """The oversized variant: a summary without configuration (the template is read from AWS)."""
    ev = copy.deepcopy(load("config-ci-oversized"))
    ev["id"] = str(uuid.uuid4())
    ev["account"], ev["region"], ev["time"] = account, region, when
    summ = ev["detail"]["configurationItemSummary"]
    arn = "arn:aws:ec2:%s:%s:launch-template/%s" % (region, account, tid)
    summ.update(resourceId=tid, awsAccountId=account, awsRegion=region, configurationItemCaptureTime=when, ARN=arn)
    ev["resources"] = [arn]
    return ev


def rule_invocation(tid, default, latest, image, token, when, account, region):
    """The launch template Config rule invoked for one template's change."""
    inv = copy.deepcopy(load("config-rule-invocation-change"))
    ie = json.loads(inv["invokingEvent"])
    ie["configurationItem"] = _ci(tid, default, latest, image, when, account, region)
    inv["invokingEvent"] = json.dumps(ie)
    inv["resultToken"] = token
    inv["accountId"] = account
    inv["configRuleArn"] = "arn:aws:config:%s:%s:config-rule/config-rule-lt0001" % (region, account)
    return inv


def scheduled_templates(token, when, account, region):
    """The launch template rule's scheduled invocation (ruleParameters italicResourceType)."""
    inv = copy.deepcopy(load("config-rule-invocation-scheduled"))
    ie = json.loads(inv["invokingEvent"])
    ie["awsAccountId"] = account
    ie["notificationCreationTime"] = when
    inv["invokingEvent"] = json.dumps(ie)
    inv["resultToken"] = token
    inv["accountId"] = account
    inv["configRuleArn"] = "arn:aws:config:%s:%s:config-rule/config-rule-lt0002" % (region, account)
    return inv


def run_from_template(tid, version, instance_id, image, when, account, region, override=False):
    """RunInstances from a template (launchTemplate in the request, EC2's
    aws:ec2launchtemplate:* tags on the instance); override: the request names the image
    too."""
    ev = _envelope(copy.deepcopy(load("runinstances-tags")), account, region, when)
    d = ev["detail"]
    d["requestParameters"]["launchTemplate"] = {"launchTemplateId": tid, "version": str(version)}
    d["requestParameters"]["instancesSet"] = {"items": [{"maxCount": 1, "minCount": 1}]}
    if override:
        d["requestParameters"]["instancesSet"]["items"][0]["imageId"] = image
    item = d["responseElements"]["instancesSet"]["items"][0]
    item["instanceId"] = instance_id
    item["imageId"] = image
    item["tagSet"] = {"items": [{"key": "aws:ec2launchtemplate:id", "value": tid},
                                {"key": "aws:ec2launchtemplate:version", "value": str(version)}]}
    d["responseElements"]["instancesSet"]["items"] = [item]
    return ev


def fake_template(tid, versions, default, account, region, name="web"):
    """The fake AWS's record of a template: versions {number: image}."""
    return {"account": account, "region": region, "LaunchTemplateId": tid, "LaunchTemplateName": name,
            "DefaultVersion": default,
            "Versions": [{"VersionNumber": n, "ImageId": img} for n, img in sorted(versions.items())]}


def template(db, tid):
    con = sqlite3.connect(db, timeout=10)
    try:
        con.row_factory = sqlite3.Row
        r = con.execute("SELECT * FROM launch_templates WHERE template_id = ?", (tid,)).fetchone()
        return dict(r) if r else None
    finally:
        con.close()


def versions(db, tid):
    con = sqlite3.connect(db, timeout=10)
    try:
        con.row_factory = sqlite3.Row
        return {r["version"]: dict(r) for r in
                con.execute("SELECT * FROM launch_template_versions WHERE template_id = ?", (tid,))}
    finally:
        con.close()


__all__ = ["load", "load_event", "create", "create_version", "modify", "delete", "delete_versions", "config_item",
           "config_oversized",
           "rule_invocation", "scheduled_templates", "run_from_template", "fake_template", "template", "versions"]
