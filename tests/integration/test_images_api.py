"""/v1/images/{region}/{image_id}: registering facts, validation, what GET reports
(facts, source, age, allowing rules split by scope, instance counts), 404s."""
import re

import pytest

from policy_helpers import check_schema, launch, rule, wait_compliance

IMG = "ami-0123456789abcdef0"
PATH = "/v1/images/us-west-2/" + IMG
FACTS = {"owner_id": "137112412989", "owner_alias": "amazon", "name": "golden-al2023-2026.01",
         "creation_date": "2026-01-01T00:00:00Z", "platform": "Linux/UNIX", "tags": {"Approved": "true"}}


def test_put_and_get(server):
    admin = server.token("admin", name="pipeline")
    reader = server.token("reader")
    r = server.request("PUT", PATH, body=FACTS, token=admin)
    assert r.status == 200, r
    stored = r.json()
    check_schema(stored, "ImageFacts")
    assert stored["image_id"] == IMG and stored["source"] == "registered"
    assert stored["owner_alias"] == "amazon" and stored["tags"] == {"Approved": "true"}

    # Rules: unscoped allowing, scoped allowing, other region, disabled, not matching, audit.
    rules = [
        rule("amazon", criteria={"owners": ["amazon"]}),
        rule("team-a", criteria={"name_patterns": ["golden-*"]},
             scope={"accounts": ["111122223333"], "regions": ["us-west-2"]}),
        rule("east-only", criteria={"owners": ["amazon"]}, scope={"regions": ["us-east-1"]}),
        rule("off", criteria={"owners": ["amazon"]}, enabled=False),
        rule("windows", criteria={"platforms": ["Windows"]}),
        rule("soak", criteria={"tags": {"Approved": ["true"]}}, mode="audit"),
        rule("self-owned", criteria={"owners": ["self"]}),
    ]
    for b in rules:
        assert server.request("POST", "/v1/rules", body=b, token=admin).status == 201

    r = server.get(PATH, token=reader)
    assert r.status == 200, r
    g = r.json()
    check_schema(g, "ImageReport")
    assert g["region"] == "us-west-2" and g["image_id"] == IMG
    assert g["facts"] == stored
    assert g["source"] == "registered"
    assert re.match(r"^\d{4}-\d\d-\d\dT", g["updated_at"]) and 0 <= g["age_seconds"] < 30
    assert "not stored" in g["facts_note"]
    assert g["allowed_by"] == [{"id": "amazon", "name": "Golden images", "mode": "enforce"},
                               {"id": "soak", "name": "Golden images", "mode": "audit"}]
    assert g["allowed_in_scope"] == [{"id": "team-a", "name": "Golden images", "mode": "enforce",
                                      "scope": {"accounts": ["111122223333"], "regions": ["us-west-2"]}}]
    assert g["instances"] == {"total": 0, "COMPLIANT": 0, "NON_COMPLIANT": 0, "NOT_APPLICABLE": 0,
                              "INSUFFICIENT_DATA": 0}

    # Instances running it are counted by compliance.
    launch(server, "i-00000000000000001", IMG)
    launch(server, "i-00000000000000002", IMG)
    wait_compliance(server, "i-00000000000000002", "COMPLIANT")
    g = server.get(PATH, token=reader).json()
    assert g["instances"]["total"] == 2 and g["instances"]["COMPLIANT"] == 2


def test_put_replaces_and_body_image_id(server):
    admin = server.token("admin")
    body = dict(FACTS, image_id=IMG, source="image-pipeline")
    r = server.request("PUT", PATH, body=body, token=admin)
    assert r.status == 200 and r.json()["source"] == "image-pipeline", r
    r = server.request("PUT", PATH, body=dict(FACTS, name="v2"), token=admin)
    assert r.status == 200 and r.json()["name"] == "v2" and r.json()["source"] == "registered"
    assert server.get(PATH, token=admin).json()["facts"]["name"] == "v2"
    audit = server.get("/v1/audit", token=admin).json()["items"]
    assert [(a["action"], a["kind"], a["object_id"]) for a in audit] == [
        ("update", "image", "us-west-2/" + IMG), ("create", "image", "us-west-2/" + IMG)]
    assert audit[0]["before"]["name"] == "golden-al2023-2026.01" and audit[0]["after"]["name"] == "v2"


@pytest.mark.parametrize("path,field", [
    ("/v1/images/mars-1/" + IMG, "region"),
    ("/v1/images/US-WEST-2/" + IMG, "region"),
    ("/v1/images/us-west-2/ami-XYZ", "image_id"),
    ("/v1/images/us-west-2/i-0123456789abcdef0", "image_id"),
])
def test_malformed_path_is_400(server, path, field):
    admin = server.token("admin")
    for method in ("GET", "PUT"):
        r = server.request(method, path, body=FACTS if method == "PUT" else None, token=admin)
        assert r.status == 400, (method, path, r)
        assert r.json()["field"] == field


@pytest.mark.parametrize("body,field", [
    (dict(FACTS, image_id="ami-87654321"), "image_id"),
    (dict(FACTS, owner_id="123"), "owner_id"),
    (dict(FACTS, creation_date="yesterday"), "creation_date"),
    (dict(FACTS, colour="red"), "colour"),
    (dict(FACTS, status="gone"), "status"),
])
def test_invalid_facts_are_422(server, body, field):
    admin = server.token("admin")
    r = server.request("PUT", PATH, body=body, token=admin)
    assert r.status == 422, r
    assert r.json()["field"] == field, r.json()
    assert server.get(PATH, token=admin).status == 404


def test_unknown_image_is_404_and_unregistered_image_with_instances_is_known(server):
    reader = server.token("reader")
    admin = server.token("admin")
    assert server.get(PATH, token=reader).status == 404
    assert server.request("POST", "/v1/rules", body=rule("by-id", criteria={"image_ids": [IMG]}),
                          token=admin).status == 201
    assert server.request("POST", "/v1/rules", body=rule("amazon"), token=admin).status == 201
    launch(server, "i-00000000000000003", IMG)
    r = server.get(PATH, token=reader)
    assert r.status == 200, r
    g = r.json()
    check_schema(g, "ImageReport")
    assert g["facts"] is None and g["source"] is None and g["updated_at"] is None and g["age_seconds"] is None
    # Unknown facts: only a rule naming the id can allow it.
    assert [x["id"] for x in g["allowed_by"]] == ["by-id"]
    assert g["instances"]["total"] == 1
