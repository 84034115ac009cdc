/*
 * ingest.h: the group-commit writer behind POST /v1/events.
 *
 * Request threads hand events to one writer thread and wait; the writer takes every
 * event queued so far (up to INGEST_BATCH), inserts them in one transaction and wakes
 * their senders with the outcome. One fsync then covers many events, so throughput does
 * not hinge on one fsync per event, and a 202 still means "committed".
 *
 * It also keeps the backlog count (events accepted but not yet evaluated), started from
 * the database and decreased by the evaluator, for the 429 decision.
 */
#ifndef ITALIC_INGEST_H
#define ITALIC_INGEST_H

#include <stdint.h>

#include "compiler.h"
#include "server.h"
#include "store_inbox.h"

#define INGEST_BATCH 256

struct ingest;

int ingest_start(struct server *srv, struct ingest **ret) WARN_UNUSED;
/* Finishes queued events, then stops the writer. NULL is a no-op. */
void ingest_stop(struct ingest *in);

/* Queues one event and waits until it is committed (or failed). On IT_OK *ret says
 * accepted or duplicate. Errors: IT_EFULL, IT_EBUSY, IT_EDB, IT_EIO (nothing stored). */
int ingest_submit(struct ingest *in, const struct inbox_new *ev, enum inbox_result *ret) WARN_UNUSED;

/* Events accepted and not yet done. */
int64_t ingest_backlog(struct ingest *in);
/* Called by the evaluator when n events are done. */
void ingest_consumed(struct ingest *in, int64_t n);
/* Called by the evaluator to wake when new events arrive: returns a counter that grows
 * with each committed batch. */
uint64_t ingest_generation(struct ingest *in);
/* Waits up to timeout_ms for the generation to pass gen. */
void ingest_wait_new(struct ingest *in, uint64_t gen, int timeout_ms);

#endif
