/* judge.c: the builders and assess() over Italic's records (see judge.h). */
#include "judge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_lt.h"
#include "status.h"
#include "store_verdict.h"

#define PAGE 200   /* stored verdicts read at a time for a scheduled invocation */

static void rows_free(struct verdict_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		verdict_row_finish(&rows[i]);
	free(rows);
}

/* A scheduled invocation: every known instance of its account and Region. */
static int judge_scheduled(const struct assess_env *env, struct store *db, const struct event *e, int64_t received_ms,
			   struct verdict_row **rows, size_t *nrows)
{
	char after[IT_INSTANCE_ID_SIZE] = "";
	struct verdict_row page[PAGE];
	struct assess_input in;
	size_t n;
	int rc;

	for (;;) {
		rc = store_verdict_page(db, e->account, e->region, NULL, NULL, after, page, PAGE, &n);
		if (rc)
			return rc;
		for (size_t i = 0; i < n; i++) {
			struct verdict_row *grown = realloc(*rows, (*nrows + 1) * sizeof(**rows));
			if (!grown) {
				rc = IT_ENOMEM;
			} else {
				*rows = grown;
				assess_from_verdict(&in, &page[i], "schedule", e, received_ms);
				rc = assess(env, &in, 0, &(*rows)[*nrows]);
				assess_input_finish(&in);
				if (rc == IT_OK)
					(*nrows)++;
			}
			if (i + 1 == n)
				snprintf(after, sizeof(after), "%s", page[i].instance_id);
			verdict_row_finish(&page[i]);
			if (rc) {
				for (size_t k = i + 1; k < n; k++)
					verdict_row_finish(&page[k]);
				return rc;
			}
		}
		if (n < PAGE)
			return IT_OK;
	}
}

int judge_event(const struct assess_env *env, struct store *db, const struct event *e, int64_t received_ms,
		int allow_retry, struct verdict_row **ret_rows, size_t *ret_n)
{
	struct verdict_row *rows = NULL;
	struct assess_input *in;
	size_t n = 0;
	int rc = IT_OK;

	if (e->kind == EVENT_CONFIG_RULE_INVOCATION && e->rule && e->rule->scope == EVENT_SCOPE_SCHEDULED) {
		/* the launch template rule's invocation covers templates (judge_lt.h) */
		if (!event_lt_rule_covers_templates(e))
			rc = judge_scheduled(env, db, e, received_ms, &rows, &n);
		goto out;
	}
	rows = calloc(e->n_obs ? e->n_obs : 1, sizeof(*rows));
	in = malloc(sizeof(*in));
	for (size_t i = 0; rows && in && i < e->n_obs; i++) {
		const struct event_observation *o = &e->obs[i];
		struct verdict_row cur;
		int known = !o->image_id && store_verdict_get(db, o->account, o->region, o->instance_id, &cur) == IT_OK;

		assess_from_observation(in, e, o, received_ms, known ? cur.image_id : NULL);
		if (known)
			verdict_row_finish(&cur);   /* the builder copied the image id */
		rc = assess(env, in, allow_retry, &rows[n]);
		assess_input_finish(in);
		if (rc)
			break;
		n++;
	}
	if (!rows || !in)
		rc = IT_ENOMEM;
	free(in);
out:
	if (rc) {
		rows_free(rows, n);
		return rc;
	}
	*ret_rows = rows;
	*ret_n = n;
	return IT_OK;
}

/* The end of a run into out: on IT_OK *ret_n says how many; on failure none is left. */
static int settle(int rc, struct verdict_row *out, size_t nout, size_t *ret_n)
{
	if (rc) {
		for (size_t i = 0; i < nout; i++)
			verdict_row_finish(&out[i]);
		return rc;
	}
	*ret_n = nout;
	return IT_OK;
}

int judge_records(const struct assess_env *env, struct verdict_row *page, size_t n, const char *trigger,
		  struct verdict_row *out, size_t *ret_n)
{
	struct assess_input *in = malloc(sizeof(*in));
	size_t nout = 0;
	int rc = in ? IT_OK : IT_ENOMEM;

	for (size_t i = 0; rc == IT_OK && i < n; i++) {
		if (assess_record_final(&page[i])) {
			if (page[i].next_change_at) {
				/* Nothing to re-judge; clear the schedule so it is not picked again. */
				out[nout] = page[i];
				memset(&page[i], 0, sizeof(page[i]));   /* ownership moved */
				out[nout].next_change_at = 0;
				out[nout].evaluated_at = clock_now_ms(env->clock);
				snprintf(out[nout].trigger, sizeof(out[nout].trigger), "%s", trigger);
				nout++;
			}
			continue;
		}
		assess_from_verdict(in, &page[i], trigger, NULL, 0);
		rc = assess(env, in, 0, &out[nout]);
		assess_input_finish(in);
		if (rc == IT_OK)
			nout++;
	}
	free(in);
	return settle(rc, out, nout, ret_n);
}

int judge_listing(const struct assess_env *env, const struct assess_listing *listed, size_t n, const char *trigger,
		  struct verdict_row *out, size_t *ret_n)
{
	struct assess_input *in = malloc(sizeof(*in));
	size_t nout = 0;
	int rc = in ? IT_OK : IT_ENOMEM;

	for (size_t i = 0; rc == IT_OK && i < n; i++) {
		assess_from_listing(in, &listed[i], trigger);
		rc = assess(env, in, 0, &out[nout]);
		assess_input_finish(in);
		if (rc == IT_OK)
			nout++;
	}
	free(in);
	return settle(rc, out, nout, ret_n);
}
