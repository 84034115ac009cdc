/*
 * checkpointer.h: the thread that keeps the WAL short without holding up the writer.
 *
 * SQLite appends every commit to the WAL and copies it into the database file at a
 * checkpoint. The writer (writer.h) used to run that checkpoint itself, after a commit,
 * once the WAL passed 16 MiB: while it copied the pages and synced the database file no
 * batch could commit, and every request waiting for its 202 waited for it. The copy
 * costs more as the database grows (the same number of WAL frames holds more distinct
 * pages of larger indexes, so more scattered writes to sync): measured at full ingest
 * load, about 15 ms at 10,000 evaluations and about 30 ms, up to 130 ms, at 10 million
 * (bench/ingest-notes.md), and every request that arrived meanwhile waited for it.
 *
 * Now the writer only reports the WAL's length after each commit (checkpointer_note,
 * cheap, never blocks on a checkpoint) and this thread, on its own connection, runs
 * store_checkpoint(): a PASSIVE checkpoint each time the WAL has grown by
 * CHECKPOINT_STEP_FRAMES since the last one (it takes no lock the writer needs), and
 * with it a RESTART once the WAL holds CHECKPOINT_RESTART_FRAMES, which by then has
 * only the last few frames left to copy and waits at most STORE_RESTART_WAIT_MS for the
 * write lock and for readers. When a long reader (a backup, a simulation) makes the
 * RESTART give up, the next one is tried only after another CHECKPOINT_RESTART_FRAMES,
 * so a reader that holds its snapshot for minutes costs the writer at most one short
 * wait per 16 MiB of WAL (the WAL cannot shrink under that reader anyway).
 *
 * Metrics: italic_wal_checkpoints_total{mode, result}, italic_wal_checkpoint_seconds
 * (histogram, by mode), italic_wal_frames (gauge: the WAL's length at the last commit).
 */
#ifndef ITALIC_CHECKPOINTER_H
#define ITALIC_CHECKPOINTER_H

#include "compiler.h"
#include "server.h"

#define CHECKPOINT_STEP_FRAMES    1000   /* ~4 MiB of 4 KiB pages between passive passes */
#define CHECKPOINT_RESTART_FRAMES 4000   /* ~16 MiB: restart the WAL from its beginning */

struct checkpointer;

/* Opens the thread's own connection to srv->cfg.db and starts it. */
int checkpointer_start(struct server *srv, struct checkpointer **ret) WARN_UNUSED;

/* Stops the thread after its current pass. NULL is a no-op. */
void checkpointer_stop(struct checkpointer *c);

/*
 * The writer's report after a commit: the WAL now holds wal_frames frames. Wakes the
 * thread when a pass is due; takes a mutex for a moment and never waits for a pass.
 */
void checkpointer_note(struct checkpointer *c, int wal_frames);

#endif
