/* waiter.c: generation counter, monotonic naps and the worker loop (see waiter.h). */
#include "waiter.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "status.h"

struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* on CLOCK_MONOTONIC */
	uint64_t generation;     /* under mu */
};

int waiter_new(struct waiter **ret)
{
	struct waiter *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;

	if (!w)
		return IT_ENOMEM;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	*ret = w;
	return IT_OK;
}

void waiter_free(struct waiter *w)
{
	if (!w)
		return;
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

void waiter_wake(struct waiter *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->generation++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

uint64_t waiter_generation(struct waiter *w)
{
	uint64_t g;

	pthread_mutex_lock(&w->mu);
	g = w->generation;
	pthread_mutex_unlock(&w->mu);
	return g;
}

int waiter_nap(struct waiter *w, uint64_t gen, int64_t ms)
{
	struct timespec ts;
	int woken;

	if (ms < 1)
		ms = 1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mu);
	while (w->generation == gen)
		if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT)
			break;
	woken = w->generation != gen;
	pthread_mutex_unlock(&w->mu);
	return woken;
}

void waiter_pause(struct waiter *w, const _Atomic(int) *stop, int64_t ms)
{
	uint64_t gen = waiter_generation(w);

	if (!atomic_load(stop))
		(void)waiter_nap(w, gen, ms);
}

void waiter_loop(struct waiter *w, const _Atomic(int) *stop, waiter_turn turn, void *ctx)
{
	while (!atomic_load(stop)) {
		uint64_t gen = waiter_generation(w);
		int64_t ms = turn(ctx);

		if (ms > WAITER_AGAIN && !atomic_load(stop))
			(void)waiter_nap(w, gen, ms);
	}
}
