/* store_sweep.c: sweep schedule and record (see store_sweep.h). */
#include "store_sweep.h"

#include <stdio.h>
#include <string.h>

#include "limits.h"
#include "status.h"

static const char SQL_PAIRS[] =
	"SELECT p.account, p.region, p.first_seen_at, coalesce(w.last_started_at, 0), coalesce(w.failing_since, 0)"
	" FROM sweep_pairs p LEFT JOIN sweeps w ON w.account = p.account AND w.region = p.region"
	" WHERE (p.account, p.region) > (?1, ?2) AND w.stopped_at IS NULL"
	" ORDER BY p.account, p.region LIMIT ?3";
static const char SQL_BEGIN[] =
	"INSERT INTO sweeps(account, region, last_started_at) VALUES (?1, ?2, ?3)"
	" ON CONFLICT(account, region) DO UPDATE SET last_started_at = excluded.last_started_at";
/* SET expressions see the row's old values: a failure's run starts at this sweep's start
 * unless one is already running; it stops the pair once the run is over ?7 ms old. */
static const char SQL_END[] =
	"UPDATE sweeps SET last_finished_at = ?3, instances_seen = ?4, changed = ?5, error = ?6,"
	" failing_since = CASE WHEN ?6 IS NULL THEN NULL ELSE coalesce(failing_since, last_started_at) END,"
	" stopped_at = CASE WHEN ?6 IS NOT NULL AND ?3 - coalesce(failing_since, last_started_at) > ?7 THEN ?3"
	" ELSE NULL END"
	" WHERE account = ?1 AND region = ?2";
static const char SQL_RESUME[] =
	"UPDATE sweeps SET stopped_at = NULL, failing_since = NULL"
	" WHERE account = ?1 AND region = ?2 AND stopped_at IS NOT NULL";
static const char SQL_LIST[] =
	"SELECT account, region, coalesce(last_started_at, 0), coalesce(last_finished_at, 0),"
	" coalesce(instances_seen, 0), coalesce(changed, 0), error, 0, coalesce(failing_since, 0),"
	" coalesce(stopped_at, 0) FROM sweeps"
	" WHERE (account, region) > (?1, ?2) ORDER BY account, region LIMIT ?3";
static const char SQL_FIRST_SEEN[] =
	"SELECT first_seen_at FROM instances WHERE account = ?1 AND region = ?2 AND instance_id = ?3";

static void row_from(sqlite3_stmt *st, struct sweep_row *r)
{
	const char *a = store_col_text(st, 0), *g = store_col_text(st, 1), *e = store_col_text(st, 6);

	memset(r, 0, sizeof(*r));
	snprintf(r->account, sizeof(r->account), "%s", a ? a : "");
	snprintf(r->region, sizeof(r->region), "%s", g ? g : "");
	r->last_started_at = sqlite3_column_int64(st, 2);
	r->last_finished_at = sqlite3_column_int64(st, 3);
	r->instances_seen = sqlite3_column_int64(st, 4);
	r->changed = sqlite3_column_int64(st, 5);
	snprintf(r->error, sizeof(r->error), "%s", e ? e : "");
	r->failing_since = sqlite3_column_int64(st, 8);
	r->stopped_at = sqlite3_column_int64(st, 9);
}

static int read_row(sqlite3_stmt *st, void *row)
{
	row_from(st, row);
	return IT_OK;
}

static int read_pair(sqlite3_stmt *st, void *row)
{
	struct sweep_pair *p = row;
	const char *a = store_col_text(st, 0), *g = store_col_text(st, 1);

	memset(p, 0, sizeof(*p));
	snprintf(p->account, sizeof(p->account), "%s", a ? a : "");
	snprintf(p->region, sizeof(p->region), "%s", g ? g : "");
	p->first_seen_at = sqlite3_column_int64(st, 2);
	p->last_started_at = sqlite3_column_int64(st, 3);
	p->failing_since = sqlite3_column_int64(st, 4);
	return IT_OK;
}

int store_sweep_pairs(struct store *s, const char *after_account, const char *after_region, struct sweep_pair *rows,
		      size_t max, size_t *ret_n)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_PAIRS, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, after_account ? after_account : "");
	store_bind_text(st, 2, after_region ? after_region : "");
	sqlite3_bind_int64(st, 3, (int64_t)max);
	return store_fill(s, st, rows, sizeof(*rows), max, read_pair, NULL, ret_n);
}

int store_sweep_begin(struct store *s, const char *account, const char *region, int64_t now)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_BEGIN, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, account);
	store_bind_text(st, 2, region);
	sqlite3_bind_int64(st, 3, now);
	return store_done(s, st);
}

int store_sweep_end(struct store *s, const char *account, const char *region, int64_t now, int64_t seen,
		    int64_t changed, const char *error)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_END, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, account);
	store_bind_text(st, 2, region);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, seen);
	sqlite3_bind_int64(st, 5, changed);
	store_bind_text(st, 6, error);
	sqlite3_bind_int64(st, 7, IT_SWEEP_GIVE_UP_MS);
	rc = store_done(s, st);
	if (rc == IT_OK && sqlite3_changes(store_db(s)) == 0)
		rc = IT_ENOTFOUND;
	return rc;
}

int store_sweep_resume(struct store *s, const char *account, const char *region, int *ret_resumed)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_RESUME, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, account);
	store_bind_text(st, 2, region);
	rc = store_done(s, st);
	if (rc == IT_OK && ret_resumed)
		*ret_resumed = sqlite3_changes(store_db(s)) > 0;
	return rc;
}

int store_sweep_list(struct store *s, const char *after_account, const char *after_region, struct sweep_row *rows,
		     size_t max, size_t *ret_n)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_LIST, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, after_account ? after_account : "");
	store_bind_text(st, 2, after_region ? after_region : "");
	sqlite3_bind_int64(st, 3, (int64_t)max);
	return store_fill(s, st, rows, sizeof(*rows), max, read_row, NULL, ret_n);
}

int store_sweep_first_seen(struct store *s, const char *account, const char *region, const char *instance_id,
			   int64_t *ret_ms)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_FIRST_SEEN, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, account);
	store_bind_text(st, 2, region);
	store_bind_text(st, 3, instance_id);
	return store_int64(s, st, ret_ms);
}
