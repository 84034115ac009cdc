/* store_outbox.c: durable deliveries (see store_outbox.h). */
#include "store_outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

#define COLS "id, destination, group_key, account, region, instance_id, payload, state, attempts," \
	     " created_at, next_attempt_at, last_error, done_at"

static const char SQL_ADD_DUE[] =
	"INSERT INTO deliveries(destination, group_key, account, region, instance_id, payload, created_at,"
	" next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_GET[] = "SELECT " COLS " FROM deliveries WHERE id = ?1";
static const char SQL_SET_PAYLOAD[] = "UPDATE deliveries SET payload = ?2 WHERE id = ?1";
static const char SQL_OLDEST_DUE[] =
	"SELECT group_key FROM deliveries WHERE state = 'pending' AND destination = ?1"
	" AND next_attempt_at <= ?2 AND (leased_until IS NULL OR leased_until < ?2) ORDER BY next_attempt_at, id LIMIT 1";
static const char SQL_GROUP_DUE[] =
	"SELECT " COLS " FROM deliveries WHERE state = 'pending' AND destination = ?1 AND group_key = ?2"
	" AND next_attempt_at <= ?3 AND (leased_until IS NULL OR leased_until < ?3) ORDER BY id LIMIT ?4";
static const char SQL_LEASE[] =
	"UPDATE deliveries SET leased_until = ?2, attempts = attempts + 1 WHERE id = ?1";
static const char SQL_DONE[] =
	"UPDATE deliveries SET state = 'done', done_at = ?2, leased_until = NULL, last_error = NULL WHERE id = ?1";
static const char SQL_FAIL[] =
	"UPDATE deliveries SET state = CASE WHEN ?5 OR created_at < ?2 - ?6 THEN 'failed' ELSE 'pending' END,"
	" next_attempt_at = ?3, last_error = ?4, leased_until = NULL WHERE id = ?1";
static const char SQL_NEXT_DUE[] =
	"SELECT min(next_attempt_at) FROM deliveries WHERE state = 'pending' AND destination = ?1";
static const char SQL_LIST[] =
	"SELECT " COLS " FROM deliveries WHERE (?1 IS NULL OR destination = ?1) AND (?2 IS NULL OR state = ?2)"
	" AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4";
static const char SQL_COUNT[] = "SELECT count(*) FROM deliveries WHERE destination = ?1 AND state = ?2";
static const char SQL_OLDEST_CREATED[] =
	"SELECT min(created_at) FROM deliveries WHERE state = 'pending' AND destination = ?1"
	" AND next_attempt_at <= ?2 AND (leased_until IS NULL OR leased_until < ?2)";
static const char SQL_RELEASE_ALL[] =
	"UPDATE deliveries SET leased_until = NULL WHERE state = 'pending' AND leased_until IS NOT NULL";
static const char SQL_NEWER[] =
	"SELECT 1 FROM deliveries WHERE destination = ?1 AND account = ?2 AND region = ?3 AND instance_id = ?4"
	" AND id > ?5 LIMIT 1";

void outbox_row_finish(struct outbox_row *r)
{
	if (!r)
		return;
	free(r->payload);
	free(r->last_error);
	r->payload = r->last_error = NULL;
}

int store_outbox_add(struct store *s, const char *destination, const char *group_key, const char *account,
		     const char *region, const char *instance_id, const char *payload, int64_t now)
{
	return store_outbox_add_due(s, destination, group_key, account, region, instance_id, payload, now, now, NULL);
}

int store_outbox_add_due(struct store *s, const char *destination, const char *group_key, const char *account,
			 const char *region, const char *instance_id, const char *payload, int64_t now,
			 int64_t due_at, int64_t *ret_id)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_ADD_DUE, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, destination);
	store_bind_text(st, 2, group_key ? group_key : "");
	store_bind_text(st, 3, account);
	store_bind_text(st, 4, region);
	store_bind_text(st, 5, instance_id);
	store_bind_text(st, 6, payload);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_int64(st, 8, due_at);
	rc = store_done(s, st);
	if (rc == IT_OK && ret_id)
		*ret_id = sqlite3_last_insert_rowid(store_db(s));
	return rc;
}

int store_outbox_set_payload(struct store *s, int64_t id, const char *payload)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_SET_PAYLOAD, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, payload);
	rc = store_done(s, st);
	if (rc == IT_OK && sqlite3_changes(store_db(s)) == 0)
		rc = IT_ENOTFOUND;
	return rc;
}

/* One row of COLS into *out, a struct outbox_row (store_fill's read). */
static int row_from(sqlite3_stmt *st, void *out)
{
	struct outbox_row *r = out;
	const char *p = store_col_text(st, 6), *e = store_col_text(st, 11);

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	store_col_copy(r->destination, sizeof(r->destination), st, 1);
	store_col_copy(r->group_key, sizeof(r->group_key), st, 2);
	store_col_copy(r->account, sizeof(r->account), st, 3);
	store_col_copy(r->region, sizeof(r->region), st, 4);
	store_col_copy(r->instance_id, sizeof(r->instance_id), st, 5);
	store_col_copy(r->state, sizeof(r->state), st, 7);
	r->attempts = sqlite3_column_int(st, 8);
	r->created_at = sqlite3_column_int64(st, 9);
	r->next_attempt_at = sqlite3_column_int64(st, 10);
	r->done_at = sqlite3_column_int64(st, 12);
	r->payload = strdup(p ? p : "");
	r->last_error = e ? strdup(e) : NULL;
	if (!r->payload || (e && !r->last_error)) {
		outbox_row_finish(r);
		return IT_ENOMEM;
	}
	return IT_OK;
}

static void finish_row(void *row)
{
	outbox_row_finish(row);
}

static int fill(struct store *s, sqlite3_stmt *st, struct outbox_row *rows, size_t max, size_t *ret_n)
{
	return store_fill(s, st, rows, sizeof(*rows), max, row_from, finish_row, ret_n);
}

#define GROUP_MAX 96

static int group_row(void *ctx, sqlite3_stmt *st)
{
	store_col_copy(ctx, GROUP_MAX, st, 0);
	return IT_OK;
}

int store_outbox_get(struct store *s, int64_t id, struct outbox_row *ret)
{
	sqlite3_stmt *st;
	size_t n = 0;
	int rc = store_stmt(s, SQL_GET, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = fill(s, st, ret, 1, &n);
	if (rc == IT_OK && n == 0)
		rc = IT_ENOTFOUND;
	return rc;
}

int store_outbox_lease(struct store *s, const char *destination, int64_t now, int64_t lease_ms,
		       struct outbox_row *rows, size_t max, size_t *ret_n)
{
	char group[GROUP_MAX];
	sqlite3_stmt *st;
	size_t n = 0;
	/* Inside a caller's transaction (the writer's), that transaction is the unit. */
	int own = sqlite3_get_autocommit(store_db(s));
	int rc;

	rc = own ? store_begin(s) : IT_OK;
	if (rc)
		return rc;
	rc = store_stmt(s, SQL_OLDEST_DUE, &st);
	if (rc)
		goto fail;
	store_bind_text(st, 1, destination);
	sqlite3_bind_int64(st, 2, now);
	rc = store_one(s, st, group_row, group);
	if (rc == IT_ENOTFOUND) {
		if (own)
			store_rollback(s);
		*ret_n = 0;
		return IT_OK;
	}
	if (rc)
		goto fail;
	rc = store_stmt(s, SQL_GROUP_DUE, &st);
	if (rc)
		goto fail;
	store_bind_text(st, 1, destination);
	store_bind_text(st, 2, group);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, (int64_t)max);
	rc = fill(s, st, rows, max, &n);
	if (rc)
		goto fail;
	for (size_t i = 0; i < n && rc == IT_OK; i++) {
		rc = store_stmt(s, SQL_LEASE, &st);
		if (rc)
			break;
		sqlite3_bind_int64(st, 1, rows[i].id);
		sqlite3_bind_int64(st, 2, now + lease_ms);
		rc = store_done(s, st);
		rows[i].attempts++;
	}
	if (rc == IT_OK && own)
		rc = store_commit(s);
	if (rc) {
		for (size_t i = 0; i < n; i++)
			outbox_row_finish(&rows[i]);
		goto fail;
	}
	*ret_n = n;
	return IT_OK;
fail:
	if (own)
		store_rollback(s);
	return rc;
}

int store_outbox_done(struct store *s, int64_t id, int64_t now)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_DONE, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return store_done(s, st);
}

int store_outbox_fail(struct store *s, int64_t id, int64_t now, int64_t next_attempt_at, const char *error,
		      int final)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_FAIL, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, next_attempt_at);
	store_bind_text(st, 4, error);
	sqlite3_bind_int(st, 5, final ? 1 : 0);
	sqlite3_bind_int64(st, 6, OUTBOX_GIVE_UP_MS);
	return store_done(s, st);
}

int store_outbox_next_due(struct store *s, const char *destination, int64_t *ret_at)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_NEXT_DUE, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, destination);
	return store_int64(s, st, ret_at);
}

int store_outbox_list(struct store *s, const char *destination, const char *state, int64_t before_id,
		      struct outbox_row *rows, size_t max, size_t *ret_n)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_LIST, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, destination);
	store_bind_text(st, 2, state);
	sqlite3_bind_int64(st, 3, before_id);
	sqlite3_bind_int64(st, 4, (int64_t)max);
	return fill(s, st, rows, max, ret_n);
}

int store_outbox_count(struct store *s, const char *destination, const char *state, int64_t *ret)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_COUNT, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, destination);
	store_bind_text(st, 2, state);
	return store_int64(s, st, ret);
}

int store_outbox_oldest_due(struct store *s, const char *destination, int64_t now, int64_t *ret_created_at)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_OLDEST_CREATED, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, destination);
	sqlite3_bind_int64(st, 2, now);
	return store_int64(s, st, ret_created_at);
}

int store_outbox_superseded(struct store *s, const struct outbox_row *r, int *ret)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_NEWER, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, r->destination);
	store_bind_text(st, 2, r->account);
	store_bind_text(st, 3, r->region);
	store_bind_text(st, 4, r->instance_id);
	sqlite3_bind_int64(st, 5, r->id);
	rc = store_one(s, st, NULL, NULL);
	if (rc && rc != IT_ENOTFOUND)
		return rc;
	*ret = rc == IT_OK;
	return IT_OK;
}

int store_outbox_release_all(struct store *s)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_RELEASE_ALL, &st);

	if (rc)
		return rc;
	return store_done(s, st);
}
