/*
 * clock.h: an injectable "now", so age limits, expiries and backoff can be tested
 * at exact boundaries. A NULL clock means the system clock.
 */
#ifndef ITALIC_CLOCK_H
#define ITALIC_CLOCK_H

#include <stdint.h>

struct clock {
	int64_t (*now_ms)(void *ctx);  /* Unix time in milliseconds */
	void *ctx;
};

/* Wall-clock Unix time in ms from clk, or the system clock when clk is NULL. */
int64_t clock_now_ms(const struct clock *clk);
/* Monotonic milliseconds (for latency and timeouts, never for verdict times). */
int64_t clock_mono_ms(void);
/* Monotonic microseconds. */
int64_t clock_mono_us(void);

#endif
