/* verdict_write.c: the evaluator's writer jobs (see verdict_write.h). */
#include "verdict_write.h"

#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "clock.h"
#include "deliverer.h"
#include "ingest.h"
#include "outbox_apply.h"
#include "status.h"
#include "writer.h"

void prepared_finish(struct prepared *p)
{
	for (size_t i = 0; i < p->nrows; i++)
		verdict_row_finish(&p->rows[i]);
	free(p->rows);
	free(p->how);
	lt_work_free(p->lt);
	p->rows = NULL;
	p->how = NULL;
	p->lt = NULL;
	p->nrows = 0;
}

/* Before an event is read again after a retryable failure: one to two windows of
 * lib/backoff.h (250 ms doubling per attempt, at most 30 s), so 5 attempts span at least
 * ~8 s of AWS trouble before the verdict becomes INSUFFICIENT_DATA. */
static int64_t retry_in_ms(int attempts)
{
	return backoff_window_ms(attempts, 250, 30000) + backoff_ms(attempts, 250, 30000, backoff_random(NULL));
}

struct events_job {
	const struct outbox_settings *settings;
	struct prepared *ps;
	size_t n;
	int64_t now;
	size_t done;
};

static int write_events(struct store *db, void *ctx)
{
	struct events_job *j = ctx;
	struct outbox_applied counts;
	int rc = IT_OK;

	j->done = 0;
	for (size_t k = 0; rc == IT_OK && k < j->n; k++) {
		struct prepared *p = &j->ps[k];
		if (p->retry) {
			rc = store_inbox_retry(db, p->ir->seq, j->now + retry_in_ms(p->ir->attempts), status_str(p->rc));
			continue;
		}
		rc = outbox_apply_verdicts(db, p->rows, p->nrows, j->settings, j->now, p->how, &counts);
		if (rc == IT_OK && p->nrows == 1 && counts.stale == 1)
			p->outcome = "stale";
		if (rc == IT_OK && lt_work_size(p->lt))
			rc = lt_write(db, p->lt, j->settings, j->now, &p->lt_done);
		if (rc == IT_OK)
			rc = store_inbox_done(db, p->ir->seq, j->now, p->outcome);
		j->done++;
	}
	return rc;
}

int verdict_write_events(struct server *srv, const struct outbox_settings *settings, struct prepared *ps, size_t n)
{
	struct events_job j = {settings, ps, n, clock_now_ms(srv->clock), 0};
	int64_t now;
	int rc = writer_run(srv->writer, write_events, &j);

	if (rc) {
		/* Nothing was written; the events stay pending and are read again. */
		log_kv(&srv->log, LOG_ERROR, NULL, "Verdicts could not be written; their events are read again.",
		       "error.code", status_str(rc), "error.message", status_text(rc), NULL);
		return rc;
	}
	now = clock_now_ms(srv->clock);
	ingest_consumed(srv->ingest, (int64_t)j.done);
	deliverers_wake(srv->deliverers);   /* the new verdicts' deliveries are committed */
	for (size_t k = 0; k < n; k++) {
		if (ps[k].retry) {
			log_kv(&srv->log, LOG_WARN, NULL, "An evaluation will be retried.", "italic.event_id", ps[k].ir->event_id,
			       "error.code", status_str(ps[k].rc), "error.message", status_text(ps[k].rc), NULL);
			continue;
		}
		outbox_count_applied(srv->metrics, ps[k].rows, ps[k].how, ps[k].nrows);
		lt_count_written(srv->metrics, &ps[k].lt_done, lt_work_trigger(ps[k].lt));
		metrics_observe(srv->metrics, "italic_evaluation_latency_seconds", NULL,
				(double)(now - ps[k].ir->received_at) / 1000.0);
	}
	return IT_OK;
}

struct rows_job {
	const struct outbox_settings *settings;
	const struct verdict_row *rows;
	enum verdict_apply *how;
	size_t n;
	int64_t now;
	struct outbox_applied counts;
};

static int write_rows(struct store *db, void *ctx)
{
	struct rows_job *j = ctx;

	return outbox_apply_verdicts(db, j->rows, j->n, j->settings, j->now, j->how, &j->counts);
}

int verdict_write_rows(struct server *srv, const struct outbox_settings *settings, const struct verdict_row *rows,
		       size_t n, size_t *ret_applied)
{
	struct rows_job j = {settings, rows, calloc(n ? n : 1, sizeof(*j.how)), n, clock_now_ms(srv->clock), {0, 0, 0}};
	int rc = j.how ? IT_OK : IT_ENOMEM;

	if (rc == IT_OK && n > 0)
		rc = writer_run(srv->writer, write_rows, &j);
	if (rc == IT_OK) {
		outbox_count_applied(srv->metrics, rows, j.how, n);
		if (j.counts.applied + j.counts.unchanged)
			deliverers_wake(srv->deliverers);
		if (ret_applied)
			*ret_applied = j.counts.applied;
	}
	free(j.how);
	return rc;
}

struct templates_job {
	const struct outbox_settings *settings;
	const struct lt_work *w;
	int64_t now;
	struct lt_written done;
};

static int write_templates(struct store *db, void *ctx)
{
	struct templates_job *j = ctx;

	return lt_write(db, j->w, j->settings, j->now, &j->done);
}

int verdict_write_templates(struct server *srv, const struct outbox_settings *settings, const struct lt_work *w,
			    const char *trigger, struct lt_written *ret)
{
	struct templates_job j;
	int rc = IT_OK;

	memset(&j, 0, sizeof(j));
	j.settings = settings;
	j.w = w;
	j.now = clock_now_ms(srv->clock);
	if (lt_work_size(w))
		rc = writer_run(srv->writer, write_templates, &j);
	if (rc == IT_OK) {
		lt_count_written(srv->metrics, &j.done, trigger);
		if (j.done.settled)
			deliverers_wake(srv->deliverers);
		if (ret) {
			ret->settled += j.done.settled;
			ret->changed += j.done.changed;
		}
	}
	return rc;
}
