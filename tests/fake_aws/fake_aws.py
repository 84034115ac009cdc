#!/usr/bin/python3
"""fake_aws.py: one local HTTP server that plays every AWS endpoint Italic calls.

Run with Debian's interpreter (it needs python3-botocore):

    /usr/bin/python3 tests/fake_aws/fake_aws.py [--port 0] [--port-file PATH]

It listens on 127.0.0.1 (a free port unless --port is given), prints
"fake_aws listening on PORT" and writes PORT to --port-file. Point Italic at it with
AWS_ENDPOINT_URL=http://127.0.0.1:PORT (all services), the IMDS override
AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:PORT, or container credentials
AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:PORT/__creds/container.

Signature checking
------------------
Every request that carries an Authorization header is verified with botocore's own
pure-Python signers, instantiated directly (botocore.auth.SigV4Auth for every service,
S3SigV4Auth for s3; never the CRT classes, see docs/aws-facts.md §10): the request is rebuilt
as an AWSRequest from the received method, URL, body and exactly the headers named in
SignedHeaders, the canonical request / string to sign / signature are recomputed at
the X-Amz-Date of the request with the secret the fake knows for the access key id,
and compared. A request that does not verify gets 403 SignatureDoesNotMatch (or
InvalidClientTokenId for an unknown key, or a missing/mismatched session token). For
S3 the x-amz-content-sha256 value must also equal the SHA-256 of the received body.
Only AssumeRoleWithWebIdentity, IMDS and container credentials are unsigned.

Services (service = the credential scope's service, account = the account the access
key belongs to, region = the credential scope's region)
------------------------------------------------------------------------------------
  sts          POST / Action=AssumeRole | AssumeRoleWithWebIdentity (Query XML)
  ec2          POST / Action=DescribeInstances | DescribeImages |
               DescribeInstanceImageMetadata | DescribeLaunchTemplates |
               DescribeLaunchTemplateVersions (Query XML, NextToken paging; ResolveAlias
               resolves resolve:ssm: images from the ssm parameters below)
  ssm          POST / X-Amz-Target AmazonSSM.GetParameter (JSON 1.1)
  config       POST / X-Amz-Target StarlingDoveService.PutEvaluations (JSON 1.1)
  securityhub  POST /findings/import (rest-json)
  events       POST / X-Amz-Target AWSEvents.PutEvents (JSON 1.1): 1..10 entries, each
               with Source, DetailType, a Detail that is a JSON object and EventBusName;
               the entries' size by AWS's formula (Time 14 bytes, Source, DetailType,
               Detail, Resources in UTF-8 bytes) must be under 256 KiB (else 400
               ValidationException). Accepted entries are kept (/__control/state
               "events"); each answer lists one result per entry, in order.
  s3           PUT /<bucket>/<key> (path style) or Host <bucket>.s3... (virtual)
  IMDSv2       PUT /latest/api/token, GET /latest/meta-data/iam/security-credentials/[role],
               GET /latest/meta-data/placement/region
  container    GET /__creds/container (Authorization must equal the configured token)

Control API (JSON in, JSON out)
-------------------------------
  GET  /__control/health                 -> {"ok": true}
  POST /__control/reset                  -> forget fixtures, faults, requests, stored data
  POST /__control/keys      {"AKID": {"secret": "...", "token": null|"...",
                             "account": "123456789012"}}    add long-term/temporary keys
  POST /__control/instances [{"account","region","InstanceId","ImageId","State":"running",
                             "StateCode":16,"LaunchTime","Platform","PlatformDetails",
                             "Tags":{"k":"v"}}]              replace the instance list
  POST /__control/images    [{"region"(optional),"ImageId","OwnerId","OwnerAlias","Name",
                             "CreationDate","DeprecationTime","State","Platform",
                             "PlatformDetails","ProductCodes":[{"Code","Type"}],
                             "Tags":{...},"Gone":"empty"|"notfound"}]   replace images
  POST /__control/image_metadata {"supported": true|false}  DescribeInstanceImageMetadata:
                             answers from instances + images when supported, else
                             InvalidAction (400)
  POST /__control/faults    [{"service":"ec2","operation":"DescribeImages"(or "*"),
                             "kind":"throttle"|"5xx"|"slow"|"malformed"|"error",
                             "count":N, "sleep":seconds, "status":400, "code":"X",
                             "account":"111122223333" (optional: only that account),
                             "listing": true (optional: only DescribeInstances without ids)}]
                             appended; each matching request uses one count
  POST /__control/clear_faults {}          forget every fault not yet used
  POST /__control/events_failures [{"match": "text in the Detail", "code": "InternalFailure",
                             "message": "...", "count": N}]   appended; a PutEvents entry
                             whose Detail contains match fails with code (its result
                             carries ErrorCode/ErrorMessage, FailedEntryCount counts it)
                             while count lasts; the other entries of the call succeed
  POST /__control/sts       {"duration": seconds issued creds live (default 3600),
                             "external_id": required ExternalId or null,
                             "deny_accounts": ["..."], "web_tokens": ["..."]}
  POST /__control/imds      {"role": "role-name", "disabled": false,
                             "region": "eu-west-1" | null (placement/region: 404 when null)}
  POST /__control/container {"token": "Bearer x" | null}
  POST /__control/page_size {"size": N}     DescribeInstances listing page size (and the
                             launch-template listings', at most their MaxResults)
  POST /__control/launch_templates [{"account","region","LaunchTemplateId",
                             "LaunchTemplateName","DefaultVersion":1,"CreateTime",
                             "Tags":{...},"Versions":[{"VersionNumber":1,"ImageId":
                             "ami-..."|"resolve:ssm:..."|null,"CreateTime"}]}]  replace
  POST /__control/ssm_parameters [{"account" (or "public" for /aws/service/...),
                             "region","Name","Value","Version":1,"Labels":["prod"],
                             "DataType":"aws:ec2:image","Type":"String"}]  replace; one
                             entry per parameter version
  POST /__control/fleet     {"pairs": [[account, region, count], ...], "image": "ami-..."}
                             generated instances, listed besides /__control/instances:
                             instance k of a pair is fleet_instance_id(account, region, k),
                             running, from image; nothing is stored per instance, so a pair
                             may hold 50,000 and 10,000 pairs cost nothing
  POST /__control/latency   {"ms": 200, "service": "ec2"|"*", "operation": "..."|"*",
                             "accounts": {"111122223333": 5000}}  every matching answer
                             waits ms (an account listed waits its own ms); {} turns it off
  POST /__control/rate_limit {"per_second": 5, "burst": 5, "service": "ec2",
                             "accounts": ["..."] (null: every account)}  a token bucket per
                             (account, Region) like EC2's: a request without a token gets
                             RequestLimitExceeded (503); {} turns it off
  POST /__control/recording {"on": false}   keep counts only (GET /__control/counts), not
                             every request (a bench of 20,000 calls)
  GET  /__control/counts     -> {"ec2 DescribeInstances 200": n, ...}
  GET  /__control/inflight   -> {"now", "max", "max_by_account": {...}} for listings
                             (DescribeInstances without ids being answered at once); POST
                             resets the maxima
  GET  /__control/requests   -> [{"service","operation","method","path","host",
                             "akid","account","region","status","headers","body","t"}]
                             (t: when the request arrived, Unix seconds)
  GET  /__control/state      -> {"evaluations":[...],"findings":[...],"objects":{...},
                             "events":[{"entry": <as sent>, "detail": <parsed>,
                             "account", "region", "event_id"}]}
  GET  /__control/objects    -> {"bucket/key": base64 of the stored body}

ResolveAlias on a resolve:ssm: image no parameter answers fails the call with 400
InvalidParameterValue (what EC2 itself answers is not documented; Italic then asks SSM).

Partial failures: PutEvaluations lists an evaluation in FailedEvaluations when its
ComplianceResourceId starts with "i-fail" or "i-0fa11ed"; BatchImportFindings lists a
finding in FailedFindings when its Id starts with "fail" or contains "/i-0fa11ed".

Defaults: key AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY in account
999999999999; IMDS role "italic-instance"; container token unset (any accepted).
Credentials issued by STS/IMDS/container are registered as keys automatically (an
AssumeRole key belongs to the role's account).
"""

import argparse
import datetime
import hashlib
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
DEFAULT_KEY = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
CENTRAL_ACCOUNT = "999999999999"


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.keys = {DEFAULT_KEY[0]: {"secret": DEFAULT_KEY[1], "token": None,
                                      "account": CENTRAL_ACCOUNT}}
        self.instances = []
        self.images = []
        self.metadata_supported = True
        self.faults = []
        self.requests = []
        self.sts = {"duration": 3600, "external_id": None, "deny_accounts": [],
                    "web_tokens": None}
        self.imds = {"role": "italic-instance", "disabled": False, "region": None}
        self.imds_tokens = set()
        self.container = {"token": None}
        self.page_size = 1000
        self.fleet = {}            # (account, region) -> count of generated instances
        self.fleet_image = "ami-0f1ee7f1ee7f1ee70"
        self.latency = {}
        self.rate_limit = {}
        self.buckets = {}          # (account, region) -> [tokens, last refill time]
        self.recording = True
        self.counts = {}
        self.inflight = {"now": 0, "max": 0, "by_account": {}, "max_by_account": {}}
        self.launch_templates = []
        self.ssm_parameters = []
        self.evaluations = []
        self.findings = []
        self.objects = {}
        self.events = []
        self.events_failures = []

    def issue(self, account, prefix):
        akid = prefix + secrets.token_hex(8).upper()
        secret = secrets.token_urlsafe(30)
        token = "FQo" + secrets.token_urlsafe(120)
        expires = now() + datetime.timedelta(seconds=self.sts["duration"])
        self.keys[akid] = {"secret": secret, "token": token, "account": account}
        return {"AccessKeyId": akid, "SecretAccessKey": secret, "Token": token,
                "Expiration": iso(expires)}

    def take_fault(self, service, operation, account=None, listing=False):
        for f in self.faults:
            if f.get("count", 1) <= 0:
                continue
            if f.get("service", "*") not in ("*", service):
                continue
            if f.get("operation", "*") not in ("*", operation):
                continue
            if f.get("account") not in (None, account):
                continue
            if f.get("listing") and not listing:
                continue
            f["count"] = f.get("count", 1) - 1
            return dict(f)
        return None


STATE = State()


def xml_error(code, message, ns_style="ec2"):
    rid = secrets.token_hex(8)
    if ns_style == "sts":
        return (f'<ErrorResponse xmlns="{STS_NS}"><Error><Type>Sender</Type><Code>{escape(code)}'
                f'</Code><Message>{escape(message)}</Message></Error><RequestId>{rid}'
                f'</RequestId></ErrorResponse>')
    if ns_style == "s3":
        return (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{escape(code)}</Code>'
                f'<Message>{escape(message)}</Message><RequestId>{rid}</RequestId></Error>')
    return (f'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>'
            f'{escape(code)}</Code><Message>{escape(message)}</Message></Error></Errors>'
            f'<RequestID>{rid}</RequestID></Response>')


class AwsError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def parse_auth(value):
    """'AWS4-HMAC-SHA256 Credential=A/D/R/S/aws4_request, SignedHeaders=a;b, Signature=x'"""
    if not value.startswith("AWS4-HMAC-SHA256 "):
        raise AwsError(400, "IncompleteSignature", "unsupported algorithm")
    fields = {}
    for part in value[len("AWS4-HMAC-SHA256 "):].split(","):
        k, _, v = part.strip().partition("=")
        fields[k] = v
    try:
        akid, date, region, service, term = fields["Credential"].split("/")
        signed = fields["SignedHeaders"].split(";")
        sig = fields["Signature"]
    except (KeyError, ValueError):
        raise AwsError(400, "IncompleteSignature", "malformed Authorization")
    if term != "aws4_request":
        raise AwsError(400, "IncompleteSignature", "bad scope terminator")
    return akid, date, region, service, signed, sig


def verify(method, raw_path, headers, body):
    """Returns (akid, account, region, service). Raises AwsError on any mismatch."""
    auth = headers.get("Authorization")
    akid, date, region, service, signed, sig = parse_auth(auth)
    with STATE.lock:
        key = STATE.keys.get(akid)
    if not key:
        raise AwsError(403, "InvalidClientTokenId",
                       "The security token included in the request is invalid.")
    got_token = headers.get("X-Amz-Security-Token")
    if key["token"] is not None:
        if got_token != key["token"]:
            raise AwsError(403, "InvalidClientTokenId", "session token missing or wrong")
        if "x-amz-security-token" not in signed:
            raise AwsError(403, "SignatureDoesNotMatch", "session token not signed")
    amz_date = headers.get("X-Amz-Date")
    if not amz_date or amz_date[:8] != date:
        raise AwsError(403, "SignatureDoesNotMatch", "X-Amz-Date does not match the scope")
    for required in ("host", "x-amz-date"):
        if required not in signed:
            raise AwsError(403, "SignatureDoesNotMatch", f"{required} not signed")
    host = headers.get("Host")
    sub = {}
    for name in signed:
        v = headers.get(name)
        if v is None:
            raise AwsError(403, "SignatureDoesNotMatch", f"signed header {name} missing")
        sub[name] = v
    if service == "s3":
        want = headers.get("x-amz-content-sha256")
        if want != hashlib.sha256(body).hexdigest():
            raise AwsError(400, "XAmzContentSHA256Mismatch",
                           "x-amz-content-sha256 does not match the body")
        if "x-amz-content-sha256" not in signed:
            raise AwsError(403, "SignatureDoesNotMatch", "x-amz-content-sha256 not signed")
    req = AWSRequest(method=method, url=f"http://{host}{raw_path}", data=body, headers=sub)
    req.context["timestamp"] = amz_date
    creds = Credentials(akid, key["secret"], key["token"])
    signer = (S3SigV4Auth if service == "s3" else SigV4Auth)(creds, service, region)
    creq = signer.canonical_request(req)
    sts = signer.string_to_sign(req, creq)
    expect = signer.signature(sts, req)
    if not secrets.compare_digest(expect, sig):
        raise AwsError(403, "SignatureDoesNotMatch",
                       "The request signature we calculated does not match the signature "
                       "you provided.")
    return akid, key["account"], region, service


# ---- EC2 ----

def tag_xml(tags):
    if not tags:
        return "<tagSet/>"
    items = "".join(f"<item><key>{escape(k)}</key><value>{escape(str(v))}</value></item>"
                    for k, v in tags.items())
    return f"<tagSet>{items}</tagSet>"


def instance_xml(i):
    out = [f"<item><instanceId>{escape(i['InstanceId'])}</instanceId>",
           f"<imageId>{escape(i.get('ImageId', ''))}</imageId>",
           f"<instanceState><code>{int(i.get('StateCode', 16))}</code>"
           f"<name>{escape(i.get('State', 'running'))}</name></instanceState>",
           f"<launchTime>{escape(i.get('LaunchTime', '2026-01-15T11:00:00.000Z'))}</launchTime>"]
    if i.get("Platform"):
        out.append(f"<platform>{escape(i['Platform'])}</platform>")
    out.append(f"<platformDetails>{escape(i.get('PlatformDetails', 'Linux/UNIX'))}"
               f"</platformDetails>")
    out.append(tag_xml(i.get("Tags")))
    out.append("</item>")
    return "".join(out)


def image_fields_xml(im, owner_tag="imageOwnerId", state_tag="imageState"):
    out = [f"<imageId>{escape(im['ImageId'])}</imageId>"]
    for key, tag in (("OwnerId", owner_tag), ("OwnerAlias", "imageOwnerAlias"),
                     ("Name", "name"), ("CreationDate", "creationDate"),
                     ("DeprecationTime", "deprecationTime"), ("Platform", "platform"),
                     ("PlatformDetails", "platformDetails")):
        if im.get(key) is not None:
            out.append(f"<{tag}>{escape(str(im[key]))}</{tag}>")
    out.append(f"<{state_tag}>{escape(im.get('State', 'available'))}</{state_tag}>")
    return "".join(out)


def image_xml(im):
    codes = "".join(f"<item><productCode>{escape(c['Code'])}</productCode>"
                    f"<type>{escape(c.get('Type', 'marketplace'))}</type></item>"
                    for c in im.get("ProductCodes", []))
    return (f"<item>{image_fields_xml(im)}<productCodes>{codes}</productCodes>"
            f"{tag_xml(im.get('Tags'))}</item>")


def numbered(params, prefix):
    out = []
    n = 1
    while f"{prefix}.{n}" in params:
        out.append(params[f"{prefix}.{n}"])
        n += 1
    return out


def fleet_instance_id(account, region, k):
    """Instance k of a generated pair (/__control/fleet): the bench seeds Italic with the
    same ids."""
    return "i-" + hashlib.sha256(f"{account}/{region}/{k}".encode()).hexdigest()[:17]


def fleet_instances(account, region, count, start, n, image):
    return [{"account": account, "region": region, "InstanceId": fleet_instance_id(account, region, k),
             "ImageId": image, "State": "running", "StateCode": 16}
            for k in range(start, min(count, start + n))]


FLEET_IDS = {}   # (account, region, count) -> {id: k}, built on the first lookup by id


def fleet_by_ids(account, region, count, ids, image):
    with STATE.lock:
        index = FLEET_IDS.get((account, region, count))
        if index is None:
            index = {fleet_instance_id(account, region, k): k for k in range(count)}
            FLEET_IDS[(account, region, count)] = index
    return [fleet_instances(account, region, count, index[x], 1, image)[0] for x in ids if x in index]


def ec2(action, params, account, region):
    with STATE.lock:
        instances = [dict(i) for i in STATE.instances
                     if i.get("account", CENTRAL_ACCOUNT) == account
                     and i.get("region", "us-east-1") == region]
        generated = STATE.fleet.get((account, region), 0)
        fleet_image = STATE.fleet_image
        images = [dict(i) for i in STATE.images if i.get("region", region) == region]
        page = STATE.page_size
        supported = STATE.metadata_supported
    rid = secrets.token_hex(8)
    if action == "DescribeInstances":
        ids = numbered(params, "InstanceId")
        if ids:
            if generated:
                instances += fleet_by_ids(account, region, generated, ids, fleet_image)
            known = {i["InstanceId"] for i in instances}
            missing = [x for x in ids if x not in known]
            if missing:
                raise AwsError(400, "InvalidInstanceID.NotFound",
                               f"The instance ID '{missing[0]}' does not exist")
            sel = [i for i in instances if i["InstanceId"] in ids]
            nxt = None
        else:
            # The listed instances first, then the generated ones: one numbering.
            start = int(params.get("NextToken", "0") or 0)
            total = len(instances) + generated
            sel = instances[start:start + page]
            if len(sel) < page and start + len(sel) < total:
                g0 = max(0, start - len(instances))
                sel += fleet_instances(account, region, generated, g0, page - len(sel), fleet_image)
            nxt = str(start + page) if start + page < total else None
        body = "".join(instance_xml(i) for i in sel)
        tok = f"<nextToken>{nxt}</nextToken>" if nxt else ""
        return (f'<DescribeInstancesResponse xmlns="{EC2_NS}"><requestId>{rid}</requestId>'
                f"<reservationSet><item><reservationId>r-0</reservationId>"
                f"<ownerId>{account}</ownerId><instancesSet>{body}</instancesSet></item>"
                f"</reservationSet>{tok}</DescribeInstancesResponse>")
    if action == "DescribeImages":
        ids = numbered(params, "ImageId")
        by_id = {i["ImageId"]: i for i in images}
        for x in ids:
            if x in by_id and by_id[x].get("Gone") == "notfound":
                raise AwsError(400, "InvalidAMIID.NotFound",
                               f"The image id '[{x}]' does not exist")
        sel = [by_id[x] for x in ids if x in by_id and by_id[x].get("Gone") != "empty"]
        for x in ids:
            if x not in by_id:
                raise AwsError(400, "InvalidAMIID.NotFound",
                               f"The image id '[{x}]' does not exist")
        return (f'<DescribeImagesResponse xmlns="{EC2_NS}"><requestId>{rid}</requestId>'
                f"<imagesSet>{''.join(image_xml(i) for i in sel)}</imagesSet>"
                f"</DescribeImagesResponse>")
    if action == "DescribeInstanceImageMetadata":
        if not supported:
            raise AwsError(400, "InvalidAction",
                           "The action DescribeInstanceImageMetadata is not valid for this "
                           "web service.")
        ids = numbered(params, "InstanceId")
        by_img = {i["ImageId"]: i for i in images}
        items = []
        for i in instances:
            if ids and i["InstanceId"] not in ids:
                continue
            im = by_img.get(i.get("ImageId"), {"ImageId": i.get("ImageId", ""),
                                               "State": "deregistered"})
            items.append(
                f"<item><instanceId>{escape(i['InstanceId'])}</instanceId>"
                f"<launchTime>{escape(i.get('LaunchTime', '2026-01-15T11:00:00.000Z'))}"
                f"</launchTime><instanceState><code>{int(i.get('StateCode', 16))}</code>"
                f"<name>{escape(i.get('State', 'running'))}</name></instanceState>"
                f"<imageMetadata>{image_fields_xml(im)}</imageMetadata></item>")
        return (f'<DescribeInstanceImageMetadataResponse xmlns="{EC2_NS}"><requestId>{rid}'
                f"</requestId><instanceImageMetadataSet>{''.join(items)}"
                f"</instanceImageMetadataSet></DescribeInstanceImageMetadataResponse>")
    if action in ("DescribeLaunchTemplates", "DescribeLaunchTemplateVersions"):
        return launch_templates(action, params, account, region, rid)
    raise AwsError(400, "InvalidAction", f"The action {action} is not valid")


# ---- EC2 launch templates and SSM parameters ----

def ssm_lookup(account, region, ref):
    """The parameter version ref (a GetParameter Name: name[:selector] or an ARN[:selector])
    means in account/region, or raises AwsError as SSM would."""
    owner = account
    if ref.startswith("arn:"):
        parts = ref.split(":", 5)
        if len(parts) != 6 or parts[2] != "ssm" or not parts[5].startswith("parameter/"):
            raise AwsError(400, "ValidationException", "bad parameter ARN")
        owner, region = parts[4], parts[3]
        name, _, sel = parts[5][len("parameter/"):].partition(":")
        if "/" in name and not name.startswith("/"):
            name = "/" + name
    else:
        name, _, sel = ref.partition(":")
    with STATE.lock:
        cands = [dict(p) for p in STATE.ssm_parameters
                 if p.get("Name") == name and p.get("region", region) == region
                 and p.get("account", CENTRAL_ACCOUNT) in (owner, "public")]
    if not cands:
        raise AwsError(400, "ParameterNotFound", "")
    if sel.isdigit():
        cands = [p for p in cands if int(p.get("Version", 1)) == int(sel)]
    elif sel:
        cands = [p for p in cands if sel in p.get("Labels", [])]
    if not cands:
        raise AwsError(400, "ParameterVersionNotFound", f"Systems Manager could not find version {sel}")
    best = max(cands, key=lambda p: int(p.get("Version", 1)))
    best["_selector"] = (":" + sel) if sel else None
    best["_owner"] = owner
    return best


def ssm(op, body, account, region):
    if op != "GetParameter":
        raise AwsError(400, "UnknownOperationException", op)
    doc = json.loads(body or b"{}")
    name = doc.get("Name")
    if not isinstance(name, str) or not 1 <= len(name) <= 2048 or set(doc) - {"Name", "WithDecryption"}:
        raise AwsError(400, "ValidationException", "bad GetParameter request")
    p = ssm_lookup(account, region, name)
    out = {"Name": p["Name"], "Type": p.get("Type", "String"), "Value": p["Value"],
           "Version": int(p.get("Version", 1)), "LastModifiedDate": 1672158681.205,
           "ARN": f"arn:aws:ssm:{region}:{p['_owner']}:parameter/{p['Name'].lstrip('/')}",
           "DataType": p.get("DataType", "text")}
    if p["_selector"]:
        out["Selector"] = p["_selector"]
    return json.dumps({"Parameter": out})


def lt_xml(t):
    versions = [v["VersionNumber"] for v in t.get("Versions", [])] or [1]
    return (f"<item><createTime>{escape(t.get('CreateTime', '2026-01-15T10:00:00.000Z'))}</createTime>"
            f"<createdBy>arn:aws:iam::{t.get('account', CENTRAL_ACCOUNT)}:root</createdBy>"
            f"<defaultVersionNumber>{int(t.get('DefaultVersion', 1))}</defaultVersionNumber>"
            f"<latestVersionNumber>{max(versions)}</latestVersionNumber>"
            f"<launchTemplateId>{escape(t['LaunchTemplateId'])}</launchTemplateId>"
            f"<launchTemplateName>{escape(t.get('LaunchTemplateName', 'tmpl'))}</launchTemplateName>"
            f"{tag_xml(t.get('Tags'))}</item>")


def lt_version_xml(t, v, account, region, resolve):
    image = v.get("ImageId")
    if image and resolve and image.startswith("resolve:ssm:"):
        try:
            image = ssm_lookup(account, region, image[len("resolve:ssm:"):])["Value"]
        except AwsError:
            raise AwsError(400, "InvalidParameterValue",
                           f"The parameter {image} in launch template version {v['VersionNumber']} "
                           "could not be resolved")
    data = f"<imageId>{escape(image)}</imageId>" if image else ""
    default = int(t.get("DefaultVersion", 1)) == int(v["VersionNumber"])
    return (f"<item><createTime>{escape(v.get('CreateTime', '2026-01-15T10:00:00.000Z'))}</createTime>"
            f"<createdBy>arn:aws:iam::{account}:root</createdBy>"
            f"<defaultVersion>{'true' if default else 'false'}</defaultVersion>"
            f"<launchTemplateData>{data}<instanceType>t3.micro</instanceType>"
            f"<networkInterfaceSet><item><deviceIndex>0</deviceIndex></item></networkInterfaceSet>"
            f"</launchTemplateData>"
            f"<launchTemplateId>{escape(t['LaunchTemplateId'])}</launchTemplateId>"
            f"<launchTemplateName>{escape(t.get('LaunchTemplateName', 'tmpl'))}</launchTemplateName>"
            f"<versionNumber>{int(v['VersionNumber'])}</versionNumber></item>")


def pick_versions(t, wanted):
    by_num = {int(v["VersionNumber"]): v for v in t.get("Versions", [])}
    if not wanted:
        return [by_num[n] for n in sorted(by_num)]
    out = []
    for w in wanted:
        if w == "$Default":
            n = int(t.get("DefaultVersion", 1))
        elif w == "$Latest":
            n = max(by_num) if by_num else 1
        elif w.isdigit():
            n = int(w)
        else:
            raise AwsError(400, "InvalidLaunchTemplateId.VersionNotFound", f"bad version {w}")
        if n not in by_num:
            raise AwsError(400, "InvalidLaunchTemplateId.VersionNotFound",
                           f"Could not find launch template version {w} for launch template "
                           f"{t['LaunchTemplateId']}")
        if by_num[n] not in out:
            out.append(by_num[n])
    return out


def launch_templates(action, params, account, region, rid):
    with STATE.lock:
        lts = [dict(t) for t in STATE.launch_templates
               if t.get("account", CENTRAL_ACCOUNT) == account and t.get("region", "us-east-1") == region]
        page = STATE.page_size
    page = min(page, int(params.get("MaxResults", "1000") or 1000))
    start = int(params.get("NextToken", "0") or 0)
    if action == "DescribeLaunchTemplates":
        ids = numbered(params, "LaunchTemplateId")
        if ids:
            known = {t["LaunchTemplateId"] for t in lts}
            missing = [x for x in ids if x not in known]
            if missing:
                raise AwsError(400, "InvalidLaunchTemplateId.NotFound",
                               f"The specified launch template, with template ID {missing[0]}, "
                               "does not exist.")
            sel, nxt = [t for t in lts if t["LaunchTemplateId"] in ids], None
        else:
            sel = lts[start:start + page]
            nxt = str(start + page) if start + page < len(lts) else None
        tok = f"<nextToken>{nxt}</nextToken>" if nxt else ""
        return (f'<DescribeLaunchTemplatesResponse xmlns="{EC2_NS}"><requestId>{rid}</requestId>'
                f"<launchTemplates>{''.join(lt_xml(t) for t in sel)}</launchTemplates>{tok}"
                f"</DescribeLaunchTemplatesResponse>")
    # DescribeLaunchTemplateVersions
    wanted = numbered(params, "LaunchTemplateVersion")
    resolve = params.get("ResolveAlias") == "true"
    tid = params.get("LaunchTemplateId")
    nxt = None
    if tid:
        t = next((t for t in lts if t["LaunchTemplateId"] == tid), None)
        if t is None:
            raise AwsError(400, "InvalidLaunchTemplateId.NotFound",
                           f"The specified launch template, with template ID {tid}, does not exist.")
        items = [lt_version_xml(t, v, account, region, resolve) for v in pick_versions(t, wanted)]
    else:
        if not wanted or any(w not in ("$Default", "$Latest") for w in wanted):
            raise AwsError(400, "InvalidParameterCombination",
                           "only $Default and $Latest describe every launch template")
        pairs = [(t, v) for t in lts for v in pick_versions(t, wanted)]
        sel = pairs[start:start + page]
        nxt = str(start + page) if start + page < len(pairs) else None
        items = [lt_version_xml(t, v, account, region, resolve) for t, v in sel]
    tok = f"<nextToken>{nxt}</nextToken>" if nxt else ""
    return (f'<DescribeLaunchTemplateVersionsResponse xmlns="{EC2_NS}"><requestId>{rid}</requestId>'
            f"<launchTemplateVersionSet>{''.join(items)}</launchTemplateVersionSet>{tok}"
            f"</DescribeLaunchTemplateVersionsResponse>")


# ---- STS ----

def sts_response(action, creds, arn):
    return (f'<{action}Response xmlns="{STS_NS}"><{action}Result><Credentials>'
            f"<AccessKeyId>{creds['AccessKeyId']}</AccessKeyId>"
            f"<SecretAccessKey>{escape(creds['SecretAccessKey'])}</SecretAccessKey>"
            f"<SessionToken>{escape(creds['Token'])}</SessionToken>"
            f"<Expiration>{creds['Expiration']}</Expiration></Credentials>"
            f"<AssumedRoleUser><Arn>{escape(arn)}</Arn><AssumedRoleId>AROA:x</AssumedRoleId>"
            f"</AssumedRoleUser></{action}Result><ResponseMetadata><RequestId>"
            f"{secrets.token_hex(8)}</RequestId></ResponseMetadata></{action}Response>")


def sts(action, params):
    arn = params.get("RoleArn", "")
    parts = arn.split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam" or \
            not parts[5].startswith("role/"):
        raise AwsError(400, "ValidationError", "bad RoleArn")
    account = parts[4]
    with STATE.lock:
        cfg = dict(STATE.sts)
        if action == "AssumeRole":
            if account in cfg["deny_accounts"]:
                raise AwsError(403, "AccessDenied", "not authorized to perform sts:AssumeRole")
            if cfg["external_id"] is not None and params.get("ExternalId") != cfg["external_id"]:
                raise AwsError(403, "AccessDenied", "ExternalId mismatch")
        else:
            tokens = cfg["web_tokens"]
            if tokens is not None and params.get("WebIdentityToken") not in tokens:
                raise AwsError(400, "InvalidIdentityToken", "token rejected")
        creds = STATE.issue(account, "ASIA")
    session = params.get("RoleSessionName", "")
    return sts_response(action, creds, f"arn:aws:sts::{account}:assumed-role/x/{session}")


# ---- HTTP ----

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake_aws"
    # Headers and body go out in separate writes; without TCP_NODELAY the client's
    # delayed ACK holds the body back ~40 ms on every kept-alive answer.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, ctype="text/xml", extra=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", secrets.token_hex(8))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def handle_any(self, method):
        body = self.read_body()
        path = self.path
        try:
            if path.startswith("/__control/"):
                return self.control(method, path, body)
            if path.startswith("/latest/"):
                return self.imds(method, path)
            if path.startswith("/__creds/container"):
                return self.container()
            return self.aws(method, path, body)
        except Exception as e:  # a bug in the fake must be visible, not a hang
            self.send(500, json.dumps({"fake_error": repr(e)}), "application/json")

    # -- control --
    def control(self, method, path, body):
        what = path[len("/__control/"):]
        data = json.loads(body or b"null") if method == "POST" else None
        with STATE.lock:
            if what == "health":
                out = {"ok": True}
            elif what == "reset":
                STATE.reset()
                out = {"ok": True}
            elif what == "keys":
                for akid, v in data.items():
                    STATE.keys[akid] = {"secret": v["secret"], "token": v.get("token"),
                                        "account": v.get("account", CENTRAL_ACCOUNT)}
                out = {"ok": True}
            elif what == "instances":
                STATE.instances = data
                out = {"ok": True}
            elif what == "images":
                STATE.images = data
                out = {"ok": True}
            elif what == "image_metadata":
                STATE.metadata_supported = bool(data.get("supported", True))
                out = {"ok": True}
            elif what == "faults":
                STATE.faults.extend(data)
                out = {"ok": True}
            elif what == "sts":
                STATE.sts.update(data)
                out = {"ok": True}
            elif what == "imds":
                STATE.imds.update(data)
                out = {"ok": True}
            elif what == "container":
                STATE.container.update(data)
                out = {"ok": True}
            elif what == "clear_faults":
                STATE.faults = []
                out = {"ok": True}
            elif what == "events_failures":
                STATE.events_failures.extend(data)
                out = {"ok": True}
            elif what == "objects":
                import base64
                out = {k: base64.b64encode(v["body"]).decode() for k, v in STATE.objects.items()}
            elif what == "launch_templates":
                STATE.launch_templates = data
                out = {"ok": True}
            elif what == "ssm_parameters":
                STATE.ssm_parameters = data
                out = {"ok": True}
            elif what == "page_size":
                STATE.page_size = int(data["size"])
                out = {"ok": True}
            elif what == "fleet":
                STATE.fleet = {(a, r): int(n) for a, r, n in data.get("pairs", [])}
                STATE.fleet_image = data.get("image", STATE.fleet_image)
                out = {"ok": True, "pairs": len(STATE.fleet)}
            elif what == "latency":
                STATE.latency = dict(data or {})
                out = {"ok": True}
            elif what == "rate_limit":
                STATE.rate_limit = dict(data or {})
                STATE.buckets = {}
                out = {"ok": True}
            elif what == "recording":
                STATE.recording = bool(data.get("on", True))
                out = {"ok": True}
            elif what == "counts":
                out = dict(STATE.counts)
            elif what == "inflight":
                if method == "POST":
                    STATE.inflight["max"] = STATE.inflight["now"]
                    STATE.inflight["max_by_account"] = dict(STATE.inflight["by_account"])
                out = {"now": STATE.inflight["now"], "max": STATE.inflight["max"],
                       "max_by_account": dict(STATE.inflight["max_by_account"])}
            elif what == "requests":
                out = list(STATE.requests)
            elif what == "state":
                out = {"evaluations": STATE.evaluations, "findings": STATE.findings,
                       "events": STATE.events,
                       "objects": {k: {"size": len(v["body"]), "sha256": v["sha256"],
                                       "content_type": v["content_type"],
                                       "content_encoding": v["content_encoding"]}
                                   for k, v in STATE.objects.items()}}
            else:
                return self.send(404, json.dumps({"error": "unknown control"}),
                                 "application/json")
        self.send(200, json.dumps(out), "application/json")

    def record(self, **kw):
        kw.setdefault("headers", {k: v for k, v in self.headers.items()
                                  if k.lower() not in ("authorization",
                                                       "x-amz-security-token")})
        kw["t"] = time.time()
        key = "%s %s %s" % (kw.get("service"), kw.get("operation"), kw.get("status"))
        with STATE.lock:
            STATE.counts[key] = STATE.counts.get(key, 0) + 1
            if STATE.recording:
                STATE.requests.append(kw)

    # -- credential endpoints --
    def imds(self, method, path):
        with STATE.lock:
            cfg = dict(STATE.imds)
        if cfg["disabled"]:
            return self.send(404, "", "text/plain")
        if path == "/latest/api/token":
            if method != "PUT" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.send(400, "", "text/plain")
            tok = secrets.token_urlsafe(24)
            with STATE.lock:
                STATE.imds_tokens.add(tok)
            self.record(service="imds", operation="token", method=method, path=path, status=200)
            return self.send(200, tok, "text/plain")
        with STATE.lock:
            ok = self.headers.get("X-aws-ec2-metadata-token") in STATE.imds_tokens
        if not ok:
            self.record(service="imds", operation="get", method=method, path=path, status=401)
            return self.send(401, "", "text/plain")
        base = "/latest/meta-data/iam/security-credentials/"
        if path == "/latest/meta-data/placement/region":
            status = 200 if cfg["region"] else 404
            self.record(service="imds", operation="region", method=method, path=path, status=status)
            return self.send(status, cfg["region"] or "", "text/plain")
        self.record(service="imds", operation="get", method=method, path=path, status=200)
        if path == base:
            return self.send(200, cfg["role"], "text/plain")
        if path == base + cfg["role"]:
            with STATE.lock:
                c = STATE.issue(CENTRAL_ACCOUNT, "ASIA")
            c.update({"Code": "Success", "Type": "AWS-HMAC", "LastUpdated": iso(now())})
            return self.send(200, json.dumps(c), "text/plain")
        return self.send(404, "", "text/plain")

    def container(self):
        with STATE.lock:
            want = STATE.container["token"]
        got = self.headers.get("Authorization")
        status = 200 if (want is None or got == want) else 401
        self.record(service="container", operation="credentials", method="GET",
                    path=self.path, status=status, authorized=got is not None)
        if status != 200:
            return self.send(401, json.dumps({"message": "unauthorized"}), "application/json")
        with STATE.lock:
            c = STATE.issue(CENTRAL_ACCOUNT, "ASIA")
        c["RoleArn"] = "arn:aws:iam::999999999999:role/task"
        return self.send(200, json.dumps(c), "application/json")

    # -- AWS services --
    def aws(self, method, path, body):
        headers = self.headers
        host = headers.get("Host", "")
        account = region = akid = None
        params = {}
        ctype = headers.get("Content-Type", "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            params = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
        unsigned_web = params.get("Action") == "AssumeRoleWithWebIdentity"
        try:
            if headers.get("Authorization"):
                akid, account, region, service = verify(method, path, headers, body)
            elif unsigned_web:
                service = "sts"
            else:
                raise AwsError(403, "MissingAuthenticationToken", "request is not signed")
        except AwsError as e:
            svc = "unknown"
            auth = headers.get("Authorization", "")
            if "/aws4_request" in auth:
                svc = auth.split("/")[3] if auth.count("/") >= 4 else svc
            self.record(service=svc, operation=params.get("Action") or
                        headers.get("X-Amz-Target", "") or method, method=method, path=path,
                        host=host, akid=akid, status=e.status, error=e.code)
            style = "sts" if svc == "sts" else ("s3" if svc == "s3" else "ec2")
            if svc in ("config", "securityhub", "ssm", "events"):
                return self.send(e.status, json.dumps({"__type": e.code, "message": e.message}),
                                 "application/x-amz-json-1.1", {"x-amzn-ErrorType": e.code})
            return self.send(e.status, xml_error(e.code, e.message, style))

        if service in ("config", "ssm", "events"):
            op = headers.get("X-Amz-Target", "").split(".")[-1]
        elif service == "securityhub":
            op = "BatchImportFindings" if path == "/findings/import" else path
        elif service == "s3":
            op = "PutObject" if method == "PUT" else method
        else:
            op = params.get("Action", "")
        rec = dict(service=service, operation=op, method=method, path=path, host=host,
                   akid=akid, account=account, region=region,
                   body=body.decode("utf-8", "replace")[:4096])
        json_style = service in ("config", "securityhub", "ssm", "events")
        listing = service == "ec2" and op == "DescribeInstances" and not numbered(params, "InstanceId")
        with STATE.lock:
            fault = STATE.take_fault(service, op, account, listing)
            delay = self.latency_for(service, op, account)
            limited = self.rate_limited(service, account, region)
            if listing:
                fl = STATE.inflight
                fl["now"] += 1
                fl["max"] = max(fl["max"], fl["now"])
                fl["by_account"][account] = fl["by_account"].get(account, 0) + 1
                fl["max_by_account"][account] = max(fl["max_by_account"].get(account, 0),
                                                    fl["by_account"][account])
        try:
            self.answer(service, op, params, account, region, path, host, headers, body, rec,
                        json_style, fault, delay, limited)
        finally:
            if listing:
                with STATE.lock:
                    STATE.inflight["now"] -= 1
                    STATE.inflight["by_account"][account] -= 1

    def latency_for(self, service, op, account):
        """Seconds this answer waits (/__control/latency); STATE.lock held."""
        lat = STATE.latency
        if not lat or lat.get("service", "*") not in ("*", service) or \
                lat.get("operation", "*") not in ("*", op):
            return 0.0
        return float(lat.get("accounts", {}).get(account, lat.get("ms", 0))) / 1000.0

    def rate_limited(self, service, account, region):
        """Takes a token from the (account, Region) bucket; True when there was none."""
        rl = STATE.rate_limit
        if not rl or rl.get("service", "ec2") != service:
            return False
        if rl.get("accounts") is not None and account not in rl["accounts"]:
            return False
        per_s, burst = float(rl.get("per_second", 5)), float(rl.get("burst", 5))
        t = time.monotonic()
        tokens, last = STATE.buckets.get((account, region), (burst, t))
        tokens = min(burst, tokens + (t - last) * per_s)
        if tokens < 1:
            STATE.buckets[(account, region)] = (tokens, t)
            return True
        STATE.buckets[(account, region)] = (tokens - 1, t)
        return False

    def answer(self, service, op, params, account, region, path, host, headers, body, rec,
               json_style, fault, delay, limited):
        if delay:
            time.sleep(delay)
        if limited:
            fault = {"kind": "throttle"}
        status, out, ctype_out, extra = 200, "", "text/xml", {}
        try:
            if fault and fault["kind"] == "slow":
                time.sleep(float(fault.get("sleep", 2)))
                fault = None
            if fault and fault["kind"] == "throttle":
                code = {"ec2": "RequestLimitExceeded", "sts": "Throttling",
                        "s3": "SlowDown", "config": "ThrottlingException",
                        "events": "ThrottlingException",
                        "securityhub": "TooManyRequestsException",
                        "ssm": "ThrottlingException"}.get(service, "Throttling")
                raise AwsError(fault.get("status", 503 if service in ("ec2", "s3") else 400),
                               code, "Rate exceeded")
            if fault and fault["kind"] == "5xx":
                raise AwsError(fault.get("status", 500), "InternalError", "injected 5xx")
            if fault and fault["kind"] == "error":
                raise AwsError(fault.get("status", 400), fault.get("code", "InjectedError"),
                               "injected error")
            if fault and fault["kind"] == "malformed":
                status, out = 200, "<DescribeImagesResponse><imagesSet><item><imageId>"
            elif service == "ec2":
                out = ec2(op, params, account, region)
            elif service == "sts":
                out = sts(op, params)
            elif service == "config":
                out, ctype_out = self.put_evaluations(op, body, account, region)
            elif service == "ssm":
                if self.headers.get("Content-Type") != "application/x-amz-json-1.1":
                    raise AwsError(400, "SerializationException", "bad content type")
                out, ctype_out = ssm(op, body, account, region), "application/x-amz-json-1.1"
            elif service == "securityhub":
                out, ctype_out = self.import_findings(body, account, region)
            elif service == "events":
                out, ctype_out = self.put_events(op, body, account, region, rec)
            elif service == "s3":
                out = self.put_object(path, host, headers, body)
            else:
                raise AwsError(400, "UnknownService", service)
        except AwsError as e:
            status = e.status
            if json_style:
                out = json.dumps({"__type": e.code, "message": e.message})
                ctype_out = "application/x-amz-json-1.1"
                extra = {"x-amzn-ErrorType": e.code}
            else:
                out = xml_error(e.code, e.message, "sts" if service == "sts" else
                                ("s3" if service == "s3" else "ec2"))
            rec["error"] = e.code
        rec["status"] = status
        self.record(**rec)
        self.send(status, out, ctype_out, extra)

    def put_evaluations(self, op, body, account, region):
        if op != "PutEvaluations":
            raise AwsError(400, "UnknownOperationException", op)
        if self.headers.get("Content-Type") != "application/x-amz-json-1.1":
            raise AwsError(400, "SerializationException", "bad content type")
        doc = json.loads(body)
        evs = doc.get("Evaluations", [])
        if not doc.get("ResultToken") or len(evs) > 100:
            raise AwsError(400, "InvalidParameterValueException", "bad request")
        failed = []
        for e in evs:
            ann = e.get("Annotation")
            if e.get("ComplianceType") not in ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE") \
                    or (ann is not None and not 1 <= len(ann) <= 256) \
                    or not isinstance(e.get("OrderingTimestamp"), (int, float)):
                raise AwsError(400, "InvalidParameterValueException", "bad evaluation")
            if e.get("ComplianceResourceId", "").startswith(("i-fail", "i-0fa11ed")):
                failed.append(e)
        with STATE.lock:
            STATE.evaluations.extend(dict(e, account=account, region=region,
                                          result_token=doc["ResultToken"])
                                     for e in evs if e not in failed)
        return json.dumps({"FailedEvaluations": failed}), "application/x-amz-json-1.1"

    def put_events(self, op, body, account, region, rec):
        if op != "PutEvents":
            raise AwsError(400, "UnknownOperationException", op)
        if self.headers.get("Content-Type") != "application/x-amz-json-1.1":
            raise AwsError(400, "SerializationException", "bad content type")
        doc = json.loads(body)
        entries = doc.get("Entries")
        if not isinstance(entries, list) or not 1 <= len(entries) <= 10:
            raise AwsError(400, "ValidationException", "1..10 entries")
        size = 0
        for e in entries:
            detail = e.get("Detail")
            if not e.get("Source") or not e.get("DetailType") or not e.get("EventBusName") \
                    or not isinstance(detail, str):
                raise AwsError(400, "ValidationException", "entry lacks Source, DetailType, Detail or bus")
            try:
                parsed = json.loads(detail)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                raise AwsError(400, "ValidationException", "Detail is not a JSON object")
            if not isinstance(e.get("Resources", []), list) or \
                    not all(isinstance(r, str) for r in e.get("Resources", [])):
                raise AwsError(400, "ValidationException", "Resources")
            if "Time" in e and not isinstance(e["Time"], (int, float)):
                raise AwsError(400, "ValidationException", "Time")
            # eb-putevent-size: Time 14 bytes, the strings in UTF-8 bytes
            size += (14 if "Time" in e else 0) + len(e["Source"].encode()) + \
                len(e["DetailType"].encode()) + len(detail.encode()) + \
                sum(len(r.encode()) for r in e.get("Resources", []))
        if size >= 256 * 1024:
            raise AwsError(400, "ValidationException", "Total size of the entries in the request is over the limit")
        results, failed = [], 0
        with STATE.lock:
            for e in entries:
                rule = next((f for f in STATE.events_failures
                             if f.get("count", 1) > 0 and f.get("match", "") in e["Detail"]), None)
                if rule:
                    rule["count"] = rule.get("count", 1) - 1
                    results.append({"ErrorCode": rule.get("code", "InternalFailure"),
                                    "ErrorMessage": rule.get("message", "injected entry failure")})
                    failed += 1
                    continue
                eid = secrets.token_hex(16)
                STATE.events.append({"entry": e, "detail": json.loads(e["Detail"]), "account": account,
                                     "region": region, "event_id": eid})
                results.append({"EventId": eid})
        rec["entries"] = [json.loads(e["Detail"]).get("instance_id") or json.loads(e["Detail"]).get("kind")
                          for e in entries]
        rec["failed_entries"] = [i for i, r in enumerate(results) if "ErrorCode" in r]
        return json.dumps({"FailedEntryCount": failed, "Entries": results}), "application/x-amz-json-1.1"

    def import_findings(self, body, account, region):
        doc = json.loads(body)
        findings = doc.get("Findings", [])
        if not 1 <= len(findings) <= 100:
            raise AwsError(400, "InvalidInputException", "1..100 findings")
        def bad(f):
            return not f.get("Id") or str(f.get("Id")).startswith("fail") or "/i-0fa11ed" in str(f.get("Id"))
        failed = [{"Id": f.get("Id", ""), "ErrorCode": "InvalidInput",
                   "ErrorMessage": "Finding does not adhere to Amazon Finding Format."}
                  for f in findings if bad(f)]
        ok = [f for f in findings if not bad(f)]
        with STATE.lock:
            STATE.findings.extend(dict(f, _account=account, _region=region) for f in ok)
        return json.dumps({"FailedCount": len(failed), "SuccessCount": len(findings) - len(failed),
                           "FailedFindings": failed}), "application/json"

    def put_object(self, path, host, headers, body):
        raw = urllib.parse.unquote(path.split("?")[0])
        if ".s3." in host:
            bucket = host.split(".s3.")[0]
            key = raw.lstrip("/")
        else:
            bucket, _, key = raw.lstrip("/").partition("/")
        if not bucket or not key:
            raise AwsError(400, "InvalidRequest", "bucket and key required")
        with STATE.lock:
            STATE.objects[f"{bucket}/{key}"] = {
                "body": body, "sha256": hashlib.sha256(body).hexdigest(),
                "content_type": headers.get("Content-Type"),
                "content_encoding": headers.get("Content-Encoding")}
        return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    port = srv.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        import os
        os.rename(args.port_file + ".tmp", args.port_file)
    print(f"fake_aws listening on {port}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
