/*
 * sweep.h: the reconciliation sweep (docs/events.md). Events are best effort at the source,
 * so every ITALIC_SWEEP_INTERVAL each known (account, region) is listed with
 * DescribeInstances (all pages, in the member account through the assumed role) and
 * compared with what Italic holds:
 *   - an instance Italic did not know (and not terminated) is evaluated;
 *   - a known instance whose state or image differs is evaluated again;
 *   - a known instance the listing no longer shows becomes NOT_APPLICABLE.
 * Verdicts are written by evaluator_observe() with trigger "sweep" and the listing's
 * start as observed_at, so an event newer than the listing always wins.
 *
 * Pacing: pairs are swept one at a time, each on its own schedule (due an interval
 * after its last start, or after Italic first saw an instance there), so many pairs
 * spread over the interval instead of bursting; between two pairs the thread pauses
 * SWEEP_PAUSE_MS (1 s, or a tenth of a short interval). Within one pair the pages are
 * read one after another; throttling is retried with backoff by aws_call(). Each
 * pair's last run is recorded in table sweeps (GET /v1/sweeps).
 *
 * Runs only with AWS (srv->aws) and a non-zero interval.
 */
#ifndef ITALIC_SWEEP_H
#define ITALIC_SWEEP_H

#include "compiler.h"
#include "evaluator.h"
#include "server.h"

#define SWEEP_PAUSE_MS 1000

struct sweep;

/* ev is borrowed for the sweep's life. *ret is NULL when the sweep is off. */
int sweep_start(struct server *srv, struct evaluator *ev, struct sweep **ret) WARN_UNUSED;
/* Stops after the pair in progress. NULL: no-op. */
void sweep_stop(struct sweep *s);

#endif
