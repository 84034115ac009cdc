/* store_cursor_key.c: per-database secrets in the settings table (see store_cursor_key.h). */
#include "store_cursor_key.h"

#include <string.h>
#include <sys/random.h>

#include "status.h"

static const char SQL_SECRET_GET[] = "SELECT value FROM settings WHERE key = ?1";
static const char SQL_SECRET_PUT[] = "INSERT INTO settings(key, value, created_at) VALUES (?1, ?2, ?3)"
	" ON CONFLICT(key) DO NOTHING";

static int secret_read(struct store *s, const char *name, size_t len, uint8_t *out, int *ret_found)
{
	sqlite3_stmt *st;
	int rc;

	rc = store_stmt(s, SQL_SECRET_GET, &st);
	if (rc)
		return rc;
	store_bind_text(st, 1, name);
	rc = store_step(s, st);
	if (rc == SQLITE_ROW) {
		if ((size_t)sqlite3_column_bytes(st, 0) != len) {
			sqlite3_reset(st);
			return IT_EDB;
		}
		memcpy(out, sqlite3_column_blob(st, 0), len);
		*ret_found = 1;
		rc = IT_OK;
	} else {
		*ret_found = 0;
		rc = rc == SQLITE_DONE ? IT_OK : store_status(rc);
	}
	sqlite3_reset(st);
	return rc;
}

int store_cursor_key_get(struct store *s, const char *name, size_t len, int64_t now_ms, uint8_t *ret)
{
	uint8_t buf[64], fresh[64];
	sqlite3_stmt *st;
	int rc, found = 0;

	if (!name || len == 0 || len > sizeof(buf))
		return IT_EINVAL;
	rc = secret_read(s, name, len, buf, &found);
	if (rc == IT_OK && !found) {
		if (getrandom(fresh, len, 0) != (ssize_t)len)
			return IT_EIO;
		rc = store_stmt(s, SQL_SECRET_PUT, &st);
		if (rc == IT_OK) {
			store_bind_text(st, 1, name);
			sqlite3_bind_blob(st, 2, fresh, (int)len, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 3, now_ms);
			rc = store_status(store_step(s, st));
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
		}
		explicit_bzero(fresh, sizeof(fresh));
		/* Read back: a concurrent first use may have won the insert. */
		if (rc == IT_OK)
			rc = secret_read(s, name, len, buf, &found);
		if (rc == IT_OK && !found)
			rc = IT_EDB;
	}
	if (rc == IT_OK)
		memcpy(ret, buf, len);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}
