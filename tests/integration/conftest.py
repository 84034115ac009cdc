"""Fixtures for integration tests: the real italic binary, a fresh SQLite file, a free
port, real HTTP. Every test gets its own server unless it asks for a shared one.

Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/integration
ITALIC_BIN points at the binary (meson sets it; default build/service/italic).
"""
import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import time

import pytest

import openapi_check

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ITALIC_BIN", os.path.join(ROOT, "build", "service", "italic"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(args, db=None, env=None, input=None, check=True):
    e = dict(os.environ)
    e.pop("ITALIC_DB", None)
    if env:
        e.update(env)
    cmd = [BIN] + list(args)
    if db:
        cmd += ["--db", db]
    p = subprocess.run(cmd, env=e, input=input, capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise AssertionError("%s failed (%d): %s" % (cmd, p.returncode, p.stderr))
    return p


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


class Server:
    """A running `italic serve` on a fresh database."""

    def __init__(self, tmpdir, env=None, args=None):
        self.dir = tmpdir
        self.db = os.path.join(tmpdir, "italic.db")
        self.port = free_port()
        self.host = "127.0.0.1"
        self.env = dict(os.environ)
        self.env.update({"ITALIC_DB": self.db, "ITALIC_LISTEN": "127.0.0.1:%d" % self.port,
                         "ITALIC_LOG_LEVEL": "debug", "ITALIC_AWS": "off"})
        if env:
            self.env.update(env)
        self.args = args or []
        self.log_path = os.path.join(tmpdir, "italic.log")
        self.proc = None
        self._tokens = {}

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([BIN, "serve"] + self.args, env=self.env,
                                     stdout=self.log, stderr=self.log)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=20):
        # /readyz, not /healthz: the listener answers before every worker has started.
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("italic exited %d: %s" % (self.proc.returncode, self.logs()))
            try:
                if self.request("GET", "/readyz", validate=False).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise AssertionError("italic did not become healthy: " + self.logs())

    def logs(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("italic did not stop on %s" % sig)
        if self.proc:
            self.log.close()
        return self.proc.returncode if self.proc else None

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def cli(self, *args, check=True, input=None):
        return run_cli(list(args), db=self.db, env={"ITALIC_DB": self.db}, check=check, input=input)

    def token(self, role, name=None, accounts=()):
        key = (role, name, tuple(accounts))
        if key not in self._tokens:
            args = ["token", "create", "--role", role]
            if name:
                args += ["--name", name]
            for a in accounts:
                args += ["--account", a]
            self._tokens[key] = self.cli(*args).stdout.strip()
        return self._tokens[key]

    def request(self, method, path, body=None, token=None, headers=None, auth="bearer", timeout=30,
                validate=True):
        """One HTTP request. Every answer is checked against openapi.yaml unless
        validate=False (for tests that send deliberately raw or undocumented input)."""
        h = {}
        if token is not None:
            if auth == "bearer":
                h["Authorization"] = "Bearer " + token
            elif auth == "x-api-key":
                h["x-api-key"] = token
            elif auth == "basic":
                h["Authorization"] = "Basic " + base64.b64encode(("eventbridge:" + token).encode()).decode()
        if headers:
            h.update(headers)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        c = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            resp = Response(r.status, r.getheaders(), data.decode("utf-8", "replace"))
        finally:
            c.close()
        if validate:
            openapi_check.validate(method, path, resp.status, resp.headers.get("content-type"), resp.body,
                                   headers=resp.headers)
        return resp

    def get(self, path, token=None, **kw):
        return self.request("GET", path, token=token, **kw)

    def raw(self, data, timeout=10):
        """Sends raw bytes and returns the raw answer (for malformed requests)."""
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        try:
            s.sendall(data)
            chunks = []
            while True:
                try:
                    b = s.recv(65536)
                except socket.timeout:
                    break
                if not b:
                    break
                chunks.append(b)
            return b"".join(chunks)
        finally:
            s.close()


@pytest.fixture
def make_server(tmp_path):
    servers = []

    def make(env=None, args=None, start=True, directory=None):
        d = directory or tempfile.mkdtemp(dir=str(tmp_path))
        s = Server(d, env=env, args=args)
        servers.append(s)
        if start:
            s.start()
        return s

    yield make
    for s in servers:
        try:
            s.stop()
        except AssertionError:
            pass
    for s in servers:
        check_log_lines(s.logs())


def check_log_lines(text):
    """Every line a server wrote follows the log contract (lib/log.h, docs/operations.md):
    one JSON object with the ECS base fields, and a message that is a sentence."""
    for line in text.splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        for key in ("@timestamp", "log.level", "message", "ecs.version"):
            assert key in obj, "log line without %s: %s" % (key, line)
        msg = obj["message"]
        assert msg and not msg[0].islower() and msg.rstrip()[-1] in ".!?", \
            "log message is not a sentence (capital first, full stop last): %s" % line
        for key in obj:
            assert key in ECS_BASE or key in ECS_FIELDS or key.startswith("italic."), \
                "log field outside the schema: %s in %s" % (key, line)


# The ECS fields lib/log.c may write; anything else is under "italic.".
ECS_BASE = {"@timestamp", "log.level", "message", "ecs.version", "http.request.id"}
ECS_FIELDS = {"cloud.account.id", "cloud.region", "error.code", "error.message", "event.dataset",
              "event.duration", "event.reason", "file.path", "http.request.method",
              "http.response.body.bytes", "http.response.status_code", "process.pid",
              "server.address", "service.version", "user.id", "user.name"}


@pytest.fixture
def server(make_server):
    return make_server()
