/* store_inbox.c: durable inbox rows (see store_inbox.h). */
#include "store_inbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

static const char SQL_INSERT[] =
	"INSERT OR IGNORE INTO inbox(event_id, idem_key, kind, account, region, token_id,"
	" received_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_DUE_PART[] =
	"SELECT seq, event_id, kind, body, attempts, received_at FROM inbox"
	" WHERE state = 0 AND seq > ?2 AND not_before <= ?1 AND (seq % ?3) = ?4 ORDER BY seq LIMIT ?5";
static const char SQL_DONE[] =
	"UPDATE inbox SET state = 2, done_at = ?2, outcome = ?3 WHERE seq = ?1";
static const char SQL_RETRY[] =
	"UPDATE inbox SET not_before = ?2, last_error = ?3, attempts = attempts + 1 WHERE seq = ?1";
static const char SQL_PENDING[] = "SELECT count(*), min(received_at) FROM inbox WHERE state < 2";
static const char SQL_STATE[] = "SELECT state FROM inbox WHERE account = ?1 AND event_id = ?2";

int store_inbox_insert_one(struct store *s, const struct inbox_new *e, enum inbox_result *ret, int64_t *ret_seq)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_INSERT, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, e->event_id);
	store_bind_text(st, 2, e->idem_key);
	store_bind_text(st, 3, e->kind);
	store_bind_text(st, 4, e->account);
	store_bind_text(st, 5, e->region);
	store_bind_text(st, 6, e->token_id);
	sqlite3_bind_int64(st, 7, e->received_at);
	sqlite3_bind_blob(st, 8, e->body, (int)e->body_len, SQLITE_STATIC);
	rc = store_done(s, st);
	if (rc)
		return rc;
	*ret = sqlite3_changes(store_db(s)) == 1 ? INBOX_ACCEPTED : INBOX_DUPLICATE;
	if (ret_seq && *ret == INBOX_ACCEPTED)
		*ret_seq = sqlite3_last_insert_rowid(store_db(s));
	return IT_OK;
}

struct due_page {
	struct inbox_row *rows;
	size_t max, n;
};

static int due_row(void *ctx, sqlite3_stmt *st)
{
	struct due_page *p = ctx;
	struct inbox_row *r = &p->rows[p->n];
	const void *body = sqlite3_column_blob(st, 3);
	int len = sqlite3_column_bytes(st, 3);

	if (p->n >= p->max)
		return STORE_STOP;
	memset(r, 0, sizeof(*r));
	r->seq = sqlite3_column_int64(st, 0);
	snprintf(r->event_id, sizeof(r->event_id), "%s", store_col_text(st, 1) ? store_col_text(st, 1) : "");
	snprintf(r->kind, sizeof(r->kind), "%s", store_col_text(st, 2) ? store_col_text(st, 2) : "");
	r->body = malloc((size_t)len + 1);
	if (!r->body)
		return IT_ENOMEM;
	if (len)
		memcpy(r->body, body, (size_t)len);
	r->body[len] = '\0';
	r->body_len = (size_t)len;
	r->attempts = sqlite3_column_int(st, 4) + 1;
	r->received_at = sqlite3_column_int64(st, 5);
	return ++p->n == p->max ? STORE_STOP : IT_OK;
}

int store_inbox_due(struct store *s, int64_t now, int64_t after_seq, unsigned parts, unsigned part,
		    struct inbox_row *rows, size_t max, size_t *ret_n)
{
	struct due_page p = {rows, max, 0};
	sqlite3_stmt *st;
	int rc;

	if (parts == 0 || part >= parts)
		return IT_EINVAL;
	rc = store_stmt(s, SQL_DUE_PART, &st);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, after_seq);
	sqlite3_bind_int64(st, 3, parts);
	sqlite3_bind_int64(st, 4, part);
	sqlite3_bind_int64(st, 5, (int64_t)max);
	rc = max ? store_each(s, st, due_row, &p) : IT_OK;
	if (rc) {
		for (size_t i = 0; i < p.n; i++)
			inbox_row_finish(&rows[i]);
		return rc;
	}
	*ret_n = p.n;
	return IT_OK;
}

int store_inbox_insert(struct store *s, const struct inbox_new *items, size_t n, enum inbox_result *results)
{
	enum inbox_result tmp[256];
	enum inbox_result *res = n <= 256 ? tmp : calloc(n, sizeof(*res));
	int rc;

	if (!res)
		return IT_ENOMEM;
	rc = store_begin(s);
	for (size_t i = 0; rc == IT_OK && i < n; i++)
		rc = store_inbox_insert_one(s, &items[i], &res[i], NULL);
	if (rc == IT_OK)
		rc = store_commit(s);
	else
		store_rollback(s);
	if (rc == IT_OK)
		memcpy(results, res, n * sizeof(*res));
	if (res != tmp)
		free(res);
	return rc;
}

void inbox_row_finish(struct inbox_row *r)
{
	if (!r)
		return;
	free(r->body);
	r->body = NULL;
}

static int exec_seq(struct store *s, const char *sql, int64_t seq, int64_t t, const char *text)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, sql, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, t);
	store_bind_text(st, 3, text);
	rc = store_done(s, st);
	return rc;
}

int store_inbox_done(struct store *s, int64_t seq, int64_t now, const char *outcome)
{
	return exec_seq(s, SQL_DONE, seq, now, outcome);
}

int store_inbox_retry(struct store *s, int64_t seq, int64_t not_before, const char *error)
{
	return exec_seq(s, SQL_RETRY, seq, not_before, error);
}

int store_inbox_pending(struct store *s, int64_t *ret_count, int64_t *ret_oldest)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_PENDING, &st);

	if (rc)
		return rc;
	return store_int64_pair(s, st, ret_count, ret_oldest);
}

int store_inbox_state(struct store *s, const char *account, const char *event_id, int *ret_state)
{
	int64_t state;
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_STATE, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, account);
	store_bind_text(st, 2, event_id);
	rc = store_int64(s, st, &state);
	if (rc == IT_OK)
		*ret_state = (int)state;
	return rc;
}
