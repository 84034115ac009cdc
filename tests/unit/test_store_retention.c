/*
 * test_store_retention: the purge's statements search indexes; one step deletes at most
 * a batch of old history, done inbox rows past the dedup window and finished
 * deliveries, and never a current verdict or a pending delivery (moved unchanged from
 * test_store_query when the purge got its own module).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "limits.h"
#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_retention.h"
#include "store_rows.h"
#include "tap.h"

#define DAY 86400000LL
#define NOW (1750000000000LL)

/* Each purge statement searches an index of the table it deletes from (a bare SCAN
 * would read all 10 million history rows to delete a thousand). */
static void check_plans(struct store *s)
{
	size_t n;
	const struct query_statement *q = store_retention_statements(&n);

	CHECK(n == 3, "three statements");
	for (size_t i = 0; i < n; i++) {
		char sql[4096], scan[64], search[64], plan[2048] = "";
		sqlite3_stmt *st = NULL;
		int uses_index = 0, bad = 0;

		snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", q[i].sql);
		snprintf(scan, sizeof(scan), "SCAN %s", q[i].table);
		snprintf(search, sizeof(search), "SEARCH %s ", q[i].table);
		CHECK(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK, "%s: prepare: %s", q[i].name,
		      sqlite3_errmsg(store_db(s)));
		while (st && sqlite3_step(st) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(st, 3);
			size_t used = strlen(plan);
			snprintf(plan + used, sizeof(plan) - used, "%s | ", d);
			if (strncmp(d, scan, strlen(scan)) == 0 && d[strlen(scan)] == '\0')
				bad = 1;
			if (strncmp(d, search, strlen(search)) == 0 ||
			    (strncmp(d, scan, strlen(scan)) == 0 && strstr(d, " INDEX ")))
				uses_index = 1;
		}
		sqlite3_finalize(st);
		CHECK(uses_index && !bad, "%s uses an index: %s", q[i].name, plan);
	}
}

static void check_purge(struct store *s)
{
	struct retention_counts c = {-1, -1, -1};
	int64_t before = count_sql(s, "SELECT count(*) FROM instances"), total = 0;

	CHECK(exec(s, "DELETE FROM evaluations") == 0, "clear");
	for (int i = 0; i < 250; i++)
		put_evaluation(s, i, NOW - (i < 150 ? 401 : 399) * DAY);
	CHECK(exec(s, "INSERT INTO inbox(event_id, kind, received_at, state, done_at) VALUES"
		      " ('e1', 'x', 0, 2, 1749000000000), ('e2', 'x', 0, 2, 1749900000000), ('e3', 'x', 0, 0, NULL)") == 0,
	      "inbox rows");
	/* Deliveries: done long ago (goes), failed long ago (goes: no done_at, its age is
	 * its creation), done recently (stays), pending and old (stays: not delivered yet). */
	CHECK(exec(s, "DELETE FROM deliveries") == 0, "clear deliveries");
	{
		char sql[1024];
		long long old = (long long)(NOW - 401 * DAY), recent = (long long)(NOW - 10 * DAY);
		snprintf(sql, sizeof(sql),
			 "INSERT INTO deliveries(destination, group_key, payload, state, created_at, next_attempt_at, done_at)"
			 " VALUES ('config', 'g', '{}', 'done', %lld, %lld, %lld), ('siem', 'g', '{}', 'failed', %lld, %lld, NULL),"
			 " ('config', 'g', '{}', 'done', %lld, %lld, %lld), ('securityhub', 'g', '{}', 'pending', %lld, %lld, NULL)",
			 old, old, old + 1000, old, old, old, old, recent, old, old);
		CHECK(exec(s, sql) == 0, "delivery rows");
	}
	CHECK(store_retention_purge(s, NOW, 0, 100, &c) == IT_EINVAL && c.evaluations == -1, "zero days rejected");
	CHECK(store_retention_purge(s, NOW, 400, 100, &c) == IT_OK && c.evaluations == 100 && c.inbox == 1 &&
	      c.deliveries == 2, "first batch %lld %lld %lld", (long long)c.evaluations, (long long)c.inbox,
	      (long long)c.deliveries);
	total = c.evaluations;
	CHECK(store_retention_purge(s, NOW, 400, 100, &c) == IT_OK && c.evaluations == 50 && c.inbox == 0 &&
	      c.deliveries == 0, "second batch %lld", (long long)c.evaluations);
	total += c.evaluations;
	CHECK(store_retention_purge(s, NOW, 400, 100, &c) == IT_OK && c.evaluations == 0, "nothing left");
	CHECK(total == 150 && count_sql(s, "SELECT count(*) FROM evaluations") == 100, "only old history purged");
	CHECK(count_sql(s, "SELECT count(*) FROM inbox") == 2, "recent done and pending inbox rows stay");
	CHECK(count_sql(s, "SELECT count(*) FROM instances") == before, "current verdicts never purged");
	CHECK(count_sql(s, "SELECT count(*) FROM deliveries WHERE state = 'pending'") == 1 &&
	      count_sql(s, "SELECT count(*) FROM deliveries WHERE state = 'done'") == 1,
	      "a pending delivery stays however old; a recent done one stays");
	/* With a later now, the rest ages out too. */
	CHECK(store_retention_purge(s, NOW + 2 * DAY, 400, 1000, &c) == IT_OK && c.evaluations == 100, "aged out %lld",
	      (long long)c.evaluations);
}

/* Batches sized by time: halved when slow, doubled when fast, within the bounds. */
static void check_next_batch(void)
{
	CHECK(store_retention_next_batch(100, RETENTION_STEP_SLOW_MS + 1, 1000) == 50, "slow: halved");
	CHECK(store_retention_next_batch(100, 230, 1000) == 50, "very slow: halved once per step");
	CHECK(store_retention_next_batch(RETENTION_BATCH_MIN + 5, 100, 1000) == RETENTION_BATCH_MIN,
	      "never below the minimum");
	CHECK(store_retention_next_batch(100, 0, 1000) == 200, "fast: doubled");
	CHECK(store_retention_next_batch(600, 1, 1000) == 1000, "never above the maximum");
	CHECK(store_retention_next_batch(100, RETENTION_STEP_FAST_MS, 1000) == 100 &&
	      store_retention_next_batch(100, RETENTION_STEP_SLOW_MS, 1000) == 100, "in between: kept");
	CHECK(store_retention_next_batch(5000, 10, 1000) == 1000, "clamped to the maximum");
}

int main(void)
{
	char path[] = "/tmp/italic-test-retention-XXXXXX", err[256];
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
	check_purge(s);
	check_next_batch();
	store_close(s);
	unlink(path);
	return tap_done();
}
