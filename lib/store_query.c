/* store_query.c: reads of the query API (see store_query.h). */
#include "store_query.h"

#include <stdio.h>
#include <string.h>

#include "limits.h"
#include "status.h"

const char *const query_sort_names[QUERY_SORT__MAX] = {"evaluated_at", "observed_at"};
const char *const query_compliance_names[QUERY_COMPLIANCE__MAX] = {
	"COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA",
};

/* ---- instances: one statement per (leading filter, sort) ------------------------ */

/*
 * Binding numbers shared by every instance list statement:
 *   ?1 account ?2 region ?3 compliance ?4 image_id ?5 matched_rule ?6 state
 *   ?7 exempted (NULL, 0, 1) ?8 key sort ?9 key account ?10 key region
 *   ?11 key instance_id ?12 limit
 * The first page uses the key (INT64_MAX, '', '', ''), which every real row precedes.
 */
#define I_COLS "account, region, instance_id, image_id, state, compliance, reasons, matched_rule," \
	       " exemption, facts_source, observed_at, evaluated_at, next_change_at, tags"
#define I_RESID " AND (?1 IS NULL OR account = ?1) AND (?2 IS NULL OR region = ?2)" \
		" AND (?3 IS NULL OR compliance = ?3) AND (?4 IS NULL OR image_id = ?4)" \
		" AND (?5 IS NULL OR matched_rule = ?5) AND (?6 IS NULL OR state = ?6)" \
		" AND (?7 IS NULL OR (exemption IS NOT NULL) = ?7)"
/* Leading filter on a column other than account: the full key follows the index. */
#define I_LIST(lead, S) "SELECT " I_COLS " FROM instances WHERE " lead \
	"(" S ", account, region, instance_id) < (?8, ?9, ?10, ?11)" I_RESID \
	" ORDER BY " S " DESC, account DESC, region DESC, instance_id DESC LIMIT ?12"
/* Leading filter on account: account is fixed, the rest of the key follows the index. */
#define I_LIST_ACCT(lead, S) "SELECT " I_COLS " FROM instances WHERE " lead \
	"(" S ", region, instance_id) < (?8, ?10, ?11)" I_RESID \
	" ORDER BY " S " DESC, region DESC, instance_id DESC LIMIT ?12"

enum i_shape { I_ALL, I_ACCT, I_ACCT_COMP, I_COMP, I_IMAGE, I_RULE, I_SHAPE__MAX };

static const char SQL_I_ALL_EVAL[] = I_LIST("", "evaluated_at");
static const char SQL_I_ALL_OBS[] = I_LIST("", "observed_at");
static const char SQL_I_ACCT_EVAL[] = I_LIST_ACCT("account = ?1 AND ", "evaluated_at");
static const char SQL_I_ACCT_OBS[] = I_LIST_ACCT("account = ?1 AND ", "observed_at");
static const char SQL_I_ACCT_COMP_EVAL[] = I_LIST_ACCT("account = ?1 AND compliance = ?3 AND ", "evaluated_at");
static const char SQL_I_ACCT_COMP_OBS[] = I_LIST_ACCT("account = ?1 AND compliance = ?3 AND ", "observed_at");
static const char SQL_I_COMP_EVAL[] = I_LIST("compliance = ?3 AND ", "evaluated_at");
static const char SQL_I_COMP_OBS[] = I_LIST("compliance = ?3 AND ", "observed_at");
static const char SQL_I_IMAGE_EVAL[] = I_LIST("image_id = ?4 AND ", "evaluated_at");
static const char SQL_I_IMAGE_OBS[] = I_LIST("image_id = ?4 AND ", "observed_at");
static const char SQL_I_RULE_EVAL[] = I_LIST("matched_rule = ?5 AND ", "evaluated_at");
static const char SQL_I_RULE_OBS[] = I_LIST("matched_rule = ?5 AND ", "observed_at");

static const char *const i_sql[I_SHAPE__MAX][QUERY_SORT__MAX] = {
	[I_ALL] = {SQL_I_ALL_EVAL, SQL_I_ALL_OBS},
	[I_ACCT] = {SQL_I_ACCT_EVAL, SQL_I_ACCT_OBS},
	[I_ACCT_COMP] = {SQL_I_ACCT_COMP_EVAL, SQL_I_ACCT_COMP_OBS},
	[I_COMP] = {SQL_I_COMP_EVAL, SQL_I_COMP_OBS},
	[I_IMAGE] = {SQL_I_IMAGE_EVAL, SQL_I_IMAGE_OBS},
	[I_RULE] = {SQL_I_RULE_EVAL, SQL_I_RULE_OBS},
};

static const char SQL_INSTANCE[] = "SELECT " I_COLS " FROM instances"
	" WHERE account = ?1 AND region = ?2 AND instance_id = ?3";

/* ---- evaluations: one statement per leading filter, (evaluated_at, id) desc -------- */

/*
 *   ?1..?7 as above, ?8 key evaluated_at ?9 key id ?10 since ?11 until ?12 limit
 */
#define E_COLS "id, account, region, instance_id, image_id, state, compliance, previous_compliance," \
	       " reasons, matched_rule, exemption, facts_source, observed_at, evaluated_at," \
	       " next_change_at, trigger, trigger_event_id"
#define E_LIST(lead) "SELECT " E_COLS " FROM evaluations WHERE " lead \
	"(evaluated_at, id) < (?8, ?9) AND evaluated_at >= ?10 AND evaluated_at < ?11" I_RESID \
	" ORDER BY evaluated_at DESC, id DESC LIMIT ?12"

enum e_shape { E_ALL, E_ACCT, E_COMP, E_IMAGE, E_RULE, E_SHAPE__MAX };

static const char SQL_E_ALL[] = E_LIST("");
static const char SQL_E_ACCT[] = E_LIST("account = ?1 AND ");
static const char SQL_E_COMP[] = E_LIST("compliance = ?3 AND ");
static const char SQL_E_IMAGE[] = E_LIST("image_id = ?4 AND ");
static const char SQL_E_RULE[] = E_LIST("matched_rule = ?5 AND ");

static const char *const e_sql[E_SHAPE__MAX] = {
	[E_ALL] = SQL_E_ALL,
	[E_ACCT] = SQL_E_ACCT,
	[E_COMP] = SQL_E_COMP,
	[E_IMAGE] = SQL_E_IMAGE,
	[E_RULE] = SQL_E_RULE,
};

static const char SQL_HISTORY[] = "SELECT " E_COLS " FROM evaluations"
	" WHERE account = ?1 AND region = ?2 AND instance_id = ?3 AND id < ?9"
	" ORDER BY id DESC LIMIT ?12";

/* ---- summary ---------------------------------------------------------------------- */

/*
 * Unscoped or scoped by account: from instance_accounts (migrations/0011), one row per
 * account, largest first by its index. Scoped by region: from instance_counts, one row
 * per (account, region, compliance), read through its region index.
 */
#define A_WHERE " WHERE (?1 IS NULL OR account = ?1)"
#define R_WHERE " WHERE region = ?2 AND (?1 IS NULL OR account = ?1)"
static const char SQL_TOTALS[] = "SELECT sum(compliant), sum(non_compliant), sum(not_applicable),"
	" sum(insufficient_data) FROM instance_accounts" A_WHERE;
static const char SQL_TOTALS_REGION[] = "SELECT compliance, sum(n) FROM instance_counts" R_WHERE
	" GROUP BY compliance";
static const char SQL_ACCOUNTS[] = "SELECT account, total, compliant, non_compliant, not_applicable,"
	" insufficient_data FROM instance_accounts" A_WHERE " ORDER BY total DESC, account LIMIT ?3";
static const char SQL_ACCOUNTS_REGION[] = "SELECT account, sum(n) AS t,"
	" sum(CASE WHEN compliance = 'COMPLIANT' THEN n ELSE 0 END),"
	" sum(CASE WHEN compliance = 'NON_COMPLIANT' THEN n ELSE 0 END),"
	" sum(CASE WHEN compliance = 'NOT_APPLICABLE' THEN n ELSE 0 END),"
	" sum(CASE WHEN compliance = 'INSUFFICIENT_DATA' THEN n ELSE 0 END)"
	" FROM instance_counts" R_WHERE " GROUP BY account ORDER BY t DESC, account LIMIT ?3";
static const char SQL_ACCOUNT_COUNT[] = "SELECT count(*) FROM instance_accounts" A_WHERE;
static const char SQL_ACCOUNT_COUNT_REGION[] = "SELECT count(DISTINCT account) FROM instance_counts" R_WHERE;
static const char SQL_ANY[] = "SELECT 1 FROM instance_accounts" A_WHERE " LIMIT 1";
static const char SQL_ANY_REGION[] = "SELECT 1 FROM instance_counts" R_WHERE " LIMIT 1";

/* From the trigger-kept instance_nc_images (a few rows per account and region). */
#define TOP(where) "SELECT image_id, sum(n) AS t FROM instance_nc_images" where \
	" GROUP BY image_id ORDER BY t DESC, image_id LIMIT ?3"
static const char SQL_TOP_ALL[] = "SELECT image_id, n FROM instance_nc_image_totals"
	" ORDER BY n DESC, image_id LIMIT ?3";
static const char SQL_TOP_ACCT[] = TOP(" WHERE account = ?1");
static const char SQL_TOP_REGION[] = TOP(" WHERE region = ?2");
static const char SQL_TOP_BOTH[] = TOP(" WHERE account = ?1 AND region = ?2");

static const char SQL_NEWEST_ALL[] = "SELECT max(evaluated_at) FROM instances";
static const char SQL_NEWEST_ACCT[] = "SELECT max(evaluated_at) FROM instances WHERE account = ?1";
/* No index leads with region: walk the time index newest first to the first match
 * (store_query_newest first checks that one exists, so the walk is short). */
static const char SQL_NEWEST_REGION[] = "SELECT evaluated_at FROM instances WHERE region = ?2"
	" ORDER BY evaluated_at DESC LIMIT 1";
static const char SQL_NEWEST_BOTH[] = "SELECT max(evaluated_at) FROM instances WHERE account = ?1 AND region = ?2";

static const char SQL_HAS_TABLE[] = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1";
static const char SQL_EXPIRING[] = "SELECT id, json_extract(body, '$.reason'), json_extract(body, '$.account'),"
	" json_extract(body, '$.instance_id'), json_extract(body, '$.image_id'), created_by, expires_at"
	" FROM exemptions WHERE expires_at > ?2 AND expires_at <= ?3"
	" AND (?1 IS NULL OR json_extract(body, '$.account') IS NULL OR json_extract(body, '$.account') = ?1)"
	" ORDER BY expires_at, id LIMIT ?4";
static const char SQL_INBOX_DEPTH[] = "SELECT count(*), min(received_at) FROM inbox WHERE state = 0";
static const char SQL_OUTBOX_DEPTH[] = "SELECT count(*) FROM deliveries WHERE state = 'pending'";

static const struct query_statement statements[] = {
	{"instances_all_eval", SQL_I_ALL_EVAL, "instances"},
	{"instances_all_obs", SQL_I_ALL_OBS, "instances"},
	{"instances_acct_eval", SQL_I_ACCT_EVAL, "instances"},
	{"instances_acct_obs", SQL_I_ACCT_OBS, "instances"},
	{"instances_acct_comp_eval", SQL_I_ACCT_COMP_EVAL, "instances"},
	{"instances_acct_comp_obs", SQL_I_ACCT_COMP_OBS, "instances"},
	{"instances_comp_eval", SQL_I_COMP_EVAL, "instances"},
	{"instances_comp_obs", SQL_I_COMP_OBS, "instances"},
	{"instances_image_eval", SQL_I_IMAGE_EVAL, "instances"},
	{"instances_image_obs", SQL_I_IMAGE_OBS, "instances"},
	{"instances_rule_eval", SQL_I_RULE_EVAL, "instances"},
	{"instances_rule_obs", SQL_I_RULE_OBS, "instances"},
	{"instance", SQL_INSTANCE, "instances"},
	{"evaluations_all", SQL_E_ALL, "evaluations"},
	{"evaluations_acct", SQL_E_ACCT, "evaluations"},
	{"evaluations_comp", SQL_E_COMP, "evaluations"},
	{"evaluations_image", SQL_E_IMAGE, "evaluations"},
	{"evaluations_rule", SQL_E_RULE, "evaluations"},
	{"history", SQL_HISTORY, "evaluations"},
	{"totals", SQL_TOTALS, NULL},
	{"totals_region", SQL_TOTALS_REGION, "instance_counts"},
	{"accounts", SQL_ACCOUNTS, NULL},
	{"accounts_region", SQL_ACCOUNTS_REGION, "instance_counts"},
	{"account_count", SQL_ACCOUNT_COUNT, NULL},
	{"account_count_region", SQL_ACCOUNT_COUNT_REGION, "instance_counts"},
	{"any", SQL_ANY, NULL},
	{"any_region", SQL_ANY_REGION, "instance_counts"},
	{"top_images_all", SQL_TOP_ALL, NULL},
	{"top_images_acct", SQL_TOP_ACCT, NULL},
	{"top_images_region", SQL_TOP_REGION, "instance_nc_images"},
	{"top_images_both", SQL_TOP_BOTH, NULL},
	{"newest_all", SQL_NEWEST_ALL, "instances"},
	{"newest_acct", SQL_NEWEST_ACCT, "instances"},
	{"newest_region", SQL_NEWEST_REGION, "instances"},
	{"newest_both", SQL_NEWEST_BOTH, "instances"},
	{"expiring_exemptions", SQL_EXPIRING, "exemptions"},
	{"inbox_depth", SQL_INBOX_DEPTH, "inbox"},
};

const struct query_statement *store_query_statements(size_t *ret_n)
{
	*ret_n = sizeof(statements) / sizeof(statements[0]);
	return statements;
}

void query_filter_init(struct query_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->exempted = -1;
	f->since_ms = INT64_MIN;
	f->until_ms = INT64_MAX;
}

/* ---- list plumbing ---------------------------------------------------------------- */

static int bind_filter(sqlite3_stmt *st, const struct query_filter *f)
{
	int rc = SQLITE_OK;

	rc |= store_bind_text(st, 1, f->account);
	rc |= store_bind_text(st, 2, f->region);
	rc |= store_bind_text(st, 3, f->compliance);
	rc |= store_bind_text(st, 4, f->image_id);
	rc |= store_bind_text(st, 5, f->rule);
	rc |= store_bind_text(st, 6, f->state);
	if (f->exempted >= 0)
		rc |= sqlite3_bind_int(st, 7, f->exempted ? 1 : 0);
	return rc == SQLITE_OK ? IT_OK : IT_EDB;
}

static void read_instance_row(sqlite3_stmt *st, struct query_row *r)
{
	memset(r, 0, sizeof(*r));
	r->account = store_col_text(st, 0);
	r->region = store_col_text(st, 1);
	r->instance_id = store_col_text(st, 2);
	r->image_id = store_col_text(st, 3);
	r->state = store_col_text(st, 4);
	r->compliance = store_col_text(st, 5);
	r->reasons_json = store_col_text(st, 6);
	r->matched_rule = store_col_text(st, 7);
	r->exemption = store_col_text(st, 8);
	r->facts_source = store_col_text(st, 9);
	r->observed_at = sqlite3_column_int64(st, 10);
	r->evaluated_at = sqlite3_column_int64(st, 11);
	r->has_next_change = sqlite3_column_type(st, 12) != SQLITE_NULL;
	r->next_change_at = sqlite3_column_int64(st, 12);
	r->tags_json = store_col_text(st, 13);
}

static void read_evaluation_row(sqlite3_stmt *st, struct query_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->account = store_col_text(st, 1);
	r->region = store_col_text(st, 2);
	r->instance_id = store_col_text(st, 3);
	r->image_id = store_col_text(st, 4);
	r->state = store_col_text(st, 5);
	r->compliance = store_col_text(st, 6);
	r->previous_compliance = store_col_text(st, 7);
	r->reasons_json = store_col_text(st, 8);
	r->matched_rule = store_col_text(st, 9);
	r->exemption = store_col_text(st, 10);
	r->facts_source = store_col_text(st, 11);
	r->observed_at = sqlite3_column_int64(st, 12);
	r->evaluated_at = sqlite3_column_int64(st, 13);
	r->has_next_change = sqlite3_column_type(st, 14) != SQLITE_NULL;
	r->next_change_at = sqlite3_column_int64(st, 14);
	r->trigger = store_col_text(st, 15);
	r->trigger_event_id = store_col_text(st, 16);
}

static void copy_text(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/*
 * Steps st (already bound, with ?12 = limit + 1), handing the first limit rows to fn;
 * a row beyond them only proves a next page exists. The key of the last row handed
 * out becomes the next page's key. fn may end the page early (QUERY_ROW_FULL): the
 * row it refused is then the first of the next page.
 */
static int run_list(struct store *s, sqlite3_stmt *st, int evaluations, enum query_sort sort, int limit,
		    query_row_fn fn, void *ctx, struct query_page *ret_page)
{
	struct query_page page;
	struct query_row row;
	int n = 0, rc;

	memset(&page, 0, sizeof(page));
	for (;;) {
		rc = store_step(s, st);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			rc = store_status(rc);
			goto out;
		}
		if (n == limit) {
			page.has_next = 1;
			break;
		}
		if (evaluations)
			read_evaluation_row(st, &row);
		else
			read_instance_row(st, &row);
		rc = fn(ctx, &row);
		if (rc == QUERY_ROW_FULL) {
			if (n == 0) {
				rc = IT_ETOOBIG;
				goto out;
			}
			page.has_next = 1;
			break;
		}
		if (rc)
			goto out;
		n++;
		page.next.sort = evaluations || sort == QUERY_SORT_EVALUATED ? row.evaluated_at : row.observed_at;
		page.next.id = row.id;
		copy_text(page.next.account, sizeof(page.next.account), evaluations ? "" : row.account);
		copy_text(page.next.region, sizeof(page.next.region), evaluations ? "" : row.region);
		copy_text(page.next.instance_id, sizeof(page.next.instance_id), evaluations ? "" : row.instance_id);
	}
	rc = IT_OK;
	*ret_page = page;
out:
	sqlite3_reset(st);
	return rc;
}

static enum i_shape pick_instance_shape(const struct query_filter *f)
{
	if (f->account && f->compliance)
		return I_ACCT_COMP;
	if (f->account)
		return I_ACCT;
	if (f->image_id)
		return I_IMAGE;
	if (f->rule)
		return I_RULE;
	if (f->compliance)
		return I_COMP;
	return I_ALL;
}

int store_query_instances(struct store *s, const struct query_filter *f, enum query_sort sort,
			  const struct query_key *after, int limit, query_row_fn fn, void *ctx,
			  struct query_page *ret_page)
{
	sqlite3_stmt *st;
	int rc;

	if (limit < 1 || limit > IT_LIST_MAX || (unsigned)sort >= QUERY_SORT__MAX)
		return IT_EINVAL;
	rc = store_stmt(s, i_sql[pick_instance_shape(f)][sort], &st);
	if (rc)
		return rc;
	rc = bind_filter(st, f);
	if (rc == IT_OK) {
		int b = sqlite3_bind_int64(st, 8, after ? after->sort : INT64_MAX);
		b |= sqlite3_bind_text(st, 9, after ? after->account : "", -1, SQLITE_TRANSIENT);
		b |= sqlite3_bind_text(st, 10, after ? after->region : "", -1, SQLITE_TRANSIENT);
		b |= sqlite3_bind_text(st, 11, after ? after->instance_id : "", -1, SQLITE_TRANSIENT);
		b |= sqlite3_bind_int(st, 12, limit + 1);
		rc = b == SQLITE_OK ? IT_OK : IT_EDB;
	}
	if (rc)
		return rc;
	return run_list(s, st, 0, sort, limit, fn, ctx, ret_page);
}

static enum e_shape pick_evaluation_shape(const struct query_filter *f)
{
	if (f->account)
		return E_ACCT;
	if (f->image_id)
		return E_IMAGE;
	if (f->rule)
		return E_RULE;
	if (f->compliance)
		return E_COMP;
	return E_ALL;
}

int store_query_evaluations(struct store *s, const struct query_filter *f, const struct query_key *after,
			    int limit, query_row_fn fn, void *ctx, struct query_page *ret_page)
{
	sqlite3_stmt *st;
	int rc;

	if (limit < 1 || limit > IT_LIST_MAX)
		return IT_EINVAL;
	rc = store_stmt(s, e_sql[pick_evaluation_shape(f)], &st);
	if (rc)
		return rc;
	rc = bind_filter(st, f);
	if (rc == IT_OK) {
		int b = sqlite3_bind_int64(st, 8, after ? after->sort : INT64_MAX);
		b |= sqlite3_bind_int64(st, 9, after ? after->id : INT64_MAX);
		b |= sqlite3_bind_int64(st, 10, f->since_ms);
		b |= sqlite3_bind_int64(st, 11, f->until_ms);
		b |= sqlite3_bind_int(st, 12, limit + 1);
		rc = b == SQLITE_OK ? IT_OK : IT_EDB;
	}
	if (rc)
		return rc;
	return run_list(s, st, 1, QUERY_SORT_EVALUATED, limit, fn, ctx, ret_page);
}

int store_query_instance(struct store *s, const char *account, const char *region,
			 const char *instance_id, query_row_fn fn, void *ctx)
{
	struct query_row row;
	sqlite3_stmt *st;
	int rc;

	rc = store_stmt(s, SQL_INSTANCE, &st);
	if (rc)
		return rc;
	store_bind_text(st, 1, account);
	store_bind_text(st, 2, region);
	store_bind_text(st, 3, instance_id);
	rc = store_step(s, st);
	if (rc == SQLITE_ROW) {
		read_instance_row(st, &row);
		rc = fn(ctx, &row);
	} else {
		rc = rc == SQLITE_DONE ? IT_ENOTFOUND : store_status(rc);
	}
	sqlite3_reset(st);
	return rc;
}

int store_query_history(struct store *s, const char *account, const char *region, const char *instance_id,
			const struct query_key *after, int limit, query_row_fn fn, void *ctx,
			struct query_page *ret_page)
{
	sqlite3_stmt *st;
	int rc, b;

	if (limit < 1 || limit > IT_LIST_MAX)
		return IT_EINVAL;
	rc = store_stmt(s, SQL_HISTORY, &st);
	if (rc)
		return rc;
	b = store_bind_text(st, 1, account);
	b |= store_bind_text(st, 2, region);
	b |= store_bind_text(st, 3, instance_id);
	b |= sqlite3_bind_int64(st, 9, after ? after->id : INT64_MAX);
	b |= sqlite3_bind_int(st, 12, limit + 1);
	if (b != SQLITE_OK)
		return IT_EDB;
	return run_list(s, st, 1, QUERY_SORT_EVALUATED, limit, fn, ctx, ret_page);
}

/* ---- summary and gauges ------------------------------------------------------------ */

static int compliance_index(const char *c)
{
	for (int i = 0; c && i < QUERY_COMPLIANCE__MAX; i++)
		if (strcmp(c, query_compliance_names[i]) == 0)
			return i;
	return -1;
}

/* Binds ?1 account and ?2 region where the statement has them. */
static int bind_scope(sqlite3_stmt *st, const char *account, const char *region)
{
	int n = sqlite3_bind_parameter_count(st), b = SQLITE_OK;

	if (n >= 1)
		b |= store_bind_text(st, 1, account);
	if (n >= 2)
		b |= store_bind_text(st, 2, region);
	return b == SQLITE_OK ? IT_OK : IT_EDB;
}

int store_query_totals(struct store *s, const char *account, const char *region,
		       int64_t ret_counts[QUERY_COMPLIANCE__MAX])
{
	int64_t counts[QUERY_COMPLIANCE__MAX] = {0};
	sqlite3_stmt *st;
	int rc;

	rc = store_stmt(s, region ? SQL_TOTALS_REGION : SQL_TOTALS, &st);
	if (rc == IT_OK)
		rc = bind_scope(st, account, region);
	if (rc)
		return rc;
	while ((rc = store_step(s, st)) == SQLITE_ROW) {
		if (!region) {
			/* One row of four sums, in query_compliance order (NULL: no rows, 0). */
			for (int i = 0; i < QUERY_COMPLIANCE__MAX; i++)
				counts[i] = sqlite3_column_int64(st, i);
			continue;
		}
		int i = compliance_index(store_col_text(st, 0));
		if (i >= 0)
			counts[i] = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_status(rc);
	memcpy(ret_counts, counts, sizeof(counts));
	return IT_OK;
}

int store_query_accounts(struct store *s, const char *account, const char *region, int max,
			 query_account_fn fn, void *ctx, int64_t *ret_total_accounts)
{
	sqlite3_stmt *st;
	int64_t total = 0;
	int rc;

	if (max < 0)
		return IT_EINVAL;
	rc = store_stmt(s, region ? SQL_ACCOUNTS_REGION : SQL_ACCOUNTS, &st);
	if (rc == IT_OK)
		rc = bind_scope(st, account, region);
	if (rc)
		return rc;
	sqlite3_bind_int(st, 3, max);
	while ((rc = store_step(s, st)) == SQLITE_ROW) {
		int64_t counts[QUERY_COMPLIANCE__MAX];
		for (int i = 0; i < QUERY_COMPLIANCE__MAX; i++)
			counts[i] = sqlite3_column_int64(st, 2 + i);
		rc = fn(ctx, store_col_text(st, 0), sqlite3_column_int64(st, 1), counts);
		if (rc) {
			sqlite3_reset(st);
			return rc;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_status(rc);
	if (ret_total_accounts) {
		rc = store_stmt(s, region ? SQL_ACCOUNT_COUNT_REGION : SQL_ACCOUNT_COUNT, &st);
		if (rc == IT_OK)
			rc = bind_scope(st, account, region);
		if (rc)
			return rc;
		rc = store_step(s, st);
		if (rc == SQLITE_ROW)
			total = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return store_status(rc);
		*ret_total_accounts = total;
	}
	return IT_OK;
}

int store_query_top_images(struct store *s, const char *account, const char *region, int max,
			   query_image_fn fn, void *ctx)
{
	const char *sql = account ? (region ? SQL_TOP_BOTH : SQL_TOP_ACCT) : (region ? SQL_TOP_REGION : SQL_TOP_ALL);
	sqlite3_stmt *st;
	int rc;

	if (max < 0)
		return IT_EINVAL;
	rc = store_stmt(s, sql, &st);
	if (rc == IT_OK)
		rc = bind_scope(st, account, region);
	if (rc)
		return rc;
	sqlite3_bind_int(st, 3, max);
	while ((rc = store_step(s, st)) == SQLITE_ROW) {
		rc = fn(ctx, store_col_text(st, 0), sqlite3_column_int64(st, 1));
		if (rc) {
			sqlite3_reset(st);
			return rc;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? IT_OK : store_status(rc);
}

int store_query_newest(struct store *s, const char *account, const char *region, int64_t *ret_ms,
		       int *ret_has)
{
	const char *sql = account ? (region ? SQL_NEWEST_BOTH : SQL_NEWEST_ACCT)
				  : (region ? SQL_NEWEST_REGION : SQL_NEWEST_ALL);
	sqlite3_stmt *st;
	int64_t ms = 0;
	int rc, has = 0;

	/* A scope with no instances answers from the small count table, so the walk of
	 * SQL_NEWEST_REGION never runs to the end of the index. */
	rc = store_stmt(s, region ? SQL_ANY_REGION : SQL_ANY, &st);
	if (rc == IT_OK)
		rc = bind_scope(st, account, region);
	if (rc)
		return rc;
	rc = store_step(s, st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		*ret_ms = 0;
		*ret_has = 0;
		return IT_OK;
	}
	if (rc != SQLITE_ROW)
		return store_status(rc);
	rc = store_stmt(s, sql, &st);
	if (rc == IT_OK)
		rc = bind_scope(st, account, region);
	if (rc)
		return rc;
	rc = store_step(s, st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		has = 1;
		ms = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_status(rc);
	*ret_ms = ms;
	*ret_has = has;
	return IT_OK;
}

static int has_table(struct store *s, const char *name, int *ret)
{
	sqlite3_stmt *st;
	int rc;

	rc = store_stmt(s, SQL_HAS_TABLE, &st);
	if (rc)
		return rc;
	store_bind_text(st, 1, name);
	rc = store_step(s, st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_status(rc);
	*ret = rc == SQLITE_ROW;
	return IT_OK;
}

int store_query_expiring_exemptions(struct store *s, const char *account, int64_t now_ms, int64_t until_ms,
				    int max, query_exemption_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	int rc, exists = 0;

	if (max < 0)
		return IT_EINVAL;
	rc = has_table(s, "exemptions", &exists);
	if (rc || !exists)
		return rc;
	rc = store_stmt(s, SQL_EXPIRING, &st);
	if (rc)
		return rc;
	store_bind_text(st, 1, account);
	sqlite3_bind_int64(st, 2, now_ms);
	sqlite3_bind_int64(st, 3, until_ms);
	sqlite3_bind_int(st, 4, max);
	while ((rc = store_step(s, st)) == SQLITE_ROW) {
		struct query_exemption e = {
			.id = store_col_text(st, 0),
			.reason = store_col_text(st, 1),
			.account = store_col_text(st, 2),
			.instance_id = store_col_text(st, 3),
			.image_id = store_col_text(st, 4),
			.created_by = store_col_text(st, 5),
			.expires_at = sqlite3_column_int64(st, 6),
		};
		rc = fn(ctx, &e);
		if (rc) {
			sqlite3_reset(st);
			return rc;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? IT_OK : store_status(rc);
}

int store_query_inbox_depth(struct store *s, int64_t *ret_depth, int64_t *ret_oldest_ms)
{
	sqlite3_stmt *st;
	int64_t depth, oldest;
	int rc;

	rc = store_stmt(s, SQL_INBOX_DEPTH, &st);
	if (rc)
		return rc;
	rc = store_step(s, st);
	depth = sqlite3_column_int64(st, 0);
	oldest = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_status(rc);
	*ret_depth = depth;
	*ret_oldest_ms = oldest;
	return IT_OK;
}

int store_query_outbox_depth(struct store *s, int64_t *ret_depth)
{
	sqlite3_stmt *st;
	int64_t depth;
	int rc, exists = 0;

	rc = has_table(s, "deliveries", &exists);
	if (rc)
		return rc;
	if (!exists) {
		*ret_depth = 0;
		return IT_OK;
	}
	rc = store_stmt(s, SQL_OUTBOX_DEPTH, &st);
	if (rc)
		return rc;
	rc = store_step(s, st);
	depth = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_status(rc);
	*ret_depth = depth;
	return IT_OK;
}
