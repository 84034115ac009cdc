#!/usr/bin/python3
"""Writes botocore-1.29.27-generated-putevents.json: the PutEvents request Debian 12's
python3-botocore signs for one Italic alert entry, with the same frozen clock and example
credentials as botocore-1.29.27-generated-signed-requests.json (pure-Python SigV4Auth,
no awscrt, nothing sent: a before-send hook captures the request). GENERATED, NOT
CAPTURED: a reference for the request's shape, target, content type, scope and signed
headers, not for what EventBridge answers.

    /usr/bin/python3 tests/data/aws/gen-botocore-putevents.py > tests/data/aws/botocore-1.29.27-generated-putevents.json
"""
import datetime
import json
import sys
from unittest import mock

import botocore
import botocore.auth
import botocore.session

FROZEN = datetime.datetime(2026, 1, 15, 12, 0, 0)
DETAIL = {"kind": "change", "account": "123456789012", "region": "us-east-1", "instance_id": "i-0123456789abcdef0",
          "image_id": "ami-0123456789abcdef0", "from": None, "to": "NON_COMPLIANT",
          "reasons": ["rule golden: owner 111111111111 not in owners"], "matched_rule": None, "exemption": None,
          "observed_at": "2026-01-15T11:59:30.000Z", "evaluated_at": "2026-01-15T11:59:31.000Z",
          "url": "/v1/instances/123456789012/us-east-1/i-0123456789abcdef0"}
ENTRY = {"Source": "italic", "DetailType": "Italic Compliance Change",
         "Detail": json.dumps(DETAIL, separators=(",", ":")), "EventBusName": "italic-alerts",
         "Resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0"],
         "Time": datetime.datetime(2026, 1, 15, 11, 59, 31, tzinfo=datetime.timezone.utc)}

captured = []


class Raw:
    def __init__(self):
        self.status = 200

    def stream(self, **kw):
        yield b'{"FailedEntryCount":0,"Entries":[{"EventId":"x"}]}'


def main():
    s = botocore.session.get_session()
    s.set_credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "FQoGZXIvYXdzEXAMPLESESSIONTOKEN")
    c = s.create_client("events", region_name="us-east-1")
    c.meta.events.register("before-send", lambda request, **kw: before_send_hook(request))
    with mock.patch("botocore.auth.datetime") as dt:
        dt.datetime.utcnow.return_value = FROZEN
        dt.datetime.now.return_value = FROZEN
        dt.datetime.side_effect = datetime.datetime
        try:
            c.put_events(Entries=[ENTRY])
        except Exception:   # the fake answer need not parse: the request is what we keep
            pass
    json.dump({"generator": "botocore " + botocore.__version__, "frozen_time": "2026-01-15T12:00:00Z",
               "WARNING": "GENERATED, NOT CAPTURED by tests/data/aws/gen-botocore-putevents.py: Debian 12 "
                          "python3-botocore, pure-Python SigV4Auth, frozen clock, the documentation's example "
                          "credentials. User-Agent and amz-sdk-invocation-id left out.",
               "requests": captured}, sys.stdout, indent=1)
    sys.stdout.write("\n")


def before_send_hook(request):
    # User-Agent names this machine's kernel: left out, like the random invocation id
    headers = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()
               if k not in ("User-Agent", "amz-sdk-invocation-id")}
    captured.append({"method": request.method, "url": request.url, "headers": headers,
                     "body": request.body.decode() if isinstance(request.body, bytes) else request.body})
    return botocore.awsrequest.AWSResponse(request.url, 200, {}, Raw())


if __name__ == "__main__":
    main()
