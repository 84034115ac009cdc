/*
 * store_snapshot.h: the snapshot time a copy made by `italic backup` carries.
 *
 * After a restore Italic lacks whatever it accepted after the copy's snapshot; with the
 * Custom Event Bus the operator replays the bus from that time (docs/aws-quickstart.md
 * section 11), so the copy must say when it was taken. The time is written into the copy
 * (table backup_info, migration 0008), never into the live database, and it is a lower
 * bound: every event Italic committed before it is in the copy (the copy's read
 * snapshot starts after it), so a replay from it can only overlap, and overlapping
 * events are answered duplicate.
 *
 * The copy is switched to the rollback journal (journal_mode=DELETE) while it is
 * stamped, so a copy at rest is one file that a read-only open can read; the service
 * turns WAL back on when it opens a restored file (store.c).
 */
#ifndef ITALIC_STORE_SNAPSHOT_H
#define ITALIC_STORE_SNAPSHOT_H

#include <stdint.h>

#include "compiler.h"

/* Writes (replacing any) the snapshot time snapshot_ms and the time written_ms into the
 * database file at path, which must exist and be migrated to 0008. IT_OK, IT_EIO (cannot
 * open), IT_EDB (no backup_info table: run italic migrate on the source), IT_EFULL. */
int store_snapshot_stamp(const char *path, int64_t snapshot_ms, int64_t written_ms) WARN_UNUSED;

struct snapshot_info {
	int64_t snapshot_ms;
	int64_t written_ms;
	int schema_version;        /* highest migration applied in the copy */
};

/* Reads the stamp of the database file at path (opened read-only). IT_ENOTFOUND when the
 * file is a database without a stamp (not a copy made by italic backup, or made before
 * 0008), IT_EIO when it cannot be opened or is not a database. */
int store_snapshot_info(const char *path, struct snapshot_info *ret) WARN_UNUSED;

#endif
