/* store.c: SQLite connection, statement cache, transactions, pool (see store.h). */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "status.h"

#define STMT_CACHE 128          /* distinct SQL texts per connection */
#define BUSY_TIMEOUT_MS 5000
#define BUSY_RETRIES 50

struct stmt_slot {
	const char *sql;
	sqlite3_stmt *st;
};

struct store {
	sqlite3 *db;
	struct stmt_slot slots[STMT_CACHE];
	int wal_frames;          /* store_wal_watch: WAL size after the last commit */
};

/*
 * SQLite's default busy handler sleeps 1, 2, 5, 10, ... up to 100 ms between tries, so
 * two writers that collide wait far longer than the other's transaction lasts (our
 * transactions take well under a millisecond). This one retries after 50 us, growing to
 * 2 ms, until BUSY_TIMEOUT_MS has passed in all.
 */
static int busy_wait(void *ctx, int count)
{
	long us = count < 6 ? 50L << count : 2000L;
	struct timespec ts = {0, us * 1000L};

	(void)ctx;
	if (count > 6 + BUSY_TIMEOUT_MS / 2)   /* about BUSY_TIMEOUT_MS in all */
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

static const char *const pragmas[] = {
	"PRAGMA journal_mode=WAL",
	"PRAGMA synchronous=FULL",
	"PRAGMA foreign_keys=ON",
	"PRAGMA temp_store=MEMORY",
	"PRAGMA cache_size=-16000",   /* 16 MiB per connection */
	/* After a long reader (a backup) let the WAL grow to gigabytes, the file shrinks back
	 * to this at the next restart instead of keeping its size for good (store.h). */
	("PRAGMA journal_size_limit=" STORE_WAL_KEEP_BYTES_STR),   /* parenthesised: one element (clang -Wstring-concatenation) */
};

/*
 * Creates a database file that does not exist yet with mode 0600, whatever the umask
 * (fchmod after open: a umask can only take bits away, and one that took the owner's
 * would leave a file SQLite cannot write). The file holds the cursor-signing key and
 * Config result tokens. SQLite gives the -wal and -shm files it creates later the
 * database file's own mode (os_unix.c, robust_open), so they are 0600 too. An existing
 * file is left as it is; 0 when the file exists or was made, -1 (errno) otherwise.
 */
static int create_private(const char *path)
{
	int fd;

	if (!path[0] || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
		return 0;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	if (fchmod(fd, 0600) != 0) {
		int e = errno;
		close(fd);
		unlink(path);
		errno = e;
		return -1;
	}
	return close(fd);
}

int store_open(const char *path, int flags, struct store **ret, char *errbuf, size_t errlen)
{
	struct store *s;
	int oflags, rc;

	if (!(flags & (STORE_READONLY | STORE_NO_CREATE)) && create_private(path) != 0) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOSPC ? IT_EFULL : IT_EDB;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return IT_ENOMEM;
	oflags = SQLITE_OPEN_NOMUTEX;
	if (flags & STORE_READONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else
		oflags |= SQLITE_OPEN_READWRITE | ((flags & STORE_NO_CREATE) ? 0 : SQLITE_OPEN_CREATE);
	rc = sqlite3_open_v2(path, &s->db, oflags, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_handler(s->db, busy_wait, NULL);
	for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++) {
		if (flags & STORE_READONLY && i < 2)
			continue;
		rc = sqlite3_exec(s->db, pragmas[i], NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			goto fail;
	}
	*ret = s;
	return IT_OK;
fail:
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	store_close(s);
	return rc == SQLITE_FULL ? IT_EFULL : IT_EDB;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (int i = 0; i < STMT_CACHE; i++)
		sqlite3_finalize(s->slots[i].st);
	sqlite3_close_v2(s->db);
	free(s);
}

sqlite3 *store_db(struct store *s)
{
	return s->db;
}

int store_stmt(struct store *s, const char *sql, sqlite3_stmt **ret)
{
	size_t h = ((uintptr_t)sql >> 3) % STMT_CACHE;
	sqlite3_stmt *st;

	for (size_t n = 0; n < STMT_CACHE; n++, h = (h + 1) % STMT_CACHE) {
		struct stmt_slot *slot = &s->slots[h];
		if (slot->sql == sql) {
			sqlite3_reset(slot->st);
			sqlite3_clear_bindings(slot->st);
			*ret = slot->st;
			return IT_OK;
		}
		if (!slot->sql) {
			if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
			    SQLITE_OK)
				return IT_EDB;
			slot->sql = sql;
			slot->st = st;
			*ret = st;
			return IT_OK;
		}
	}
	/* Cache full: a programming error (raise STMT_CACHE). */
	return IT_ENOMEM;
}

int store_status(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return IT_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return IT_EBUSY;
	case SQLITE_FULL:
		return IT_EFULL;
	case SQLITE_CONSTRAINT:
		return IT_EEXIST;
	case SQLITE_NOMEM:
		return IT_ENOMEM;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		return IT_EIO;
	default:
		return IT_EDB;
	}
}

/* One to two windows of lib/backoff.h, from 1 ms doubling to 10 ms: never shorter than
 * the other connection's transaction is likely to last, and spread so that connections
 * that collided do not collide again. */
static void backoff(int attempt)
{
	int64_t ms = backoff_window_ms(attempt, 1, 10) + backoff_ms(attempt, 1, 10, backoff_random(NULL));
	struct timespec ts = {0, (long)ms * 1000000L};

	nanosleep(&ts, NULL);
}

int store_step(struct store *s, sqlite3_stmt *st)
{
	int rc;

	(void)s;
	for (int attempt = 0;; attempt++) {
		rc = sqlite3_step(st);
		if (((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) || attempt >= BUSY_RETRIES)
			return rc;
		sqlite3_reset(st);
		backoff(attempt);
	}
}

int store_each(struct store *s, sqlite3_stmt *st, store_row_fn row, void *ctx)
{
	int step, rc = IT_OK;

	while ((step = store_step(s, st)) == SQLITE_ROW) {
		rc = row(ctx, st);
		if (rc)
			break;
	}
	if (rc == IT_OK)
		rc = store_status(step);
	sqlite3_reset(st);
	return rc == STORE_STOP ? IT_OK : rc;
}

int store_one(struct store *s, sqlite3_stmt *st, store_row_fn row, void *ctx)
{
	int step = store_step(s, st), rc;

	if (step == SQLITE_ROW)
		rc = row ? row(ctx, st) : IT_OK;
	else
		rc = step == SQLITE_DONE ? IT_ENOTFOUND : store_status(step);
	sqlite3_reset(st);
	return rc == STORE_STOP ? IT_OK : rc;
}

int store_done(struct store *s, sqlite3_stmt *st)
{
	int rc = store_status(store_step(s, st));

	sqlite3_reset(st);
	return rc;
}

struct fill {
	char *rows;
	size_t row_size, max, n;
	int (*read)(sqlite3_stmt *st, void *row);
};

static int fill_row(void *ctx, sqlite3_stmt *st)
{
	struct fill *f = ctx;
	int rc;

	if (f->n >= f->max)
		return STORE_STOP;
	rc = f->read(st, f->rows + f->n * f->row_size);
	if (rc)
		return rc;
	return ++f->n == f->max ? STORE_STOP : IT_OK;
}

int store_fill(struct store *s, sqlite3_stmt *st, void *rows, size_t row_size, size_t max,
	       int (*read)(sqlite3_stmt *st, void *row), void (*finish)(void *row), size_t *ret_n)
{
	struct fill f = {rows, row_size, max, 0, read};
	int rc = max ? store_each(s, st, fill_row, &f) : IT_OK;

	if (max == 0)
		sqlite3_reset(st);
	if (rc) {
		for (size_t i = 0; finish && i < f.n; i++)
			finish(f.rows + i * row_size);
		return rc;
	}
	*ret_n = f.n;
	return IT_OK;
}

struct page {
	size_t max, n;
	int more;
	store_row_fn row;
	void *ctx;
};

static int page_row(void *ctx, sqlite3_stmt *st)
{
	struct page *p = ctx;
	int rc;

	if (p->n >= p->max) {
		p->more = 1;
		return STORE_STOP;
	}
	rc = p->row(p->ctx, st);
	if (rc == IT_OK)
		p->n++;
	else if (rc == STORE_STOP)
		p->more = 1;
	return rc;
}

int store_page(struct store *s, sqlite3_stmt *st, size_t max, store_row_fn row, void *ctx, size_t *ret_n,
	       int *ret_more)
{
	struct page p = {max, 0, 0, row, ctx};
	int rc = store_each(s, st, page_row, &p);

	if (rc)
		return rc;
	if (ret_n)
		*ret_n = p.n;
	if (ret_more)
		*ret_more = p.more;
	return IT_OK;
}

static int int64_row(void *ctx, sqlite3_stmt *st)
{
	*(int64_t *)ctx = sqlite3_column_int64(st, 0);
	return IT_OK;
}

int store_int64(struct store *s, sqlite3_stmt *st, int64_t *ret)
{
	int64_t v = 0;
	int rc = store_one(s, st, int64_row, &v);

	if (rc == IT_OK)
		*ret = v;
	return rc;
}

static int int64_pair_row(void *ctx, sqlite3_stmt *st)
{
	int64_t *v = ctx;

	v[0] = sqlite3_column_int64(st, 0);
	v[1] = sqlite3_column_int64(st, 1);
	return IT_OK;
}

int store_int64_pair(struct store *s, sqlite3_stmt *st, int64_t *ret_a, int64_t *ret_b)
{
	int64_t v[2] = {0, 0};
	int rc = store_one(s, st, int64_pair_row, v);

	if (rc == IT_OK) {
		*ret_a = v[0];
		*ret_b = v[1];
	}
	return rc;
}

int store_exec(struct store *s, const char *sql)
{
	int rc;

	for (int attempt = 0;; attempt++) {
		rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
		if (((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) || attempt >= BUSY_RETRIES)
			break;
		backoff(attempt);
	}
	return store_status(rc);
}

int store_begin(struct store *s)
{
	return store_exec(s, "BEGIN IMMEDIATE");
}

int store_commit(struct store *s)
{
	int rc = store_exec(s, "COMMIT");
	if (rc)
		store_rollback(s);
	return rc;
}

void store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int wal_hook(void *ctx, sqlite3 *db, const char *name, int frames)
{
	struct store *s = ctx;
	(void)db;
	(void)name;
	s->wal_frames = frames;
	return SQLITE_OK;
}

int store_wal_watch(struct store *s)
{
	/* Replaces this connection's automatic-checkpoint hook. */
	sqlite3_wal_hook(s->db, wal_hook, s);
	return IT_OK;
}

int store_wal_frames(struct store *s)
{
	return s->wal_frames;
}

/* The RESTART step's busy handler: the same short sleeps as busy_wait, but giving up
 * once STORE_RESTART_WAIT_MS have passed (ctx: the deadline, CLOCK_MONOTONIC ns). */
static int restart_wait(void *ctx, int count)
{
	const int64_t *deadline = ctx;
	struct timespec now, ts = {0, 100 * 1000L};

	(void)count;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((int64_t)now.tv_sec * 1000000000LL + now.tv_nsec >= *deadline)
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

int store_checkpoint(struct store *s, int restart_frames, struct store_checkpoint *ret)
{
	struct store_checkpoint c = {0, 0, 0};
	struct timespec now;
	int64_t deadline;
	int rc;

	rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &c.wal_frames, &c.copied_frames);
	if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
		return store_status(rc);
	if (restart_frames > 0 && c.wal_frames >= restart_frames) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		deadline = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec + STORE_RESTART_WAIT_MS * 1000000LL;
		sqlite3_busy_handler(s->db, restart_wait, &deadline);
		rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_RESTART, &c.wal_frames,
					       &c.copied_frames);
		sqlite3_busy_handler(s->db, busy_wait, NULL);
		/* SQLITE_BUSY: a reader or the writer held on past the wait; try next time. */
		c.restarted = rc == SQLITE_OK;
		if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
			return store_status(rc);
	}
	*ret = c;
	return IT_OK;
}

const char *store_errmsg(struct store *s)
{
	return sqlite3_errmsg(s->db);
}

int store_bind_text(sqlite3_stmt *st, int idx, const char *v)
{
	if (!v)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, v, -1, SQLITE_TRANSIENT);
}

const char *store_col_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

void store_col_copy(char *dst, size_t n, sqlite3_stmt *st, int col)
{
	const char *t = store_col_text(st, col);

	snprintf(dst, n, "%s", t ? t : "");
}

struct store_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int size, nfree;
	struct store **all;
	struct store **free_list;
};

int store_pool_new(const char *path, int size, struct store_pool **ret)
{
	struct store_pool *p;
	int rc = IT_ENOMEM;

	if (size < 1)
		return IT_EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return IT_ENOMEM;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->all = calloc((size_t)size, sizeof(*p->all));
	p->free_list = calloc((size_t)size, sizeof(*p->free_list));
	if (!p->all || !p->free_list)
		goto fail;
	for (int i = 0; i < size; i++) {
		rc = store_open(path, STORE_NO_CREATE, &p->all[i], NULL, 0);
		if (rc)
			goto fail;
		p->size++;
		p->free_list[p->nfree++] = p->all[i];
	}
	*ret = p;
	return IT_OK;
fail:
	store_pool_free(p);
	return rc;
}

void store_pool_free(struct store_pool *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->size; i++)
		store_close(p->all[i]);
	free(p->all);
	free(p->free_list);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

struct store *store_pool_get(struct store_pool *p)
{
	struct store *s;

	pthread_mutex_lock(&p->mu);
	while (p->nfree == 0)
		pthread_cond_wait(&p->cv, &p->mu);
	s = p->free_list[--p->nfree];
	pthread_mutex_unlock(&p->mu);
	return s;
}

void store_pool_put(struct store_pool *p, struct store *s)
{
	pthread_mutex_lock(&p->mu);
	p->free_list[p->nfree++] = s;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}
