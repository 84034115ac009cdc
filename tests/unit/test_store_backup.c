/*
 * test_store_backup: the online backup writes a copy with the same rows, refuses to
 * overwrite, and fails cleanly on an unwritable path (moved unchanged from
 * test_store_query when the backup got its own module).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "limits.h"
#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_backup.h"
#include "tap.h"

#define DAY 86400000LL
#define NOW (1750000000000LL)

static const char *const accounts[] = {"111111111111", "222222222222", "333333333333"};
static const char *const regions[] = {"us-east-1", "eu-west-1"};

static int exec(struct store *s, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(store_db(s), sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fprintf(stderr, "exec: %s: %s\n", sql, err ? err : "?");
	sqlite3_free(err);
	return rc;
}

static void put_instance(struct store *s, int i, const char *compliance, int64_t eval_ms, int64_t obs_ms)
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

static int64_t count_sql(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void check_backup(struct store *s, const char *dir)
{
	char path[512];
	struct store *copy = NULL;
	char err[256];

	snprintf(path, sizeof(path), "%s-backup", dir);
	unlink(path);
	CHECK(store_backup_copy(s, path, 0, 0) == IT_EINVAL, "step 0");
	CHECK(store_backup_copy(s, path, 5, 0) == IT_OK, "backup");
	CHECK(store_backup_copy(s, path, 5, 0) == IT_EEXIST, "no overwrite");
	CHECK(store_open(path, STORE_NO_CREATE, &copy, err, sizeof(err)) == IT_OK, "open copy");
	if (copy) {
		CHECK(count_sql(copy, "SELECT count(*) FROM instances") == count_sql(s, "SELECT count(*) FROM instances"),
		      "same rows");
		store_close(copy);
	}
	unlink(path);
	snprintf(path, sizeof(path), "/nonexistent-dir/x.db");
	CHECK(store_backup_copy(s, path, 5, 0) == IT_EIO, "unwritable");
}

int main(void)
{
	char path[] = "/tmp/italic-test-backup-XXXXXX", err[256];
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
	check_backup(s, path);
	store_close(s);
	unlink(path);
	return tap_done();
}
