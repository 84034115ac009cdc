/*
 * verdict_write.h: writing what the evaluator judged, through the single writer.
 *
 * Two shapes of batch, one rule (lib/outbox_apply.h): verdicts, history and deliveries
 * are written by outbox_apply_verdicts() inside the writer's transaction;
 * italic_evaluations_total is counted after the commit, never for a batch that was
 * rolled back; the deliverers are woken once deliveries are committed.
 *
 *  - an inbox batch (verdict_write_events): each claimed event is either written with
 *    its verdicts and marked done, or put back with backoff to be read again, all in
 *    one transaction, so a crash leaves every event fully done or still pending;
 *  - verdicts made outside the inbox (verdict_write_rows): re-evaluations, timers,
 *    scheduled invocations' records and the sweep's listing;
 *  - launch templates judged outside the inbox (verdict_write_templates; an event's
 *    are written with its instances by verdict_write_events): lt_write().
 */
#ifndef ITALIC_VERDICT_WRITE_H
#define ITALIC_VERDICT_WRITE_H

#include <stddef.h>

#include "compiler.h"
#include "judge_lt.h"
#include "outbox.h"
#include "server.h"
#include "store_inbox.h"
#include "store_verdict.h"

/* One claimed event, judged but not yet written. */
struct prepared {
	struct inbox_row *ir;      /* borrowed */
	struct verdict_row *rows;  /* owned (prepared_finish) */
	enum verdict_apply *how;   /* owned: what each row became, filled by the write */
	size_t nrows;
	int retry;                 /* put back with backoff instead of writing */
	int rc;                    /* why, when retry */
	const char *outcome;       /* the inbox row's: evaluated, stale, unparseable */
	struct lt_work *lt;        /* owned: what it says of launch templates (judge_lt.h) */
	struct lt_written lt_done; /* filled by the write */
};

void prepared_finish(struct prepared *p);

/* Writes the n prepared events in one writer job (see above), then counts, logs the
 * retries and wakes the deliverers. IT_OK, or the writer's status: then nothing was
 * written and the events are read again (logged here). */
int verdict_write_events(struct server *srv, const struct outbox_settings *settings, struct prepared *ps, size_t n)
	WARN_UNUSED;

/* Writes n verdict rows in one writer job, then counts them and wakes the deliverers.
 * *ret_applied (may be NULL) counts the rows that changed something. IT_OK, IT_ENOMEM
 * or the writer's status (then nothing was written). */
int verdict_write_rows(struct server *srv, const struct outbox_settings *settings, const struct verdict_row *rows,
		       size_t n, size_t *ret_applied) WARN_UNUSED;

/* Writes a launch template work made outside the inbox (re-evaluation, timers, the
 * sweep) in one writer job with trigger, then counts it and wakes the deliverers;
 * *ret (may be NULL) adds what it settled. IT_OK or the writer's status (then nothing
 * was written). */
int verdict_write_templates(struct server *srv, const struct outbox_settings *settings, const struct lt_work *w,
			    const char *trigger, struct lt_written *ret) WARN_UNUSED;

#endif
