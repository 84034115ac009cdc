/* store_retention.c: the retention purge in short batches (see store_retention.h). */
#include "store_retention.h"

#include "status.h"

static const char SQL_PURGE_EVALS[] = "DELETE FROM evaluations WHERE id IN"
	" (SELECT id FROM evaluations WHERE evaluated_at < ?1 ORDER BY evaluated_at LIMIT ?2)";
static const char SQL_PURGE_INBOX[] = "DELETE FROM inbox WHERE seq IN"
	" (SELECT seq FROM inbox WHERE state = 2 AND done_at < ?1 LIMIT ?2)";
/* A failed delivery has no done_at: its age is its creation. */
static const char SQL_PURGE_DELIVERIES[] = "DELETE FROM deliveries WHERE id IN"
	" (SELECT id FROM deliveries WHERE state IN ('done', 'failed')"
	" AND coalesce(done_at, created_at) < ?1 LIMIT ?2)";

static const struct query_statement statements[] = {
	{"purge_evaluations", SQL_PURGE_EVALS, "evaluations"},
	{"purge_inbox", SQL_PURGE_INBOX, "inbox"},
	{"purge_deliveries", SQL_PURGE_DELIVERIES, "deliveries"},
};

const struct query_statement *store_retention_statements(size_t *ret_n)
{
	*ret_n = sizeof(statements) / sizeof(statements[0]);
	return statements;
}

static int purge_one(struct store *s, const char *sql, int64_t before_ms, int batch, int64_t *ret_n)
{
	sqlite3_stmt *st;
	int rc;

	rc = store_begin(s);
	if (rc)
		return rc;
	rc = store_stmt(s, sql, &st);
	if (rc == IT_OK) {
		sqlite3_bind_int64(st, 1, before_ms);
		sqlite3_bind_int(st, 2, batch);
		rc = store_status(store_step(s, st));
		sqlite3_reset(st);
	}
	if (rc) {
		store_rollback(s);
		return rc;
	}
	*ret_n = sqlite3_changes(store_db(s));
	return store_commit(s);
}

int store_retention_purge(struct store *s, int64_t now_ms, uint64_t retention_days, int batch,
			  struct retention_counts *ret)
{
	struct retention_counts c = {0, 0, 0};
	int64_t history_cutoff;
	int rc;

	if (batch < 1 || retention_days < 1 || retention_days > 36500)
		return IT_EINVAL;
	history_cutoff = now_ms - (int64_t)retention_days * 86400000LL;
	rc = purge_one(s, SQL_PURGE_EVALS, history_cutoff, batch, &c.evaluations);
	if (rc == IT_OK)
		rc = purge_one(s, SQL_PURGE_INBOX, now_ms - RETENTION_INBOX_KEEP_MS, batch, &c.inbox);
	if (rc == IT_OK)
		rc = purge_one(s, SQL_PURGE_DELIVERIES, history_cutoff, batch, &c.deliveries);
	if (rc)
		return rc;
	*ret = c;
	return IT_OK;
}

int store_retention_next_batch(int batch, int64_t elapsed_ms, int max_batch)
{
	if (max_batch < RETENTION_BATCH_MIN)
		max_batch = RETENTION_BATCH_MIN;
	if (elapsed_ms > RETENTION_STEP_SLOW_MS)
		batch /= 2;
	else if (elapsed_ms < RETENTION_STEP_FAST_MS && batch <= max_batch / 2)
		batch *= 2;
	else if (elapsed_ms < RETENTION_STEP_FAST_MS)
		batch = max_batch;
	if (batch < RETENTION_BATCH_MIN)
		batch = RETENTION_BATCH_MIN;
	return batch > max_batch ? max_batch : batch;
}
