"""deploy/nginx-italic.conf: nginx accepts it (`nginx -t`), and a batch posted over TLS
to nginx reaches Italic behind it and is answered with its per-item results."""
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONF = os.path.join(ROOT, "deploy", "nginx-italic.conf")
BIN = os.environ.get("ITALIC_BIN", os.path.join(ROOT, "build", "service", "italic"))
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site(tmp, tls_port, upstream_port):
    """The example with this test's certificate and ports, inside a minimal nginx.conf."""
    crt, key = os.path.join(tmp, "c.pem"), os.path.join(tmp, "k.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", crt, "-days", "1", "-subj", "/CN=localhost"], check=True,
                   capture_output=True)
    text = open(CONF).read()
    text = (text.replace("/etc/italic/tls/fullchain.pem", crt).replace("/etc/italic/tls/privkey.pem", key)
            .replace("listen 443 ssl;", "listen 127.0.0.1:%d ssl;" % tls_port).replace("listen [::]:443 ssl;", "")
            .replace("server 127.0.0.1:8080;", "server 127.0.0.1:%d;" % upstream_port))
    main = os.path.join(tmp, "nginx.conf")
    with open(main, "w") as f:
        f.write("pid %s/nginx.pid;\nerror_log %s/error.log;\nevents {}\nhttp {\naccess_log off;\n%s\n}\n"
                % (tmp, tmp, text))
    return main


@pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is not installed (scripts/install-deps)")
def test_nginx_example_is_valid_and_serves_a_batch():
    tmp = tempfile.mkdtemp()
    tls_port, up = free_port(), free_port()
    main = site(tmp, tls_port, up)
    p = subprocess.run([NGINX, "-t", "-c", main, "-p", tmp], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    db = os.path.join(tmp, "italic.db")
    env = dict(os.environ, ITALIC_DB=db, ITALIC_LISTEN="127.0.0.1:%d" % up, ITALIC_AWS="off", ITALIC_LOG_LEVEL="warn")
    subprocess.run([BIN, "migrate", "--db", db], env=env, check=True, capture_output=True)
    tok = subprocess.run([BIN, "token", "create", "--role", "ingest", "--db", db], env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    italic = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([NGINX, "-c", main, "-p", tmp], check=True)
    try:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with open(os.path.join(ROOT, "tests", "fixtures", "batches", "raw.json"), "rb") as f:
            body = f.read()
        deadline, r = time.time() + 10, None
        while time.time() < deadline:
            try:
                req = urllib.request.Request("https://127.0.0.1:%d/v1/events" % tls_port, data=body, method="POST",
                                             headers={"Authorization": "Bearer " + tok,
                                                      "Content-Type": "application/eventbridge+json",
                                                      "Connection": "close"})
                r = urllib.request.urlopen(req, context=ctx, timeout=10)
                break
            except OSError:
                time.sleep(0.1)
        assert r is not None and r.status == 200
        got = json.loads(r.read())
        assert got["rejected"] == 0 and got["accepted"] + got["ignored"] == len(json.loads(body)), got
    finally:
        try:
            with open(os.path.join(tmp, "nginx.pid")) as f:
                os.kill(int(f.read()), signal.SIGQUIT)
        except OSError:
            pass
        italic.terminate()
        italic.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)
