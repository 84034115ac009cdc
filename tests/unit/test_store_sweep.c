/* test_store_sweep: known pairs with their first sight and last start, begin/end record,
 * listing with keyset paging, first_seen; plus the outbox additions the deliverers use
 * (oldest due, superseded, lease inside a caller's transaction). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_outbox.h"
#include "store_sweep.h"
#include "tap.h"

static void instance(struct store *s, const char *acct, const char *region, const char *id, long long first)
{
	sqlite3_stmt *st;
	CHECK(sqlite3_prepare_v2(store_db(s),
				 "INSERT INTO instances(account, region, instance_id, compliance, reasons, observed_at,"
				 " evaluated_at, first_seen_at) VALUES (?1, ?2, ?3, 'COMPLIANT', '[]', ?4, ?4, ?4)",
				 -1, &st, NULL) == SQLITE_OK, "prepare");
	sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, first);
	CHECK(sqlite3_step(st) == SQLITE_DONE, "insert %s", id);
	sqlite3_finalize(st);
}

int main(void)
{
	char path[] = "/tmp/italic-test-sweep-XXXXXX", err[256];
	struct store *s;
	struct sweep_row rows[8];
	struct sweep_pair pairs[8];
	struct outbox_row orows[4];
	size_t n = 99;
	int64_t ms = -1, oldest = -1;
	int fd = mkstemp(path), sup = -1;

	close(fd);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate %s", err);

	/* Nothing known: no pairs. */
	CHECK(store_sweep_pairs(s, "", "", pairs, 8, &n) == IT_OK && n == 0, "empty");
	CHECK(store_sweep_first_seen(s, "111122223333", "us-east-1", "i-00000001", &ms) == IT_ENOTFOUND && ms == -1,
	      "unknown instance");
	CHECK(store_sweep_end(s, "111122223333", "us-east-1", 1, 0, 0, NULL) == IT_ENOTFOUND, "end without begin");

	instance(s, "111122223333", "us-east-1", "i-00000001", 5000);
	instance(s, "111122223333", "us-east-1", "i-00000002", 3000);
	instance(s, "111122223333", "eu-west-1", "i-00000003", 8000);
	CHECK(store_sweep_first_seen(s, "111122223333", "us-east-1", "i-00000001", &ms) == IT_OK && ms == 5000,
	      "first seen");

	/* Known pairs: the first sight of each (the earliest instance's, whatever the order
	 * of the inserts), never swept yet; pages by key. */
	CHECK(store_sweep_pairs(s, "", "", pairs, 8, &n) == IT_OK && n == 2, "two pairs (n=%zu)", n);
	CHECK_STR(pairs[0].region, "eu-west-1", "ordered by region");
	CHECK(pairs[0].first_seen_at == 8000 && pairs[1].first_seen_at == 3000, "first sight %lld %lld",
	      (long long)pairs[0].first_seen_at, (long long)pairs[1].first_seen_at);
	CHECK(pairs[0].last_started_at == 0 && pairs[0].failing_since == 0, "never started");
	CHECK(store_sweep_pairs(s, "", "", pairs, 1, &n) == IT_OK && n == 1, "max respected");
	CHECK(store_sweep_pairs(s, "111122223333", "eu-west-1", pairs, 8, &n) == IT_OK && n == 1 &&
	      strcmp(pairs[0].region, "us-east-1") == 0, "after a key");

	/* A sweep's start is the pair's new base. */
	CHECK(store_sweep_begin(s, "111122223333", "us-east-1", 9500) == IT_OK, "begin");
	CHECK(store_sweep_end(s, "111122223333", "us-east-1", 9600, 2, 1, NULL) == IT_OK, "end");
	CHECK(store_sweep_begin(s, "111122223333", "eu-west-1", 9700) == IT_OK, "begin eu");
	CHECK(store_sweep_end(s, "111122223333", "eu-west-1", 9800, 0, 0, "DescribeInstances: denied") == IT_OK, "end eu");
	CHECK(store_sweep_pairs(s, "", "", pairs, 8, &n) == IT_OK && n == 2 && pairs[0].last_started_at == 9700 &&
	      pairs[0].failing_since == 9700 && pairs[1].last_started_at == 9500 && pairs[1].failing_since == 0,
	      "swept: last starts and the failing one");
	CHECK(store_sweep_begin(s, "111122223333", "us-east-1", 20000) == IT_OK, "begin again");

	CHECK(store_sweep_list(s, "", "", rows, 8, &n) == IT_OK && n == 2, "list");
	CHECK_STR(rows[0].region, "eu-west-1", "ordered by region");
	CHECK_STR(rows[0].error, "DescribeInstances: denied", "error kept");
	CHECK(rows[1].last_started_at == 20000 && rows[1].last_finished_at == 9600 && rows[1].instances_seen == 2 &&
	      rows[1].changed == 1 && rows[1].error[0] == '\0', "us-east-1 record");
	CHECK(store_sweep_list(s, "111122223333", "eu-west-1", rows, 8, &n) == IT_OK && n == 1 &&
	      strcmp(rows[0].region, "us-east-1") == 0, "keyset page");

	/* issue 13 §7: a pair that fails every sweep for over a day stops being swept, and
	 * comes back once AWS has answered for it. */
	{
		const char *A = "000000000000", *R = "us-east-1";
		const int64_t DAY = 86400000, T0 = 1000000;
		int resumed = -1;
		instance(s, A, R, "i-00000009", 1);
		CHECK(store_sweep_resume(s, A, R, &resumed) == IT_OK && resumed == 0, "resume of an unknown pair: no-op");
		CHECK(store_sweep_begin(s, A, R, T0) == IT_OK && store_sweep_end(s, A, R, T0 + 5, 0, 0, "AssumeRole: denied") == IT_OK,
		      "first failure");
		CHECK(store_sweep_list(s, "", "", rows, 8, &n) == IT_OK && n == 3 && strcmp(rows[0].account, A) == 0 &&
			      rows[0].failing_since == T0 && rows[0].stopped_at == 0,
		      "failing since the first failed sweep's start (%lld)", (long long)rows[0].failing_since);
		/* exactly a day after the run began: still swept */
		CHECK(store_sweep_begin(s, A, R, T0 + DAY - 10) == IT_OK &&
			      store_sweep_end(s, A, R, T0 + DAY, 0, 0, "AssumeRole: denied") == IT_OK, "a day of failures");
		CHECK(store_sweep_list(s, "", "", rows, 8, &n) == IT_OK && rows[0].failing_since == T0 &&
			      rows[0].stopped_at == 0, "exactly a day: not stopped");
		CHECK(store_sweep_pairs(s, "", "", pairs, 8, &n) == IT_OK && n == 3, "still swept");
		/* one millisecond more: stopped */
		CHECK(store_sweep_begin(s, A, R, T0 + DAY) == IT_OK &&
			      store_sweep_end(s, A, R, T0 + DAY + 1, 0, 0, "AssumeRole: denied") == IT_OK, "over a day");
		CHECK(store_sweep_list(s, "", "", rows, 8, &n) == IT_OK && rows[0].stopped_at == T0 + DAY + 1 &&
			      rows[0].failing_since == T0, "stopped (%lld)", (long long)rows[0].stopped_at);
		CHECK(store_sweep_pairs(s, "", "", pairs, 8, &n) == IT_OK && n == 2, "not swept any more");
		for (size_t i = 0; i < n; i++)
			CHECK(strcmp(pairs[i].account, A) != 0, "the stopped pair is not returned");
		/* AWS answered for the pair: swept again, the run of failures forgotten */
		CHECK(store_sweep_resume(s, A, R, &resumed) == IT_OK && resumed == 1, "resumed");
		CHECK(store_sweep_pairs(s, "", "", pairs, 8, &n) == IT_OK && n == 3, "swept again");
		CHECK(store_sweep_list(s, "", "", rows, 8, &n) == IT_OK && rows[0].stopped_at == 0 &&
			      rows[0].failing_since == 0, "record cleared");
		CHECK(store_sweep_resume(s, A, R, &resumed) == IT_OK && resumed == 0, "resume again: no-op");
		/* a success ends a run of failures */
		CHECK(store_sweep_begin(s, A, R, T0 + 4 * DAY) == IT_OK &&
			      store_sweep_end(s, A, R, T0 + 4 * DAY + 1, 0, 0, "x") == IT_OK &&
			      store_sweep_begin(s, A, R, T0 + 5 * DAY) == IT_OK &&
			      store_sweep_end(s, A, R, T0 + 5 * DAY + 1, 1, 0, NULL) == IT_OK &&
			      store_sweep_begin(s, A, R, T0 + 7 * DAY) == IT_OK &&
			      store_sweep_end(s, A, R, T0 + 7 * DAY + 1, 0, 0, "x") == IT_OK,
		      "fail, succeed, fail");
		CHECK(store_sweep_list(s, "", "", rows, 8, &n) == IT_OK && rows[0].failing_since == T0 + 7 * DAY &&
			      rows[0].stopped_at == 0, "a new run starts after a success");
	}

	/* Outbox: oldest due, superseded, lease inside an open transaction. */
	CHECK(store_outbox_oldest_due(s, "siem", 100, &oldest) == IT_OK && oldest == 0, "no siem rows");
	CHECK(store_outbox_add(s, "siem", "", "111122223333", "us-east-1", "i-00000001", "{}", 50) == IT_OK, "add");
	CHECK(store_outbox_add(s, "securityhub", "g", "111122223333", "us-east-1", "i-00000001", "{}", 60) == IT_OK, "add");
	CHECK(store_outbox_add(s, "securityhub", "g", "111122223333", "us-east-1", "i-00000001", "{}", 70) == IT_OK, "add");
	CHECK(store_outbox_oldest_due(s, "siem", 100, &oldest) == IT_OK && oldest == 50, "oldest due");
	CHECK(store_outbox_oldest_due(s, "siem", 49, &oldest) == IT_OK && oldest == 0, "not due yet");
	CHECK(store_begin(s) == IT_OK, "caller transaction");
	CHECK(store_outbox_lease(s, "securityhub", 100, 1000, orows, 4, &n) == IT_OK && n == 2, "lease in txn");
	CHECK(store_commit(s) == IT_OK, "caller commits");
	CHECK(store_outbox_superseded(s, &orows[0], &sup) == IT_OK && sup == 1, "older row superseded");
	CHECK(store_outbox_superseded(s, &orows[1], &sup) == IT_OK && sup == 0, "newest not");
	outbox_row_finish(&orows[0]);
	outbox_row_finish(&orows[1]);
	CHECK(store_outbox_oldest_due(s, "securityhub", 200, &oldest) == IT_OK && oldest == 0, "leased rows not due");
	CHECK(store_outbox_release_all(s) == IT_OK, "release all");
	CHECK(store_outbox_oldest_due(s, "securityhub", 200, &oldest) == IT_OK && oldest == 60, "released rows due");
	store_close(s);
	unlink(path);
	return tap_done();
}
