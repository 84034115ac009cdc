"""Credential sources and the AssumeRole cache, end to end against the fake AWS."""
import json
import time

from aws_fixtures import CENTRAL, fake_aws, probe  # noqa: F401

A1 = "ami-0123456789abcdef0"


def no_keys(fake, **extra):
    return fake.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, **extra)


def images(fake):
    fake.control("images", [{"ImageId": A1, "Name": "golden"}])


def test_env_credentials(fake_aws, probe):
    rc, out = probe(["creds"], fake_aws.env())
    assert rc == 0 and out[0]["result"] == {"source": "env", "access_key_id": "AKIDEXAMPLE",
                                            "temporary": False, "expiration": None}


def test_env_session_token_is_sent_and_signed(fake_aws, probe):
    images(fake_aws)
    fake_aws.control("keys", {"ASIATEMPKEY": {"secret": "tempsecret", "token": "tok-123"}})
    env = fake_aws.env(AWS_ACCESS_KEY_ID="ASIATEMPKEY", AWS_SECRET_ACCESS_KEY="tempsecret",
                       AWS_SESSION_TOKEN="tok-123")
    rc, out = probe(["describe-images", A1], env)
    assert rc == 0, out
    rc, out = probe(["describe-images", A1], dict(env, AWS_SESSION_TOKEN="tok-wrong"))
    assert rc == 1 and out[0]["code"] == "InvalidClientTokenId"


def test_web_identity(fake_aws, probe, tmp_path):
    images(fake_aws)
    tok = tmp_path / "token"
    tok.write_text("oidc-token-abc\n")
    fake_aws.control("sts", {"web_tokens": ["oidc-token-abc"]})
    env = no_keys(fake_aws, AWS_WEB_IDENTITY_TOKEN_FILE=str(tok),
                  AWS_ROLE_ARN=f"arn:aws:iam::{CENTRAL}:role/italic-irsa",
                  AWS_ROLE_SESSION_NAME="italic-pod")
    rc, out = probe(["creds"], env)
    assert rc == 0, out
    assert out[0]["result"]["source"] == "web-identity" and out[0]["result"]["temporary"]
    req = fake_aws.requests("sts", "AssumeRoleWithWebIdentity")[0]
    assert "WebIdentityToken=oidc-token-abc" in req["body"] and req["akid"] is None
    rc, out = probe(["describe-images", A1], env)
    assert rc == 0, out
    tok.write_text("some-other-token")
    rc, out = probe(["creds"], env)
    assert rc == 1 and out[0]["code"] == "InvalidIdentityToken"


def test_container_credentials_full_uri_with_token_file(fake_aws, probe, tmp_path):
    images(fake_aws)
    fake_aws.control("container", {"token": "Bearer ecs-secret"})
    auth = tmp_path / "auth"
    auth.write_text("Bearer ecs-secret")
    env = no_keys(fake_aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=fake_aws.url + "/__creds/container",
                  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(auth))
    rc, out = probe(["creds"], env)
    assert rc == 0, out
    assert out[0]["result"]["source"] == "container"
    rc, out = probe(["describe-images", A1], env)
    assert rc == 0, out
    env2 = dict(env, AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer wrong")
    env2.pop("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
    rc, out = probe(["creds"], env2)
    assert rc == 1 and out[0]["status"] == "edenied"


def test_container_full_uri_to_foreign_host_refused(fake_aws, probe):
    env = no_keys(fake_aws, AWS_CONTAINER_CREDENTIALS_FULL_URI="http://192.0.2.1/creds")
    rc, out = probe(["creds"], env)
    assert rc == 1 and out[0]["status"] == "eauth"


def test_imds_v2(fake_aws, probe):
    images(fake_aws)
    env = no_keys(fake_aws, AWS_EC2_METADATA_DISABLED=None,
                  AWS_EC2_METADATA_SERVICE_ENDPOINT=fake_aws.url)
    rc, out = probe(["creds"], env)
    assert rc == 0, out
    assert out[0]["result"]["source"] == "imds" and out[0]["result"]["temporary"]
    imds = fake_aws.requests("imds")
    assert [r["method"] for r in imds] == ["PUT", "GET", "GET"]
    assert imds[2]["path"] == "/latest/meta-data/iam/security-credentials/italic-instance"
    rc, out = probe(["describe-images", A1], env)
    assert rc == 0, out
    rc, out = probe(["creds"], dict(env, AWS_EC2_METADATA_DISABLED="true"))
    assert rc == 1 and out[0]["status"] == "eauth"


def test_shared_credentials_file(fake_aws, probe, tmp_path):
    f = tmp_path / "credentials"
    f.write_text("[default]\naws_access_key_id = AKIDEXAMPLE\n"
                 "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n")
    images(fake_aws)
    env = no_keys(fake_aws, AWS_SHARED_CREDENTIALS_FILE=str(f))
    rc, out = probe(["describe-images", A1], env)
    assert rc == 0, out
    rc, out = probe(["creds"], env)
    assert out[0]["result"]["source"] == "profile"


def test_chain_order_env_first(fake_aws, probe, tmp_path):
    env = fake_aws.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=fake_aws.url + "/__creds/container",
                       AWS_EC2_METADATA_DISABLED=None,
                       AWS_EC2_METADATA_SERVICE_ENDPOINT=fake_aws.url)
    rc, out = probe(["creds"], env)
    assert out[0]["result"]["source"] == "env"
    rc, out = probe(["creds"], no_keys(fake_aws, **{
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": fake_aws.url + "/__creds/container",
        "AWS_EC2_METADATA_DISABLED": None,
        "AWS_EC2_METADATA_SERVICE_ENDPOINT": fake_aws.url}))
    assert out[0]["result"]["source"] == "container"
    assert fake_aws.requests("imds") == []


def test_assume_role_cached_per_account(fake_aws, probe):
    images(fake_aws)
    args = ["--role", "ItalicMember", "--repeat", "5"]
    rc, out = probe(args + ["--account", "111122223333", "describe-images", A1], fake_aws.env())
    assert rc == 0, out
    assert out[-1] == {"assume_calls": 1}
    assert len(fake_aws.requests("sts", "AssumeRole")) == 1
    assert len(fake_aws.requests("ec2", "DescribeImages")) == 5


def test_assume_role_refreshed_before_expiration(fake_aws, probe):
    images(fake_aws)
    # credentials live 304 s (whole seconds): fresh for 3-4 s (refresh window 300 s)
    fake_aws.control("sts", {"duration": 304})
    rc, out = probe(["--role", "ItalicMember", "--account", "111122223333", "--repeat", "3",
                     "--pause-ms", "2500", "creds-for"], fake_aws.env())
    assert rc == 0, out
    keys = [o["result"]["access_key_id"] for o in out[:3]]
    assert keys[0] == keys[1] and keys[2] != keys[1]
    assert out[-1] == {"assume_calls": 2}


def test_assume_role_retries_sts_throttling(fake_aws, probe):
    images(fake_aws)
    fake_aws.control("faults", [{"service": "sts", "operation": "AssumeRole", "kind": "throttle",
                                 "count": 2}])
    rc, out = probe(["--role", "ItalicMember", "--account", "111122223333", "--backoff-ms", "5",
                     "describe-images", A1], fake_aws.env())
    assert rc == 0, out
    assert [r["status"] for r in fake_aws.requests("sts")] == [400, 400, 200]
