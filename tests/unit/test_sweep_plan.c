/* test_sweep_plan: pairs' phases spread evenly and stay put; due times at slots, half
 * an interval after the last start and not before the sweep's start; holds by backoff. */
#include <stdio.h>

#include "sweep_plan.h"
#include "tap.h"

#define I 60000LL   /* a one-minute interval */

static void check_phase(void)
{
	int buckets[10] = {0}, out = 0;
	char acct[16];

	CHECK(sweep_plan_phase("111122223333", "us-east-1", I) == sweep_plan_phase("111122223333", "us-east-1", I),
	      "stable");
	CHECK(sweep_plan_phase("111122223333", "us-east-1", I) != sweep_plan_phase("111122223333", "us-east-2", I),
	      "regions differ");
	CHECK(sweep_plan_phase("a", "b", 0) == 0 && sweep_plan_phase(NULL, NULL, I) >= 0, "degenerate inputs");
	/* 10,000 pairs named like a real organization (consecutive account ids): no tenth
	 * of the interval holds more than 1.2x its share. */
	for (int a = 0; a < 2000; a++) {
		static const char *const regions[] = {"us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1"};
		snprintf(acct, sizeof(acct), "%012lld", 100000000000LL + a);
		for (int r = 0; r < 5; r++) {
			int64_t p = sweep_plan_phase(acct, regions[r], I);
			if (p < 0 || p >= I)
				out++;
			else
				buckets[p * 10 / I]++;
		}
	}
	CHECK(out == 0, "%d phases outside [0, interval)", out);
	for (int b = 0; b < 10; b++)
		CHECK(buckets[b] > 800 && buckets[b] < 1200, "tenth %d holds %d of 10,000", b, buckets[b]);
}

static void check_due(void)
{
	const int64_t phase = 7000, t0 = 1750000000000LL - (1750000000000LL % I);   /* t0 is a slot of phase 0 */

	/* Last swept at its slot: next exactly an interval later. */
	CHECK(sweep_plan_due(phase, I, t0 + phase, 0) == t0 + phase + I, "steady state: one interval");
	/* Swept late (40 s after its slot): the next slot is still the one an interval after
	 * the slot, since it is more than half an interval after that start. */
	CHECK(sweep_plan_due(phase, I, t0 + phase + 20000, 0) == t0 + phase + I, "late start keeps the slot");
	/* A start just after a slot's half-interval mark skips to the next slot. */
	CHECK(sweep_plan_due(phase, I, t0 + phase + 31000, 0) == t0 + phase + 2 * I, "more than half: next but one");
	CHECK(sweep_plan_due(phase, I, t0 + phase + 30000, 0) == t0 + phase + 2 * I, "exactly half: not that slot");
	CHECK(sweep_plan_due(phase, I, t0 + phase + 29999, 0) == t0 + phase + I, "just under half: that slot");
	/* Never swept, first seen long ago, sweep started now: its slot in the coming interval. */
	CHECK(sweep_plan_due(phase, I, t0 - 100 * I, t0 + 10000) == t0 + phase + I, "overdue at start: next slot");
	CHECK(sweep_plan_due(phase, I, t0 - 100 * I, t0 + 5000) == t0 + phase, "overdue at start: slot this interval");
	CHECK(sweep_plan_due(phase, I, t0 - 100 * I, t0 + phase) == t0 + phase, "not_before on a slot: that slot");
	/* Seen just now: not before half an interval. */
	CHECK(sweep_plan_due(phase, I, t0 + phase - 1, t0) == t0 + phase + I, "just seen: not at once");
	CHECK(sweep_plan_due(0, 0, 5, 9) == 9 && sweep_plan_due(0, 0, 12, 9) == 12, "no interval: the later time");
	/* Every due time is one of the pair's slots. */
	{
		int off = 0;
		for (int64_t b = t0; b < t0 + 3 * I; b += 7919)
			off += (sweep_plan_due(phase, I, b, t0) - phase) % I != 0;
		CHECK(off == 0, "every due time is a slot (%d are not)", off);
	}
}

static void check_hold(void)
{
	CHECK(sweep_plan_hold_ms(1, 0) == SWEEP_HOLD_BASE_MS / 2, "never less than half the base");
	CHECK(sweep_plan_hold_ms(1, UINT64_MAX) <= 2 * SWEEP_HOLD_BASE_MS, "first: within twice the base");
	CHECK(sweep_plan_hold_ms(30, UINT64_MAX - 1) <= SWEEP_HOLD_CAP_MS, "capped");
	CHECK(sweep_plan_hold_ms(5, 123456789) >= SWEEP_HOLD_BASE_MS / 2, "bounded below");
}

int main(void)
{
	check_phase();
	check_due();
	check_hold();
	return tap_done();
}
