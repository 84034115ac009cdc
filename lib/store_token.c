/* store_token.c: token rows (see store_token.h). */
#include "store_token.h"

#include <stdio.h>
#include <string.h>

#include "status.h"

static const char SQL_INSERT[] =
	"INSERT INTO tokens(id, name, role, hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_INSERT_ACCOUNT[] =
	"INSERT INTO token_accounts(token_id, account) VALUES (?1, ?2)";
static const char SQL_FIND[] =
	"SELECT id, name, role, created_at, last_used_at, revoked_at, hash FROM tokens"
	" WHERE hash = ?1 AND revoked_at IS NULL";
static const char SQL_ACCOUNTS[] =
	"SELECT account FROM token_accounts WHERE token_id = ?1 ORDER BY account";
static const char SQL_TOUCH[] =
	"UPDATE tokens SET last_used_at = ?2 WHERE id = ?1"
	" AND (last_used_at IS NULL OR last_used_at < ?2 - 60000)";
static const char SQL_LIST[] =
	"SELECT id, name, role, created_at, last_used_at, revoked_at FROM tokens"
	" ORDER BY created_at, id";
static const char SQL_REVOKE[] =
	"UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL";

int store_token_create(struct store *s, const struct token_record *rec,
		       const uint8_t digest[TOKEN_DIGEST_LEN])
{
	sqlite3_stmt *st;
	int rc;

	rc = store_begin(s);
	if (rc)
		return rc;
	rc = store_stmt(s, SQL_INSERT, &st);
	if (rc)
		goto fail;
	store_bind_text(st, 1, rec->id);
	store_bind_text(st, 2, rec->name);
	store_bind_text(st, 3, role_names[rec->role]);
	sqlite3_bind_blob(st, 4, digest, TOKEN_DIGEST_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, rec->created_at);
	rc = store_done(s, st);
	if (rc)
		goto fail;
	for (size_t i = 0; i < rec->n_accounts; i++) {
		rc = store_stmt(s, SQL_INSERT_ACCOUNT, &st);
		if (rc)
			goto fail;
		store_bind_text(st, 1, rec->id);
		store_bind_text(st, 2, rec->accounts[i]);
		rc = store_done(s, st);
		/* A repeated --account is harmless: the set is what matters. */
		if (rc == IT_EEXIST)
			rc = IT_OK;
		if (rc)
			goto fail;
	}
	return store_commit(s);
fail:
	store_rollback(s);
	return rc;
}

static void copy_text(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static void row_to_record(sqlite3_stmt *st, struct token_record *r)
{
	memset(r, 0, sizeof(*r));
	copy_text(r->id, sizeof(r->id), store_col_text(st, 0));
	copy_text(r->name, sizeof(r->name), store_col_text(st, 1));
	if (role_parse(store_col_text(st, 2), &r->role))
		r->role = ROLE_NONE;
	r->created_at = sqlite3_column_int64(st, 3);
	r->last_used_at = sqlite3_column_int64(st, 4);
	r->revoked_at = sqlite3_column_int64(st, 5);
}

static int account_row(void *ctx, sqlite3_stmt *st)
{
	struct token_record *r = ctx;

	if (r->n_accounts >= IT_MAX_TOKEN_ACCOUNTS)
		return STORE_STOP;
	copy_text(r->accounts[r->n_accounts++], sizeof(r->accounts[0]), store_col_text(st, 0));
	return IT_OK;
}

static int load_accounts(struct store *s, struct token_record *r)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_ACCOUNTS, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, r->id);
	return store_each(s, st, account_row, r);
}

struct find {
	const uint8_t *digest;
	struct token_record r;
	int found;
};

static int find_row(void *ctx, sqlite3_stmt *st)
{
	struct find *f = ctx;
	/* The index found the row; still compare the digests in constant time, so the
	 * decision does not rest on SQLite's comparison. */
	const void *h = sqlite3_column_blob(st, 6);

	if (h && sqlite3_column_bytes(st, 6) == TOKEN_DIGEST_LEN && token_digest_equal(h, f->digest)) {
		row_to_record(st, &f->r);
		f->found = 1;
	}
	return IT_OK;
}

int store_token_find(struct store *s, const uint8_t digest[TOKEN_DIGEST_LEN], struct token_record *ret)
{
	struct find f = {digest, {{0}}, 0};
	sqlite3_stmt *st;
	int rc;

	rc = store_stmt(s, SQL_FIND, &st);
	if (rc)
		return rc;
	sqlite3_bind_blob(st, 1, digest, TOKEN_DIGEST_LEN, SQLITE_TRANSIENT);
	rc = store_one(s, st, find_row, &f);
	if (rc)
		return rc;
	if (!f.found)
		return IT_ENOTFOUND;
	rc = load_accounts(s, &f.r);
	if (rc)
		return rc;
	*ret = f.r;
	return IT_OK;
}

int store_token_touch(struct store *s, const char *id, int64_t now_ms)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_TOUCH, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, now_ms);
	return store_done(s, st);
}

struct list {
	struct store *s;
	void (*fn)(const struct token_record *, void *);
	void *ctx;
};

static int list_row(void *ctx, sqlite3_stmt *st)
{
	struct list *l = ctx;
	struct token_record r;
	int rc;

	row_to_record(st, &r);
	rc = load_accounts(l->s, &r);
	if (rc == IT_OK)
		l->fn(&r, l->ctx);
	return rc;
}

int store_token_list(struct store *s, void (*fn)(const struct token_record *, void *), void *ctx)
{
	struct list l = {s, fn, ctx};
	sqlite3_stmt *st;
	int rc;

	rc = store_stmt(s, SQL_LIST, &st);
	if (rc)
		return rc;
	return store_each(s, st, list_row, &l);
}

int store_token_revoke(struct store *s, const char *id, int64_t now_ms)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_REVOKE, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, now_ms);
	rc = store_done(s, st);
	if (rc)
		return rc;
	return sqlite3_changes(store_db(s)) == 1 ? IT_OK : IT_ENOTFOUND;
}

int token_record_allows_account(const struct token_record *t, const char *account)
{
	if (t->n_accounts == 0)
		return 1;
	for (size_t i = 0; i < t->n_accounts; i++)
		if (account && strcmp(t->accounts[i], account) == 0)
			return 1;
	return 0;
}
