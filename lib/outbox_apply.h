/*
 * outbox_apply.h: the one way a batch of verdicts is written.
 *
 * Every verdict Italic makes (an event's, a re-evaluation's, a timer's, a scheduled
 * invocation's, the sweep's) reaches the database through outbox_apply_verdicts(),
 * run inside the writer's transaction (service/writer.h). For each row, in order:
 *
 *  1. AWS answered DescribeInstances for it (row->aws_answered): the pair is real and
 *     reachable, so a sweep that had given up on it resumes (store_sweep_resume(); once
 *     per run of rows of one pair);
 *  2. the current verdict and its history row (store_verdict_apply(): a row older than
 *     the stored verdict is stale and writes nothing);
 *  3. its deliveries (outbox_enqueue_verdict(), which skips stale rows).
 *
 * Counting is the caller's, after the commit: a batch that is rolled back was not
 * written, so it must not be counted. The job therefore only reports what each row
 * became (ret_how) and the totals; italic_evaluations_total counts every row that is
 * not stale (written: applied or unchanged), whatever made it.
 */
#ifndef ITALIC_OUTBOX_APPLY_H
#define ITALIC_OUTBOX_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "metrics.h"
#include "outbox.h"
#include "store.h"
#include "store_verdict.h"

struct outbox_applied {
	size_t applied;      /* written, and something a reader sees changed */
	size_t unchanged;    /* written (evaluated_at, schedule), nothing else changed */
	size_t stale;        /* older than the stored verdict: nothing written */
};

/*
 * Applies rows[0..n) inside the caller's transaction; now is when the deliveries are
 * created. ret_how (may be NULL) has n entries and receives each row's outcome (its
 * entries mean something only on IT_OK); ret_counts (may be NULL) the totals, written
 * only on IT_OK. Errors: the
 * store's (IT_EDB, IT_EBUSY, IT_EFULL, IT_ENOMEM): then some rows may be written and
 * the caller's transaction must be rolled back (the writer does that for a failing job).
 */
int outbox_apply_verdicts(struct store *db, const struct verdict_row *rows, size_t n,
			  const struct outbox_settings *settings, int64_t now, enum verdict_apply *ret_how,
			  struct outbox_applied *ret_counts) WARN_UNUSED;

/* After the commit: italic_evaluations_total{compliance,trigger} + 1 for each of the n
 * rows that how (outbox_apply_verdicts' ret_how) says was written. */
void outbox_count_applied(struct metrics *m, const struct verdict_row *rows, const enum verdict_apply *how,
			  size_t n);

#endif
