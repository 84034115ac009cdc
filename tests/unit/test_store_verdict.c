/* test_store_verdict: ordering by observed_at, history rows, paging, due list. */
#include <stdlib.h>
#include <unistd.h>

#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_verdict.h"
#include "tap.h"

static struct verdict_row row(const char *inst, const char *compliance, int64_t observed, const char *trigger)
{
	struct verdict_row v;
	memset(&v, 0, sizeof(v));
	snprintf(v.account, sizeof(v.account), "111122223333");
	snprintf(v.region, sizeof(v.region), "us-east-1");
	snprintf(v.instance_id, sizeof(v.instance_id), "%s", inst);
	snprintf(v.image_id, sizeof(v.image_id), "ami-12345678");
	snprintf(v.state, sizeof(v.state), "running");
	snprintf(v.compliance, sizeof(v.compliance), "%s", compliance);
	snprintf(v.trigger, sizeof(v.trigger), "%s", trigger);
	v.observed_at = observed;
	v.evaluated_at = observed + 5;
	v.reasons_json = strdup("[\"because\"]");
	return v;
}

static int history(struct store *s)
{
	sqlite3_stmt *st;
	int n = -1;
	if (sqlite3_prepare_v2(store_db(s), "SELECT count(*) FROM evaluations", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

int main(void)
{
	char path[] = "/tmp/italic-test-verdict-XXXXXX", err[256], prev[24];
	struct store *s;
	struct verdict_row v, got, page[4];
	enum verdict_apply how;
	size_t n;
	int64_t at = -1;
	int fd = mkstemp(path);

	close(fd);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate");

	v = row("i-00000001", "NON_COMPLIANT", 2000, "event");
	CHECK(store_verdict_apply(s, &v, &how, prev) == IT_OK && how == VERDICT_APPLIED && prev[0] == 0, "first");
	verdict_row_finish(&v);
	v = row("i-00000001", "COMPLIANT", 1000, "event");
	CHECK(store_verdict_apply(s, &v, &how, prev) == IT_OK && how == VERDICT_STALE, "older event is stale");
	CHECK(strcmp(prev, "NON_COMPLIANT") == 0, "prev on stale");
	verdict_row_finish(&v);
	CHECK(store_verdict_get(s, "111122223333", "us-east-1", "i-00000001", &got) == IT_OK &&
	      strcmp(got.compliance, "NON_COMPLIANT") == 0 && got.observed_at == 2000, "stale did not overwrite");
	verdict_row_finish(&got);
	CHECK(history(s) == 1, "one history row");

	v = row("i-00000001", "NON_COMPLIANT", 2000, "reevaluate");
	CHECK(store_verdict_apply(s, &v, &how, prev) == IT_OK && how == VERDICT_UNCHANGED, "same verdict");
	verdict_row_finish(&v);
	CHECK(history(s) == 1, "unchanged re-evaluation writes no history");
	v = row("i-00000001", "COMPLIANT", 2000, "reevaluate");
	v.next_change_at = 9000;
	CHECK(store_verdict_apply(s, &v, &how, prev) == IT_OK && how == VERDICT_APPLIED, "changed");
	CHECK(strcmp(prev, "NON_COMPLIANT") == 0, "prev");
	verdict_row_finish(&v);
	CHECK(history(s) == 2, "changed re-evaluation writes history");
	v = row("i-00000001", "COMPLIANT", 3000, "event");
	v.next_change_at = 9000;
	CHECK(store_verdict_apply(s, &v, &how, NULL) == IT_OK && how == VERDICT_UNCHANGED, "same, newer event");
	verdict_row_finish(&v);
	CHECK(history(s) == 3, "events always write history");

	for (int i = 2; i <= 5; i++) {
		char id[32];
		snprintf(id, sizeof(id), "i-0000000%d", i);
		v = row(id, "COMPLIANT", 1000, "event");
		CHECK(store_verdict_apply(s, &v, &how, NULL) == IT_OK, "insert %d", i);
		verdict_row_finish(&v);
	}
	CHECK(store_verdict_page(s, NULL, NULL, "", "", "", page, 3, &n) == IT_OK && n == 3, "page 1");
	CHECK(strcmp(page[2].instance_id, "i-00000003") == 0, "order");
	{
		char a[IT_ACCOUNT_ID_SIZE], r[IT_REGION_SIZE], i[IT_INSTANCE_ID_SIZE];
		snprintf(a, sizeof(a), "%s", page[2].account);
		snprintf(r, sizeof(r), "%s", page[2].region);
		snprintf(i, sizeof(i), "%s", page[2].instance_id);
		for (size_t k = 0; k < n; k++)
			verdict_row_finish(&page[k]);
		CHECK(store_verdict_page(s, NULL, NULL, a, r, i, page, 3, &n) == IT_OK && n == 2, "page 2 (%zu)", n);
		CHECK(strcmp(page[0].instance_id, "i-00000004") == 0, "continues after key");
		for (size_t k = 0; k < n; k++)
			verdict_row_finish(&page[k]);
	}
	CHECK(store_verdict_page(s, "111122223333", "us-east-1", NULL, NULL, "", page, 4, &n) == IT_OK && n == 4,
	      "account+region");
	for (size_t k = 0; k < n; k++)
		verdict_row_finish(&page[k]);
	CHECK(store_verdict_page(s, "999999999999", NULL, NULL, "", "", page, 4, &n) == IT_OK && n == 0, "account");

	CHECK(store_verdict_next_due(s, &at) == IT_OK && at == 9000, "next due %lld", (long long)at);
	CHECK(store_verdict_due(s, 8999, page, 4, &n) == IT_OK && n == 0, "not due");
	CHECK(store_verdict_due(s, 9000, page, 4, &n) == IT_OK && n == 1, "due at the instant");
	verdict_row_finish(&page[0]);
	/* issue 13 §1: a record pinned in the future (a terminated event dated 9999) yields
	 * only to the sweep's repair, and only while it is ahead by more than the skew. */
	{
		const int h0 = history(s);
		const int64_t listed = 1764620000000LL, pinned = 253402300799000LL;
		v = row("i-000000aa", "NOT_APPLICABLE", pinned, "event");
		CHECK(store_verdict_apply(s, &v, &how, prev) == IT_OK && how == VERDICT_APPLIED, "pinned record");
		verdict_row_finish(&v);
		v = row("i-000000aa", "NON_COMPLIANT", listed, "sweep");
		CHECK(store_verdict_apply(s, &v, &how, prev) == IT_OK && how == VERDICT_STALE,
		      "an ordinary sweep verdict loses to the pinned one");
		v.repair_future = 1;
		CHECK(store_verdict_apply(s, &v, &how, prev) == IT_OK && how == VERDICT_APPLIED &&
			      strcmp(prev, "NOT_APPLICABLE") == 0, "the repair replaces it");
		verdict_row_finish(&v);
		CHECK(store_verdict_get(s, "111122223333", "us-east-1", "i-000000aa", &got) == IT_OK &&
			      strcmp(got.compliance, "NON_COMPLIANT") == 0 && got.observed_at == listed,
		      "unpinned: observed at the listing time");
		verdict_row_finish(&got);
		v = row("i-000000aa", "COMPLIANT", listed - 1, "sweep");
		v.repair_future = 1;
		CHECK(store_verdict_apply(s, &v, &how, prev) == IT_OK && how == VERDICT_STALE,
		      "repair does not beat an ordinary newer record");
		verdict_row_finish(&v);
		v = row("i-000000bb", "NOT_APPLICABLE", listed + IT_EVENT_CLOCK_SKEW_MS, "event");
		CHECK(store_verdict_apply(s, &v, &how, prev) == IT_OK && how == VERDICT_APPLIED, "within the skew");
		verdict_row_finish(&v);
		v = row("i-000000bb", "NON_COMPLIANT", listed, "sweep");
		v.repair_future = 1;
		CHECK(store_verdict_apply(s, &v, &how, prev) == IT_OK && how == VERDICT_STALE,
		      "a record exactly the skew ahead is not pinned");
		verdict_row_finish(&v);
		CHECK(history(s) == h0 + 3, "history: the pinned record, its repair, the one within the skew");
	}

	store_close(s);
	unlink(path);
	return tap_done();
}
