/*
 * store_rows.h: rows written straight into a migrated test database, shared by the store
 * modules' tests (test_store_query, test_store_retention, test_store_backup): instance i
 * goes to accounts[i % 3] and regions[i % 2], evaluation i belongs to instance i % 50.
 * Test code only; functions are static inline so a test that needs fewer of them builds
 * without unused-function warnings.
 */
#ifndef ITALIC_TEST_STORE_ROWS_H
#define ITALIC_TEST_STORE_ROWS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"

static const char *const accounts[] = {"111111111111", "222222222222", "333333333333"};
static const char *const regions[] = {"us-east-1", "eu-west-1"};

static inline int exec(struct store *s, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(store_db(s), sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fprintf(stderr, "exec: %s: %s\n", sql, err ? err : "?");
	sqlite3_free(err);
	return rc;
}

static inline void put_instance(struct store *s, int i, const char *compliance, int64_t eval_ms, int64_t obs_ms)
{
	sqlite3_stmt *st;
	char iid[32], img[32];

	snprintf(iid, sizeof(iid), "i-%017x", i);
	snprintf(img, sizeof(img), "ami-%017x", i % 4);
	sqlite3_prepare_v2(store_db(s),
		"INSERT INTO instances(account, region, instance_id, image_id, state, tags, compliance, reasons,"
		" matched_rule, exemption, facts_source, observed_at, evaluated_at, next_change_at, first_seen_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, '[\"r\"]', ?7, ?8, 'describe_images', ?9, ?10, NULL, ?10)"
		" ON CONFLICT(account, region, instance_id) DO UPDATE SET compliance = excluded.compliance,"
		" evaluated_at = excluded.evaluated_at, observed_at = excluded.observed_at", -1, &st, NULL);
	sqlite3_bind_text(st, 1, accounts[i % 3], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, regions[i % 2], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, iid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, img, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, i % 5 == 0 ? "stopped" : "running", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, compliance, -1, SQLITE_STATIC);
	if (strcmp(compliance, "COMPLIANT") == 0)
		sqlite3_bind_text(st, 7, i % 2 ? "rule-a" : "rule-b", -1, SQLITE_STATIC);
	if (i % 7 == 0)
		sqlite3_bind_text(st, 8, "ex-1", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, obs_ms);
	sqlite3_bind_int64(st, 10, eval_ms);
	if (sqlite3_step(st) != SQLITE_DONE)
		fprintf(stderr, "insert: %s\n", sqlite3_errmsg(store_db(s)));
	sqlite3_finalize(st);
}

static inline void put_evaluation(struct store *s, int i, int64_t eval_ms)
{
	sqlite3_stmt *st;
	char iid[32];

	snprintf(iid, sizeof(iid), "i-%017x", i % 50);
	sqlite3_prepare_v2(store_db(s),
		"INSERT INTO evaluations(account, region, instance_id, image_id, state, compliance, reasons,"
		" observed_at, evaluated_at, trigger) VALUES (?1, ?2, ?3, 'ami-00000000000000001', 'running', ?4,"
		" '[]', ?5, ?5, 'event')", -1, &st, NULL);
	sqlite3_bind_text(st, 1, accounts[(i % 50) % 3], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, regions[(i % 50) % 2], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, iid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, i % 3 ? "COMPLIANT" : "NON_COMPLIANT", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, eval_ms);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static inline int64_t count_sql(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

#endif
