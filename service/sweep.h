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
 * Pacing (issue 19: 10,000 pairs in an interval): each pair is due at its own slot in
 * the interval (lib/sweep_plan.h: a hash of the pair spreads them evenly, and pairs
 * overdue at start-up are spread over the next interval instead of listed at once). Up
 * to ITALIC_SWEEP_CONCURRENCY pairs are listed at a time, at most
 * ITALIC_SWEEP_PER_ACCOUNT of one account, so one slow account holds a few workers and
 * never the rest. A listing reads one page at a time (MaxResults 1000) and keeps only
 * the ids it saw, so 50,000 instances in one pair cost 400 KB, not the listing. A page
 * throttled after aws_call()'s own retries holds the whole account back (backoff,
 * sweep_plan_hold_ms) and is read again when the hold ends. Each pair's last run is
 * recorded in table sweeps (GET /v1/sweeps); metrics italic_sweep_*.
 *
 * Runs only with AWS (srv->aws) and a non-zero interval.
 */
#ifndef ITALIC_SWEEP_H
#define ITALIC_SWEEP_H

#include "compiler.h"
#include "evaluator.h"
#include "server.h"

struct sweep;

/* ev is borrowed for the sweep's life. *ret is NULL when the sweep is off. */
int sweep_start(struct server *srv, struct evaluator *ev, struct sweep **ret) WARN_UNUSED;
/* Stops after the pair in progress. NULL: no-op. */
void sweep_stop(struct sweep *s);

#endif
