#!/usr/bin/python3
"""TLS and batch benchmark for Italic (issue 14 §5 and §8). One command:

    bench/tls_bench.py [--seconds 5] [--runs 3] [--bin PATH] [--out FILE.json] [--md FILE.md]

All in one run on this machine, wrk on the same cores, every figure the median of --runs
runs, references measured beside the figures they are compared with:

  - the TLS handshake rate (GET /healthz, Connection: close) of nginx from Debian with the
    same self-signed P-256 certificate (session tickets on, its default; and off), of
    Italic serving TLS itself (P-256; RSA-2048; the priority string before issue 14,
    which made GnuTLS answer X25519 key shares with a HelloRetryRequest), and of Italic
    behind nginx terminating TLS (the documented production topology, docs/operations.md);
  - POST /v1/events over TLS with Connection: close, single events and batches of 10 and
    100 (a JSON array, as the Custom Event Bus delivers), with Italic serving TLS and
    behind nginx; the same with keep-alive; bodies are a real CloudTrail RunInstances
    event (5 KB) and an EC2 state-change event (0.3 KB), fresh ids in every item;
  - the acknowledgement latency of 100-event batches paced at about half of the
    10,000 events/s target, over TLS with Connection: close.

Each events run is a fresh server on a fresh database (ITALIC_AWS=off): the server
evaluates what it accepts during the run, so the run also reports how many verdicts
were written in it, and a backlog left by one run does not slow the next. Prints JSON;
--md writes the RESULTS.md section.
"""
import argparse
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import ssl

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ingest_bench  # noqa: E402  (build, Server, wrk, free_port)

# The default priority string before issue 14 (lib/config.h), for the HelloRetryRequest
# comparison.
OLD_PRIORITIES = ("SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:"
                  "-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:%SERVER_PRECEDENCE")
CONNS = 32
PACED_CONNS = 12   # each pausing 200 ms after its answer: at most 6,000 events/s of 100-event batches


def certs(work):
    out = {}
    for name, newkey in (("p256", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                         ("rsa", ["-newkey", "rsa:2048"])):
        crt, key = os.path.join(work, name + ".crt"), os.path.join(work, name + ".key")
        subprocess.run(["openssl", "req", "-x509"] + newkey + ["-nodes", "-keyout", key, "-out", crt, "-days", "2",
                        "-subj", "/CN=localhost"], check=True, capture_output=True)
        out[name] = (crt, key)
    return out


NGINX_CONF = """
worker_processes auto;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  ssl_certificate {crt};
  ssl_certificate_key {key};
  ssl_protocols TLSv1.2 TLSv1.3;
  # nginx's own defaults otherwise: session tickets on
  server {{
    listen 127.0.0.1:{p_healthz} ssl;
    location /healthz {{ return 200 '{{"status":"ok"}}\\n'; }}
  }}
  server {{
    listen 127.0.0.1:{p_healthz_nt} ssl;
    ssl_session_tickets off;
    location /healthz {{ return 200 '{{"status":"ok"}}\\n'; }}
  }}
  # the production topology: TLS ends here, Italic serves plain HTTP on loopback
  # (deploy/nginx-italic.conf is the commented version)
  upstream italic {{ server 127.0.0.1:{p_upstream}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{p_proxy} ssl;
    client_max_body_size 32m;
    client_body_buffer_size 1m;
    location / {{
      proxy_pass http://italic;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_buffering off;
    }}
  }}
}}
"""


class Nginx:
    def __init__(self, work, crt, key):
        self.work = work
        self.ports = {k: ingest_bench.free_port() for k in ("p_healthz", "p_healthz_nt", "p_upstream", "p_proxy")}
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(work=work, crt=crt, key=key, **self.ports))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        subprocess.run([nginx, "-c", conf, "-p", work], check=True)
        self.pidfile = os.path.join(work, "nginx.pid")
        deadline = time.time() + 10
        while not os.path.exists(self.pidfile) and time.time() < deadline:
            time.sleep(0.05)

    def stop(self):
        try:
            with open(self.pidfile) as f:
                os.kill(int(f.read()), signal.SIGQUIT)
        except (OSError, ValueError):
            pass


class Italic:
    """A fresh `italic serve` on a fixed port (so nginx's upstream stays), fresh database."""

    def __init__(self, binary, work, port, tls=None, priorities=None):
        self.binary, self.work, self.port = binary, work, port
        self.tls, self.priorities = tls, priorities
        self.proc = None

    def start(self):
        d = tempfile.mkdtemp(dir=self.work)
        self.db = os.path.join(d, "italic.db")
        env = dict(os.environ, ITALIC_DB=self.db, ITALIC_LISTEN="127.0.0.1:%d" % self.port, ITALIC_AWS="off",
                   ITALIC_LOG_LEVEL="warn", ITALIC_INBOX_MAX="100000000", ITALIC_METRICS_PUBLIC="1")
        if self.tls:
            env.update(ITALIC_TLS_CERT=self.tls[0], ITALIC_TLS_KEY=self.tls[1])
        if self.priorities:
            env["ITALIC_TLS_PRIORITIES"] = self.priorities
        subprocess.run([self.binary, "migrate", "--db", self.db], env=env, check=True, capture_output=True)
        self.token = subprocess.run([self.binary, "token", "create", "--role", "ingest", "--db", self.db], env=env,
                                    check=True, capture_output=True, text=True).stdout.strip()
        self.log = open(os.path.join(d, "server.log"), "ab")
        self.proc = subprocess.Popen([self.binary, "serve"], env=env, stdout=self.log, stderr=self.log)
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        url = ("https" if self.tls else "http") + "://127.0.0.1:%d/readyz" % self.port
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=1, context=ctx if self.tls else None) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("italic did not start")

    def stop(self):
        # SIGKILL: the run's backlog is thrown away with its database.
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.log.close()
            self.proc = None

    def verdicts(self):
        con = sqlite3.connect(self.db, timeout=30)
        try:
            return con.execute("SELECT count(*) FROM evaluations").fetchone()[0]
        finally:
            con.close()


def median_of(runs, fn):
    results = [fn() for _ in range(runs)]
    results.sort(key=lambda r: r["rps"])
    mid = dict(results[len(results) // 2])
    mid["runs_rps"] = [round(r["rps"]) for r in results]
    return mid


def healthz(url, seconds, close=True):
    return ingest_bench.wrk(url, "get.lua", seconds, CONNS, env={"CLOSE": "1"} if close else None)


def events_run(italic, url, seconds, tmpl, batch, close):
    """One run on a fresh server: accepted events/s, verdicts written during the run."""
    italic.start()
    try:
        env = {"EVENT_TEMPLATE": tmpl, "TOKEN": italic.token}
        if close:
            env["CLOSE"] = "1"
        if batch == 0:
            r = ingest_bench.wrk(url + "/v1/events", "events.lua", seconds, CONNS, env=env)
            items = 1
        else:
            env["BATCH"] = str(batch)
            r = ingest_bench.wrk(url + "/v1/events", "batch.lua", seconds, CONNS, env=env)
            items = batch
        r["events_per_s"] = r["accepted"] * items / r["seconds"]
        r["verdicts_per_s"] = italic.verdicts() / r["seconds"]
        r["rps"] = r["events_per_s"]
        return r
    finally:
        italic.stop()


def paced_run(italic, url, seconds, tmpl, conns, delay_ms):
    italic.start()
    try:
        env = {"EVENT_TEMPLATE": tmpl, "TOKEN": italic.token, "BATCH": "100", "CLOSE": "1", "DELAY_MS": str(delay_ms)}
        r = ingest_bench.wrk(url + "/v1/events", "batch.lua", seconds, conns, env=env)
        r["events_per_s"] = r["accepted"] * 100 / r["seconds"]
        r["rps"] = r["events_per_s"]
        return r
    finally:
        italic.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin")
    ap.add_argument("--out")
    ap.add_argument("--md")
    args = ap.parse_args()
    for tool in ("wrk", "openssl"):
        if not shutil.which(tool):
            sys.exit("%s is not installed (scripts/install-deps)" % tool)
    if not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        sys.exit("nginx is not installed (scripts/install-deps)")
    binary = args.bin or ingest_bench.build()
    work = tempfile.mkdtemp(prefix="italic-tls-bench-")
    runs, secs = args.runs, args.seconds
    tmpl_ri = os.path.join(HERE, "wrk", "runinstances.json.tmpl")
    tmpl_sc = os.path.join(HERE, "wrk", "statechange.json.tmpl")
    out = {"seconds_per_run": secs, "runs": runs, "connections": CONNS, "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    c = certs(work)
    ngx = Nginx(work, *c["p256"])
    tls_port = ingest_bench.free_port()
    direct = Italic(binary, work, tls_port, tls=c["p256"])
    behind = Italic(binary, work, ngx.ports["p_upstream"])
    d_url = "https://127.0.0.1:%d" % tls_port
    p_url = "https://127.0.0.1:%d" % ngx.ports["p_proxy"]
    try:
        with open(os.path.join(work, "load.txt"), "w") as f:
            f.write(open("/proc/loadavg").read())
        out["load_before"] = open("/proc/loadavg").read().split()[:3]
        # -- handshakes: nginx, Italic and its variants, interleaved so that load changes hit all
        hz = {k: [] for k in ("nginx", "nginx_no_tickets", "italic_p256", "italic_rsa", "italic_old_priorities",
                              "italic_behind_nginx")}
        variants = {"italic_p256": Italic(binary, work, tls_port, tls=c["p256"]),
                    "italic_rsa": Italic(binary, work, tls_port, tls=c["rsa"]),
                    "italic_old_priorities": Italic(binary, work, tls_port, tls=c["p256"], priorities=OLD_PRIORITIES)}
        for _ in range(runs):
            hz["nginx"].append(healthz("https://127.0.0.1:%d/healthz" % ngx.ports["p_healthz"], secs))
            hz["nginx_no_tickets"].append(healthz("https://127.0.0.1:%d/healthz" % ngx.ports["p_healthz_nt"], secs))
            for name, it in variants.items():
                it.start()
                try:
                    hz[name].append(healthz(d_url + "/healthz", secs))
                finally:
                    it.stop()
            behind.start()
            try:
                hz["italic_behind_nginx"].append(healthz(p_url + "/healthz", secs))
            finally:
                behind.stop()
        out["healthz_tls_close"] = {}
        for k, rs in hz.items():
            rs.sort(key=lambda r: r["rps"])
            m = dict(rs[len(rs) // 2])
            m["runs_rps"] = [round(r["rps"]) for r in rs]
            out["healthz_tls_close"][k] = m
        ref = out["healthz_tls_close"]["nginx"]["rps"]
        out["ratio_italic_healthz_to_nginx"] = out["healthz_tls_close"]["italic_p256"]["rps"] / ref
        out["ratio_behind_nginx_healthz_to_nginx"] = out["healthz_tls_close"]["italic_behind_nginx"]["rps"] / ref

        # -- events over TLS
        ev = out["events"] = {}
        for topo, it, url in (("direct", direct, d_url), ("behind_nginx", behind, p_url)):
            for close in (True, False):
                for body, tmpl in (("runinstances", tmpl_ri), ("statechange", tmpl_sc)):
                    for batch in (0, 10, 100):
                        if not close and body == "statechange":
                            continue
                        key = "%s_%s_%s_%s" % (topo, "close" if close else "keepalive", body,
                                               "single" if batch == 0 else "batch%d" % batch)
                        print("tls_bench: " + key, file=sys.stderr)
                        ev[key] = median_of(runs, lambda: events_run(it, url, secs, tmpl, batch, close))
                        ev[key].update(topology=topo.replace("_", " "), connection="close" if close else "keep-alive",
                                       body=body, per_request="1 event" if batch == 0 else "batch of %d" % batch)
            # reference measured beside: nginx's handshake rate right after this topology's runs
            out["nginx_healthz_after_" + topo] = median_of(
                runs, lambda: healthz("https://127.0.0.1:%d/healthz" % ngx.ports["p_healthz"], secs))
        # -- acknowledgement latency of 100-event batches at about 5,000 events/s (half the
        # target): 12 connections, each pausing 200 ms after its answer (at most 6,000
        # events/s, about 5,000 with the answer's own time).
        out["paced_connections"] = PACED_CONNS
        for topo, it, url in (("direct", direct, d_url), ("behind_nginx", behind, p_url)):
            for body, tmpl in (("runinstances", tmpl_ri), ("statechange", tmpl_sc)):
                key = "paced_%s_%s" % (topo, body)
                print("tls_bench: " + key, file=sys.stderr)
                out[key] = median_of(runs, lambda: paced_run(it, url, max(secs, 8), tmpl, PACED_CONNS, 200))
        out["load_after"] = open("/proc/loadavg").read().split()[:3]
    finally:
        ngx.stop()
        shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(out, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    if args.md:
        with open(args.md, "w") as f:
            f.write(markdown(out))
    print(text)


def markdown(o):
    hz = o["healthz_tls_close"]
    ref = hz["nginx"]["rps"]
    ev = o["events"]
    lines = []
    w = lines.append
    w("## TLS and batches (`bench/tls_bench.py`, issue 14)\n")
    w("One run, %s; wrk (%d connections, %d s per run, median of %d runs) on the same 2 CPUs as the servers; "
      "load average %s before, %s after (other engineers' work shares the machine). Self-signed P-256 certificate "
      "for nginx and Italic unless said. Every events run is a fresh Italic on a fresh database (ITALIC_AWS=off) "
      "that evaluates what it accepts during the run.\n" % (o["started"], o["connections"], o["seconds_per_run"], o["runs"],
                                                             " ".join(o["load_before"]), " ".join(o["load_after"])))
    w("### Targets\n")
    w("| target | measured (same run) | met |\n|---|---|---|")
    nt = hz["nginx_no_tickets"]["rps"]
    for k, label in (("italic_p256", "Italic serving TLS"), ("italic_behind_nginx", "Italic behind nginx")):
        r = hz[k]["rps"]
        w("| /healthz over TLS, Connection: close, >= 0.5x nginx (%s) | %.0f vs %.0f req/s: %.2fx (%.2fx of nginx without tickets) | %s |"
          % (label, r, ref, r / ref, r / nt, "yes" if r / ref >= 0.5 else "**no**"))
    for batch, goal in ((10, 3000), (100, 10000)):
        for topo in ("direct", "behind_nginx"):
            for body in ("runinstances", "statechange"):
                r = ev["%s_close_%s_batch%d" % (topo, body, batch)]["events_per_s"]
                w("| batches of %d over TLS (Connection: close) >= %s events/s, %s, %s | %.0f events/s | %s |"
                  % (batch, format(goal, ","), topo.replace("_", " "), body, r, "yes" if r >= goal else "**no**"))
    for topo in ("direct", "behind_nginx"):
        for body in ("runinstances", "statechange"):
            r = o["paced_%s_%s" % (topo, body)]
            w("| 100-event batch ack p99 < 250 ms at about 5,000 events/s, %s, %s | p99 %.0f ms at %.0f events/s | %s |"
              % (topo.replace("_", " "), body, r["p99_ms"], r["events_per_s"],
                 "yes" if r["p99_ms"] < 250 and r["events_per_s"] >= 4500 else "**no**"))
    w("")
    w("### Handshakes: GET /healthz over TLS, Connection: close\n")
    w("| server | req/s (runs) | ratio to nginx | p50 ms | p99 ms |\n|---|---|---|---|---|")
    names = [("nginx", "nginx 1.22 (Debian), session tickets on (its default) — the reference"),
             ("nginx_no_tickets", "nginx, session tickets off (every handshake full)"),
             ("italic_p256", "Italic serving TLS, P-256, default priorities, tickets (this tree)"),
             ("italic_rsa", "Italic serving TLS, RSA-2048"),
             ("italic_old_priorities", "Italic serving TLS, P-256, the priority string before issue 14 (HelloRetryRequest)"),
             ("italic_behind_nginx", "Italic behind nginx (TLS ends at nginx, plain HTTP upstream with keep-alive)")]
    for k, label in names:
        r = hz[k]
        w("| %s | %.0f (%s) | %.2f | %.2f | %.2f |" % (label, r["rps"], ", ".join(str(x) for x in r["runs_rps"]),
                                                       r["rps"] / ref, r["p50_ms"], r["p99_ms"]))
    w("")
    w("### POST /v1/events over TLS\n")
    w("Events/s counts items of requests answered as fully accepted (202 for one event, 200 with every item "
      "accepted for a batch). Verdicts/s: verdicts the same server wrote during the run (evaluation runs behind "
      "acceptance; what it had not reached is thrown away with the run's database).\n")
    w("| topology | connection | body | per request | events/s (runs) | verdicts/s | p50 ms | p99 ms | not accepted |")
    w("|---|---|---|---|---|---|---|---|---|")
    for key in ev:
        r = ev[key]
        w("| %s | %s | %s | %s | %.0f (%s) | %.0f | %.1f | %.1f | %d |" % (
            r["topology"], r["connection"], r["body"], r["per_request"], r["events_per_s"],
            ", ".join(str(x) for x in r["runs_rps"]), r["verdicts_per_s"], r["p50_ms"], r["p99_ms"],
            r["other_status"] + r["socket_errors"]))
    w("\nnginx's TLS /healthz rate measured right after each topology's runs: direct %.0f req/s, behind nginx %.0f req/s."
      % (o["nginx_healthz_after_direct"]["rps"], o["nginx_healthz_after_behind_nginx"]["rps"]))
    w("\n### Acknowledgement of 100-event batches at about half the 10,000 events/s target\n")
    w("%d connections, Connection: close, each pausing 200 ms after its answer.\n" % o.get("paced_connections", 10))
    w("| topology | body | events/s reached | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|")
    for topo in ("direct", "behind_nginx"):
        for body in ("runinstances", "statechange"):
            r = o["paced_%s_%s" % (topo, body)]
            w("| %s | %s | %.0f | %.1f | %.1f | %.1f |" % (topo.replace("_", " "), body, r["events_per_s"], r["p50_ms"],
                                                           r["p99_ms"], r["max_ms"]))
    w("")
    notes = os.path.join(HERE, "tls-notes.md")
    if os.path.exists(notes):
        w(open(notes).read())
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
