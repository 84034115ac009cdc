/* waiter.c: generation counter, monotonic naps and the worker loop (see waiter.h). */
#include "waiter.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
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

struct crew_thread {
	struct crew *c;
	void *arg;
	pthread_t thread;
};

struct crew {
	struct crew_spec spec;
	struct crew_thread *threads;
	size_t n;                /* started */
};

static void *crew_main(void *p)
{
	struct crew_thread *t = p;
	const struct crew_spec *s = &t->c->spec;

	if (s->enter && s->enter(t->arg) != 0)
		return NULL;
	waiter_loop(s->waiter, s->stop, s->turn, t->arg);
	if (s->leave)
		s->leave(t->arg);
	return NULL;
}

int crew_start(const struct crew_spec *spec, void *args, size_t stride, size_t n, struct crew **ret)
{
	struct crew *c = calloc(1, sizeof(*c));

	if (!c || !(c->threads = calloc(n ? n : 1, sizeof(*c->threads)))) {
		free(c);
		return IT_ENOMEM;
	}
	c->spec = *spec;
	for (size_t i = 0; i < n; i++) {
		struct crew_thread *t = &c->threads[i];
		t->c = c;
		t->arg = (char *)args + i * stride;
		if (pthread_create(&t->thread, NULL, crew_main, t) != 0) {
			crew_stop(c);
			return IT_ENOMEM;
		}
		c->n++;
	}
	*ret = c;
	return IT_OK;
}

void crew_stop(struct crew *c)
{
	if (!c)
		return;
	atomic_store(c->spec.stop, 1);
	waiter_wake(c->spec.waiter);
	for (size_t i = 0; i < c->n; i++)
		pthread_join(c->threads[i].thread, NULL);
	free(c->threads);
	free(c);
}
