/* store_migrate.c: ordered, transactional schema migrations (see store_migrate.h). */
#include "store_migrate.h"

#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "status.h"

static const char SQL_CREATE[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" applied_at INTEGER NOT NULL)";
static const char SQL_VERSION[] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
/* applied_at is the database's own now (Unix ms): a record of when, on which no decision
 * rests, so migrating needs no clock from its callers. */
static const char SQL_RECORD[] =
	"INSERT INTO schema_migrations(version, name, applied_at)"
	" VALUES (?1, ?2, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER))";
static const char SQL_APPLIED[] = "SELECT 1 FROM schema_migrations WHERE version = ?1";
static const char SQL_UNKNOWN[] = "SELECT version FROM schema_migrations ORDER BY version";
static const char SQL_HAS_TABLE[] =
	"SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'";

static int name_version(const char *name)
{
	char num[8];
	uint64_t v;
	size_t n = strspn(name, "0123456789");

	if (n == 0 || n >= sizeof(num) || name[n] != '_')
		return -1;
	memcpy(num, name, n);
	num[n] = '\0';
	if (parse_u64(num, 1, 9999, &v))
		return -1;
	return (int)v;
}

int migrate_latest(const struct embedded_file *migrations)
{
	int best = 0;

	for (const struct embedded_file *m = migrations; m->name; m++) {
		int v = name_version(m->name);
		if (v > best)
			best = v;
	}
	return best;
}

int store_schema_version(struct store *s, int *ret_version)
{
	sqlite3_stmt *st;
	int64_t v;
	int rc;

	/* store_one resets at once: a statement left on a row keeps a read transaction
	 * open, which pins the WAL and stops every checkpoint. */
	rc = store_stmt(s, SQL_HAS_TABLE, &st);
	if (rc == IT_OK)
		rc = store_one(s, st, NULL, NULL);
	if (rc == IT_ENOTFOUND) {
		*ret_version = 0;
		return IT_OK;
	}
	if (rc == IT_OK)
		rc = store_stmt(s, SQL_VERSION, &st);
	if (rc == IT_OK)
		rc = store_int64(s, st, &v);
	if (rc)
		return rc == IT_ENOTFOUND ? IT_EDB : rc;
	*ret_version = (int)v;
	return IT_OK;
}

static int is_applied(struct store *s, int v, int *ret)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_APPLIED, &st);

	if (rc)
		return rc;
	sqlite3_bind_int(st, 1, v);
	rc = store_one(s, st, NULL, NULL);
	if (rc && rc != IT_ENOTFOUND)
		return rc;
	*ret = rc == IT_OK;
	return IT_OK;
}

static int known(const struct embedded_file *migrations, int v)
{
	for (const struct embedded_file *m = migrations; m->name; m++)
		if (name_version(m->name) == v)
			return 1;
	return 0;
}

/* A recorded version this binary does not carry means the database was written by a
 * newer (or different) binary: refuse rather than guess. */
struct unknown {
	const struct embedded_file *migrations;
	int version;
};

static int unknown_row(void *ctx, sqlite3_stmt *st)
{
	struct unknown *u = ctx;
	int v = sqlite3_column_int(st, 0);

	if (known(u->migrations, v))
		return IT_OK;
	u->version = v;
	return STORE_STOP;
}

static int first_unknown(struct store *s, const struct embedded_file *migrations, int *ret)
{
	struct unknown u;
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_UNKNOWN, &st);

	if (rc)
		return rc;
	u.migrations = migrations;
	u.version = 0;
	rc = store_each(s, st, unknown_row, &u);
	if (rc == IT_OK)
		*ret = u.version;
	return rc;
}

int store_migrate(struct store *s, const struct embedded_file *migrations, int *ret_applied,
		  char *errbuf, size_t errlen)
{
	int rc, unknown = 0, latest, applied = 0;
	sqlite3_stmt *st;

	rc = store_exec(s, SQL_CREATE);
	if (rc)
		goto fail_db;
	rc = first_unknown(s, migrations, &unknown);
	if (rc)
		goto fail_db;
	latest = migrate_latest(migrations);
	if (unknown) {
		if (errbuf)
			snprintf(errbuf, errlen,
				 "database schema version %d is newer than this binary's %d: "
				 "use a newer italic (or restore a backup)", unknown, latest);
		return IT_ESCHEMA;
	}
	/* Every embedded migration not yet recorded is applied, in order of its number, so
	 * a migration merged later with a lower number is not skipped. */
	for (const struct embedded_file *m = migrations; m->name; m++) {
		int v = name_version(m->name), done = 0;
		if (v < 0) {
			if (errbuf)
				snprintf(errbuf, errlen, "migration %s: name must be NNNN_name.sql", m->name);
			return IT_EINVAL;
		}
		rc = is_applied(s, v, &done);
		if (rc)
			goto fail_db;
		if (done)
			continue;
		rc = store_begin(s);
		if (rc)
			goto fail_db;
		rc = sqlite3_exec(store_db(s), m->data, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			if (errbuf)
				snprintf(errbuf, errlen, "migration %s failed: %s", m->name, store_errmsg(s));
			store_rollback(s);
			return store_status(rc) == IT_EFULL ? IT_EFULL : IT_EDB;
		}
		rc = store_stmt(s, SQL_RECORD, &st);
		if (rc == IT_OK) {
			sqlite3_bind_int(st, 1, v);
			store_bind_text(st, 2, m->name);
			rc = store_done(s, st);
		}
		if (rc == IT_OK)
			rc = store_commit(s);
		if (rc) {
			store_rollback(s);
			goto fail_db;
		}
		applied++;
	}
	if (ret_applied)
		*ret_applied = applied;
	return IT_OK;
fail_db:
	if (errbuf)
		snprintf(errbuf, errlen, "migrate: %s", store_errmsg(s));
	return rc ? rc : IT_EDB;
}
