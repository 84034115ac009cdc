"""HTTP core: auth matrix, limits, health, metrics, request ids, SIGTERM drain."""
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time

import pytest

from conftest import BIN, ROOT, run_cli
from routes import ROUTES

ROLES = ["ingest", "reader", "admin"]


def allowed(have, need):
    return need is None or have == "admin" or have == need


@pytest.mark.parametrize("auth", ["bearer", "x-api-key", "basic"])
def test_auth_matrix(server, auth):
    tokens = {r: server.token(r) for r in ROLES}
    for method, path, need, body in ROUTES:
        r = server.request(method, path, body=body)
        if need is None:
            assert r.status not in (401, 403), (method, path, r)
        else:
            assert r.status == 401, (method, path, r)
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["status"] == 401
        for role, tok in tokens.items():
            r = server.request(method, path, body=body, token=tok, auth=auth)
            if allowed(role, need):
                assert r.status not in (401, 403), (role, method, path, r)
            else:
                assert r.status == 403, (role, method, path, r)
                assert r.json()["title"] == "Forbidden"


def test_unknown_and_revoked_tokens_get_401(server):
    tok = server.token("reader")
    assert server.get("/metrics", token="itk_" + "A" * 43).status == 401
    assert server.get("/metrics", token=tok).status == 200
    tid = re.search(r"(tok_[0-9a-f]{12})", server.cli("token", "list").stdout).group(1)
    server.cli("token", "revoke", tid)
    r = server.get("/metrics", token=tok)
    assert r.status == 401 and "revoked" in r.json()["detail"]


def test_malformed_authorization_is_401(server):
    for value in ("Token abc", "Bearer", "Basic !!!", "Basic YWJjZA=="):
        r = server.get("/metrics", headers={"Authorization": value})
        assert r.status == 401, value
        assert r.headers.get("www-authenticate", "").startswith("Bearer")


def test_metrics_public_switch(make_server):
    s = make_server(env={"ITALIC_METRICS_PUBLIC": "1"})
    r = s.get("/metrics")
    assert r.status == 200 and "italic_http_requests_total" in r.body


def test_health_readiness_openapi(server):
    r = server.get("/healthz")
    assert r.status == 200 and r.json() == {"status": "ok"}
    assert re.fullmatch(r"[0-9a-f]{16}", r.headers["x-request-id"])
    r = server.get("/readyz")
    assert r.status == 200 and r.json()["status"] == "ready" and r.json()["schema_version"] >= 1
    r = server.get("/openapi.yaml")
    with open(os.path.join(ROOT, "openapi.yaml"), encoding="utf-8") as f:
        assert r.status == 200 and r.body == f.read(), "served document differs from openapi.yaml"


def test_request_ids_are_unique(server):
    ids = {server.get("/healthz").headers["x-request-id"] for _ in range(20)}
    assert len(ids) == 20


def metric(body, line_prefix):
    for line in body.splitlines():
        if line.startswith(line_prefix + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_by_route_and_status(server):
    tok = server.token("reader")
    ok = 'italic_http_requests_total{method="GET",route="/healthz",status="200"}'
    nf = 'italic_http_requests_total{method="other",route="unmatched",status="404"}'
    hist = 'italic_http_request_duration_seconds_bucket{route="/healthz",le="+Inf"}'
    before = server.get("/metrics", token=tok).body
    for _ in range(3):
        server.get("/healthz")
    server.get("/nope", validate=False)
    body = server.get("/metrics", token=tok).body
    assert metric(body, ok) - metric(before, ok) == 3
    assert metric(body, nf) - metric(before, nf) == 1
    assert metric(body, hist) - metric(before, hist) == 3


def test_not_found_and_method_not_allowed(server):
    r = server.get("/v1/nothing-here", validate=False)
    assert r.status == 404 and r.headers["content-type"] == "application/problem+json"
    r = server.request("DELETE", "/healthz")
    assert r.status == 405 and "GET" in r.headers["allow"]


def test_content_length_over_limit_is_413_before_body(server):
    tok = server.token("admin")
    # Headers only, announcing 2 MiB: the answer must come without sending the body.
    raw = server.raw(("POST /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                      "Content-Length: 2097152\r\n\r\n" % tok).encode(), timeout=5)
    assert raw.startswith(b"HTTP/1.1 405") or raw.startswith(b"HTTP/1.1 413"), raw[:200]
    # On a route that takes a body (GET with body on /metrics is fine for the check).
    raw = server.raw(("GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                      "Content-Length: 1048577\r\n\r\n" % tok).encode(), timeout=5)
    assert raw.startswith(b"HTTP/1.1 413"), raw[:200]
    assert b"application/problem+json" in raw


def test_unauthenticated_large_body_gets_401_not_413(server):
    raw = server.raw(b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n", timeout=5)
    assert raw.startswith(b"HTTP/1.1 401"), raw[:100]


def test_chunked_body_over_limit_is_413(server):
    tok = server.token("admin")
    s = socket.create_connection((server.host, server.port), timeout=10)
    s.sendall(("GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Transfer-Encoding: chunked\r\n\r\n" % tok).encode())
    chunk = b"x" * 65536
    sent = 0
    try:
        while sent <= 1024 * 1024 + 65536:
            s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        s.sendall(b"0\r\n\r\n")
        data = s.recv(4096)
    finally:
        s.close()
    assert data.startswith(b"HTTP/1.1 413"), data[:100]


def test_malformed_requests(server):
    raw = server.raw(b"GARBAGE\r\n\r\n")
    # libmicrohttpd closes on a request line it cannot parse; either that or a 4xx/5xx.
    assert raw == b"" or raw.split(b" ")[1][:1] in (b"4", b"5"), raw[:80]
    raw = server.raw(b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nx-api-key: y\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 4"), raw[:80]
    big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n"
    raw = server.raw(big)
    assert raw == b"" or raw.split(b" ")[1] in (b"413", b"431", b"400"), raw[:80]
    assert server.get("/healthz").status == 200


def test_logs_are_json_and_never_contain_tokens(server):
    tok = server.token("reader")
    server.get("/metrics", token=tok)
    server.get("/metrics", token=tok + "x")
    server.get("/metrics", headers={"Authorization": "Bearer " + tok, "X-Foo": tok})
    server.stop()
    logs = server.logs()
    assert tok not in logs and tok[4:24] not in logs
    lines = [l for l in logs.splitlines() if l.strip()]
    assert lines
    for line in lines:
        obj = json.loads(line)
        assert "@timestamp" in obj and "log.level" in obj and "message" in obj, line


def test_sigterm_drains_in_flight_request(server):
    tok = server.token("reader")
    s = socket.create_connection((server.host, server.port), timeout=10)
    s.sendall(("GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Content-Length: 10\r\n\r\n12345" % tok).encode())
    time.sleep(0.2)
    server.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert server.proc.poll() is None, "exited with a request in flight"
    s.sendall(b"67890")
    data = s.recv(65536)
    s.close()
    assert data.startswith(b"HTTP/1.1 200"), data[:100]
    assert server.proc.wait(timeout=10) == 0
    # New connections are refused once draining began.
    with pytest.raises(OSError):
        socket.create_connection((server.host, server.port), timeout=1).close()


def test_sigint_exits_zero(server):
    assert server.stop(signal.SIGINT) == 0
    assert '"message":"Italic stopped."' in server.logs()


def test_serve_refuses_newer_schema(make_server):
    s = make_server()
    s.stop()
    con = sqlite3.connect(s.db)
    con.execute("INSERT INTO schema_migrations(version, name, applied_at) VALUES (9999, '9999_future.sql', 0)")
    con.commit()
    con.close()
    p = subprocess.run([BIN, "serve"], env=s.env, capture_output=True, text=True, timeout=20)
    assert p.returncode == 1
    assert "newer" in p.stderr
    p = run_cli(["migrate"], db=s.db, check=False)
    assert p.returncode == 1 and "newer" in p.stderr


def test_serve_creates_and_migrates_database(make_server):
    s = make_server()
    con = sqlite3.connect(s.db)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    mode = con.execute("PRAGMA journal_mode").fetchone()[0]
    con.close()
    assert {"schema_migrations", "tokens", "token_accounts"} <= tables
    assert mode == "wal"


def test_listen_in_use_fails_cleanly(make_server):
    a = make_server()
    b = make_server(start=False)
    b.env["ITALIC_LISTEN"] = "127.0.0.1:%d" % a.port
    p = subprocess.run([BIN, "serve"], env=b.env, capture_output=True, text=True, timeout=20)
    assert p.returncode == 1 and "cannot listen" in p.stderr


def test_tls_when_cert_and_key_are_set(make_server, tmp_path):
    import http.client
    import ssl
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    s = make_server(env={"ITALIC_TLS_CERT": cert, "ITALIC_TLS_KEY": key}, start=False)
    s.log = open(s.log_path, "ab")
    s.proc = subprocess.Popen([BIN, "serve"], env=s.env, stdout=s.log, stderr=s.log)
    ctx = ssl.create_default_context(cafile=cert)
    deadline = time.time() + 10
    while True:
        try:
            c = http.client.HTTPSConnection("127.0.0.1", s.port, context=ctx, timeout=5)
            c.request("GET", "/healthz")
            r = c.getresponse()
            assert r.status == 200 and json.loads(r.read()) == {"status": "ok"}
            c.close()
            break
        except (ConnectionRefusedError, ssl.SSLError) as e:
            if time.time() > deadline:
                raise AssertionError("no TLS answer: %s %s" % (e, s.logs()))
            time.sleep(0.05)
    # Plain HTTP on the TLS port gets no HTTP answer.
    raw = s.raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", timeout=3)
    assert not raw.startswith(b"HTTP/1.1 200")


def test_tls_needs_both_files(make_server, tmp_path):
    s = make_server(env={"ITALIC_TLS_CERT": str(tmp_path / "missing.pem")}, start=False)
    p = subprocess.run([BIN, "serve"], env=s.env, capture_output=True, text=True, timeout=20)
    assert p.returncode == 2 and "TLS" in p.stderr
