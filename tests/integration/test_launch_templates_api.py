"""Query API for launch templates: GET /v1/launch-templates (filters, keyset paging while
rows arrive, the byte cap, CSV) and GET /v1/launch-templates/{account}/{region}/{id}
(versions, history paged, instances launched from it). Rows are seeded straight into the
server's SQLite file, as test_query_api does for instances; events and the sweep that
write them through the pipeline are test_launch_templates.py's. conftest validates every
response against openapi.yaml."""
import csv
import io
import json
import sqlite3
import time

import pytest

NOW_MS = int(time.time() * 1000)
ACCOUNTS = ["111111111111", "222222222222", "333333333333"]
REGIONS = ["us-east-1", "eu-west-1"]
COMPLIANCE = ["COMPLIANT", "NON_COMPLIANT", "INSUFFICIENT_DATA", "NOT_APPLICABLE"]


def ltid(i):
    return "lt-%017x" % i


def img(i):
    return "ami-%017x" % (i % 4)


def tmpl_row(i, eval_ms=None, reasons=None, compliance=None):
    c = compliance or COMPLIANCE[i % 4]
    return (ACCOUNTS[i % 3], REGIONS[i % 2], ltid(i), "tmpl-%d" % i, 2, 3 + i % 2,
            NOW_MS if c == "NOT_APPLICABLE" else None, NOW_MS - 60000,
            "resolve:ssm:golden-ami" if i % 5 == 0 else img(i), img(i), c,
            json.dumps(reasons or ["reason %d" % i, "with, comma"]), "rule-a" if c == "COMPLIANT" else None,
            None, "describe-images", NOW_MS - 3600000,
            eval_ms if eval_ms is not None else NOW_MS - 3600000 - (i // 3) * 1000,
            None, "COMPLIANT", img(i + 1), NOW_MS - 7200000, 2)


def seed(db, rows):
    con = sqlite3.connect(db, timeout=10)
    con.executemany(
        "INSERT INTO launch_templates(account, region, template_id, name, default_version, latest_version,"
        " deleted_at, meta_observed_at, image_ref, image_id, compliance, reasons, matched_rule, exemption,"
        " facts_source, observed_at, evaluated_at, next_change_at, latest_compliance, latest_image_id,"
        " first_seen_at, settled_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT(account, region, template_id) DO UPDATE SET compliance = excluded.compliance,"
        " evaluated_at = excluded.evaluated_at, reasons = excluded.reasons", rows)
    con.commit()
    con.close()


def run(db, sql, rows):
    con = sqlite3.connect(db, timeout=10)
    con.executemany(sql, rows)
    con.commit()
    con.close()


@pytest.fixture
def seeded(server):
    seed(server.db, [tmpl_row(i) for i in range(120)])
    server.reader = server.token("reader")
    return server


def get(server, path, **kw):
    return server.get(path, token=server.reader, **kw)


def key(it):
    return (it["account"], it["region"], it["launch_template_id"])


def page_all(server, path, limit, between=None):
    items, cursor, pages = [], None, 0
    sep = "&" if "?" in path else "?"
    while True:
        r = get(server, "%s%slimit=%d" % (path, sep, limit) + ("&cursor=" + cursor if cursor else ""))
        assert r.status == 200, r.body
        body = r.json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages
        if between:
            between(pages)


def test_list_fields_and_order(seeded):
    body = get(seeded, "/v1/launch-templates").json()
    assert len(body["items"]) == 100 and body["next_cursor"]
    first = body["items"][0]
    assert key(first) == ("333333333333", "us-east-1", ltid(2))   # newest; ties descending
    assert first["reasons"] == ["reason 2", "with, comma"] and first["compliance"] == "INSUFFICIENT_DATA"
    assert first["default_version"] == 2 and first["latest_version"] == 3 and first["deleted"] is False
    assert first["latest_compliance"] == "COMPLIANT" and first["image"] == img(2) and first["image_id"] == img(2)
    alias = [it for it in page_all(seeded, "/v1/launch-templates?account=111111111111", 1000)[0]
             if it["launch_template_id"] == ltid(15)][0]
    assert alias["image"] == "resolve:ssm:golden-ami" and alias["image_id"] == img(15)
    gone = [it for it in body["items"] if it["compliance"] == "NOT_APPLICABLE"][0]
    assert gone["deleted"] is True


@pytest.mark.parametrize("query,expect", [
    ("account=222222222222", lambda i: i % 3 == 1),
    ("region=eu-west-1", lambda i: i % 2 == 1),
    ("compliance=NON_COMPLIANT", lambda i: i % 4 == 1),
    ("account=111111111111&compliance=COMPLIANT", lambda i: i % 3 == 0 and i % 4 == 0),
    ("image_id=ami-00000000000000003", lambda i: i % 4 == 3),
    ("image_id=ami-00000000000000002&region=us-east-1", lambda i: i % 4 == 2 and i % 2 == 0),
])
def test_filters(seeded, query, expect):
    items, _ = page_all(seeded, "/v1/launch-templates?" + query, 7)
    assert sorted(key(it) for it in items) == \
        sorted((ACCOUNTS[i % 3], REGIONS[i % 2], ltid(i)) for i in range(120) if expect(i))
    seq = [(it["evaluated_at"], key(it)) for it in items]
    assert seq == sorted(seq, reverse=True)


def test_paging_while_verdicts_arrive(seeded):
    extra = iter(range(1000, 2000))

    def arrive(_):
        seed(seeded.db, [tmpl_row(next(extra), eval_ms=NOW_MS)])

    items, pages = page_all(seeded, "/v1/launch-templates", 9, between=arrive)
    keys = [key(it) for it in items]
    assert len(keys) == len(set(keys)) and len(keys) == 120 and pages == 14


def test_page_stops_at_the_byte_cap(seeded):
    big = ["x" * 600] * 16   # ~10 KiB of reasons a row: 1000 rows would pass 8 MiB
    seed(seeded.db, [tmpl_row(i, reasons=big, eval_ms=NOW_MS + i) for i in range(2000, 4200)])
    r = get(seeded, "/v1/launch-templates?limit=1000")
    body = r.json()
    assert len(r.body) <= 8 * 1024 * 1024 + 4096
    assert 0 < len(body["items"]) < 1000 and body["next_cursor"], len(body["items"])
    nxt = get(seeded, "/v1/launch-templates?limit=1000&cursor=" + body["next_cursor"]).json()
    assert not {key(i) for i in body["items"]} & {key(i) for i in nxt["items"]}


def test_csv(seeded):
    r = get(seeded, "/v1/launch-templates?compliance=COMPLIANT&limit=10", headers={"Accept": "text/csv"})
    assert r.status == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.body, newline="")))
    assert rows[0][:3] == ["account", "region", "launch_template_id"] and len(rows) == 11
    assert all(x[7] == "COMPLIANT" and json.loads(x[8])[1] == "with, comma" for x in rows[1:])
    j = get(seeded, "/v1/launch-templates?compliance=COMPLIANT&limit=10&cursor=" + r.headers["x-next-cursor"]).json()
    both = [tuple(x[:3]) for x in rows[1:]] + [key(it) for it in j["items"]]
    assert len(both) == len(set(both)) == 20


@pytest.mark.parametrize("query,field", [
    ("compliance=GREEN", "compliance"),
    ("account=12", "account"),
    ("image_id=ami-xyz", "image_id"),
    ("state=running", "state"),           # an instance filter, not a template one
    ("limit=0", "limit"),
    ("cursor=AAAA", "cursor"),
])
def test_bad_parameters(seeded, query, field):
    r = get(seeded, "/v1/launch-templates?" + query)
    assert r.status == 400 and r.json()["field"] == field, r.body


def test_a_cursor_belongs_to_its_list(seeded):
    inst_cursor = get(seeded, "/v1/launch-templates?limit=1").json()["next_cursor"]
    r = get(seeded, "/v1/instances?cursor=" + inst_cursor)
    assert r.status == 400 and r.json()["field"] == "cursor"
    r = get(seeded, "/v1/launch-templates?compliance=COMPLIANT&cursor=" + inst_cursor)
    assert r.status == 400 and r.json()["field"] == "cursor"


def test_one_template_versions_history_instances(seeded):
    a, r_, t = ACCOUNTS[0], REGIONS[0], ltid(0)
    run(seeded.db, "INSERT INTO launch_template_versions(account, region, template_id, version, image_ref,"
        " image_id, resolved_at, compliance, reasons, observed_at, evaluated_at, deleted_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [(a, r_, t, 1, img(1), img(1), None, "NOT_APPLICABLE", '["deleted"]', NOW_MS - 9000, NOW_MS - 9000, NOW_MS),
         (a, r_, t, 2, "resolve:ssm:golden-ami", img(0), NOW_MS - 5000, "COMPLIANT",
          '["resolve:ssm:golden-ami meant ami-00000000000000000"]', NOW_MS - 5000, NOW_MS - 5000, None),
         (a, r_, t, 3, img(3), img(3), None, "NON_COMPLIANT", '["no rule"]', NOW_MS - 4000, NOW_MS - 4000, None)])
    run(seeded.db, "INSERT INTO launch_template_evaluations(account, region, template_id, version, is_default,"
        " image_ref, image_id, compliance, previous_compliance, reasons, observed_at, evaluated_at, trigger,"
        " trigger_event_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(a, r_, t, 2, 1, img(0), img(0), "COMPLIANT", None if k == 0 else "COMPLIANT", '["ok"]',
          NOW_MS - 1000 * (10 - k), NOW_MS - 1000 * (10 - k), "event" if k % 2 else "sweep", "e%d" % k)
         for k in range(5)])
    run(seeded.db, "INSERT INTO instance_launch_templates(account, region, instance_id, template_id, version,"
        " version_alias, image_override, observed_at) VALUES (?,?,?,?,?,?,?,?)",
        [(a, r_, "i-0000000000000000%d" % k, t, 2 if k else None, None if k else "$Latest", 1 if k == 2 else 0,
          NOW_MS - k) for k in range(3)])
    run(seeded.db, "INSERT INTO instances(account, region, instance_id, image_id, compliance, reasons, observed_at,"
        " evaluated_at, first_seen_at, state) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [(a, r_, "i-00000000000000001", img(0), "COMPLIANT", "[]", NOW_MS, NOW_MS, NOW_MS, "running")])
    r = get(seeded, "/v1/launch-templates/%s/%s/%s?limit=2" % (a, r_, t))
    assert r.status == 200, r.body
    b = r.json()
    assert key(b["launch_template"]) == (a, r_, t)
    v = {x["version"]: x for x in b["versions"]["items"]}
    assert [x["version"] for x in b["versions"]["items"]] == [3, 2, 1] and b["versions"]["truncated"] is False
    assert v[2]["default"] and not v[3]["default"] and v[3]["latest"] and not v[2]["latest"]
    assert v[2]["image"] == "resolve:ssm:golden-ami" and v[2]["image_id"] == img(0) and v[2]["resolved_at"]
    assert v[1]["deleted"] and v[1]["compliance"] == "NOT_APPLICABLE"
    h = b["history"]
    assert len(h["items"]) == 2 and h["next_cursor"] and all(x["default"] for x in h["items"])
    rest = get(seeded, "/v1/launch-templates/%s/%s/%s?cursor=%s" % (a, r_, t, h["next_cursor"])).json()
    ids = [x["id"] for x in h["items"] + rest["history"]["items"]]
    assert len(ids) == 5 and ids == sorted(ids, reverse=True) and rest["history"]["next_cursor"] is None
    inst = {x["instance_id"]: x for x in b["instances"]["items"]}
    assert [x["instance_id"] for x in b["instances"]["items"]] == \
        ["i-00000000000000000", "i-00000000000000001", "i-00000000000000002"]
    assert inst["i-00000000000000000"]["version"] is None and inst["i-00000000000000000"]["version_alias"] == "$Latest"
    assert inst["i-00000000000000001"]["compliance"] == "COMPLIANT" and inst["i-00000000000000001"]["state"] == "running"
    assert inst["i-00000000000000002"]["compliance"] is None and inst["i-00000000000000002"]["image_override"] is True
    # a history cursor is bound to its template
    r = get(seeded, "/v1/launch-templates/%s/%s/%s?cursor=%s" % (a, r_, ltid(3), h["next_cursor"]))
    assert r.status == 400 and r.json()["field"] == "cursor"


def test_one_template_errors(seeded):
    r = get(seeded, "/v1/launch-templates/111111111111/us-east-1/lt-0000000000000beef")
    assert r.status == 404 and r.headers["content-type"] == "application/problem+json"
    for path, field in [("/v1/launch-templates/1111/us-east-1/%s" % ltid(0), "account"),
                        ("/v1/launch-templates/111111111111/mars-1/%s" % ltid(0), "region"),
                        ("/v1/launch-templates/111111111111/us-east-1/lt-XYZ", "launch_template_id"),
                        ("/v1/launch-templates/111111111111/us-east-1/%s?compliance=COMPLIANT" % ltid(0),
                         "compliance")]:
        r = get(seeded, path)
        assert r.status == 400 and r.json()["field"] == field, (path, r.body)
    r = seeded.get("/v1/launch-templates")
    assert r.status == 401
    r = seeded.request("HEAD", "/v1/launch-templates", token=seeded.reader)
    assert r.status == 200 and r.body == ""


def test_summary_counts_templates_beside_instances(seeded):
    s = get(seeded, "/v1/summary").json()
    lt = s["launch_templates"]
    assert lt["total"] == 120 and lt["by_compliance"] == {c: 30 for c in COMPLIANCE}
    assert s["total"] == 0   # instances are counted on their own
    s = get(seeded, "/v1/summary?account=222222222222&region=eu-west-1").json()
    want = {c: sum(1 for i in range(120) if i % 3 == 1 and i % 2 == 1 and COMPLIANCE[i % 4] == c) for c in COMPLIANCE}
    assert s["launch_templates"]["by_compliance"] == want and s["launch_templates"]["total"] == sum(want.values())


def test_image_report_lists_the_templates_naming_it(seeded):
    bad = "ami-0bad0bad0bad0bad0"
    rows = []
    for i in range(3):
        a, r_ = ACCOUNTS[i % 3], REGIONS[i % 2]
        rows.append((a, r_, ltid(i), 2, bad, bad, "NON_COMPLIANT", '["no rule allows it"]', NOW_MS, NOW_MS, None))
        rows.append((a, r_, ltid(i), 3, "resolve:ssm:golden-ami", bad, "NON_COMPLIANT", '["alias"]', NOW_MS, NOW_MS,
                     NOW_MS if i == 2 else None))
    run(seeded.db, "INSERT INTO launch_template_versions(account, region, template_id, version, image_ref,"
        " image_id, compliance, reasons, observed_at, evaluated_at, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    r = get(seeded, "/v1/images/us-east-1/" + bad)
    assert r.status == 200, r.body   # no facts and no instances, but templates name it
    lt = r.json()["launch_templates"]
    got = [(x["launch_template_id"], x["version"], x["default"], x["latest"]) for x in lt["items"]]
    # us-east-1 holds templates 0 and 2 (even); template 2's v3 is deleted; defaults first
    assert got == [(ltid(0), 2, True, False), (ltid(2), 2, True, False), (ltid(0), 3, False, True)], got
    assert lt["truncated"] is False and lt["items"][2]["image"] == "resolve:ssm:golden-ami"
    r = get(seeded, "/v1/images/eu-west-1/" + bad)
    assert [x["launch_template_id"] for x in r.json()["launch_templates"]["items"]] == [ltid(1), ltid(1)]
    r = get(seeded, "/v1/images/ap-south-1/" + bad)
    assert r.status == 404


def test_retention_purges_old_template_history(make_server):
    s = make_server(start=False, env={"ITALIC_RETENTION_DAYS": "1"})
    s.cli("migrate")
    day = 86400000
    seed(s.db, [tmpl_row(0)])
    a, r_, t = ACCOUNTS[0], REGIONS[0], ltid(0)
    run(s.db, "INSERT INTO launch_template_evaluations(account, region, template_id, version, is_default,"
        " image_ref, image_id, compliance, reasons, observed_at, evaluated_at, trigger)"
        " VALUES (?,?,?,2,1,?,?,'COMPLIANT','[]',?,?,'sweep')",
        [(a, r_, t, img(0), img(0), NOW_MS - 3 * day + k, NOW_MS - 3 * day + k) for k in range(40)] +
        [(a, r_, t, img(0), img(0), NOW_MS - 3600000 + k, NOW_MS - 3600000 + k) for k in range(3)])
    s.start()
    deadline = time.time() + 15
    left = None
    while time.time() < deadline:
        con = sqlite3.connect(s.db)
        left = con.execute("SELECT count(*) FROM launch_template_evaluations").fetchone()[0]
        con.close()
        if left == 3:
            break
        time.sleep(0.1)
    assert left == 3
    con = sqlite3.connect(s.db)
    assert con.execute("SELECT count(*) FROM launch_templates").fetchone()[0] == 1, "the verdict itself stays"
    con.close()
    body = s.get("/metrics", token=s.token("reader")).body
    line = [l for l in body.splitlines()
            if l.startswith('italic_retention_deleted_total{table="launch_template_evaluations"}')]
    assert line and float(line[0].split()[-1]) == 40


def test_simulation_reports_templates_whose_verdict_would_change(seeded):
    # No rule today: every judged template is NON_COMPLIANT under the current set. The
    # proposal allows one AMI by id: templates whose default names it would become
    # COMPLIANT; the others' images have no registered facts, so that rule cannot be
    # decided for them (INSUFFICIENT_DATA, as for instances).
    adm = seeded.token("admin")
    r = seeded.request("POST", "/v1/simulations", token=adm,
                       body={"rules": [{"id": "one", "criteria": {"image_ids": [img(1)]}}]})
    assert r.status == 200, r
    lt = r.json()["launch_templates"]
    rows = [tmpl_row(i) for i in range(120)]
    live = [x for x in rows if x[6] is None]
    allowed = sorted(c["launch_template_id"] for c in lt["changes"] if c["to"] == "COMPLIANT")
    assert allowed == sorted(x[2] for x in live if x[9] == img(1))
    assert all(c["from"] == "NON_COMPLIANT" for c in lt["changes"])
    assert all(c["matched_rule"] == "one" for c in lt["changes"] if c["to"] == "COMPLIANT")
    assert all(c["to"] == "INSUFFICIENT_DATA" for c in lt["changes"] if c["image_id"] != img(1))
    assert lt["evaluated"] == len(live) and lt["changed"] == len(lt["changes"]) == len(live)
    assert lt["skipped_not_applicable"] == len(rows) - len(live) and lt["truncated"] is False
