/* test_store: pragmas, statement cache, transactions, status mapping, pool lending, the
 * WAL watch and the checkpoint pass, and the runners every store_* function uses
 * (store_each/store_one/store_done/store_fill/store_page/store_int64): what each returns,
 * where each stops, and that each leaves its statement reset. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "status.h"
#include "store.h"
#include "tap.h"

static const char SQL_INS[] = "INSERT INTO t(x) VALUES (?1)";
static const char SQL_CNT[] = "SELECT count(*) FROM t";

static int count(struct store *s)
{
	sqlite3_stmt *st;
	int n = -1;
	if (store_stmt(s, SQL_CNT, &st) == IT_OK && store_step(s, st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

struct worker_ctx {
	struct store_pool *pool;
	int ok;
};

static void *borrow(void *arg)
{
	struct worker_ctx *w = arg;
	for (int i = 0; i < 50; i++) {
		struct store *s = store_pool_get(w->pool);
		sqlite3_stmt *st;
		if (store_stmt(s, SQL_INS, &st) == IT_OK) {
			sqlite3_bind_int(st, 1, i);
			if (store_step(s, st) == SQLITE_DONE)
				w->ok++;
			sqlite3_reset(st);
		}
		store_pool_put(w->pool, s);
	}
	return NULL;
}

/* One commit on s of n rows of ~3.5 KiB each (a page apiece). */
static int commit_rows(struct store *s, int n)
{
	int rc = store_begin(s);

	for (int i = 0; rc == IT_OK && i < n; i++)
		rc = store_exec(s, "INSERT INTO big(b) VALUES (randomblob(3500))");
	return rc == IT_OK ? store_commit(s) : rc;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_checkpoint(const char *path)
{
	struct store *w = NULL, *c = NULL, *r = NULL;
	struct store_checkpoint got = {-1, -1, -1};
	char wal[4200];
	struct stat sb;
	sqlite3_stmt *st = NULL;
	int before;
	double t0;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	CHECK(store_open(path, 0, &w, NULL, 0) == IT_OK && store_open(path, 0, &c, NULL, 0) == IT_OK &&
	      store_open(path, 0, &r, NULL, 0) == IT_OK, "three connections");
	CHECK(store_wal_watch(w) == IT_OK && store_wal_frames(w) == 0, "watched, nothing committed yet");
	CHECK(store_exec(w, "CREATE TABLE big(b BLOB)") == IT_OK, "table");
	/* 1,200 frames in one commit: past SQLite's automatic checkpoint (1,000), which the
	 * watch turned off, so the WAL keeps them all and the next commit appends. */
	CHECK(commit_rows(w, 1200) == IT_OK && store_wal_frames(w) > 1200, "frames counted: %d",
	      store_wal_frames(w));
	before = store_wal_frames(w);
	CHECK(commit_rows(w, 10) == IT_OK && store_wal_frames(w) > before, "no automatic checkpoint: %d > %d",
	      store_wal_frames(w), before);
	CHECK(stat(wal, &sb) == 0 && sb.st_size > 1200 * 4096, "WAL file holds them (%lld bytes)",
	      (long long)sb.st_size);

	/* A passive pass below the restart length copies everything and restarts nothing;
	 * with no reader left in the WAL, the next commit starts it again from the top. */
	CHECK(store_checkpoint(c, 1000000, &got) == IT_OK && got.wal_frames == store_wal_frames(w) &&
	      got.copied_frames == got.wal_frames && got.restarted == 0, "passive pass: %d of %d copied",
	      got.copied_frames, got.wal_frames);

	/* A reader on an older snapshot: the RESTART gives up after its short wait instead
	 * of holding the write lock for the busy timeout (5 s), and the WAL keeps growing. */
	CHECK(commit_rows(w, 50) == IT_OK, "more rows");
	CHECK(store_exec(r, "BEGIN") == IT_OK && sqlite3_prepare_v2(store_db(r), "SELECT count(*) FROM big", -1,
								    &st, NULL) == SQLITE_OK &&
	      sqlite3_step(st) == SQLITE_ROW, "reader holds a snapshot");
	CHECK(commit_rows(w, 50) == IT_OK, "rows past the reader's snapshot");
	before = store_wal_frames(w);
	t0 = now_s();
	CHECK(store_checkpoint(c, 1, &got) == IT_OK && got.restarted == 0 && got.wal_frames == before &&
	      got.copied_frames < got.wal_frames, "restart gave up: %d of %d copied", got.copied_frames,
	      got.wal_frames);
	CHECK(now_s() - t0 < 2.0, "and did not wait out the busy timeout (%.3f s)", now_s() - t0);
	CHECK(commit_rows(w, 1) == IT_OK && store_wal_frames(w) > before, "WAL not restarted under the reader");
	sqlite3_finalize(st);
	CHECK(store_exec(r, "COMMIT") == IT_OK, "reader done");

	/* Without the reader the RESTART succeeds: the next commit writes from frame 1. */
	CHECK(store_checkpoint(c, 1, &got) == IT_OK && got.restarted == 1 && got.copied_frames == got.wal_frames,
	      "restarted after copying all %d frames", got.wal_frames);
	CHECK(commit_rows(w, 1) == IT_OK && store_wal_frames(w) < 10, "WAL written from its start: %d frames",
	      store_wal_frames(w));
	CHECK(store_checkpoint(c, 0, &got) == IT_OK && got.restarted == 0, "restart_frames 0: never a restart");
	store_close(r);
	store_close(c);
	store_close(w);
}

static int mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* issue 13 §7: the database, its WAL and SHM are 0600 whatever the umask. */
static void test_private_files(void)
{
	static const mode_t masks[] = {0, 022, 0277};
	char dir[] = "/tmp/italic-test-mode-XXXXXX", path[128], wal[140], shm[140], err[256];

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		struct store *s = NULL;
		mode_t old = umask(masks[i]);
		snprintf(path, sizeof(path), "%s/db%zu", dir, i);
		snprintf(wal, sizeof(wal), "%s-wal", path);
		snprintf(shm, sizeof(shm), "%s-shm", path);
		CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open under umask %03o: %s", (unsigned)masks[i],
		      err);
		CHECK(s && store_exec(s, "CREATE TABLE t(x); INSERT INTO t VALUES (1)") == IT_OK, "write");
		umask(old);
		CHECK(mode_of(path) == 0600, "db 0600 under umask %03o: %o", (unsigned)masks[i], mode_of(path));
		CHECK(mode_of(wal) == 0600, "wal 0600 under umask %03o: %o", (unsigned)masks[i], mode_of(wal));
		CHECK(mode_of(shm) == 0600, "shm 0600 under umask %03o: %o", (unsigned)masks[i], mode_of(shm));
		store_close(s);
		unlink(path);
		unlink(wal);
		unlink(shm);
	}
	/* An existing file keeps its mode: tightening it is the operator's call. */
	{
		struct store *s = NULL;
		int fd;
		snprintf(path, sizeof(path), "%s/existing", dir);
		fd = open(path, O_CREAT | O_WRONLY, 0640);
		CHECK(fd >= 0 && fchmod(fd, 0640) == 0, "existing file");
		close(fd);
		CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK && mode_of(path) == 0640, "left as it was");
		store_close(s);
		unlink(path);
		snprintf(wal, sizeof(wal), "%s-wal", path);
		snprintf(shm, sizeof(shm), "%s-shm", path);
		unlink(wal);
		unlink(shm);
	}
	rmdir(dir);
}

static const char SQL_SEL[] = "SELECT x FROM r WHERE x >= ?1 ORDER BY x";
static const char SQL_R_INS[] = "INSERT INTO r(x) VALUES (?1)";

struct seen {
	int64_t xs[8];
	size_t n;
	int64_t stop_at;          /* STORE_STOP on this x (0: never) */
	int64_t fail_at;          /* IT_EINVAL on this x (0: never) */
};

static int collect(void *ctx, sqlite3_stmt *st)
{
	struct seen *w = ctx;
	int64_t x = sqlite3_column_int64(st, 0);

	if (x == w->fail_at)
		return IT_EINVAL;
	if (w->n < 8)
		w->xs[w->n++] = x;
	return x == w->stop_at ? STORE_STOP : IT_OK;
}

struct rec {
	int64_t x;
	int live;                 /* read and not yet finished */
};

static int read_rec(sqlite3_stmt *st, void *row)
{
	struct rec *r = row;

	r->x = sqlite3_column_int64(st, 0);
	r->live = 1;
	return r->x == 7 ? IT_ENOMEM : IT_OK;
}

static void finish_rec(void *row)
{
	((struct rec *)row)->live = 0;
}

static sqlite3_stmt *select_from(struct store *s, int64_t from)
{
	sqlite3_stmt *st = NULL;

	if (store_stmt(s, SQL_SEL, &st) == IT_OK)
		sqlite3_bind_int64(st, 1, from);
	return st;
}

/* Over a table r holding x = 2, 3, 5, 7. */
static void test_runners(struct store *s)
{
	struct seen w = {{0}, 0, 0, 0};
	struct rec recs[4];
	size_t n = 99;
	int64_t v = -1, v2 = -1;
	int more;
	sqlite3_stmt *st;

	CHECK(store_exec(s, "CREATE TABLE r(x INTEGER UNIQUE)") == IT_OK, "create r");
	for (int x = 2; x <= 7; x++) {
		if (x == 4 || x == 6)
			continue;
		CHECK(store_stmt(s, SQL_R_INS, &st) == IT_OK, "insert stmt");
		sqlite3_bind_int(st, 1, x);
		CHECK(store_done(s, st) == IT_OK, "insert %d", x);
	}
	CHECK(store_each(s, select_from(s, 0), collect, &w) == IT_OK && w.n == 4 && w.xs[0] == 2 && w.xs[3] == 7,
	      "each: every row in order (%zu)", w.n);
	memset(&w, 0, sizeof(w));
	w.stop_at = 3;
	CHECK(store_each(s, select_from(s, 0), collect, &w) == IT_OK && w.n == 2, "each: STORE_STOP ends early, not an error");
	memset(&w, 0, sizeof(w));
	w.fail_at = 5;
	CHECK(store_each(s, select_from(s, 0), collect, &w) == IT_EINVAL && w.n == 2, "each: the row's error ends it");
	st = select_from(s, 0);
	CHECK(st && sqlite3_stmt_busy(st) == 0, "each left the statement reset");
	memset(&w, 0, sizeof(w));
	CHECK(store_each(s, select_from(s, 100), collect, &w) == IT_OK && w.n == 0, "each: no rows is IT_OK");

	memset(&w, 0, sizeof(w));
	CHECK(store_one(s, select_from(s, 4), collect, &w) == IT_OK && w.n == 1 && w.xs[0] == 5, "one: the first row only");
	CHECK(store_one(s, select_from(s, 100), collect, &w) == IT_ENOTFOUND, "one: none is IT_ENOTFOUND");
	CHECK(store_one(s, select_from(s, 0), NULL, NULL) == IT_OK, "one: just whether there is a row");
	CHECK(sqlite3_stmt_busy(select_from(s, 0)) == 0, "one left the statement reset");

	CHECK(store_stmt(s, "SELECT count(*) FROM r", &st) == IT_OK && store_int64(s, st, &v) == IT_OK && v == 4,
	      "int64: count");
	CHECK(store_stmt(s, "SELECT min(x), max(x) FROM r", &st) == IT_OK && store_int64_pair(s, st, &v, &v2) == IT_OK &&
		      v == 2 && v2 == 7, "int64_pair: min and max");
	v = -1;
	CHECK(store_int64(s, select_from(s, 100), &v) == IT_ENOTFOUND && v == -1, "int64: no row, *ret untouched");

	CHECK(store_fill(s, select_from(s, 0), recs, sizeof(recs[0]), 2, read_rec, finish_rec, &n) == IT_OK && n == 2 &&
		      recs[1].x == 3, "fill: stops at max (%zu)", n);
	n = 99;
	CHECK(store_fill(s, select_from(s, 0), recs, sizeof(recs[0]), 0, read_rec, finish_rec, &n) == IT_OK && n == 0,
	      "fill: max 0 reads nothing");
	n = 99;
	CHECK(store_fill(s, select_from(s, 0), recs, sizeof(recs[0]), 4, read_rec, finish_rec, &n) == IT_ENOMEM && n == 99,
	      "fill: a failing read is returned, *ret_n untouched");
	CHECK(!recs[0].live && !recs[1].live && !recs[2].live, "fill: the rows read before it were finished");
	CHECK(sqlite3_stmt_busy(select_from(s, 0)) == 0, "fill left the statement reset");

	/* store_page over 2, 3, 5, 7 (the statement's LIMIT is the caller's business: here
	 * there is none, so the row after max is there to be seen) */
	memset(&w, 0, sizeof(w));
	n = 99;
	more = -1;
	CHECK(store_page(s, select_from(s, 0), 2, collect, &w, &n, &more) == IT_OK && n == 2 && more == 1 &&
		      w.n == 2 && w.xs[1] == 3, "page: max rows, the next one only says there are more");
	memset(&w, 0, sizeof(w));
	CHECK(store_page(s, select_from(s, 0), 4, collect, &w, &n, &more) == IT_OK && n == 4 && more == 0,
	      "page: all of them, no more");
	memset(&w, 0, sizeof(w));
	CHECK(store_page(s, select_from(s, 0), 10, collect, &w, &n, &more) == IT_OK && n == 4 && more == 0,
	      "page: fewer than max, no more");
	memset(&w, 0, sizeof(w));
	w.stop_at = 5;
	CHECK(store_page(s, select_from(s, 0), 10, collect, &w, &n, &more) == IT_OK && n == 2 && more == 1,
	      "page: a refused row is not counted and means more (%zu)", n);
	memset(&w, 0, sizeof(w));
	w.fail_at = 5;
	n = 99;
	more = -1;
	CHECK(store_page(s, select_from(s, 0), 10, collect, &w, &n, &more) == IT_EINVAL && n == 99 && more == -1,
	      "page: the row's error is returned, nothing written");
	CHECK(store_page(s, select_from(s, 100), 3, collect, &w, NULL, NULL) == IT_OK, "page: no rows, no outputs asked");
	CHECK(sqlite3_stmt_busy(select_from(s, 0)) == 0, "page left the statement reset");

	CHECK(store_stmt(s, SQL_R_INS, &st) == IT_OK, "insert stmt");
	sqlite3_bind_int(st, 1, 2);
	CHECK(store_done(s, st) == IT_EEXIST, "done: the constraint as a status");
}

int main(void)
{
	char path[] = "/tmp/italic-test-store-XXXXXX", err[256];
	struct store *s = NULL, *ro = NULL;
	struct store_pool *pool = NULL;
	sqlite3_stmt *a, *b;
	pthread_t th[4];
	struct worker_ctx w[4];
	int fd = mkstemp(path);

	close(fd);
	CHECK(store_open("/nonexistent-dir/x.db", 0, &s, err, sizeof(err)) == IT_EDB && s == NULL, "bad path");
	CHECK(strstr(err, "/nonexistent-dir/x.db") != NULL, "error names the file: %s", err);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_exec(s, "CREATE TABLE t(x INTEGER UNIQUE)") == IT_OK, "create");
	{
		sqlite3_stmt *st;
		CHECK(sqlite3_prepare_v2(store_db(s), "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
		      sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0,
		      "WAL mode");
		sqlite3_finalize(st);
		CHECK(sqlite3_prepare_v2(store_db(s), "PRAGMA foreign_keys", -1, &st, NULL) == SQLITE_OK &&
		      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1, "foreign keys on");
		sqlite3_finalize(st);
		CHECK(sqlite3_prepare_v2(store_db(s), "PRAGMA journal_size_limit", -1, &st, NULL) == SQLITE_OK &&
		      sqlite3_step(st) == SQLITE_ROW &&
		      sqlite3_column_int64(st, 0) == strtoll(STORE_WAL_KEEP_BYTES_STR, NULL, 10),
		      "WAL truncated back after a restart");
		sqlite3_finalize(st);
	}
	CHECK(store_stmt(s, SQL_INS, &a) == IT_OK && store_stmt(s, SQL_INS, &b) == IT_OK && a == b,
	      "statement prepared once per connection");
	CHECK(store_stmt(s, "SELEC nonsense", &a) == IT_EDB, "bad SQL is IT_EDB");

	CHECK(store_begin(s) == IT_OK, "begin");
	CHECK(store_stmt(s, SQL_INS, &a) == IT_OK, "stmt");
	sqlite3_bind_int(a, 1, 1);
	CHECK(store_step(s, a) == SQLITE_DONE, "insert");
	sqlite3_reset(a);
	store_rollback(s);
	CHECK(count(s) == 0, "rollback undid it");
	CHECK(store_begin(s) == IT_OK, "begin 2");
	CHECK(store_stmt(s, SQL_INS, &a) == IT_OK, "stmt 2");
	sqlite3_bind_int(a, 1, 1);
	CHECK(store_step(s, a) == SQLITE_DONE, "insert 2");
	sqlite3_reset(a);
	CHECK(store_commit(s) == IT_OK && count(s) == 1, "commit kept it");
	CHECK(store_stmt(s, SQL_INS, &a) == IT_OK, "stmt");
	sqlite3_bind_int(a, 1, 1);
	CHECK(store_status(store_step(s, a)) == IT_EEXIST, "unique violation is IT_EEXIST");
	sqlite3_reset(a);
	CHECK(store_status(SQLITE_FULL) == IT_EFULL && store_status(SQLITE_BUSY) == IT_EBUSY &&
	      store_status(SQLITE_IOERR_WRITE) == IT_EIO, "status mapping");

	CHECK(store_open(path, STORE_READONLY, &ro, err, sizeof(err)) == IT_OK, "read-only open");
	CHECK(store_exec(ro, "INSERT INTO t(x) VALUES (99)") != IT_OK, "read-only refuses writes");
	store_close(ro);

	CHECK(store_pool_new(path, 0, &pool) == IT_EINVAL, "pool of 0");
	CHECK(store_pool_new(path, 2, &pool) == IT_OK, "pool of 2");
	for (int i = 0; i < 4; i++) {
		w[i].pool = pool;
		w[i].ok = 0;
		pthread_create(&th[i], NULL, borrow, &w[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	/* x = 0..49 from four threads on two connections; x = 1 was already there. */
	CHECK(w[0].ok + w[1].ok + w[2].ok + w[3].ok == 49, "each value inserted once (%d)",
	      w[0].ok + w[1].ok + w[2].ok + w[3].ok);
	CHECK(count(s) == 50, "rows: %d", count(s));
	store_pool_free(pool);
	store_pool_free(NULL);
	test_runners(s);
	store_close(s);
	store_close(NULL);
	test_checkpoint(path);
	unlink(path);
	test_private_files();
	return tap_done();
}
