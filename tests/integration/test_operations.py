"""Running Italic the way operators do (docs/operations.md): settings checked before
anything starts, the home Region, the access log, the /metrics families, `italic
healthcheck` on every listen form, and systemd readiness over NOTIFY_SOCKET."""
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import time

import pytest

from aws_fixtures import fake_aws  # noqa: F401  (pytest fixture)
from conftest import BIN, free_port
from deliverylib import ACCOUNT, GOOD_AMI, REGION, fake_instance, images, run_instances, wait_delivered


def log_lines(server):
    return [json.loads(l) for l in server.logs().splitlines() if l.strip()]


def serve(env, *args, timeout=20):
    return subprocess.run([BIN, "serve"] + list(args), env=env, capture_output=True, text=True,
                          timeout=timeout)


# ---- settings are checked before anything starts ----

def no_credentials(fake, tmp_path, **extra):
    """AWS on, no credentials in the environment: the chain would end at the fake's IMDS."""
    return fake.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_EC2_METADATA_DISABLED=None,
                    AWS_EC2_METADATA_SERVICE_ENDPOINT=fake.url, ITALIC_AWS="auto",
                    ITALIC_DB=str(tmp_path / "italic.db"), **extra)


def test_bad_listen_exits_2_before_the_database_or_imds(fake_aws, tmp_path):
    env = no_credentials(fake_aws, tmp_path)
    for listen in ("nonsense", "127.0.0.1:99999", "127.0.0.1:0", "[::1]", "localhost", "example.com:8080"):
        p = serve(dict(env, ITALIC_LISTEN=listen))
        assert p.returncode == 2, (listen, p.returncode, p.stderr)
        assert "ITALIC_LISTEN" in p.stderr and "ADDR:PORT" in p.stderr, p.stderr
        p = serve(env, "--listen", listen)
        assert p.returncode == 2 and "--listen" in p.stderr, (listen, p.stderr)
    assert not (tmp_path / "italic.db").exists()
    assert fake_aws.requests(service="imds") == []
    # The same environment with a good address does reach the instance metadata service,
    # so the silence above is the settings check, not a fake that is never asked.
    port = free_port()
    proc = subprocess.Popen([BIN, "serve"], env=dict(env, ITALIC_LISTEN="127.0.0.1:%d" % port),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while not fake_aws.requests(service="imds") and time.time() < deadline:
            time.sleep(0.05)
        assert fake_aws.requests(service="imds")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)


def test_tls_file_that_cannot_be_read_exits_2(tmp_path):
    env = dict(os.environ, ITALIC_DB=str(tmp_path / "italic.db"), ITALIC_AWS="off",
               ITALIC_TLS_CERT=str(tmp_path / "missing-cert.pem"), ITALIC_TLS_KEY=str(tmp_path / "missing-key.pem"))
    p = serve(env)
    assert p.returncode == 2 and "ITALIC_TLS_CERT" in p.stderr, p.stderr
    assert not (tmp_path / "italic.db").exists()


# ---- the home Region ----

def test_siem_bucket_without_a_region_exits_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(ITALIC_DB=str(tmp_path / "italic.db"), ITALIC_AWS="off", ITALIC_SIEM_BUCKET="italic-logs",
               ITALIC_LISTEN="127.0.0.1:%d" % free_port())
    p = serve(env)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "ITALIC_SIEM_BUCKET" in p.stderr and "AWS_REGION" in p.stderr
    assert not (tmp_path / "italic.db").exists()


def test_siem_bucket_without_a_region_anywhere_exits_2(fake_aws, tmp_path):
    """AWS in use, no AWS_REGION, and the instance metadata has no placement either."""
    env = fake_aws.env(AWS_REGION=None, AWS_EC2_METADATA_DISABLED=None, AWS_EC2_METADATA_SERVICE_ENDPOINT=fake_aws.url,
                       ITALIC_AWS="auto", ITALIC_SIEM_BUCKET="italic-logs", ITALIC_DB=str(tmp_path / "italic.db"),
                       ITALIC_LISTEN="127.0.0.1:%d" % free_port())
    p = serve(env)
    assert p.returncode == 2 and "no home Region" in p.stderr, p.stderr
    assert [r for r in fake_aws.requests(service="imds", operation="region") if r["status"] == 404]


def test_bad_region_name_exits_2(tmp_path):
    env = dict(os.environ, ITALIC_DB=str(tmp_path / "italic.db"), ITALIC_AWS="off", AWS_REGION="Mars")
    p = serve(env)
    assert p.returncode == 2 and "Region" in p.stderr, p.stderr


def test_home_region_is_logged(make_server):
    srv = make_server(env={"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"})
    srv.stop()
    lines = [l for l in log_lines(srv) if l["message"] == "The home Region is set."]
    assert lines and lines[0]["cloud.region"] == "eu-west-1" and lines[0]["italic.region_source"] == "AWS_REGION"


def test_home_region_from_instance_metadata_is_where_the_siem_log_goes(make_server, fake_aws):
    fake_aws.control("imds", {"region": "eu-west-3"})
    fake_aws.control("images", images())
    fake_aws.control("instances", [fake_instance("i-0000000000000aaa1", GOOD_AMI)])
    srv = make_server(env=fake_aws.env(ITALIC_AWS="auto", ITALIC_MEMBER_ROLE="ItalicMember",
                                       ITALIC_SWEEP_INTERVAL="0", ITALIC_CONFIG_REPORT="off",
                                       ITALIC_SIEM_BUCKET="italic-logs", ITALIC_SIEM_FLUSH_SECONDS="1",
                                       AWS_EC2_METADATA_SERVICE_ENDPOINT=fake_aws.url), start=False)
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EC2_METADATA_DISABLED"):
        srv.env.pop(var, None)
    rules = os.path.join(srv.dir, "rules.json")
    with open(rules, "w") as f:
        json.dump({"rules": [{"id": "golden", "criteria": {"owners": ["amazon"]}}]}, f)
    srv.cli("rules", "import", rules)
    srv.start()
    lines = [l for l in log_lines(srv) if l["message"] == "The home Region is set."]
    assert lines and lines[0]["cloud.region"] == "eu-west-3" and lines[0]["italic.region_source"] == "instance metadata"
    assert srv.request("POST", "/v1/events", token=srv.token("ingest"), body=run_instances(
        account=ACCOUNT, region=REGION, instance_id="i-0000000000000aaa1", image_id=GOOD_AMI)).status == 202
    wait_delivered(srv.db, "siem", 1)
    puts = [r for r in fake_aws.requests("s3", "PutObject") if r["status"] == 200]
    assert puts and all(p["region"] == "eu-west-3" for p in puts), [p["region"] for p in puts]


# ---- the access log ----

def test_one_access_log_line_per_request(make_server):
    srv = make_server(env={"ITALIC_LOG_LEVEL": "info"})
    tok = srv.token("reader", name="dash")
    token_id = [l for l in srv.cli("token", "list").stdout.splitlines() if "dash" in l][0].split()[0]
    assert srv.get("/v1/rules", token=tok).status == 200
    assert srv.get("/v1/rules/nope", token=tok).status == 404
    assert srv.request("DELETE", "/v1/events", token=tok).status == 405
    assert srv.get("/healthz?secret=query-value").status == 200
    assert srv.get("/v1/rules", token="itk_" + "x" * 43).status == 401
    srv.stop()
    text = srv.logs()
    assert tok not in text and "query-value" not in text
    access = [l for l in log_lines(srv) if l.get("event.dataset") == "italic.access"]
    routes = [(l["http.request.method"], l["italic.route"], l["http.response.status_code"]) for l in access]
    assert ("GET", "/v1/rules", 200) in routes and ("GET", "/v1/rules/{id}", 404) in routes
    assert ("DELETE", "/v1/events", 405) in routes and ("GET", "/healthz", 200) in routes
    assert ("GET", "/v1/rules", 401) in routes
    for l in access:
        # 5xx at warn: /readyz answers 503 while the test waits for the start.
        assert l["log.level"] == ("warn" if l["http.response.status_code"] >= 500 else "info"), l
        assert re.fullmatch(r"[0-9a-f]{16,64}", l["http.request.id"]), l
        assert isinstance(l["http.response.status_code"], int)
        assert isinstance(l["event.duration"], int) and l["event.duration"] > 0
        assert isinstance(l["http.response.body.bytes"], int) and l["http.response.body.bytes"] > 0
    ok = [l for l in access if l["italic.route"] == "/v1/rules" and l["http.response.status_code"] == 200][0]
    assert ok["user.id"] == token_id
    assert [l for l in access if l["http.response.status_code"] == 401][0]["user.id"] is None


# ---- /metrics ----

def metric_value(body, series):
    for line in body.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return None


def test_metrics_families_are_declared_and_complete(make_server):
    srv = make_server()
    tok = srv.token("reader")
    assert srv.request("DELETE", "/v1/events", token=tok).status == 405
    assert srv.request("PATCH", "/v1/rules", token=tok).status == 405
    body = srv.get("/metrics", token=tok).body
    assert metric_value(body, 'italic_http_requests_total{method="DELETE",route="/v1/events",status="405"}') == 1
    assert metric_value(body, 'italic_http_requests_total{method="PATCH",route="/v1/rules",status="405"}') == 1
    for name in ("process_start_time_seconds", "process_resident_memory_bytes", "process_cpu_seconds_total",
                 "process_open_fds"):
        assert "# TYPE %s " % name in body, name
        assert metric_value(body, name) > 0, name
    assert abs(metric_value(body, "process_start_time_seconds") - time.time()) < 120
    m = re.search(r'^italic_build_info\{version="(\d+\.\d+\.\d+)",commit="([0-9a-f]{7,40}(-dirty)?|unknown)"\} 1$',
                  body, re.M)
    assert m, [l for l in body.splitlines() if "build_info" in l]
    assert m.group(1) in subprocess.run([BIN, "version"], capture_output=True, text=True).stdout
    assert metric_value(body, "italic_metrics_refused_total") == 0
    # Every series belongs to a family with HELP and TYPE (promtool checks the rest in scripts/test).
    typed = set(re.findall(r"^# TYPE (\S+) ", body, re.M))
    helped = set(re.findall(r"^# HELP (\S+) ", body, re.M))
    for line in body.splitlines():
        if line and not line.startswith("#"):
            name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
            family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in typed else name
            assert family in typed and family in helped, line


def test_event_handoff_is_declared(make_server):
    srv = make_server()
    srv.token("admin")
    assert srv.request("POST", "/v1/events", token=srv.token("ingest"),
                       body=run_instances(instance_id="i-0000000000000bbb1")).status == 202
    tok = srv.token("reader")
    deadline = time.time() + 15
    while time.time() < deadline:
        body = srv.get("/metrics", token=tok).body
        if "italic_event_handoff_total{" in body:
            break
        time.sleep(0.1)
    assert "# HELP italic_event_handoff_total " in body and "# TYPE italic_event_handoff_total counter" in body


# ---- italic healthcheck ----

def healthcheck(env, *args):
    return subprocess.run([BIN, "healthcheck"] + list(args), env=env, capture_output=True, text=True, timeout=20)


def own_address(family):
    """A non-loopback address of this machine in family, or None."""
    probe = ("192.0.2.1", 9) if family == socket.AF_INET else ("2001:db8::1", 9)
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.connect(probe)
            addr = s.getsockname()[0]
    except OSError:
        return None
    return None if addr.startswith("127.") or addr in ("::1", "0.0.0.0", "::") or addr.startswith("fe80") else addr


@pytest.mark.parametrize("kind", ["loopback", "ipv6", "non-loopback", "wildcard", "non-loopback-ipv6"])
def test_healthcheck_reads_the_same_listen_setting(make_server, kind):
    port = free_port()
    host = {"loopback": "127.0.0.1", "ipv6": "::1", "wildcard": "0.0.0.0",
            "non-loopback": own_address(socket.AF_INET), "non-loopback-ipv6": own_address(socket.AF_INET6)}[kind]
    if host is None:
        pytest.skip("this machine has no non-loopback address of that family")
    listen = "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)
    srv = make_server(env={"ITALIC_LISTEN": listen}, start=False)
    srv.port = port
    srv.host = "::1" if kind == "ipv6" else ("127.0.0.1" if kind == "wildcard" else host)
    srv.start()
    p = healthcheck(srv.env)
    assert p.returncode == 0, p.stderr
    assert healthcheck(srv.env, "--ready").returncode == 0
    srv.stop()
    p = healthcheck(srv.env)
    assert p.returncode == 1 and "no answer" in p.stderr, p.stderr


def test_healthcheck_over_tls(make_server, tmp_path):
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=italic.example.com"], check=True, capture_output=True)
    srv = make_server(env={"ITALIC_TLS_CERT": cert, "ITALIC_TLS_KEY": key}, start=False)
    srv.log = open(srv.log_path, "ab")
    srv.proc = subprocess.Popen([BIN, "serve"], env=srv.env, stdout=srv.log, stderr=srv.log)
    deadline = time.time() + 20
    while time.time() < deadline:
        if healthcheck(srv.env).returncode == 0:
            break
        time.sleep(0.1)
    assert healthcheck(srv.env).returncode == 0
    # Plain HTTP against the TLS listener is not healthy: the check really speaks TLS.
    plain = dict(srv.env)
    del plain["ITALIC_TLS_CERT"], plain["ITALIC_TLS_KEY"]
    assert healthcheck(plain).returncode == 1
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as raw:
        with ctx.wrap_socket(raw) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert s.recv(100).startswith(b"HTTP/1.1 200")


def test_healthcheck_usage_errors_exit_2():
    env = dict(os.environ, ITALIC_LISTEN="nonsense")
    assert healthcheck(env).returncode == 2
    assert healthcheck(dict(os.environ), "--frobnicate").returncode == 2


# ---- systemd readiness ----

def test_ready_sent_after_migrations_and_stopping_on_sigterm(make_server):
    name = "@italic-test-notify-%d" % os.getpid()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name[1:])
    sock.settimeout(20)
    srv = make_server(env={"NOTIFY_SOCKET": name}, start=False)
    try:
        srv.start(wait=False)
        msg = sock.recv(4096).decode()
        assert msg.startswith("READY=1\n") and "STATUS=Serving on 127.0.0.1:%d" % srv.port in msg, msg
        # Ready means migrated and listening: /readyz answers 200 at once.
        assert srv.get("/readyz").status == 200
        srv.proc.send_signal(signal.SIGTERM)
        msg = sock.recv(4096).decode()
        assert msg.startswith("STOPPING=1"), msg
        assert srv.proc.wait(timeout=15) == 0
    finally:
        sock.close()


# ---- openapi.yaml: X-Request-Id, 405 and 503 everywhere they happen ----

def test_openapi_documents_request_id_405_and_503_everywhere():
    import openapi_check
    doc = openapi_check.document()
    assert doc["components"]["headers"]["RequestId"].get("required") is True
    for name, resp in doc["components"]["responses"].items():
        assert "X-Request-Id" in (resp.get("headers") or {}), name
    ops = 0
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in openapi_check.METHODS:
                continue
            ops += 1
            responses = op["responses"]
            # Every route answers 405 to other methods, and 503 when the database (or the
            # token store behind authentication) fails.
            assert "405" in responses and "503" in responses, (method, path)
            for status, resp in responses.items():
                resp = openapi_check._resolve(resp)
                assert "X-Request-Id" in (resp.get("headers") or {}), (method, path, status)
    assert ops >= 20


def test_openapi_check_requires_the_request_id(server):
    import openapi_check
    ok = '{"status":"ok"}'
    openapi_check.validate("GET", "/healthz", 200, "application/json", ok, headers={"x-request-id": "0123456789abcdef"})
    with pytest.raises(AssertionError):
        openapi_check.validate("GET", "/healthz", 200, "application/json", ok, headers={})
    with pytest.raises(AssertionError):
        openapi_check.validate("GET", "/healthz", 200, "application/json", ok, headers={"x-request-id": "nope"})
    # Live: a 405 on the delivery and sweep routes carries the header and a problem body
    # (conftest validates each against openapi.yaml, headers included).
    tok = server.token("admin")
    for path in ("/v1/deliveries", "/v1/sweeps"):
        r = server.request("POST", path, token=tok, body={})
        assert r.status == 405 and r.headers["allow"] == "GET, HEAD", (path, r)
        assert re.fullmatch(r"[0-9a-f]{16}", r.headers["x-request-id"])
