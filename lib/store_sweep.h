/*
 * store_sweep.h: what the reconciliation sweep reads and records (tables instances and
 * sweeps, migration 0006), and the instance fact the Security Hub deliverer needs.
 *
 * A pair (account, region) is known once Italic holds a verdict for an instance in it
 * (table sweep_pairs, kept by a trigger on instances). When each pair is swept is
 * lib/sweep_plan.h's decision, from the times store_sweep_pairs() returns.
 * Writes (store_sweep_begin/_end/_resume) run inside the caller's (the writer's)
 * transaction.
 *
 * Giving up (issue 13): a pair whose sweeps have all failed for more than
 * IT_SWEEP_GIVE_UP_MS (a day) — an account no role can be assumed in, such as a
 * made-up one from a forged event — is stopped: store_sweep_pairs() no longer returns it.
 * It is swept again after store_sweep_resume(), which the evaluator calls when AWS has
 * answered a DescribeInstances for the pair (proof that it is real and reachable, which
 * no event can forge).
 */
#ifndef ITALIC_STORE_SWEEP_H
#define ITALIC_STORE_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "limits.h"
#include "store.h"

struct sweep_row {
	char account[IT_ACCOUNT_ID_SIZE];
	char region[IT_REGION_SIZE];
	int64_t last_started_at;     /* 0: never */
	int64_t last_finished_at;    /* 0: never (or running) */
	int64_t instances_seen;
	int64_t changed;
	char error[256];             /* "" when the last sweep succeeded */
	int64_t failing_since;       /* 0, or when the first of the failing sweeps in a row started */
	int64_t stopped_at;          /* 0, or when the pair stopped being swept */
};

/* A known pair as the sweep's schedule needs it (lib/sweep_plan.h). */
struct sweep_pair {
	char account[IT_ACCOUNT_ID_SIZE];
	char region[IT_REGION_SIZE];
	int64_t first_seen_at;       /* when Italic first saw an instance there */
	int64_t last_started_at;     /* 0: never swept */
	int64_t failing_since;       /* 0, or when the current run of failed sweeps began */
};

/*
 * Known pairs that are not stopped, ordered by (account, region), after the given key
 * ("" "" for the start), up to max (a page: the caller loops until *ret_n < max). Read
 * from sweep_pairs (migrations/0011, one row per pair) and sweeps, never from
 * instances, so listing 10,000 pairs does not read a million instances.
 */
int store_sweep_pairs(struct store *s, const char *after_account, const char *after_region, struct sweep_pair *rows,
		      size_t max, size_t *ret_n) WARN_UNUSED;

/* Records that a sweep of the pair started at now (creates its row). In a transaction. */
int store_sweep_begin(struct store *s, const char *account, const char *region, int64_t now) WARN_UNUSED;

/* Records the end of the pair's sweep: error NULL on success. A failure starts (or
 * continues) the pair's run of failures; when that run began more than
 * IT_SWEEP_GIVE_UP_MS before now, the pair is stopped at now (exactly a day is still
 * swept). A success ends the run. In a transaction. */
int store_sweep_end(struct store *s, const char *account, const char *region, int64_t now, int64_t seen,
		    int64_t changed, const char *error) WARN_UNUSED;

/* Sweeps a stopped pair again (store_sweep_pairs returns it again; it is due at its next
 * slot) and forgets its run of failures; a no-op
 * for a pair that is not stopped or not recorded. *ret_resumed (may be NULL) says
 * whether it was stopped. In a transaction. */
int store_sweep_resume(struct store *s, const char *account, const char *region, int *ret_resumed) WARN_UNUSED;

/* Sweeps recorded, ordered by (account, region), after the given key ("" "" for the
 * start), up to max. */
int store_sweep_list(struct store *s, const char *after_account, const char *after_region, struct sweep_row *rows,
		     size_t max, size_t *ret_n) WARN_UNUSED;

/* instances.first_seen_at of one instance; IT_ENOTFOUND when Italic does not know it. */
int store_sweep_first_seen(struct store *s, const char *account, const char *region, const char *instance_id,
			   int64_t *ret_ms) WARN_UNUSED;

#endif
