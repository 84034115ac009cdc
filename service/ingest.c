/* ingest.c: event acceptance through the single writer (see ingest.h). */
#include "ingest.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "limits.h"
#include "status.h"
#include "waiter.h"
#include "writer.h"

struct ingest {
	struct server *srv;
	struct writer *writer;
	struct waiter *arrived;     /* woken for each accepted event (lib/waiter.h) */
	_Atomic(int64_t) backlog;
	_Atomic(int64_t) reserved;     /* room taken by requests not yet stored */
	pthread_mutex_t handoff_mu;
	size_t handoff_bytes;   /* sum of the cached events' body sizes, under handoff_mu */
	struct {
		int64_t seq;
		size_t bytes;
		struct event *ev;
		char event_id[INBOX_EVENT_ID_MAX + 1];   /* the row's */
	} handoff[IT_HANDOFF_EVENTS];
};

/* Caches ev for seq unless that would pass IT_HANDOFF_BYTES (a parse takes roughly
 * its body's size again): then ev is freed and the evaluator parses the body. */
static void handoff_put(struct ingest *in, int64_t seq, const char *event_id, size_t bytes, struct event *ev)
{
	size_t slot = (size_t)seq % IT_HANDOFF_EVENTS;
	struct event *old;

	pthread_mutex_lock(&in->handoff_mu);
	old = in->handoff[slot].ev;
	if (old) {
		in->handoff_bytes -= in->handoff[slot].bytes;
		in->handoff[slot].ev = NULL;
	}
	if (in->handoff_bytes + bytes <= IT_HANDOFF_BYTES && strlen(event_id) <= INBOX_EVENT_ID_MAX) {
		memcpy(in->handoff[slot].event_id, event_id, strlen(event_id) + 1);
		in->handoff[slot].seq = seq;
		in->handoff[slot].bytes = bytes;
		in->handoff[slot].ev = ev;
		in->handoff_bytes += bytes;
		ev = NULL;
	}
	pthread_mutex_unlock(&in->handoff_mu);
	event_free(old);
	event_free(ev);
}

struct event *ingest_take_parsed(struct ingest *in, int64_t seq, const char *event_id)
{
	size_t slot = (size_t)seq % IT_HANDOFF_EVENTS;
	struct event *ev = NULL;

	if (seq <= 0)
		return NULL;
	pthread_mutex_lock(&in->handoff_mu);
	if (in->handoff[slot].ev && in->handoff[slot].seq == seq) {
		ev = in->handoff[slot].ev;
		in->handoff[slot].ev = NULL;
		in->handoff_bytes -= in->handoff[slot].bytes;
		if (strcmp(in->handoff[slot].event_id, event_id) != 0) {
			/* Left by an insert whose transaction was rolled back. */
			event_free(ev);
			ev = NULL;
		}
	}
	pthread_mutex_unlock(&in->handoff_mu);
	return ev;
}

/*
 * Writer job: the request's inserts and quarantine rows, in the one SAVEPOINT the
 * writer gives a job (so all of them or none). An accepted event's parse moves to the
 * hand-off at once, before the commit, because the evaluator may read the row the
 * moment it commits (if this transaction is rolled back, the entry names an event id no
 * row has, or a seq that is reused for another id).
 */
static int insert(struct store *db, void *ctx)
{
	struct ingest_ticket *t = ctx;
	int rc = IT_OK;

	t->accepted = 0;
	for (size_t i = 0; rc == IT_OK && i < t->n; i++) {
		int64_t seq = 0;
		rc = store_inbox_insert_one(db, &t->items[i], &t->results[i], &seq);
		if (rc != IT_OK || t->results[i] != INBOX_ACCEPTED)
			continue;
		t->accepted++;
		if (t->evs && t->evs[i] && seq > 0) {
			struct event *ev = t->evs[i];
			t->evs[i] = NULL;
			/* items[i]'s strings may point into ev: nothing reads them after this */
			handoff_put(t->in, seq, t->items[i].event_id, t->items[i].body_len, ev);
			memset(&t->items[i], 0, sizeof(t->items[i]));
		}
	}
	for (size_t i = 0; rc == IT_OK && i < t->n_rejected; i++)
		rc = store_rejected_insert(db, &t->rejected[i]);
	return rc;
}

static void inserted(struct writer_ticket *wt, int rc)
{
	struct ingest_ticket *t = wt->ctx;
	struct ingest *in = t->in;

	t->rc = rc;
	if (t->reserved)
		ingest_unreserve(in, t->reserved);
	if (rc == IT_OK && t->accepted) {
		/* one wake for the whole batch: the workers take every new row they find */
		atomic_fetch_add(&in->backlog, (int64_t)t->accepted);
		waiter_wake(in->arrived);
	}
	t->done(t);
}

int ingest_reserve(struct ingest *in, int64_t n, int64_t max)
{
	int64_t r = atomic_fetch_add(&in->reserved, n);
	int64_t b = atomic_load(&in->backlog);

	if (r + b == 0 || r + b + n <= max)
		return 1;
	atomic_fetch_sub(&in->reserved, n);
	return 0;
}

void ingest_unreserve(struct ingest *in, int64_t n)
{
	atomic_fetch_sub(&in->reserved, n);
}

int ingest_start(struct server *srv, struct writer *w, struct ingest **ret)
{
	struct ingest *in = calloc(1, sizeof(*in));
	struct store *db;
	int64_t count = 0, oldest = 0;
	int rc;

	if (!in)
		return IT_ENOMEM;
	in->srv = srv;
	in->writer = w;
	db = store_pool_get(srv->pool);
	rc = store_inbox_pending(db, &count, &oldest);
	store_pool_put(srv->pool, db);
	if (rc == IT_OK)
		rc = waiter_new(&in->arrived);
	if (rc) {
		free(in);
		return rc;
	}
	atomic_store(&in->backlog, count);
	pthread_mutex_init(&in->handoff_mu, NULL);
	*ret = in;
	return IT_OK;
}

void ingest_stop(struct ingest *in)
{
	if (!in)
		return;
	waiter_wake(in->arrived);
	waiter_free(in->arrived);
	for (size_t i = 0; i < IT_HANDOFF_EVENTS; i++)
		event_free(in->handoff[i].ev);
	pthread_mutex_destroy(&in->handoff_mu);
	free(in);
}

int ingest_submit(struct ingest *in, struct ingest_ticket *t)
{
	if (!t->done)
		return IT_EINVAL;
	t->in = in;
	t->rc = IT_OK;
	t->accepted = 0;
	memset(&t->wt, 0, sizeof(t->wt));
	t->wt.job = insert;
	t->wt.ctx = t;
	t->wt.done = inserted;
	return writer_submit(in->writer, &t->wt);
}

int64_t ingest_backlog(struct ingest *in)
{
	return atomic_load(&in->backlog);
}

void ingest_consumed(struct ingest *in, int64_t n)
{
	if (atomic_fetch_sub(&in->backlog, n) - n < 0)
		atomic_store(&in->backlog, 0);
}

struct waiter *ingest_arrivals(struct ingest *in)
{
	return in ? in->arrived : NULL;
}

uint64_t ingest_generation(struct ingest *in)
{
	return waiter_generation(in->arrived);
}

void ingest_wait_new(struct ingest *in, uint64_t gen, int timeout_ms)
{
	(void)waiter_nap(in->arrived, gen, timeout_ms);
}
