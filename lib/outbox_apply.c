/* outbox_apply.c: verdicts, history and deliveries in one job (see outbox_apply.h). */
#include "outbox_apply.h"

#include <stdio.h>
#include <string.h>

#include "status.h"
#include "store_sweep.h"

/* The first row of a run of rows AWS answered for, of one pair. */
static int resumes(const struct verdict_row *rows, size_t i)
{
	const struct verdict_row *r = &rows[i], *p = i ? &rows[i - 1] : NULL;

	return r->aws_answered &&
	       (!p || !p->aws_answered || strcmp(p->account, r->account) != 0 || strcmp(p->region, r->region) != 0);
}

int outbox_apply_verdicts(struct store *db, const struct verdict_row *rows, size_t n,
			  const struct outbox_settings *settings, int64_t now, enum verdict_apply *ret_how,
			  struct outbox_applied *ret_counts)
{
	struct outbox_applied c = {0, 0, 0};
	int rc = IT_OK;

	for (size_t i = 0; rc == IT_OK && i < n; i++) {
		enum verdict_apply how = VERDICT_STALE;
		char prev[IT_COMPLIANCE_SIZE] = "";

		if (resumes(rows, i))
			rc = store_sweep_resume(db, rows[i].account, rows[i].region, NULL);
		if (rc == IT_OK)
			rc = store_verdict_apply(db, &rows[i], &how, prev);
		if (rc == IT_OK)
			rc = outbox_enqueue_verdict(db, settings, &rows[i], prev, how, now);
		if (rc)
			break;
		if (ret_how)
			ret_how[i] = how;
		c.applied += how == VERDICT_APPLIED;
		c.unchanged += how == VERDICT_UNCHANGED;
		c.stale += how == VERDICT_STALE;
	}
	if (rc)
		return rc;
	if (ret_counts)
		*ret_counts = c;
	return IT_OK;
}

void outbox_count_applied(struct metrics *m, const struct verdict_row *rows, const enum verdict_apply *how, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char labels[96];
		if (how[i] == VERDICT_STALE)
			continue;
		snprintf(labels, sizeof(labels), "compliance=\"%s\",trigger=\"%s\"", rows[i].compliance, rows[i].trigger);
		metrics_add(m, "italic_evaluations_total", labels, 1);
	}
}
