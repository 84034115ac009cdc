/* sweep_plan.c: slots and holds of the reconciliation sweep (see sweep_plan.h). */
#include "sweep_plan.h"

#include "backoff.h"

int64_t sweep_plan_phase(const char *account, const char *region, int64_t interval_ms)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a over "account/region" */

	if (interval_ms < 1)
		return 0;
	for (const char *p = account ? account : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ '/') * 1099511628211ULL;
	for (const char *p = region ? region : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	/* FNV's low bits mix poorly for short, similar keys: fold the high half in. */
	h ^= h >> 32;
	return (int64_t)(h % (uint64_t)interval_ms);
}

/* The first phase + k * interval that is >= t (floor division for negative t). */
static int64_t slot_at_or_after(int64_t phase, int64_t interval, int64_t t)
{
	int64_t k = (t - phase) / interval;

	if (phase + k * interval < t)
		k++;
	while (k > 0 && phase + (k - 1) * interval >= t)
		k--;
	return phase + k * interval;
}

int64_t sweep_plan_due(int64_t phase, int64_t interval_ms, int64_t base_ms, int64_t not_before_ms)
{
	int64_t after;

	if (interval_ms < 1)
		return base_ms > not_before_ms ? base_ms : not_before_ms;
	after = slot_at_or_after(phase, interval_ms, base_ms + interval_ms / 2 + 1);
	if (after < not_before_ms)
		after = slot_at_or_after(phase, interval_ms, not_before_ms);
	return after;
}

int64_t sweep_plan_hold_ms(int n, uint64_t draw)
{
	int64_t ms = backoff_ms(n, SWEEP_HOLD_BASE_MS, SWEEP_HOLD_CAP_MS, draw);

	return ms < SWEEP_HOLD_BASE_MS / 2 ? SWEEP_HOLD_BASE_MS / 2 : ms;
}
