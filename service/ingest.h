/*
 * ingest.h: acceptance of events behind POST /v1/events.
 *
 * An event is inserted into the inbox by the single writer (writer.h), which group-
 * commits every write queued at the same moment: one fsync covers many events, and a
 * 202 still means "committed". This module also keeps the backlog (events accepted and
 * not yet evaluated), counted from the database at start and decreased by the
 * evaluator, for the 429 decision, and wakes the evaluator when events arrive (its
 * workers nap on ingest_arrivals()).
 *
 * The route parses every event to validate it; the evaluator needs the same parse. So
 * an accepted event's parsed form is left here, keyed by its inbox seq (a bounded
 * hand-off of IT_HANDOFF_EVENTS slots and IT_HANDOFF_BYTES of event bodies), and the
 * evaluator takes it instead of parsing the stored body again. The stored body stays the source of truth: a miss (evicted,
 * restarted, another process) just means one more parse.
 */
#ifndef ITALIC_INGEST_H
#define ITALIC_INGEST_H

#include <stdint.h>

#include "compiler.h"
#include "event.h"
#include "server.h"
#include "store_inbox.h"
#include "waiter.h"
#include "writer.h"

struct ingest;

int ingest_start(struct server *srv, struct writer *w, struct ingest **ret) WARN_UNUSED;
/* Wakes waiters and frees. NULL is a no-op. */
void ingest_stop(struct ingest *in);

/*
 * One event on its way to the inbox, without a thread waiting for the commit. The
 * caller fills item (whose strings may point into ev), ev (the parsed event, may be
 * NULL), done and done_ctx, and keeps the ticket alive until done runs. done runs once,
 * on the writer thread after the commit, and must not block; then rc is IT_OK (and
 * result says accepted or duplicate) or IT_EFULL, IT_EBUSY, IT_EDB, IT_EIO (nothing
 * stored). When the event was inserted, ev has moved to the hand-off (ev is NULL);
 * otherwise it is still the caller's to free.
 */
struct ingest_ticket {
	struct inbox_new item;
	struct event *ev;
	void (*done)(struct ingest_ticket *t);
	void *done_ctx;
	int rc;
	enum inbox_result result;
	/* ingest's */
	struct ingest *in;
	struct writer_ticket wt;
};

/* Queues t. IT_EBUSY when the writer is stopping (done is then not called). */
int ingest_submit(struct ingest *in, struct ingest_ticket *t) WARN_UNUSED;

/* The parsed event of inbox row seq if the request that stored it left it here and it
 * is still cached (and names event_id: seqs of rolled-back inserts are reused); NULL
 * otherwise. The caller owns what it gets. */
struct event *ingest_take_parsed(struct ingest *in, int64_t seq, const char *event_id);

/* Events accepted and not yet done. */
int64_t ingest_backlog(struct ingest *in);
/* Called by the evaluator when n events are done. */
void ingest_consumed(struct ingest *in, int64_t n);
/* Woken for each accepted event: the evaluation workers nap on it (lib/waiter.h).
 * NULL for a NULL in. Lives until ingest_stop. */
struct waiter *ingest_arrivals(struct ingest *in);
/* A counter that grows with each accepted event (the evaluator's wake-up). */
uint64_t ingest_generation(struct ingest *in);
/* Waits up to timeout_ms for the generation to pass gen, or for ingest_stop. */
void ingest_wait_new(struct ingest *in, uint64_t gen, int timeout_ms);

#endif
