/*
 * token.h: API tokens: roles, generation, hashing, and parsing the credential out of
 * request headers.
 *
 * A token is "itk_" + 43 base64url characters (32 random bytes from getrandom). Only
 * its SHA-256 digest is stored; a presented token is hashed and the digests are
 * compared with CRYPTO_memcmp. Raw tokens never reach a log line.
 */
#ifndef ITALIC_TOKEN_H
#define ITALIC_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

enum role {
	ROLE_NONE,     /* public routes: no token needed */
	ROLE_INGEST,   /* POST /v1/events */
	ROLE_READER,   /* GET routes */
	ROLE_ADMIN,    /* everything */
	ROLE__MAX
};

extern const char *const role_names[ROLE__MAX];

#define TOKEN_DIGEST_LEN 32
#define TOKEN_TEXT_LEN 47       /* "itk_" + 43 */
#define TOKEN_ID_LEN 16         /* "tok_" + 12 hex */

int role_parse(const char *s, enum role *ret) WARN_UNUSED;

/* 1 when a token of role have may call a route that requires need. admin may call
 * everything; otherwise the roles must be equal. ROLE_NONE routes are open. */
int role_allows(enum role have, enum role need);

/* New random token text (NUL-terminated) and a new random id. */
int token_generate(char ret_token[TOKEN_TEXT_LEN + 1], char ret_id[TOKEN_ID_LEN + 1]) WARN_UNUSED;

/* SHA-256 of the token text. */
int token_digest(const char *token, size_t len, uint8_t ret[TOKEN_DIGEST_LEN]) WARN_UNUSED;

/* Constant-time digest comparison: 1 if equal. */
int token_digest_equal(const uint8_t a[TOKEN_DIGEST_LEN], const uint8_t b[TOKEN_DIGEST_LEN]);

/*
 * Extracts the presented token from the request's headers, in order of precedence:
 * "Authorization: Bearer <token>", "Authorization: Basic base64(user:token)" (the
 * password is the token; the user name is ignored), "x-api-key: <token>".
 * Either header may be NULL; each comes with its length as received (auth_len,
 * key_len), and a value holding a NUL within that length is malformed, never cut.
 * Returns IT_OK with the token copied into out (outlen must exceed IT_MAX_TOKEN_LEN),
 * IT_EAUTH when no credential is present, IT_EINVAL when a header is malformed
 * (unknown scheme, bad base64, no ':' in Basic, characters outside visible ASCII, a
 * NUL, over IT_MAX_TOKEN_LEN). out is written only on success.
 */
int token_from_headers(const char *authorization, size_t auth_len, const char *x_api_key,
		       size_t key_len, char *out, size_t outlen) WARN_UNUSED;

#endif
