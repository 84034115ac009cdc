/*
 * test_webhook: which webhook URLs are accepted, the signature (a vector computed
 * independently with Python's hmac and `openssl dgst -sha256 -hmac`), Retry-After, what
 * each answer means, and the request webhook_post() sends (over the unit tests'
 * scripted transport).
 */
#include <stdlib.h>
#include <string.h>

#include "aws_double.h"
#include "aws_samples.h"
#include "status.h"
#include "tap.h"
#include "webhook.h"

#define SECRET "whsec-test-0123456789abcdef"

static void test_urls(void)
{
	static const struct {
		const char *url;
		int ok;
		const char *origin;   /* ok: the origin; refused: a word of the reason */
	} cases[] = {
		{"https://hooks.slack.com/services/T000/B000/XXXXXXXX", 1, "https://hooks.slack.com"},
		{"https://alerts.example.com:8443/in?token=abc", 1, "https://alerts.example.com:8443"},
		{"https://h", 1, "https://h"},
		{"http://127.0.0.1:8080/hook", 1, "http://127.0.0.1:8080"},
		{"http://127.9.8.7/hook", 1, "http://127.9.8.7"},
		{"http://localhost:9/x", 1, "http://localhost:9"},
		{"http://[::1]:9/x", 1, "http://[::1]:9"},
		{"http://[::ffff:127.0.0.1]/x", 1, "http://[::ffff:127.0.0.1]"},
		{"http://hooks.example.com/x", 0, "loopback"},
		{"http://10.0.0.1/x", 0, "loopback"},
		{"http://[::2]/x", 0, "loopback"},
		{"http://127.0.0.1.example.com/x", 0, "loopback"},
		{"ftp://h/x", 0, "https://"},
		{"HTTPS://h/x", 0, "https://"},
		{"https://", 0, "host"},
		{"https://:443/x", 0, "host"},
		{"https://user:pw@h/x", 0, "user name"},
		{"https://h/x#frag", 0, "fragment"},
		{"https://h x/", 0, "spaces"},
		{"https://h/\x01", 0, "control"},
		{"https://h\xc3\xa9/", 0, "ASCII"},
		{"https://h:0/", 0, "port"},
		{"https://h:65536/", 0, "port"},
		{"https://h:abc/", 0, "port"},
		{"https://h:/", 0, "port"},
		{"https://[::1/x", 0, "IPv6"},
		{"https://h_1/", 0, "host name"},
		{"", 0, "511"},
	};
	char long_url[IT_WEBHOOK_MAX_URL + 16];

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct webhook_url u;
		const char *why = NULL;
		int rc = webhook_url_check(cases[i].url, &u, &why);
		CHECK((rc == IT_OK) == cases[i].ok, "%s: %s", cases[i].url, why ? why : "accepted");
		if (rc == IT_OK) {
			CHECK_STR(u.origin, cases[i].origin, cases[i].url);
			CHECK_STR(u.url, cases[i].url, "url kept");
			CHECK(u.plain_http == !strncmp(cases[i].url, "http:", 5), "plain_http");
		} else {
			CHECK(why && strstr(why, cases[i].origin) != NULL, "%s: reason \"%s\"", cases[i].url, why ? why : "");
			CHECK(why && !strstr(why, "pw@"), "the reason never quotes the URL");
		}
	}
	memset(long_url, 'a', sizeof(long_url) - 1);
	memcpy(long_url, "https://h/", 10);
	long_url[IT_WEBHOOK_MAX_URL + 1] = '\0';
	CHECK(webhook_url_check(long_url, &(struct webhook_url){0}, NULL) == IT_EINVAL, "over 511 bytes");
	long_url[IT_WEBHOOK_MAX_URL] = '\0';
	CHECK(webhook_url_check(long_url, &(struct webhook_url){0}, NULL) == IT_OK, "511 bytes");
}

static void test_sign(void)
{
	char sig[WEBHOOK_SIG_LEN + 1] = "untouched";

	/* hmac.new(b"whsec-test-0123456789abcdef", b'1768478400.{"a":1}', sha256); the same
	 * from `printf '%s' '1768478400.{"a":1}' | openssl dgst -sha256 -hmac whsec-test-...` */
	CHECK(webhook_sign((const unsigned char *)SECRET, strlen(SECRET), 1768478400, "{\"a\":1}", 7, sig) == IT_OK,
	      "sign");
	CHECK_STR(sig, "sha256=6f07a0e3833ab32e322a9648d21e6e0cb91f08ffc4610d10f4b3bf1244240ab4", "signature vector");
	CHECK(webhook_sign((const unsigned char *)SECRET, strlen(SECRET), 1768478401, "{\"a\":1}", 7, sig) == IT_OK &&
	      strcmp(sig, "sha256=6f07a0e3833ab32e322a9648d21e6e0cb91f08ffc4610d10f4b3bf1244240ab4") != 0,
	      "another second, another signature");
	CHECK(webhook_sign((const unsigned char *)SECRET, strlen(SECRET), 1768478400, "", 0, sig) == IT_OK, "empty body");
	snprintf(sig, sizeof(sig), "untouched");
	CHECK(webhook_sign(NULL, 0, 1, "x", 1, sig) == IT_EINVAL && !strcmp(sig, "untouched"), "no secret");
	CHECK(webhook_sign((const unsigned char *)"k", 1, -1, "x", 1, sig) == IT_EINVAL, "negative time");
}

static void test_retry_after(void)
{
	static const int64_t now = 1768478400000LL;   /* Thu, 15 Jan 2026 12:00:00 GMT */
	static const struct {
		const char *v;
		int rc;
		int64_t at;
	} cases[] = {
		{"120", IT_OK, now + 120000},
		{"0", IT_OK, now + 1000},                          /* at least a second */
		{"86400", IT_OK, now + IT_WEBHOOK_RETRY_AFTER_MAX_MS},  /* at most an hour */
		{"Thu, 15 Jan 2026 12:00:30 GMT", IT_OK, now + 30000},
		{"Thursday, 15-Jan-26 12:00:30 GMT", IT_OK, now + 30000},   /* RFC 850 */
		{"Thu Jan 15 12:00:30 2026", IT_OK, now + 30000},           /* asctime */
		{"Wed, 14 Jan 2026 12:00:00 GMT", IT_OK, now + 1000},       /* past */
		{"", IT_EINVAL, 0},
		{"-5", IT_EINVAL, 0},
		{"1.5", IT_EINVAL, 0},
		{"99999999999", IT_EINVAL, 0},
		{"soon", IT_EINVAL, 0},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int64_t at = -7;
		int rc = webhook_retry_after(cases[i].v, now, &at);
		CHECK(rc == cases[i].rc, "\"%s\": rc %d", cases[i].v, rc);
		CHECK(rc == IT_OK ? at == cases[i].at : at == -7, "\"%s\": at %lld", cases[i].v, (long long)(at - now));
	}
	CHECK(webhook_retry_after(NULL, now, &(int64_t){0}) == IT_EINVAL, "NULL");
}

static void test_classify(void)
{
	static const int64_t now = 1768478400000LL;
	static const struct {
		int rc;
		long status;
		const char *retry_after, *body;
		enum webhook_outcome want;
		int64_t retry_at;
		const char *error;
	} cases[] = {
		{IT_OK, 200, NULL, "ok", WEBHOOK_DONE, 0, ""},
		{IT_OK, 204, NULL, "", WEBHOOK_DONE, 0, ""},
		{IT_OK, 500, NULL, "oops", WEBHOOK_RETRY, 0, "HTTP 500: oops"},
		{IT_OK, 503, "7", "", WEBHOOK_RETRY, now + 7000, "HTTP 503"},
		{IT_OK, 429, "2", "slow\ndown", WEBHOOK_RETRY, now + 2000, "HTTP 429: slow down"},
		{IT_OK, 429, "whenever", "", WEBHOOK_RETRY, 0, "HTTP 429"},
		{IT_OK, 408, NULL, "", WEBHOOK_RETRY, 0, "HTTP 408"},
		{IT_OK, 404, "5", "no such hook", WEBHOOK_FAILED, 0, "HTTP 404: no such hook"},
		{IT_OK, 400, NULL, "bad \x01\xff", WEBHOOK_FAILED, 0, "HTTP 400: bad ??"},
		{IT_OK, 401, NULL, "", WEBHOOK_FAILED, 0, "HTTP 401"},
		{IT_OK, 301, NULL, "", WEBHOOK_FAILED, 0, "HTTP 301"},   /* redirects are never followed */
		{IT_ENETWORK, 0, NULL, NULL, WEBHOOK_RETRY, 0, "no answer: connection failed or timed out"},
		{IT_ETOOBIG, 0, NULL, NULL, WEBHOOK_RETRY, 0, "no answer: answer over the size limit"},
	};
	struct webhook_result r;
	char big[1000];

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		webhook_classify(cases[i].rc, cases[i].status, cases[i].retry_after, cases[i].body,
				 cases[i].body ? strlen(cases[i].body) : 0, now, &r);
		CHECK(r.outcome == cases[i].want && r.retry_at == cases[i].retry_at, "%ld: outcome %d retry_at %lld",
		      cases[i].status, r.outcome, (long long)r.retry_at);
		CHECK_STR(r.error, cases[i].error, "error text");
	}
	memset(big, 'b', sizeof(big));
	webhook_classify(IT_OK, 418, NULL, big, sizeof(big), now, &r);
	CHECK(strlen(r.answer) == IT_WEBHOOK_ANSWER_KEPT && strlen(r.error) == strlen("HTTP 418: ") + IT_WEBHOOK_ANSWER_KEPT,
	      "the answer's first 200 bytes only: %zu", strlen(r.error));
}

static void test_post(void)
{
	struct aws_double d;
	struct aws_transport t = {double_send, &d};
	struct webhook_url u;
	struct webhook_target target;
	struct webhook_result r;
	char hdr[256], want[WEBHOOK_SIG_LEN + 1];
	static const char body[] = "{\"kind\":\"change\"}";
	static const int64_t now = 1768478400123LL;

	double_init(&d);
	CHECK(webhook_url_check("http://127.0.0.1:9/hook/secret-path", &u, NULL) == IT_OK, "url");
	memset(&target, 0, sizeof(target));
	target.url = &u;
	target.secret = (const unsigned char *)SECRET;
	target.secret_len = strlen(SECRET);
	target.transport = &t;
	double_push(&d, 200, "ok", NULL);
	CHECK(webhook_post(&target, "change", 42, body, strlen(body), now, &r) == IT_OK && r.outcome == WEBHOOK_DONE,
	      "posted");
	CHECK_STR(d.reqs[0].method, "POST", "POST");
	CHECK_STR(d.reqs[0].url, "http://127.0.0.1:9/hook/secret-path", "to the URL");
	CHECK_STR(d.reqs[0].body, body, "the body as given");
	CHECK_STR(req_header(&d.reqs[0], "Content-Type", hdr, sizeof(hdr)), "application/json", "json");
	CHECK_STR(req_header(&d.reqs[0], "X-Italic-Timestamp", hdr, sizeof(hdr)), "1768478400", "Unix seconds");
	CHECK(webhook_sign((const unsigned char *)SECRET, strlen(SECRET), 1768478400, body, strlen(body), want) == IT_OK,
	      "expected signature");
	CHECK_STR(req_header(&d.reqs[0], "X-Italic-Signature", hdr, sizeof(hdr)), want, "signed");
	CHECK_STR(req_header(&d.reqs[0], "X-Italic-Event", hdr, sizeof(hdr)), "change", "event");
	CHECK_STR(req_header(&d.reqs[0], "X-Italic-Delivery", hdr, sizeof(hdr)), "42", "delivery id");

	/* unsigned (slack without a secret), no delivery id (a test alert) */
	target.secret = NULL;
	target.secret_len = 0;
	d.n_reqs = 0;
	double_push(&d, 429, "later", NULL);
	d.script[d.n_script - 1].retry_after = "30";
	CHECK(webhook_post(&target, "test", 0, body, strlen(body), now, &r) == IT_OK, "posted again");
	CHECK(r.outcome == WEBHOOK_RETRY && r.retry_at == now + 30000 && r.status == 429, "429 with Retry-After");
	CHECK(!req_header(&d.reqs[0], "X-Italic-Signature", hdr, sizeof(hdr))[0] &&
	      !req_header(&d.reqs[0], "X-Italic-Timestamp", hdr, sizeof(hdr))[0], "no signature without a secret");
	CHECK(!req_header(&d.reqs[0], "X-Italic-Delivery", hdr, sizeof(hdr))[0], "no delivery id");
	d.n_reqs = 0;
	double_fail(&d, IT_ENETWORK);
	CHECK(webhook_post(&target, "change", 1, body, strlen(body), now, &r) == IT_OK && r.outcome == WEBHOOK_RETRY &&
	      r.status == 0, "a timeout is retried");
	CHECK(webhook_post(&target, "an-event-name-too-long", 1, body, strlen(body), now, &r) == IT_EINVAL, "bad event");
	target.transport = NULL;
	CHECK(webhook_post(&target, "change", 1, body, strlen(body), now, &r) == IT_EINVAL, "no transport");
}

int main(void)
{
	test_urls();
	test_sign();
	test_retry_after();
	test_classify();
	test_post();
	return tap_done();
}
