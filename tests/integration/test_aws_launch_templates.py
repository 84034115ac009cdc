"""The launch-template clients (DescribeLaunchTemplates, DescribeLaunchTemplateVersions with
ResolveAlias, SSM GetParameter) against the fake AWS over real HTTP, in a member account
through the assumed role; botocore checks every signature."""
from aws_fixtures import CENTRAL, fake_aws, probe  # noqa: F401

MEMBER = "111122223333"
LT1, LT2 = "lt-0a20c965061f64abc", "lt-0123456789abcdef0"
GOOD, OLD = "ami-0123456789abcdef0", "ami-0aaaaaaaaaaaaaaaa"


def seed(fake):
    fake.control("launch_templates", [
        {"account": MEMBER, "region": "eu-west-1", "LaunchTemplateId": LT1,
         "LaunchTemplateName": "web", "DefaultVersion": 2, "Tags": {"Team": "web"},
         "Versions": [{"VersionNumber": 1, "ImageId": OLD},
                      {"VersionNumber": 2, "ImageId": "resolve:ssm:golden-ami:prod"},
                      {"VersionNumber": 3, "ImageId": "resolve:ssm:missing-param"}]},
        {"account": MEMBER, "region": "eu-west-1", "LaunchTemplateId": LT2,
         "LaunchTemplateName": "batch", "DefaultVersion": 1,
         "Versions": [{"VersionNumber": 1,
                       "ImageId": "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"}]},
        {"account": CENTRAL, "region": "eu-west-1", "LaunchTemplateId": "lt-0fffffffffffffff0",
         "Versions": [{"VersionNumber": 1, "ImageId": GOOD}]},
    ])
    fake.control("ssm_parameters", [
        {"account": MEMBER, "region": "eu-west-1", "Name": "golden-ami", "Value": OLD, "Version": 1},
        {"account": MEMBER, "region": "eu-west-1", "Name": "golden-ami", "Value": GOOD, "Version": 2,
         "Labels": ["prod"], "DataType": "aws:ec2:image"},
        {"account": "public", "region": "eu-west-1",
         "Name": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", "Value": GOOD},
    ])


def member(*args):
    return ["--role", "ItalicMember", "--account", MEMBER, "--region", "eu-west-1"] + list(args)


def test_list_launch_templates_pages_in_the_member_account(fake_aws, probe):
    seed(fake_aws)
    fake_aws.control("page_size", {"size": 1})
    rc, out = probe(member("list-launch-templates"), fake_aws.env())
    assert rc == 0, out
    res = out[0]["result"]
    assert res["pages"] == 2
    assert [(t["id"], t["default_version"], t["latest_version"]) for t in res["templates"]] == \
        [(LT1, 2, 3), (LT2, 1, 1)]
    assert res["templates"][0]["tags"] == {"Team": "web"} and res["templates"][0]["name"] == "web"
    reqs = fake_aws.requests("ec2", "DescribeLaunchTemplates")
    assert all(r["account"] == MEMBER and r["region"] == "eu-west-1" for r in reqs)
    assert "MaxResults=200" in reqs[0]["body"] and "NextToken=1" in reqs[1]["body"]


def test_describe_launch_templates_by_id_and_not_found(fake_aws, probe):
    seed(fake_aws)
    rc, out = probe(member("describe-launch-templates", LT2), fake_aws.env())
    assert rc == 0 and [t["id"] for t in out[0]["result"]["templates"]] == [LT2]
    rc, out = probe(member("describe-launch-templates", "lt-0eeeeeeeeeeeeeee0"), fake_aws.env())
    assert rc == 0 and out[0]["result"]["templates"] == [], out   # NotFound is an empty answer


def test_default_and_latest_as_written_and_resolved(fake_aws, probe):
    seed(fake_aws)
    rc, out = probe(member("lt-versions", LT1, "$Default", "$Latest"), fake_aws.env())
    assert rc == 0, out
    assert [(v["version"], v["default"], v["image_id"]) for v in out[0]["result"]["versions"]] == \
        [(2, 1, "resolve:ssm:golden-ami:prod"), (3, 0, "resolve:ssm:missing-param")]
    rc, out = probe(member("lt-versions", LT1, "resolve", "2"), fake_aws.env())
    assert rc == 0, out
    assert out[0]["result"]["versions"] == [{"id": LT1, "version": 2, "default": 1, "image_id": GOOD}]
    body = fake_aws.requests("ec2", "DescribeLaunchTemplateVersions")[-1]["body"]
    assert "ResolveAlias=true" in body and "LaunchTemplateVersion.1=2" in body
    # an alias no parameter answers: the call fails (the fake's choice; Italic then asks SSM)
    rc, out = probe(member("lt-versions", LT1, "resolve", "3"), fake_aws.env())
    assert rc == 1 and out[0]["code"] == "InvalidParameterValue", out
    # a version the template does not have
    rc, out = probe(member("lt-versions", LT1, "9"), fake_aws.env())
    assert rc == 1 and out[0]["status"] == "enotfound" and \
        out[0]["code"] == "InvalidLaunchTemplateId.VersionNotFound", out


def test_every_template_default_and_latest_paged(fake_aws, probe):
    seed(fake_aws)
    fake_aws.control("page_size", {"size": 2})
    rc, out = probe(member("lt-versions", "all", "$Default", "$Latest"), fake_aws.env())
    assert rc == 0, out
    got = [(v["id"], v["version"]) for v in out[0]["result"]["versions"]]
    assert got == [(LT1, 2), (LT1, 3), (LT2, 1)] and out[0]["result"]["pages"] == 2
    bodies = [r["body"] for r in fake_aws.requests("ec2", "DescribeLaunchTemplateVersions")]
    assert "LaunchTemplateId" not in bodies[0] and "MaxResults=200" in bodies[0]
    assert "NextToken=2" in bodies[1]


def test_get_parameter_by_label_version_and_public(fake_aws, probe):
    seed(fake_aws)
    rc, out = probe(member("get-parameter", "golden-ami:prod"), fake_aws.env())
    assert rc == 0, out
    assert out[0]["result"] == {"name": "golden-ami", "value": GOOD, "version": 2,
                                "data_type": "aws:ec2:image", "selector": ":prod"}
    rc, out = probe(member("get-parameter", "golden-ami:1"), fake_aws.env())
    assert rc == 0 and out[0]["result"]["value"] == OLD
    rc, out = probe(member("get-parameter", "golden-ami"), fake_aws.env())
    assert rc == 0 and out[0]["result"]["value"] == GOOD and out[0]["result"]["version"] == 2
    rc, out = probe(member("get-parameter",
                           "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"),
                    fake_aws.env())
    assert rc == 0 and out[0]["result"]["value"] == GOOD
    reqs = fake_aws.requests("ssm", "GetParameter")
    assert reqs and all(r["account"] == MEMBER and r["region"] == "eu-west-1" for r in reqs)
    assert reqs[0]["body"] == '{"Name":"golden-ami:prod"}'
    assert reqs[0]["headers"]["X-Amz-Target"] == "AmazonSSM.GetParameter"


def test_get_parameter_not_found_and_throttled(fake_aws, probe):
    seed(fake_aws)
    rc, out = probe(member("get-parameter", "nope"), fake_aws.env())
    assert rc == 1 and out[0]["status"] == "enotfound" and out[0]["code"] == "ParameterNotFound", out
    rc, out = probe(member("get-parameter", "golden-ami:7"), fake_aws.env())
    assert rc == 1 and out[0]["status"] == "enotfound" and out[0]["code"] == "ParameterVersionNotFound"
    fake_aws.control("faults", [{"service": "ssm", "operation": "GetParameter", "kind": "throttle", "count": 2}])
    rc, out = probe(member("--attempts", "5", "--backoff-ms", "1", "get-parameter", "golden-ami"), fake_aws.env())
    assert rc == 0 and out[0]["result"]["value"] == GOOD, out
    assert len(fake_aws.requests("ssm", "GetParameter")) == 5   # 2 before, 2 throttled, 1 answered


def test_ssm_endpoint_override(fake_aws, probe):
    seed(fake_aws)
    env = fake_aws.env(AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_ENDPOINT_URL_SSM=fake_aws.url,
                       AWS_ENDPOINT_URL_STS=fake_aws.url)
    rc, out = probe(member("--attempts", "1", "get-parameter", "golden-ami:prod"), env)
    assert rc == 0 and out[0]["result"]["value"] == GOOD, out
