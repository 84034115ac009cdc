/* store_snapshot.c: the snapshot time in a backup copy (see store_snapshot.h). */
#include "store_snapshot.h"

#include <sqlite3.h>
#include <stddef.h>

#include "status.h"
#include "store.h"

static const char SQL_STAMP[] =
	"INSERT OR REPLACE INTO backup_info(id, snapshot_at, written_at) VALUES (1, ?1, ?2)";
static const char SQL_INFO[] =
	"SELECT snapshot_at, written_at, (SELECT COALESCE(MAX(version), 0) FROM schema_migrations)"
	" FROM backup_info WHERE id = 1";

int store_snapshot_stamp(const char *path, int64_t snapshot_ms, int64_t written_ms)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc, st_rc;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return IT_EIO;
	}
	sqlite3_busy_timeout(db, 5000);
	rc = sqlite3_exec(db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, SQL_STAMP, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, snapshot_ms);
		sqlite3_bind_int64(st, 2, written_ms);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	st_rc = rc == SQLITE_OK ? IT_OK : (rc & 0xff) == SQLITE_FULL ? IT_EFULL : IT_EDB;
	if (sqlite3_close(db) != SQLITE_OK && st_rc == IT_OK)
		st_rc = IT_EIO;
	return st_rc;
}

int store_snapshot_info(const char *path, struct snapshot_info *ret)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc, out = IT_EIO;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return IT_EIO;
	}
	rc = sqlite3_prepare_v2(db, SQL_INFO, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		/* No backup_info (or no schema_migrations): a database, but not a stamped copy;
		 * a file that is not a database fails here too. */
		out = (rc & 0xff) == SQLITE_NOTADB ? IT_EIO : IT_ENOTFOUND;
	} else {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			ret->snapshot_ms = sqlite3_column_int64(st, 0);
			ret->written_ms = sqlite3_column_int64(st, 1);
			ret->schema_version = sqlite3_column_int(st, 2);
			out = IT_OK;
		} else {
			out = rc == SQLITE_DONE ? IT_ENOTFOUND : IT_EIO;
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}
