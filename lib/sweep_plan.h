/*
 * sweep_plan.h: when the reconciliation sweep lists each (account, Region), and how long
 * it holds back an account AWS throttles. Pure: times are passed in.
 *
 * Slots. Every pair has a phase in [0, interval): a hash of "account/region", so 10,000
 * pairs fall evenly over the interval whatever their names, and the same pair keeps its
 * phase from one run of Italic to the next. Its sweeps are scheduled at its slots,
 * phase + k * interval (Unix ms). A pair is due at the first of its slots that is
 *   - more than half an interval after its base (its last sweep's start, or, never
 *     swept, when Italic first saw an instance there: an instance just judged from its
 *     event needs no listing at once), and
 *   - not before not_before (when this sweep started): pairs overdue at start-up are
 *     swept at their slots over the next interval, not all at once.
 * So consecutive sweeps of a pair are between half and one and a half intervals apart,
 * exactly one interval in the steady state, and the load is spread evenly instead of
 * following whatever burst first made the pairs known. A pair's lateness is how long
 * after its due time its sweep started.
 *
 * Throttling. aws_call() already retries a throttled call with backoff (aws_http.h);
 * when its attempts are spent the sweep holds the whole account back, because EC2's
 * request limits are the account's (per Region), not one pair's: the n-th throttled
 * answer in a row holds the account for sweep_plan_hold_ms(n) (backoff.h's full
 * jitter, from SWEEP_HOLD_BASE_MS doubling to SWEEP_HOLD_CAP_MS), during which none of
 * its pairs starts and its running listings wait before their next page.
 */
#ifndef ITALIC_SWEEP_PLAN_H
#define ITALIC_SWEEP_PLAN_H

#include <stdint.h>

#define SWEEP_HOLD_BASE_MS 1000
#define SWEEP_HOLD_CAP_MS  (5 * 60 * 1000)

/* The pair's phase in [0, interval_ms) (0 when interval_ms < 1). */
int64_t sweep_plan_phase(const char *account, const char *region, int64_t interval_ms);

/*
 * The pair's next due time (above): the first phase + k * interval_ms that is greater
 * than base_ms + interval_ms / 2 and not less than not_before_ms. interval_ms < 1: the
 * later of base_ms and not_before_ms.
 */
int64_t sweep_plan_due(int64_t phase, int64_t interval_ms, int64_t base_ms, int64_t not_before_ms);

/* How long to hold an account back after its n-th throttled answer in a row (n >= 1),
 * given a uniform draw: backoff_ms(n, SWEEP_HOLD_BASE_MS, SWEEP_HOLD_CAP_MS, draw), but
 * never less than SWEEP_HOLD_BASE_MS / 2. */
int64_t sweep_plan_hold_ms(int n, uint64_t draw);

#endif
