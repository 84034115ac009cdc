/*
 * test_waiter: the one way a worker waits (lib/waiter.h): a wake that comes between
 * reading the generation and napping is not lost, a nap ends when its time is up, a
 * wake from another thread ends it early, and the worker loop runs turns as they ask
 * and leaves once its stop flag is set and it is woken, and a crew of threads starts and
 * stops together with its enter and leave hooks. Times are bounds on behaviour
 * (a 10 s nap that must end at once), not measurements.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "status.h"
#include "tap.h"
#include "waiter.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

struct waker {
	struct waiter *w;
	_Atomic(int) *stop;
	long after_ms;
	_Atomic(int) *ready;     /* when set: wait for it first */
};

static void *wake_later(void *arg)
{
	struct waker *k = arg;

	while (k->ready && !atomic_load(k->ready))
		sleep_ms(1);
	sleep_ms(k->after_ms);
	if (k->stop)
		atomic_store(k->stop, 1);
	waiter_wake(k->w);
	return NULL;
}

struct counter {
	int turns;
	int again;             /* turns that ask to go on at once, then naps of 10 s */
	_Atomic(int) napping;  /* the first turn that asks for a nap has run */
};

static int64_t count_turn(void *arg)
{
	struct counter *c = arg;

	c->turns++;
	if (c->turns <= c->again)
		return WAITER_AGAIN;
	atomic_store(&c->napping, 1);
	return 10000;
}

struct member {
	int refuse;            /* enter fails */
	_Atomic(int) entered, turns, left;
};

static int member_enter(void *arg)
{
	struct member *m = arg;

	atomic_store(&m->entered, 1);
	return m->refuse ? -1 : 0;
}

static int64_t member_turn(void *arg)
{
	struct member *m = arg;

	atomic_fetch_add(&m->turns, 1);
	return 10000;
}

static void member_leave(void *arg)
{
	atomic_store(&((struct member *)arg)->left, 1);
}

/* A crew: each thread gets its own arg, enters, turns, naps, and leaves on crew_stop;
 * one whose enter fails neither turns nor leaves. */
static void test_crew(struct waiter *w)
{
	struct member m[3];
	_Atomic(int) stop = 0;
	struct crew_spec spec = {w, &stop, member_turn, member_enter, member_leave};
	struct crew *c = NULL;
	int64_t t0;

	memset(m, 0, sizeof(m));
	m[2].refuse = 1;
	CHECK(crew_start(&spec, m, sizeof(m[0]), 3, &c) == IT_OK && c, "crew of three");
	t0 = clock_mono_ms();
	while ((atomic_load(&m[0].turns) == 0 || atomic_load(&m[1].turns) == 0 || !atomic_load(&m[2].entered)) &&
	       clock_mono_ms() - t0 < 5000)
		sleep_ms(1);
	crew_stop(c);
	CHECK(atomic_load(&stop) == 1, "crew_stop set the flag");
	CHECK(atomic_load(&m[0].turns) == 1 && atomic_load(&m[1].turns) == 1, "one turn each, then a nap the stop ended");
	CHECK(atomic_load(&m[0].left) && atomic_load(&m[1].left), "both left");
	CHECK(atomic_load(&m[2].entered) && !atomic_load(&m[2].turns) && !atomic_load(&m[2].left),
	      "the one that could not enter neither turned nor left");
	crew_stop(NULL);
}

int main(void)
{
	struct waiter *w = NULL;
	uint64_t gen;
	int64_t t0;

	CHECK(waiter_new(&w) == IT_OK && w, "new");
	if (!w)
		return tap_done();

	/* a wake between reading the generation and napping: the nap returns at once */
	gen = waiter_generation(w);
	waiter_wake(w);
	t0 = clock_mono_ms();
	CHECK(waiter_nap(w, gen, 10000) == 1, "woken");
	CHECK(clock_mono_ms() - t0 < 1000, "not lost: returned at once");

	/* no wake: the nap lasts its time */
	gen = waiter_generation(w);
	t0 = clock_mono_ms();
	CHECK(waiter_nap(w, gen, 30) == 0, "timed out");
	CHECK(clock_mono_ms() - t0 >= 30, "lasted at least 30 ms (%lld)", (long long)(clock_mono_ms() - t0));
	CHECK(waiter_nap(w, gen, 0) == 0, "a zero nap still returns");

	/* a wake from another thread ends a long nap */
	{
		struct waker k = {w, NULL, 20, NULL};
		pthread_t th;
		gen = waiter_generation(w);
		CHECK(pthread_create(&th, NULL, wake_later, &k) == 0, "thread");
		t0 = clock_mono_ms();
		CHECK(waiter_nap(w, gen, 10000) == 1, "woken by the other thread");
		CHECK(clock_mono_ms() - t0 < 5000, "well before the 10 s");
		pthread_join(th, NULL);
	}

	/* the loop: turns that ask for AGAIN run back to back; a stop and a wake end the
	 * 10 s nap that follows */
	{
		_Atomic(int) stop = 0;
		struct counter c = {0, 3, 0};
		struct waker k = {w, &stop, 20, &c.napping};
		pthread_t th;
		CHECK(pthread_create(&th, NULL, wake_later, &k) == 0, "thread");
		t0 = clock_mono_ms();
		waiter_loop(w, &stop, count_turn, &c);
		CHECK(c.turns == 4, "three turns again, then one that naps (%d)", c.turns);
		CHECK(clock_mono_ms() - t0 < 5000, "the stop ended the nap");
		pthread_join(th, NULL);
		/* already stopped: no turn at all */
		c.turns = 0;
		waiter_loop(w, &stop, count_turn, &c);
		CHECK(c.turns == 0, "a stopped loop runs no turn");
		/* a pause is skipped once stopping */
		t0 = clock_mono_ms();
		waiter_pause(w, &stop, 10000);
		CHECK(clock_mono_ms() - t0 < 1000, "no pause when stopping");
	}
	test_crew(w);
	waiter_wake(NULL);
	waiter_free(w);
	waiter_free(NULL);
	return tap_done();
}
