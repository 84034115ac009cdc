/* test_token: header parsing (rejections first), generation, digests, roles. */
#include "limits.h"
#include "status.h"
#include "tap.h"
#include "token.h"

#define LEN(s) ((s) ? strlen(s) : 0)

struct hcase {
	const char *name;
	const char *authorization;
	const char *api_key;
	int want;
	const char *token;
};

static const struct hcase cases[] = {
	{"nothing", NULL, NULL, IT_EAUTH, NULL},
	{"empty headers", "", "", IT_EAUTH, NULL},
	{"unknown scheme", "Token abc", NULL, IT_EINVAL, NULL},
	{"bearer without token", "Bearer ", NULL, IT_EINVAL, NULL},
	{"bearer with inner space", "Bearer ab cd", NULL, IT_EINVAL, NULL},
	{"bearer control char", "Bearer ab\x01", NULL, IT_EINVAL, NULL},
	{"bearer non-ascii", "Bearer ab\xc3\xa9", NULL, IT_EINVAL, NULL},
	{"basic not base64", "Basic !!!!", NULL, IT_EINVAL, NULL},
	{"basic bad length", "Basic YWJj=", NULL, IT_EINVAL, NULL},
	{"basic no colon", "Basic YWJjZA==", NULL, IT_EINVAL, NULL},               /* "abcd" */
	{"basic empty password", "Basic dXNlcjo=", NULL, IT_EINVAL, NULL},         /* "user:" */
	{"basic misplaced pad", "Basic YW=jZA==", NULL, IT_EINVAL, NULL},
	{"api key with space", NULL, "ab cd", IT_EINVAL, NULL},
	{"bearer", "Bearer itk_abc", NULL, IT_OK, "itk_abc"},
	{"bearer lower-case scheme, extra spaces", "  bearer   itk_abc  ", NULL, IT_OK, "itk_abc"},
	{"basic", "Basic dXNlcjppdGtfYWJj", NULL, IT_OK, "itk_abc"},            /* "user:itk_abc" */
	{"basic empty user", "Basic Oml0a19hYmM=", NULL, IT_OK, "itk_abc"},       /* ":itk_abc" */
	{"basic password with colon", "Basic dTphOmI=", NULL, IT_OK, "a:b"},       /* "u:a:b" */
	{"x-api-key", NULL, "itk_abc", IT_OK, "itk_abc"},
	{"authorization wins over x-api-key", "Bearer one", "two", IT_OK, "one"},
};

int main(void)
{
	char out[IT_MAX_TOKEN_LEN + 1], long_tok[IT_MAX_TOKEN_LEN + 20], tok[TOKEN_TEXT_LEN + 1],
		tok2[TOKEN_TEXT_LEN + 1], id[TOKEN_ID_LEN + 1], id2[TOKEN_ID_LEN + 1];
	uint8_t d1[TOKEN_DIGEST_LEN], d2[TOKEN_DIGEST_LEN];
	enum role r = ROLE_NONE;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hcase *c = &cases[i];
		int rc;
		snprintf(out, sizeof(out), "untouched");
		rc = token_from_headers(c->authorization, LEN(c->authorization), c->api_key, LEN(c->api_key), out,
					sizeof(out));
		CHECK(rc == c->want, "%s: rc %d want %d", c->name, rc, c->want);
		if (c->token)
			CHECK_STR(out, c->token, c->name);
		else
			CHECK_STR(out, "untouched", c->name);
	}
	memcpy(long_tok, "Bearer ", 7);
	memset(long_tok + 7, 'a', IT_MAX_TOKEN_LEN + 1);
	long_tok[7 + IT_MAX_TOKEN_LEN + 1] = '\0';
	CHECK(token_from_headers(long_tok, strlen(long_tok), NULL, 0, out, sizeof(out)) == IT_EINVAL, "over max token length");
	long_tok[7 + IT_MAX_TOKEN_LEN] = '\0';
	CHECK(token_from_headers(long_tok, strlen(long_tok), NULL, 0, out, sizeof(out)) == IT_OK, "exactly max token length");
	CHECK(token_from_headers("Bearer abc", 10, NULL, 0, out, 3) == IT_EINVAL, "output too small");
	/* A NUL and more bytes after a token: malformed, never the token before the NUL. */
	snprintf(out, sizeof(out), "untouched");
	CHECK(token_from_headers("Bearer itk_abc\0junk", 19, NULL, 0, out, sizeof(out)) == IT_EINVAL,
	      "NUL inside Authorization");
	CHECK(token_from_headers(NULL, 0, "itk_abc\0junk", 12, out, sizeof(out)) == IT_EINVAL,
	      "NUL inside x-api-key");
	CHECK(token_from_headers("Bearer itk_abc\0", 15, NULL, 0, out, sizeof(out)) == IT_EINVAL,
	      "trailing NUL inside the given length");
	CHECK_STR(out, "untouched", "NUL cases leave out alone");

	CHECK(token_generate(tok, id) == IT_OK, "generate");
	CHECK(token_generate(tok2, id2) == IT_OK, "generate 2");
	CHECK(strlen(tok) == TOKEN_TEXT_LEN && strncmp(tok, "itk_", 4) == 0, "token shape %s", tok);
	CHECK(strlen(id) == TOKEN_ID_LEN && strncmp(id, "tok_", 4) == 0, "id shape %s", id);
	CHECK(strcmp(tok, tok2) != 0 && strcmp(id, id2) != 0, "two tokens differ");
	CHECK(token_from_headers(NULL, 0, tok, strlen(tok), out, sizeof(out)) == IT_OK && strcmp(out, tok) == 0,
	      "generated token survives header parsing");

	CHECK(token_digest("abc", 3, d1) == IT_OK, "digest");
	CHECK(d1[0] == 0xba && d1[1] == 0x78 && d1[31] == 0xad, "sha256(abc) known value");
	CHECK(token_digest("abd", 3, d2) == IT_OK && !token_digest_equal(d1, d2), "different digests");
	CHECK(token_digest("abc", 3, d2) == IT_OK && token_digest_equal(d1, d2), "equal digests");

	CHECK(role_parse("none", &r) == IT_EINVAL && r == ROLE_NONE, "'none' is not a token role");
	CHECK(role_parse("Admin", &r) == IT_EINVAL, "case-sensitive");
	CHECK(role_parse("reader", &r) == IT_OK && r == ROLE_READER, "reader");
	CHECK(role_allows(ROLE_ADMIN, ROLE_INGEST) && role_allows(ROLE_ADMIN, ROLE_READER), "admin all");
	CHECK(!role_allows(ROLE_READER, ROLE_INGEST) && !role_allows(ROLE_INGEST, ROLE_READER), "disjoint");
	CHECK(!role_allows(ROLE_READER, ROLE_ADMIN) && !role_allows(ROLE_NONE, ROLE_READER), "no escalation");
	CHECK(role_allows(ROLE_NONE, ROLE_NONE) && role_allows(ROLE_INGEST, ROLE_INGEST), "same role");
	return tap_done();
}
