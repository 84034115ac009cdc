/* store_backup.c: online backup to a new file (see store_backup.h). */
#include "store_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "status.h"

static void pause_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	if (ms > 0)
		nanosleep(&ts, NULL);
}

/* The page size of db's main database (4096 when it cannot be read). */
static int page_size(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int n = 4096;

	if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_int(st, 0) > 0)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

int store_backup_copy(struct store *src, const char *path, int step_pages, int pause)
{
	sqlite3 *dst = NULL, *sdb = store_db(src);
	sqlite3_backup *b = NULL;
	char tmp[4096 + 16];
	int fd = -1, rc, st = IT_OK, in_txn = 0, synced = 0, sync_pages;

	if (step_pages < 1 || snprintf(tmp, sizeof(tmp), "%s.partial", path) >= (int)sizeof(tmp))
		return IT_EINVAL;
	if (access(path, F_OK) == 0)
		return IT_EEXIST;
	/* The copy is written next to its destination and linked into place only when
	 * complete, so PATH never names half a database. */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == ENOSPC ? IT_EFULL : IT_EIO;
	/* exactly 0600 whatever the umask: the copy holds the same secrets as the original */
	if (fchmod(fd, 0600) != 0) {
		close(fd);
		unlink(tmp);
		return IT_EIO;
	}
	/* fd stays open to sync the copy as it grows (see STORE_BACKUP_SYNC_BYTES). */
	sync_pages = (int)(STORE_BACKUP_SYNC_BYTES / page_size(sdb));
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		st = IT_EIO;
		goto out;
	}
	/* One snapshot for the whole copy: with a read transaction open on src, steps
	 * never see other connections' commits, so the backup neither restarts nor mixes
	 * two states of the database; WAL lets writers go on meanwhile. */
	rc = sqlite3_exec(sdb, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		in_txn = 1;
		rc = sqlite3_exec(sdb, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		st = store_status(rc);
		goto out;
	}
	b = sqlite3_backup_init(dst, "main", sdb, "main");
	if (!b) {
		st = store_status(sqlite3_errcode(dst));
		goto out;
	}
	for (;;) {
		int copied;

		rc = sqlite3_backup_step(b, step_pages);
		if (rc == SQLITE_DONE)
			break;
		copied = sqlite3_backup_pagecount(b) - sqlite3_backup_remaining(b);
		if (copied - synced >= sync_pages) {
			/* What the steps wrote is still in the page cache: flushed in one go at the
			 * end, gigabytes of it stall every other fsync on the disk (the service's
			 * commits) for as long. Syncing as it goes keeps each flush small. */
			if (fdatasync(fd) != 0) {
				st = errno == ENOSPC ? IT_EFULL : IT_EIO;
				break;
			}
			synced = copied;
		}
		if (rc == SQLITE_OK || (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
			pause_ms(pause);
			continue;
		}
		st = store_status(rc);
		break;
	}
	rc = sqlite3_backup_finish(b);
	b = NULL;
	if (st == IT_OK && rc != SQLITE_OK)
		st = store_status(rc);
out:
	if (b)
		sqlite3_backup_finish(b);
	if (in_txn)
		sqlite3_exec(sdb, "COMMIT", NULL, NULL, NULL);
	if (dst && sqlite3_close(dst) != SQLITE_OK && st == IT_OK)
		st = IT_EIO;
	if (fd >= 0)
		close(fd);
	if (st == IT_OK && link(tmp, path) != 0)
		st = errno == EEXIST ? IT_EEXIST : errno == ENOSPC ? IT_EFULL : IT_EIO;
	unlink(tmp);
	return st;
}
