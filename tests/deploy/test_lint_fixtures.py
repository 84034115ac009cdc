"""The template check (scripts/lint-deploy.d/cfn-validate.js) fails on each kind of mistake.

Each fixture in tests/deploy/fixtures/bad-*.yaml is the valid baseline ok-minimal.yaml
with exactly one mistake; the check must exit 1 and name that mistake, and must pass
the baseline (so a failure is caused by the mistake, not by the fixture's frame).
The rule-guard cases run the real templates with parameter sets their Rules must
refuse, and a template whose guard cannot fail.

Needs node and `npm ci` (the pinned @aws-cdk/aws-service-spec and js-yaml).
Run with: /usr/bin/python3 -m pytest tests/deploy
"""

import json
import os
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
VALIDATE = REPO / "scripts" / "lint-deploy.d" / "cfn-validate.js"


def run(*args, env=None):
    if shutil.which("node") is None:
        pytest.fail("node is not installed")
    if not (REPO / "node_modules" / "@aws-cdk" / "aws-service-spec").is_dir():
        pytest.fail("node_modules missing: run `npm ci` in the repository")
    p = subprocess.run(["node", str(VALIDATE), *map(str, args)], cwd=REPO,
                       capture_output=True, text=True, timeout=120,
                       env=None if env is None else {**os.environ, **env})
    return p.returncode, p.stdout + p.stderr


def test_baseline_is_clean():
    code, out = run(FIXTURES / "ok-minimal.yaml")
    assert code == 0, out
    assert "schema ok" in out


@pytest.mark.parametrize("fixture,expect", [
    ("bad-misspelled-property.yaml",
     "Queue.Properties.SqsManagedSSEEnabled: unknown property (did you mean SqsManagedSseEnabled?)"),
    ("bad-wrong-type.yaml", "Queue.Properties.SqsManagedSseEnabled: expected a boolean"),
    ("bad-missing-required.yaml", "Rule.Properties.Targets[0]: required property Id missing"),
    ("bad-enum.yaml", 'Rule.Properties.State: "ON" is not one of DISABLED, ENABLED'),
    ("bad-enum-from-parameter.yaml", 'parameter RuleState allows "ON", not one of'),
    ("bad-dangling-ref.yaml", 'Ref "Queu" names no parameter, resource or pseudo parameter'),
    ("bad-dangling-sub.yaml", "${Retentoin} names no parameter, resource or pseudo parameter"),
    ("bad-getatt-attribute.yaml", "AWS::SQS::Queue has no attribute QueueArn"),
    ("bad-conditional-ref.yaml", "exists only when condition NoQueue holds"),
    ("bad-rule-function.yaml", "Fn::Sub is not a rule-specific intrinsic function"),
])
def test_each_mistake_is_found(fixture, expect):
    code, out = run(FIXTURES / fixture)
    assert code == 1, out
    assert expect in out, out
    # Exactly the one mistake (two lines for the conditional ref: both referrers).
    findings = [line for line in out.splitlines() if line.startswith("  ")]
    assert 1 <= len(findings) <= 2, out


def test_fixtures_are_all_listed():
    listed = {f for f, _ in test_each_mistake_is_found.pytestmark[0].args[1]}
    assert listed == {p.name for p in FIXTURES.glob("bad-*.yaml")}


def test_supplement_refuses_what_the_schema_package_has(tmp_path):
    # A supplement entry duplicating a property the package already has is a
    # finding, so the supplement cannot silently shadow the maintained schema.
    sup = json.loads((REPO / "scripts" / "lint-deploy.d" / "spec-supplement.json").read_text())
    sup.setdefault("resources", {})["AWS::SQS::Queue"] = {
        "documentation": "test", "properties": {"QueueName": {"type": {"type": "string"}}}}
    path = tmp_path / "supplement.json"
    path.write_text(json.dumps(sup))
    code, out = run(FIXTURES / "ok-minimal.yaml", env={"CFN_VALIDATE_SUPPLEMENT": str(path)})
    assert code == 1, out
    assert "AWS::SQS::Queue.QueueName: the schema package already has it" in out
