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
