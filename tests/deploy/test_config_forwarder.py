"""The Config rule forwarder in deploy/config-rule.yaml passes on only invocations from
accounts of the organization.

The inline Lambda code is taken from the template as it is deployed and run with a
stand-in boto3 (Organizations DescribeAccount and Secrets Manager answers chosen by
the test) and a stand-in urlopen that records what would be posted to Italic.
"""

import json
import pathlib
import sys
import types

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from test_event_pattern import CfnLoader  # noqa: E402

ORG = "o-abcdef0123"


class AccountNotFoundException(Exception):
    pass


class FakeOrganizations:
    exceptions = types.SimpleNamespace(AccountNotFoundException=AccountNotFoundException)

    def __init__(self, accounts, calls):
        self.accounts = accounts
        self.calls = calls

    def describe_account(self, AccountId):
        self.calls.append(AccountId)
        if AccountId not in self.accounts:
            raise AccountNotFoundException(AccountId)
        org, status = self.accounts[AccountId]
        return {"Account": {"Id": AccountId, "Status": status,
                            "Arn": f"arn:aws:organizations::999988887777:account/{org}/{AccountId}"}}


class FakeSecrets:
    def get_secret_value(self, SecretId):
        return {"SecretString": "it_ingest_token\n"}


def forwarder(monkeypatch, accounts):
    with open(REPO / "deploy" / "config-rule.yaml", encoding="utf-8") as f:
        tpl = yaml.load(f, Loader=CfnLoader)
    code = tpl["Resources"]["Forwarder"]["Properties"]["Code"]["ZipFile"]
    calls, posts = [], []
    fake_boto3 = types.ModuleType("boto3")
    fake_boto3.client = lambda name: {"organizations": FakeOrganizations(accounts, calls),
                                      "secretsmanager": FakeSecrets()}[name]
    monkeypatch.setitem(sys.modules, "boto3", fake_boto3)
    monkeypatch.setenv("ORGANIZATION_ID", ORG)
    monkeypatch.setenv("ITALIC_EVENTS_URL", "https://italic.example.com/v1/events")
    monkeypatch.setenv("TOKEN_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:111122223333:secret:t-AbCdEf")
    module = {}
    exec(compile(code, "config-rule.yaml:Forwarder", "exec"), module)

    class Resp:
        status = 202

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

    def urlopen(req, timeout):
        posts.append((req.full_url, dict(req.header_items()), json.loads(req.data)))
        return Resp()

    monkeypatch.setattr(module["urllib"].request, "urlopen", urlopen)
    return module["handler"], calls, posts


def invocation(account):
    return {"accountId": account, "configRuleName": "italic-approved-amis",
            "invokingEvent": "{}", "resultToken": "tok"}


def test_member_account_is_forwarded(monkeypatch):
    handler, calls, posts = forwarder(monkeypatch, {"222233334444": (ORG, "ACTIVE")})
    handler(invocation("222233334444"), None)
    assert len(posts) == 1
    url, headers, body = posts[0]
    assert url == "https://italic.example.com/v1/events"
    assert headers["Authorization"] == "Bearer it_ingest_token"
    assert body["accountId"] == "222233334444"
    handler(invocation("222233334444"), None)
    assert calls == ["222233334444"], "membership is cached"


@pytest.mark.parametrize("account,accounts", [
    ("555566667777", {}),                                        # not found in the org
    ("555566667777", {"555566667777": ("o-other00000", "ACTIVE")}),  # another org's id in the ARN
    ("555566667777", {"555566667777": (ORG, "SUSPENDED")}),
    ("not-an-account", {}),
    (None, {}),
])
def test_foreign_or_malformed_account_is_dropped(monkeypatch, account, accounts):
    handler, calls, posts = forwarder(monkeypatch, accounts)
    handler(invocation(account), None)
    assert posts == []
