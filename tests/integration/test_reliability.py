"""Reliability under faults (issue 8): repeated kill -9 during sustained ingest, a full
disk, AWS failing then recovering, and hostile clients (idle floods, slowloris,
oversized headers) while well-behaved senders keep being served."""
import concurrent.futures
import os
import random
import socket
import sqlite3
import subprocess
import threading
import time

import pytest

import eventlib
from aws_fixtures import fake_aws  # noqa: F401  (pytest fixture)
from eventlib import run_instances, state_change, wait_verdict


def post_many(server, tok, events, stop_after=None, timeout=5):
    """Posts events concurrently; returns the ones answered 202 (acknowledged)."""
    acked, lock = [], threading.Lock()

    def one(ev):
        try:
            r = server.request("POST", "/v1/events", body=ev, token=tok, timeout=timeout)
            if r.status == 202:
                with lock:
                    acked.append(ev)
        except OSError:
            pass

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        futures = [pool.submit(one, ev) for ev in events]
        if stop_after is not None:
            time.sleep(stop_after)
            server.kill9()
        for f in futures:
            f.result()
    return acked


def test_repeated_kill9_every_acknowledged_event_evaluated_exactly_once(make_server):
    s = make_server()
    tok = s.token("ingest")
    acked_all = []
    rnd = random.Random(42)
    for cycle in range(3):
        events = [run_instances(region="eu-central-1") for _ in range(300)]
        acked_all += post_many(s, tok, events, stop_after=rnd.uniform(0.05, 0.4))
        s.start()
    assert len(acked_all) > 0
    deadline = time.time() + 60
    while time.time() < deadline:
        st = eventlib.inbox_states(s.db)
        if all(st.get(ev["id"], (0,))[0] == 2 for ev in acked_all):
            break
        time.sleep(0.2)
    con = sqlite3.connect(s.db)
    for ev in acked_all:
        a, r, i = eventlib.instance_of(ev)
        n = con.execute("SELECT count(*) FROM evaluations WHERE trigger='event' AND trigger_event_id=?",
                        (ev["id"],)).fetchone()[0]
        assert n == 1, (ev["id"], n)
        assert con.execute("SELECT count(*) FROM instances WHERE account=? AND region=? AND instance_id=?",
                           (a, r, i)).fetchone()[0] == 1
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


@pytest.fixture
def small_disk(tmp_path):
    d = tmp_path / "disk"
    d.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(d)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield d
    subprocess.run(["umount", "-l", str(d)])


def test_full_disk_gives_503_then_recovers(make_server, small_disk):
    s = make_server(start=False, directory=str(small_disk))
    s.start()
    tok = s.token("ingest")
    statuses = []
    big = "x" * 60000
    for _ in range(200):
        ev = run_instances(region="us-east-2")
        ev["detail"]["padding"] = big
        r = s.request("POST", "/v1/events", body=ev, token=tok)
        statuses.append(r.status)
        if r.status == 503:
            assert r.headers.get("retry-after")
            break
    assert 503 in statuses, statuses[-5:]
    assert s.get("/healthz").status == 200
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    ok = run_instances(region="us-east-2")
    deadline = time.time() + 10
    while time.time() < deadline:
        r = s.request("POST", "/v1/events", body=ok, token=tok)
        if r.status in (200, 202):
            break
        time.sleep(0.2)
    assert r.status == 202, r
    a, reg, i = eventlib.instance_of(ok)
    wait_verdict(s.db, a, reg, i, timeout=20)
    s.stop()
    con = sqlite3.connect(s.db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_aws_failing_then_recovering_loses_nothing(make_server, fake_aws):
    env = fake_aws.env(ITALIC_AWS="auto", ITALIC_IMAGE_CACHE_TTL="0")
    s = make_server(env=env)
    admin, tok = s.token("admin"), s.token("ingest")
    assert s.request("POST", "/v1/rules", body={"id": "golden", "criteria": {"image_ids": ["ami-0aaaaaaaaaaaaaaa1"]}},
                     token=admin).status == 201
    iids = ["i-" + eventlib.hexid() for _ in range(10)]
    fake_aws.control("images", [{"ImageId": "ami-0aaaaaaaaaaaaaaa1", "OwnerId": "999999999999", "Name": "g",
                                 "CreationDate": "2026-11-01T00:00:00.000Z", "State": "available"}])
    fake_aws.control("instances", [{"account": "999999999999", "region": "us-east-1", "InstanceId": i,
                                    "ImageId": "ami-0aaaaaaaaaaaaaaa1", "State": "running", "StateCode": 16}
                                   for i in iids])
    # Throttling, server errors, garbage and slow answers, then recovery.
    fake_aws.control("faults", [
        {"service": "ec2", "operation": "*", "kind": "throttle", "count": 15},
        {"service": "ec2", "operation": "*", "kind": "5xx", "count": 15},
        {"service": "ec2", "operation": "*", "kind": "malformed", "count": 5},
        {"service": "ec2", "operation": "*", "kind": "slow", "sleep": 1, "count": 3},
    ])
    for i in iids:
        r = s.request("POST", "/v1/events", body=state_change("running", account="999999999999",
                                                                region="us-east-1", instance_id=i), token=tok)
        assert r.status == 202
    for i in iids:
        v = wait_verdict(s.db, "999999999999", "us-east-1", i, timeout=90,
                         pred=lambda v: v["compliance"] == "COMPLIANT")
        assert v["image_id"] == "ami-0aaaaaaaaaaaaaaa1"


def _connect(port, src="127.0.0.2"):
    c = socket.socket()
    c.bind((src, 0))
    c.settimeout(5)
    c.connect(("127.0.0.1", port))
    return c


def test_floods_and_slow_clients_do_not_starve_good_senders(make_server):
    s = make_server(env={"ITALIC_CONNECTION_TIMEOUT": "10s"})
    tok = s.token("ingest")
    idle, slow = [], []
    try:
        for _ in range(300):            # more than the per-IP limit from one address
            try:
                idle.append(_connect(s.port))
            except OSError:
                break
        for _ in range(50):             # slowloris: headers that never end
            try:
                c = _connect(s.port, "127.0.0.3")
                c.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\n")
                slow.append(c)
            except OSError:
                break
        for c in slow:
            try:
                c.sendall(b"X-Slow: 1\r\n")
            except OSError:
                pass
        big = _connect(s.port, "127.0.0.4")
        big.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300000 + b"\r\n\r\n")
        # The well-behaved sender (127.0.0.1) is still served, promptly.
        t0 = time.time()
        assert s.get("/healthz").status == 200
        r = s.request("POST", "/v1/events", body=run_instances(), token=tok)
        assert r.status == 202, r
        assert time.time() - t0 < 3
        big.close()
    finally:
        for c in idle + slow:
            c.close()
    assert s.get("/healthz").status == 200


def test_authenticated_senders_that_never_send_their_body(make_server):
    """Senders that pass authentication and then hold back their body, more of them than
    the server has threads and pooled database connections: the server still answers a
    well-behaved sender promptly (authentication gives its connection back at once
    rather than holding it until a body that may never come)."""
    s = make_server(env={"ITALIC_HTTP_THREADS": "2", "ITALIC_CONNECTION_TIMEOUT": "20s"})
    tok = s.token("ingest")
    stalled = []
    try:
        for i in range(24):
            c = _connect(s.port, "127.0.0.%d" % (5 + i % 4))
            c.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok.encode()
                      + b"\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"id\":")
            stalled.append(c)
        time.sleep(0.5)
        t0 = time.time()
        r = s.request("POST", "/v1/events", body=run_instances(), token=tok, timeout=10)
        assert r.status == 202, r
        assert s.get("/healthz", timeout=10).status == 200
        assert time.time() - t0 < 3
    finally:
        for c in stalled:
            c.close()
