/*
 * test_store_query: every statement's plan uses an index (EXPLAIN QUERY PLAN), keyset
 * paging has no gaps or repeats while rows arrive, filters, summary counts kept by
 * triggers. (Retention, the cursor secret and the backup, once in store_query.c, have
 * their own modules and tests: test_store_retention, test_store_cursor_key,
 * test_store_backup.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "limits.h"
#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_query.h"
#include "store_rows.h"
#include "tap.h"

#define DAY 86400000LL
#define NOW (1750000000000LL)

/* ---- plans ---- */

static void check_plans(struct store *s)
{
	size_t n;
	const struct query_statement *q = store_query_statements(&n);

	CHECK(n >= 30, "statement table has %zu entries", n);
	for (size_t i = 0; i < n; i++) {
		char sql[4096], plan[2048] = "";
		sqlite3_stmt *st = NULL;
		int uses_index = 0, bad = 0;

		snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", q[i].sql);
		if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
			/* The policy area's table may not exist yet: checked once it does. */
			if (strcmp(q[i].table ? q[i].table : "", "exemptions") == 0 &&
			    count_sql(s, "SELECT count(*) FROM sqlite_master WHERE name = 'exemptions'") == 0)
				continue;
			CHECK(0, "%s: prepare: %s", q[i].name, sqlite3_errmsg(store_db(s)));
			continue;
		}
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(st, 3);
			size_t used = strlen(plan);
			snprintf(plan + used, sizeof(plan) - used, "%s | ", d);
			if (q[i].table) {
				char scan[64], search[64];
				snprintf(scan, sizeof(scan), "SCAN %s", q[i].table);
				snprintf(search, sizeof(search), "SEARCH %s ", q[i].table);
				/* A bare "SCAN t" reads the whole table. */
				if (strncmp(d, scan, strlen(scan)) == 0 && d[strlen(scan)] == '\0')
					bad = 1;
				if (strncmp(d, search, strlen(search)) == 0)
					uses_index = 1;
				/* The one documented index walk: newest verdict in a region
				 * (short: store_query_newest first checks one exists). */
				if (strncmp(d, scan, strlen(scan)) == 0 && strstr(d, "INDEX instances_q_eval") &&
				    strcmp(q[i].name, "newest_region") == 0)
					uses_index = 1;
				/* The inbox depth walks the partial index of pending rows only. */
				if (strncmp(d, scan, strlen(scan)) == 0 && strstr(d, "INDEX inbox_pending") &&
				    strcmp(q[i].name, "inbox_depth") == 0)
					uses_index = 1;
			}
		}
		sqlite3_finalize(st);
		if (q[i].table)
			CHECK(!bad && uses_index, "%s: plan %s", q[i].name, plan);
		else
			CHECK(!strstr(plan, "SCAN instances") && !strstr(plan, "SCAN evaluations"), "%s: plan %s",
			      q[i].name, plan);
		if (strncmp(q[i].name, "instances_", 10) == 0 || strncmp(q[i].name, "evaluations_", 12) == 0)
			CHECK(!strstr(plan, "TEMP B-TREE"), "%s sorts through its index: %s", q[i].name, plan);
	}
}

/* ---- listing ---- */

struct collect {
	int n;
	char keys[2000][64];
	int64_t ids[2000];
};

static int collect_row(void *ctx, const struct query_row *r)
{
	struct collect *c = ctx;
	if (c->n >= 2000)
		return IT_ETOOBIG;
	snprintf(c->keys[c->n], sizeof(c->keys[0]), "%s/%s/%s", r->account, r->region, r->instance_id);
	c->ids[c->n] = r->id;
	c->n++;
	return IT_OK;
}

/* Takes budget rows a page, then ends the page (QUERY_ROW_FULL), like a byte budget. */
struct budget {
	struct collect *c;
	int budget, taken;
};

static int budget_row(void *ctx, const struct query_row *r)
{
	struct budget *b = ctx;
	if (b->taken == b->budget)
		return QUERY_ROW_FULL;
	b->taken++;
	return collect_row(b->c, r);
}

static void check_page_cut_short(struct store *s)
{
	struct query_filter f;
	struct collect *c = calloc(1, sizeof(*c));
	struct budget b = {c, 4, 0};
	struct query_page page;
	struct query_key key;
	int pages = 1, dup = 0, rc;

	query_filter_init(&f);
	f.account = "222222222222";
	rc = store_query_instances(s, &f, QUERY_SORT_EVALUATED, NULL, 1000, budget_row, &b, &page);
	CHECK(rc == IT_OK && c->n == 4 && page.has_next, "a page ended by the callback has a next page: %d rows", c->n);
	while (rc == IT_OK && page.has_next) {
		key = page.next;
		b.taken = 0;
		rc = store_query_instances(s, &f, QUERY_SORT_EVALUATED, &key, 1000, budget_row, &b, &page);
		pages++;
	}
	CHECK(rc == IT_OK && c->n == 100 && pages == 25, "all 100 rows in pages of 4: %d rows, %d pages", c->n, pages);
	for (int i = 0; i < c->n; i++)
		for (int j = i + 1; j < c->n; j++)
			if (strcmp(c->keys[i], c->keys[j]) == 0)
				dup++;
	CHECK(dup == 0, "the refused row starts the next page, once (%d duplicates)", dup);
	b.budget = 0;
	b.taken = 0;
	page.has_next = 42;
	CHECK(store_query_instances(s, &f, QUERY_SORT_EVALUATED, NULL, 10, budget_row, &b, &page) == IT_ETOOBIG &&
	      page.has_next == 42, "a first row refused is IT_ETOOBIG, page untouched");
	free(c);
}

static int page_all(struct store *s, const struct query_filter *f, enum query_sort sort, int limit,
		    struct collect *out, int insert_between)
{
	struct query_key key;
	struct query_page page;
	int pages = 0, rc, extra = 1000;

	out->n = 0;
	rc = store_query_instances(s, f, sort, NULL, limit, collect_row, out, &page);
	while (rc == IT_OK && page.has_next) {
		pages++;
		key = page.next;
		if (insert_between) /* newer verdicts arrive while a client pages */
		{
			put_instance(s, extra, "NON_COMPLIANT", NOW + extra, NOW + extra);
			extra++;
		}
		rc = store_query_instances(s, f, sort, &key, limit, collect_row, out, &page);
	}
	return rc == IT_OK ? pages + 1 : rc;
}

static void check_listing(struct store *s)
{
	struct query_filter f;
	struct collect *c = calloc(1, sizeof(*c));
	struct query_page page;
	int pages, dup = 0;

	query_filter_init(&f);
	CHECK(store_query_instances(s, &f, QUERY_SORT_EVALUATED, NULL, 0, collect_row, c, &page) == IT_EINVAL,
	      "limit 0");
	CHECK(store_query_instances(s, &f, QUERY_SORT_EVALUATED, NULL, IT_LIST_MAX + 1, collect_row, c, &page) ==
	      IT_EINVAL, "limit over max");

	pages = page_all(s, &f, QUERY_SORT_EVALUATED, 7, c, 1);
	CHECK(pages == 43, "300 rows in pages of 7: %d pages", pages);
	CHECK(c->n == 300, "every pre-existing row once, none of the new ones: %d", c->n);
	for (int i = 0; i < c->n; i++)
		for (int j = i + 1; j < c->n; j++)
			if (strcmp(c->keys[i], c->keys[j]) == 0)
				dup++;
	CHECK(dup == 0, "no duplicates (%d)", dup);
	CHECK(exec(s, "DELETE FROM instances WHERE instance_id >= 'i-000000000000003e8'") == 0, "drop arrivals");
	CHECK(strcmp(c->keys[0], "333333333333/us-east-1/i-00000000000000002") == 0, "newest first: %s", c->keys[0]);

	/* Ties on the sort key are ordered by the primary key and never split wrongly. */
	f.account = "222222222222";
	pages = page_all(s, &f, QUERY_SORT_OBSERVED, 3, c, 0);
	CHECK(c->n == 100, "account 2: %d rows", c->n);
	f.compliance = "NON_COMPLIANT";
	pages = page_all(s, &f, QUERY_SORT_EVALUATED, 5, c, 0);
	CHECK(c->n == 20, "account 2 non-compliant: %d", c->n);
	f.region = "us-east-1";
	page_all(s, &f, QUERY_SORT_EVALUATED, 1000, c, 0);
	CHECK(c->n == 10, "+ region: %d", c->n);
	query_filter_init(&f);
	f.image_id = "ami-00000000000000003";
	page_all(s, &f, QUERY_SORT_EVALUATED, 1000, c, 0);
	CHECK(c->n == 75, "image: %d", c->n);
	query_filter_init(&f);
	f.rule = "rule-a";
	f.state = "running";
	page_all(s, &f, QUERY_SORT_OBSERVED, 9, c, 0);
	CHECK(c->n == 120, "rule-a running: %d", c->n);
	query_filter_init(&f);
	f.exempted = 1;
	page_all(s, &f, QUERY_SORT_EVALUATED, 1000, c, 0);
	CHECK(c->n == 43, "exempted: %d", c->n);
	f.exempted = 0;
	page_all(s, &f, QUERY_SORT_EVALUATED, 1000, c, 0);
	CHECK(c->n == 257, "not exempted: %d", c->n);
	free(c);
}

static void check_evaluations(struct store *s)
{
	struct query_filter f;
	struct query_page page;
	struct query_key key;
	struct collect *c = calloc(1, sizeof(*c));
	int rc, ordered = 1;

	for (int i = 0; i < 500; i++)
		put_evaluation(s, i, NOW - DAY * 10 + (int64_t)(i / 2) * 1000);   /* pairs share a time */
	query_filter_init(&f);
	rc = store_query_evaluations(s, &f, NULL, 13, collect_row, c, &page);
	while (rc == IT_OK && page.has_next) {
		key = page.next;
		put_evaluation(s, 9999, NOW);   /* newer history arrives */
		rc = store_query_evaluations(s, &f, &key, 13, collect_row, c, &page);
	}
	CHECK(rc == IT_OK && c->n == 500, "all 500 evaluations once: %d", c->n);
	for (int i = 1; i < c->n; i++)
		if (c->ids[i] >= c->ids[i - 1])
			ordered = 0;
	CHECK(ordered, "newest first by (time, id)");

	c->n = 0;
	f.since_ms = NOW - DAY * 10 + 100000;     /* i/2 >= 100 */
	f.until_ms = NOW - DAY * 10 + 150000;     /* i/2 < 150 */
	f.account = "111111111111";
	CHECK(store_query_evaluations(s, &f, NULL, 1000, collect_row, c, &page) == IT_OK && !page.has_next, "since/until");
	{
		int want = 0;
		for (int i = 200; i < 300; i++)
			if ((i % 50) % 3 == 0)
				want++;
		CHECK(c->n == want, "since/until + account: %d want %d", c->n, want);
	}

	c->n = 0;
	CHECK(store_query_history(s, "111111111111", "us-east-1", "i-00000000000000000", NULL, 3, collect_row, c,
				  &page) == IT_OK && page.has_next && c->n == 3, "history page");
	key = page.next;
	CHECK(store_query_history(s, "111111111111", "us-east-1", "i-00000000000000000", &key, 1000, collect_row, c,
				  &page) == IT_OK && !page.has_next && c->n == 10, "history rest: %d", c->n);
	free(c);
}

/* ---- summary ---- */

struct acct_sum {
	int n;
	int64_t total0, nc0;
	char first[16];
};

static int on_account(void *ctx, const char *account, int64_t total, const int64_t counts[QUERY_COMPLIANCE__MAX])
{
	struct acct_sum *a = ctx;
	if (a->n++ == 0) {
		snprintf(a->first, sizeof(a->first), "%s", account);
		a->total0 = total;
		a->nc0 = counts[QUERY_NON_COMPLIANT];
	}
	return IT_OK;
}

struct images {
	int n;
	char first[32];
	int64_t first_n;
};

static int on_image(void *ctx, const char *image, int64_t n)
{
	struct images *im = ctx;
	if (im->n++ == 0) {
		snprintf(im->first, sizeof(im->first), "%s", image);
		im->first_n = n;
	}
	return IT_OK;
}

static int on_exemption(void *ctx, const struct query_exemption *e)
{
	int *n = ctx;
	(*n)++;
	CHECK(strcmp(e->id, "ex-soon") == 0 && strcmp(e->reason, "patching") == 0 && e->expires_at == NOW + DAY,
	      "exemption row %s", e->id);
	return IT_OK;
}

static void check_summary(struct store *s)
{
	int64_t counts[QUERY_COMPLIANCE__MAX], untouched[QUERY_COMPLIANCE__MAX], newest = 0, total_accounts = 0;
	struct acct_sum a = {0};
	struct images im = {0};
	int has = 0, nex = 0;

	CHECK(store_query_totals(s, NULL, NULL, counts) == IT_OK, "totals");
	CHECK(counts[QUERY_NON_COMPLIANT] == count_sql(s, "SELECT count(*) FROM instances WHERE compliance='NON_COMPLIANT'") &&
	      counts[QUERY_COMPLIANT] == count_sql(s, "SELECT count(*) FROM instances WHERE compliance='COMPLIANT'"),
	      "trigger counts match: nc %lld", (long long)counts[QUERY_NON_COMPLIANT]);
	/* Updates that change compliance, and deletes, keep the table exact. */
	CHECK(exec(s, "UPDATE instances SET compliance = 'NOT_APPLICABLE' WHERE instance_id < 'i-00000000000000010'") == 0, "update");
	CHECK(exec(s, "DELETE FROM instances WHERE instance_id >= 'i-00000000000000100'") == 0, "delete");
	CHECK(store_query_totals(s, NULL, NULL, counts) == IT_OK &&
	      counts[QUERY_NOT_APPLICABLE] == 16 &&
	      counts[QUERY_NON_COMPLIANT] == count_sql(s, "SELECT count(*) FROM instances WHERE compliance='NON_COMPLIANT'") &&
	      counts[QUERY_COMPLIANT] + counts[QUERY_NON_COMPLIANT] + counts[QUERY_NOT_APPLICABLE] ==
		      count_sql(s, "SELECT count(*) FROM instances"),
	      "after update/delete: na %lld", (long long)counts[QUERY_NOT_APPLICABLE]);
	CHECK(count_sql(s, "SELECT count(*) FROM (SELECT account, region, compliance, count(*) AS c FROM instances"
			   " GROUP BY 1,2,3 EXCEPT SELECT account, region, compliance, n FROM instance_counts)") == 0 &&
	      count_sql(s, "SELECT count(*) FROM instance_counts WHERE n <= 0") == 0, "count table exact, no zero rows");
	/* The per-account table (0011) too, also when an instance moves to another account
	 * and when an account's last instance goes. */
	CHECK(exec(s, "UPDATE instances SET account = '333333333333', compliance = 'COMPLIANT'"
		      " WHERE instance_id = 'i-00000000000000021'") == 0, "account change");
	CHECK(exec(s, "INSERT INTO instances(account, region, instance_id, compliance, reasons, observed_at,"
		      " evaluated_at, first_seen_at) VALUES ('444444444444', 'us-east-1', 'i-000000000000004ff',"
		      " 'INSUFFICIENT_DATA', '[]', 1, 1, 1)") == 0 &&
	      count_sql(s, "SELECT insufficient_data FROM instance_accounts WHERE account = '444444444444'") == 1,
	      "a new account's row");
	CHECK(exec(s, "DELETE FROM instances WHERE account = '444444444444'") == 0 &&
	      count_sql(s, "SELECT count(*) FROM instance_accounts WHERE account = '444444444444'") == 0,
	      "gone with its last instance");
	{
		static const char acct_rows[] = "SELECT account, count(*), sum(compliance = 'COMPLIANT'),"
			" sum(compliance = 'NON_COMPLIANT'), sum(compliance = 'NOT_APPLICABLE'),"
			" sum(compliance = 'INSUFFICIENT_DATA') FROM instances GROUP BY account";
		static const char table_rows[] = "SELECT account, total, compliant, non_compliant, not_applicable,"
			" insufficient_data FROM instance_accounts";
		char sql[1024];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s EXCEPT %s)", acct_rows, table_rows);
		CHECK(count_sql(s, sql) == 0, "account table has every account's counts");
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s EXCEPT %s)", table_rows, acct_rows);
		CHECK(count_sql(s, sql) == 0 && count_sql(s, "SELECT count(*) FROM instance_accounts WHERE total <= 0") == 0,
		      "and nothing else");
	}
	CHECK(store_query_totals(s, NULL, "eu-west-1", counts) == IT_OK &&
	      counts[QUERY_COMPLIANT] == count_sql(s, "SELECT count(*) FROM instances WHERE region = 'eu-west-1'"
						 " AND compliance = 'COMPLIANT'") &&
	      counts[QUERY_NON_COMPLIANT] == count_sql(s, "SELECT count(*) FROM instances WHERE region = 'eu-west-1'"
						     " AND compliance = 'NON_COMPLIANT'"), "region totals");
	CHECK(store_query_totals(s, "111111111111", NULL, counts) == IT_OK &&
	      counts[QUERY_COMPLIANT] == count_sql(s, "SELECT count(*) FROM instances WHERE account = '111111111111'"
						 " AND compliance = 'COMPLIANT'"), "account totals");
	CHECK(store_query_totals(s, NULL, NULL, counts) == IT_OK, "totals again");
	CHECK(exec(s, "UPDATE instances SET image_id = 'ami-0000000000000000f' WHERE instance_id IN"
		      " ('i-00000000000000014', 'i-00000000000000019')") == 0, "image change");
	CHECK(count_sql(s, "SELECT count(*) FROM (SELECT account, region, image_id, count(*) AS c FROM instances"
			   " WHERE compliance = 'NON_COMPLIANT' GROUP BY 1,2,3"
			   " EXCEPT SELECT account, region, image_id, n FROM instance_nc_images)") == 0 &&
	      count_sql(s, "SELECT count(*) FROM (SELECT account, region, image_id, n FROM instance_nc_images"
			   " EXCEPT SELECT account, region, image_id, count(*) FROM instances"
			   " WHERE compliance = 'NON_COMPLIANT' GROUP BY 1,2,3)") == 0 &&
	      count_sql(s, "SELECT count(*) FROM instance_nc_images WHERE n <= 0") == 0, "non-compliant image table exact");
	CHECK(count_sql(s, "SELECT count(*) FROM (SELECT image_id, count(*) FROM instances WHERE compliance = 'NON_COMPLIANT'"
			   " GROUP BY 1 EXCEPT SELECT image_id, n FROM instance_nc_image_totals)") == 0 &&
	      count_sql(s, "SELECT count(*) FROM (SELECT image_id, n FROM instance_nc_image_totals EXCEPT"
			   " SELECT image_id, count(*) FROM instances WHERE compliance = 'NON_COMPLIANT' GROUP BY 1)") == 0,
	      "non-compliant image totals exact");

	memcpy(untouched, counts, sizeof(counts));
	CHECK(store_query_totals(s, "999999999999", NULL, counts) == IT_OK && counts[0] == 0 && counts[1] == 0,
	      "unknown account totals are zero");
	CHECK(store_query_accounts(s, NULL, NULL, 2, on_account, &a, &total_accounts) == IT_OK && a.n == 2 &&
	      total_accounts == 3, "accounts bounded: %d of %lld", a.n, (long long)total_accounts);
	CHECK(a.total0 == count_sql(s, "SELECT count(*) FROM instances GROUP BY account ORDER BY 1 DESC LIMIT 1"),
	      "largest account first: %s %lld", a.first, (long long)a.total0);

	a.n = 0;
	total_accounts = 0;
	CHECK(store_query_accounts(s, NULL, "eu-west-1", 10, on_account, &a, &total_accounts) == IT_OK &&
	      total_accounts == count_sql(s, "SELECT count(DISTINCT account) FROM instances WHERE region = 'eu-west-1'") &&
	      a.total0 == count_sql(s, "SELECT count(*) FROM instances WHERE region = 'eu-west-1' GROUP BY account"
				       " ORDER BY 1 DESC LIMIT 1"), "accounts in a region: %lld", (long long)total_accounts);

	CHECK(store_query_top_images(s, NULL, NULL, 10, on_image, &im) == IT_OK && im.n == 5, "top images: %d", im.n);
	CHECK(im.first_n == count_sql(s, "SELECT count(*) FROM instances WHERE compliance='NON_COMPLIANT'"
					 " GROUP BY image_id ORDER BY 1 DESC LIMIT 1"), "top image count %lld", (long long)im.first_n);
	im.n = 0;
	CHECK(store_query_top_images(s, "111111111111", "eu-west-1", 10, on_image, &im) == IT_OK, "top images scoped");

	CHECK(store_query_newest(s, NULL, NULL, &newest, &has) == IT_OK && has &&
	      newest == count_sql(s, "SELECT max(evaluated_at) FROM instances"), "newest");
	CHECK(store_query_newest(s, NULL, "eu-west-1", &newest, &has) == IT_OK && has &&
	      newest == count_sql(s, "SELECT max(evaluated_at) FROM instances WHERE region='eu-west-1'"), "newest region");
	CHECK(store_query_newest(s, NULL, "ap-south-2", &newest, &has) == IT_OK && !has, "newest none");

	/* Exemptions: none while the policy table is absent; then the 7-day window. */
	CHECK(store_query_expiring_exemptions(s, NULL, NOW, NOW + 7 * DAY, 100, on_exemption, &nex) == IT_OK && nex == 0,
	      "no exemptions table");
	CHECK(exec(s, "CREATE TABLE IF NOT EXISTS exemptions (id TEXT PRIMARY KEY, body TEXT NOT NULL,"
		      " expires_at INTEGER NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL);"
		      " CREATE INDEX IF NOT EXISTS exemptions_expires_at ON exemptions (expires_at)") == 0, "table");
	CHECK(exec(s, "INSERT INTO exemptions VALUES ('ex-soon', '{\"reason\":\"patching\",\"account\":\"111111111111\"}',"
		      " 1750086400000, 'admin', 0), ('ex-late', '{\"reason\":\"later\"}', 1750900000000, 'admin', 0),"
		      " ('ex-gone', '{\"reason\":\"past\"}', 1749000000000, 'admin', 0),"
		      " ('ex-other', '{\"reason\":\"x\",\"account\":\"222222222222\"}', 1750086400000, 'admin', 0)") == 0, "rows");
	nex = 0;
	CHECK(store_query_expiring_exemptions(s, "111111111111", NOW, NOW + 7 * DAY, 100, on_exemption, &nex) == IT_OK &&
	      nex == 1, "one expiring within 7 days for the account: %d", nex);
}

int main(void)
{
	char path[] = "/tmp/italic-test-query-XXXXXX", err[256];
	struct store *s = NULL;
	int fd = mkstemp(path);

	close(fd);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate: %s", err);
	CHECK(exec(s, "BEGIN") == 0, "begin");
	for (int i = 0; i < 300; i++)
		put_instance(s, i, i % 5 == 0 ? "NON_COMPLIANT" : "COMPLIANT", NOW - (int64_t)(i / 3) * 1000,
			     NOW - (int64_t)(i % 50) * 1000);
	CHECK(exec(s, "COMMIT") == 0, "commit");
	check_plans(s);
	check_listing(s);
	check_page_cut_short(s);
	check_evaluations(s);
	check_summary(s);
	check_plans(s);     /* with the exemptions table present, its statement too */
	store_close(s);
	unlink(path);
	return tap_done();
}
