/* test_cursor: encode/decode round trip, every rejection reason, scope and age checks. */
#include <stdint.h>
#include <string.h>

#include "cursor.h"
#include "status.h"
#include "tap.h"

static const uint8_t key[CURSOR_KEY_LEN] = "0123456789abcdef0123456789abcde";
static const uint8_t other_key[CURSOR_KEY_LEN] = "X123456789abcdef0123456789abcde";

static struct cursor sample(void)
{
	struct cursor c;
	const char *parts[] = {"instances", "evaluated_at", "111122223333", NULL};

	memset(&c, 0, sizeof(c));
	c.kind = CURSOR_INSTANCES;
	if (cursor_scope(parts, 4, c.scope))
		memset(c.scope, 0, sizeof(c.scope));
	c.issued_ms = 1700000000000;
	c.sort = 1699999999123;
	c.id = 0;
	snprintf(c.account, sizeof(c.account), "111122223333");
	snprintf(c.region, sizeof(c.region), "us-gov-west-1");
	snprintf(c.instance_id, sizeof(c.instance_id), "i-0123456789abcdef0");
	return c;
}

static void flip(char *s, size_t i)
{
	s[i] = s[i] == 'A' ? 'B' : 'A';
}

int main(void)
{
	struct cursor c = sample(), got, untouched;
	char text[CURSOR_TEXT_MAX + 1], bad[CURSOR_TEXT_MAX + 8], small[16];
	uint8_t scope2[CURSOR_SCOPE_LEN];
	size_t n;

	/* Rejections first. */
	static const char *const malformed[] = {
		"", "A", "AB=", "AB+C", "AB/C", "has space", "AAAAAAAA", "____", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};
	memset(&untouched, 0x5a, sizeof(untouched));
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		got = untouched;
		CHECK(cursor_decode(malformed[i], key, sizeof(key), &got) == IT_EINVAL, "malformed %zu", i);
		CHECK(memcmp(&got, &untouched, sizeof(got)) == 0, "out-param untouched %zu", i);
	}
	memset(bad, 'A', CURSOR_TEXT_MAX + 4);
	bad[CURSOR_TEXT_MAX + 4] = '\0';
	CHECK(cursor_decode(bad, key, sizeof(key), &got) == IT_EINVAL, "too long");
	CHECK(cursor_decode(NULL, key, sizeof(key), &got) == IT_EINVAL, "NULL");
	CHECK(cursor_encode(&c, key, 0, text, sizeof(text)) == IT_EINVAL, "empty key");
	CHECK(cursor_encode(&c, key, sizeof(key), small, sizeof(small)) == IT_ETOOBIG, "small out");
	{
		struct cursor long_region = c;
		memset(long_region.region, 'x', sizeof(long_region.region));
		CHECK(cursor_encode(&long_region, key, sizeof(key), text, sizeof(text)) == IT_EINVAL,
		      "unterminated member");
	}

	/* Round trip. */
	CHECK(cursor_encode(&c, key, sizeof(key), text, sizeof(text)) == IT_OK, "encode");
	n = strlen(text);
	CHECK(n > 40 && n <= CURSOR_TEXT_MAX && strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n,
	      "base64url text: %s", text);
	CHECK(cursor_decode(text, key, sizeof(key), &got) == IT_OK, "decode");
	CHECK(got.kind == c.kind && got.sort == c.sort && got.issued_ms == c.issued_ms && got.id == 0 &&
	      memcmp(got.scope, c.scope, CURSOR_SCOPE_LEN) == 0, "fields");
	CHECK_STR(got.account, "111122223333", "account");
	CHECK_STR(got.region, "us-gov-west-1", "region");
	CHECK_STR(got.instance_id, "i-0123456789abcdef0", "instance");
	{
		struct cursor neg = c;
		neg.sort = INT64_MIN;
		neg.id = -5;
		neg.account[0] = neg.region[0] = neg.instance_id[0] = '\0';
		CHECK(cursor_encode(&neg, key, sizeof(key), text, sizeof(text)) == IT_OK, "encode neg");
		CHECK(cursor_decode(text, key, sizeof(key), &got) == IT_OK && got.sort == INT64_MIN && got.id == -5 &&
		      got.account[0] == '\0', "negative and empty round trip");
		CHECK(cursor_encode(&c, key, sizeof(key), text, sizeof(text)) == IT_OK, "re-encode");
	}

	/* Forgery: another key, and every single-character edit. */
	got = untouched;
	CHECK(cursor_decode(text, other_key, sizeof(other_key), &got) == IT_EAUTH, "other key");
	CHECK(memcmp(&got, &untouched, sizeof(got)) == 0, "forged leaves out-param");
	n = strlen(text);
	{
		int all = 1;
		for (size_t i = 0; i < n; i++) {
			int rc;
			memcpy(bad, text, n + 1);
			flip(bad, i);
			rc = cursor_decode(bad, key, sizeof(key), &got);
			if (rc != IT_EAUTH && rc != IT_EINVAL)
				all = 0;
		}
		CHECK(all, "every edited character is rejected");
	}
	memcpy(bad, text, n + 1);
	bad[n - 2] = '\0';
	CHECK(cursor_decode(bad, key, sizeof(key), &got) != IT_OK, "truncated");

	/* Scope and age. */
	CHECK(cursor_decode(text, key, sizeof(key), &got) == IT_OK, "decode again");
	CHECK(cursor_check(&got, CURSOR_INSTANCES, c.scope, c.issued_ms + 1000, 3600000) == IT_OK, "fresh");
	CHECK(cursor_check(&got, CURSOR_EVALUATIONS, c.scope, c.issued_ms, 3600000) == IT_ECONFLICT, "kind");
	{
		const char *parts[] = {"instances", "evaluated_at", "111122223334", NULL};
		CHECK(cursor_scope(parts, 4, scope2) == IT_OK, "scope");
		CHECK(cursor_check(&got, CURSOR_INSTANCES, scope2, c.issued_ms, 3600000) == IT_ECONFLICT, "scope");
	}
	CHECK(cursor_check(&got, CURSOR_INSTANCES, c.scope, c.issued_ms + 3600001, 3600000) == IT_ETOOBIG, "old");
	CHECK(cursor_check(&got, CURSOR_INSTANCES, c.scope, c.issued_ms - 120000, 3600000) == IT_ETOOBIG, "future");
	{
		const char *a[] = {"ab", "c"}, *b[] = {"a", "bc"}, *x[] = {NULL}, *y[] = {""};
		uint8_t sa[CURSOR_SCOPE_LEN], sb[CURSOR_SCOPE_LEN];
		CHECK(cursor_scope(a, 2, sa) == IT_OK && cursor_scope(b, 2, sb) == IT_OK &&
		      memcmp(sa, sb, sizeof(sa)) != 0, "length-prefixed scope");
		CHECK(cursor_scope(x, 1, sa) == IT_OK && cursor_scope(y, 1, sb) == IT_OK &&
		      memcmp(sa, sb, sizeof(sa)) != 0, "NULL differs from empty");
	}
	return tap_done();
}
