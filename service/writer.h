/*
 * writer.h: the one thread that writes the pipeline's tables.
 *
 * SQLite lets one connection write at a time; several threads taking turns at the
 * write lock wait on each other far longer than their transactions last. So ingest
 * (new events) and the evaluator (verdicts, deliveries, inbox completions) hand their
 * writes to this thread as jobs and wait. The writer takes every job queued so far
 * (up to WRITER_BATCH), runs each inside its own SAVEPOINT of one transaction, and
 * commits once: one fsync for the whole batch (group commit), and a failing job is
 * rolled back alone. A job's caller learns its result only after the commit.
 */
#ifndef ITALIC_WRITER_H
#define ITALIC_WRITER_H

#include "compiler.h"
#include "server.h"
#include "store.h"

#define WRITER_BATCH 256

struct writer;

/* A job: runs inside the writer's transaction on its connection; returns IT_OK to keep
 * its changes or an IT_E* status to have them rolled back. */
typedef int (*writer_job)(struct store *db, void *ctx);

int writer_start(struct server *srv, struct writer **ret) WARN_UNUSED;
/* Runs every queued job, then stops. NULL is a no-op. */
void writer_stop(struct writer *w);

/*
 * Queues job and waits until its transaction is committed. Returns the job's status,
 * or the commit's (IT_EFULL, IT_EBUSY, IT_EDB, IT_EIO: then nothing of it was kept),
 * or IT_EBUSY when the writer is stopping.
 */
int writer_run(struct writer *w, writer_job job, void *ctx) WARN_UNUSED;

/*
 * The same without waiting, for callers that must not hold a thread while the batch
 * commits (the ingest route suspends its connection instead). The caller owns t and
 * keeps it alive until t->done runs; done is called exactly once, on the writer
 * thread after the commit (or the failure), with the status writer_run would return,
 * and must not block: it is on the path of every later batch. Only job, ctx and done are
 * the caller's to set; the rest is the writer's.
 */
struct writer_ticket {
	writer_job job;
	void *ctx;
	void (*done)(struct writer_ticket *t, int rc);    /* finds its state through t->ctx */
	/* the writer's */
	int rc;
	int finished;
	struct writer_ticket *next;
};

/* Queues t. IT_EBUSY when the writer is stopping (then done is not called). */
int writer_submit(struct writer *w, struct writer_ticket *t) WARN_UNUSED;

#endif
