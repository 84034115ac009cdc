/* test_store_inbox: insert with dedup (batch and one by one), partitioned due reads,
 * retry backoff, done. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "status.h"
#include "store.h"
#include "store_inbox.h"
#include "store_migrate.h"
#include "tap.h"

static struct inbox_new ev(const char *id, const char *idem)
{
	struct inbox_new e = {id, idem, "ec2_state_change", "111122223333", "us-east-1", "tok_1",
			      "{\"x\":1}", 7, 1000};
	return e;
}

static struct inbox_new ev_for(const char *account, const char *token, const char *id, const char *idem)
{
	struct inbox_new e = {id, idem, "ec2_state_change", account, "us-east-1", token, "{}", 2, 2000};
	return e;
}

static int64_t one_int(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
		return -2;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The plan of a lookup mentions the index: the duplicate answer is an index lookup. */
static int plan_uses(struct store *s, const char *sql, const char *index)
{
	sqlite3_stmt *st;
	int found = 0;
	char q[512];

	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	if (sqlite3_prepare_v2(store_db(s), q, -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 3);
		if (d && strstr(d, index))
			found = 1;
	}
	sqlite3_finalize(st);
	return found;
}

/* issue 13 §5: one account (or token) cannot shadow another's events. */
static void test_dedup_scope(void)
{
	char path[] = "/tmp/italic-test-inbox-scope-XXXXXX", err[256];
	struct store *s = NULL;
	struct inbox_new e;
	enum inbox_result r = 9;
	int fd = mkstemp(path), state = -1;

	close(fd);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate %s", err);

	e = ev_for("111111111111", "tok_a", "shared-id", NULL);
	CHECK(store_inbox_insert_one(s, &e, &r, NULL) == IT_OK && r == INBOX_ACCEPTED, "A claims an id first");
	e = ev_for("222222222222", "tok_b", "shared-id", NULL);
	CHECK(store_inbox_insert_one(s, &e, &r, NULL) == IT_OK && r == INBOX_ACCEPTED,
	      "B's event with the same id is not a duplicate (%d)", r);
	e = ev_for("111111111111", "tok_c", "shared-id", NULL);
	CHECK(store_inbox_insert_one(s, &e, &r, NULL) == IT_OK && r == INBOX_DUPLICATE,
	      "A's id again, through another token, is a redelivery");

	e = ev_for("111111111111", "tok_a", "x1", "key-1");
	CHECK(store_inbox_insert_one(s, &e, &r, NULL) == IT_OK && r == INBOX_ACCEPTED, "token A's key");
	e = ev_for("222222222222", "tok_b", "x2", "key-1");
	CHECK(store_inbox_insert_one(s, &e, &r, NULL) == IT_OK && r == INBOX_ACCEPTED,
	      "token B's same Idempotency-Key is its own (%d)", r);
	e = ev_for("111111111111", "tok_a", "x3", "key-1");
	CHECK(store_inbox_insert_one(s, &e, &r, NULL) == IT_OK && r == INBOX_DUPLICATE, "token A's key again");

	CHECK(store_inbox_state(s, "222222222222", "shared-id", &state) == IT_OK && state == 0, "B's row");
	CHECK(store_inbox_state(s, "333333333333", "shared-id", &state) == IT_ENOTFOUND, "another account's id");
	CHECK(plan_uses(s, "SELECT 1 FROM inbox WHERE account = '1' AND event_id = 'x'", "inbox_event"),
	      "event ids are found through inbox_event");
	CHECK(plan_uses(s, "SELECT 1 FROM inbox WHERE token_id = 't' AND idem_key = 'k'", "inbox_idem"),
	      "Idempotency-Keys are found through inbox_idem");
	store_close(s);
	unlink(path);
}

/* A database of schema 6 (global dedup) migrates to 7 with its rows and seq numbers. */
static void test_migrate_from_6(void)
{
	char path[] = "/tmp/italic-test-inbox-mig-XXXXXX", err[256];
	struct embedded_file upto6[16];
	struct store *s = NULL;
	struct inbox_new e;
	enum inbox_result r = 9;
	int64_t seq = -1;
	size_t n = 0;
	int fd = mkstemp(path);

	close(fd);
	for (const struct embedded_file *m = italic_migrations; m->name && n < 15; m++)
		if (strncmp(m->name, "0007", 4) < 0)
			upto6[n++] = *m;
	upto6[n].name = NULL;
	upto6[n].data = NULL;
	upto6[n].len = 0;
	CHECK(n == 6, "six migrations before 0007 (%zu)", n);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, upto6, NULL, err, sizeof(err)) == IT_OK, "migrate to 6: %s", err);
	CHECK(store_exec(s, "INSERT INTO inbox(seq, event_id, idem_key, kind, account, region, token_id, received_at,"
			    " body, state, done_at, outcome) VALUES"
			    " (41, 'old-done', 'k-old', 'ec2_state_change', '111111111111', 'us-east-1', 'tok_a', 5, '{}',"
			    " 2, 6, 'evaluated'),"
			    " (42, 'old-pending', NULL, 'ec2_state_change', '111111111111', 'us-east-1', 'tok_a', 7, '{}',"
			    " 0, NULL, NULL)") == IT_OK &&
		      store_exec(s, "INSERT INTO sweeps(account, region, last_started_at, last_finished_at, error)"
				    " VALUES ('111111111111', 'us-east-1', 10, 11, 'x')") == IT_OK,
	      "rows of schema 6");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate to 7: %s", err);
	CHECK(one_int(s, "SELECT count(*) FROM inbox") == 2 &&
		      one_int(s, "SELECT state FROM inbox WHERE event_id = 'old-pending'") == 0 &&
		      one_int(s, "SELECT done_at FROM inbox WHERE seq = 41") == 6,
	      "inbox rows kept");
	CHECK(one_int(s, "SELECT count(*) FROM inbox WHERE state = 0") == 1, "pending index answers");
	e = ev_for("111111111111", "tok_a", "old-done", NULL);
	CHECK(store_inbox_insert_one(s, &e, &r, NULL) == IT_OK && r == INBOX_DUPLICATE, "old ids still dedup");
	e = ev_for("111111111111", "tok_a", "new-1", "k-old");
	CHECK(store_inbox_insert_one(s, &e, &r, NULL) == IT_OK && r == INBOX_DUPLICATE, "old keys still dedup");
	e = ev_for("111111111111", "tok_a", "new-2", NULL);
	CHECK(store_inbox_insert_one(s, &e, &r, &seq) == IT_OK && r == INBOX_ACCEPTED && seq > 42,
	      "seq continues after the old rows (%lld)", (long long)seq);
	CHECK(one_int(s, "SELECT count(*) FROM sweeps WHERE failing_since IS NULL AND stopped_at IS NULL") == 1,
	      "sweeps rows kept, new columns empty");
	CHECK(one_int(s, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'") == 1,
	      "integrity ok");
	store_close(s);
	unlink(path);
}

int main(void)
{
	char path[] = "/tmp/italic-test-inbox-XXXXXX", err[256];
	struct store *s;
	struct inbox_new items[4];
	enum inbox_result res[4] = {9, 9, 9, 9}, one = 9;
	int64_t seq = -1;
	struct inbox_row rows[8];
	size_t n = 99, n0 = 0, n1 = 0;
	int64_t count = -1, oldest = -1;
	int state = -1;
	int fd = mkstemp(path);

	close(fd);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate %s", err);

	items[0] = ev("e1", NULL);
	items[1] = ev("e2", "k1");
	items[2] = ev("e1", NULL);      /* same id in the same batch */
	items[3] = ev("e3", "k1");      /* same idempotency key */
	CHECK(store_inbox_insert(s, items, 4, res) == IT_OK, "insert batch");
	CHECK(res[0] == INBOX_ACCEPTED && res[1] == INBOX_ACCEPTED, "new ones accepted");
	CHECK(res[2] == INBOX_DUPLICATE && res[3] == INBOX_DUPLICATE, "duplicates: %d %d", res[2], res[3]);
	items[0] = ev("e2", NULL);
	CHECK(store_inbox_insert_one(s, &items[0], &one, &seq) == IT_OK && one == INBOX_DUPLICATE, "later duplicate");
	CHECK(seq == -1, "no seq for a duplicate: %lld", (long long)seq);
	items[0] = ev("e4", NULL);
	CHECK(store_inbox_insert_one(s, &items[0], &one, &seq) == IT_OK && one == INBOX_ACCEPTED, "one more");
	/* e1 and e2 took 1 and 2, and each of the three ignored duplicates used up a number
	 * (AUTOINCREMENT allocates before the UNIQUE check): e4 is 6. */
	CHECK(seq == 6, "seq of the new row: %lld", (long long)seq);

	CHECK(store_inbox_pending(s, &count, &oldest) == IT_OK && count == 3 && oldest == 1000, "pending %lld",
	      (long long)count);
	CHECK(store_inbox_due(s, 5000, 0, 2, 2, rows, 8, &n) == IT_EINVAL, "part out of range");
	CHECK(store_inbox_due(s, 5000, 0, 2, 0, rows, 8, &n0) == IT_OK, "partition 0");
	for (size_t i = 0; i < n0; i++)
		inbox_row_finish(&rows[i]);
	CHECK(store_inbox_due(s, 5000, 0, 2, 1, rows, 8, &n1) == IT_OK, "partition 1");
	for (size_t i = 0; i < n1; i++)
		inbox_row_finish(&rows[i]);
	CHECK(n0 + n1 == 3 && n0 > 0 && n1 > 0, "partitions split the rows (%zu + %zu)", n0, n1);

	CHECK(store_inbox_due(s, 5000, 0, 1, 0, rows, 8, &n) == IT_OK && n == 3, "all due");
	CHECK(strcmp(rows[0].event_id, "e1") == 0 && strcmp(rows[0].body, "{\"x\":1}") == 0 && rows[0].attempts == 1,
	      "row content");
	CHECK(store_inbox_done(s, rows[0].seq, 7000, "evaluated") == IT_OK, "done");
	CHECK(store_inbox_retry(s, rows[1].seq, 9000, "aws failed") == IT_OK, "retry");
	{
		int64_t after = rows[0].seq;
		for (size_t i = 0; i < n; i++)
			inbox_row_finish(&rows[i]);
		CHECK(store_inbox_due(s, 8000, 0, 1, 0, rows, 8, &n) == IT_OK && n == 1, "retried row not due yet");
		inbox_row_finish(&rows[0]);
		CHECK(store_inbox_due(s, 9000, 0, 1, 0, rows, 8, &n) == IT_OK && n == 2, "retry due");
		CHECK(rows[0].attempts == 2, "attempt counted (%d)", rows[0].attempts);
		for (size_t i = 0; i < n; i++)
			inbox_row_finish(&rows[i]);
		CHECK(store_inbox_due(s, 9000, after + 1, 1, 0, rows, 8, &n) == IT_OK && n == 1, "after_seq");
		inbox_row_finish(&rows[0]);
	}
	CHECK(store_inbox_state(s, "111122223333", "e1", &state) == IT_OK && state == 2, "e1 done");
	CHECK(store_inbox_state(s, "111122223333", "nope", &state) == IT_ENOTFOUND, "unknown id");
	CHECK(store_inbox_pending(s, &count, &oldest) == IT_OK && count == 2, "two pending");
	store_close(s);
	unlink(path);
	test_dedup_scope();
	test_migrate_from_6();
	return tap_done();
}
