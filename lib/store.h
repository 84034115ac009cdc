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

/* Executes a statement with no result rows (DDL, pragmas). Not for input-bearing SQL. */
int store_exec(struct store *s, const char *sql) WARN_UNUSED;

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK, with BUSY retries. */
int store_begin(struct store *s) WARN_UNUSED;
int store_commit(struct store *s) WARN_UNUSED;
void store_rollback(struct store *s);

/*
 * Makes this connection the one that keeps the WAL short: automatic (passive)
 * checkpoints are turned off for it, and store_checkpoint_if_due() after each of its
 * commits runs a RESTART checkpoint once the WAL holds more than max_frames pages. With
 * many short readers a passive checkpoint never gets to restart the WAL, which then
 * grows without bound and slows every read; RESTART waits (briefly) for the readers.
 */
int store_wal_keeper(struct store *s, int max_frames) WARN_UNUSED;
/* Runs the checkpoint store_wal_keeper asked for, if due. Returns IT_OK (also when a
 * busy reader made it give up: it is tried again after the next commit). */
int store_checkpoint_if_due(struct store *s);

/* Last SQLite error text of this connection (borrowed). */
const char *store_errmsg(struct store *s);

/* Helpers for store_* modules: bind NULL when v is NULL. */
int store_bind_text(sqlite3_stmt *st, int idx, const char *v);
/* Column text as a borrowed C string; "" never replaces NULL (NULL stays NULL). */
const char *store_col_text(sqlite3_stmt *st, int col);

/* A fixed set of connections lent to threads. */
int store_pool_new(const char *path, int size, struct store_pool **ret) WARN_UNUSED;
void store_pool_free(struct store_pool *p);
/* Blocks until a connection is free. Never NULL for a live pool. */
struct store *store_pool_get(struct store_pool *p);
void store_pool_put(struct store_pool *p, struct store *s);

#endif
