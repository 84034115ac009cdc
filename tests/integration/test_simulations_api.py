"""POST /v1/simulations: correctness over seeded instances, validation naming the
field, truncation, and no side effects (the relevant tables are identical after)."""
import datetime
import sqlite3

import pytest

from policy_helpers import RUN_ACCOUNT, RUN_REGION, check_schema, launch, rule, settle, table_dump, wait_compliance

AMZ = "ami-0aaaaaaaaaaaaaaa1"      # registered, owned by amazon
OTHER = "ami-0bbbbbbbbbbbbbbb2"    # registered, owned by some account
UNREG = "ami-0ccccccccccccccc3"    # never registered: facts unknown
TABLES = ["rules", "exemptions", "images", "audit_log", "reeval_requests", "instances", "evaluations", "inbox"]


def iso(seconds_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def fleet(server):
    admin = server.token("admin")
    for img, owner, alias in ((AMZ, "137112412989", "amazon"), (OTHER, "999988887777", None)):
        facts = {"owner_id": owner, "name": "img-" + img[-1], "creation_date": "2025-06-01T00:00:00Z", "tags": {}}
        if alias:
            facts["owner_alias"] = alias
        assert server.request("PUT", "/v1/images/%s/%s" % (RUN_REGION, img), body=facts, token=admin).status == 200
    assert server.request("POST", "/v1/rules", body=rule("amazon", criteria={"owners": ["amazon"]}),
                          token=admin).status == 201
    launch(server, "i-000000000000000a1", AMZ)
    launch(server, "i-000000000000000b2", OTHER)
    launch(server, "i-000000000000000c3", UNREG)
    wait_compliance(server, "i-000000000000000a1", "COMPLIANT")
    wait_compliance(server, "i-000000000000000b2", "NON_COMPLIANT")
    wait_compliance(server, "i-000000000000000c3", "INSUFFICIENT_DATA")
    # A terminated instance: skipped by simulations.
    c = sqlite3.connect(server.db)
    c.execute("INSERT INTO instances (account, region, instance_id, image_id, state, compliance, reasons,"
              " observed_at, evaluated_at, first_seen_at) VALUES (?, ?, 'i-000000000000000d4', ?, 'terminated',"
              " 'NOT_APPLICABLE', '[]', 1, 1, 1)", (RUN_ACCOUNT, RUN_REGION, OTHER))
    c.commit()
    c.close()
    # Let the re-evaluations the registrations asked for finish before snapshots.
    settle(server)
    return admin


def simulate(server, token, body):
    r = server.request("POST", "/v1/simulations", body=body, token=token)
    assert r.status == 200, r
    check_schema(r.json(), "Simulation")
    return r.json()


def test_simulation_reports_changes_and_changes_nothing(server, fleet):
    before = table_dump(server.db, TABLES)
    proposed = {"rules": [rule("other-only", criteria={"image_ids": [OTHER]}),
                          rule("soak", criteria={"owners": ["amazon"]}, mode="audit")]}
    res = simulate(server, fleet, proposed)
    assert res["evaluated"] == 3 and res["skipped_not_applicable"] == 1
    assert res["counts"]["from"] == {"COMPLIANT": 1, "NON_COMPLIANT": 1, "NOT_APPLICABLE": 0, "INSUFFICIENT_DATA": 1}
    assert res["counts"]["to"] == {"COMPLIANT": 1, "NON_COMPLIANT": 1, "NOT_APPLICABLE": 0, "INSUFFICIENT_DATA": 1}
    assert res["changed"] == 2 and res["truncated"] is False
    ch = {c["instance_id"]: c for c in res["changes"]}
    assert set(ch) == {"i-000000000000000a1", "i-000000000000000b2"}
    a, b = ch["i-000000000000000a1"], ch["i-000000000000000b2"]
    assert (a["from"], a["to"], a["image_id"], a["account"], a["region"]) == (
        "COMPLIANT", "NON_COMPLIANT", AMZ, RUN_ACCOUNT, RUN_REGION)
    assert any("soak" in x and "would allow" in x for x in a["reasons"]), a["reasons"]
    assert a["matched_rule"] is None
    assert (b["from"], b["to"], b["matched_rule"]) == ("NON_COMPLIANT", "COMPLIANT", "other-only")
    assert res["evaluated_at"]
    assert table_dump(server.db, TABLES) == before


def test_same_rules_change_nothing_and_proposed_exemptions(server, fleet):
    res = simulate(server, fleet, {"rules": [rule("amazon", criteria={"owners": ["amazon"]})]})
    assert res["changed"] == 0 and res["changes"] == [] and res["evaluated"] == 3

    # A proposed exemption for the unregistered image's instance; no rules at all.
    res = simulate(server, fleet, {"rules": [], "exemptions": [
        {"id": "vendor", "instance_id": "i-000000000000000c3", "reason": "vendor box", "expires_at": iso(3600)}]})
    ch = {c["instance_id"]: c for c in res["changes"]}
    assert ch["i-000000000000000c3"]["to"] == "COMPLIANT" and ch["i-000000000000000c3"]["exemption"] == "vendor"
    assert ch["i-000000000000000a1"]["to"] == "NON_COMPLIANT"
    assert "i-000000000000000b2" not in ch
    assert res["counts"]["to"]["COMPLIANT"] == 1

    # Exemptions absent: today's live exemptions are kept.
    assert server.request("POST", "/v1/exemptions", body={"id": "live", "instance_id": "i-000000000000000b2",
                                                         "reason": "r", "expires_at": iso(3600)},
                          token=fleet).status == 201
    wait_compliance(server, "i-000000000000000b2", "COMPLIANT")
    res = simulate(server, fleet, {"rules": [rule("amazon", criteria={"owners": ["amazon"]})]})
    assert res["changed"] == 0
    res = simulate(server, fleet, {"rules": [rule("amazon", criteria={"owners": ["amazon"]})], "exemptions": []})
    assert [(c["instance_id"], c["from"], c["to"]) for c in res["changes"]] == [
        ("i-000000000000000b2", "COMPLIANT", "NON_COMPLIANT")]


def test_rules_without_ids_are_named_by_position(server, fleet):
    res = simulate(server, fleet, {"rules": [{"criteria": {"owners": ["999988887777"]}}]})
    ch = {c["instance_id"]: c for c in res["changes"]}
    assert ch["i-000000000000000b2"]["matched_rule"] == "proposed-1"


INVALID = [
    ({}, "rules"),
    ({"rules": {}}, "rules"),
    ({"rules": [], "extra": 1}, "extra"),
    ({"rules": [rule("a"), {"id": "b", "criteria": {"owners": ["bogus"]}}]}, "rules[1].criteria.owners[0]"),
    ({"rules": [rule("a"), rule("b"), rule("c"), {"id": "d", "criteria": {"owners": ["amazon", "12"]}}]},
     "rules[3].criteria.owners[1]"),
    ({"rules": [{"id": "a"}]}, "rules[0].criteria"),
    ({"rules": [rule("a"), rule("a")]}, "rules[1].id"),
    ({"rules": ["not an object"]}, "rules[0]"),
    ({"rules": [], "exemptions": [{"account": "123456789012", "reason": "x", "expires_at": "2000-01-01T00:00:00Z"}]},
     "exemptions[0].expires_at"),
    ({"rules": [], "exemptions": [{"account": "123456789012", "expires_at": "2099-01-01T00:00:00Z"}]},
     "exemptions[0].reason"),
]


@pytest.mark.parametrize("body,field", INVALID, ids=[f for _, f in INVALID])
def test_invalid_simulation_is_422(server, body, field):
    admin = server.token("admin")
    r = server.request("POST", "/v1/simulations", body=body, token=admin)
    assert r.status == 422, r
    assert r.json()["field"] == field, r.json()


def test_changes_are_capped(server):
    admin = server.token("admin")
    rows = [(RUN_ACCOUNT, RUN_REGION, "i-%017x" % i, "ami-12345678", "running", "COMPLIANT", '["x"]', 1, 1, 1)
            for i in range(1005)]
    c = sqlite3.connect(server.db)
    c.executemany("INSERT INTO instances (account, region, instance_id, image_id, state, compliance, reasons,"
                  " observed_at, evaluated_at, first_seen_at) VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
    c.commit()
    c.close()
    assert server.request("POST", "/v1/rules", body=rule("by-id", criteria={"image_ids": ["ami-12345678"]}),
                          token=admin).status == 201
    res = simulate(server, admin, {"rules": []})
    assert res["evaluated"] == 1005 and res["changed"] == 1005
    assert res["truncated"] is True and len(res["changes"]) == 1000
    assert res["counts"]["from"]["COMPLIANT"] == 1005
    # An empty allow-list fails closed, whatever the (unknown) facts.
    assert res["counts"]["to"]["NON_COMPLIANT"] == 1005
    ids = [x["instance_id"] for x in res["changes"]]
    assert ids == sorted(ids)


def test_same_image_id_judged_by_each_regions_facts(server):
    """The simulation reads each (region, image) once and keeps it: one image id
    registered differently in two regions must be judged by each region's own facts."""
    admin = server.token("admin")
    img = "ami-0dddddddddddddd44"
    for region, owner, alias in (("eu-west-1", "137112412989", "amazon"), ("ap-south-1", "999988887777", None)):
        facts = {"owner_id": owner, "name": "img-d", "creation_date": "2025-06-01T00:00:00Z", "tags": {}}
        if alias:
            facts["owner_alias"] = alias
        assert server.request("PUT", "/v1/images/%s/%s" % (region, img), body=facts, token=admin).status == 200
    for iid, region in (("i-000000000000000e1", "eu-west-1"), ("i-000000000000000e2", "ap-south-1"),
                        ("i-000000000000000e3", "eu-west-1")):
        launch(server, iid, img, region=region)
        wait_compliance(server, iid, "NON_COMPLIANT", region=region)
    settle(server)
    res = simulate(server, admin, {"rules": [rule("amazon", criteria={"owners": ["amazon"]})]})
    assert res["evaluated"] == 3 and res["changed"] == 2, res
    assert {(c["region"], c["instance_id"], c["to"]) for c in res["changes"]} == {
        ("eu-west-1", "i-000000000000000e1", "COMPLIANT"), ("eu-west-1", "i-000000000000000e3", "COMPLIANT")}
