"""Shared helpers for the allow-list API tests (rules, exemptions, images, simulations,
audit): seeding instances through the real event path and waiting for verdicts."""
import copy
import json
import os
import sqlite3
import time

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "events")

# The instance in cloudtrail-runinstances-direct.json.
RUN_ACCOUNT = "123456789012"
RUN_REGION = "us-west-2"
RUN_INSTANCE = "i-00000000000000000"
RUN_IMAGE = "ami-020a359780bc6f835"


def rule(rid="golden", **over):
    r = {"id": rid, "name": "Golden images", "criteria": {"owners": ["amazon"]}}
    r.update(over)
    return r


def run_event(instance_id=RUN_INSTANCE, image_id=RUN_IMAGE, event_id=None, account=RUN_ACCOUNT,
              region=RUN_REGION):
    """The RunInstances fixture, rewritten to launch instance_id from image_id."""
    with open(os.path.join(FIXTURES, "cloudtrail-runinstances-direct.json")) as f:
        ev = json.load(f)
    text = json.dumps(ev)
    text = text.replace(RUN_INSTANCE, instance_id).replace(RUN_IMAGE, image_id)
    text = text.replace('"%s"' % RUN_ACCOUNT, '"%s"' % account).replace(RUN_REGION, region)
    ev = json.loads(text)
    ev["id"] = event_id or ("ev-" + instance_id)
    return ev


def instance_row(db, account, region, instance_id):
    c = sqlite3.connect(db, timeout=10)
    try:
        c.row_factory = sqlite3.Row
        r = c.execute("SELECT * FROM instances WHERE account=? AND region=? AND instance_id=?",
                      (account, region, instance_id)).fetchone()
        return dict(r) if r else None
    finally:
        c.close()


def wait_for(fn, timeout=10.0, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


def wait_compliance(server, instance_id, compliance, account=RUN_ACCOUNT, region=RUN_REGION, timeout=10.0):
    def check():
        row = instance_row(server.db, account, region, instance_id)
        return row if row and row["compliance"] == compliance else None
    return wait_for(check, timeout, "%s to become %s" % (instance_id, compliance))


def launch(server, instance_id, image_id, ingest=None, account=RUN_ACCOUNT, region=RUN_REGION):
    tok = ingest or server.token("ingest")
    r = server.request("POST", "/v1/events", body=run_event(instance_id, image_id, account=account,
                                                            region=region), token=tok)
    assert r.status == 202, r
    return wait_for(lambda: instance_row(server.db, account, region, instance_id), 10,
                    "a verdict for " + instance_id)


def table_dump(db, tables):
    """Every row of the tables, for before/after byte comparisons."""
    c = sqlite3.connect(db, timeout=10)
    try:
        return {t: c.execute("SELECT * FROM %s ORDER BY 1, 2, 3" % t).fetchall() for t in tables}
    finally:
        c.close()


def deep(d):
    return copy.deepcopy(d)


def settle(server, tables=("instances", "evaluations", "reeval_requests"), quiet=0.5, timeout=15.0):
    """Waits until the re-evaluation signal is consumed and the tables stop changing
    for `quiet` seconds, so before/after comparisons see only what a test did."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        now = table_dump(server.db, tables)
        if not now.get("reeval_requests") and now == last:
            return
        last = now
        time.sleep(quiet)
    raise AssertionError("the database did not settle")


_OPENAPI = None


def check_schema(instance, name):
    """Validates a response body against components.schemas[name] of openapi.yaml."""
    global _OPENAPI
    import jsonschema
    import yaml
    if _OPENAPI is None:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        with open(os.path.join(root, "openapi.yaml"), encoding="utf-8") as f:
            _OPENAPI = yaml.safe_load(f)
    schema = {"$ref": "#/components/schemas/" + name, "components": _OPENAPI["components"]}
    jsonschema.Draft202012Validator(schema).validate(instance)
