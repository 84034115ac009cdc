/* test_store_inbox: group insert with dedup, claim/lease/retry/done, crash release. */
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
	enum inbox_result res[4] = {9, 9, 9, 9};
	struct inbox_row rows[8];
	size_t n = 99;
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
	res[0] = 9;
	CHECK(store_inbox_insert(s, items, 1, res) == IT_OK && res[0] == INBOX_DUPLICATE, "later duplicate");

	CHECK(store_inbox_pending(s, &count, &oldest) == IT_OK && count == 2 && oldest == 1000, "pending %lld",
	      (long long)count);
	CHECK(store_inbox_claim(s, 5000, 1000, rows, 8, &n) == IT_OK && n == 2, "claim both (%zu)", n);
	CHECK(strcmp(rows[0].event_id, "e1") == 0 && strcmp(rows[0].body, "{\"x\":1}") == 0 && rows[0].attempts == 1,
	      "row content");
	CHECK(store_inbox_claim(s, 5500, 1000, rows + 2, 8, &n) == IT_OK && n == 0, "leased rows not reclaimed");
	CHECK(store_inbox_claim(s, 6001, 1000, rows + 2, 8, &n) == IT_OK && n == 2, "expired lease reclaimed");
	CHECK(rows[2].attempts == 2, "attempts counted");
	for (int i = 2; i < 4; i++)
		inbox_row_finish(&rows[i]);

	CHECK(store_inbox_done(s, rows[0].seq, 7000, "evaluated") == IT_OK, "done");
	CHECK(store_inbox_retry(s, rows[1].seq, 9000, "aws failed") == IT_OK, "retry");
	CHECK(store_inbox_claim(s, 8000, 1000, rows + 2, 8, &n) == IT_OK && n == 0, "retry not due yet");
	CHECK(store_inbox_claim(s, 9000, 1000, rows + 2, 8, &n) == IT_OK && n == 1, "retry due");
	inbox_row_finish(&rows[2]);
	CHECK(store_inbox_release_all(s) == IT_OK, "release");
	CHECK(store_inbox_claim(s, 9001, 1000, rows + 2, 8, &n) == IT_OK && n == 1, "released row claimable");
	inbox_row_finish(&rows[2]);
	CHECK(store_inbox_state(s, "e1", &state) == IT_OK && state == 2, "e1 done");
	CHECK(store_inbox_state(s, "nope", &state) == IT_ENOTFOUND, "unknown id");
	CHECK(store_inbox_pending(s, &count, &oldest) == IT_OK && count == 1, "one pending");
	inbox_row_finish(&rows[0]);
	inbox_row_finish(&rows[1]);
	store_close(s);
	unlink(path);
	return tap_done();
}
