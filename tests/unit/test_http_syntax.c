/* test_http_syntax: the HTTP syntax Italic judges itself; rejections first, one per reason. */
#include <stdlib.h>
#include <string.h>

#include "http_syntax.h"
#include "limits.h"
#include "status.h"
#include "tap.h"

/* ---- Transfer-Encoding: each case is the field lines, separated by '|' ---- */

struct te_case {
	const char *name;
	const char *lines;
	enum http_te want;
};

static const struct te_case te_cases[] = {
	{"empty value", "", HTTP_TE_MALFORMED},
	{"only commas", " , ,", HTTP_TE_MALFORMED},
	{"gzip alone: chunked not final", "gzip", HTTP_TE_MALFORMED},
	{"chunked then gzip", "chunked, gzip", HTTP_TE_MALFORMED},
	{"chunked twice", "chunked, chunked", HTTP_TE_MALFORMED},
	{"chunked twice over two lines", "chunked|chunked", HTTP_TE_MALFORMED},
	{"chunked then gzip over two lines", "chunked|gzip", HTTP_TE_MALFORMED},
	{"chunked with a parameter", "chunked;x=1", HTTP_TE_MALFORMED},
	{"chunked glued to junk", "chunkedx", HTTP_TE_MALFORMED},
	{"not a token", "chu\"nked", HTTP_TE_MALFORMED},
	{"identity (obsolete) alone", "identity", HTTP_TE_MALFORMED},
	{"too many codings", "a,b,c,d,e,f,g,h,chunked", HTTP_TE_MALFORMED},
	{"gzip, chunked", "gzip, chunked", HTTP_TE_UNSUPPORTED},
	{"deflate then chunked over two lines", "deflate|chunked", HTTP_TE_UNSUPPORTED},
	{"gzip with a parameter, chunked", "gzip;level=1, chunked", HTTP_TE_UNSUPPORTED},
	{"chunked", "chunked", HTTP_TE_CHUNKED},
	{"CHUNKED, padded, empty elements", " ,CHUNKED\t", HTTP_TE_CHUNKED},
	{"seven codings and chunked", "a,b,c,d,e,f,g,chunked", HTTP_TE_UNSUPPORTED},
};

static enum http_te te_of(const char *lines)
{
	const char *v[8];
	size_t l[8], n = 0;
	const char *p = lines;

	for (;;) {
		const char *bar = strchr(p, '|');
		v[n] = p;
		l[n] = bar ? (size_t)(bar - p) : strlen(p);
		n++;
		if (!bar || n == 8)
			break;
		p = bar + 1;
	}
	return http_te_judge(v, l, n);
}

/* ---- request targets ---- */

struct target_case {
	const char *name;
	const char *raw;
	unsigned want;
};

static const struct target_case target_cases[] = {
	{"%00 in a path segment", "/v1/rules/abc%00def", 400},
	{"%00 in a query value", "/v1/instances?account=123456789012%00x", 400},
	{"space", "/v1/rules /x", 400},
	{"tab", "/v1/rules\t", 400},
	{"control byte", "/v1/\x01", 400},
	{"DEL", "/v1/\x7f", 400},
	{"raw UTF-8", "/v1/rules/\xc3\xa9", 400},
	{"33 parameters", "/v1/instances?a&b&c&d&e&f&g&h&i&j&k&l&m&n&o&p&q&r&s&t&u&v&w&x&y&z&0&1&2&3&4&5&6", 414},
	{"33 empty parameters", "/?&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&", 414},
	{"%01 is fine (decoded values are validated by the route)", "/v1/rules/%01", 0},
	{"%0 then 0 elsewhere", "/a%0a0", 0},
	{"32 parameters", "/v1/instances?a&b&c&d&e&f&g&h&i&j&k&l&m&n&o&p&q&r&s&t&u&v&w&x&y&z&0&1&2&3&4&5", 0},
	{"empty query", "/v1/instances?", 0},
	{"'?' inside the query does not restart counting", "/x?a=?&b", 0},
	{"absolute form", "http://h:8080/v1/rules?limit=5", 0},
};

struct path_case {
	const char *target;
	const char *want;     /* NULL: refused */
};

static const struct path_case path_cases[] = {
	{"ftp://h/v1/rules", NULL},
	{"http://", NULL},
	{"http:///v1/rules", NULL},
	{"http://user@h/v1/rules", NULL},
	{"http://h h/x", NULL},
	{"*", NULL},
	{"h:80", NULL},
	{"v1/rules", NULL},
	{"/v1/rules", "/v1/rules"},
	{"http://h/v1/rules", "/v1/rules"},
	{"HTTPS://h.example:8443/v1/rules/x", "/v1/rules/x"},
	{"http://[::1]:8080/healthz", "/healthz"},
	{"http://h", "/"},
};

/* ---- Accept ---- */

struct accept_case {
	const char *name;
	const char *accept;   /* NULL: header absent */
	int want;             /* offer index; 2 = none acceptable; -1 = IT_EINVAL */
};

static const char *const offers[] = {"application/json", "text/csv"};

static const struct accept_case accept_cases[] = {
	{"absent", NULL, 0},
	{"empty", "", 0},
	{"only malformed ranges", "text, /csv, */csv", 0},
	{"csv", "text/csv", 1},
	{"csv upper case", "TEXT/CSV", 1},
	{"csv at q=0 is refused", "text/csv;q=0", 2},
	{"csv at q=0.000", "text/csv; q=0.000", 2},
	{"csv q=0.5 but json q=1", "text/csv;q=0.5, application/json", 0},
	{"csv q=1 over json q=0.9", "application/json;q=0.9, text/csv", 1},
	{"equal q: the server's order", "text/csv, application/json", 0},
	{"wildcard low, csv exact", "*/*;q=0.1, text/csv", 1},
	{"text/* gives csv", "text/*", 1},
	{"exact q=0 beats text/*", "text/*, text/csv;q=0", 2},
	{"*/* alone: the default", "*/*", 0},
	{"application/* is json", "application/*", 0},
	{"unknown type only", "image/png", 2},
	{"bad qvalue skips the range", "text/csv;q=2", 0},
	{"q=1.5 is invalid", "text/csv;q=1.5", 0},
	{"q with four decimals is invalid", "text/csv;q=0.1234", 0},
	{"q=0. is valid", "text/csv;q=0.", 2},
	{"charset parameter before q", "text/csv;charset=utf-8;q=0", 2},
	{"quoted parameter with a comma", "text/csv;x=\"a,b\";q=0, application/json;q=0", 2},
	{"junk after the range skips it", "text/csv junk", 0},
	{"uppercase Q", "text/csv;Q=0", 2},
};

/* Content-Type against the types POST /v1/events reads. */
static void test_media_types(void)
{
	static const char *const events[] = {"application/json", "application/eventbridge+json", NULL};
	static const struct {
		const char *value;
		int want;
	} cases[] = {
		{"application/json", 1},
		{"application/eventbridge+json", 1},
		{"application/json; charset=utf-8", 1},
		{"Application/JSON;charset=UTF-8", 1},
		{"  application/eventbridge+json ;x=y", 1},
		{"application/json\t", 1},
		{"application/json;", 1},
		{"text/plain", 0},
		{"application/x-www-form-urlencoded", 0},
		{"application/jsonx", 0},
		{"application/json+x", 0},
		{"application/vnd.api+json", 0},
		{"application", 0},
		{"application/", 0},
		{"/json", 0},
		{"", 0},
		{"application /json", 0},
		{"application/ json", 0},
		{"application/json json", 0},
		{"*/*", 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(http_media_type_in(cases[i].value, strlen(cases[i].value), events) == cases[i].want,
		      "media type \"%s\" want %d", cases[i].value, cases[i].want);
	/* the length bounds the value: no NUL needed, and bytes past it are not read */
	CHECK(http_media_type_in("application/jsonXYZ", 16, events) == 1, "length-bounded");
	CHECK(http_media_type_in("application/json", 16, NULL) == 0, "no types");
}

int main(void)
{
	char big[IT_MAX_ACCEPT + 2];

	test_media_types();
	size_t idx;

	for (size_t i = 0; i < sizeof(te_cases) / sizeof(te_cases[0]); i++) {
		enum http_te got = te_of(te_cases[i].lines);
		CHECK(got == te_cases[i].want, "te %s: got %d want %d", te_cases[i].name, got, te_cases[i].want);
	}
	CHECK(http_te_judge(NULL, NULL, 0) == HTTP_TE_NONE, "no Transfer-Encoding field");

	for (size_t i = 0; i < sizeof(target_cases) / sizeof(target_cases[0]); i++) {
		const char *why = NULL;
		unsigned got = http_target_judge(target_cases[i].raw, IT_MAX_TARGET, IT_MAX_QUERY_PARAMS, &why);
		CHECK(got == target_cases[i].want, "target %s: got %u want %u", target_cases[i].name, got,
		      target_cases[i].want);
		CHECK(got == 0 || (why && *why), "target %s: a reason is given", target_cases[i].name);
	}
	{
		const char *why = NULL;
		CHECK(http_target_judge("/abcd", 5, 32, &why) == 0, "target of exactly max_len bytes");
		CHECK(http_target_judge("/abcde", 5, 32, &why) == 414, "one byte over max_len");
	}
	for (size_t i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		const char *got = http_target_path(path_cases[i].target);
		if (path_cases[i].want)
			CHECK_STR(got, path_cases[i].want, path_cases[i].target);
		else
			CHECK(got == NULL, "path of %s refused, got %s", path_cases[i].target, got);
	}

	for (size_t i = 0; i < sizeof(accept_cases) / sizeof(accept_cases[0]); i++) {
		const struct accept_case *c = &accept_cases[i];
		int rc;
		idx = 99;
		rc = http_accept_pick(c->accept, c->accept ? strlen(c->accept) : 0, offers, 2, &idx);
		if (c->want < 0)
			CHECK(rc == IT_EINVAL && idx == 99, "accept %s: refused, untouched", c->name);
		else
			CHECK(rc == IT_OK && idx == (size_t)c->want, "accept %s: rc %d index %zu want %d", c->name, rc,
			      idx, c->want);
	}
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	idx = 99;
	CHECK(http_accept_pick(big, strlen(big), offers, 2, &idx) == IT_EINVAL && idx == 99,
	      "Accept over IT_MAX_ACCEPT bytes");
	{
		/* IT_MAX_ACCEPT_RANGES + 1 ranges, well within the byte bound. */
		char many[IT_MAX_ACCEPT];
		size_t n = 0;
		for (int i = 0; i <= IT_MAX_ACCEPT_RANGES; i++)
			n += (size_t)snprintf(many + n, sizeof(many) - n, "%sa/b", i ? "," : "");
		idx = 99;
		CHECK(http_accept_pick(many, n, offers, 2, &idx) == IT_EINVAL && idx == 99, "too many ranges");
		n = 0;
		for (int i = 0; i < IT_MAX_ACCEPT_RANGES; i++)
			n += (size_t)snprintf(many + n, sizeof(many) - n, "%s%s", i ? "," : "",
					      i == IT_MAX_ACCEPT_RANGES - 1 ? "text/csv" : "a/b");
		CHECK(http_accept_pick(many, n, offers, 2, &idx) == IT_OK && idx == 1, "exactly the range limit");
	}

	/* field names, values, Host */
	CHECK(!http_token_valid("", 0), "empty name");
	CHECK(!http_token_valid("Content-Length ", 15), "name with trailing space");
	CHECK(!http_token_valid("X:Y", 3), "name with colon");
	CHECK(http_token_valid("X-Api-Key", 9), "token name");
	CHECK(!http_value_valid("a\rb", 3), "CR in a value");
	CHECK(!http_value_valid("a\0b", 3), "NUL in a value");
	CHECK(!http_value_valid("a\x7f", 2), "DEL in a value");
	CHECK(http_value_valid("a \tb\xc3\xa9", 6), "SP, HTAB and obs-text are fine");
	CHECK(!http_host_valid("a b", 3), "space in Host");
	CHECK(!http_host_valid("a/b", 3), "slash in Host");
	CHECK(!http_host_valid("user@h", 6), "user info in Host");
	CHECK(http_host_valid("", 0), "empty Host (RFC 9112 §3.2)");
	CHECK(http_host_valid("[::1]:8080", 10), "IPv6 literal and port");
	CHECK(http_host_valid("api.example.com", 15), "name");
	return tap_done();
}
