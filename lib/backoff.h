/*
 * backoff.h: how long to wait before retry number N, the one rule for the whole
 * service (AWS calls, deliveries, and anything else that retries).
 *
 * Full jitter (the AWS Architecture Blog's "Exponential Backoff And Jitter"): the
 * window doubles with each retry from base_ms and stops at cap_ms, and the delay is a
 * uniform draw inside it:
 *
 *     delay = draw % (min(cap, base * 2^retry) + 1)
 *
 * so retry 1 with base 100 waits 0..200 ms, retry 2 0..400 ms, and no delay ever
 * exceeds the cap. Spreading retries over the whole window (rather than around its
 * middle) is what keeps many workers that failed together from retrying together.
 *
 * A caller that must wait at least a while (a worker retrying an event against a
 * throttled AWS, a connection waiting out another's write lock) adds the window itself
 * as a floor: backoff_window_ms() + backoff_ms() waits between one and two windows
 * ("equal jitter"), still spread, never shorter than the window.
 *
 * backoff_ms() is pure: the random draw is passed in, so a test fixes it and gets an
 * exact delay. Callers draw from a source of their choice; backoff_random() is the
 * default one (OpenSSL's RAND_bytes, thread-safe), shaped as a struct's callback
 * ("uint64_t (*)(void *ctx)") so it can be swapped for a fixed draw in tests.
 */
#ifndef ITALIC_BACKOFF_H
#define ITALIC_BACKOFF_H

#include <stdint.h>

/* Delay in ms before retry number retry (1 = the first retry; 0 or less is treated as
 * 0, the window being base itself). Negative base or cap count as 0. Never negative,
 * never above cap; doubling stops at the cap, so a large retry cannot overflow. */
int64_t backoff_ms(int retry, int64_t base_ms, int64_t cap_ms, uint64_t draw);

/* The window backoff_ms() draws from for retry: min(cap, base * 2^retry), with the
 * same clamping of negative arguments. */
int64_t backoff_window_ms(int retry, int64_t base_ms, int64_t cap_ms);

/* A uniform 64-bit draw (RAND_bytes; the monotonic clock if that ever fails, which
 * only makes the jitter predictable, never the delay unbounded). ctx is ignored. */
uint64_t backoff_random(void *ctx);

#endif
