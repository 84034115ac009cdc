/* test_netaddr: ITALIC_LISTEN forms accepted and refused, one rejection per row, and
 * the URL a local client (italic healthcheck) uses for each. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "netaddr.h"
#include "status.h"
#include "tap.h"

static const char *const rejected[] = {
	"",                   /* empty */
	"nonsense",           /* no port */
	"127.0.0.1",          /* no port */
	"127.0.0.1:",         /* empty port */
	"127.0.0.1:0",        /* port 0 */
	"127.0.0.1:99999",    /* port over 65535 */
	"127.0.0.1:65536",
	"127.0.0.1:-1",
	"127.0.0.1:80x",      /* junk after the port */
	":8080",              /* no host */
	"example.com:8080",   /* names are not resolved */
	"256.0.0.1:8080",     /* not an IPv4 address */
	"::1:8080",           /* IPv6 without brackets */
	"[::1]",              /* no port */
	"[::1]8080",          /* no colon */
	"[]:8080",            /* empty IPv6 */
	"[127.0.0.1]:8080",   /* IPv4 in brackets */
	"[::g]:8080",         /* not an IPv6 address */
};

static void accept_case(const char *s, int family, unsigned port, const char *host, const char *url)
{
	struct netaddr a;
	char u[128];

	CHECK(netaddr_parse(s, &a) == IT_OK, "%s accepted", s);
	CHECK(a.ss.ss_family == family, "%s family", s);
	CHECK(a.port == port, "%s port %u", s, a.port);
	CHECK_STR(a.host, host, s);
	CHECK(netaddr_client_url(&a, 0, u, sizeof(u)) == IT_OK, "%s url", s);
	CHECK_STR(u, url, s);
}

int main(void)
{
	struct netaddr a;
	char u[16];

	for (size_t i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++) {
		memset(&a, 0x5a, sizeof(a));
		CHECK(netaddr_parse(rejected[i], &a) == IT_EINVAL, "\"%s\" refused", rejected[i]);
		CHECK(a.port == 0x5a5a, "\"%s\": out untouched", rejected[i]);
	}
	CHECK(netaddr_parse(NULL, &a) == IT_EINVAL, "NULL refused");
	accept_case("127.0.0.1:8080", AF_INET, 8080, "127.0.0.1", "http://127.0.0.1:8080");
	accept_case("localhost:1", AF_INET, 1, "localhost", "http://127.0.0.1:1");
	accept_case("0.0.0.0:8080", AF_INET, 8080, "0.0.0.0", "http://127.0.0.1:8080");
	accept_case("10.1.2.3:65535", AF_INET, 65535, "10.1.2.3", "http://10.1.2.3:65535");
	accept_case("[::1]:8443", AF_INET6, 8443, "::1", "http://[::1]:8443");
	accept_case("[::]:8080", AF_INET6, 8080, "::", "http://[::1]:8080");
	accept_case("[fd00::1:2]:80", AF_INET6, 80, "fd00::1:2", "http://[fd00::1:2]:80");

	CHECK(netaddr_parse("[::1]:443", &a) == IT_OK, "v6");
	CHECK(netaddr_client_url(&a, 1, u, sizeof(u)) == IT_ETOOBIG, "small buffer");
	{
		char big[64];
		CHECK(netaddr_client_url(&a, 1, big, sizeof(big)) == IT_OK && !strcmp(big, "https://[::1]:443"),
		      "https: %s", big);
	}
	return tap_done();
}
