"""What a TLS handshake costs Italic (issue 14 §5, bench/RESULTS.md "TLS"): no
HelloRetryRequest for the usual client key share, and session resumption, which
libmicrohttpd 0.9.75 has no option for (service/http.c turns tickets on per session)."""
import subprocess

from test_hostile_http import tls_server  # noqa: F401  (pytest fixture)


def handshake(port, *args):
    p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-msg"] + list(args),
                       input=b"", capture_output=True, timeout=20)
    return p.stdout.decode("latin-1")


def test_a_client_offering_x25519_gets_no_hello_retry_request(tls_server):
    s = tls_server(key="ec")
    out = handshake(s.port, "-tls1_3")
    # A HelloRetryRequest travels as a second ServerHello (RFC 8446 §4.1.4).
    assert out.count(", ServerHello") == 1, out[-2000:]
    assert "X25519" in out and "TLSv1.3" in out
    # A client that offers only P-256 is served with it, still in one flight.
    out = handshake(s.port, "-tls1_3", "-groups", "P-256")
    assert out.count(", ServerHello") == 1 and "prime256v1" in out, out[-2000:]


def test_sessions_resume_with_tickets(tls_server, tmp_path):
    s = tls_server(key="ec")
    for version in ("-tls1_3", "-tls1_2"):
        sess = str(tmp_path / ("sess" + version))
        first = handshake(s.port, version, "-sess_out", sess)
        assert "New, TLSv1." in first, first[-1500:]
        again = handshake(s.port, version, "-sess_in", sess)
        assert "Reused, TLSv1." in again, (version, again[-1500:])
        # resumed: the server proves nothing with its certificate the second time
        assert ", Certificate" not in again, (version, again[-1500:])
