/*
 * auth.h: who may use a route: the decision behind 401, 403 and 503, before any body
 * byte is read (service/http.c asks it with a request's credential headers).
 *
 * In order:
 *  1. credentials: Authorization (Bearer, or Basic with the token as password) or
 *     x-api-key (token.h). None at all: a public route (ROLE_NONE) passes, any other is
 *     401 "a token is required". Malformed (or cut at a NUL by the HTTP library, which
 *     never counts as the part before it): the same, 401 "malformed credentials".
 *  2. the token: looked up by its SHA-256 digest (never the token itself), through the
 *     caller's find. Unknown or revoked: a public route passes, else 401. The store
 *     failing: 503 (a retry may succeed), even on a public route, since that caller
 *     presented a token it expects to be honoured.
 *  3. the role: a known token without the route's role is 403 (role_allows()).
 * A public route with a valid token passes authenticated, so a handler can still tell
 * who called. Account binding is not decided here: only the ingest route knows the
 * account (token_record_allows_account()).
 *
 * The presented token is wiped from the stack before auth_decide() returns.
 */
#ifndef ITALIC_AUTH_H
#define ITALIC_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "token.h"

struct auth_request {
	enum role need;                 /* the route's role; ROLE_NONE: public */
	const char *authorization;      /* header value as received, or NULL */
	size_t authorization_len;
	const char *api_key;            /* x-api-key value, or NULL */
	size_t api_key_len;
	int cut;                        /* a credential header held a NUL */
};

/* Looks up an active token by digest: IT_OK with *ret_role set, IT_ENOTFOUND, or
 * another IT_E* error (the store is unavailable). */
typedef int (*auth_find)(void *ctx, const uint8_t digest[TOKEN_DIGEST_LEN], enum role *ret_role);

struct auth_result {
	unsigned status;                /* 0: may proceed; else 401, 403, 500 or 503 */
	int authenticated;              /* a known token was presented (find said IT_OK) */
	const char *why;                /* static sentence for the problem's detail; NULL on 0 */
};

/* Decides r (see above) into *ret, which is always written. */
void auth_decide(const struct auth_request *r, auth_find find, void *ctx, struct auth_result *ret);

#endif
