/*
 * ratelimit.h: a token bucket per key (an ingest token's id), for 429 + Retry-After.
 *
 * Each key refills at `rate` events per second up to a burst of `rate` (one second's
 * worth). The table of keys is bounded (RATELIMIT_KEYS); when it is full the least
 * recently used key is reused, so memory never grows with the number of callers.
 * Thread-safe (one mutex; the critical section is a few arithmetic operations).
 */
#ifndef ITALIC_RATELIMIT_H
#define ITALIC_RATELIMIT_H

#include <stdint.h>

#include "compiler.h"

#define RATELIMIT_KEYS 1024

struct ratelimit;

/* rate 0 means unlimited (ratelimit_take always allows). */
int ratelimit_new(uint64_t rate, struct ratelimit **ret) WARN_UNUSED;
void ratelimit_free(struct ratelimit *rl);

/* Takes one unit for key at now_ms. Returns 1 when allowed; 0 when over the rate, with
 * *ret_retry_after_s (>= 1) saying when a unit will be available again. */
int ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_ms, int *ret_retry_after_s);

/*
 * Charges n more units to key at now_ms without refusing: the bucket may go below zero,
 * and the key is refused by ratelimit_take until it has refilled past one unit again.
 * A batch of n events takes one unit to be let in (ratelimit_take) and is charged the
 * rest once its items are counted, so a batch larger than the burst still passes when
 * the bucket is full, and pays for its size with the wait that follows.
 */
void ratelimit_charge(struct ratelimit *rl, const char *key, uint64_t n, int64_t now_ms);

#endif
