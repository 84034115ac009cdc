/* ratelimit.c: bounded per-key token buckets (see ratelimit.h). */
#include "ratelimit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

struct bucket {
	char key[32];
	double tokens;
	int64_t last_ms;
};

struct ratelimit {
	pthread_mutex_t mu;
	double rate;
	size_t used;
	struct bucket b[RATELIMIT_KEYS];
};

int ratelimit_new(uint64_t rate, struct ratelimit **ret)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));

	if (!rl)
		return IT_ENOMEM;
	pthread_mutex_init(&rl->mu, NULL);
	rl->rate = (double)rate;
	*ret = rl;
	return IT_OK;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl);
}

static struct bucket *lookup(struct ratelimit *rl, const char *key, int64_t now)
{
	struct bucket *oldest = NULL;

	for (size_t i = 0; i < rl->used; i++) {
		if (strcmp(rl->b[i].key, key) == 0)
			return &rl->b[i];
		if (!oldest || rl->b[i].last_ms < oldest->last_ms)
			oldest = &rl->b[i];
	}
	if (rl->used < RATELIMIT_KEYS)
		oldest = &rl->b[rl->used++];
	snprintf(oldest->key, sizeof(oldest->key), "%s", key);
	oldest->tokens = rl->rate;
	oldest->last_ms = now;
	return oldest;
}

static void refill(struct ratelimit *rl, struct bucket *b, int64_t now_ms)
{
	if (now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) * rl->rate / 1000.0;
		if (b->tokens > rl->rate)
			b->tokens = rl->rate;
		b->last_ms = now_ms;
	}
}

void ratelimit_charge(struct ratelimit *rl, const char *key, uint64_t n, int64_t now_ms)
{
	struct bucket *b;

	if (!rl || rl->rate <= 0 || n == 0)
		return;
	pthread_mutex_lock(&rl->mu);
	b = lookup(rl, key ? key : "", now_ms);
	refill(rl, b, now_ms);
	b->tokens -= (double)n;
	pthread_mutex_unlock(&rl->mu);
}

int ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_ms, int *ret_retry_after_s)
{
	struct bucket *b;
	int allowed;

	if (!rl || rl->rate <= 0)
		return 1;
	pthread_mutex_lock(&rl->mu);
	b = lookup(rl, key ? key : "", now_ms);
	refill(rl, b, now_ms);
	allowed = b->tokens >= 1.0;
	if (allowed) {
		b->tokens -= 1.0;
	} else {
		double wait_s = (1.0 - b->tokens) / rl->rate;
		int s = (int)wait_s + 1;
		*ret_retry_after_s = s < 1 ? 1 : s;
	}
	pthread_mutex_unlock(&rl->mu);
	return allowed;
}
