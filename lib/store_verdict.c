/* store_verdict.c: current verdicts and history (see store_verdict.h). */
#include "store_verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile.h"
#include "status.h"

#define COLS "account, region, instance_id, image_id, state, tags, compliance, reasons, matched_rule," \
	     " exemption, facts_source, observed_at, evaluated_at, next_change_at, last_event_id, result_token"

static const char SQL_GET[] = "SELECT " COLS " FROM instances WHERE account = ?1 AND region = ?2 AND instance_id = ?3";
static const char SQL_UPSERT[] =
	"INSERT INTO instances(account, region, instance_id, image_id, state, tags, compliance, reasons,"
	" matched_rule, exemption, facts_source, observed_at, evaluated_at, next_change_at, first_seen_at,"
	" last_event_id, result_token)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?13, ?15, ?16)"
	" ON CONFLICT(account, region, instance_id) DO UPDATE SET image_id = excluded.image_id,"
	" state = excluded.state, tags = excluded.tags, compliance = excluded.compliance,"
	" reasons = excluded.reasons, matched_rule = excluded.matched_rule, exemption = excluded.exemption,"
	" facts_source = excluded.facts_source, observed_at = excluded.observed_at,"
	" evaluated_at = excluded.evaluated_at, next_change_at = excluded.next_change_at,"
	" last_event_id = COALESCE(excluded.last_event_id, last_event_id),"
	" result_token = COALESCE(excluded.result_token, result_token)";
static const char SQL_HISTORY[] =
	"INSERT INTO evaluations(account, region, instance_id, image_id, state, compliance, previous_compliance,"
	" reasons, matched_rule, exemption, facts_source, observed_at, evaluated_at, next_change_at, trigger,"
	" trigger_event_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
static const char SQL_PAGE_ALL[] =
	"SELECT " COLS " FROM instances WHERE (account, region, instance_id) > (?1, ?2, ?3)"
	" ORDER BY account, region, instance_id LIMIT ?4";
static const char SQL_PAGE_ACCOUNT_REGION[] =
	"SELECT " COLS " FROM instances WHERE account = ?5 AND region = ?6 AND instance_id > ?3"
	" ORDER BY instance_id LIMIT ?4";
static const char SQL_PAGE_ACCOUNT[] =
	"SELECT " COLS " FROM instances WHERE account = ?5 AND (region, instance_id) > (?2, ?3)"
	" ORDER BY region, instance_id LIMIT ?4";
static const char SQL_DUE[] =
	"SELECT " COLS " FROM instances WHERE next_change_at IS NOT NULL AND next_change_at <= ?1"
	" ORDER BY next_change_at LIMIT ?2";
static const char SQL_NEXT_DUE[] = "SELECT min(next_change_at) FROM instances WHERE next_change_at IS NOT NULL";

static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

static char *dup_col(sqlite3_stmt *st, int col)
{
	const char *t = store_col_text(st, col);
	return t ? strdup(t) : NULL;
}

/* One row of COLS into *out, a struct verdict_row (store_fill's read). */
static int row_from(sqlite3_stmt *st, void *out)
{
	struct verdict_row *v = out;

	memset(v, 0, sizeof(*v));
	store_col_copy(v->account, sizeof(v->account), st, 0);
	store_col_copy(v->region, sizeof(v->region), st, 1);
	store_col_copy(v->instance_id, sizeof(v->instance_id), st, 2);
	store_col_copy(v->image_id, sizeof(v->image_id), st, 3);
	store_col_copy(v->state, sizeof(v->state), st, 4);
	store_col_copy(v->compliance, sizeof(v->compliance), st, 6);
	store_col_copy(v->matched_rule, sizeof(v->matched_rule), st, 8);
	store_col_copy(v->exemption, sizeof(v->exemption), st, 9);
	store_col_copy(v->facts_source, sizeof(v->facts_source), st, 10);
	v->observed_at = sqlite3_column_int64(st, 11);
	v->evaluated_at = sqlite3_column_int64(st, 12);
	v->next_change_at = sqlite3_column_int64(st, 13);
	store_col_copy(v->trigger_event_id, sizeof(v->trigger_event_id), st, 14);
	v->tags_json = dup_col(st, 5);
	v->reasons_json = dup_col(st, 7);
	v->result_token = dup_col(st, 15);
	if ((store_col_text(st, 5) && !v->tags_json) || (store_col_text(st, 7) && !v->reasons_json) ||
	    (store_col_text(st, 15) && !v->result_token)) {
		verdict_row_finish(v);
		return IT_ENOMEM;
	}
	return IT_OK;
}

static int one_row(void *ctx, sqlite3_stmt *st)
{
	return row_from(st, ctx);
}

int store_verdict_get(struct store *s, const char *account, const char *region, const char *instance_id,
		      struct verdict_row *ret)
{
	struct verdict_row v;
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_GET, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, account);
	store_bind_text(st, 2, region);
	store_bind_text(st, 3, instance_id);
	rc = store_one(s, st, one_row, &v);
	if (rc)
		return rc;
	*ret = v;
	return IT_OK;
}

static int same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The columns SQL_UPSERT and SQL_HISTORY bind alike: 1-5 (the instance, image, state)
 * and 8-14 (the verdict, its facts source and times). */
static void bind_verdict(sqlite3_stmt *st, const struct verdict_row *v)
{
	store_bind_text(st, 1, v->account);
	store_bind_text(st, 2, v->region);
	store_bind_text(st, 3, v->instance_id);
	store_bind_text(st, 4, nz(v->image_id));
	store_bind_text(st, 5, nz(v->state));
	store_bind_text(st, 8, v->reasons_json ? v->reasons_json : "[]");
	store_bind_text(st, 9, nz(v->matched_rule));
	store_bind_text(st, 10, nz(v->exemption));
	store_bind_text(st, 11, nz(v->facts_source));
	sqlite3_bind_int64(st, 12, v->observed_at);
	sqlite3_bind_int64(st, 13, v->evaluated_at);
	if (v->next_change_at)
		sqlite3_bind_int64(st, 14, v->next_change_at);
}

int store_verdict_apply(struct store *s, const struct verdict_row *v, enum verdict_apply *ret, char prev[IT_COMPLIANCE_SIZE])
{
	struct verdict_row cur;
	sqlite3_stmt *st;
	int rc, exists, changed = 1;

	rc = store_verdict_get(s, v->account, v->region, v->instance_id, &cur);
	if (rc && rc != IT_ENOTFOUND)
		return rc;
	exists = rc == IT_OK;
	if (exists && cur.observed_at > v->observed_at &&
	    !(v->repair_future && reconcile_pinned(cur.observed_at, v->observed_at))) {
		verdict_row_finish(&cur);
		*ret = VERDICT_STALE;
		if (prev)
			snprintf(prev, IT_COMPLIANCE_SIZE, "%s", cur.compliance);
		return IT_OK;
	}
	if (exists)
		changed = !same(cur.compliance, v->compliance) || !same(cur.reasons_json, v->reasons_json) ||
			  !same(cur.matched_rule, v->matched_rule) || !same(cur.exemption, v->exemption) ||
			  !same(cur.image_id, v->image_id) || !same(cur.state, v->state);

	rc = store_stmt(s, SQL_UPSERT, &st);
	if (rc)
		goto out;
	bind_verdict(st, v);
	store_bind_text(st, 6, v->tags_json);
	store_bind_text(st, 7, v->compliance);
	store_bind_text(st, 15, nz(v->trigger_event_id));
	store_bind_text(st, 16, v->result_token);
	rc = store_done(s, st);
	if (rc)
		goto out;

	if (changed || strcmp(v->trigger, "event") == 0) {
		rc = store_stmt(s, SQL_HISTORY, &st);
		if (rc)
			goto out;
		bind_verdict(st, v);
		store_bind_text(st, 6, v->compliance);
		store_bind_text(st, 7, exists ? cur.compliance : NULL);
		store_bind_text(st, 15, v->trigger[0] ? v->trigger : "event");
		store_bind_text(st, 16, nz(v->trigger_event_id));
		rc = store_done(s, st);
		if (rc)
			goto out;
	}
	*ret = changed ? VERDICT_APPLIED : VERDICT_UNCHANGED;
	if (prev)
		snprintf(prev, IT_COMPLIANCE_SIZE, "%s", exists ? cur.compliance : "");
out:
	if (exists)
		verdict_row_finish(&cur);
	return rc;
}

static void finish_row(void *row)
{
	verdict_row_finish(row);
}

static int fill(struct store *s, sqlite3_stmt *st, struct verdict_row *rows, size_t max, size_t *ret_n)
{
	return store_fill(s, st, rows, sizeof(*rows), max, row_from, finish_row, ret_n);
}

int store_verdict_page(struct store *s, const char *account, const char *region, const char *after_account,
		       const char *after_region, const char *after_instance, struct verdict_row *rows, size_t max,
		       size_t *ret_n)
{
	sqlite3_stmt *st;
	int rc;

	if (account && region) {
		rc = store_stmt(s, SQL_PAGE_ACCOUNT_REGION, &st);
		if (rc)
			return rc;
		store_bind_text(st, 5, account);
		store_bind_text(st, 6, region);
	} else if (account) {
		rc = store_stmt(s, SQL_PAGE_ACCOUNT, &st);
		if (rc)
			return rc;
		store_bind_text(st, 5, account);
		store_bind_text(st, 2, after_region ? after_region : "");
	} else {
		rc = store_stmt(s, SQL_PAGE_ALL, &st);
		if (rc)
			return rc;
		store_bind_text(st, 1, after_account ? after_account : "");
		store_bind_text(st, 2, after_region ? after_region : "");
	}
	store_bind_text(st, 3, after_instance ? after_instance : "");
	sqlite3_bind_int64(st, 4, (int64_t)max);
	return fill(s, st, rows, max, ret_n);
}

int store_verdict_due(struct store *s, int64_t now, struct verdict_row *rows, size_t max, size_t *ret_n)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_DUE, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	return fill(s, st, rows, max, ret_n);
}

int store_verdict_next_due(struct store *s, int64_t *ret_at)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_NEXT_DUE, &st);

	if (rc)
		return rc;
	return store_int64(s, st, ret_at);
}
