/*
 * store.h: one SQLite connection, its pragmas, its prepared statements, transactions.
 *
 * All SQL of Italic lives in lib/store*.c as static strings and runs only as prepared
 * statements: store_stmt() prepares a statement once per connection (cached by the
 * address of its static SQL text) and hands it back reset and unbound. A connection
 * is used by one thread at a time; store_pool lends connections to threads.
 *
 * Pragmas: WAL (readers never block the writer), busy_timeout (another connection's
 * write lock is waited for, bounded), foreign_keys=ON, synchronous=FULL in WAL mode
 * (a 202 means the event survived power loss, not only a process crash).
 */
#ifndef ITALIC_STORE_H
#define ITALIC_STORE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct store;
struct store_pool;

enum store_flags {
	STORE_READONLY = 1 << 0,
	STORE_NO_CREATE = 1 << 1,
};

/* Opens (creating unless STORE_NO_CREATE) the database at path. A database it creates is
 * mode 0600 whatever the umask, and so are its -wal and -shm files. *ret is owned by the
 * caller; errors: IT_EDB (with errmsg copied into errbuf when given; also when the file
 * cannot be created), IT_EFULL, IT_ENOMEM. */
int store_open(const char *path, int flags, struct store **ret, char *errbuf, size_t errlen)
	WARN_UNUSED;
void store_close(struct store *s);

/* The underlying handle (for store_* modules only). */
sqlite3 *store_db(struct store *s);

/* Prepared statement for the static SQL text sql, cached on this connection; reset and
 * with bindings cleared. The statement stays owned by the store. */
int store_stmt(struct store *s, const char *sql, sqlite3_stmt **ret) WARN_UNUSED;

/* Runs one step, retrying SQLITE_BUSY/LOCKED with bounded backoff. Returns the sqlite
 * code of the final step (SQLITE_ROW, SQLITE_DONE or an error). */
int store_step(struct store *s, sqlite3_stmt *st);

/* Maps an sqlite result code to an IT_* status (SQLITE_FULL -> IT_EFULL, BUSY -> IT_EBUSY). */
int store_status(int sqlite_rc);

/*
 * Running a statement the caller got from store_stmt() and bound. Each runs it with
 * store_step() (BUSY retried), maps the outcome with store_status() and resets it
 * whatever happens, so a store_* function is: prepare, bind, one of these.
 *
 * A row callback reads the current row of st: IT_OK for the next one, STORE_STOP to end
 * early without an error (a page is full), or an IT_E* error that ends the run.
 */
#define STORE_STOP 1
typedef int (*store_row_fn)(void *ctx, sqlite3_stmt *st);

/* Every row, in order, through row. IT_OK (also after STORE_STOP), row's error, or
 * the step's status. */
int store_each(struct store *s, sqlite3_stmt *st, store_row_fn row, void *ctx) WARN_UNUSED;
/* The first row only, through row (NULL: only whether there is one). IT_OK, row's
 * error, IT_ENOTFOUND when there is no row, or the step's status. */
int store_one(struct store *s, sqlite3_stmt *st, store_row_fn row, void *ctx) WARN_UNUSED;
/* A statement that returns no rows (INSERT, UPDATE, DELETE): IT_OK or the step's
 * status. */
int store_done(struct store *s, sqlite3_stmt *st) WARN_UNUSED;
/*
 * Up to max rows of st into rows, an array of row_size-byte records: read(st, record)
 * fills one (returns IT_OK or an error). *ret_n < max means the rows ran out. On an
 * error every record read so far is released with finish(record) and the error is
 * returned; *ret_n is written only on IT_OK.
 */
int store_fill(struct store *s, sqlite3_stmt *st, void *rows, size_t row_size, size_t max,
	       int (*read)(sqlite3_stmt *st, void *row), void (*finish)(void *row), size_t *ret_n) WARN_UNUSED;

/*
 * A page of at most max rows through row, for a statement whose LIMIT asks for max + 1:
 * a row after the first max is not handed to row, it only proves that more exist. row
 * may refuse the row it is given with STORE_STOP (a byte budget ran out): the page ends
 * before it, and more exist too. *ret_n (optional) counts the rows row took, *ret_more
 * (optional) says whether more exist; both are written only on IT_OK. With a LIMIT of
 * max, this counts what store_each() runs through.
 */
int store_page(struct store *s, sqlite3_stmt *st, size_t max, store_row_fn row, void *ctx, size_t *ret_n,
	       int *ret_more) WARN_UNUSED;

/* The first column of the first row as an integer (NULL reads 0) into *ret: counts,
 * min() and max(). IT_ENOTFOUND when there is no row; *ret is written only on IT_OK. */
int store_int64(struct store *s, sqlite3_stmt *st, int64_t *ret) WARN_UNUSED;
/* The same for the first two columns (a count and a min(), say). */
int store_int64_pair(struct store *s, sqlite3_stmt *st, int64_t *ret_a, int64_t *ret_b) WARN_UNUSED;

/* Executes a statement with no result rows (DDL, pragmas). Not for input-bearing SQL. */
int store_exec(struct store *s, const char *sql) WARN_UNUSED;

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK, with BUSY retries. */
int store_begin(struct store *s) WARN_UNUSED;
int store_commit(struct store *s) WARN_UNUSED;
void store_rollback(struct store *s);

/*
 * The WAL is kept short by two connections (service/checkpointer.h): the writer's,
 * which only records how long the WAL is, and the checkpointer's, which copies the WAL
 * into the database file off the writer's path.
 *
 * store_wal_watch() turns automatic checkpoints off for s (they would run inside the
 * writer's commit, which every waiting request then waits for) and records the WAL's
 * length in frames after each of s's commits; store_wal_frames() reads it (0 before the
 * first commit). Only the thread using s may call either.
 */
int store_wal_watch(struct store *s) WARN_UNUSED;
int store_wal_frames(struct store *s);

/*
 * One checkpoint pass, on a connection that writes nothing itself.
 *
 * First a PASSIVE checkpoint: it copies every frame no reader still needs into the
 * database file and syncs it, without taking a lock any writer waits for. Then, when
 * the WAL holds at least restart_frames frames (restart_frames 0: never), a RESTART
 * checkpoint, so that the next commit writes the WAL from its beginning again; without
 * it the WAL only grows while writes never pause. A RESTART holds the write lock while
 * it copies what the writer added since the PASSIVE step and while it waits for
 * readers of older snapshots, so it waits at most STORE_RESTART_WAIT_MS in all (for the
 * write lock and for those readers) and otherwise gives up: a long reader (a backup, a
 * simulation) then delays the restart, never the writer for longer than that.
 *
 * *ret (written on success): frames in the WAL, frames copied so far, and whether the
 * WAL was restarted. A RESTART that gave up is not an error. Errors: IT_EIO, IT_EFULL,
 * IT_EDB from the PASSIVE step.
 */
#define STORE_RESTART_WAIT_MS 10
/* The WAL file is truncated to this after a restart (PRAGMA journal_size_limit): above
 * the 16 MiB the checkpointer lets it reach, so in normal running it is never truncated
 * and grown again; after a backup it does not stay gigabytes long. */
#define STORE_WAL_KEEP_BYTES_STR "67108864"
struct store_checkpoint {
	int wal_frames;
	int copied_frames;
	int restarted;
};
int store_checkpoint(struct store *s, int restart_frames, struct store_checkpoint *ret) WARN_UNUSED;

/* Last SQLite error text of this connection (borrowed). */
const char *store_errmsg(struct store *s);

/* Helpers for store_* modules: bind NULL when v is NULL. */
int store_bind_text(sqlite3_stmt *st, int idx, const char *v);
/* Column text as a borrowed C string; "" never replaces NULL (NULL stays NULL). */
const char *store_col_text(sqlite3_stmt *st, int col);
/* Column text copied into dst[n] ("" for NULL), cut to fit. */
void store_col_copy(char *dst, size_t n, sqlite3_stmt *st, int col);

/* A fixed set of connections lent to threads. */
int store_pool_new(const char *path, int size, struct store_pool **ret) WARN_UNUSED;
void store_pool_free(struct store_pool *p);
/* Blocks until a connection is free. Never NULL for a live pool. */
struct store *store_pool_get(struct store_pool *p);
void store_pool_put(struct store_pool *p, struct store *s);

#endif
