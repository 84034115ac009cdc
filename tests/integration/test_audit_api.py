"""/v1/audit: newest first, limit and keyset cursor, entry shape, admin only, and the
log is append-only underneath."""
import re
import sqlite3

import pytest

from policy_helpers import check_schema, rule


def test_paging_and_shape(server):
    admin = server.token("admin", name="carol")
    for i in range(7):
        assert server.request("POST", "/v1/rules", body=rule("r%d" % i), token=admin).status == 201
    all_items = server.get("/v1/audit", token=admin).json()
    assert all_items["next_cursor"] is None
    ids = [e["id"] for e in all_items["items"]]
    assert len(ids) == 7 and ids == sorted(ids, reverse=True)
    e = all_items["items"][0]
    for x in all_items["items"]:
        check_schema(x, "AuditEntry")
    assert set(e) == {"id", "at", "actor", "action", "kind", "object_id", "before", "after"}
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$", e["at"])
    assert e["object_id"] == "r6" and e["action"] == "create" and e["kind"] == "rule"
    assert e["actor"].startswith("token:carol (tok_")

    seen, cursor, pages = [], None, 0
    while True:
        q = "/v1/audit?limit=3" + ("&cursor=" + cursor if cursor else "")
        page = server.get(q, token=admin).json()
        pages += 1
        seen += [x["id"] for x in page["items"]]
        assert len(page["items"]) <= 3
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert cursor == str(page["items"][-1]["id"])
    assert seen == ids and pages == 3

    # A change arriving while paging does not shift the later pages.
    first = server.get("/v1/audit?limit=2", token=admin).json()
    assert server.request("DELETE", "/v1/rules/r0", token=admin).status == 204
    second = server.get("/v1/audit?limit=2&cursor=" + first["next_cursor"], token=admin).json()
    assert [x["id"] for x in second["items"]] == ids[2:4]
    assert server.get("/v1/audit?limit=1", token=admin).json()["items"][0]["action"] == "delete"


@pytest.mark.parametrize("query,field", [
    ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=abc", "limit"), ("limit=-1", "limit"),
    ("cursor=abc", "cursor"), ("cursor=0", "cursor"), ("cursor=-5", "cursor"),
])
def test_bad_parameters_are_400(server, query, field):
    admin = server.token("admin")
    r = server.get("/v1/audit?" + query, token=admin)
    assert r.status == 400, (query, r)
    assert r.json()["field"] == field


def test_limit_bounds_accepted(server):
    admin = server.token("admin")
    assert server.request("POST", "/v1/rules", body=rule("r"), token=admin).status == 201
    assert len(server.get("/v1/audit?limit=1000", token=admin).json()["items"]) == 1
    assert server.get("/v1/audit?limit=1", token=admin).json()["next_cursor"] is not None
    assert server.get("/v1/audit?cursor=1", token=admin).json() == {"items": [], "next_cursor": None}


def test_reader_cannot_read_audit(server):
    assert server.get("/v1/audit", token=server.token("reader")).status == 403


def test_audit_log_is_append_only(server):
    admin = server.token("admin")
    assert server.request("POST", "/v1/rules", body=rule("r"), token=admin).status == 201
    c = sqlite3.connect(server.db)
    with pytest.raises(sqlite3.DatabaseError):
        c.execute("DELETE FROM audit_log")
    with pytest.raises(sqlite3.DatabaseError):
        c.execute("UPDATE audit_log SET actor = 'mallory'")
    c.close()
    assert server.get("/v1/audit", token=admin).json()["items"][0]["actor"].startswith("token:")
