"""/v1/rules: create, read, replace, delete; validation as 422 naming the field;
versions, ETag and If-Match; the audit trail; re-evaluation after a change."""
import json
import re

import pytest

from policy_helpers import RUN_IMAGE, RUN_INSTANCE, RUN_REGION, check_schema, launch, rule, wait_compliance


def test_create_get_list(server):
    admin = server.token("admin", name="ops-admin")
    reader = server.token("reader")
    body = rule("golden-linux", description="Built by the pipeline", enabled=True,
                scope={"accounts": ["111122223333"], "regions": ["us-east-1"]},
                criteria={"image_ids": ["ami-0123456789abcdef0"], "owners": ["amazon", "123456789012"],
                          "name_patterns": ["golden-al2023-*"], "tags": {"Approved": ["true"]},
                          "max_age_days": 90, "max_days_since_deprecated": 0,
                          "platforms": ["Linux/UNIX"],
                          "watermarks": [{"key": "111122223333:golden-*", "source_region": "us-*",
                                          "max_days_since_source_created": 180}]},
                mode="audit")
    r = server.request("POST", "/v1/rules", body=body, token=admin)
    assert r.status == 201, r
    assert r.headers["etag"] == '"1"'
    assert r.headers["location"] == "/v1/rules/golden-linux"
    assert r.headers["content-type"] == "application/json"
    got = r.json()
    check_schema(got, "Rule")
    check_schema(body, "RuleInput")
    assert got["version"] == 1
    for k in ("id", "name", "description", "enabled", "scope", "criteria", "mode"):
        assert got[k] == body[k], k
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", got["created_at"])
    assert got["created_at"] == got["updated_at"]

    r = server.get("/v1/rules/golden-linux", token=reader)
    assert r.status == 200 and r.headers["etag"] == '"1"' and r.json() == got

    r = server.get("/v1/rules", token=reader)
    assert r.status == 200
    assert r.json() == {"items": [got], "next_cursor": None}


def test_generated_id_and_list_order(server):
    admin = server.token("admin")
    r = server.request("POST", "/v1/rules", body={"criteria": {"image_ids": ["ami-12345678"]}}, token=admin)
    assert r.status == 201, r
    rid = r.json()["id"]
    assert re.fullmatch(r"rule-[0-9a-f]{12}", rid)
    assert r.headers["location"] == "/v1/rules/" + rid
    assert r.json()["enabled"] is True and r.json()["mode"] == "enforce"
    for rid2 in ("b-rule", "a-rule"):
        assert server.request("POST", "/v1/rules", body=rule(rid2), token=admin).status == 201
    ids = [x["id"] for x in server.get("/v1/rules", token=admin).json()["items"]]
    assert ids == sorted(ids) and len(ids) == 3


def test_duplicate_id_is_409(server):
    admin = server.token("admin")
    assert server.request("POST", "/v1/rules", body=rule("dup"), token=admin).status == 201
    r = server.request("POST", "/v1/rules", body=rule("dup", name="other"), token=admin)
    assert r.status == 409, r
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == "id"
    assert server.get("/v1/rules/dup", token=admin).json()["name"] == "Golden images"


# One case per rejection reason of rule_from_json: (body, field).
INVALID = [
    ({"id": "x", "criteria": {"owners": ["amazon"]}, "colour": "red"}, "colour"),
    ({"id": "x", "criteria": {"owners": ["amazon"], "image_id": ["ami-12345678"]}}, "criteria.image_id"),
    ({"id": "x", "criteria": {"image_ids": ["ami-12345678", "ami-XYZ"]}}, "criteria.image_ids[1]"),
    ({"id": "x", "criteria": {"owners": ["12345"]}}, "criteria.owners[0]"),
    ({"id": "x", "scope": {"accounts": ["1234567890123"]}, "criteria": {"owners": ["amazon"]}}, "scope.accounts[0]"),
    ({"id": "x", "scope": {"regions": ["mars-north-1x"]}, "criteria": {"owners": ["amazon"]}}, "scope.regions[0]"),
    ({"id": "x", "criteria": {"name_patterns": [""]}}, "criteria.name_patterns[0]"),
    ({"id": "x", "criteria": {"name_patterns": ["golden\n*"]}}, "criteria.name_patterns[0]"),
    ({"id": "x", "criteria": {}}, "criteria"),
    ({"id": "x"}, "criteria"),
    ({"id": "x", "criteria": {"max_age_days": -1}}, "criteria.max_age_days"),
    ({"id": "x", "criteria": {"max_days_since_deprecated": -5}}, "criteria.max_days_since_deprecated"),
    ({"id": "x", "criteria": {"owners": ["amazon"] * 201}}, "criteria.owners"),
    ({"id": "x", "criteria": {"name_patterns": ["a*"] * 51}}, "criteria.name_patterns"),
    ({"id": "x", "criteria": {"owners": ["amazon"]}, "mode": "observe"}, "mode"),
    ({"id": "x", "criteria": {"owners": ["amazon"]}, "enabled": "yes"}, "enabled"),
    ({"id": "-bad id", "criteria": {"owners": ["amazon"]}}, "id"),
    ({"id": "x", "criteria": {"platforms": ["BeOS"]}}, "criteria.platforms[0]"),
    ({"id": "x", "criteria": {"tags": {"Team": []}}}, "criteria.tags.Team"),
    ({"id": "x", "criteria": {"watermarks": [{}]}}, "criteria.watermarks[0]"),
    ({"id": "x", "criteria": {"product_codes": ["not a code!"]}}, "criteria.product_codes[0]"),
]


@pytest.mark.parametrize("body,field", INVALID, ids=[f for _, f in INVALID])
def test_invalid_rule_is_422_naming_the_field(server, body, field):
    admin = server.token("admin")
    r = server.request("POST", "/v1/rules", body=body, token=admin)
    assert r.status == 422, r
    assert r.headers["content-type"] == "application/problem+json"
    p = r.json()
    assert p["status"] == 422 and p["title"] == "Unprocessable Content"
    assert p["field"] == field, p
    check_schema(p, "Problem")
    assert p["detail"].startswith(field + ": "), p
    assert server.get("/v1/rules", token=admin).json()["items"] == []


def test_body_errors_400_415(server):
    admin = server.token("admin")
    for raw in ("", "{", "[1, 2]", '"rule"', '{"id": "a", "id": "b"}', "[" * 100 + "]" * 100):
        r = server.request("POST", "/v1/rules", body=raw, token=admin,
                           headers={"Content-Type": "application/json"})
        assert r.status == 400, (raw, r)
        assert r.headers["content-type"] == "application/problem+json"
    r = server.request("POST", "/v1/rules", body=json.dumps(rule("ct")), token=admin,
                       headers={"Content-Type": "text/plain"})
    assert r.status == 415, r
    for ct in ("application/json; charset=utf-8", "application/merge-patch+json", "APPLICATION/JSON"):
        r = server.request("PUT", "/v1/rules/ct", body=json.dumps(rule("ct")), token=admin,
                           headers={"Content-Type": ct})
        assert r.status == 404, (ct, r)   # got past the media type check to the missing rule
    # No Content-Type at all is accepted (curl -d sends a form type; scripts may send none).
    r = server.request("POST", "/v1/rules", body=json.dumps(rule("ct")), token=admin)
    assert r.status == 201, r


def test_put_versions_and_if_match(server):
    admin = server.token("admin")
    assert server.request("POST", "/v1/rules", body=rule("r1"), token=admin).status == 201

    # Unconditional replacement (no If-Match) is allowed: version 2.
    r = server.request("PUT", "/v1/rules/r1", body=rule("r1", name="v2"), token=admin)
    assert r.status == 200, r
    assert r.json()["version"] == 2 and r.headers["etag"] == '"2"' and r.json()["name"] == "v2"

    # A stale version is 412 and changes nothing.
    for stale in ('"1"', 'W/"1"', "1"):
        r = server.request("PUT", "/v1/rules/r1", body=rule("r1", name="lost"), token=admin,
                           headers={"If-Match": stale})
        assert r.status == 412, (stale, r)
        assert r.json()["current_version"] == 2
    assert server.get("/v1/rules/r1", token=admin).json()["name"] == "v2"

    # The current version in each accepted form.
    for n, tag in ((2, '"2"'), (3, 'W/"3"'), (4, "4"), (5, "*")):
        r = server.request("PUT", "/v1/rules/r1", body=rule("r1", name="v%d" % (n + 1)), token=admin,
                           headers={"If-Match": tag})
        assert r.status == 200, (tag, r)
        assert r.json()["version"] == n + 1 and r.headers["etag"] == '"%d"' % (n + 1)

    # GET-edit-PUT: read-only members are accepted back; the id may be omitted.
    got = server.get("/v1/rules/r1", token=admin)
    body = got.json()
    body["enabled"] = False
    r = server.request("PUT", "/v1/rules/r1", body=body, token=admin, headers={"If-Match": got.headers["etag"]})
    assert r.status == 200 and r.json()["enabled"] is False and r.json()["version"] == 7
    assert r.json()["created_at"] == got.json()["created_at"]
    body = rule("r1")
    del body["id"]
    assert server.request("PUT", "/v1/rules/r1", body=body, token=admin).json()["id"] == "r1"

    # Malformed If-Match is 400 naming the header.
    for bad in ('"abc"', '"1", "2"', "0", "-1", '""'):
        r = server.request("PUT", "/v1/rules/r1", body=rule("r1"), token=admin, headers={"If-Match": bad})
        assert r.status == 400 and r.json()["field"] == "If-Match", (bad, r)


def test_put_errors(server):
    admin = server.token("admin")
    assert server.request("POST", "/v1/rules", body=rule("r1"), token=admin).status == 201
    r = server.request("PUT", "/v1/rules/r1", body=rule("r2"), token=admin)
    assert r.status == 422 and r.json()["field"] == "id", r
    r = server.request("PUT", "/v1/rules/nope", body=rule("nope"), token=admin)
    assert r.status == 404, r
    r = server.request("PUT", "/v1/rules/r1", body={"id": "r1", "criteria": {"owners": ["bogus"]}}, token=admin)
    assert r.status == 422 and r.json()["field"] == "criteria.owners[0]", r
    assert server.get("/v1/rules/r1", token=admin).json()["version"] == 1


def test_delete(server):
    admin = server.token("admin")
    assert server.request("POST", "/v1/rules", body=rule("r1"), token=admin).status == 201
    r = server.request("DELETE", "/v1/rules/r1", token=admin, headers={"If-Match": '"7"'})
    assert r.status == 412 and r.json()["current_version"] == 1, r
    r = server.request("DELETE", "/v1/rules/r1", token=admin, headers={"If-Match": '"1"'})
    assert r.status == 204 and r.body == "", r
    assert server.get("/v1/rules/r1", token=admin).status == 404
    assert server.request("DELETE", "/v1/rules/r1", token=admin).status == 404
    assert server.request("POST", "/v1/rules", body=rule("r2"), token=admin).status == 201
    assert server.request("DELETE", "/v1/rules/r2", token=admin).status == 204   # unconditional


def test_unknown_and_malformed_ids_are_404(server):
    reader = server.token("reader")
    for path in ("/v1/rules/nope", "/v1/rules/-x", "/v1/rules/a%20b", "/v1/rules/" + "a" * 200):
        r = server.get(path, token=reader)
        assert r.status == 404, (path, r)
        assert r.headers["content-type"] == "application/problem+json"


def test_audit_rows_for_rule_changes(server):
    admin = server.token("admin", name="alice")
    assert server.request("POST", "/v1/rules", body=rule("r1"), token=admin).status == 201
    assert server.request("PUT", "/v1/rules/r1", body=rule("r1", name="renamed"), token=admin).status == 200
    assert server.request("DELETE", "/v1/rules/r1", token=admin).status == 204
    items = server.get("/v1/audit", token=admin).json()["items"]
    for e in items:
        check_schema(e, "AuditEntry")
    assert [(e["action"], e["kind"], e["object_id"]) for e in items] == [
        ("delete", "rule", "r1"), ("update", "rule", "r1"), ("create", "rule", "r1")]
    assert all(re.fullmatch(r"token:alice \(tok_[0-9a-f]{12}\)", e["actor"]) for e in items), items
    delete, update, create = items
    assert create["before"] is None and create["after"]["name"] == "Golden images"
    assert update["before"]["name"] == "Golden images" and update["after"]["name"] == "renamed"
    assert delete["before"]["name"] == "renamed" and delete["after"] is None


def test_rule_change_reevaluates_known_instances(server):
    """The end-to-end re-evaluation signal: an instance judged NON_COMPLIANT becomes
    COMPLIANT after an allowing rule is added, and back after the rule is disabled."""
    admin = server.token("admin")
    facts = {"image_id": RUN_IMAGE, "owner_id": "137112412989", "owner_alias": "amazon",
             "name": "al2023-ami-2024", "creation_date": "2024-01-01T00:00:00Z", "tags": {}}
    r = server.request("PUT", "/v1/images/%s/%s" % (RUN_REGION, RUN_IMAGE), body=facts, token=admin)
    assert r.status == 200, r
    row = launch(server, RUN_INSTANCE, RUN_IMAGE)
    assert row["compliance"] == "NON_COMPLIANT", row
    assert row["facts_source"] == "registered"

    r = server.request("POST", "/v1/rules", body=rule("amazon-images", criteria={"owners": ["amazon"]}), token=admin)
    assert r.status == 201
    row = wait_compliance(server, RUN_INSTANCE, "COMPLIANT", timeout=5)
    assert row["matched_rule"] == "amazon-images"

    body = rule("amazon-images", criteria={"owners": ["amazon"]}, enabled=False)
    assert server.request("PUT", "/v1/rules/amazon-images", body=body, token=admin).status == 200
    row = wait_compliance(server, RUN_INSTANCE, "NON_COMPLIANT", timeout=5)
    assert row["matched_rule"] is None
