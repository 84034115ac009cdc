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
 * an accepted event's parsed form is left here, keyed by its inbox seq and event id (a bounded
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
#include "store_rejected.h"
#include "waiter.h"
#include "writer.h"

struct ingest;

int ingest_start(struct server *srv, struct writer *w, struct ingest **ret) WARN_UNUSED;
/* Wakes waiters and frees. NULL is a no-op. */
void ingest_stop(struct ingest *in);

/*
 * The events of one request on their way to the inbox, as ONE writer job (one
 * SAVEPOINT of the writer's group commit), without a thread waiting for the commit:
 * either every item of it is stored, or none is. The caller fills n items (whose
 * strings may point into the matching evs[i]), evs (the parsed events, entries may be
 * NULL; evs itself may be NULL), results (n entries, written on success), the
 * n_rejected quarantine rows, done and done_ctx, and keeps all of it alive until done
 * runs. done runs once, on the writer thread after the commit, and must not block; then
 * rc is IT_OK (results[i] says accepted or duplicate, accepted counts the new rows) or
 * IT_EFULL, IT_EBUSY, IT_EDB, IT_EIO (nothing stored). An event that was inserted has
 * moved to the hand-off (evs[i] is NULL); the others are still the caller's to free.
 *
 * reserved is the room the caller took with ingest_reserve() (0 if none); the
 * ticket gives it back when done, whatever the outcome.
 */
struct ingest_ticket {
	struct inbox_new *items;
	struct event **evs;
	enum inbox_result *results;
	size_t n;
	const struct rejected_new *rejected;
	size_t n_rejected;
	int64_t reserved;
	void (*done)(struct ingest_ticket *t);
	void *done_ctx;
	int rc;
	size_t accepted;
	/* ingest's */
	struct ingest *in;
	struct writer_ticket wt;
};

/* Queues t. IT_EBUSY when the writer is stopping (done is then not called, and the
 * reservation is still the caller's to give back with ingest_unreserve()). */
int ingest_submit(struct ingest *in, struct ingest_ticket *t) WARN_UNUSED;

/*
 * Takes room for n events in the backlog (accepted and not yet evaluated, plus what
 * other requests have reserved and not yet stored) if it stays within max: 1 when
 * taken, 0 when the request must be answered 429. An empty backlog always takes a
 * request, however large, so a batch larger than ITALIC_INBOX_MAX is not refused
 * forever. A batch is therefore never half accepted for lack of room.
 */
int ingest_reserve(struct ingest *in, int64_t n, int64_t max);
void ingest_unreserve(struct ingest *in, int64_t n);

/* The parsed event of inbox row seq if the request that stored it left it here and it
 * is still cached (and was left for event_id, the row's: seqs of rolled-back inserts
 * are reused; the event's own id may differ, a WITH_METADATA item being stored under
 * its aws:EventId); NULL otherwise. The caller owns what it gets. */
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
