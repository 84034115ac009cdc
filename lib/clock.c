/* clock.c: system and injectable clocks (see clock.h). */
#include "clock.h"

#include <time.h>

int64_t clock_system_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_now_ms(const struct clock *clk)
{
	if (clk && clk->now_ms)
		return clk->now_ms(clk->ctx);
	return clock_system_ms(NULL);
}

int64_t clock_mono_ms(void)
{
	return clock_mono_us() / 1000;
}

int64_t clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
