"""webhooklib.py: a loopback webhook receiver for the alert tests.

    from webhooklib import webhook  # noqa: F401  (pytest fixture)

webhook  starts a receiver on a free 127.0.0.1 port for one test and returns a
         Receiver: .url, .secret, .requests (every POST received, oldest first, each
         {"headers", "body" (bytes), "json", "signature_ok", "timestamp_ok",
         "received_at", "status"}), .answer(status, body=b"", headers=None, times=1)
         to script the next answers (200 "ok" when nothing is scripted), and
         .wait(count, timeout) for at least count requests.

The receiver checks each request the way a real one would: X-Italic-Signature must be
"sha256=" and the hex HMAC-SHA256 of "<X-Italic-Timestamp>.<body>" keyed with the
secret, compared in constant time, and the timestamp must lie within WINDOW seconds of
the receiver's clock. It records the outcome instead of refusing, so tests can assert
on both.
"""
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SECRET = "whsec-test-0123456789abcdef"
WINDOW = 300


def signature(secret, timestamp, body):
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class Receiver:
    def __init__(self, secret=SECRET):
        self.secret = secret
        self.requests = []
        self.script = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                receiver.record(self, body)

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.srv.daemon_threads = True
        self.port = self.srv.server_address[1]
        self.url = "http://127.0.0.1:%d/hooks/italic-abc123" % self.port
        self.thread = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, status, body=b"", headers=None, times=1):
        with self.lock:
            for _ in range(times):
                self.script.append((status, body, headers or {}))

    def record(self, handler, body):
        headers = {k: v for k, v in handler.headers.items()}
        ts = headers.get("X-Italic-Timestamp", "")
        sig = headers.get("X-Italic-Signature", "")
        sig_ok = bool(ts) and hmac.compare_digest(signature(self.secret, ts, body), sig)
        ts_ok = ts.isdigit() and abs(time.time() - int(ts)) <= WINDOW
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        with self.lock:
            status, out, extra = self.script.pop(0) if self.script else (200, b"ok", {})
            self.requests.append({"headers": headers, "body": body, "json": doc, "signature_ok": sig_ok,
                                  "timestamp_ok": ts_ok, "received_at": time.time(), "status": status,
                                  "path": handler.path})
        handler.send_response(status)
        for k, v in extra.items():
            handler.send_header(k, v)
        handler.send_header("Content-Length", str(len(out)))
        handler.end_headers()
        handler.wfile.write(out)

    def wait(self, count, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.05)
        raise AssertionError("webhook got %d of %d requests" % (len(self.requests), count))

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture
def webhook():
    r = Receiver()
    try:
        yield r
    finally:
        r.stop()
