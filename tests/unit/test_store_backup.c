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
#include "store_rows.h"
#include "tap.h"

#define DAY 86400000LL
#define NOW (1750000000000LL)

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
