/*
 * deliverer.h: the threads that send the outbox (table deliveries) to AWS.
 *
 * One thread per enabled destination (docs/outputs.md):
 *   config       ITALIC_CONFIG_REPORT=on: PutEvaluations in the rule's (member) account,
 *                ≤ 100 evaluations of one result token per call;
 *   securityhub  ITALIC_SECURITYHUB=on: BatchImportFindings in the instance's account
 *                and region, ≤ 100 findings per call, one finding per instance;
 *   siem         ITALIC_SIEM_BUCKET set: gzip'd JSON Lines objects in the service's own
 *                account and home region, flushed at SIEM_MAX_BYTES / SIEM_MAX_LINES or
 *                ITALIC_SIEM_FLUSH_SECONDS after the oldest waiting line, and on stop.
 *   eventbridge  ITALIC_ALERT_EVENTBUS set: PutEvents of alerts, ≤ 10 entries and
 *                < 256 KB a call, in the service's own account and home region;
 *   webhook      ITALIC_ALERT_WEBHOOK_URL set: one signed POST per alert (no AWS needed).
 *                Both are sent by deliver_alerts.c; lib/alert.h says what an alert is.
 *
 * Every write (leases, outcomes) goes through the single writer; reads use the
 * thread's own connection. A row is marked done only after AWS accepted it, so a crash
 * between the two re-sends it after the lease runs out (at least once; Config and
 * Security Hub updates are idempotent, a SIEM line may then appear twice). Failures
 * are retried with full-jitter exponential backoff (base 1 s, cap 5 min) until the
 * row is 24 h old (then failed, kept visible); an answer AWS means as final (a 4xx
 * other than throttling, InvalidResultTokenException, ...) fails the row at once.
 *
 * Without AWS (ITALIC_AWS=off or no credentials) only the webhook starts: the other
 * rows stay pending and are sent once the service runs with AWS.
 */
#ifndef ITALIC_DELIVERER_H
#define ITALIC_DELIVERER_H

#include "compiler.h"
#include "server.h"
#include "store.h"

struct deliverers;

/* Starts the enabled destinations' threads (only the webhook's without srv->aws; *ret
 * may be a handle that owns nothing). srv->alerts must be set (or NULL: no alerts). */
int deliverers_start(struct server *srv, struct deliverers **ret) WARN_UNUSED;
/* Stops the threads; the SIEM thread first writes out every due line. NULL: no-op.
 * Nothing may call deliverers_wake(d) any more (stop the evaluator first). */
void deliverers_stop(struct deliverers *d);

/* New deliveries are committed: the threads look at once instead of at their next
 * due time. Cheap (a broadcast); NULL is a no-op. */
void deliverers_wake(struct deliverers *d);

/* Declares italic_deliveries and italic_deliveries_sent_total. */
void deliveries_declare_metrics(struct metrics *m);
/* Sets the italic_deliveries{destination,state} gauges from the table (at scrape). */
void deliveries_metrics_refresh(struct server *srv, struct store *db);

#endif
