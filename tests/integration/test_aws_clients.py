"""Every AWS client against the fake AWS over real HTTP, signatures checked by botocore."""
from aws_fixtures import CENTRAL, fake_aws, probe  # noqa: F401

MEMBER = "111122223333"
I1, I2 = "i-1234567890abcdef0", "i-0fedcba9876543210"
A1, A2, A3 = "ami-0123456789abcdef0", "ami-0aaaaaaaaaaaaaaaa", "ami-0bbbbbbbbbbbbbbbb"


def seed(fake):
    fake.control("instances", [
        {"account": MEMBER, "region": "eu-west-1", "InstanceId": I1, "ImageId": A1,
         "State": "running", "StateCode": 272, "LaunchTime": "2026-01-15T11:59:00.000Z",
         "Platform": "windows", "PlatformDetails": "Windows", "Tags": {"Name": "web", "env": "prod"}},
        {"account": MEMBER, "region": "eu-west-1", "InstanceId": I2, "ImageId": A3,
         "State": "stopped", "StateCode": 80},
        {"account": CENTRAL, "region": "eu-west-1", "InstanceId": "i-00000000000000001", "ImageId": A1},
    ])
    fake.control("images", [
        {"ImageId": A1, "OwnerId": "123456789012", "OwnerAlias": "amazon", "Name": "golden-al2023",
         "CreationDate": "2025-06-01T10:00:00.000Z", "DeprecationTime": "2027-06-01T10:00:00.000Z",
         "ProductCodes": [{"Code": "abc123", "Type": "marketplace"}], "Tags": {"team": "platform"}},
        {"ImageId": A2, "Gone": "empty"},
        {"ImageId": A3, "Gone": "notfound"},
    ])


def member(*args):
    return ["--role", "ItalicMember", "--external-id", "ext-1", "--account", MEMBER,
            "--region", "eu-west-1"] + list(args)


def test_describe_instances_through_assumed_role(fake_aws, probe):
    seed(fake_aws)
    fake_aws.control("sts", {"external_id": "ext-1"})
    rc, out = probe(member("describe-instances", I1, I2), fake_aws.env())
    assert rc == 0, out
    inst = {i["instance_id"]: i for i in out[0]["result"]["instances"]}
    assert inst[I1] == {"instance_id": I1, "image_id": A1, "state": "running", "state_code": 16,
                        "launch_time": "2026-01-15T11:59:00.000Z", "platform": "windows",
                        "platform_details": "Windows", "tags": {"Name": "web", "env": "prod"}}
    assert inst[I2]["state_code"] == 80 and inst[I2]["state"] == "stopped"
    sts = fake_aws.requests("sts", "AssumeRole")
    assert len(sts) == 1 and sts[0]["account"] == CENTRAL
    assert f"RoleArn=arn%3Aaws%3Aiam%3A%3A{MEMBER}%3Arole%2FItalicMember" in sts[0]["body"]
    assert f"RoleSessionName=italic-{MEMBER}" in sts[0]["body"]
    assert "ExternalId=ext-1" in sts[0]["body"]
    assert sts[0]["region"] == "us-east-1"  # home region's STS, signed for it
    ec2 = fake_aws.requests("ec2", "DescribeInstances")
    assert len(ec2) == 1 and ec2[0]["account"] == MEMBER and ec2[0]["region"] == "eu-west-1"
    assert ec2[0]["akid"].startswith("ASIA")


def test_wrong_external_id_is_denied(fake_aws, probe):
    seed(fake_aws)
    fake_aws.control("sts", {"external_id": "the-right-one"})
    rc, out = probe(member("describe-instances", I1), fake_aws.env())
    assert rc == 1
    assert out[0]["status"] == "edenied" and out[0]["code"] == "AccessDenied"
    assert out[0]["request_id"]
    assert fake_aws.requests("ec2") == []


def test_list_instances_follows_next_token(fake_aws, probe):
    fake_aws.control("instances", [
        {"account": CENTRAL, "region": "us-east-1", "InstanceId": "i-%017x" % n, "ImageId": A1}
        for n in range(1, 8)])
    fake_aws.control("page_size", {"size": 3})
    rc, out = probe(["list-instances"], fake_aws.env())
    assert rc == 0, out
    assert out[0]["result"]["pages"] == 3
    assert [i["instance_id"] for i in out[0]["result"]["instances"]] == \
        ["i-%017x" % n for n in range(1, 8)]
    bodies = [r["body"] for r in fake_aws.requests("ec2", "DescribeInstances")]
    assert "NextToken" not in bodies[0] and "NextToken=3" in bodies[1] and "NextToken=6" in bodies[2]


def test_describe_images_fields_and_not_found(fake_aws, probe):
    seed(fake_aws)
    rc, out = probe(["--region", "eu-west-1", "describe-images", A1], fake_aws.env())
    assert rc == 0, out
    (img,) = out[0]["result"]["images"]
    assert img == {"image_id": A1, "owner_id": "123456789012", "owner_alias": "amazon",
                   "name": "golden-al2023", "state": "available", "platform": None,
                   "platform_details": None, "creation": "2025-06-01T10:00:00.000Z",
                   "deprecation": "2027-06-01T10:00:00.000Z",
                   "product_codes": [{"code": "abc123", "type": "marketplace"}],
                   "tags": {"team": "platform"}}
    body = fake_aws.requests("ec2", "DescribeImages")[0]["body"]
    assert body == f"Action=DescribeImages&Version=2016-11-15&ImageId.1={A1}&IncludeDeprecated=true"
    # recently deregistered: 200 with an empty imagesSet
    rc, out = probe(["describe-images", A2], fake_aws.env())
    assert rc == 0 and out[0]["result"]["images"] == []
    # long gone: InvalidAMIID.NotFound, also "not there", not an error
    rc, out = probe(["describe-images", A3], fake_aws.env())
    assert rc == 0 and out[0]["result"]["images"] == []
    assert fake_aws.requests("ec2", "DescribeImages")[-1]["error"] == "InvalidAMIID.NotFound"


def test_instance_image_metadata_and_no_fallback(fake_aws, probe):
    seed(fake_aws)
    rc, out = probe(member("image-metadata", I1), fake_aws.env())
    assert rc == 0, out
    (item,) = out[0]["result"]["items"]
    assert item["instance_id"] == I1 and item["image"]["image_id"] == A1
    assert item["image"]["name"] == "golden-al2023"
    fake_aws.control("image_metadata", {"supported": False})
    rc, out = probe(member("image-metadata", I1), fake_aws.env())
    assert rc == 1 and out[0]["status"] == "eunsupported"
    assert len(fake_aws.requests("ec2", "DescribeInstanceImageMetadata")) == 2  # no retry


def test_retries_then_success(fake_aws, probe):
    seed(fake_aws)
    fake_aws.control("faults", [
        {"service": "ec2", "operation": "DescribeImages", "kind": "throttle", "count": 2},
        {"service": "ec2", "operation": "DescribeImages", "kind": "5xx", "count": 1}])
    rc, out = probe(["--backoff-ms", "10", "--region", "eu-west-1", "describe-images", A1],
                    fake_aws.env())
    assert rc == 0, out
    statuses = [r["status"] for r in fake_aws.requests("ec2", "DescribeImages")]
    assert statuses == [503, 503, 500, 200]


def test_retries_then_give_up(fake_aws, probe):
    seed(fake_aws)
    fake_aws.control("faults", [{"service": "ec2", "kind": "throttle", "count": 10}])
    rc, out = probe(["--backoff-ms", "10", "--attempts", "3", "describe-images", A1],
                    fake_aws.env())
    assert rc == 1
    assert out[0]["status"] == "ethrottle" and out[0]["code"] == "RequestLimitExceeded"
    assert out[0]["attempts"] == 3 and out[0]["http_status"] == 503
    assert len(fake_aws.requests("ec2")) == 3


def test_slow_answer_times_out_and_retries(fake_aws, probe):
    seed(fake_aws)
    fake_aws.control("faults", [{"service": "ec2", "kind": "slow", "sleep": 2, "count": 1}])
    rc, out = probe(["--timeout-ms", "500", "--backoff-ms", "10", "--region", "eu-west-1",
                     "describe-images", A1], fake_aws.env())
    assert rc == 0, out
    assert len(fake_aws.requests("ec2")) >= 1


def test_malformed_xml_is_an_error_not_a_crash(fake_aws, probe):
    seed(fake_aws)
    fake_aws.control("faults", [{"service": "ec2", "kind": "malformed", "count": 1}])
    rc, out = probe(["describe-images", A1], fake_aws.env())
    assert rc == 1 and out[0]["status"] == "einval"


def test_wrong_secret_is_rejected_by_the_fake(fake_aws, probe):
    seed(fake_aws)
    rc, out = probe(["describe-images", A1],
                    fake_aws.env(AWS_SECRET_ACCESS_KEY="not-the-secret"))
    assert rc == 1
    assert out[0]["status"] == "edenied" and out[0]["code"] == "SignatureDoesNotMatch"
    assert out[0]["attempts"] == 1
    rc, out = probe(["describe-images", A1], fake_aws.env(AWS_ACCESS_KEY_ID="AKIDUNKNOWN"))
    assert rc == 1 and out[0]["code"] == "InvalidClientTokenId"


def test_put_evaluations(fake_aws, probe):
    rc, out = probe(member("put-evaluations", "result-token-1",
                           f"{I1}=NON_COMPLIANT={A1} is not allowed by any rule",
                           "i-fail0000000000001=COMPLIANT"), fake_aws.env())
    assert rc == 0, out
    assert out[0]["result"]["failed"] == ["i-fail0000000000001"]
    (ev,) = fake_aws.state()["evaluations"]
    assert ev == {"ComplianceResourceType": "AWS::EC2::Instance", "ComplianceResourceId": I1,
                  "ComplianceType": "NON_COMPLIANT", "OrderingTimestamp": 1768478370,
                  "Annotation": f"{A1} is not allowed by any rule", "account": MEMBER,
                  "region": "eu-west-1", "result_token": "result-token-1"}
    req = fake_aws.requests("config", "PutEvaluations")[0]
    assert req["headers"]["X-Amz-Target"] == "StarlingDoveService.PutEvaluations"
    assert req["headers"]["Content-Type"] == "application/x-amz-json-1.1"
    # limits are enforced before anything is sent
    rc, out = probe(["put-evaluations", "t", f"{I1}=NON_COMPLIANT=" + "x" * 257], fake_aws.env())
    assert rc == 1 and out[0]["status"] == "einval"
    rc, out = probe(["put-evaluations", "t", f"{I1}=INSUFFICIENT_DATA"], fake_aws.env())
    assert rc == 1 and out[0]["status"] == "einval"
    assert len(fake_aws.requests("config")) == 1


def test_put_evaluations_throttled_json_error(fake_aws, probe):
    fake_aws.control("faults", [{"service": "config", "kind": "throttle", "count": 9}])
    rc, out = probe(["--backoff-ms", "5", "--attempts", "2", "put-evaluations", "t",
                     f"{I1}=COMPLIANT"], fake_aws.env())
    assert rc == 1 and out[0]["status"] == "ethrottle" and out[0]["code"] == "ThrottlingException"


def test_batch_import_findings(fake_aws, probe, tmp_path):
    f = tmp_path / "findings.json"
    f.write_text('[{"Id": "italic/111122223333/eu-west-1/i-1", "SchemaVersion": "2018-10-08"},'
                 ' {"Id": "fail/2"}]')
    rc, out = probe(member("import-findings", str(f)), fake_aws.env())
    assert rc == 0, out
    assert out[0]["result"] == {"success_count": 1, "failed_count": 1,
                                "failed": [{"id": "fail/2", "code": "InvalidInput"}]}
    (stored,) = fake_aws.state()["findings"]
    assert stored["_account"] == MEMBER and stored["_region"] == "eu-west-1"
    assert fake_aws.requests("securityhub")[0]["path"] == "/findings/import"


def test_put_object_signed_payload_path_style(fake_aws, probe, tmp_path):
    body = tmp_path / "part.jsonl.gz"
    body.write_bytes(b"\x1f\x8b\x08\x00example-bytes")
    key = "italic/dt=2026-01-15/hour=12/part 0001$.jsonl.gz"
    rc, out = probe(["put-object", "siem-bucket", key, str(body)], fake_aws.env())
    assert rc == 0, out
    objs = fake_aws.state()["objects"]
    assert objs[f"siem-bucket/{key}"]["size"] == len(body.read_bytes())
    assert objs[f"siem-bucket/{key}"]["content_encoding"] == "gzip"
    req = fake_aws.requests("s3", "PutObject")[0]
    assert req["path"] == "/siem-bucket/italic/dt%3D2026-01-15/hour%3D12/part%200001%24.jsonl.gz"
    assert req["headers"]["x-amz-content-sha256"] != "UNSIGNED-PAYLOAD"


def test_endpoint_override_per_service(fake_aws, probe):
    seed(fake_aws)
    env = fake_aws.env(AWS_ENDPOINT_URL="http://127.0.0.1:9",  # nothing listens there
                       AWS_ENDPOINT_URL_EC2=fake_aws.url)
    rc, out = probe(["--region", "eu-west-1", "describe-images", A1], env)
    assert rc == 0, out
    rc, out = probe(["--attempts", "1", "put-evaluations", "t", f"{I1}=COMPLIANT"], env)
    assert rc == 1 and out[0]["status"] == "enetwork"
