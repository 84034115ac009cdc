"""aws_fixtures.py: shared pytest fixtures for anything that talks to the fake AWS.

Import what you need in a test module:

    from aws_fixtures import fake_aws, probe  # noqa: F401  (pytest fixtures)

fake_aws  starts tests/fake_aws/fake_aws.py on a free 127.0.0.1 port for one test and
          returns a FakeAws handle: .port, .url, .control(name, data), .requests(),
          .state(), and .env(**extra) (an environment pointing every AWS_* setting at
          the fake, with the fake's default keys and IMDS disabled).
probe     runs the aws_probe binary: probe(args, env) -> (exit code, [JSON lines]).

The paths come from ITALIC_FAKE_AWS and ITALIC_AWS_PROBE (set by meson), with
repository-relative fallbacks for running pytest by hand.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.environ.get("ITALIC_FAKE_AWS", os.path.join(HERE, "..", "fake_aws", "fake_aws.py"))
PROBE = os.environ.get("ITALIC_AWS_PROBE", os.path.join(HERE, "..", "..", "build", "tests", "aws_probe"))
DEFAULT_AKID = "AKIDEXAMPLE"
DEFAULT_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
CENTRAL = "999999999999"


class FakeAws:
    def __init__(self, proc, port):
        self.proc = proc
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def _call(self, method, name, data=None):
        body = None if data is None else json.dumps(data).encode()
        req = urllib.request.Request(f"{self.url}/__control/{name}", data=body, method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def control(self, name, data):
        return self._call("POST", name, data)

    def requests(self, service=None, operation=None):
        out = self._call("GET", "requests")
        return [r for r in out
                if (service is None or r.get("service") == service)
                and (operation is None or r.get("operation") == operation)]

    def state(self):
        return self._call("GET", "state")

    def objects(self):
        """{"bucket/key": bytes} of every S3 object the fake stored."""
        import base64
        return {k: base64.b64decode(v) for k, v in self._call("GET", "objects").items()}

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "AWS_ACCESS_KEY_ID": DEFAULT_AKID,
            "AWS_SECRET_ACCESS_KEY": DEFAULT_SECRET,
            "AWS_ENDPOINT_URL": self.url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_REGION": "us-east-1",
            "HOME": tempfile.gettempdir() + "/italic-no-home",
        })
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env


@pytest.fixture
def fake_aws():
    with tempfile.TemporaryDirectory() as tmp:
        port_file = os.path.join(tmp, "port")
        proc = subprocess.Popen(["/usr/bin/python3", FAKE, "--port-file", port_file],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 15
        while not os.path.exists(port_file):
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError("fake_aws did not start: " + proc.stderr.read().decode())
            time.sleep(0.05)
        with open(port_file) as f:
            port = int(f.read())
        fake = FakeAws(proc, port)
        try:
            yield fake
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()


def run_probe(args, env, timeout=60):
    p = subprocess.run([PROBE] + list(args), env=env, capture_output=True, text=True,
                       timeout=timeout)
    lines = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    if p.returncode not in (0, 1):
        sys.stderr.write(p.stderr)
    return p.returncode, lines


@pytest.fixture
def probe():
    assert os.access(PROBE, os.X_OK), f"aws_probe not built at {PROBE}"
    return run_probe
