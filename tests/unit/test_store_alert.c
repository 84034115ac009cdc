/*
 * test_store_alert: alert windows and digests on a real SQLite file (migration 0009):
 * windows round-trip, a digest counts and keeps its first 20, sealing renders and
 * forgets, and the rebuilt deliveries table takes the two alert destinations only.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "status.h"
#include "store.h"
#include "store_alert.h"
#include "store_migrate.h"
#include "store_outbox.h"
#include "tap.h"

static struct store *s;

static int64_t count_rows(const char *table)
{
	char sql[128];
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void test_windows(void)
{
	struct alert_window w = {9, 9, 9}, put = {1768478400000LL, 20, 0};

	CHECK(store_alert_window_get(s, "webhook", &w) == IT_OK && w.opened_at == 0 && w.singles == 0 && w.digest_id == 0,
	      "no window yet: zeros");
	CHECK(store_alert_window_put(s, "webhook", &put) == IT_OK, "put");
	CHECK(store_alert_window_get(s, "webhook", &w) == IT_OK && w.opened_at == put.opened_at && w.singles == 20 &&
	      w.digest_id == 0, "round trip, no digest");
	put.digest_id = 77;
	put.singles = 21;
	CHECK(store_alert_window_put(s, "webhook", &put) == IT_OK, "update");
	CHECK(store_alert_window_get(s, "webhook", &w) == IT_OK && w.digest_id == 77 && w.singles == 21, "updated");
	CHECK(store_alert_window_get(s, "eventbridge", &w) == IT_OK && w.opened_at == 0, "per destination");
	CHECK(store_alert_window_put(s, "email", &put) != IT_OK, "only the alert destinations have windows");
}

static void test_digest(void)
{
	struct alert_window w = {1768478400000LL, 2, 0};
	struct outbox_row r;
	char *payload = NULL, *again = NULL;
	int64_t id = 0;
	json_t *d;
	int rc = IT_OK;

	CHECK(store_outbox_add_due(s, "eventbridge", "alert", NULL, NULL, NULL,
				   "{\"kind\":\"digest_open\",\"window_start\":1768478400000,\"window_end\":1768478460000,"
				   "\"url\":\"https://i.example/v1/instances?compliance=NON_COMPLIANT\"}",
				   1768478401000LL, 1768478460000LL, &id) == IT_OK && id > 0, "digest row");
	CHECK(store_outbox_get(s, id, &r) == IT_OK && r.next_attempt_at == 1768478460000LL && r.created_at ==
	      1768478401000LL, "due when the window closes");
	outbox_row_finish(&r);
	w.digest_id = id;
	CHECK(store_alert_window_put(s, "eventbridge", &w) == IT_OK, "window with its digest");
	for (int i = 0; i < 25 && rc == IT_OK; i++) {
		char detail[96];
		snprintf(detail, sizeof(detail), "{\"kind\":\"change\",\"instance_id\":\"i-%017d\"}", i);
		rc = store_alert_digest_add(s, id, i < 15 ? "111122223333" : "444455556666", i % 5 ? "ami-12345678" : "",
					    i == 0 ? "COMPLIANT" : "NON_COMPLIANT", detail);
	}
	CHECK(rc == IT_OK, "25 alerts counted");
	CHECK(count_rows("alert_digest_items") == IT_ALERT_DIGEST_FIRST, "only the first 20 kept in full");
	CHECK(store_alert_digest_seal(s, id, &payload) == IT_OK && payload, "sealed");
	d = payload ? json_loads(payload, 0, NULL) : NULL;
	CHECK_STR(json_string_value(json_object_get(d, "kind")), "digest", "kind");
	CHECK(json_integer_value(json_object_get(d, "count")) == 25, "count");
	CHECK(json_integer_value(json_object_get(json_object_get(d, "by_account"), "111122223333")) == 15 &&
	      json_integer_value(json_object_get(json_object_get(d, "by_account"), "444455556666")) == 10, "by account");
	CHECK(json_integer_value(json_object_get(json_object_get(d, "by_image"), "unknown")) == 5, "unknown image");
	CHECK(json_integer_value(json_object_get(json_object_get(d, "by_to"), "NON_COMPLIANT")) == 24, "by new compliance");
	CHECK(json_array_size(json_object_get(d, "instances")) == 20 &&
	      !strcmp(json_string_value(json_object_get(json_array_get(json_object_get(d, "instances"), 0),
							"instance_id")), "i-00000000000000000"), "first 20, oldest first");
	CHECK(json_integer_value(json_object_get(d, "instances_not_listed")) == 5, "5 not listed");
	CHECK_STR(json_string_value(json_object_get(d, "window_start")), "2026-01-15T12:00:00.000Z", "window start");
	CHECK_STR(json_string_value(json_object_get(d, "url")), "https://i.example/v1/instances?compliance=NON_COMPLIANT",
		  "url from the placeholder");
	json_decref(d);
	CHECK(count_rows("alert_digest_items") == 0 && count_rows("alert_digest_counts") == 0, "collected data forgotten");
	CHECK(store_alert_window_get(s, "eventbridge", &w) == IT_OK && w.digest_id == 0 && w.singles == 2,
	      "the window lets go of its digest");
	CHECK(store_outbox_get(s, id, &r) == IT_OK && payload && !strcmp(r.payload, payload), "the payload stored");
	outbox_row_finish(&r);
	CHECK(store_alert_digest_seal(s, id, &again) == IT_OK && again && payload && !strcmp(again, payload),
	      "sealing again hands back the same");
	free(again);
	free(payload);
	payload = (char *)0x1;
	CHECK(store_alert_digest_seal(s, id + 1000, &payload) == IT_ENOTFOUND && payload == (char *)0x1, "no such row");
	CHECK(store_outbox_add_due(s, "webhook", "alert", NULL, NULL, NULL, "{\"kind\":\"other\"}", 1, 1, &id) == IT_OK,
	      "a row that is no digest");
	CHECK(store_alert_digest_seal(s, id, &payload) == IT_EINVAL && payload == (char *)0x1, "refused");
	CHECK(store_outbox_set_payload(s, id + 1000, "{}") == IT_ENOTFOUND, "set_payload: no such row");
}

static void test_destinations(void)
{
	CHECK(store_outbox_add(s, "eventbridge", "alert", NULL, NULL, NULL, "{}", 1) == IT_OK, "eventbridge row");
	CHECK(store_outbox_add(s, "webhook", "alert", NULL, NULL, NULL, "{}", 1) == IT_OK, "webhook row");
	CHECK(store_outbox_add(s, "email", "alert", NULL, NULL, NULL, "{}", 1) != IT_OK, "no other destination");
}

int main(void)
{
	char path[] = "/tmp/italic-test-store-alert-XXXXXX", err[256];
	int fd = mkstemp(path);

	close(fd);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate: %s", err);
	test_windows();
	test_digest();
	test_destinations();
	store_close(s);
	unlink(path);
	return tap_done();
}
