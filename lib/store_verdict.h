/*
 * store_verdict.h: current verdicts (table instances) and their history (evaluations).
 *
 * Ordering rule: a verdict whose observed_at is older than the stored one is stale and
 * is not applied, whatever the arrival order, so an old event can never overwrite a
 * newer verdict. The one exception is a stored observed_at that no real event can have
 * had, more than IT_EVENT_CLOCK_SKEW_MS after the new verdict's (a database pinned by a
 * future-dated event before times were bounded): a verdict marked repair_future (the
 * sweep's, from AWS's own listing) replaces it. Equal observed_at is applied (a re-evaluation or a later fact about
 * the same moment). Every applied event-triggered verdict gets a history row; verdicts
 * made by re-evaluation, schedule or sweep get one only when something a reader would
 * see changed (compliance, reasons, rule, exemption, image, state), so a rule change
 * over 100,000 unchanged instances does not write 100,000 identical rows.
 */
#ifndef ITALIC_STORE_VERDICT_H
#define ITALIC_STORE_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "limits.h"
#include "store.h"
#include "verdict.h"   /* struct verdict_row */


enum verdict_apply { VERDICT_APPLIED, VERDICT_UNCHANGED, VERDICT_STALE };

/*
 * Applies v inside the caller's transaction. *ret says what happened; when prev (may be
 * NULL) is given it receives the previous compliance ("" for a new instance). A stale
 * verdict writes nothing.
 */
int store_verdict_apply(struct store *s, const struct verdict_row *v, enum verdict_apply *ret,
			char prev[IT_COMPLIANCE_SIZE]) WARN_UNUSED;

/* Loads the current verdict of one instance (all fields; caller finishes *ret). */
int store_verdict_get(struct store *s, const char *account, const char *region, const char *instance_id,
		      struct verdict_row *ret) WARN_UNUSED;

/*
 * Keyset iteration over current verdicts, ordered by (account, region, instance_id),
 * starting after the given key ("" for the start). account/region filter when not
 * NULL. Fills up to max rows; *ret_n < max means the end was reached.
 */
int store_verdict_page(struct store *s, const char *account, const char *region,
		       const char *after_account, const char *after_region, const char *after_instance,
		       struct verdict_row *rows, size_t max, size_t *ret_n) WARN_UNUSED;

/* Up to max instances whose next_change_at is due (<= now), soonest first. */
int store_verdict_due(struct store *s, int64_t now, struct verdict_row *rows, size_t max,
		      size_t *ret_n) WARN_UNUSED;

/* Soonest next_change_at among all instances, 0 when none. */
int store_verdict_next_due(struct store *s, int64_t *ret_at) WARN_UNUSED;

#endif
