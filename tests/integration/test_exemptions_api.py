"""/v1/exemptions: validation (reason, expiry window, scope), created_by from the token,
listing with and without expired ones, delete, audit, and expiry taking effect alone."""
import datetime
import re
import sqlite3
import time

import pytest

from policy_helpers import RUN_IMAGE, RUN_INSTANCE, check_schema, launch, wait_compliance


def iso(seconds_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def exemption(eid="ex1", **over):
    e = {"id": eid, "account": "123456789012", "reason": "vendor appliance, ticket SEC-42",
         "expires_at": iso(30 * 86400)}
    e.update(over)
    return e


def test_create_get_list_delete(server):
    admin = server.token("admin", name="bob")
    reader = server.token("reader")
    body = exemption(instance_id="i-0123456789abcdef0", image_id="ami-12345678",
                     tag={"key": "Vendor", "value": "*"})
    r = server.request("POST", "/v1/exemptions", body=body, token=admin)
    assert r.status == 201, r
    assert r.headers["location"] == "/v1/exemptions/ex1"
    got = r.json()
    check_schema(got, "Exemption")
    check_schema(body, "ExemptionInput")
    for k in ("id", "account", "instance_id", "image_id", "tag", "reason"):
        assert got[k] == body[k], k
    assert got["expires_at"][:19] == body["expires_at"][:19]
    assert re.fullmatch(r"token:bob \(tok_[0-9a-f]{12}\)", got["created_by"]), got
    assert got["expired"] is False and got["created_at"]

    assert server.get("/v1/exemptions/ex1", token=reader).json() == got
    assert server.get("/v1/exemptions", token=reader).json() == {"items": [got], "next_cursor": None}

    r = server.request("POST", "/v1/exemptions", body=body, token=admin)
    assert r.status == 409 and r.json()["field"] == "id", r

    assert server.request("DELETE", "/v1/exemptions/ex1", token=admin).status == 204
    assert server.get("/v1/exemptions/ex1", token=reader).status == 404
    assert server.request("DELETE", "/v1/exemptions/ex1", token=admin).status == 404
    assert server.get("/v1/exemptions/-bad", token=reader).status == 404
    assert server.get("/v1/exemptions", token=reader).json()["items"] == []

    audit = server.get("/v1/audit", token=admin).json()["items"]
    assert [(a["action"], a["kind"], a["object_id"]) for a in audit] == [
        ("delete", "exemption", "ex1"), ("create", "exemption", "ex1")]
    assert audit[1]["after"]["reason"] == body["reason"] and audit[1]["before"] is None
    assert audit[0]["before"]["reason"] == body["reason"] and audit[0]["after"] is None


def test_generated_id(server):
    admin = server.token("admin")
    body = exemption()
    del body["id"]
    r = server.request("POST", "/v1/exemptions", body=body, token=admin)
    assert r.status == 201, r
    assert re.fullmatch(r"exm-[0-9a-f]{12}", r.json()["id"])


INVALID = [
    ("missing reason", lambda e: e.pop("reason"), "reason"),
    ("empty reason", lambda e: e.update(reason=""), "reason"),
    ("missing expiry", lambda e: e.pop("expires_at"), "expires_at"),
    ("expiry in the past", lambda e: e.update(expires_at=iso(-60)), "expires_at"),
    ("expiry over a year ahead", lambda e: e.update(expires_at=iso(366 * 86400)), "expires_at"),
    ("malformed expiry", lambda e: e.update(expires_at="next tuesday"), "expires_at"),
    ("no scope", lambda e: e.pop("account"), None),
    ("bad account", lambda e: e.update(account="12345"), "account"),
    ("bad instance id", lambda e: e.update(instance_id="i-xyz"), "instance_id"),
    ("bad image id", lambda e: e.update(image_id="ami-XYZ"), "image_id"),
    ("client-set created_by", lambda e: e.update(created_by="someone-else"), "created_by"),
    ("unknown field", lambda e: e.update(colour="red"), "colour"),
    ("tag without value", lambda e: e.update(tag={"key": "k"}), "tag.value"),
]


@pytest.mark.parametrize("what,mutate,field", INVALID, ids=[w for w, _, _ in INVALID])
def test_invalid_exemption_is_422(server, what, mutate, field):
    admin = server.token("admin")
    body = exemption()
    mutate(body)
    r = server.request("POST", "/v1/exemptions", body=body, token=admin)
    assert r.status == 422, (what, r)
    p = r.json()
    if field is not None:
        assert p["field"] == field, (what, p)
    assert p["detail"]
    assert server.get("/v1/exemptions?include_expired=true", token=admin).json()["items"] == []


def test_include_expired(server):
    admin = server.token("admin")
    assert server.request("POST", "/v1/exemptions", body=exemption("soon", expires_at=iso(1.5)),
                          token=admin).status == 201
    assert server.request("POST", "/v1/exemptions", body=exemption("later"), token=admin).status == 201
    time.sleep(2)
    ids = lambda q: [e["id"] for e in server.get("/v1/exemptions" + q, token=admin).json()["items"]]
    assert ids("") == ["later"]
    assert ids("?include_expired=false") == ["later"]
    assert ids("?include_expired=true") == ["later", "soon"]
    r = server.get("/v1/exemptions/soon", token=admin)
    assert r.status == 200 and r.json()["expired"] is True
    r = server.get("/v1/exemptions?include_expired=yes", token=admin)
    assert r.status == 400 and r.json()["field"] == "include_expired"


def test_exemption_applies_then_lapses_on_its_own(server):
    """An instance is NON_COMPLIANT; an exemption makes it COMPLIANT (exemption named);
    when the exemption expires, the evaluator re-judges it at next_change_at without
    anyone acting."""
    admin = server.token("admin")
    row = launch(server, RUN_INSTANCE, RUN_IMAGE)
    # No rules and no registered facts, no AWS: unknown image facts -> not compliant.
    assert row["compliance"] in ("NON_COMPLIANT", "INSUFFICIENT_DATA"), row
    before = row["compliance"]
    expires = iso(3)
    r = server.request("POST", "/v1/exemptions",
                       body={"id": "short", "instance_id": RUN_INSTANCE, "reason": "demo",
                             "expires_at": expires}, token=admin)
    assert r.status == 201, r
    row = wait_compliance(server, RUN_INSTANCE, "COMPLIANT", timeout=5)
    assert row["exemption"] == "short"
    assert row["next_change_at"] is not None
    row = wait_compliance(server, RUN_INSTANCE, before, timeout=8)
    assert row["exemption"] is None
    expiry_ms = int(datetime.datetime.strptime(expires, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp() * 1000)
    assert row["evaluated_at"] >= expiry_ms
    c = sqlite3.connect(server.db)
    triggers = [t for (t,) in c.execute("SELECT trigger FROM evaluations WHERE instance_id=? ORDER BY id",
                                        (RUN_INSTANCE,))]
    c.close()
    assert triggers[0] == "event" and triggers[-1] == "timer", triggers
