/*
 * waiter.h: the one way a worker thread waits.
 *
 * Every background thread of `italic serve` runs the same loop: do what is due, then
 * sleep until more may be due or until someone says work has arrived, and leave when
 * told to stop. A waiter is the meeting point of that loop: a generation counter that
 * producers bump (waiter_wake: "work arrived", or "look at your stop flag") and
 * consumers nap on (waiter_nap: until the generation moves or the time is up).
 *
 * No wake-up is lost: a consumer reads the generation before it looks for work, so a
 * wake that comes while it works makes its next nap return at once. waiter_loop() and
 * waiter_pause() follow that order; a thread that waits by hand must too.
 *
 * Stopping: the stopper sets the thread's stop flag, then calls waiter_wake(); a
 * napping thread returns, sees the flag and leaves. A waiter may be shared by several
 * consumers (the evaluation workers all nap on the ingest's arrivals): a wake reaches
 * every napper, and one that finds nothing to do naps again.
 *
 * Naps are measured on CLOCK_MONOTONIC: a step of the wall clock neither cuts a nap
 * short nor stretches it. Thread-safe; the waiter must outlive every napper.
 */
#ifndef ITALIC_WAITER_H
#define ITALIC_WAITER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct waiter;

/* IT_OK or IT_ENOMEM. */
int waiter_new(struct waiter **ret) WARN_UNUSED;
/* NULL is a no-op. No thread may be napping on w. */
void waiter_free(struct waiter *w);

/* Work arrived (or a stop flag was set): every nap in progress returns. NULL: no-op. */
void waiter_wake(struct waiter *w);
/* The generation now: read it before looking for work, nap on it after. */
uint64_t waiter_generation(struct waiter *w);
/* Sleeps until the generation differs from gen or ms have passed (ms < 1 counts as 1).
 * Returns 1 when woken, 0 when the time ran out. */
int waiter_nap(struct waiter *w, uint64_t gen, int64_t ms);

/* Sleeps ms unless *stop is set or a wake comes; for a pause between two pieces of
 * work within one turn. */
void waiter_pause(struct waiter *w, const _Atomic(int) *stop, int64_t ms);

/*
 * One turn of a worker: does what is due and returns how long, in ms, until it may
 * have more to do (a nap, cut short by a wake), or WAITER_AGAIN to go on at once.
 */
#define WAITER_AGAIN 0
typedef int64_t (*waiter_turn)(void *ctx);

/* Runs turn(ctx) until *stop is set, napping on w between turns as each asks. */
void waiter_loop(struct waiter *w, const _Atomic(int) *stop, waiter_turn turn, void *ctx);

/*
 * A crew: n threads, thread i running waiter_loop(waiter, stop, turn, arg i), started
 * and stopped together; arg i is args + i * stride (stride 0: every thread gets args).
 * enter (may be NULL) runs first on the thread (it opens the thread's database
 * connection, say); a nonzero return ends that thread at once. leave (may be NULL)
 * runs last on it, after the loop (close it; drain what must not wait for a restart).
 */
struct crew_spec {
	struct waiter *waiter;          /* where the threads nap (borrowed) */
	_Atomic(int) *stop;             /* borrowed; crew_stop() sets it */
	waiter_turn turn;
	int (*enter)(void *arg);
	void (*leave)(void *arg);
};

struct crew;

/* Starts the crew (the spec is copied; args borrowed until crew_stop). IT_ENOMEM when a
 * thread cannot start: the threads already started are stopped, *ret is untouched. */
int crew_start(const struct crew_spec *spec, void *args, size_t stride, size_t n, struct crew **ret) WARN_UNUSED;
/* Sets the stop flag, wakes the waiter, joins every thread, frees. NULL: no-op. */
void crew_stop(struct crew *c);

#endif
