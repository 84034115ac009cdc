/* test_store_migrate: fresh, repeat, newer-schema refusal, failed migration rolled back. */
#include "store.h"
#include "store_migrate.h"
#include "status.h"
#include "tap.h"

#include <stdlib.h>
#include <unistd.h>

static const struct embedded_file good[] = {
	{"0001_a.sql", "CREATE TABLE a(x INTEGER);", 0},
	{"0002_b.sql", "CREATE TABLE b(y INTEGER); INSERT INTO b VALUES (1);", 0},
	{NULL, NULL, 0},
};
static const struct embedded_file broken[] = {
	{"0001_a.sql", "CREATE TABLE a(x INTEGER);", 0},
	{"0002_b.sql", "CREATE TABLE b(y INTEGER); INSERT INTO b VALUES (1);", 0},
	{"0003_c.sql", "CREATE TABLE c(z INTEGER); INSERT INTO nosuch VALUES (1);", 0},
	{NULL, NULL, 0},
};
static const struct embedded_file older[] = {
	{"0001_a.sql", "CREATE TABLE a(x INTEGER);", 0},
	{NULL, NULL, 0},
};

static int table_exists(struct store *s, const char *name)
{
	sqlite3_stmt *st;
	int found;
	if (sqlite3_prepare_v2(store_db(s), "SELECT 1 FROM sqlite_master WHERE name=?1", -1, &st, NULL))
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int main(void)
{
	char path[] = "/tmp/italic-test-migrate-XXXXXX";
	char err[512];
	struct store *s = NULL;
	int fd = mkstemp(path), applied = -1, v = -1;

	CHECK(fd >= 0, "mkstemp");
	close(fd);
	unlink(path);

	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open: %s", err);
	CHECK(store_migrate(s, good, &applied, err, sizeof(err)) == IT_OK, "fresh: %s", err);
	CHECK(applied == 2, "applied %d", applied);
	CHECK(store_schema_version(s, &v) == IT_OK && v == 2, "version %d", v);
	CHECK(store_migrate(s, good, &applied, err, sizeof(err)) == IT_OK && applied == 0, "repeat is a no-op");

	applied = -1;
	CHECK(store_migrate(s, broken, &applied, err, sizeof(err)) == IT_EDB, "broken migration fails");
	CHECK(applied == -1, "applied untouched on failure");
	CHECK(strstr(err, "0003_c.sql") != NULL, "error names the file: %s", err);
	CHECK(table_exists(s, "c") == 0, "failed migration rolled back (table c absent)");
	CHECK(store_schema_version(s, &v) == IT_OK && v == 2, "version still 2");

	CHECK(store_migrate(s, older, &applied, err, sizeof(err)) == IT_ESCHEMA, "newer db refused");
	CHECK(strstr(err, "newer") != NULL, "says newer: %s", err);

	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_ESCHEMA ||
	      migrate_latest(italic_migrations) >= 2, "embedded set is consistent");
	CHECK(migrate_latest(italic_migrations) >= 1, "embedded migrations present");
	store_close(s);
	unlink(path);

	/* The real embedded migrations apply cleanly to a fresh file. */
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open 2");
	CHECK(store_migrate(s, italic_migrations, &applied, err, sizeof(err)) == IT_OK, "real: %s", err);
	{
		int n = 0;
		for (const struct embedded_file *m = italic_migrations; m->name; m++)
			n++;
		CHECK(applied == n, "all %d real migrations applied (%d)", n, applied);
	}
	CHECK(table_exists(s, "tokens") == 1, "tokens table");
	{
		/* store_schema_version must leave no read transaction open on its connection:
		 * one would pin the WAL and no checkpoint could ever complete. */
		struct store *w = NULL;
		int v2 = 0, log = -1, done = -2;
		CHECK(store_schema_version(s, &v2) == IT_OK && v2 > 0, "version");
		CHECK(store_open(path, 0, &w, err, sizeof(err)) == IT_OK, "second connection");
		CHECK(store_exec(w, "CREATE TABLE wal_probe(x); INSERT INTO wal_probe VALUES (1)") == IT_OK, "write");
		CHECK(sqlite3_wal_checkpoint_v2(store_db(w), NULL, SQLITE_CHECKPOINT_RESTART, &log, &done) == SQLITE_OK,
		      "RESTART checkpoint is not blocked by the first connection");
		CHECK(log == done, "whole WAL checkpointed (%d of %d)", done, log);
		store_close(w);
	}
	store_close(s);
	unlink(path);
	{
		char wal[600];
		snprintf(wal, sizeof(wal), "%s-wal", path);
		unlink(wal);
		snprintf(wal, sizeof(wal), "%s-shm", path);
		unlink(wal);
	}
	return tap_done();
}
