/* store_inbox.c: durable inbox rows (see store_inbox.h). */
#include "store_inbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

static const char SQL_INSERT[] =
	"INSERT OR IGNORE INTO inbox(event_id, idem_key, kind, account, region, token_id,"
	" received_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_DUE[] =
	"SELECT seq FROM inbox WHERE state = 0 AND not_before <= ?1 ORDER BY seq LIMIT ?2";
static const char SQL_EXPIRED[] =
	"SELECT seq FROM inbox WHERE state = 1 AND claimed_until < ?1 ORDER BY seq LIMIT ?2";
static const char SQL_CLAIM[] =
	"UPDATE inbox SET state = 1, claimed_until = ?2, attempts = attempts + 1 WHERE seq = ?1"
	" RETURNING event_id, kind, body, attempts, received_at";
static const char SQL_DONE[] =
	"UPDATE inbox SET state = 2, done_at = ?2, outcome = ?3, claimed_until = NULL WHERE seq = ?1";
static const char SQL_RETRY[] =
	"UPDATE inbox SET state = 0, not_before = ?2, last_error = ?3, claimed_until = NULL WHERE seq = ?1";
static const char SQL_RELEASE[] = "UPDATE inbox SET state = 0, claimed_until = NULL WHERE state = 1";
static const char SQL_PENDING[] = "SELECT count(*), min(received_at) FROM inbox WHERE state < 2";
static const char SQL_STATE[] = "SELECT state FROM inbox WHERE event_id = ?1";

int store_inbox_insert(struct store *s, const struct inbox_new *items, size_t n, enum inbox_result *results)
{
	enum inbox_result tmp[256];
	enum inbox_result *res = n <= 256 ? tmp : calloc(n, sizeof(*res));
	sqlite3_stmt *st;
	int rc;

	if (!res)
		return IT_ENOMEM;
	rc = store_begin(s);
	if (rc)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct inbox_new *e = &items[i];
		rc = store_stmt(s, SQL_INSERT, &st);
		if (rc)
			goto fail;
		store_bind_text(st, 1, e->event_id);
		store_bind_text(st, 2, e->idem_key);
		store_bind_text(st, 3, e->kind);
		store_bind_text(st, 4, e->account);
		store_bind_text(st, 5, e->region);
		store_bind_text(st, 6, e->token_id);
		sqlite3_bind_int64(st, 7, e->received_at);
		sqlite3_bind_blob(st, 8, e->body, (int)e->body_len, SQLITE_STATIC);
		rc = store_status(store_step(s, st));
		sqlite3_reset(st);
		if (rc)
			goto fail;
		res[i] = sqlite3_changes(store_db(s)) == 1 ? INBOX_ACCEPTED : INBOX_DUPLICATE;
	}
	rc = store_commit(s);
	if (rc == IT_OK)
		memcpy(results, res, n * sizeof(*res));
	goto out;
fail:
	store_rollback(s);
out:
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

static int collect(struct store *s, const char *sql, int64_t now, size_t max, int64_t *seqs, size_t *n)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, sql, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (int64_t)(max - *n));
	while ((rc = store_step(s, st)) == SQLITE_ROW && *n < max)
		seqs[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? IT_OK : store_status(rc);
}

int store_inbox_claim(struct store *s, int64_t now, int64_t lease_ms, struct inbox_row *rows, size_t max,
		      size_t *ret_n)
{
	int64_t seqs[64];
	size_t nseq = 0, got = 0;
	sqlite3_stmt *st;
	int rc;

	if (max > 64)
		max = 64;
	rc = store_begin(s);
	if (rc)
		return rc;
	rc = collect(s, SQL_EXPIRED, now, max, seqs, &nseq);
	if (rc == IT_OK && nseq < max)
		rc = collect(s, SQL_DUE, now, max, seqs, &nseq);
	for (size_t i = 0; rc == IT_OK && i < nseq; i++) {
		struct inbox_row *r = &rows[got];
		const void *body;
		int len;
		rc = store_stmt(s, SQL_CLAIM, &st);
		if (rc)
			break;
		sqlite3_bind_int64(st, 1, seqs[i]);
		sqlite3_bind_int64(st, 2, now + lease_ms);
		if (store_step(s, st) != SQLITE_ROW) {
			rc = IT_EDB;
			sqlite3_reset(st);
			break;
		}
		memset(r, 0, sizeof(*r));
		r->seq = seqs[i];
		snprintf(r->event_id, sizeof(r->event_id), "%s", store_col_text(st, 0) ? store_col_text(st, 0) : "");
		snprintf(r->kind, sizeof(r->kind), "%s", store_col_text(st, 1) ? store_col_text(st, 1) : "");
		body = sqlite3_column_blob(st, 2);
		len = sqlite3_column_bytes(st, 2);
		r->body = malloc((size_t)len + 1);
		if (!r->body) {
			rc = IT_ENOMEM;
			sqlite3_reset(st);
			break;
		}
		if (len)
			memcpy(r->body, body, (size_t)len);
		r->body[len] = '\0';
		r->body_len = (size_t)len;
		r->attempts = sqlite3_column_int(st, 3);
		r->received_at = sqlite3_column_int64(st, 4);
		/* RETURNING rows must be stepped to completion before the next statement. */
		while (store_step(s, st) == SQLITE_ROW)
			;
		sqlite3_reset(st);
		got++;
	}
	if (rc == IT_OK)
		rc = store_commit(s);
	else
		store_rollback(s);
	if (rc) {
		for (size_t i = 0; i < got; i++)
			inbox_row_finish(&rows[i]);
		return rc;
	}
	*ret_n = got;
	return IT_OK;
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
	rc = store_status(store_step(s, st));
	sqlite3_reset(st);
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

int store_inbox_release_all(struct store *s)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_RELEASE, &st);

	if (rc)
		return rc;
	rc = store_status(store_step(s, st));
	sqlite3_reset(st);
	return rc;
}

int store_inbox_pending(struct store *s, int64_t *ret_count, int64_t *ret_oldest)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_PENDING, &st);

	if (rc)
		return rc;
	rc = store_step(s, st);
	if (rc == SQLITE_ROW) {
		*ret_count = sqlite3_column_int64(st, 0);
		*ret_oldest = sqlite3_column_int64(st, 1);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	return store_status(rc);
}

int store_inbox_state(struct store *s, const char *event_id, int *ret_state)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_STATE, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, event_id);
	rc = store_step(s, st);
	if (rc == SQLITE_ROW) {
		*ret_state = sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		return IT_OK;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? IT_ENOTFOUND : store_status(rc);
}
