/*
 * test_auth: the decision behind 401 / 403 / 503 (lib/auth.h), one row per outcome:
 * no credentials, malformed ones (including a header cut at a NUL), an unknown token,
 * the store failing, a role that may not use the route, and every way in (Bearer,
 * Basic, x-api-key) for public, ingest, reader and admin routes. The token store is a
 * fake that knows one token per role by its digest, and counts its lookups.
 */
#include <string.h>

#include "auth.h"
#include "status.h"
#include "tap.h"

#define READER_TOKEN "itk_reader_token"
#define INGEST_TOKEN "itk_ingest_token"
#define ADMIN_TOKEN "itk_admin_token"
/* base64("anyone:itk_reader_token") */
#define BASIC_READER "Basic YW55b25lOml0a19yZWFkZXJfdG9rZW4="

struct fake_store {
	int fail;                 /* the store is unavailable */
	int lookups;
};

static int find(void *ctx, const uint8_t digest[TOKEN_DIGEST_LEN], enum role *ret_role)
{
	static const struct {
		const char *token;
		enum role role;
	} known[] = {{READER_TOKEN, ROLE_READER}, {INGEST_TOKEN, ROLE_INGEST}, {ADMIN_TOKEN, ROLE_ADMIN}};
	struct fake_store *s = ctx;

	s->lookups++;
	if (s->fail)
		return IT_EDB;
	for (size_t i = 0; i < ARRAY_LEN(known); i++) {
		uint8_t d[TOKEN_DIGEST_LEN];
		if (token_digest(known[i].token, strlen(known[i].token), d) == IT_OK && token_digest_equal(d, digest)) {
			*ret_role = known[i].role;
			return IT_OK;
		}
	}
	return IT_ENOTFOUND;
}

struct acase {
	const char *name;
	enum role need;
	const char *authorization;
	const char *api_key;
	int cut;
	int store_fails;
	unsigned status;
	int authenticated;
	int lookups;
	const char *why;          /* the start of the detail; NULL when it passes */
};

static const struct acase cases[] = {
	/* nothing presented */
	{.name = "public route, no token", .need = ROLE_NONE},
	{.name = "reader route, no token", .need = ROLE_READER, .status = 401, .why = "a token is required"},
	{.name = "ingest route, no token", .need = ROLE_INGEST, .status = 401, .why = "a token is required"},
	/* malformed */
	{.name = "unknown scheme", .need = ROLE_READER, .authorization = "Token " READER_TOKEN, .status = 401,
	 .why = "malformed credentials"},
	{.name = "a header cut at a NUL is malformed, not the part before", .need = ROLE_READER,
	 .authorization = "Bearer " READER_TOKEN, .cut = 1, .status = 401, .why = "malformed credentials"},
	{.name = "public route, malformed: passes unauthenticated", .need = ROLE_NONE, .authorization = "Bearer",
	 .why = NULL},
	/* unknown, store down */
	{.name = "unknown token", .need = ROLE_READER, .authorization = "Bearer itk_nobody", .status = 401,
	 .lookups = 1, .why = "unknown or revoked token"},
	{.name = "public route, unknown token: passes", .need = ROLE_NONE, .authorization = "Bearer itk_nobody",
	 .lookups = 1},
	{.name = "store down: 503, a retry may succeed", .need = ROLE_READER, .authorization = "Bearer " READER_TOKEN,
	 .store_fails = 1, .status = 503, .lookups = 1, .why = "token store unavailable"},
	{.name = "store down on a public route: still 503", .need = ROLE_NONE, .authorization = "Bearer " READER_TOKEN,
	 .store_fails = 1, .status = 503, .lookups = 1, .why = "token store unavailable"},
	/* roles */
	{.name = "reader on a reader route (Bearer)", .need = ROLE_READER, .authorization = "Bearer " READER_TOKEN,
	 .authenticated = 1, .lookups = 1},
	{.name = "reader on a reader route (Basic, token as password)", .need = ROLE_READER,
	 .authorization = BASIC_READER, .authenticated = 1, .lookups = 1},
	{.name = "reader on a reader route (x-api-key)", .need = ROLE_READER, .api_key = READER_TOKEN,
	 .authenticated = 1, .lookups = 1},
	{.name = "reader on the ingest route: 403", .need = ROLE_INGEST, .authorization = "Bearer " READER_TOKEN,
	 .status = 403, .authenticated = 1, .lookups = 1, .why = "this token's role may not use this route"},
	{.name = "reader on an admin route: 403", .need = ROLE_ADMIN, .api_key = READER_TOKEN, .status = 403,
	 .authenticated = 1, .lookups = 1, .why = "this token's role may not use this route"},
	{.name = "ingest on a reader route: 403", .need = ROLE_READER, .authorization = "Bearer " INGEST_TOKEN,
	 .status = 403, .authenticated = 1, .lookups = 1, .why = "this token's role may not use this route"},
	{.name = "ingest on the ingest route", .need = ROLE_INGEST, .api_key = INGEST_TOKEN, .authenticated = 1,
	 .lookups = 1},
	{.name = "admin on a reader route", .need = ROLE_READER, .authorization = "Bearer " ADMIN_TOKEN,
	 .authenticated = 1, .lookups = 1},
	{.name = "admin on the ingest route", .need = ROLE_INGEST, .authorization = "Bearer " ADMIN_TOKEN,
	 .authenticated = 1, .lookups = 1},
	{.name = "public route with a valid token: passes authenticated", .need = ROLE_NONE,
	 .authorization = "Bearer " READER_TOKEN, .authenticated = 1, .lookups = 1},
	{.name = "Authorization wins over x-api-key", .need = ROLE_ADMIN, .authorization = "Bearer " ADMIN_TOKEN,
	 .api_key = READER_TOKEN, .authenticated = 1, .lookups = 1},
};

int main(void)
{
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct acase *c = &cases[i];
		struct fake_store st = {c->store_fails, 0};
		struct auth_request r = {c->need, c->authorization, c->authorization ? strlen(c->authorization) : 0,
					 c->api_key, c->api_key ? strlen(c->api_key) : 0, c->cut};
		struct auth_result res = {999, 9, "unset"};

		auth_decide(&r, find, &st, &res);
		CHECK(res.status == c->status, "%s: status %u want %u", c->name, res.status, c->status);
		CHECK(res.authenticated == c->authenticated, "%s: authenticated %d", c->name, res.authenticated);
		CHECK(st.lookups == c->lookups, "%s: %d lookups, want %d", c->name, st.lookups, c->lookups);
		if (c->why)
			CHECK(res.why && strncmp(res.why, c->why, strlen(c->why)) == 0, "%s: why \"%s\"", c->name,
			      res.why ? res.why : "(null)");
		if (!c->status)
			CHECK(res.why == NULL, "%s: no reason when it passes", c->name);
	}
	return tap_done();
}
