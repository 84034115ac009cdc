/* test_store_outbox: add, lease by group, lease expiry, fail/backoff/give-up, list. */
#include <stdlib.h>
#include <unistd.h>

#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_outbox.h"
#include "tap.h"

#define H (3600LL * 1000)

int main(void)
{
	char path[] = "/tmp/italic-test-outbox-XXXXXX", err[256];
	struct store *s;
	struct outbox_row rows[8];
	size_t n = 99;
	int64_t cnt = -1, at = -1;
	int fd = mkstemp(path);

	close(fd);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate %s", err);
	CHECK(store_outbox_add(s, "bogus", "g", NULL, NULL, NULL, "{}", 1000) != IT_OK, "destination checked");
	CHECK(store_outbox_add(s, "config", "tokA", "111122223333", "us-east-1", "i-00000001", "{\"n\":1}", 1000) == IT_OK, "add");
	CHECK(store_outbox_add(s, "config", "tokB", "111122223333", "us-east-1", "i-00000002", "{\"n\":2}", 1001) == IT_OK, "add");
	CHECK(store_outbox_add(s, "config", "tokA", "111122223333", "us-east-1", "i-00000003", "{\"n\":3}", 1002) == IT_OK, "add");
	CHECK(store_outbox_add(s, "siem", "", "111122223333", "us-east-1", "i-00000003", "{}", 1003) == IT_OK, "add siem");

	CHECK(store_outbox_lease(s, "config", 2000, 1000, rows, 8, &n) == IT_OK && n == 2, "lease group A (%zu)", n);
	CHECK(strcmp(rows[0].group_key, "tokA") == 0 && strcmp(rows[1].instance_id, "i-00000003") == 0, "group A rows");
	CHECK(rows[0].attempts == 1, "attempt counted");
	CHECK(store_outbox_lease(s, "config", 2001, 1000, rows + 2, 8, &n) == IT_OK && n == 1 &&
	      strcmp(rows[2].group_key, "tokB") == 0, "then group B");
	outbox_row_finish(&rows[2]);
	CHECK(store_outbox_lease(s, "config", 2002, 1000, rows + 2, 8, &n) == IT_OK && n == 0, "all leased");
	CHECK(store_outbox_lease(s, "config", 3001, 1000, rows + 2, 8, &n) == IT_OK && n == 2, "lease expired (%zu)", n);
	outbox_row_finish(&rows[2]);
	outbox_row_finish(&rows[3]);

	CHECK(store_outbox_done(s, rows[0].id, 3100) == IT_OK, "done");
	CHECK(store_outbox_fail(s, rows[1].id, 3100, 9000, "Throttling", 0) == IT_OK, "fail, retry later");
	CHECK(store_outbox_next_due(s, "config", &at) == IT_OK && at <= 9000, "next due");
	CHECK(store_outbox_count(s, "config", "done", &cnt) == IT_OK && cnt == 1, "one done");
	CHECK(store_outbox_fail(s, rows[1].id, 1002 + 24 * H + 1, 1002 + 25 * H, "still failing", 0) == IT_OK, "give up");
	CHECK(store_outbox_count(s, "config", "failed", &cnt) == IT_OK && cnt == 1, "failed after 24 h");
	outbox_row_finish(&rows[0]);
	outbox_row_finish(&rows[1]);

	CHECK(store_outbox_list(s, NULL, NULL, 0, rows, 8, &n) == IT_OK && n == 4, "list all (%zu)", n);
	CHECK(strcmp(rows[0].destination, "siem") == 0, "newest first");
	for (size_t i = 0; i < n; i++)
		outbox_row_finish(&rows[i]);
	CHECK(store_outbox_list(s, "config", "failed", 0, rows, 8, &n) == IT_OK && n == 1, "filtered");
	CHECK(rows[0].last_error && strcmp(rows[0].last_error, "still failing") == 0, "last error kept");
	outbox_row_finish(&rows[0]);
	store_close(s);
	unlink(path);
	return tap_done();
}
