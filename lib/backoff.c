/* backoff.c: full-jitter exponential backoff (see backoff.h). */
#include "backoff.h"

#include <openssl/rand.h>

#include "clock.h"

int64_t backoff_window_ms(int retry, int64_t base_ms, int64_t cap_ms)
{
	int64_t ceiling;

	if (base_ms < 0)
		base_ms = 0;
	if (cap_ms < 0)
		cap_ms = 0;
	if (retry < 0)
		retry = 0;
	/* base << retry without overflow: stop doubling once the cap is reached */
	ceiling = base_ms;
	for (int i = 0; i < retry && ceiling < cap_ms; i++)
		ceiling *= 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	return ceiling;
}

int64_t backoff_ms(int retry, int64_t base_ms, int64_t cap_ms, uint64_t draw)
{
	return (int64_t)(draw % ((uint64_t)backoff_window_ms(retry, base_ms, cap_ms) + 1));
}

uint64_t backoff_random(void *ctx)
{
	uint64_t r = 0;
	(void)ctx;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (uint64_t)clock_mono_us();
	return r;
}
