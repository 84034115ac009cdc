/* reconcile.c: time bounds and whom to believe (see reconcile.h). */
#include "reconcile.h"

#include <string.h>

int64_t reconcile_time_bound(int64_t claimed_ms, int64_t received_ms)
{
	/* received_ms comes from Italic's own clock, so the sum cannot overflow */
	return claimed_ms > received_ms + IT_EVENT_CLOCK_SKEW_MS ? received_ms : claimed_ms;
}

int reconcile_pinned(int64_t record_observed_ms, int64_t now_ms)
{
	return record_observed_ms > now_ms + IT_EVENT_CLOCK_SKEW_MS;
}

enum reconcile_claim reconcile_gone_claim(int claims_gone, int left_scope, int can_verify)
{
	if (left_scope)
		return RECONCILE_GONE;
	if (!claims_gone)
		return RECONCILE_JUDGE;
	return can_verify ? RECONCILE_CONFIRM : RECONCILE_GONE;
}

int reconcile_aws_gone(const char *aws_state)
{
	return !aws_state || !aws_state[0] || strcmp(aws_state, "terminated") == 0 ||
	       strcmp(aws_state, "shutting-down") == 0;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

enum reconcile_listed reconcile_listed(const struct reconcile_record *rec, const char *state,
				       const char *image_id, int64_t listed_at_ms)
{
	int differs;

	if (strcmp(nz(state), "terminated") == 0)
		differs = strcmp(nz(rec->compliance), "NOT_APPLICABLE") != 0;
	else
		differs = strcmp(nz(rec->state), nz(state)) != 0 || strcmp(nz(rec->image_id), nz(image_id)) != 0;
	/* A pinned record is repaired even when it agrees: its future observed_at would
	 * otherwise make every real event after it look older and be dropped. */
	if (reconcile_pinned(rec->observed_at, listed_at_ms))
		return RECONCILE_REPAIR;
	return differs ? RECONCILE_REJUDGE : RECONCILE_KEEP;
}
