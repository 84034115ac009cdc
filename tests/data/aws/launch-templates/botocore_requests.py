#!/usr/bin/python3
"""Writes botocore-1.29.27-generated-signed-requests-launch-templates.json: the exact
requests Debian 12's python3-botocore signs for the launch-template calls Italic makes,
with a frozen clock and the documentation's example credentials (as
tests/data/aws/botocore-1.29.27-generated-signed-requests.json for the other calls).

    /usr/bin/python3 tests/data/aws/launch-templates/botocore_requests.py

GENERATED, NOT CAPTURED. botocore 1.29.27 has no ResolveAlias member, so the requests
here are without it; test_aws_ec2 checks the ResolveAlias form on its own.
"""
import datetime
import json
import os
import sys
from unittest import mock

import botocore.auth
import botocore.session

FROZEN = datetime.datetime(2026, 1, 15, 12, 0, 0)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   "botocore-1.29.27-generated-signed-requests-launch-templates.json")
captured = []


class Stop(Exception):
    pass


def before_send(request, **kw):
    captured.append({"method": request.method, "url": request.url,
                     "headers": {k: (v.decode() if isinstance(v, bytes) else v)
                                 for k, v in request.headers.items()},
                     "body": (request.body.decode() if isinstance(request.body, bytes)
                              else (request.body or ""))})
    raise Stop()


def client(service):
    s = botocore.session.get_session()
    s.set_credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                      "FQoGZXIvYXdzEXAMPLESESSIONTOKEN")
    c = s.create_client(service, region_name="us-east-1")
    c.meta.events.register("before-send", before_send)
    return c


def call(fn, **kw):
    try:
        fn(**kw)
    except Stop:
        pass


def main():
    with mock.patch("botocore.auth.datetime") as dt, \
            mock.patch.object(botocore.auth, "HAS_CRT", False, create=True):
        dt.datetime.utcnow.return_value = FROZEN
        dt.datetime.strptime = datetime.datetime.strptime
        ec2 = client("ec2")
        call(ec2.describe_launch_templates, LaunchTemplateIds=["lt-0a20c965061f64abc"])
        call(ec2.describe_launch_templates, MaxResults=200)
        call(ec2.describe_launch_template_versions, LaunchTemplateId="lt-0a20c965061f64abc",
             Versions=["$Default", "$Latest"])
        call(ec2.describe_launch_template_versions, Versions=["$Default", "$Latest"], MaxResults=200)
        ssm = client("ssm")
        call(ssm.get_parameter, Name="golden-ami:prod")
    doc = {"generator": "botocore " + botocore.__version__, "frozen_time": "2026-01-15T12:00:00Z",
           "WARNING": "GENERATED, NOT CAPTURED: produced offline by python3-botocore with a "
                      "before-send hook, frozen clock 2026-01-15T12:00:00Z, access key AKIDEXAMPLE, "
                      "secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, session token "
                      "FQoGZXIvYXdzEXAMPLESESSIONTOKEN. Requests: 0 DescribeLaunchTemplates by id, "
                      "1 DescribeLaunchTemplates MaxResults=200, 2 DescribeLaunchTemplateVersions of "
                      "one template ($Default, $Latest), 3 DescribeLaunchTemplateVersions of every "
                      "template (MaxResults=200), 4 SSM GetParameter golden-ami:prod.",
           "requests": captured}
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
