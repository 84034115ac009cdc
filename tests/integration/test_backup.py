"""italic backup: a consistent copy of the live database while the service serves and
writers commit; the copy opens and passes PRAGMA integrity_check; overwrite rules."""
import os
import sqlite3
import threading
import time

from conftest import run_cli
from test_query_api import seed_evaluations, seed_instances, inst_row, NOW_MS


def test_backup_while_serving_under_concurrent_writes(server, tmp_path):
    seed_instances(server.db, [inst_row(i) for i in range(2000)])
    seed_evaluations(server.db, 60000, NOW_MS - 3600000, step_ms=1)
    stop = threading.Event()
    written = [0]
    tok = server.token("reader")
    statuses = []

    def writer():
        k = 100000
        while not stop.is_set():
            seed_evaluations(server.db, 50, NOW_MS, step_ms=1, start=k)
            k += 50
            written[0] += 50

    def reader():
        while not stop.is_set():
            statuses.append(server.get("/v1/summary", token=tok).status)

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    dest = str(tmp_path / "copy.db")
    try:
        p = server.cli("backup", dest)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert "written to" in p.stdout
    assert written[0] > 0
    assert statuses and set(statuses) == {200}
    assert not os.path.exists(dest + ".partial")
    con = sqlite3.connect(dest)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    n = con.execute("SELECT count(*) FROM evaluations").fetchone()[0]
    # One snapshot: whole writer batches only (each batch is one transaction).
    assert n >= 60000 and (n - 60000) % 50 == 0
    assert con.execute("SELECT count(*) FROM instances").fetchone()[0] == 2000
    assert con.execute("SELECT sum(n) FROM instance_counts").fetchone()[0] == 2000
    con.close()
    # The service keeps serving.
    assert server.get("/readyz").status == 200


def test_backup_refuses_overwrite_and_usage_errors(server, tmp_path):
    dest = str(tmp_path / "b.db")
    with open(dest, "w") as f:
        f.write("keep me")
    p = server.cli("backup", dest, check=False)
    assert p.returncode == 1 and "--force" in p.stderr
    assert open(dest).read() == "keep me"
    p = server.cli("backup", "--force", dest)
    con = sqlite3.connect(dest)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] >= 5
    con.close()
    assert server.cli("backup", check=False).returncode == 2
    assert server.cli("backup", "a", "b", check=False).returncode == 2
    assert server.cli("backup", "--bogus", dest, check=False).returncode == 2
    p = server.cli("backup", "--force", server.db, check=False)
    assert p.returncode == 2 and os.path.getsize(server.db) > 0
    assert server.get("/readyz").status == 200
    p = run_cli(["backup", str(tmp_path / "x.db")], db=str(tmp_path / "missing.db"), check=False)
    assert p.returncode == 1 and not os.path.exists(str(tmp_path / "x.db"))
    assert "backup" in run_cli(["--help"]).stdout


def info(server, path):
    p = server.cli("backup", "--info", path)
    return dict(line.split(": ", 1) for line in p.stdout.splitlines())


def test_backup_records_its_snapshot_time_and_every_earlier_event_is_in_it(server, tmp_path):
    """The copy's snapshot_at is a lower bound: every event acknowledged before it is
    in the copy (docs/aws-quickstart.md section 11 replays from it)."""
    from eventlib import state_change
    tok = server.token("ingest")
    acked, stop = [], threading.Event()

    def sender():
        while not stop.is_set():
            ev = state_change("running", region="eu-west-3")
            if server.request("POST", "/v1/events", body=ev, token=tok).status == 202:
                acked.append((time.time(), ev["id"]))

    t = threading.Thread(target=sender)
    t.start()
    time.sleep(0.3)
    dest = str(tmp_path / "stamped.db")
    t0 = time.time()
    try:
        p = server.cli("backup", dest)
    finally:
        stop.set()
        t.join()
    t1 = time.time()
    assert "snapshot_at" in p.stdout
    got = info(server, dest)
    snap = int(got["snapshot_at_ms"]) / 1000.0
    assert t0 - 1 <= snap <= t1, (t0, snap, t1)
    assert got["snapshot_at"].endswith("Z") and int(got["schema_version"]) >= 8
    con = sqlite3.connect(dest)
    in_copy = {r[0] for r in con.execute("SELECT event_id FROM inbox")}
    con.close()
    before = [eid for at, eid in acked if at < snap]
    assert before, "no event was acknowledged before the snapshot"
    assert all(eid in in_copy for eid in before), [eid for eid in before if eid not in in_copy][:3]
    # the copy is one file at rest, and the live database has no stamp
    assert not os.path.exists(dest + "-wal") and not os.path.exists(dest + ".unstamped")
    p = server.cli("backup", "--info", server.db, check=False)
    assert p.returncode == 1 and "no snapshot time" in p.stderr
    p = server.cli("backup", "--info", str(tmp_path / "nothing.db"), check=False)
    assert p.returncode == 1
    assert server.cli("backup", "--info", check=False).returncode == 2


def test_restore_then_replay_from_the_snapshot_time_loses_nothing(make_server, tmp_path):
    """The recovery recipe: restore a copy, replay the bus from its snapshot time; what
    the copy has is answered duplicate, what came after it is accepted again."""
    from eventlib import run_instances
    s = make_server()
    tok = s.token("ingest")
    before = [run_instances(region="ap-south-1") for _ in range(20)]
    after = [run_instances(region="ap-south-1") for _ in range(20)]
    assert s.request("POST", "/v1/events", body=before, token=tok).json()["accepted"] == 20
    dest = str(tmp_path / "copy.db")
    s.cli("backup", dest)
    assert s.request("POST", "/v1/events", body=after, token=tok).json()["accepted"] == 20
    s.stop()
    # restore (README, "Backup and restore"): copy over the database, drop -wal and -shm
    with open(dest, "rb") as src, open(s.db, "wb") as dst:
        dst.write(src.read())
    for suffix in ("-wal", "-shm"):
        if os.path.exists(s.db + suffix):
            os.unlink(s.db + suffix)
    s.start()
    # the bus replays every retained event from a little before the snapshot time
    r = s.request("POST", "/v1/events", body=before + after, token=tok)
    assert r.status == 200, r
    got = r.json()
    assert got["duplicate"] == 20 and got["accepted"] == 20, got
    assert [it["status"] for it in got["items"]] == ["duplicate"] * 20 + ["accepted"] * 20
    con = sqlite3.connect(s.db)
    assert con.execute("SELECT count(*) FROM inbox WHERE region='ap-south-1'").fetchone()[0] == 40
    con.close()
