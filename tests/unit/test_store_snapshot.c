/*
 * test_store_snapshot: the snapshot time a backup copy carries: written and read back,
 * replaced by a second stamp, refused on a database without the table, and the answers
 * for a database without a stamp, a file that is not a database and a missing file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_snapshot.h"
#include "tap.h"

static void migrated(const char *path)
{
	struct store *s = NULL;
	char err[256];

	unlink(path);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open %s", path);
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate %s", err);
	store_close(s);
}

int main(void)
{
	char path[128], other[128];
	struct snapshot_info si = {-1, -1, -1}, untouched;
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_store_snapshot_%d.db", (int)getpid());
	snprintf(other, sizeof(other), "/tmp/test_store_snapshot_%d.txt", (int)getpid());
	migrated(path);

	untouched = si;
	CHECK(store_snapshot_info(path, &si) == IT_ENOTFOUND, "no stamp yet");
	CHECK(memcmp(&si, &untouched, sizeof(si)) == 0, "ret untouched without a stamp");
	CHECK(store_snapshot_stamp(path, 1796000000123LL, 1796000005000LL) == IT_OK, "stamp");
	CHECK(store_snapshot_info(path, &si) == IT_OK && si.snapshot_ms == 1796000000123LL &&
	      si.written_ms == 1796000005000LL && si.schema_version >= 8, "read back: %lld %d",
	      (long long)si.snapshot_ms, si.schema_version);
	CHECK(store_snapshot_stamp(path, 1796000100000LL, 1796000100001LL) == IT_OK, "stamp again");
	CHECK(store_snapshot_info(path, &si) == IT_OK && si.snapshot_ms == 1796000100000LL, "replaced");
	/* the copy at rest is one file (rollback journal): no -wal is left beside it */
	{
		char wal[160];
		snprintf(wal, sizeof(wal), "%s-wal", path);
		CHECK(access(wal, F_OK) != 0, "no WAL left");
	}

	/* a database without the table: not stamped, and said so */
	unlink(other);
	{
		struct store *s = NULL;
		char err[256];
		CHECK(store_open(other, 0, &s, err, sizeof(err)) == IT_OK, "open bare");
		store_close(s);
	}
	CHECK(store_snapshot_stamp(other, 1, 2) == IT_EDB, "bare database refuses the stamp");
	CHECK(store_snapshot_info(other, &si) == IT_ENOTFOUND, "bare database has no stamp");
	unlink(other);

	/* not a database, and no file at all */
	fd = open(other, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, "hello, not sqlite, padded to a page.................................", 69) == 69,
	      "write text");
	if (fd >= 0)
		close(fd);
	CHECK(store_snapshot_info(other, &si) == IT_EIO, "text file");
	unlink(other);
	CHECK(store_snapshot_info(other, &si) == IT_EIO, "missing file");
	CHECK(store_snapshot_stamp(other, 1, 2) == IT_EIO, "missing file is not created");
	CHECK(access(other, F_OK) != 0, "still missing");

	unlink(path);
	return tap_done();
}
