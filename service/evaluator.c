/*
 * evaluator.c: evaluation workers and the re-evaluation thread (see evaluator.h).
 *
 * This file keeps the threads (a crew of workers over the inbox's partitions and the
 * re-evaluation thread, lib/waiter.h), the rules snapshot and their lifecycle. Judging
 * is lib/assess.h (which facts win, retry or INSUFFICIENT_DATA) over lib/judge.h (an
 * event's instances, stored verdicts, the sweep's listing, read from the store), given
 * the snapshot and the facts providers (AWS, and registered images over the thread's
 * own connection); what it returns is written by verdict_write.h.
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
#include "clock.h"
#include "event.h"
#include "facts_registered.h"
#include "judge.h"
#include "judge_lt.h"
#include "ingest.h"
#include "status.h"
#include "verdict_write.h"
#include "waiter.h"
#include "store_rule.h"
#include "store_verdict.h"

#define CLAIM_BATCH 16
#define MAX_ATTEMPTS 5             /* then INSUFFICIENT_DATA, retried by schedule */
#define REEVAL_PAGE 200

struct rules_snap {
	int refs;
	struct rule_set set;
};

struct evaluator {
	struct server *srv;
	const struct facts_provider *provider;
	const struct template_provider *templates;   /* NULL: AWS not in use */
	struct crew *workers;        /* the evaluation workers, napping on the ingest's arrivals */
	struct worker_arg *args;
	size_t nworkers;             /* configured: the inbox partitions */
	struct crew *reeval;         /* the re-evaluation thread */
	struct worker_arg *reeval_arg;   /* its thread's (part and cursor unused) */
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

/* ---- events ---- */

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
	size_t nrows = 0;
	int rc, retry;

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
	rc = judge_event(&env, db, e, ir->received_at, ir->attempts < MAX_ATTEMPTS, &rows, &nrows);
	if (rc == IT_OK) {
		/* what the event says of launch templates, and the instances' templates */
		struct lt_ctx ltc = {&env, ev->templates, db};
		rc = (out->lt = lt_work_new("event")) ? IT_OK : IT_ENOMEM;
		if (rc == IT_OK)
			rc = lt_prepare_links(&ltc, e, rows, nrows, out->lt);
		if (rc == IT_OK)
			rc = lt_prepare_event(&ltc, e, ir->received_at, ir->attempts < MAX_ATTEMPTS, out->lt);
	}
	retry = rc != IT_OK;
	if (!retry && !(out->how = calloc(nrows ? nrows : 1, sizeof(*out->how)))) {
		rc = IT_ENOMEM;
		retry = 1;
	}
	out->rows = rows;
	out->nrows = nrows;
	out->retry = retry;   /* on retry, prepared_finish drops the template work too */
	out->rc = rc;
	if (retry)
		prepared_finish(out);
	event_free(e);
}

struct worker_arg {
	struct evaluator *ev;
	struct store *db;          /* the thread's own connection */
	unsigned part;
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

	if (wa->last_rescan == 0 || clock_mono_ms() - wa->last_rescan >= RESCAN_MS) {
		wa->cursor = 0;
		wa->last_rescan = clock_mono_ms();
	}
	rc = store_inbox_due(wa->db, clock_now_ms(ev->srv->clock), wa->cursor, (unsigned)ev->nworkers, wa->part,
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
		if (verdict_write_events(ev->srv, &ev->outbox, ps, n) == IT_OK)
			wa->cursor = rows[n - 1].seq;
		for (size_t i = 0; i < n; i++)
			prepared_finish(&ps[i]);
	}
	for (size_t i = 0; i < n; i++)
		inbox_row_finish(&rows[i]);
	return n ? WAITER_AGAIN : 250;
}

/* A thread's own connection (crew enter and leave, for both kinds of thread). */
static int open_db(void *arg)
{
	struct worker_arg *wa = arg;
	char err[256];

	if (store_open(wa->ev->srv->cfg.db, STORE_NO_CREATE, &wa->db, err, sizeof(err)) == IT_OK)
		return 0;
	log_kv(&wa->ev->srv->log, LOG_ERROR, NULL, "An evaluator thread cannot open the database.", "error.message",
	       err, NULL);
	return -1;
}

static void close_db(void *arg)
{
	struct worker_arg *wa = arg;

	store_close(wa->db);
	wa->db = NULL;
}

/* ---- launch templates outside the inbox (judge_lt.h) ---- */

/* A pass over templates with one rules snapshot: re-evaluation, timers, the sweep. */
struct evaluator_lt_pass {
	struct evaluator *ev;
	struct rules_snap *rs;
	struct facts_provider reg;
	struct assess_env env;
	struct lt_ctx ctx;
	struct lt_work *w;
	const char *trigger;
	struct lt_written total;
	int rc;                  /* the first write that failed */
};

#define LT_PASS_CHUNK 100     /* templates per writer job */

int evaluator_lt_pass_begin(struct evaluator *ev, struct store *db, const char *trigger, struct evaluator_lt_pass **ret)
{
	struct evaluator_lt_pass *p = calloc(1, sizeof(*p));

	if (!p || !(p->w = lt_work_new(trigger))) {
		free(p);
		return IT_ENOMEM;
	}
	p->ev = ev;
	p->trigger = trigger;
	p->rs = snap_get(ev);
	p->env = env_of(ev, p->rs, &p->reg, db);
	p->ctx.env = &p->env;
	p->ctx.lt = ev->templates;
	p->ctx.db = db;
	*ret = p;
	return IT_OK;
}

/* Writes what the pass holds when it is big enough (force: whatever it holds). */
static int pass_flush(struct evaluator_lt_pass *p, int force)
{
	int rc;

	if (!force && lt_work_size(p->w) < LT_PASS_CHUNK)
		return IT_OK;
	rc = verdict_write_templates(p->ev->srv, &p->ev->outbox, p->w, p->trigger, &p->total);
	lt_work_free(p->w);
	p->w = lt_work_new(p->trigger);
	if (rc == IT_OK && !p->w)
		rc = IT_ENOMEM;
	if (rc && !p->rc)
		p->rc = rc;
	return rc;
}

int evaluator_lt_pass_listed(struct evaluator_lt_pass *p, const char *account, const char *region,
			     const struct lt_listed *t, int64_t observed_at)
{
	int rc = p->w ? lt_prepare_listed(&p->ctx, account, region, t, observed_at, p->w) : IT_ENOMEM;

	return rc ? rc : pass_flush(p, 0);
}

int evaluator_lt_pass_unlisted(struct evaluator_lt_pass *p, const char *account, const char *region,
			       const char *template_id, int64_t observed_at)
{
	int rc = p->w ? lt_prepare_unlisted(account, region, template_id, observed_at, p->w) : IT_ENOMEM;

	return rc ? rc : pass_flush(p, 0);
}

int evaluator_lt_pass_version(struct evaluator_lt_pass *p, const struct template_version_row *v)
{
	int rc = p->w ? lt_prepare_version(&p->ctx, v, p->w) : IT_ENOMEM;

	return rc ? rc : pass_flush(p, 0);
}

int evaluator_lt_pass_end(struct evaluator_lt_pass *p, size_t *ret_settled, size_t *ret_changed)
{
	int rc;

	if (!p)
		return IT_OK;
	if (p->w)
		(void)pass_flush(p, 1);
	rc = p->rc;
	if (ret_settled)
		*ret_settled = p->total.settled;
	if (ret_changed)
		*ret_changed = p->total.changed;
	snap_put(p->ev, p->rs);
	lt_work_free(p->w);
	free(p);
	return rc;
}

/* Every live version again (rules changed), or those due (timer). */
struct lt_walk {
	struct evaluator_lt_pass *p;
	struct template_version_key last;
	size_t n;
};

static int lt_walk_take(void *ctx, const struct template_version_row *v)
{
	struct lt_walk *k = ctx;

	snprintf(k->last.account, sizeof(k->last.account), "%s", v->account);
	snprintf(k->last.region, sizeof(k->last.region), "%s", v->region);
	snprintf(k->last.template_id, sizeof(k->last.template_id), "%s", v->template_id);
	k->last.version = v->version;
	k->n++;
	return evaluator_lt_pass_version(k->p, v);
}

static int reevaluate_templates(struct evaluator *ev, struct store *db)
{
	struct lt_walk k;
	size_t n, settled = 0;
	int rc, pages = 0;

	memset(&k, 0, sizeof(k));
	rc = evaluator_lt_pass_begin(ev, db, "reevaluate", &k.p);
	while (rc == IT_OK && !atomic_load(&ev->stop)) {
		n = 0;
		rc = store_template_version_page(db, NULL, NULL, pages++ ? &k.last : NULL, REEVAL_PAGE, lt_walk_take, &k,
						 &n);
		if (n < REEVAL_PAGE)
			break;
	}
	if (k.p) {
		int end = evaluator_lt_pass_end(k.p, &settled, NULL);
		if (rc == IT_OK)
			rc = end;
	}
	if (k.n)
		log_f(&ev->srv->log, LOG_INFO, NULL, "Every known launch template version was re-evaluated.",
		      LOG_INT("italic.count", k.n), LOG_INT("italic.launch_templates", settled));
	return rc;
}

/* Versions whose time came: how many were judged (0: none due). */
static size_t templates_due(struct evaluator *ev, struct store *db, int64_t now)
{
	struct lt_walk k;
	size_t n = 0;
	int rc, end;

	memset(&k, 0, sizeof(k));
	if (evaluator_lt_pass_begin(ev, db, "timer", &k.p) != IT_OK)
		return 0;
	rc = store_template_version_due(db, now, REEVAL_PAGE, lt_walk_take, &k, &n);
	end = evaluator_lt_pass_end(k.p, NULL, NULL);
	if (rc != IT_OK || end != IT_OK) {
		log_kv(&ev->srv->log, LOG_WARN, NULL, "Launch template versions due could not be judged again.", "error.code",
		       status_str(rc ? rc : end), NULL);
		return 0;
	}
	return k.n;
}

/* ---- re-evaluation ---- */

/* Re-judges stored verdicts (read-only), then writes the results through the writer. */
static void reevaluate_rows(struct evaluator *ev, struct store *db, struct rules_snap *rs, struct verdict_row *page,
			    size_t n, const char *trigger)
{
	struct verdict_row *out = calloc(n ? n : 1, sizeof(*out));
	struct facts_provider reg;
	struct assess_env env = env_of(ev, rs, &reg, db);
	size_t nout = 0;
	int rc = out ? judge_records(&env, page, n, trigger, out, &nout) : IT_ENOMEM;

	if (rc == IT_OK)
		rc = verdict_write_rows(ev->srv, &ev->outbox, out, nout, NULL);
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
	if (rc == IT_OK)
		rc = reevaluate_templates(ev, db);
	return rc;
}

/* Requests first (every instance), then instances due, else a nap until the next is
 * due (at most a second: requests made by another process, `italic rules import`, are
 * seen within it). */
static int64_t reeval_turn(void *arg)
{
	struct worker_arg *ra = arg;
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
	if (templates_due(ev, ra->db, now) > 0)
		return WAITER_AGAIN;
	if (store_verdict_next_due(ra->db, &next) == IT_OK && next > 0 && next - now < wait)
		wait = next - now < 1 ? 1 : next - now;
	if (store_template_next_due(ra->db, &next) == IT_OK && next > 0 && next - now < wait)
		wait = next - now < 1 ? 1 : next - now;
	return wait;
}

/* ---- observations from outside the inbox (the sweep) ---- */

int evaluator_observe(struct evaluator *ev, struct store *db, const struct evaluator_obs *obs, size_t n,
		      const char *trigger, size_t *ret_applied)
{
	struct verdict_row *out = calloc(n ? n : 1, sizeof(*out));
	struct rules_snap *rs = snap_get(ev);
	struct facts_provider reg;
	struct assess_env env = env_of(ev, rs, &reg, db);
	size_t nout = 0, applied = 0;
	int rc = out ? judge_listing(&env, obs, n, trigger, out, &nout) : IT_ENOMEM;
	struct lt_work *links = NULL;

	if (rc == IT_OK) {
		/* instances launched from a template say so (their aws:ec2launchtemplate:* tags) */
		struct lt_ctx ltc = {&env, ev->templates, db};
		rc = (links = lt_work_new(trigger)) ? lt_prepare_listing_links(&ltc, obs, n, out, nout, links) : IT_ENOMEM;
	}
	snap_put(ev, rs);
	if (rc == IT_OK)
		rc = verdict_write_rows(ev->srv, &ev->outbox, out, nout, &applied);
	if (rc == IT_OK)
		rc = verdict_write_templates(ev->srv, &ev->outbox, links, trigger, NULL);
	lt_work_free(links);
	if (rc == IT_OK && ret_applied)
		*ret_applied = applied;
	for (size_t i = 0; i < nout; i++)
		verdict_row_finish(&out[i]);
	free(out);
	return rc;
}

/* ---- lifecycle ---- */

int evaluator_start(struct server *srv, const struct facts_provider *provider,
		    const struct template_provider *templates, struct evaluator **ret)
{
	struct evaluator *ev = calloc(1, sizeof(*ev));
	struct store *db = NULL;
	char err[256];
	int rc;

	if (!ev)
		return IT_ENOMEM;
	ev->srv = srv;
	ev->provider = provider;
	ev->templates = templates;
	outbox_settings_init(&ev->outbox, &srv->cfg);
	pthread_mutex_init(&ev->mu, NULL);
	rc = waiter_new(&ev->poked);
	if (rc == IT_OK)
		rc = store_open(srv->cfg.db, STORE_NO_CREATE, &db, err, sizeof(err));
	if (rc == IT_OK)
		rc = snap_load(ev, db, 0);
	store_close(db);
	ev->nworkers = srv->cfg.workers;
	ev->args = calloc(ev->nworkers, sizeof(*ev->args));
	ev->reeval_arg = calloc(1, sizeof(*ev->reeval_arg));
	if (rc == IT_OK && (!ev->args || !ev->reeval_arg))
		rc = IT_ENOMEM;
	for (size_t i = 0; rc == IT_OK && i < ev->nworkers; i++) {
		ev->args[i].ev = ev;
		ev->args[i].part = (unsigned)i;
	}
	if (rc == IT_OK) {
		struct crew_spec workers = {ingest_arrivals(srv->ingest), &ev->stop, worker_turn, open_db, close_db};
		struct crew_spec reeval = {ev->poked, &ev->stop, reeval_turn, open_db, close_db};
		ev->reeval_arg->ev = ev;
		rc = crew_start(&workers, ev->args, sizeof(*ev->args), ev->nworkers, &ev->workers);
		if (rc == IT_OK)
			rc = crew_start(&reeval, ev->reeval_arg, 0, 1, &ev->reeval);
	}
	if (rc) {
		evaluator_stop(ev);
		return rc;
	}
	*ret = ev;
	return IT_OK;
}

void evaluator_stop(struct evaluator *ev)
{
	if (!ev)
		return;
	crew_stop(ev->workers);
	crew_stop(ev->reeval);
	free(ev->args);
	free(ev->reeval_arg);
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
