"""Hostile input at the HTTP front door: each test is one attack and what it now gets.

The attacker holds one token (ingest, or reader where a route needs it) and talks to
the real binary over a raw socket, because http.client would normalise most of these
requests before they left. Every refusal must be one well-formed answer, problem+json,
with `Connection: close`, and the connection closed right after it (RFC 9112 §6.1,
§6.3): whatever else was sent on it must never run as a second request.

TESTING.md ("Hostile input: what each attack gets") lists these rows; the comment on
each test says what the same request got before (libmicrohttpd 0.9.75 alone).
"""
import json
import os
import socket
import sqlite3
import subprocess
import time

import pytest

import openapi_check
from conftest import BIN
from eventlib import run_instances, wait_verdict

# ---- a raw HTTP/1.1 client that shows exactly what came back ----


def parse_responses(data):
    """Splits raw bytes into responses [(status, headers, body)]; headers is a list of
    (lower-case name, value) in order, so a header sent twice shows twice. Whatever does
    not parse as a response is returned as the remainder."""
    out = []
    while data:
        end = data.find(b"\r\n\r\n")
        if end < 0 or not data.startswith(b"HTTP/1."):
            break
        head = data[:end].decode("latin-1").split("\r\n")
        status = int(head[0].split(" ")[1])
        headers = []
        for line in head[1:]:
            k, _, v = line.partition(":")
            headers.append((k.strip().lower(), v.strip()))
        n = int(dict(headers).get("content-length", "0"))
        body = data[end + 4:end + 4 + n]
        out.append((status, headers, body))
        data = data[end + 4 + n:]
    return out, data


def exchange(server, data, wait=5.0):
    """Sends raw bytes, reads until the server closes or `wait` seconds pass. Returns
    (responses, remainder, closed)."""
    s = socket.create_connection((server.host, server.port), timeout=wait)
    got = b""
    closed = False
    deadline = time.time() + wait
    try:
        s.sendall(data)
        while time.time() < deadline:
            s.settimeout(max(0.05, deadline - time.time()))
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not b:
                closed = True
                break
            got += b
    finally:
        s.close()
    responses, rest = parse_responses(got)
    return responses, rest, closed


def header(headers, name):
    return [v for k, v in headers if k == name]


def assert_refused(server, data, status, detail=None, method="GET", path="/healthz"):
    """One problem+json answer with `status`, Connection: close, connection closed, and
    nothing after it (no smuggled second response)."""
    responses, rest, closed = exchange(server, data)
    assert len(responses) == 1 and rest == b"", "want exactly one answer, got %r + %r" % (responses, rest[:200])
    st, headers, body = responses[0]
    assert st == status, (st, body)
    assert header(headers, "content-type") == ["application/problem+json"], headers
    assert header(headers, "connection") == ["close"], headers
    assert len(header(headers, "x-request-id")) == 1, "status line and headers sent once: %r" % headers
    problem = json.loads(body)
    assert problem["status"] == status
    if detail:
        assert detail in problem["detail"], problem
    assert closed, "the connection must be closed after a refusal"
    openapi_check.validate(method, path, st, "application/problem+json", body.decode())
    return problem


@pytest.fixture
def tokens(server):
    return {"ingest": server.token("ingest"), "reader": server.token("reader"), "admin": server.token("admin")}


def req(lines, body=b""):
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# ---- request smuggling (issue 13 §2) ----

EVENT = json.dumps(run_instances()).encode()


def test_two_equal_content_lengths_get_400_and_close(server, tokens):
    # Before: libmicrohttpd framed by the first one and the ingest route ran (202).
    data = req(["POST /v1/events HTTP/1.1", "Host: x", "Authorization: Bearer " + tokens["ingest"],
                "Content-Type: application/json", "Content-Length: %d" % len(EVENT),
                "Content-Length: %d" % len(EVENT)], EVENT)
    assert_refused(server, data, 400, "more than one Content-Length", "POST", "/v1/events")


def test_two_different_content_lengths_cannot_smuggle_a_request(server, tokens):
    # Before: the first length (0) framed the request and the bytes after the headers
    # ran as a second request on the same connection (two answers came back).
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    data = req(["POST /v1/events HTTP/1.1", "Host: x", "Authorization: Bearer " + tokens["ingest"],
                "Content-Length: 0", "Content-Length: %d" % len(smuggled)], smuggled)
    assert_refused(server, data, 400, "more than one Content-Length", "POST", "/v1/events")


def test_content_length_with_transfer_encoding_gets_400_and_close(server, tokens):
    # Before: the chunked body was read, the route answered, the connection stayed open.
    data = req(["POST /v1/events HTTP/1.1", "Host: x", "Authorization: Bearer " + tokens["ingest"],
                "Content-Length: 4", "Transfer-Encoding: chunked"], b"0\r\n\r\n")
    assert_refused(server, data, 400, "Content-Length together with Transfer-Encoding", "POST", "/v1/events")


def test_gzip_then_chunked_gets_501_at_once(server, tokens):
    # Before: no answer for 30 s (libmicrohttpd honours exactly "chunked" only and
    # waited for a body that had no end).
    data = req(["POST /v1/events HTTP/1.1", "Host: x", "Authorization: Bearer " + tokens["ingest"],
                "Transfer-Encoding: gzip, chunked"], b"0\r\n\r\n")
    t0 = time.time()
    assert_refused(server, data, 501, "not implemented", "POST", "/v1/events")
    assert time.time() - t0 < 3


@pytest.mark.parametrize("te", ["gzip", "chunked, chunked", "chunked, gzip", "chunked;x=1", ""])
def test_transfer_encoding_that_cannot_frame_gets_400(server, te):
    # Before: each of these waited 30 s for a body (or, for "", was ignored).
    data = req(["GET /healthz HTTP/1.1", "Host: x", "Transfer-Encoding: " + te], b"0\r\n\r\n")
    assert_refused(server, data, 400, "Transfer-Encoding")


def test_transfer_encoding_split_over_two_lines_is_one_list(server):
    # "chunked" then "gzip" on separate lines is the list "chunked, gzip": not final.
    data = req(["GET /healthz HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip"])
    assert_refused(server, data, 400, "Transfer-Encoding")


def test_transfer_encoding_on_http10_gets_400(server):
    # Before: 200 (RFC 9112 §6.1: an HTTP/1.0 message with TE has faulty framing).
    data = req(["GET /healthz HTTP/1.0", "Transfer-Encoding: chunked"], b"0\r\n\r\n")
    assert_refused(server, data, 400, "HTTP/1.0")


def test_space_before_colon_is_not_another_header(server, tokens):
    # "Content-Length : 5" was the header "Content-Length " to libmicrohttpd (no body),
    # while a proxy may take it as the length: the body then ran as a request.
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    data = req(["POST /v1/events HTTP/1.1", "Host: x", "Authorization: Bearer " + tokens["ingest"],
                "Content-Length : %d" % len(smuggled)], smuggled)
    assert_refused(server, data, 400, "header name", "POST", "/v1/events")


def test_folded_header_line_gets_400(server):
    # Before: 200, with the continuation glued to the header's name.
    data = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n"
    assert_refused(server, data, 400, "folded")


def test_a_thousand_query_parameters_get_414(server, tokens):
    # Before: libmicrohttpd ran out of its per-connection pool splitting them and the
    # connection hung with no answer until its 30 s timeout.
    query = "&".join("a%d=1" % i for i in range(1000))
    data = req(["GET /v1/instances?%s HTTP/1.1" % query, "Host: x", "Authorization: Bearer " + tokens["reader"]])
    assert_refused(server, data, 414, "too many query parameters", path="/v1/instances")


def test_thirty_three_query_parameters_get_414(server, tokens):
    # The documented ceiling is 32 (IT_MAX_QUERY_PARAMS); before, 33 reached the route.
    query = "&".join("limit=%d" % i for i in range(33))
    data = req(["GET /v1/instances?%s HTTP/1.1" % query, "Host: x", "Authorization: Bearer " + tokens["reader"]])
    assert_refused(server, data, 414, path="/v1/instances")


def test_request_target_over_8_kib_gets_414(server):
    data = req(["GET /healthz?" + "a" * 9000 + " HTTP/1.1", "Host: x"])
    assert_refused(server, data, 414, "too long")


def test_nul_in_a_path_segment_gets_400_not_a_cut_id(server, tokens):
    # Before: "/v1/rules/golden%00x" was decoded to "golden\0x" and read as "golden":
    # the rule "golden" was answered.
    r = server.request("POST", "/v1/rules", body={"id": "golden", "criteria": {"owners": ["amazon"]}},
                       token=tokens["admin"])
    assert r.status == 201, r
    data = req(["GET /v1/rules/golden%00x HTTP/1.1", "Host: x", "Authorization: Bearer " + tokens["reader"]])
    assert_refused(server, data, 400, "%00", path="/v1/rules/golden")


def test_nul_in_a_query_value_gets_400_not_a_cut_filter(server, tokens):
    # Before: account=123456789012%00junk filtered on 123456789012 (200).
    data = req(["GET /v1/instances?account=123456789012%00junk HTTP/1.1", "Host: x",
                "Authorization: Bearer " + tokens["reader"]])
    assert_refused(server, data, 400, "%00", path="/v1/instances")


def test_raw_bytes_outside_ascii_in_the_target_get_400(server):
    data = b"GET /healthz\x01 HTTP/1.1\r\nHost: x\r\n\r\n"
    assert_refused(server, data, 400, "visible ASCII")


def test_nul_in_a_header_value_gets_400(server):
    # Before: 200, the value cut at the NUL.
    data = b"GET /healthz HTTP/1.1\r\nX-Forwarded-For: 10.0.0.1\x00, 192.0.2.1\r\nHost: x\r\n\r\n"
    assert_refused(server, data, 400, "NUL")


def test_nul_in_the_last_header_value_gets_400(server):
    data = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Trace: a\x00b\r\n\r\n"
    assert_refused(server, data, 400, "NUL")


def test_control_character_in_a_header_value_gets_400(server):
    data = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Trace: a\rb\r\n\r\n"
    assert_refused(server, data, 400, "control character")


def test_missing_host_on_http11_gets_400(server):
    # Before: 200. (HTTP/1.0 needs no Host: still 200, checked below.)
    assert_refused(server, b"GET /healthz HTTP/1.1\r\n\r\n", 400, "Host")
    responses, _, _ = exchange(server, b"GET /healthz HTTP/1.0\r\n\r\n")
    assert responses and responses[0][0] == 200


def test_two_host_headers_get_400(server):
    # Before: 200, routed by the first.
    assert_refused(server, b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "more than one Host")


def test_invalid_host_gets_400(server):
    assert_refused(server, b"GET /healthz HTTP/1.1\r\nHost: a b/c\r\n\r\n", 400, "Host")


def test_unknown_scheme_target_gets_400(server):
    assert_refused(server, b"GET ftp://x/healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "request target")


def test_pipelined_requests_still_work(server):
    # The checks above refuse framing in doubt, not keep-alive: two clean requests on
    # one connection get two answers.
    data = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    responses, rest, _ = exchange(server, data, wait=1.0)
    assert [r[0] for r in responses] == [200, 200] and rest == b""


@pytest.mark.parametrize("value", ["-1", "+5", "0x10"])
def test_malformed_content_length_is_answered_by_libmicrohttpd(server, value):
    # libmicrohttpd 0.9.75 answers these itself before any callback of ours runs: a 400
    # (text/html) and a closed connection. It sends its status line and headers twice
    # (connection.c: after parse_connection_headers queues the error, the state is set
    # back to HEADERS_PROCESSED and the header is built again), which we cannot change
    # from our side; see TESTING.md. What we can hold it to: a 400 first, no route
    # runs, the connection closes, nothing else is answered on it.
    data = req(["GET /healthz HTTP/1.1", "Host: x", "Content-Length: " + value],
               b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    responses, rest, closed = exchange(server, data)
    assert responses and responses[0][0] == 400, (responses, rest)
    assert closed
    assert b'"status":"ok"' not in rest and all(b'"status":"ok"' not in r[2] for r in responses)
    assert b"libmicrohttpd" not in rest


@pytest.mark.xfail(strict=True, reason="libmicrohttpd 0.9.75 sends its own 400's status line and headers "
                   "twice for a malformed Content-Length (see TESTING.md); passes once Debian ships a fixed one")
def test_malformed_content_length_gets_one_readable_answer(server):
    data = req(["GET /healthz HTTP/1.1", "Host: x", "Content-Length: -1"])
    responses, rest, closed = exchange(server, data)
    assert len(responses) == 1 and rest == b"" and responses[0][0] == 400


# ---- HEAD, absolute form, Accept, credentials with a NUL (issue 13 §7) ----

GET_ROUTES = [
    "/healthz", "/readyz", "/openapi.yaml", "/metrics", "/v1/rules", "/v1/rules/golden", "/v1/exemptions",
    "/v1/exemptions/nothing", "/v1/images/us-east-1/ami-12345678", "/v1/audit", "/v1/deliveries", "/v1/sweeps",
    "/v1/instances", "/v1/instances/111122223333/us-east-1/i-0123456789abcdef0", "/v1/evaluations",
    "/v1/summary", "/v1/launch-templates", "/v1/launch-templates/111122223333/us-east-1/lt-0123456789abcdef0",
]


def test_head_on_every_get_route_answers_like_get_without_a_body(server, tokens):
    # Before: 405 on every route (Allow: GET).
    assert server.request("POST", "/v1/rules", body={"id": "golden", "criteria": {"owners": ["amazon"]}},
                          token=tokens["admin"]).status == 201
    for path in GET_ROUTES:
        g = server.request("GET", path, token=tokens["admin"])
        h = server.request("HEAD", path, token=tokens["admin"])
        assert h.status == g.status, (path, g, h)
        assert h.body == "", path
        assert h.headers.get("content-type") == g.headers.get("content-type"), path
        if path not in ("/metrics", "/readyz", "/v1/summary"):   # these change between two calls
            assert h.headers.get("content-length") == g.headers.get("content-length"), path
    # HEAD needs the same role as GET.
    assert server.request("HEAD", "/v1/rules").status == 401
    assert server.request("HEAD", "/v1/audit", token=tokens["reader"]).status == 403
    # A path without GET still says which methods it has.
    r = server.request("HEAD", "/v1/events")
    assert r.status == 405 and r.headers["allow"] == "POST"
    assert server.request("DELETE", "/healthz").headers["allow"] == "GET, HEAD"


def test_absolute_form_target_routes_like_origin_form(server, tokens):
    # Before: 404 "no such route" (the whole URL was taken as the path).
    for target in ("http://x/v1/rules", "HTTP://x:8080/v1/rules?limit=5", "https://[::1]/v1/rules"):
        data = req(["GET %s HTTP/1.1" % target, "Host: x", "Authorization: Bearer " + tokens["reader"]])
        responses, _, _ = exchange(server, data, wait=1.0)
        assert responses and responses[0][0] == 200, (target, responses)
        assert json.loads(responses[0][2]) == {"items": [], "next_cursor": None}
    responses, _, _ = exchange(server, b"GET http://x HTTP/1.1\r\nHost: x\r\n\r\n", wait=1.0)
    assert responses[0][0] == 404   # "http://x" is the path "/"


@pytest.mark.parametrize("accept,csv", [
    ("text/csv;q=0", False),                          # before: CSV
    ("text/csv;q=0.5, application/json", False),      # before: CSV
    ("text/csv;q=0.000, */*", False),                 # before: CSV
    ("application/json;q=0.5, text/csv", True),
    ("text/*", True),                                 # before: JSON
    ("text/csv", True),
    ("application/json", False),
])
def test_accept_q_values_are_honoured(server, tokens, accept, csv):
    r = server.get("/v1/instances", token=tokens["reader"], headers={"Accept": accept})
    assert r.status == 200
    assert r.headers["content-type"].startswith("text/csv" if csv else "application/json"), (accept, r.headers)


def test_accept_over_its_bounds_gets_400(server, tokens):
    r = server.get("/v1/instances", token=tokens["reader"], headers={"Accept": ",".join(["a/b"] * 33)})
    assert r.status == 400 and r.json()["field"] == "Accept"
    r = server.get("/v1/instances", token=tokens["reader"], headers={"Accept": "text/csv;" + "x" * 1100})
    assert r.status == 400 and r.json()["field"] == "Accept"


@pytest.mark.parametrize("name", ["Authorization", "x-api-key"])
def test_token_followed_by_nul_and_more_bytes_gets_401(server, tokens, name):
    # Before: the value was cut at the NUL, so "<token>\0anything" authenticated (200).
    value = ("Bearer " if name == "Authorization" else "") + tokens["reader"]
    data = ("GET /v1/rules HTTP/1.1\r\nHost: x\r\n%s: %s" % (name, value)).encode() + b"\x00junk\r\n\r\n"
    problem = assert_refused_401(server, data)
    assert "malformed credentials" in problem["detail"]
    # The same token without the NUL is fine, and so is it as the last header.
    ok = req(["GET /v1/rules HTTP/1.1", "Host: x", "%s: %s" % (name, value)])
    assert exchange(server, ok, wait=1.0)[0][0][0] == 200
    last = ("GET /v1/rules HTTP/1.1\r\n%s: %s" % (name, value)).encode() + b"\x00junk\r\nHost: x\r\n\r\n"
    assert assert_refused_401(server, last)


def assert_refused_401(server, data):
    responses, rest, _ = exchange(server, data)
    assert len(responses) == 1 and rest == b"", (responses, rest)
    st, headers, body = responses[0]
    assert st == 401 and header(headers, "www-authenticate"), (st, body)
    openapi_check.validate("GET", "/v1/rules", st, "application/problem+json", body.decode())
    return json.loads(body)


# ---- a body that does not fit is a 500, a list page is cut by bytes (issue 13 §3) ----

def max_tags():
    """The largest tag set an event can give an instance: IT_EVENT_MAX_TAGS (128) tags,
    keys of IT_EVENT_MAX_TAG_KEY (512) and values of IT_EVENT_MAX_TAG_VALUE (1024) bytes."""
    return {("k%03d" % i) + "k" * 508: ("v%03d" % i) + "v" * 1020 for i in range(128)}


def test_largest_instances_come_in_pages_cut_by_bytes(server, tokens):
    # Before: one page held every row asked for (limit=1000 of these is ~200 MB, past
    # the 64 MiB response cap: 200 with an empty body). Now a page stops before 8 MiB
    # of rows and next_cursor continues where it stopped.
    ev = run_instances(account="111122223333", region="us-east-1", tags=max_tags())
    item = ev["detail"]["responseElements"]["instancesSet"]["items"][0]
    r = server.request("POST", "/v1/events", body=ev, token=tokens["ingest"])
    assert r.status == 202, r
    wait_verdict(server.db, "111122223333", "us-east-1", item["instanceId"])
    con = sqlite3.connect(server.db, timeout=10)
    cols = [c[1] for c in con.execute("PRAGMA table_info(instances)")]
    row = con.execute("SELECT * FROM instances WHERE instance_id = ?", (item["instanceId"],)).fetchone()
    assert len(row[cols.index("tags")]) > 128 * 1536, "the event's tags were kept whole"
    # 59 more like it, straight into the database (the event path is proven above).
    for i in range(1, 60):
        copy = list(row)
        copy[cols.index("instance_id")] = "i-%017x" % i
        con.execute("INSERT INTO instances(%s) VALUES (%s)" % (",".join(cols), ",".join("?" * len(cols))), copy)
    con.commit()
    con.close()

    seen, pages, cursor = [], 0, None
    while True:
        path = "/v1/instances?limit=1000" + ("&cursor=" + cursor if cursor else "")
        r = server.get(path, token=tokens["reader"])
        assert r.status == 200 and r.body, r
        assert len(r.body.encode()) <= 8 * 1024 * 1024 + 1024, len(r.body)
        page = r.json()
        assert page["items"], "a page always holds at least one row"
        seen += [it["instance_id"] for it in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages >= 2 and len(seen) == 60 and len(set(seen)) == 60, (pages, len(seen))
    # CSV pages the same way (X-Next-Cursor).
    r = server.get("/v1/instances?limit=1000", token=tokens["reader"], headers={"Accept": "text/csv"})
    assert r.status == 200 and r.headers.get("x-next-cursor")
    assert 1 < r.body.count("\r\n") < 61


def test_a_rule_over_its_size_bound_is_422(server, tokens):
    # Before: a rule of 10 tag keys with 50 values of 256 characters (128 KiB) was
    # accepted, and 500 such rules made GET /v1/rules too large to answer at all.
    big = {"id": "big", "criteria": {"tags": {("t%02d" % k): [("v%02d-%02d" % (k, j)) + "x" * 250
                                                            for j in range(50)] for k in range(10)}}}
    r = server.request("POST", "/v1/rules", body=big, token=tokens["admin"])
    assert r.status == 422 and "bytes" in r.json()["detail"], r


def _clone_rules(server, rid, body, count):
    """Copies rule rid's row count times in SQL, with its body replaced by body."""
    con = sqlite3.connect(server.db, timeout=10)
    version, enabled, created, updated = con.execute(
        "SELECT version, enabled, created_at, updated_at FROM rules WHERE id = ?", (rid,)).fetchone()
    con.execute("UPDATE rules SET body = ? WHERE id = ?", (json.dumps(dict(body, id=rid)), rid))
    for i in range(1, count):
        cid = "%s-%04d" % (rid, i)
        con.execute("INSERT INTO rules(id, body, version, enabled, created_at, updated_at) VALUES (?,?,?,?,?,?)",
                    (cid, json.dumps(dict(body, id=cid)), version, enabled, created, updated))
    con.commit()
    con.close()


def test_the_largest_allow_list_fits_one_answer(server, tokens):
    # The cap is planned: IT_MAX_RULES (1000) rules of nearly IT_MAX_RULE_BYTES (48 KiB)
    # each come back in one 200 answer of about 46 MiB.
    rule = {"id": "max", "criteria": {
        "image_ids": ["ami-%017x" % i for i in range(1000)],
        "tags": {("t%02d" % k): [("v%02d-%02d" % (k, j)) + "x" * 200 for j in range(10)] for k in range(10)}}}
    r = server.request("POST", "/v1/rules", body=rule, token=tokens["admin"])
    assert r.status == 201, r
    assert len(json.dumps(r.json(), separators=(",", ":"))) > 40 * 1024
    _clone_rules(server, "max", r.json(), 1000)
    r = server.get("/v1/rules", token=tokens["reader"])
    assert r.status == 200 and r.headers["content-type"] == "application/json", r
    assert len(r.json()["items"]) == 1000


def test_a_response_over_the_cap_is_a_500_logged_once(server, tokens):
    # Before: GET /v1/rules of an allow-list rendering over 64 MiB answered
    # "200 application/json" with an empty body and logged nothing. Rules are bounded
    # when written now (above), so only rules stored by an older version can be that
    # large: they are put in the table directly.
    r = server.request("POST", "/v1/rules", body={"id": "big", "criteria": {"tags": {"t": ["v"]}}},
                       token=tokens["admin"])
    assert r.status == 201, r
    big = dict(r.json(), criteria={"tags": {("t%02d" % k): [("v%02d-%02d" % (k, j)) + "x" * 250
                                                          for j in range(50)] for k in range(10)}})
    _clone_rules(server, "big", big, 560)   # 560 rules of 128 KiB render past 64 MiB
    before = server.logs().count('"The response could not be built."')
    r = server.get("/v1/rules", token=tokens["reader"])
    assert r.status == 500, (r.status, r.body[:200])
    assert r.headers["content-type"] == "application/problem+json"
    assert "too large" in r.json()["detail"]
    time.sleep(0.2)
    logs = server.logs()
    assert logs.count('"The response could not be built."') - before == 1, "logged exactly once"
    line = [l for l in logs.splitlines() if '"The response could not be built."' in l][-1]
    assert r.headers["x-request-id"] in line and "/v1/rules" in line


# ---- TLS (issue 13 §4) ----

def s_client(port, *args):
    """True when openssl s_client completes a handshake with these options. The client
    is told to offer what OpenSSL 3 would otherwise refuse itself (@SECLEVEL=0), so a
    failure is the server's refusal."""
    p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port] + list(args),
                       input=b"", capture_output=True, timeout=20)
    out = p.stdout.decode("latin-1")
    return "Cipher is (NONE)" not in out and "Cipher is " in out, out


@pytest.fixture
def tls_server(make_server, tmp_path):
    def make(priorities=None, key="rsa:2048"):
        cert, keyf = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
        newkey = ["-newkey", key] if key.startswith("rsa") else ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        subprocess.run(["openssl", "req", "-x509"] + newkey + ["-nodes", "-keyout", keyf, "-out", cert, "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        env = {"ITALIC_TLS_CERT": cert, "ITALIC_TLS_KEY": keyf}
        if priorities:
            env["ITALIC_TLS_PRIORITIES"] = priorities
        s = make_server(env=env, start=False)
        s.log = open(s.log_path, "ab")
        s.proc = subprocess.Popen([BIN, "serve"], env=s.env,
                                  stdout=s.log, stderr=s.log)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", s.port), timeout=1).close()
                return s
            except OSError:
                time.sleep(0.05)
        raise AssertionError("no TLS listener: " + s.logs())
    return make


def test_tls_serves_only_12_and_13_with_forward_secret_aead(tls_server):
    # Before (GnuTLS "NORMAL"): TLS 1.0, TLS 1.1 and static-RSA AES128-SHA all accepted.
    s = tls_server()
    old = "DEFAULT:@SECLEVEL=0"
    for args in (["-tls1", "-cipher", old], ["-tls1_1", "-cipher", old], ["-tls1_2", "-cipher", "AES128-SHA:@SECLEVEL=0"],
                 ["-tls1_2", "-cipher", "AES128-GCM-SHA256:@SECLEVEL=0"],
                 ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA:@SECLEVEL=0"]):
        ok, out = s_client(s.port, *args)
        assert not ok, "accepted %s: %s" % (args, out[-400:])
    for args in (["-tls1_2"], ["-tls1_3"], ["-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"]):
        ok, out = s_client(s.port, *args)
        assert ok, "refused %s: %s" % (args, out[-400:])


def test_tls_ecdsa_certificate_works(tls_server):
    s = tls_server(key="ec")
    assert s_client(s.port, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")[0]
    assert s_client(s.port, "-tls1_3")[0]


def test_tls_priorities_setting_is_applied(tls_server):
    # The same client that is refused above gets TLS 1.0 when the operator asks for
    # GnuTLS's NORMAL: the setting reaches GnuTLS, and the client really offers 1.0.
    s = tls_server(priorities="NORMAL:+VERS-TLS1.0")
    assert s_client(s.port, "-tls1", "-cipher", "DEFAULT:@SECLEVEL=0")[0]


def test_tls_priorities_that_gnutls_refuses_fail_the_start(make_server, tmp_path):
    cert, key = str(tmp_path / "c.pem"), str(tmp_path / "k.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost"], check=True, capture_output=True)
    s = make_server(env={"ITALIC_TLS_CERT": cert, "ITALIC_TLS_KEY": key, "ITALIC_TLS_PRIORITIES": "NOT-A-PRIORITY"},
                    start=False)
    p = subprocess.run([BIN, "serve"], env=s.env, capture_output=True, text=True, timeout=20)
    assert p.returncode == 1 and "ITALIC_TLS_PRIORITIES" in p.stderr, p.stderr


def test_tls_priorities_is_a_documented_setting():
    p = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True, timeout=20)
    assert "--tls-priorities" in p.stdout + p.stderr and "ITALIC_TLS_PRIORITIES" in p.stdout + p.stderr
