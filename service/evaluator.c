/*
 * evaluator.c: evaluation workers and the re-evaluation thread (see evaluator.h).
 *
 * Judging itself is lib/assess.h (which facts win, retry or INSUFFICIENT_DATA); this file
 * builds its inputs (an event's observations, stored verdicts, the sweep's listing),
 * gives it the rules snapshot and the facts providers (AWS, and registered images over
 * the thread's own connection), and writes what it returns.
 *
 * Rules are read into a shared, reference-counted snapshot; the re-evaluation thread
 * swaps in a new one when a reeval_requests row appears and then re-judges every known
 * instance. Workers keep judging with whichever snapshot they hold, so a rule change
 * never blocks ingest or evaluation.
 */
#include "evaluator.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess.h"
#include "backoff.h"
#include "clock.h"
#include "deliverer.h"
#include "event.h"
#include "facts_registered.h"
#include "ingest.h"
#include "outbox_apply.h"
#include "status.h"
#include "waiter.h"
#include "writer.h"
#include "store_inbox.h"
#include "store_rule.h"
#include "store_verdict.h"

#define CLAIM_BATCH 16
#define MAX_ATTEMPTS 5             /* then INSUFFICIENT_DATA, retried by schedule */
#define RETRY_LATER_MS (10 * 60 * 1000)
#define REEVAL_PAGE 200

struct rules_snap {
	int refs;
	struct rule_set set;
};

struct evaluator {
	struct server *srv;
	const struct facts_provider *provider;
	pthread_t *workers;
	struct worker_arg *args;
	size_t nworkers;         /* started */
	size_t nworkers_total;   /* configured: the inbox partitions */
	pthread_t reeval;
	int reeval_started;
	_Atomic(int) stop;
	pthread_mutex_t mu;          /* guards snap */
	struct waiter *poked;        /* the re-evaluation thread naps here */
	struct rules_snap *snap;
	int64_t snap_reeval_id;      /* newest reeval_requests id the snapshot has seen */
	struct outbox_settings outbox;
};

/* ---- rule snapshots ---- */

static struct rules_snap *snap_get(struct evaluator *ev)
{
	struct rules_snap *s;

	pthread_mutex_lock(&ev->mu);
	s = ev->snap;
	s->refs++;
	pthread_mutex_unlock(&ev->mu);
	return s;
}

static void snap_put(struct evaluator *ev, struct rules_snap *s)
{
	int last;

	if (!s)
		return;
	pthread_mutex_lock(&ev->mu);
	last = --s->refs == 0;
	pthread_mutex_unlock(&ev->mu);
	if (last) {
		rule_set_finish(&s->set);
		free(s);
	}
}

static int snap_load(struct evaluator *ev, struct store *db, int64_t reeval_id)
{
	struct rules_snap *s = calloc(1, sizeof(*s)), *old;
	int rc;

	if (!s)
		return IT_ENOMEM;
	s->refs = 1;
	rule_set_init(&s->set);
	rc = store_rule_list(db, &s->set);
	if (rc == IT_OK)
		rc = store_exemption_list(db, 0, clock_now_ms(ev->srv->clock), &s->set);
	if (rc) {
		rule_set_finish(&s->set);
		free(s);
		return rc;
	}
	pthread_mutex_lock(&ev->mu);
	old = ev->snap;
	ev->snap = s;
	ev->snap_reeval_id = reeval_id;
	pthread_mutex_unlock(&ev->mu);
	snap_put(ev, old);
	return IT_OK;
}

/* ---- judging ---- */

/* What assess() reads besides the input, for a thread whose connection is db. */
static struct assess_env env_of(struct evaluator *ev, struct rules_snap *rs, struct facts_provider *reg,
				struct store *db)
{
	struct assess_env env = {&rs->set, ev->provider, reg, ev->srv->clock, ev->srv->cfg.verify};

	*reg = facts_registered(db);
	return env;
}

/* italic_evaluations_total: every row written (not stale), after its commit. */
static void count_written(struct evaluator *ev, const struct verdict_row *rows, const enum verdict_apply *how,
			  size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char labels[96];
		if (how[i] == VERDICT_STALE)
			continue;
		snprintf(labels, sizeof(labels), "compliance=\"%s\",trigger=\"%s\"", rows[i].compliance,
			 rows[i].trigger);
		metrics_add(ev->srv->metrics, "italic_evaluations_total", labels, 1);
	}
}

/* Rows judged outside the inbox (re-evaluation, timers, the sweep), in one writer job. */
struct write_job {
	struct evaluator *ev;
	const struct verdict_row *rows;
	enum verdict_apply *how;
	size_t n;
	struct outbox_applied counts;
};

static int write_rows(struct store *db, void *ctx)
{
	struct write_job *j = ctx;

	return outbox_apply_verdicts(db, j->rows, j->n, &j->ev->outbox, clock_now_ms(j->ev->srv->clock), j->how,
				     &j->counts);
}

/* Writes rows through the writer and counts them once committed. *ret_applied (may be
 * NULL) counts the rows that changed something. */
static int write_verdicts(struct evaluator *ev, const struct verdict_row *rows, size_t n, size_t *ret_applied)
{
	struct write_job j = {ev, rows, calloc(n ? n : 1, sizeof(*j.how)), n, {0, 0, 0}};
	int rc = j.how ? IT_OK : IT_ENOMEM;

	if (rc == IT_OK && n > 0)
		rc = writer_run(ev->srv->writer, write_rows, &j);
	if (rc == IT_OK) {
		count_written(ev, rows, j.how, n);
		if (j.counts.applied + j.counts.unchanged)
			deliverers_wake(ev->srv->deliverers);
		if (ret_applied)
			*ret_applied = j.counts.applied;
	}
	free(j.how);
	return rc;
}

/* ---- events ---- */

/* Re-judges every known instance of account/region (a ScheduledNotification). */
static int judge_scheduled(struct evaluator *ev, struct store *db, const struct assess_env *env,
			   const struct inbox_row *ir, const struct event *e, struct verdict_row **rows, size_t *nrows)
{
	char after[IT_INSTANCE_ID_SIZE] = "";
	struct verdict_row page[REEVAL_PAGE];
	struct assess_input in;
	size_t n;
	int rc;

	(void)ev;
	for (;;) {
		rc = store_verdict_page(db, e->account, e->region, NULL, NULL, after, page, REEVAL_PAGE, &n);
		if (rc)
			return rc;
		for (size_t i = 0; i < n; i++) {
			struct verdict_row *grown = realloc(*rows, (*nrows + 1) * sizeof(**rows));
			if (!grown) {
				rc = IT_ENOMEM;
			} else {
				*rows = grown;
				assess_from_verdict(&in, &page[i], "schedule", e, ir->received_at);
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
		if (n < REEVAL_PAGE)
			return IT_OK;
	}
}

/* Before an event is read again after a retryable failure: one to two windows of
 * lib/backoff.h (250 ms doubling per attempt, at most 30 s), so 5 attempts span at least
 * ~8 s of AWS trouble before the verdict becomes INSUFFICIENT_DATA. */
static int64_t retry_in_ms(int attempts)
{
	return backoff_window_ms(attempts, 250, 30000) + backoff_ms(attempts, 250, 30000, backoff_random(NULL));
}

/* One claimed event, judged but not yet written. */
struct prepared {
	struct inbox_row *ir;
	struct verdict_row *rows;
	enum verdict_apply *how;   /* what each row became (outbox_apply_verdicts) */
	size_t nrows;
	int retry;                 /* put back with backoff instead of writing */
	int rc;                    /* why, when retry */
	const char *outcome;
};

static void prepared_finish(struct prepared *p)
{
	for (size_t i = 0; i < p->nrows; i++)
		verdict_row_finish(&p->rows[i]);
	free(p->rows);
	free(p->how);
	p->rows = NULL;
	p->how = NULL;
	p->nrows = 0;
}

/* Judges every instance of one event (no writes). */
static void prepare(struct evaluator *ev, struct store *db, struct rules_snap *rs, struct inbox_row *ir,
		    struct prepared *out)
{
	struct server *srv = ev->srv;
	struct json_err err = {{0}, {0}};
	struct event *e = NULL;
	struct verdict_row *rows = NULL;
	struct facts_provider reg;
	struct assess_env env;
	struct assess_input in;
	size_t nrows = 0;
	int rc, retry = 0;

	memset(out, 0, sizeof(*out));
	out->ir = ir;
	out->outcome = "evaluated";
	e = srv->ingest ? ingest_take_parsed(srv->ingest, ir->seq, ir->event_id) : NULL;
	metrics_add(srv->metrics, "italic_event_handoff_total", e ? "result=\"parsed\"" : "result=\"reparsed\"", 1);
	rc = e ? IT_OK : event_parse(ir->body, ir->body_len, &e, &err);
	if (rc) {
		/* Accepted once, so this is a parser change between versions: keep the row's
		 * record and say so, rather than retrying forever. */
		log_kv(&srv->log, LOG_ERROR, NULL, "A stored event no longer parses; it is kept and not judged.",
		       "italic.event_id", ir->event_id, "italic.field", err.field, "error.message", err.message, NULL);
		out->outcome = "unparseable";
		return;
	}
	/* No time of the event may lie ahead of its receipt (beyond the clock skew): a
	 * future-dated event would otherwise become an observed_at no real event can beat. */
	if (event_bound_times(e, ir->received_at) > 0)
		log_kv(&srv->log, LOG_WARN, NULL, "An event time lay in the future and was clamped to the receipt time.",
		       "italic.event_id", ir->event_id, NULL);
	env = env_of(ev, rs, &reg, db);
	if (e->kind == EVENT_CONFIG_RULE_INVOCATION && e->rule && e->rule->scope == EVENT_SCOPE_SCHEDULED) {
		rc = judge_scheduled(ev, db, &env, ir, e, &rows, &nrows);
		if (rc)
			retry = 1;
		goto done;
	}
	rows = calloc(e->n_obs ? e->n_obs : 1, sizeof(*rows));
	if (!rows) {
		rc = IT_ENOMEM;
		retry = 1;
		goto done;
	}
	for (size_t i = 0; i < e->n_obs; i++) {
		const struct event_observation *o = &e->obs[i];
		struct verdict_row cur;
		int known = !o->image_id && store_verdict_get(db, o->account, o->region, o->instance_id, &cur) == IT_OK;

		assess_from_observation(&in, e, o, ir->received_at, known ? cur.image_id : NULL);
		if (known)
			verdict_row_finish(&cur);   /* the builder copied the image id */
		rc = assess(&env, &in, ir->attempts < MAX_ATTEMPTS, &rows[nrows]);
		assess_input_finish(&in);
		if (rc) {
			retry = 1;
			break;
		}
		nrows++;
	}

done:
	if (!retry && !(out->how = calloc(nrows ? nrows : 1, sizeof(*out->how)))) {
		rc = IT_ENOMEM;
		retry = 1;
	}
	out->rows = rows;
	out->nrows = nrows;
	out->retry = retry;
	out->rc = rc;
	if (retry)
		prepared_finish(out);
	event_free(e);
}

struct batch_job {
	struct evaluator *ev;
	struct prepared *ps;
	size_t n;
	size_t done;
};

/*
 * Writer job: a batch of judged events, their verdicts, deliveries and inbox
 * completions (or retries), all in the writer's transaction, so a crash leaves each
 * event either fully done or still pending.
 */
static int write_batch(struct store *db, void *ctx)
{
	struct batch_job *j = ctx;
	struct evaluator *ev = j->ev;
	struct outbox_applied counts;
	int64_t now = clock_now_ms(ev->srv->clock);
	int rc = IT_OK;

	j->done = 0;
	for (size_t k = 0; rc == IT_OK && k < j->n; k++) {
		struct prepared *p = &j->ps[k];
		if (p->retry) {
			rc = store_inbox_retry(db, p->ir->seq, now + retry_in_ms(p->ir->attempts), status_str(p->rc));
			continue;
		}
		rc = outbox_apply_verdicts(db, p->rows, p->nrows, &ev->outbox, now, p->how, &counts);
		if (rc == IT_OK && p->nrows == 1 && counts.stale == 1)
			p->outcome = "stale";
		if (rc == IT_OK)
			rc = store_inbox_done(db, p->ir->seq, now, p->outcome);
		j->done++;
	}
	return rc;
}

static int commit_batch(struct evaluator *ev, struct prepared *ps, size_t n)
{
	struct server *srv = ev->srv;
	struct batch_job j = {ev, ps, n, 0};
	int64_t now;
	int rc = writer_run(srv->writer, write_batch, &j);

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
		count_written(ev, ps[k].rows, ps[k].how, ps[k].nrows);
		metrics_observe(srv->metrics, "italic_evaluation_latency_seconds", NULL,
				(double)(now - ps[k].ir->received_at) / 1000.0);
	}
	return IT_OK;
}

struct worker_arg {
	struct evaluator *ev;
	unsigned part;
	struct store *db;          /* the thread's own connection */
	int64_t cursor, last_rescan;
};

/*
 * Each worker reads the pending inbox rows of its own partition (seq % workers), so no
 * row is judged by two workers and claiming needs no write. The cursor moves past what
 * was handed to the writer; every RESCAN_MS it restarts from the beginning to pick up
 * rows whose retry time has come. Between turns it naps on the ingest's arrivals.
 */
#define RESCAN_MS 1000

/* A rule change committed before these events were read must judge them: reload now
 * rather than waiting for the re-evaluation thread. */
static void snap_refresh(struct evaluator *ev, struct store *db)
{
	int64_t max_id = 0, pending = 0;
	int stale;

	if (store_reeval_pending(db, &max_id, &pending) != IT_OK || pending == 0)
		return;
	pthread_mutex_lock(&ev->mu);
	stale = max_id != ev->snap_reeval_id;
	pthread_mutex_unlock(&ev->mu);
	if (stale && snap_load(ev, db, max_id) != IT_OK)
		log_msg(&ev->srv->log, LOG_WARN, NULL, "The rules could not be reloaded; the previous set is used.");
}

static int64_t worker_turn(void *arg)
{
	struct worker_arg *wa = arg;
	struct evaluator *ev = wa->ev;
	struct inbox_row rows[CLAIM_BATCH];
	size_t n = 0;
	int rc;

	if (clock_mono_ms() - wa->last_rescan >= RESCAN_MS) {
		wa->cursor = 0;
		wa->last_rescan = clock_mono_ms();
	}
	rc = store_inbox_due(wa->db, clock_now_ms(ev->srv->clock), wa->cursor, (unsigned)ev->nworkers_total, wa->part,
			     rows, CLAIM_BATCH, &n);
	if (rc) {
		log_kv(&ev->srv->log, LOG_WARN, NULL, "Reading the inbox failed; it is read again shortly.", "error.code",
		       status_str(rc), "error.message", status_text(rc), NULL);
		return 200;
	}
	if (n > 0 && !atomic_load(&ev->stop)) {
		struct prepared ps[CLAIM_BATCH];
		struct rules_snap *rs;

		snap_refresh(ev, wa->db);
		rs = snap_get(ev);
		for (size_t i = 0; i < n; i++)
			prepare(ev, wa->db, rs, &rows[i], &ps[i]);
		snap_put(ev, rs);
		if (commit_batch(ev, ps, n) == IT_OK)
			wa->cursor = rows[n - 1].seq;
		for (size_t i = 0; i < n; i++)
			prepared_finish(&ps[i]);
	}
	for (size_t i = 0; i < n; i++)
		inbox_row_finish(&rows[i]);
	return n ? WAITER_AGAIN : 250;
}

static void *worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct server *srv = wa->ev->srv;
	char err[256];

	if (store_open(srv->cfg.db, STORE_NO_CREATE, &wa->db, err, sizeof(err))) {
		log_kv(&srv->log, LOG_ERROR, NULL, "An evaluator thread cannot open the database.", "error.message", err, NULL);
		return NULL;
	}
	wa->last_rescan = clock_mono_ms();
	waiter_loop(ingest_arrivals(srv->ingest), &wa->ev->stop, worker_turn, wa);
	store_close(wa->db);
	wa->db = NULL;
	return NULL;
}

/* ---- re-evaluation ---- */

/* Re-judges stored verdicts (read-only), then writes the results through the writer. */
static void reevaluate_rows(struct evaluator *ev, struct store *db, struct rules_snap *rs, struct verdict_row *page,
			    size_t n, const char *trigger)
{
	struct verdict_row *out = calloc(n ? n : 1, sizeof(*out));
	size_t nout = 0;
	struct facts_provider reg;
	struct assess_env env = env_of(ev, rs, &reg, db);
	struct assess_input in;
	int rc = out ? IT_OK : IT_ENOMEM;

	for (size_t i = 0; rc == IT_OK && i < n; i++) {
		if (assess_record_final(&page[i])) {
			if (page[i].next_change_at) {
				/* Nothing to re-judge; clear the schedule so it is not picked again. */
				out[nout] = page[i];
				memset(&page[i], 0, sizeof(page[i]));   /* ownership moved */
				out[nout].next_change_at = 0;
				out[nout].evaluated_at = clock_now_ms(ev->srv->clock);
				snprintf(out[nout].trigger, sizeof(out[nout].trigger), "%s", trigger);
				nout++;
			}
			continue;
		}
		assess_from_verdict(&in, &page[i], trigger, NULL, 0);
		rc = assess(&env, &in, 0, &out[nout]);
		assess_input_finish(&in);
		if (rc == IT_OK)
			nout++;
	}
	if (rc == IT_OK)
		rc = write_verdicts(ev, out, nout, NULL);
	if (rc)
		log_kv(&ev->srv->log, LOG_WARN, NULL, "A re-evaluation batch failed.", "error.code", status_str(rc),
		       "error.message", status_text(rc), NULL);
	for (size_t i = 0; i < nout; i++)
		verdict_row_finish(&out[i]);
	free(out);
}

static int reevaluate_all(struct evaluator *ev, struct store *db)
{
	char after_a[IT_ACCOUNT_ID_SIZE] = "", after_r[IT_REGION_SIZE] = "", after_i[IT_INSTANCE_ID_SIZE] = "";
	struct verdict_row page[REEVAL_PAGE];
	struct rules_snap *rs = snap_get(ev);
	size_t n, total = 0;
	int rc;

	do {
		rc = store_verdict_page(db, NULL, NULL, after_a, after_r, after_i, page, REEVAL_PAGE, &n);
		if (rc)
			break;
		if (n) {
			snprintf(after_a, sizeof(after_a), "%s", page[n - 1].account);
			snprintf(after_r, sizeof(after_r), "%s", page[n - 1].region);
			snprintf(after_i, sizeof(after_i), "%s", page[n - 1].instance_id);
		}
		reevaluate_rows(ev, db, rs, page, n, "reevaluate");
		for (size_t i = 0; i < n; i++)
			verdict_row_finish(&page[i]);
		total += n;
	} while (n == REEVAL_PAGE && !atomic_load(&ev->stop));
	snap_put(ev, rs);
	{
		log_f(&ev->srv->log, LOG_INFO, NULL, "Every known instance was re-evaluated.",
		      LOG_INT("italic.count", total));
	}
	return rc;
}

struct reeval_arg {
	struct evaluator *ev;
	struct store *db;
};

/* Requests first (every instance), then instances due, else a nap until the next is
 * due (at most a second: requests made by another process, `italic rules import`, are
 * seen within it). */
static int64_t reeval_turn(void *arg)
{
	struct reeval_arg *ra = arg;
	struct evaluator *ev = ra->ev;
	struct server *srv = ev->srv;
	int64_t max_id = 0, pending = 0, next = 0, now, wait = 1000;
	struct verdict_row due[REEVAL_PAGE];
	size_t n = 0;

	if (store_reeval_pending(ra->db, &max_id, &pending) == IT_OK && pending > 0) {
		if (snap_load(ev, ra->db, max_id) == IT_OK && reevaluate_all(ev, ra->db) == IT_OK &&
		    store_reeval_ack(ra->db, max_id) != IT_OK)
			log_msg(&srv->log, LOG_WARN, NULL, "Re-evaluation requests could not be acknowledged; they are handled again.");
		return WAITER_AGAIN;
	}
	now = clock_now_ms(srv->clock);
	if (store_verdict_due(ra->db, now, due, REEVAL_PAGE, &n) == IT_OK && n > 0) {
		/* Exemptions expire by time alone: reload so the snapshot holds the
		 * live set (expired ones would not apply anyway). */
		struct rules_snap *rs;
		if (snap_load(ev, ra->db, ev->snap_reeval_id) != IT_OK)
			log_msg(&srv->log, LOG_WARN, NULL, "The rules could not be reloaded; the previous set is used.");
		rs = snap_get(ev);
		reevaluate_rows(ev, ra->db, rs, due, n, "timer");
		snap_put(ev, rs);
		for (size_t i = 0; i < n; i++)
			verdict_row_finish(&due[i]);
		return WAITER_AGAIN;
	}
	if (store_verdict_next_due(ra->db, &next) == IT_OK && next > 0 && next - now < wait)
		wait = next - now < 1 ? 1 : next - now;
	return wait;
}

static void *reeval_thread(void *arg)
{
	struct evaluator *ev = arg;
	struct reeval_arg ra = {ev, NULL};
	char err[256];

	if (store_open(ev->srv->cfg.db, STORE_NO_CREATE, &ra.db, err, sizeof(err))) {
		log_kv(&ev->srv->log, LOG_ERROR, NULL, "The re-evaluation thread cannot open the database.", "error.message",
		       err, NULL);
		return NULL;
	}
	waiter_loop(ev->poked, &ev->stop, reeval_turn, &ra);
	store_close(ra.db);
	return NULL;
}

/* ---- observations from outside the inbox (the sweep) ---- */

int evaluator_observe(struct evaluator *ev, struct store *db, const struct evaluator_obs *obs, size_t n,
		      const char *trigger, size_t *ret_applied)
{
	struct verdict_row *out = calloc(n ? n : 1, sizeof(*out));
	struct rules_snap *rs = snap_get(ev);
	struct facts_provider reg;
	struct assess_env env = env_of(ev, rs, &reg, db);
	struct assess_input in;
	size_t nout = 0, applied = 0;
	int rc = out ? IT_OK : IT_ENOMEM;

	for (size_t i = 0; rc == IT_OK && i < n; i++) {
		assess_from_listing(&in, &obs[i], trigger);
		rc = assess(&env, &in, 0, &out[nout]);
		assess_input_finish(&in);
		if (rc == IT_OK)
			nout++;
	}
	snap_put(ev, rs);
	if (rc == IT_OK)
		rc = write_verdicts(ev, out, nout, &applied);
	if (rc == IT_OK && ret_applied)
		*ret_applied = applied;
	for (size_t i = 0; i < nout; i++)
		verdict_row_finish(&out[i]);
	free(out);
	return rc;
}

/* ---- lifecycle ---- */

int evaluator_start(struct server *srv, const struct facts_provider *provider, struct evaluator **ret)
{
	struct evaluator *ev = calloc(1, sizeof(*ev));
	struct store *db = NULL;
	char err[256];
	int rc;

	if (!ev)
		return IT_ENOMEM;
	ev->srv = srv;
	ev->provider = provider;
	outbox_settings_init(&ev->outbox, &srv->cfg);
	pthread_mutex_init(&ev->mu, NULL);
	rc = waiter_new(&ev->poked);
	if (rc == IT_OK)
		rc = store_open(srv->cfg.db, STORE_NO_CREATE, &db, err, sizeof(err));
	if (rc == IT_OK)
		rc = snap_load(ev, db, 0);
	store_close(db);
	if (rc)
		goto fail;
	ev->nworkers_total = srv->cfg.workers;
	ev->workers = calloc(srv->cfg.workers, sizeof(*ev->workers));
	ev->args = calloc(srv->cfg.workers, sizeof(*ev->args));
	if (!ev->workers || !ev->args) {
		rc = IT_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < srv->cfg.workers; i++) {
		ev->args[i].ev = ev;
		ev->args[i].part = (unsigned)i;
		if (pthread_create(&ev->workers[i], NULL, worker, &ev->args[i]) != 0) {
			rc = IT_ENOMEM;
			goto fail;
		}
		ev->nworkers++;
	}
	if (pthread_create(&ev->reeval, NULL, reeval_thread, ev) != 0) {
		rc = IT_ENOMEM;
		goto fail;
	}
	ev->reeval_started = 1;
	*ret = ev;
	return IT_OK;
fail:
	evaluator_stop(ev);
	return rc;
}

void evaluator_stop(struct evaluator *ev)
{
	if (!ev)
		return;
	atomic_store(&ev->stop, 1);
	waiter_wake(ev->poked);
	waiter_wake(ingest_arrivals(ev->srv->ingest));   /* the workers nap there */
	for (size_t i = 0; i < ev->nworkers; i++)
		pthread_join(ev->workers[i], NULL);
	if (ev->reeval_started)
		pthread_join(ev->reeval, NULL);
	free(ev->workers);
	free(ev->args);
	if (ev->snap)
		snap_put(ev, ev->snap);
	waiter_free(ev->poked);
	pthread_mutex_destroy(&ev->mu);
	free(ev);
}

void evaluator_poke(struct evaluator *ev)
{
	if (ev)
		waiter_wake(ev->poked);
}
