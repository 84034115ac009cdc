/*
 * evaluator.c: evaluation workers and the re-evaluation thread (see evaluator.h).
 *
 * Facts, in order (docs/verdicts.md): the instance's image and state from DescribeInstances when
 * AWS is available and ITALIC_VERIFY is on (or the event has no image); otherwise the
 * event; otherwise the stored verdict. Image attributes from the image cache, then AWS,
 * then registered images. facts_source names the source of the image attributes.
 *
 * Rules are read into a shared, reference-counted snapshot; the re-evaluation thread
 * swaps in a new one when a reeval_requests row appears and then re-judges every known
 * instance. Workers keep judging with whichever snapshot they hold, so a rule change
 * never blocks ingest or evaluation.
 */
#include "evaluator.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "event.h"
#include "ingest.h"
#include "outbox.h"
#include "policy.h"
#include "reconcile.h"
#include "status.h"
#include "writer.h"
#include "store_inbox.h"
#include "store_rule.h"
#include "store_sweep.h"
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
	pthread_cond_t wake;         /* re-evaluation thread sleeps here */
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
		rc = store_exemption_list(db, 0, clock_now_ms(NULL), &s->set);
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

/* ---- judging one instance ---- */

struct judge_in {
	const char *account, *region, *instance_id;
	const char *image_id;          /* from the event or stored verdict; may be NULL */
	const char *state;             /* may be NULL */
	const struct image_tag *tags;  /* instance tags */
	size_t n_tags;
	int tags_known;
	int deleted;
	int needs_lookup;
	int64_t observed_at;
	const char *trigger;
	const char *event_id;
	const char *result_token;
	int facts_fresh;               /* state/image/tags just read from AWS (sweep): no lookup */
	const char *gone_reason;       /* set: the instance is gone (NOT_APPLICABLE, this reason) */
	int left_scope;                /* deleted because a Config rule said it left its scope */
	const char *time_note;         /* set: a time of the event was clamped (reconcile.h) */
	int repair;                    /* sweep: replace a record pinned in the future */
};

static char *tags_json(const struct image_tag *tags, size_t n, int known)
{
	json_t *o;
	char *s;

	if (!known)
		return NULL;
	o = json_object();
	for (size_t i = 0; o && i < n; i++)
		json_object_set_new(o, tags[i].key, json_string(tags[i].value ? tags[i].value : ""));
	s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	return s;
}

static int fill_row(struct verdict_row *row, const struct judge_in *in, struct verdict *v,
		    const char *image_id, const char *state, const char *source, char *tags, int64_t now)
{
	json_t *j = NULL, *reasons;

	if (in->time_note)
		verdict_note(v, "%s", in->time_note);
	memset(row, 0, sizeof(*row));
	snprintf(row->account, sizeof(row->account), "%s", in->account);
	snprintf(row->region, sizeof(row->region), "%s", in->region);
	snprintf(row->instance_id, sizeof(row->instance_id), "%s", in->instance_id);
	snprintf(row->image_id, sizeof(row->image_id), "%s", image_id ? image_id : "");
	snprintf(row->state, sizeof(row->state), "%s", state ? state : "");
	snprintf(row->compliance, sizeof(row->compliance), "%s", compliance_names[v->compliance]);
	snprintf(row->matched_rule, sizeof(row->matched_rule), "%s", v->matched_rule);
	snprintf(row->exemption, sizeof(row->exemption), "%s", v->exemption);
	snprintf(row->facts_source, sizeof(row->facts_source), "%s", source ? source : "");
	snprintf(row->trigger, sizeof(row->trigger), "%s", in->trigger);
	snprintf(row->trigger_event_id, sizeof(row->trigger_event_id), "%s", in->event_id ? in->event_id : "");
	row->observed_at = in->observed_at;
	row->evaluated_at = now;
	row->repair_future = in->repair;
	row->next_change_at = v->next_change_at_ms == VERDICT_NEVER ? 0 : v->next_change_at_ms;
	row->tags_json = tags;
	if (verdict_to_json(v, &j) != IT_OK)
		return IT_ENOMEM;
	reasons = json_object_get(j, "reasons");
	row->reasons_json = json_dumps(reasons ? reasons : json_array(), JSON_COMPACT);
	json_decref(j);
	if (in->result_token) {
		row->result_token = strdup(in->result_token);
		if (!row->result_token)
			return IT_ENOMEM;
	}
	return row->reasons_json ? IT_OK : IT_ENOMEM;
}

/* NOT_APPLICABLE as the event (or the sweep's listing) says: the instance is gone. */
static int judge_gone(struct verdict_row *row, const struct judge_in *in, int64_t now)
{
	struct verdict v;

	verdict_init(&v, COMPLIANCE_NOT_APPLICABLE);
	verdict_add_reason(&v, "%s", in->gone_reason ? in->gone_reason
				: in->deleted ? "configuration item deleted or out of scope" : "instance terminated");
	return fill_row(row, in, &v, in->image_id, in->state ? in->state : "terminated",
			in->facts_fresh ? "describe-instances" : "event", tags_json(in->tags, in->n_tags, in->tags_known),
			now);
}

/*
 * Judges one instance into *row. Returns IT_OK, or a retryable status when AWS failed
 * in a way worth retrying (the caller decides between retry and INSUFFICIENT_DATA).
 */
static int judge(struct evaluator *ev, struct store *db, struct rules_snap *rs, const struct judge_in *in,
		 int allow_retry, struct verdict_row *row)
{
	const struct facts_provider *p = ev->provider;
	struct instance_facts inst;
	struct image_facts *img = NULL;
	struct policy_instance pi;
	struct verdict v;
	const char *image_id = in->image_id, *state = in->state, *source = NULL;
	const struct image_tag *tags = in->tags;
	size_t n_tags = in->n_tags;
	int tags_known = in->tags_known, rc, have_inst = 0, answered = 0;
	char lie[160] = "", contradicted[160] = "";
	int64_t now = clock_now_ms(NULL);
	/* An event that says the instance is gone is a claim like any other: with AWS in use
	 * and ITALIC_VERIFY on it is confirmed with DescribeInstances first (reconcile.h).
	 * Re-judging a stored record (schedule, timer, rule change) is not a new claim: a
	 * gone record was confirmed when its event was judged, and an unconfirmed one is
	 * stored without the claimed state (below), so it is asked about again. */
	int claims_gone = in->deleted || (state && strcmp(state, "terminated") == 0);
	enum reconcile_claim claim = in->gone_reason ? RECONCILE_GONE
				     : reconcile_gone_claim(claims_gone, in->left_scope,
							    p && !in->facts_fresh && ev->srv->cfg.verify &&
								    strcmp(in->trigger, "event") == 0);

	memset(&inst, 0, sizeof(inst));
	if (claim == RECONCILE_GONE)
		return judge_gone(row, in, now);

	if (p && !in->facts_fresh &&
	    (claim == RECONCILE_CONFIRM || ev->srv->cfg.verify || !image_id || in->needs_lookup)) {
		rc = p->instance(p->ctx, in->account, in->region, in->instance_id, &inst);
		if (rc == IT_EAUTH) {
			/* Credentials vanished since start-up: judge as without AWS. */
			p = NULL;
			if (claim == RECONCILE_CONFIRM)
				return judge_gone(row, in, now);
			goto no_aws;
		}
		if (rc == IT_ENOTFOUND) {
			verdict_init(&v, COMPLIANCE_NOT_APPLICABLE);
			verdict_add_reason(&v, "AWS reports no such instance");
			rc = fill_row(row, in, &v, image_id, "terminated", "describe-instances", NULL, now);
			row->aws_answered = 1;
			return rc;
		}
		if (rc && status_retryable(rc) && allow_retry)
			return rc;
		if (rc) {
			verdict_init(&v, COMPLIANCE_INSUFFICIENT_DATA);
			verdict_add_reason(&v, "DescribeInstances failed: %s", status_str(rc));
			if (claim == RECONCILE_CONFIRM) {
				/* the claimed state is not stored: the retry asks AWS again */
				verdict_note(&v, "the event says the instance is %s; not confirmed by AWS yet",
					     in->deleted ? "deleted" : "terminated");
				state = NULL;
			}
			v.next_change_at_ms = now + RETRY_LATER_MS;
			return fill_row(row, in, &v, image_id, state, "none", tags_json(tags, n_tags, tags_known), now);
		}
		have_inst = 1;
		answered = 1;
		if (image_id && strcmp(image_id, inst.image_id) != 0)
			snprintf(lie, sizeof(lie), "the event named %s but AWS says the instance runs %s", image_id,
				 inst.image_id);
		if (claim == RECONCILE_CONFIRM)
			snprintf(contradicted, sizeof(contradicted),
				 "the event said the instance was %s, but DescribeInstances lists it as %s",
				 in->deleted ? "deleted" : "terminated", inst.state);
		else if (in->state && strcmp(in->state, "shutting-down") == 0 && strcmp(in->trigger, "event") == 0 &&
			 !reconcile_aws_gone(inst.state))
			snprintf(contradicted, sizeof(contradicted),
				 "the event said the instance was shutting-down, but DescribeInstances lists it as %s",
				 inst.state);
		image_id = inst.image_id;
		state = inst.state[0] ? inst.state : state;
		tags = inst.tags;
		n_tags = inst.n_tags;
		tags_known = inst.tags_known;
		if ((state && strcmp(state, "terminated") == 0) ||
		    (claim == RECONCILE_CONFIRM && reconcile_aws_gone(inst.state))) {
			verdict_init(&v, COMPLIANCE_NOT_APPLICABLE);
			verdict_add_reason(&v, "instance %s (confirmed by DescribeInstances)", state ? state : "terminated");
			rc = fill_row(row, in, &v, image_id, state, "describe-instances", tags_json(tags, n_tags, tags_known), now);
			row->aws_answered = 1;
			instance_facts_finish(&inst);
			return rc;
		}
	}

no_aws:
	if (!image_id) {
		verdict_init(&v, COMPLIANCE_INSUFFICIENT_DATA);
		verdict_add_reason(&v, p ? "AWS did not name the instance's image"
					 : "the event names no image and AWS is not in use (ITALIC_AWS=off or no credentials)");
		if (contradicted[0])
			verdict_note(&v, "%s", contradicted);
		v.next_change_at_ms = p ? now + RETRY_LATER_MS : VERDICT_NEVER;
		rc = fill_row(row, in, &v, NULL, state, "none", tags_json(tags, n_tags, tags_known), now);
		goto out;
	}

	if (p) {
		rc = p->image(p->ctx, in->account, in->region, image_id, in->instance_id, &img);
		if (rc && status_retryable(rc) && allow_retry)
			goto out;
		if (rc)
			img = NULL;
	}
	if (!img || img->status == IMAGE_NOT_FOUND) {
		struct image_facts *reg = NULL;
		if (store_image_get(db, in->region, image_id, &reg, NULL) == IT_OK) {
			image_facts_free(img);
			img = reg;
		}
	}
	if (!img) {
		img = image_facts_new(image_id);
		if (!img) {
			rc = IT_ENOMEM;
			goto out;
		}
		img->status = IMAGE_UNKNOWN;
	}
	source = img->source ? img->source : (img->status == IMAGE_UNKNOWN ? "none" : "unknown");

	memset(&pi, 0, sizeof(pi));
	pi.account = in->account;
	pi.region = in->region;
	pi.instance_id = in->instance_id;
	pi.state = state;
	pi.tags = tags;
	pi.n_tags = n_tags;
	pi.tags_known = tags_known;
	policy_evaluate(&rs->set, &pi, img, now, &v);
	if (p && img->status == IMAGE_UNKNOWN && v.compliance == COMPLIANCE_INSUFFICIENT_DATA &&
	    (v.next_change_at_ms == VERDICT_NEVER || v.next_change_at_ms > now + RETRY_LATER_MS))
		v.next_change_at_ms = now + RETRY_LATER_MS; /* AWS failed: try the facts again later */
	if (contradicted[0])
		verdict_note(&v, "%s", contradicted);
	if (lie[0])
		verdict_note(&v, "%s", lie);
	rc = fill_row(row, in, &v, image_id, state, source, tags_json(tags, n_tags, tags_known), now);
out:
	image_facts_free(img);
	if (have_inst)
		instance_facts_finish(&inst);
	if (rc == IT_OK && answered)
		row->aws_answered = 1;
	return rc;
}

static void count_verdict(struct evaluator *ev, const struct verdict_row *row)
{
	char labels[96];
	snprintf(labels, sizeof(labels), "compliance=\"%s\",trigger=\"%s\"", row->compliance, row->trigger);
	metrics_add(ev->srv->metrics, "italic_evaluations_total", labels, 1);
}

/* ---- events ---- */

static const char *state_of(const struct event_observation *o)
{
	return event_state_str(o->state);
}

/* Tags of an observation as image_tag (same layout, separate type): a borrowed view. */
static struct image_tag *tag_view(const struct event_observation *o)
{
	struct image_tag *t;

	if (!o->n_tags)
		return NULL;
	t = calloc(o->n_tags, sizeof(*t));
	for (size_t i = 0; t && i < o->n_tags; i++) {
		t[i].key = o->tags[i].key;
		t[i].value = o->tags[i].value;
	}
	return t;
}

/* Re-judges every known instance of account/region (a ScheduledNotification). */
static int judge_scheduled(struct evaluator *ev, struct store *db, struct rules_snap *rs, const struct event *e,
			   const char *time_note, struct verdict_row **rows, size_t *nrows)
{
	char after[32] = "";
	struct verdict_row page[REEVAL_PAGE];
	size_t n;
	int rc;

	for (;;) {
		rc = store_verdict_page(db, e->account, e->region, NULL, NULL, after, page, REEVAL_PAGE, &n);
		if (rc)
			return rc;
		for (size_t i = 0; i < n; i++) {
			struct verdict_row *grown;
			struct judge_in in;
			memset(&in, 0, sizeof(in));
			in.account = page[i].account;
			in.region = page[i].region;
			in.instance_id = page[i].instance_id;
			in.image_id = page[i].image_id[0] ? page[i].image_id : NULL;
			in.state = page[i].state[0] ? page[i].state : NULL;
			in.observed_at = e->rule ? e->rule->ordering_ms : e->time_ms;
			if (in.observed_at < page[i].observed_at)
				in.observed_at = page[i].observed_at;
			in.trigger = "schedule";
			in.time_note = time_note;
			in.event_id = e->id;
			in.result_token = e->rule ? e->rule->result_token : NULL;
			grown = realloc(*rows, (*nrows + 1) * sizeof(**rows));
			if (!grown) {
				rc = IT_ENOMEM;
			} else {
				*rows = grown;
				rc = judge(ev, db, rs, &in, 0, &(*rows)[*nrows]);
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

static int64_t backoff_ms(int attempts)
{
	int64_t cap = 60000, base = 500LL << (attempts < 7 ? attempts : 7);
	if (base > cap)
		base = cap;
	return base / 2 + (int64_t)(random() % (base / 2 + 1));
}

/* One claimed event, judged but not yet written. */
struct prepared {
	struct inbox_row *ir;
	struct verdict_row *rows;
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
	p->rows = NULL;
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
	if (e->kind == EVENT_CONFIG_RULE_INVOCATION && e->rule && e->rule->scope == EVENT_SCOPE_SCHEDULED) {
		char note[IT_VERDICT_REASON_LEN];
		rc = judge_scheduled(ev, db, rs, e, event_time_reason(e, NULL, ir->received_at, note, sizeof(note)) ? note : NULL,
				     &rows, &nrows);
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
		struct image_tag *tv = tag_view(o);
		struct judge_in in;
		char note[IT_VERDICT_REASON_LEN];

		memset(&in, 0, sizeof(in));
		in.account = o->account;
		in.region = o->region;
		in.instance_id = o->instance_id;
		in.image_id = o->image_id;
		in.state = state_of(o);
		in.tags = tv;
		in.n_tags = o->n_tags;
		in.tags_known = o->tags_known && (tv || !o->n_tags);
		in.deleted = o->deleted;
		in.left_scope = o->deleted && e->rule && e->rule->left_scope;
		in.needs_lookup = o->needs_lookup;
		in.observed_at = o->observed_at_ms;
		in.time_note = event_time_reason(e, o, ir->received_at, note, sizeof(note)) ? note : NULL;
		in.trigger = "event";
		in.event_id = e->id;
		in.result_token = e->rule ? e->rule->result_token : NULL;
		if (!in.image_id) {
			/* A state change names no image: a known instance keeps its stored one. */
			struct verdict_row cur;
			if (store_verdict_get(db, o->account, o->region, o->instance_id, &cur) == IT_OK) {
				rc = IT_OK;
				if (cur.image_id[0]) {
					char *img = strdup(cur.image_id);
					verdict_row_finish(&cur);
					in.image_id = img;
					rc = judge(ev, db, rs, &in, ir->attempts < MAX_ATTEMPTS, &rows[nrows]);
					free(img);
				} else {
					verdict_row_finish(&cur);
					rc = judge(ev, db, rs, &in, ir->attempts < MAX_ATTEMPTS, &rows[nrows]);
				}
			} else {
				rc = judge(ev, db, rs, &in, ir->attempts < MAX_ATTEMPTS, &rows[nrows]);
			}
		} else {
			rc = judge(ev, db, rs, &in, ir->attempts < MAX_ATTEMPTS, &rows[nrows]);
		}
		free(tv);
		if (rc) {
			retry = 1;
			break;
		}
		nrows++;
	}

done:
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
	int64_t now = clock_now_ms(NULL);
	int rc = IT_OK;

	j->done = 0;
	for (size_t k = 0; rc == IT_OK && k < j->n; k++) {
		struct prepared *p = &j->ps[k];
		if (p->retry) {
			rc = store_inbox_retry(db, p->ir->seq, now + backoff_ms(p->ir->attempts), status_str(p->rc));
			continue;
		}
		for (size_t i = 0; rc == IT_OK && i < p->nrows; i++) {
			enum verdict_apply how;
			char prev[24] = "";
			/* AWS answered for this pair: a sweep that had given up on it resumes */
			if (p->rows[i].aws_answered && (i == 0 || !p->rows[i - 1].aws_answered))
				rc = store_sweep_resume(db, p->rows[i].account, p->rows[i].region, NULL);
			if (rc)
				break;
			rc = store_verdict_apply(db, &p->rows[i], &how, prev);
			if (rc == IT_OK)
				rc = outbox_enqueue_verdict(db, &ev->outbox, &p->rows[i], prev, how, now);
			if (rc == IT_OK && how == VERDICT_STALE && p->nrows == 1)
				p->outcome = "stale";
			/* Stale rows were not written: mark them so they are not counted. */
			p->rows[i].observed_at = how == VERDICT_STALE ? -1 : p->rows[i].observed_at;
		}
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
	now = clock_now_ms(NULL);
	ingest_consumed(srv->ingest, (int64_t)j.done);
	for (size_t k = 0; k < n; k++) {
		if (ps[k].retry) {
			log_kv(&srv->log, LOG_WARN, NULL, "An evaluation will be retried.", "italic.event_id", ps[k].ir->event_id,
			       "error.code", status_str(ps[k].rc), "error.message", status_text(ps[k].rc), NULL);
			continue;
		}
		for (size_t i = 0; i < ps[k].nrows; i++)
			if (ps[k].rows[i].observed_at != -1)
				count_verdict(ev, &ps[k].rows[i]);
		metrics_observe(srv->metrics, "italic_evaluation_latency_seconds", NULL,
				(double)(now - ps[k].ir->received_at) / 1000.0);
	}
	return IT_OK;
}

struct worker_arg {
	struct evaluator *ev;
	unsigned part;
};

/*
 * Each worker reads the pending inbox rows of its own partition (seq % workers), so no
 * row is judged by two workers and claiming needs no write. The cursor moves past what
 * was handed to the writer; every RESCAN_MS it restarts from the beginning to pick up
 * rows whose retry time has come.
 */
#define RESCAN_MS 1000

static void *worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct evaluator *ev = wa->ev;
	struct server *srv = ev->srv;
	struct store *db = NULL;
	struct inbox_row rows[CLAIM_BATCH];
	int64_t cursor = 0, last_rescan = clock_mono_ms();
	char err[256];

	if (store_open(srv->cfg.db, STORE_NO_CREATE, &db, err, sizeof(err))) {
		log_kv(&srv->log, LOG_ERROR, NULL, "An evaluator thread cannot open the database.", "error.message", err, NULL);
		return NULL;
	}
	while (!atomic_load(&ev->stop)) {
		uint64_t gen = ingest_generation(srv->ingest);
		size_t n = 0;
		int rc;

		if (clock_mono_ms() - last_rescan >= RESCAN_MS) {
			cursor = 0;
			last_rescan = clock_mono_ms();
		}
		rc = store_inbox_due(db, clock_now_ms(NULL), cursor, (unsigned)ev->nworkers_total, wa->part, rows,
				     CLAIM_BATCH, &n);
		if (rc) {
			log_kv(&srv->log, LOG_WARN, NULL, "Reading the inbox failed; it is read again shortly.", "error.code",
			       status_str(rc), "error.message", status_text(rc), NULL);
			ingest_wait_new(srv->ingest, gen, 200);
			continue;
		}
		if (n > 0 && !atomic_load(&ev->stop)) {
			struct prepared ps[CLAIM_BATCH];
			struct rules_snap *rs;
			int64_t max_id = 0, pending = 0;
			/* A rule change committed before this event was read must judge it: reload
			 * now rather than waiting for the re-evaluation thread. */
			if (store_reeval_pending(db, &max_id, &pending) == IT_OK && pending > 0) {
				int stale;
				pthread_mutex_lock(&ev->mu);
				stale = max_id != ev->snap_reeval_id;
				pthread_mutex_unlock(&ev->mu);
				if (stale && snap_load(ev, db, max_id) != IT_OK)
					log_msg(&srv->log, LOG_WARN, NULL, "The rules could not be reloaded; the previous set is used.");
			}
			rs = snap_get(ev);
			for (size_t i = 0; i < n; i++)
				prepare(ev, db, rs, &rows[i], &ps[i]);
			snap_put(ev, rs);
			if (commit_batch(ev, ps, n) == IT_OK)
				cursor = rows[n - 1].seq;
			for (size_t i = 0; i < n; i++)
				prepared_finish(&ps[i]);
		}
		for (size_t i = 0; i < n; i++)
			inbox_row_finish(&rows[i]);
		if (n == 0)
			ingest_wait_new(srv->ingest, gen, 250);
	}
	store_close(db);
	return NULL;
}

/* ---- re-evaluation ---- */

struct reeval_job {
	struct evaluator *ev;
	struct verdict_row *rows;
	size_t n;
};

static int write_reevaluated(struct store *db, void *ctx)
{
	struct reeval_job *j = ctx;
	int rc = IT_OK;

	for (size_t i = 0; rc == IT_OK && i < j->n; i++) {
		enum verdict_apply how;
		char prev[24] = "";
		rc = store_verdict_apply(db, &j->rows[i], &how, prev);
		if (rc == IT_OK)
			rc = outbox_enqueue_verdict(db, &j->ev->outbox, &j->rows[i], prev, how, j->rows[i].evaluated_at);
		if (rc == IT_OK && how == VERDICT_APPLIED)
			count_verdict(j->ev, &j->rows[i]);
	}
	return rc;
}

/* Re-judges stored verdicts (read-only), then writes the results through the writer. */
static void reevaluate_rows(struct evaluator *ev, struct store *db, struct rules_snap *rs, struct verdict_row *page,
			    size_t n, const char *trigger)
{
	struct verdict_row *out = calloc(n ? n : 1, sizeof(*out));
	struct reeval_job j = {ev, out, 0};
	int rc = out ? IT_OK : IT_ENOMEM;

	for (size_t i = 0; rc == IT_OK && i < n; i++) {
		struct judge_in in;
		if (strcmp(page[i].compliance, "NOT_APPLICABLE") == 0) {
			if (page[i].next_change_at) {
				/* Nothing to re-judge; clear the schedule so it is not picked again. */
				out[j.n] = page[i];
				memset(&page[i], 0, sizeof(page[i]));   /* ownership moved */
				out[j.n].next_change_at = 0;
				out[j.n].evaluated_at = clock_now_ms(NULL);
				snprintf(out[j.n].trigger, sizeof(out[j.n].trigger), "%s", trigger);
				j.n++;
			}
			continue;
		}
		memset(&in, 0, sizeof(in));
		in.account = page[i].account;
		in.region = page[i].region;
		in.instance_id = page[i].instance_id;
		in.image_id = page[i].image_id[0] ? page[i].image_id : NULL;
		in.state = page[i].state[0] ? page[i].state : NULL;
		in.observed_at = page[i].observed_at;
		in.trigger = trigger;
		in.event_id = page[i].trigger_event_id[0] ? page[i].trigger_event_id : NULL;
		in.result_token = page[i].result_token;
		{
			/* Stored instance tags back into a view for exemptions by tag. */
			json_t *tj = page[i].tags_json ? json_loads(page[i].tags_json, 0, NULL) : NULL;
			struct image_tag tv[IT_MAX_FACT_TAGS];
			size_t nt = 0;
			const char *k;
			json_t *val;
			if (tj) {
				json_object_foreach(tj, k, val) {
					if (nt >= IT_MAX_FACT_TAGS)
						break;
					tv[nt].key = (char *)k;
					tv[nt].value = (char *)json_string_value(val);
					nt++;
				}
			}
			in.tags = tv;
			in.n_tags = nt;
			in.tags_known = tj != NULL;
			rc = judge(ev, db, rs, &in, 0, &out[j.n]);
			json_decref(tj);
		}
		if (rc == IT_OK)
			j.n++;
	}
	if (rc == IT_OK && j.n > 0)
		rc = writer_run(ev->srv->writer, write_reevaluated, &j);
	if (rc)
		log_kv(&ev->srv->log, LOG_WARN, NULL, "A re-evaluation batch failed.", "error.code", status_str(rc),
		       "error.message", status_text(rc), NULL);
	for (size_t i = 0; i < j.n; i++)
		verdict_row_finish(&out[i]);
	free(out);
}

static int reevaluate_all(struct evaluator *ev, struct store *db)
{
	char after_a[13] = "", after_r[32] = "", after_i[32] = "";
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

static void *reeval_thread(void *arg)
{
	struct evaluator *ev = arg;
	struct server *srv = ev->srv;
	struct store *db = NULL;
	char err[256];

	if (store_open(srv->cfg.db, STORE_NO_CREATE, &db, err, sizeof(err))) {
		log_kv(&srv->log, LOG_ERROR, NULL, "The re-evaluation thread cannot open the database.", "error.message", err,
		       NULL);
		return NULL;
	}
	while (!atomic_load(&ev->stop)) {
		int64_t max_id = 0, pending = 0, next = 0, now;
		struct verdict_row due[REEVAL_PAGE];
		size_t n = 0;

		if (store_reeval_pending(db, &max_id, &pending) == IT_OK && pending > 0) {
			if (snap_load(ev, db, max_id) == IT_OK && reevaluate_all(ev, db) == IT_OK &&
			    store_reeval_ack(db, max_id) != IT_OK)
				log_msg(&srv->log, LOG_WARN, NULL, "Re-evaluation requests could not be acknowledged; they are handled again.");
			continue;
		}
		now = clock_now_ms(NULL);
		if (store_verdict_due(db, now, due, REEVAL_PAGE, &n) == IT_OK && n > 0) {
			/* Exemptions expire by time alone: reload so the snapshot holds the
			 * live set (expired ones would not apply anyway). */
			struct rules_snap *rs;
			if (snap_load(ev, db, ev->snap_reeval_id) != IT_OK)
				log_msg(&srv->log, LOG_WARN, NULL, "The rules could not be reloaded; the previous set is used.");
			rs = snap_get(ev);
			reevaluate_rows(ev, db, rs, due, n, "timer");
			snap_put(ev, rs);
			for (size_t i = 0; i < n; i++)
				verdict_row_finish(&due[i]);
			continue;
		}
		if (store_verdict_next_due(db, &next) != IT_OK)
			next = 0;
		{
			struct timespec ts;
			int64_t wait_ms = 1000;
			if (next > 0 && next - now < wait_ms)
				wait_ms = next - now < 1 ? 1 : next - now;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += wait_ms / 1000;
			ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_mutex_lock(&ev->mu);
			if (!atomic_load(&ev->stop))
				pthread_cond_timedwait(&ev->wake, &ev->mu, &ts);
			pthread_mutex_unlock(&ev->mu);
		}
	}
	store_close(db);
	return NULL;
}

/* ---- observations from outside the inbox (the sweep) ---- */

struct observe_job {
	struct evaluator *ev;
	struct verdict_row *rows;
	size_t n;
	size_t applied;
};

static int write_observed(struct store *db, void *ctx)
{
	struct observe_job *j = ctx;
	int rc = IT_OK;

	j->applied = 0;
	for (size_t i = 0; rc == IT_OK && i < j->n; i++) {
		enum verdict_apply how;
		char prev[24] = "";
		rc = store_verdict_apply(db, &j->rows[i], &how, prev);
		if (rc == IT_OK)
			rc = outbox_enqueue_verdict(db, &j->ev->outbox, &j->rows[i], prev, how, j->rows[i].evaluated_at);
		if (rc == IT_OK && how == VERDICT_APPLIED)
			j->applied++;
		if (rc == IT_OK && how != VERDICT_STALE)
			count_verdict(j->ev, &j->rows[i]);
	}
	return rc;
}

int evaluator_observe(struct evaluator *ev, struct store *db, const struct evaluator_obs *obs, size_t n,
		      const char *trigger, size_t *ret_applied)
{
	struct verdict_row *out = calloc(n ? n : 1, sizeof(*out));
	struct observe_job j = {ev, out, 0, 0};
	struct rules_snap *rs;
	int rc = out ? IT_OK : IT_ENOMEM;

	rs = snap_get(ev);
	for (size_t i = 0; rc == IT_OK && i < n; i++) {
		struct judge_in in;
		memset(&in, 0, sizeof(in));
		in.account = obs[i].account;
		in.region = obs[i].region;
		in.instance_id = obs[i].instance_id;
		in.image_id = obs[i].image_id;
		in.state = obs[i].state;
		in.tags = obs[i].tags;
		in.n_tags = obs[i].n_tags;
		in.tags_known = obs[i].tags_known;
		in.observed_at = obs[i].observed_at;
		in.trigger = trigger;
		in.facts_fresh = 1;
		in.gone_reason = obs[i].gone_reason;
		in.repair = obs[i].repair;
		rc = judge(ev, db, rs, &in, 0, &out[j.n]);
		if (rc == IT_OK)
			j.n++;
	}
	snap_put(ev, rs);
	if (rc == IT_OK && j.n > 0)
		rc = writer_run(ev->srv->writer, write_observed, &j);
	if (rc == IT_OK && ret_applied)
		*ret_applied = j.applied;
	for (size_t i = 0; i < j.n; i++)
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
	pthread_cond_init(&ev->wake, NULL);
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
	pthread_mutex_lock(&ev->mu);
	pthread_cond_broadcast(&ev->wake);
	pthread_mutex_unlock(&ev->mu);
	for (size_t i = 0; i < ev->nworkers; i++)
		pthread_join(ev->workers[i], NULL);
	if (ev->reeval_started)
		pthread_join(ev->reeval, NULL);
	free(ev->workers);
	free(ev->args);
	if (ev->snap)
		snap_put(ev, ev->snap);
	pthread_cond_destroy(&ev->wake);
	pthread_mutex_destroy(&ev->mu);
	free(ev);
}

void evaluator_poke(struct evaluator *ev)
{
	if (!ev)
		return;
	pthread_mutex_lock(&ev->mu);
	pthread_cond_broadcast(&ev->wake);
	pthread_mutex_unlock(&ev->mu);
}

void instance_facts_finish(struct instance_facts *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_tags; i++) {
		free(f->tags[i].key);
		free(f->tags[i].value);
	}
	free(f->tags);
	f->tags = NULL;
	f->n_tags = 0;
}
