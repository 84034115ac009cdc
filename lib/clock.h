/*
 * clock.h: an injectable "now", so age limits, expiries and backoff can be tested
 * at exact boundaries.
 *
 * One clock runs the service: service/main.c makes it from clock_system_ms() and hands
 * it to each command, which passes it on (struct server's clock, the logger's, the
 * assess environment's). Nothing else reads the wall clock, so every time-dependent
 * decision can be tested with a fake. A NULL clock still means the system clock, for
 * tests and tools where the time does not matter.
 */
#ifndef ITALIC_CLOCK_H
#define ITALIC_CLOCK_H

#include <stdint.h>

struct clock {
	int64_t (*now_ms)(void *ctx);  /* Unix time in milliseconds */
	void *ctx;
};

/* The system's wall clock, as a clock's now_ms (ctx unused): the real clock. */
int64_t clock_system_ms(void *ctx);
/* Wall-clock Unix time in ms from clk, or the system clock when clk is NULL. */
int64_t clock_now_ms(const struct clock *clk);
/* Monotonic milliseconds (for latency and timeouts, never for verdict times). */
int64_t clock_mono_ms(void);
/* Monotonic microseconds. */
int64_t clock_mono_us(void);

#endif
