/*
 * store_token.h: tokens in the database: create, look up by digest, list, revoke.
 *
 * A revoked token is kept (for the audit of who did what) but never authenticates;
 * revocation is a single UPDATE, so it takes effect for the next request.
 */
#ifndef ITALIC_STORE_TOKEN_H
#define ITALIC_STORE_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "limits.h"
#include "store.h"
#include "token.h"

struct token_record {
	char id[TOKEN_ID_LEN + 1];
	char name[IT_MAX_NAME + 1];
	enum role role;
	int64_t created_at;      /* Unix ms */
	int64_t last_used_at;    /* 0: never */
	int64_t revoked_at;      /* 0: active */
	size_t n_accounts;       /* 0: any account */
	char accounts[IT_MAX_TOKEN_ACCOUNTS][IT_ACCOUNT_ID_SIZE];
};

/* Inserts rec (id, name, role, accounts, created_at) with the digest. IT_EEXIST on a
 * duplicate id or digest. */
int store_token_create(struct store *s, const struct token_record *rec,
		       const uint8_t digest[TOKEN_DIGEST_LEN]) WARN_UNUSED;

/* Finds an active (not revoked) token by digest. IT_ENOTFOUND otherwise. */
int store_token_find(struct store *s, const uint8_t digest[TOKEN_DIGEST_LEN],
		     struct token_record *ret) WARN_UNUSED;

/* Records use at now_ms, at most once a minute per token (so reads stay reads). */
int store_token_touch(struct store *s, const char *id, int64_t now_ms) WARN_UNUSED;

/* Calls fn for every token (revoked ones included), oldest first. */
int store_token_list(struct store *s, void (*fn)(const struct token_record *, void *), void *ctx)
	WARN_UNUSED;

/* Revokes by id at now_ms. IT_ENOTFOUND for an unknown or already revoked id. */
int store_token_revoke(struct store *s, const char *id, int64_t now_ms) WARN_UNUSED;

/* 1 when the token may act for account (tokens bound to no account may act for all). */
int token_record_allows_account(const struct token_record *t, const char *account);

#endif
