/* test_store_inbox: insert with dedup (batch and one by one), partitioned due reads,
 * retry backoff, done. */
#include <stdlib.h>
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
	CHECK(store_inbox_state(s, "e1", &state) == IT_OK && state == 2, "e1 done");
	CHECK(store_inbox_state(s, "nope", &state) == IT_ENOTFOUND, "unknown id");
	CHECK(store_inbox_pending(s, &count, &oldest) == IT_OK && count == 2, "two pending");
	store_close(s);
	unlink(path);
	return tap_done();
}
