/*
 * test_store_rejected: the quarantine of rejected batch items: what a row keeps (the
 * first STORE_REJECTED_KEEP bytes and the full size), newest-first keyset paging with
 * the since and reason filters (no gap or repeat while rows arrive between pages), the
 * plans (every list reads an index), the purge by age, and the UTF-8 repair of the
 * kept bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_rejected.h"
#include "tap.h"


static struct store *fresh(char *path, size_t size)
{
	struct store *s = NULL;
	char err[256];

	snprintf(path, size, "/tmp/test_store_rejected_%d.db", (int)getpid());
	unlink(path);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate %s", err);
	return s;
}

static void add(struct store *s, int64_t at, const char *reason, const char *body, size_t len, int64_t index)
{
	struct rejected_new r = {at, "tok_a", "eventbridge", "0123456789abcdef", index, "ev-1", "111122223333",
				 reason, "detail.x", "detail.x: must be a string", body, len};
	CHECK(store_rejected_insert(s, &r) == IT_OK, "insert at %lld", (long long)at);
}

static void test_keep_and_list(struct store *s)
{
	struct rejected_row rows[8];
	size_t n = 0;
	char *big = malloc(STORE_REJECTED_KEEP + 100);

	memset(big, 'x', STORE_REJECTED_KEEP + 100);
	add(s, 1000, "malformed", "{\"a\":1}", 7, 0);
	add(s, 2000, "too_large", big, STORE_REJECTED_KEEP + 100, 1);
	add(s, 3000, "malformed", "", 0, 2);
	CHECK(store_rejected_list(s, 0, NULL, INT64_MAX, INT64_MAX, rows, 8, &n) == IT_OK && n == 3, "list all: %zu", n);
	if (n == 3) {
		CHECK(rows[0].received_at == 3000 && rows[2].received_at == 1000, "newest first");
		CHECK(rows[1].body_kept == STORE_REJECTED_KEEP && rows[1].body_bytes == STORE_REJECTED_KEEP + 100,
		      "kept %zu of %lld", rows[1].body_kept, (long long)rows[1].body_bytes);
		CHECK(strlen(rows[1].body) == STORE_REJECTED_KEEP, "body text length");
		CHECK(strcmp(rows[2].body, "{\"a\":1}") == 0 && rows[2].body_bytes == 7, "small body whole");
		CHECK(strcmp(rows[2].token_name, "eventbridge") == 0 && strcmp(rows[2].reason, "malformed") == 0 &&
		      strcmp(rows[2].field, "detail.x") == 0 && rows[2].item_index == 0 &&
		      strcmp(rows[2].request_id, "0123456789abcdef") == 0, "columns");
		CHECK(rows[0].body_kept == 0 && rows[0].body[0] == '\0', "empty body");
	}
	for (size_t i = 0; i < n; i++)
		rejected_row_finish(&rows[i]);
	CHECK(store_rejected_list(s, 2000, NULL, INT64_MAX, INT64_MAX, rows, 8, &n) == IT_OK && n == 2, "since: %zu", n);
	for (size_t i = 0; i < n; i++)
		rejected_row_finish(&rows[i]);
	CHECK(store_rejected_list(s, 0, "malformed", INT64_MAX, INT64_MAX, rows, 8, &n) == IT_OK && n == 2 &&
	      rows[0].received_at == 3000 && rows[1].received_at == 1000, "reason: %zu", n);
	for (size_t i = 0; i < n; i++)
		rejected_row_finish(&rows[i]);
	CHECK(store_rejected_list(s, 0, "forbidden_account", INT64_MAX, INT64_MAX, rows, 8, &n) == IT_OK && n == 0,
	      "no such reason");
	free(big);
}

/* Pages of 2 while rows arrive: each row exactly once, newest first. */
static void test_paging(struct store *s)
{
	struct rejected_row rows[2];
	int64_t after_r = INT64_MAX, after_s = INT64_MAX, last = INT64_MAX;
	int seen = 0, pages = 0;
	size_t n;

	for (int i = 0; i < 9; i++)
		add(s, 10000 + i * 10, i % 2 ? "unknown_region" : "forbidden_account", "{}", 2, i);
	/* two rows with the same received_at: the seq orders them */
	add(s, 10040, "forbidden_account", "{}", 2, 99);
	do {
		CHECK(store_rejected_list(s, 10000, NULL, after_r, after_s, rows, 2, &n) == IT_OK, "page");
		for (size_t i = 0; i < n; i++) {
			CHECK(rows[i].received_at <= last, "order");
			last = rows[i].received_at;
			seen++;
			after_r = rows[i].received_at;
			after_s = rows[i].seq;
			rejected_row_finish(&rows[i]);
		}
		if (pages++ == 1)
			add(s, 20000, "forbidden_account", "{}", 2, 7);   /* newer: not on a later page */
	} while (n == 2 && pages < 20);
	CHECK(seen == 10, "paged %d rows", seen);
}

static int plan_reads_index(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	char q[1024];
	int ok = 1, any = 0;

	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	if (sqlite3_prepare_v2(store_db(s), q, -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 3);
		any = 1;
		if (d && strcmp(d, "SCAN rejected_events") == 0)
			ok = 0;
		if (d && strstr(d, "USE TEMP B-TREE"))
			ok = 0;
	}
	sqlite3_finalize(st);
	return ok && any;
}

static void test_plans(struct store *s)
{
	/* the statements of store_rejected.c, as written there */
	CHECK(plan_reads_index(s, "SELECT seq FROM rejected_events WHERE received_at >= ?1 AND (received_at, seq) < (?2, ?3)"
				  " ORDER BY received_at DESC, seq DESC LIMIT ?4"), "list plan");
	CHECK(plan_reads_index(s, "SELECT seq FROM rejected_events WHERE reason = ?5 AND received_at >= ?1 AND"
				  " (received_at, seq) < (?2, ?3) ORDER BY received_at DESC, seq DESC LIMIT ?4"),
	      "list by reason plan");
	CHECK(plan_reads_index(s, "SELECT seq FROM rejected_events WHERE received_at < ?1 LIMIT ?2"), "purge plan");
}

static void test_purge(struct store *s)
{
	int64_t n = -1, before = 0, after = 0;
	struct rejected_row rows[64];
	size_t got;

	CHECK(store_rejected_list(s, 0, NULL, INT64_MAX, INT64_MAX, rows, 64, &got) == IT_OK, "count before");
	before = (int64_t)got;
	for (size_t i = 0; i < got; i++)
		rejected_row_finish(&rows[i]);
	CHECK(store_rejected_purge(s, 10000, 2, &n) == IT_OK && n == 2, "purge batch of 2: %lld", (long long)n);
	CHECK(store_rejected_purge(s, 10000, 100, &n) == IT_OK && n == 1, "purge rest: %lld", (long long)n);
	CHECK(store_rejected_purge(s, 10000, 100, &n) == IT_OK && n == 0, "nothing left to purge");
	CHECK(store_rejected_list(s, 0, NULL, INT64_MAX, INT64_MAX, rows, 64, &got) == IT_OK, "count after");
	after = (int64_t)got;
	for (size_t i = 0; i < got; i++) {
		CHECK(rows[i].received_at >= 10000, "only newer rows left");
		rejected_row_finish(&rows[i]);
	}
	CHECK(before - after == 3, "purged %lld", (long long)(before - after));
}

static void test_utf8(void)
{
	static const struct {
		const char *name, *in;
		size_t len;
		const char *want;
	} cases[] = {
		{"ascii", "abc", 3, "abc"},
		{"two-byte", "\xc3\xa9", 2, "\xc3\xa9"},
		{"four-byte", "\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80"},
		{"lone continuation", "a\x80" "b", 3, "a\xef\xbf\xbd" "b"},
		{"overlong", "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd"},
		{"surrogate", "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"cut at the end", "a\xe2\x82", 3, "a\xef\xbf\xbd\xef\xbf\xbd"},
		{"NUL", "a\0b", 3, "a\xef\xbf\xbd" "b"},
		{"over U+10FFFF", "\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
	};
	char out[64];

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		size_t n = store_rejected_utf8(cases[i].in, cases[i].len, out, sizeof(out));
		CHECK(n == strlen(cases[i].want) && strcmp(out, cases[i].want) == 0, "utf8 %s", cases[i].name);
	}
	/* a sequence that would not fit is left out whole */
	CHECK(store_rejected_utf8("ab\xc3\xa9", 4, out, 4) == 2 && strcmp(out, "ab") == 0, "fit");
	CHECK(store_rejected_utf8("ab", 2, out, 0) == 0, "no room");
}

int main(void)
{
	char path[256];
	struct store *s = fresh(path, sizeof(path));

	if (s) {
		test_keep_and_list(s);
		test_paging(s);
		test_plans(s);
		test_purge(s);
		store_close(s);
	}
	unlink(path);
	test_utf8();
	return tap_done();
}
