/* auth.c: the credential, token and role checks of a route (see auth.h). */
#include "auth.h"

#include <string.h>

#include "limits.h"
#include "status.h"

static void result(struct auth_result *ret, unsigned status, int authenticated, const char *why)
{
	ret->status = status;
	ret->authenticated = authenticated;
	ret->why = status ? why : NULL;
}

void auth_decide(const struct auth_request *r, auth_find find, void *ctx, struct auth_result *ret)
{
	char token[IT_MAX_TOKEN_LEN + 1];
	uint8_t digest[TOKEN_DIGEST_LEN];
	enum role have = ROLE_NONE;
	int rc;

	rc = r->cut ? IT_EINVAL
		    : token_from_headers(r->authorization, r->authorization_len, r->api_key, r->api_key_len, token,
					 sizeof(token));
	if (rc == IT_EAUTH) {
		result(ret, r->need == ROLE_NONE ? 0 : 401, 0,
		       "a token is required: Authorization: Bearer <token>, x-api-key: <token>, or Basic with the "
		       "token as password");
		return;
	}
	if (rc) {
		result(ret, r->need == ROLE_NONE ? 0 : 401, 0, "malformed credentials in Authorization or x-api-key");
		return;
	}
	rc = token_digest(token, strlen(token), digest);
	explicit_bzero(token, sizeof(token));
	if (rc) {
		result(ret, 500, 0, "internal error hashing the token");
		return;
	}
	rc = find(ctx, digest, &have);
	explicit_bzero(digest, sizeof(digest));
	if (rc == IT_ENOTFOUND) {
		result(ret, r->need == ROLE_NONE ? 0 : 401, 0, "unknown or revoked token");
		return;
	}
	if (rc) {
		result(ret, 503, 0, "token store unavailable");
		return;
	}
	if (!role_allows(have, r->need)) {
		result(ret, 403, 1, "this token's role may not use this route");
		return;
	}
	result(ret, 0, 1, NULL);
}
