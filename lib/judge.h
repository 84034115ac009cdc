/*
 * judge.h: judging over the store: the verdict rows of one event, of a page of stored
 * verdicts, and of the sweep's listing.
 *
 * lib/assess.h decides one input purely; this is its store side. It reads what an
 * input needs from Italic's own records (the image Italic knows for an instance that a
 * state change names without one; every known instance of the account and Region a
 * Config scheduled invocation is for), builds the inputs with assess.h's builders and
 * runs assess() on each. It writes nothing: the caller writes the rows with
 * outbox_apply_verdicts() (outbox_apply.h) inside the writer's transaction.
 *
 * Every function stops at the first input that fails (a retryable AWS status, when
 * retries are allowed, or IT_ENOMEM / a store error) and then returns that status with
 * nothing left allocated; on IT_OK the rows are the caller's (verdict_row_finish each).
 */
#ifndef ITALIC_JUDGE_H
#define ITALIC_JUDGE_H

#include <stddef.h>
#include <stdint.h>

#include "assess.h"
#include "compiler.h"
#include "event.h"
#include "store.h"
#include "verdict.h"

/*
 * Every instance of event e (its times already bounded against received_ms, the inbox
 * row's receipt), or for a scheduled invocation every instance Italic knows in e's
 * account and Region, read from db (none for the launch template rule's, which
 * judge_lt.h judges). allow_retry as for assess(). *ret_rows (free()
 * after finishing each row) has *ret_n entries.
 */
int judge_event(const struct assess_env *env, struct store *db, const struct event *e, int64_t received_ms,
		int allow_retry, struct verdict_row **ret_rows, size_t *ret_n) WARN_UNUSED;

/*
 * The n stored verdicts of page judged again with trigger (reevaluate, timer) into out
 * (room for n). A final record (assess_record_final: NOT_APPLICABLE) is not judged:
 * one with a next_change_at is moved into out with the schedule cleared (page[i] is
 * then zeroed), so it is not picked again; one without is skipped. *ret_n counts out.
 */
int judge_records(const struct assess_env *env, struct verdict_row *page, size_t n, const char *trigger,
		  struct verdict_row *out, size_t *ret_n) WARN_UNUSED;

/* The n listed instances of the sweep judged with trigger into out (room for n). */
int judge_listing(const struct assess_env *env, const struct assess_listing *listed, size_t n, const char *trigger,
		  struct verdict_row *out, size_t *ret_n) WARN_UNUSED;

#endif
