/*
 * store_backup.h: a consistent copy of the live database (`italic backup`), taken with
 * SQLite's online backup API while the service keeps serving and writing.
 *
 * The whole copy reads one snapshot: a read transaction is held on the source
 * throughout, so the backup neither restarts when writers commit nor mixes two states
 * of the database, and writers carry on (WAL). The price is the WAL: no checkpoint can
 * copy frames past that snapshot, so the WAL grows by whatever is written while the
 * backup runs and is copied back afterwards (service/checkpointer.h); bench/RESULTS.md
 * has the figures at 10 million evaluations.
 *
 * The copy is written to PATH.partial and linked to PATH only when complete, so PATH
 * never names half a database. It is synced to disk every STORE_BACKUP_SYNC_BYTES as it
 * grows: left to the end, the flush of a multi-gigabyte copy held up the service's own
 * commits (their fsync waits behind it) for up to half a second.
 */
#ifndef ITALIC_STORE_BACKUP_H
#define ITALIC_STORE_BACKUP_H

#include "compiler.h"
#include "store.h"

#define STORE_BACKUP_SYNC_BYTES (32LL * 1024 * 1024)

/*
 * Copies the database of src into a new file at path, step_pages pages per step,
 * sleeping pause_ms between steps. path must not exist (the caller handles --force by
 * removing it). Errors: IT_EINVAL (step_pages < 1, path too long), IT_EEXIST, IT_EIO,
 * IT_EDB, IT_EFULL; path is not created on failure.
 */
int store_backup_copy(struct store *src, const char *path, int step_pages, int pause_ms) WARN_UNUSED;

#endif
