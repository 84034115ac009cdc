/* test_ratelimit: bursts, refill, per-key isolation, unlimited, bounded table. */
#include <stdio.h>

#include "ratelimit.h"
#include "status.h"
#include "tap.h"

int main(void)
{
	struct ratelimit *rl, *unlimited;
	int retry = -1, allowed = 0;
	char key[32];

	CHECK(ratelimit_new(10, &rl) == IT_OK, "new");
	for (int i = 0; i < 20; i++)
		allowed += ratelimit_take(rl, "tok_a", 1000, &retry);
	CHECK(allowed == 10, "burst of 10 at one instant (%d)", allowed);
	CHECK(retry >= 1, "retry after %d", retry);
	CHECK(ratelimit_take(rl, "tok_b", 1000, &retry) == 1, "other key unaffected");
	CHECK(ratelimit_take(rl, "tok_a", 1099, &retry) == 0, "99 ms: not yet a unit");
	CHECK(ratelimit_take(rl, "tok_a", 1100, &retry) == 1, "100 ms refills one unit");
	allowed = 0;
	for (int i = 0; i < 20; i++)
		allowed += ratelimit_take(rl, "tok_a", 100000, &retry);
	CHECK(allowed == 10, "refill capped at the burst (%d)", allowed);
	for (int i = 0; i < RATELIMIT_KEYS * 2; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		(void)ratelimit_take(rl, key, 200000 + i, &retry);
	}
	CHECK(ratelimit_take(rl, "fresh", 300000, &retry) == 1, "table full: a new key still works");
	/* A batch: one unit lets it in, the rest of its items are charged as debt. */
	CHECK(ratelimit_take(rl, "batch", 500000, &retry) == 1, "batch let in with a full bucket");
	ratelimit_charge(rl, "batch", 99, 500000);   /* 100 items at 10/s: 9 units left, then -90 */
	retry = -1;
	CHECK(ratelimit_take(rl, "batch", 500000, &retry) == 0 && retry >= 9, "in debt: refused, retry %d", retry);
	CHECK(ratelimit_take(rl, "batch", 508999, &retry) == 0, "still in debt after 9 s");
	CHECK(ratelimit_take(rl, "batch", 509200, &retry) == 1, "debt repaid at the rate");
	ratelimit_charge(rl, "other-batch", 0, 500000);
	CHECK(ratelimit_take(rl, "other-batch", 500000, &retry) == 1, "charging 0 changes nothing");
	CHECK(ratelimit_new(0, &unlimited) == IT_OK, "unlimited");
	allowed = 0;
	for (int i = 0; i < 10000; i++)
		allowed += ratelimit_take(unlimited, "x", 1, &retry);
	CHECK(allowed == 10000, "rate 0 = unlimited");
	ratelimit_charge(unlimited, "x", 1000000, 2);
	CHECK(ratelimit_take(unlimited, "x", 2, &retry) == 1, "rate 0: charges are ignored");
	ratelimit_charge(NULL, "x", 5, 2);
	ratelimit_free(rl);
	ratelimit_free(unlimited);
	ratelimit_free(NULL);
	return tap_done();
}
