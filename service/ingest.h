/*
 * ingest.h: acceptance of events behind POST /v1/events.
 *
 * An event is inserted into the inbox by the single writer (writer.h), which group-
 * commits every write queued at the same moment: one fsync covers many events, and a
 * 202 still means "committed". This module also keeps the backlog (events accepted and
 * not yet evaluated), counted from the database at start and decreased by the
 * evaluator, for the 429 decision, and wakes the evaluator when events arrive.
 */
#ifndef ITALIC_INGEST_H
#define ITALIC_INGEST_H

#include <stdint.h>

#include "compiler.h"
#include "server.h"
#include "store_inbox.h"

struct ingest;
struct writer;

int ingest_start(struct server *srv, struct writer *w, struct ingest **ret) WARN_UNUSED;
/* Wakes waiters and frees. NULL is a no-op. */
void ingest_stop(struct ingest *in);

/* Stores one event and returns once it is committed. On IT_OK *ret says accepted or
 * duplicate. Errors: IT_EFULL, IT_EBUSY, IT_EDB, IT_EIO (nothing stored). */
int ingest_submit(struct ingest *in, const struct inbox_new *ev, enum inbox_result *ret) WARN_UNUSED;

/* Events accepted and not yet done. */
int64_t ingest_backlog(struct ingest *in);
/* Called by the evaluator when n events are done. */
void ingest_consumed(struct ingest *in, int64_t n);
/* A counter that grows with each accepted event (the evaluator's wake-up). */
uint64_t ingest_generation(struct ingest *in);
/* Waits up to timeout_ms for the generation to pass gen, or for ingest_stop. */
void ingest_wait_new(struct ingest *in, uint64_t gen, int timeout_ms);

#endif
