/* judge_lt.c: judging launch templates over the store, writing them (see judge_lt.h). */
#include "judge_lt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "event_lt.h"
#include "launch_template.h"
#include "limits.h"
#include "status.h"
#include "template_assess.h"

/* What is known of a template itself (store_template_put_meta). */
struct lt_meta_op {
	char account[IT_LT_ACCOUNT_BUF], region[IT_REGION_SIZE], template_id[IT_LT_ID_BUF];
	char *name;
	int64_t default_version, latest_version;
	int deleted;
	int64_t observed_at;
};

/* An instance launched from a template (store_template_link_put). */
struct lt_link_op {
	char account[IT_LT_ACCOUNT_BUF], region[IT_REGION_SIZE], instance_id[IT_INSTANCE_ID_SIZE];
	char template_id[IT_LT_ID_BUF];
	int64_t version;
	const char *alias;                  /* static */
	int override;
	int64_t observed_at;
};

/* A template to settle; live: something about it was written (not stale). */
struct lt_key {
	char account[IT_LT_ACCOUNT_BUF], region[IT_REGION_SIZE], template_id[IT_LT_ID_BUF];
	int live;
};

struct lt_work {
	const char *trigger;
	char *event_id, *result_token;      /* the event's; NULL for none */
	struct lt_meta_op *metas;
	size_t n_metas, cap_metas;
	struct template_judged *versions;
	size_t n_versions, cap_versions;
	struct lt_link_op *links;
	size_t n_links, cap_links;
};

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	void *q;
	size_t c;

	if (n < *cap)
		return IT_OK;
	c = *cap ? *cap * 2 : 8;
	q = realloc(*p, c * size);
	if (!q)
		return IT_ENOMEM;
	*p = q;
	*cap = c;
	return IT_OK;
}

struct lt_work *lt_work_new(const char *trigger)
{
	struct lt_work *w = calloc(1, sizeof(*w));

	if (w)
		w->trigger = trigger;
	return w;
}

void lt_work_free(struct lt_work *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n_metas; i++)
		free(w->metas[i].name);
	for (size_t i = 0; i < w->n_versions; i++)
		template_judged_finish(&w->versions[i]);
	free(w->metas);
	free(w->versions);
	free(w->links);
	free(w->event_id);
	free(w->result_token);
	free(w);
}

const char *lt_work_trigger(const struct lt_work *w)
{
	return w ? w->trigger : "event";
}

size_t lt_work_size(const struct lt_work *w)
{
	return w ? w->n_metas + w->n_versions + w->n_links : 0;
}

static int set_event(struct lt_work *w, const struct event *e)
{
	if (!w->event_id && e->id && !(w->event_id = strdup(e->id)))
		return IT_ENOMEM;
	if (!w->result_token && e->rule && e->rule->result_token &&
	    !(w->result_token = strdup(e->rule->result_token)))
		return IT_ENOMEM;
	return IT_OK;
}

/* m's name is ignored: name (NULL: keep the stored one) is copied instead */
static int add_meta(struct lt_work *w, const struct lt_meta_op *m, const char *name)
{
	struct lt_meta_op *d;

	if (grow((void **)&w->metas, &w->cap_metas, w->n_metas, sizeof(*w->metas)))
		return IT_ENOMEM;
	d = &w->metas[w->n_metas];
	*d = *m;
	d->name = NULL;
	if (name && !(d->name = strdup(name)))
		return IT_ENOMEM;
	w->n_metas++;
	return IT_OK;
}

static void meta_key(struct lt_meta_op *m, const char *account, const char *region, const char *template_id)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->account, sizeof(m->account), "%s", account);
	snprintf(m->region, sizeof(m->region), "%s", region);
	snprintf(m->template_id, sizeof(m->template_id), "%s", template_id);
}

/* Judges one version into w. A reference template_assess() refuses (it cannot come
 * from a parsed event or EC2's checked answer) is skipped. */
static int judge(const struct lt_ctx *c, struct lt_work *w, const struct template_version_in *in, int allow_retry)
{
	struct template_judged j;
	int rc;

	if (grow((void **)&w->versions, &w->cap_versions, w->n_versions, sizeof(*w->versions)))
		return IT_ENOMEM;
	rc = template_assess(c->env, c->lt, in, allow_retry, &j);
	if (rc == IT_EINVAL)
		return IT_OK;
	if (rc)
		return rc;
	w->versions[w->n_versions++] = j;
	return IT_OK;
}

static void version_in(struct template_version_in *in, const char *account, const char *region,
		       const char *template_id, int64_t version, const char *image, int64_t observed_at,
		       const struct lt_work *w)
{
	memset(in, 0, sizeof(*in));
	in->account = account;
	in->region = region;
	in->template_id = template_id;
	in->version = version;
	in->image_ref = image;
	in->observed_at = observed_at;
	in->trigger = w->trigger;
	in->event_id = w->event_id;
	in->result_token = w->result_token;
}

/* Drops the versions judged since mark (a retry throws the event's work away). */
static void drop_since(struct lt_work *w, size_t metas, size_t versions)
{
	while (w->n_versions > versions)
		template_judged_finish(&w->versions[--w->n_versions]);
	while (w->n_metas > metas)
		free(w->metas[--w->n_metas].name);
}

/* ---- events ---- */

/* A scheduled invocation of the launch template rule: every live version again. */
struct sched_walk {
	const struct lt_ctx *c;
	struct lt_work *w;
	int64_t observed_at;
	int allow_retry;
	struct template_version_key last;
	size_t n;
};

static int sched_take(void *ctx, const struct template_version_row *v)
{
	struct sched_walk *s = ctx;
	struct template_version_in in;

	snprintf(s->last.account, sizeof(s->last.account), "%s", v->account);
	snprintf(s->last.region, sizeof(s->last.region), "%s", v->region);
	snprintf(s->last.template_id, sizeof(s->last.template_id), "%s", v->template_id);
	s->last.version = v->version;
	s->n++;
	version_in(&in, v->account, v->region, v->template_id, v->version, v->image_ref,
		   s->observed_at > v->observed_at ? s->observed_at : v->observed_at, s->w);
	return judge(s->c, s->w, &in, s->allow_retry);
}

static int prepare_scheduled(const struct lt_ctx *c, const struct event *e, int allow_retry, struct lt_work *w)
{
	struct sched_walk s;
	size_t n, pages = 0;
	int rc;

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.w = w;
	s.observed_at = e->rule->ordering_ms ? e->rule->ordering_ms : e->time_ms;
	s.allow_retry = allow_retry;
	do {
		n = 0;
		rc = store_template_version_page(c->db, e->account, e->region, pages ? &s.last : NULL, 200, sched_take,
						 &s, &n);
		pages++;
	} while (rc == IT_OK && n == 200 && s.n < IT_LT_SCHEDULED_MAX);
	return rc;
}

/* Is number one of the versions rd answered? */
static int read_has(const struct lt_read *rd, int64_t number)
{
	for (size_t i = 0; i < rd->n; i++)
		if (rd->v[i].number == number)
			return 1;
	return 0;
}

int lt_prepare_event(const struct lt_ctx *c, const struct event *e, int64_t received_at, int allow_retry,
		     struct lt_work *w)
{
	const struct event_lt *lt = e->lt;
	struct lt_meta_op m;
	struct lt_read rd;
	struct template_version_in in;
	char note[IT_VERDICT_REASON_LEN], gone[96];
	size_t metas = w->n_metas, versions = w->n_versions;
	int rc, confirm, read = 0, believe_gone;

	if (e->kind == EVENT_CONFIG_RULE_INVOCATION && e->rule && e->rule->scope == EVENT_SCOPE_SCHEDULED &&
	    event_lt_rule_covers_templates(e)) {
		w->trigger = "schedule";   /* as an instance's scheduled verdict says */
		rc = set_event(w, e);
		if (rc == IT_OK)
			rc = prepare_scheduled(c, e, allow_retry, w);
		if (rc)
			drop_since(w, metas, versions);
		return rc;
	}
	if (!lt)
		return IT_OK;
	rc = set_event(w, e);
	if (rc)
		return rc;
	meta_key(&m, lt->account, lt->region, lt->template_id);
	m.default_version = lt->default_version;
	m.latest_version = lt->latest_version;
	m.deleted = lt->deleted;
	m.observed_at = lt->observed_at_ms;

	/* A rule invocation's eventLeftScope is believed whatever can be verified (the
	 * template left that rule's scope), as for instances. */
	believe_gone = e->rule && e->rule->left_scope;
	confirm = c->lt && lt->action != EVENT_LT_DELETE_VERSIONS && !believe_gone &&
		  (c->env->verify || lt->needs_lookup || lt->deleted);
	if (confirm) {
		memset(&rd, 0, sizeof(rd));
		rc = template_read(c->lt, lt->account, lt->region, lt->template_id, &rd);
		if (rc && status_retryable(rc) && allow_retry)
			return rc;
		read = rc == IT_OK;   /* else judged on the event's own word */
		if (read && !rd.exists) {
			m.deleted = 1;
		} else if (read) {
			m.deleted = 0;
			if (rd.default_version)
				m.default_version = rd.default_version;
			if (rd.latest_version)
				m.latest_version = rd.latest_version;
		}
	}
	rc = add_meta(w, &m, lt->name);
	if (rc)
		goto fail;
	if (m.deleted)
		return IT_OK;   /* settles NOT_APPLICABLE; its versions need no verdict */

	note[0] = '\0';
	event_lt_time_reason(e, received_at, note, sizeof(note));
	if (read) {
		for (size_t i = 0; i < rd.n; i++) {
			version_in(&in, lt->account, lt->region, lt->template_id, rd.v[i].number,
				   rd.v[i].has_image ? rd.v[i].image : NULL, lt->observed_at_ms, w);
			in.time_note = note[0] ? note : NULL;
			rc = judge(c, w, &in, allow_retry);
			if (rc)
				goto fail;
		}
	}
	/* the version the event carried, unless EC2's answer had it */
	if (lt->has_version) {
		int64_t number = lt->version.number;
		if (!number && lt->version.is_default)
			number = m.default_version;
		if (number > 0 && !(read && read_has(&rd, number))) {
			version_in(&in, lt->account, lt->region, lt->template_id, number, lt->version.image,
				   lt->observed_at_ms, w);
			in.time_note = note[0] ? note : NULL;
			rc = judge(c, w, &in, allow_retry);
			if (rc)
				goto fail;
		}
	}
	for (size_t i = 0; i < lt->n_gone; i++) {
		snprintf(gone, sizeof(gone), "version %lld of the launch template was deleted",
			 (long long)lt->gone[i]);
		version_in(&in, lt->account, lt->region, lt->template_id, lt->gone[i], NULL, lt->observed_at_ms, w);
		in.gone_reason = gone;
		rc = judge(c, w, &in, allow_retry);
		if (rc)
			goto fail;
	}
	return IT_OK;
fail:
	drop_since(w, metas, versions);
	return rc;
}

/* ---- instances launched from templates ---- */

struct version_seen {
	int found;
	char image_ref[IT_LT_MAX_IMAGE_REF + 1];
	char image_id[IT_LT_AMI_BUF];
	int64_t number;
};

static int version_take(void *ctx, const struct template_version_row *v)
{
	struct version_seen *s = ctx;

	s->found = 1;
	s->number = v->version;
	snprintf(s->image_ref, sizeof(s->image_ref), "%s", v->image_ref ? v->image_ref : "");
	snprintf(s->image_id, sizeof(s->image_id), "%s", v->image_id ? v->image_id : "");
	return IT_OK;
}

struct template_seen {
	int64_t default_version, latest_version;
};

static int template_take(void *ctx, const struct template_row *r)
{
	struct template_seen *t = ctx;

	t->default_version = r->default_version;
	t->latest_version = r->latest_version;
	return IT_OK;
}

/* One instance launched from template_id: the note on row, the link into w. number is
 * the version (0: the launch named alias, or nothing, which means $Default). */
struct link_in {
	const char *account, *region, *instance_id, *template_id;
	int64_t number;
	const char *alias;
	int override;
	int64_t observed_at;
};

static int link_one(const struct lt_ctx *c, const struct link_in *in, struct verdict_row *row, struct lt_work *w)
{
	char note[IT_VERDICT_REASON_LEN];
	struct version_seen vs;
	struct template_seen ts = {0, 0};
	struct lt_link_op *l;
	int64_t number = in->number;
	int rc;

	memset(&vs, 0, sizeof(vs));
	if (!number) {
		rc = store_template_get(c->db, in->account, in->region, in->template_id, template_take, &ts);
		if (rc && rc != IT_ENOTFOUND)
			return rc;
		number = in->alias && strcmp(in->alias, "$Latest") == 0 ? ts.latest_version : ts.default_version;
	}
	if (number) {
		rc = store_template_version_get(c->db, in->account, in->region, in->template_id, number, version_take, &vs);
		if (rc && rc != IT_ENOTFOUND)
			return rc;
	}
	if (template_instance_note(in->template_id, in->number, in->alias, vs.found && vs.image_ref[0] ? vs.image_ref : NULL,
				   vs.found && vs.image_id[0] ? vs.image_id : NULL, row->image_id, in->override, note,
				   sizeof(note)) &&
	    template_reason_add(row, note, 0) != IT_OK)
		return IT_ENOMEM;
	if (grow((void **)&w->links, &w->cap_links, w->n_links, sizeof(*w->links)))
		return IT_ENOMEM;
	l = &w->links[w->n_links++];
	memset(l, 0, sizeof(*l));
	snprintf(l->account, sizeof(l->account), "%s", in->account);
	snprintf(l->region, sizeof(l->region), "%s", in->region);
	snprintf(l->instance_id, sizeof(l->instance_id), "%s", in->instance_id);
	snprintf(l->template_id, sizeof(l->template_id), "%s", in->template_id);
	l->version = in->number;
	l->alias = in->number ? NULL : in->alias;
	l->override = in->override;
	l->observed_at = in->observed_at;
	return IT_OK;
}

int lt_prepare_links(const struct lt_ctx *c, const struct event *e, struct verdict_row *rows, size_t nrows,
		     struct lt_work *w)
{
	int rc;

	for (size_t i = 0; i < nrows && i < e->n_obs; i++) {
		const struct event_observation *o = &e->obs[i];
		struct link_in in = {o->account, o->region, o->instance_id, o->lt_id,
				     o->lt_version_kind == LT_VERSION_NUMBER ? o->lt_version : 0,
				     o->lt_version_kind == LT_VERSION_LATEST	? "$Latest"
				     : o->lt_version_kind == LT_VERSION_DEFAULT ? "$Default"
										: NULL,
				     o->lt_image_override, o->observed_at_ms};

		if (!o->lt_id || strcmp(rows[i].instance_id, o->instance_id) != 0)
			continue;
		rc = link_one(c, &in, &rows[i], w);
		if (rc)
			return rc;
	}
	return IT_OK;
}

int lt_prepare_listing_links(const struct lt_ctx *c, const struct assess_listing *listed, size_t n,
			     struct verdict_row *rows, size_t nrows, struct lt_work *w)
{
	int rc;

	for (size_t i = 0, k = 0; i < nrows; i++) {
		const struct assess_listing *o = NULL;
		struct lt_link link;

		/* rows follow the listing's order; a gone instance has no tags */
		for (; k < n && !o; k++)
			if (strcmp(listed[k].instance_id, rows[i].instance_id) == 0)
				o = &listed[k];
		if (!o || o->gone_reason)
			continue;
		memset(&link, 0, sizeof(link));
		for (size_t t = 0; t < o->n_tags; t++)
			(void)lt_link_tag(o->tags[t].key, o->tags[t].value, &link);
		if (!link.template_id[0])
			continue;
		{
			struct link_in in = {o->account, o->region, o->instance_id, link.template_id, link.version,
					     link.version ? NULL : "$Default", 0, o->observed_at};
			rc = link_one(c, &in, &rows[i], w);
		}
		if (rc)
			return rc;
	}
	return IT_OK;
}

/* ---- stored versions, the sweep ---- */

int lt_prepare_version(const struct lt_ctx *c, const struct template_version_row *v, struct lt_work *w)
{
	struct template_version_in in;
	struct lt_image_ref ref;

	version_in(&in, v->account, v->region, v->template_id, v->version, v->image_ref, v->observed_at, w);
	/* rules changed: an alias keeps what it meant when last resolved (the sweep and
	 * timers resolve it again) */
	if (strcmp(w->trigger, "reevaluate") == 0 && v->resolved_at && v->image_id &&
	    lt_image_ref_parse(v->image_ref, &ref) == IT_OK && ref.kind == LT_IMAGE_SSM) {
		in.resolved_image_id = v->image_id;
		in.resolved_at = v->resolved_at;
	}
	return judge(c, w, &in, 0);
}

int lt_prepare_listed(const struct lt_ctx *c, const char *account, const char *region, const struct lt_listed *t,
		      int64_t observed_at, struct lt_work *w)
{
	struct lt_meta_op m;
	struct template_version_in in;
	int rc;

	meta_key(&m, account, region, t->template_id);
	m.default_version = t->default_version;
	m.latest_version = t->latest_version;
	m.observed_at = observed_at;
	rc = add_meta(w, &m, t->name);
	for (size_t i = 0; rc == IT_OK && i < t->n; i++) {
		version_in(&in, account, region, t->template_id, t->v[i].number, t->v[i].image, observed_at, w);
		rc = judge(c, w, &in, 0);
	}
	return rc;
}

int lt_prepare_unlisted(const char *account, const char *region, const char *template_id, int64_t observed_at,
			struct lt_work *w)
{
	struct lt_meta_op m;

	meta_key(&m, account, region, template_id);
	m.deleted = 1;
	m.observed_at = observed_at;
	return add_meta(w, &m, NULL);
}

/* ---- writing ---- */

static int key_cmp(const void *a, const void *b)
{
	const struct lt_key *x = a, *y = b;
	int c = strcmp(x->account, y->account);

	if (!c)
		c = strcmp(x->region, y->region);
	return c ? c : strcmp(x->template_id, y->template_id);
}

/* The template row read back for its deliveries. */
struct settled {
	struct outbox_template t;
	const struct outbox_settings *settings;
	struct store *db;
	const char *prev;
	int64_t now;
};

static int deliver(void *ctx, const struct template_row *r)
{
	struct settled *s = ctx;

	s->t.account = r->account;
	s->t.region = r->region;
	s->t.template_id = r->template_id;
	s->t.name = r->name;
	s->t.default_version = r->default_version;
	s->t.latest_version = r->latest_version;
	s->t.image_ref = r->image_ref;
	s->t.image_id = r->image_id;
	s->t.compliance = r->compliance;
	s->t.reasons_json = r->reasons_json;
	s->t.matched_rule = r->matched_rule;
	s->t.exemption = r->exemption;
	s->t.facts_source = r->facts_source;
	s->t.observed_at = r->observed_at;
	s->t.evaluated_at = r->evaluated_at;
	if (!s->t.result_token)
		s->t.result_token = r->result_token;
	return outbox_enqueue_template(s->db, s->settings, &s->t, s->prev, s->now);
}

int lt_write(struct store *db, const struct lt_work *w, const struct outbox_settings *settings, int64_t now,
	     struct lt_written *ret)
{
	struct lt_written out;
	struct lt_key *keys = NULL;
	size_t nk = 0, total = w->n_metas + w->n_versions;
	int rc = IT_OK;

	memset(&out, 0, sizeof(out));
	if (total && !(keys = calloc(total, sizeof(*keys))))
		return IT_ENOMEM;
	for (size_t i = 0; rc == IT_OK && i < w->n_metas; i++) {
		const struct lt_meta_op *m = &w->metas[i];
		struct template_meta tm = {m->account, m->region, m->template_id, m->name, m->default_version,
					   m->latest_version, m->deleted, m->observed_at, w->event_id, w->result_token};
		enum template_apply how = TEMPLATE_STALE;

		rc = store_template_put_meta(db, &tm, now, &how);
		snprintf(keys[nk].account, sizeof(keys[nk].account), "%s", m->account);
		snprintf(keys[nk].region, sizeof(keys[nk].region), "%s", m->region);
		snprintf(keys[nk].template_id, sizeof(keys[nk].template_id), "%s", m->template_id);
		keys[nk++].live = how != TEMPLATE_STALE;
	}
	for (size_t i = 0; rc == IT_OK && i < w->n_versions; i++) {
		const struct template_judged *j = &w->versions[i];
		struct template_version_verdict v;
		enum template_apply how = TEMPLATE_STALE;

		memset(&v, 0, sizeof(v));
		v.account = j->row.account;
		v.region = j->row.region;
		v.template_id = j->template_id;
		v.version = j->version;
		v.image_ref = j->image_ref;
		v.image_id = j->row.image_id[0] ? j->row.image_id : NULL;
		v.resolved_at = j->resolved_at;
		v.compliance = j->row.compliance;
		v.reasons_json = j->row.reasons_json;
		v.matched_rule = j->row.matched_rule;
		v.exemption = j->row.exemption;
		v.facts_source = j->row.facts_source;
		v.observed_at = j->row.observed_at;
		v.evaluated_at = j->row.evaluated_at;
		v.next_change_at = j->row.next_change_at;
		v.deleted = j->deleted;
		v.trigger = j->row.trigger;
		v.event_id = j->row.trigger_event_id[0] ? j->row.trigger_event_id : NULL;
		rc = store_template_put_version(db, &v, &how);
		if (rc == IT_ENOTFOUND) {
			/* a version of a template Italic has never recorded (a re-judged row
			 * whose template went away): nothing to settle */
			rc = IT_OK;
			continue;
		}
		snprintf(keys[nk].account, sizeof(keys[nk].account), "%s", v.account);
		snprintf(keys[nk].region, sizeof(keys[nk].region), "%s", v.region);
		snprintf(keys[nk].template_id, sizeof(keys[nk].template_id), "%s", v.template_id);
		keys[nk++].live = how != TEMPLATE_STALE;
	}
	for (size_t i = 0; rc == IT_OK && i < w->n_links; i++) {
		const struct lt_link_op *l = &w->links[i];
		struct template_link tl = {l->account, l->region, l->instance_id, l->template_id, l->version,
					   l->alias, l->override, l->observed_at};
		rc = store_template_link_put(db, &tl);
	}
	/* settle each template once; deliver when something about it was written */
	if (rc == IT_OK && nk > 1)
		qsort(keys, nk, sizeof(*keys), key_cmp);
	for (size_t i = 0; rc == IT_OK && i < nk;) {
		struct template_change ch;
		struct settled s;
		size_t k = i;
		int any = 0;
		enum compliance cc;

		for (; k < nk && key_cmp(&keys[i], &keys[k]) == 0; k++)
			any |= keys[k].live;
		rc = store_template_settle(db, keys[i].account, keys[i].region, keys[i].template_id, now, w->trigger,
					   w->event_id, &ch);
		if (rc == IT_ENOTFOUND) {
			rc = IT_OK;
			i = k;
			continue;
		}
		if (rc == IT_OK && (any || ch.changed)) {
			memset(&s, 0, sizeof(s));
			s.t.trigger = w->trigger;
			s.t.trigger_event_id = w->event_id;
			s.t.result_token = w->result_token;
			s.settings = settings;
			s.db = db;
			s.prev = ch.previous;
			s.now = now;
			rc = store_template_get(db, keys[i].account, keys[i].region, keys[i].template_id, deliver, &s);
			if (rc == IT_OK) {
				out.settled++;
				out.changed += ch.changed != 0;
				if (compliance_from_name(ch.compliance, &cc) == IT_OK)
					out.by_compliance[cc]++;
			}
		}
		i = k;
	}
	free(keys);
	if (rc == IT_OK && ret)
		*ret = out;
	return rc;
}

void lt_count_written(struct metrics *metrics, const struct lt_written *w, const char *trigger)
{
	for (int c = 0; metrics && w && c < COMPLIANCE__MAX; c++) {
		char labels[96];
		if (!w->by_compliance[c])
			continue;
		snprintf(labels, sizeof(labels), "compliance=\"%s\",trigger=\"%s\"", compliance_names[c], trigger);
		metrics_add(metrics, "italic_launch_template_evaluations_total", labels, (uint64_t)w->by_compliance[c]);
	}
}
