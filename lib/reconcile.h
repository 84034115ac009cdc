/*
 * reconcile.h: what Italic believes when an event, AWS and its own record disagree.
 *
 * An ingest token lets a sender say anything about the instances of the accounts it is
 * bound to, and an event's times are whatever the sender wrote. Three rules keep one
 * forged event from deciding an instance's verdict for good:
 *
 *  1. Times are bounded by the receipt time (reconcile_time_bound). A time more than
 *     IT_EVENT_CLOCK_SKEW_MS (5 minutes) after the instant Italic received the event is
 *     clamped to that instant; the verdict's reasons say so. Clamping rather than a 400:
 *     EventBridge drops a 400 for good, and a real event from a sender with a fast clock
 *     must still be judged. A time within the skew is kept, so honest clock drift does
 *     not reorder events; a time in the past is kept (an old event simply loses).
 *  2. A claim that the instance is gone (terminated, or its Config item deleted) is
 *     checked with DescribeInstances like any other claim when AWS is in use and
 *     ITALIC_VERIFY is on (reconcile_gone_claim, reconcile_aws_gone): an instance AWS
 *     still lists as running is judged as running.
 *  3. A record pinned in the future (observed_at more than the skew after now, written
 *     before rule 1 existed) does not outrank what AWS lists: the sweep re-judges such
 *     an instance whatever the stored observed_at says, and its verdict replaces the
 *     pinned one (reconcile_listed, reconcile_pinned).
 *
 * Pure functions of their arguments; the clock is passed in.
 */
#ifndef ITALIC_RECONCILE_H
#define ITALIC_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

/* claimed_ms, or received_ms when claimed_ms lies more than IT_EVENT_CLOCK_SKEW_MS after
 * it (exactly the skew ahead is kept; one millisecond more is clamped). */
int64_t reconcile_time_bound(int64_t claimed_ms, int64_t received_ms);

/* 1 when a stored observed_at lies more than IT_EVENT_CLOCK_SKEW_MS after now_ms: no real
 * event can have said so, the record was pinned by a future-dated one. */
int reconcile_pinned(int64_t record_observed_ms, int64_t now_ms);

enum reconcile_claim {
	RECONCILE_JUDGE,     /* the event does not say the instance is gone: judge it */
	RECONCILE_GONE,      /* believe it: NOT_APPLICABLE without asking AWS */
	RECONCILE_CONFIRM,   /* ask DescribeInstances first, then reconcile_aws_gone() */
};

/*
 * What to do with an event's word about the instance. claims_gone: the event says
 * terminated, or its Config item was deleted. can_verify: AWS is in use, ITALIC_VERIFY is
 * on and the facts are not already AWS's own (a sweep's listing). left_scope: a Config
 * rule invocation said the resource left the rule's scope, which is a statement about
 * the rule, not the instance, and Config expects NOT_APPLICABLE for it (docs/aws-facts.md §3):
 * it is believed whatever can_verify says.
 */
enum reconcile_claim reconcile_gone_claim(int claims_gone, int left_scope, int can_verify);

/* After DescribeInstances answered for an instance the event said was gone: 1 when AWS
 * agrees (state terminated or shutting-down, or AWS knows no such instance: aws_state
 * NULL), 0 when AWS still lists it in another state (then judge with AWS's state). */
int reconcile_aws_gone(const char *aws_state);

/* Italic's record of one instance, as the sweep compares it with a listing. */
struct reconcile_record {
	const char *state;           /* "" when unknown */
	const char *image_id;        /* "" when unknown */
	const char *compliance;      /* COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, ... */
	int64_t observed_at;
};

enum reconcile_listed {
	RECONCILE_KEEP,              /* the listing agrees with the record: nothing to do */
	RECONCILE_REJUDGE,           /* state or image differ: judge again (ordered by time) */
	RECONCILE_REPAIR,            /* the record is pinned in the future: judge again and let
					the verdict replace it whatever its observed_at */
};

/*
 * The sweep's decision for an instance DescribeInstances listed at listed_at_ms with
 * state and image_id (either may be NULL) against Italic's record of it. A listed
 * terminated instance differs only from a record that is not already NOT_APPLICABLE.
 */
enum reconcile_listed reconcile_listed(const struct reconcile_record *rec, const char *state,
				       const char *image_id, int64_t listed_at_ms);

#endif
