/* assess.c: which facts win, and the verdict row (see assess.h). */
#include "assess.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "policy.h"
#include "reconcile.h"
#include "status.h"

/* ---- builders ---- */

static void input_init(struct assess_input *in, const char *trigger)
{
	/* Not the tag store (4 KiB): it is written only as far as n_tags. */
	memset(&in->subject, 0, sizeof(in->subject));
	in->origin = ASSESS_RECORD;
	in->state = NULL;
	in->tags = NULL;
	in->n_tags = 0;
	in->tags_known = 0;
	in->observed_at = 0;
	in->deleted = in->left_scope = in->needs_lookup = in->repair = 0;
	in->gone_reason = NULL;
	in->trigger = trigger;
	in->event_id = NULL;
	in->result_token = NULL;
	in->time_note = NULL;
	in->image_store[0] = '\0';
	in->note_store[0] = '\0';
	in->tags_doc = NULL;
}

void assess_from_observation(struct assess_input *in, const struct event *e, const struct event_observation *o,
			     int64_t received_ms, const char *known_image_id)
{
	size_t n = o->n_tags < ASSESS_MAX_TAGS ? o->n_tags : ASSESS_MAX_TAGS;

	input_init(in, "event");
	in->origin = ASSESS_EVENT;
	in->subject.account = o->account;
	in->subject.region = o->region;
	in->subject.id = o->instance_id;
	in->subject.image_id = o->image_id;
	if (!o->image_id && known_image_id && known_image_id[0]) {
		/* A state change names no image: a known instance keeps its stored one. */
		snprintf(in->image_store, sizeof(in->image_store), "%s", known_image_id);
		in->subject.image_id = in->image_store;
	}
	in->state = event_state_str(o->state);
	/* event_tag and image_tag have the same members but are separate types */
	for (size_t i = 0; i < n; i++) {
		in->tag_store[i].key = o->tags[i].key;
		in->tag_store[i].value = o->tags[i].value;
	}
	in->tags = n ? in->tag_store : NULL;
	in->n_tags = n;
	in->tags_known = o->tags_known && n == o->n_tags;
	in->deleted = o->deleted;
	in->left_scope = o->deleted && e->rule && e->rule->left_scope;
	in->needs_lookup = o->needs_lookup;
	in->observed_at = o->observed_at_ms;
	if (event_time_reason(e, o, received_ms, in->note_store, sizeof(in->note_store)))
		in->time_note = in->note_store;
	in->event_id = e->id;
	in->result_token = e->rule ? e->rule->result_token : NULL;
}

/* Stored instance tags (a JSON object of strings) back into a view for exemptions by
 * tag; at most IT_MAX_FACT_TAGS of them, as many as facts carry. */
static void stored_tags(struct assess_input *in, const char *tags_json)
{
	const char *k;
	json_t *val;
	size_t n = 0;

	in->tags_doc = tags_json ? json_loads(tags_json, 0, NULL) : NULL;
	if (!in->tags_doc)
		return;
	json_object_foreach(in->tags_doc, k, val) {
		if (n >= IT_MAX_FACT_TAGS)
			break;
		in->tag_store[n].key = (char *)k;
		in->tag_store[n].value = (char *)json_string_value(val);
		n++;
	}
	in->tags = in->tag_store;
	in->n_tags = n;
	in->tags_known = 1;
}

void assess_from_verdict(struct assess_input *in, const struct verdict_row *row, const char *trigger,
			 const struct event *invocation, int64_t received_ms)
{
	input_init(in, trigger);
	in->origin = ASSESS_RECORD;
	in->subject.account = row->account;
	in->subject.region = row->region;
	in->subject.id = row->instance_id;
	in->subject.image_id = row->image_id[0] ? row->image_id : NULL;
	in->state = row->state[0] ? row->state : NULL;
	if (!invocation) {
		in->observed_at = row->observed_at;
		in->event_id = row->trigger_event_id[0] ? row->trigger_event_id : NULL;
		in->result_token = row->result_token;
		stored_tags(in, row->tags_json);
		return;
	}
	in->observed_at = invocation->rule ? invocation->rule->ordering_ms : invocation->time_ms;
	if (in->observed_at < row->observed_at)
		in->observed_at = row->observed_at;
	in->event_id = invocation->id;
	in->result_token = invocation->rule ? invocation->rule->result_token : NULL;
	if (event_time_reason(invocation, NULL, received_ms, in->note_store, sizeof(in->note_store)))
		in->time_note = in->note_store;
}

void assess_from_listing(struct assess_input *in, const struct assess_listing *l, const char *trigger)
{
	input_init(in, trigger);
	in->origin = ASSESS_LISTING;
	in->subject.account = l->account;
	in->subject.region = l->region;
	in->subject.id = l->instance_id;
	in->subject.image_id = l->image_id;
	in->state = l->state;
	in->tags = l->tags;
	in->n_tags = l->n_tags;
	in->tags_known = l->tags_known;
	in->observed_at = l->observed_at;
	in->gone_reason = l->gone_reason;
	in->repair = l->repair;
}

void assess_input_finish(struct assess_input *in)
{
	if (!in)
		return;
	json_decref(in->tags_doc);
	in->tags_doc = NULL;
	in->tags = NULL;
	in->n_tags = 0;
}

int assess_record_final(const struct verdict_row *row)
{
	return strcmp(row->compliance, compliance_names[COMPLIANCE_NOT_APPLICABLE]) == 0;
}

/* ---- the row ---- */

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

/* The facts a verdict rests on, as they stand when it is made. */
struct facts_seen {
	const char *image_id;
	const char *state;
	const struct image_tag *tags;
	size_t n_tags;
	int tags_known;
	int aws_answered;              /* DescribeInstances answered */
};

/* Fills *ret from in, v and the facts; takes nothing, so on failure nothing leaks. */
static int make_row(const struct assess_input *in, struct verdict *v, const struct facts_seen *f,
		    const char *source, int with_tags, int64_t now, struct verdict_row *ret)
{
	struct verdict_row row;
	json_t *j = NULL, *reasons;

	if (in->time_note)
		verdict_note(v, "%s", in->time_note);
	memset(&row, 0, sizeof(row));
	snprintf(row.account, sizeof(row.account), "%s", in->subject.account);
	snprintf(row.region, sizeof(row.region), "%s", in->subject.region);
	snprintf(row.instance_id, sizeof(row.instance_id), "%s", in->subject.id);
	snprintf(row.image_id, sizeof(row.image_id), "%s", f->image_id ? f->image_id : "");
	snprintf(row.state, sizeof(row.state), "%s", f->state ? f->state : "");
	snprintf(row.compliance, sizeof(row.compliance), "%s", compliance_names[v->compliance]);
	snprintf(row.matched_rule, sizeof(row.matched_rule), "%s", v->matched_rule);
	snprintf(row.exemption, sizeof(row.exemption), "%s", v->exemption);
	snprintf(row.facts_source, sizeof(row.facts_source), "%s", source ? source : "");
	snprintf(row.trigger, sizeof(row.trigger), "%s", in->trigger);
	snprintf(row.trigger_event_id, sizeof(row.trigger_event_id), "%s", in->event_id ? in->event_id : "");
	row.observed_at = in->observed_at;
	row.evaluated_at = now;
	row.repair_future = in->repair;
	row.aws_answered = f->aws_answered;
	row.next_change_at = v->next_change_at_ms == VERDICT_NEVER ? 0 : v->next_change_at_ms;
	if (verdict_to_json(v, &j) != IT_OK)
		return IT_ENOMEM;
	reasons = json_object_get(j, "reasons");
	row.reasons_json = json_dumps(reasons ? reasons : json_array(), JSON_COMPACT);
	json_decref(j);
	row.tags_json = with_tags ? tags_json(f->tags, f->n_tags, f->tags_known) : NULL;
	row.result_token = in->result_token ? strdup(in->result_token) : NULL;
	if (!row.reasons_json || (with_tags && f->tags_known && !row.tags_json) ||
	    (in->result_token && !row.result_token)) {
		verdict_row_finish(&row);
		return IT_ENOMEM;
	}
	*ret = row;
	return IT_OK;
}

static const char *claimed_gone(const struct assess_input *in)
{
	return in->deleted ? "deleted" : "terminated";
}

/* NOT_APPLICABLE as the input says: the instance is gone. */
static int judge_gone(const struct assess_input *in, int64_t now, struct verdict_row *ret)
{
	struct facts_seen f = {in->subject.image_id, in->state ? in->state : "terminated", in->tags, in->n_tags,
			       in->tags_known, 0};
	struct verdict v;

	verdict_init(&v, COMPLIANCE_NOT_APPLICABLE);
	verdict_add_reason(&v, "%s", in->gone_reason ? in->gone_reason
				: in->deleted ? "configuration item deleted or out of scope" : "instance terminated");
	return make_row(in, &v, &f, in->origin == ASSESS_LISTING ? "describe-instances" : "event", 1, now, ret);
}

/* The image facts: AWS, then registered images, else UNKNOWN. *ret is never NULL on
 * IT_OK. A retryable AWS failure is returned only with allow_retry. */
static int image_facts(const struct assess_env *env, const struct facts_provider *aws, const struct assess_input *in,
		       const char *image_id, int allow_retry, struct image_facts **ret)
{
	struct image_facts *img = NULL;
	int rc;

	if (aws) {
		rc = aws->image(aws->ctx, in->subject.account, in->subject.region, image_id, in->subject.id, &img);
		if (rc && status_retryable(rc) && allow_retry)
			return rc;
		if (rc)
			img = NULL;
	}
	if ((!img || img->status == IMAGE_NOT_FOUND) && env->registered) {
		struct image_facts *reg = NULL;
		if (env->registered->image(env->registered->ctx, in->subject.account, in->subject.region, image_id,
					   in->subject.id, &reg) == IT_OK) {
			image_facts_free(img);
			img = reg;
		}
	}
	if (!img) {
		img = image_facts_new(image_id);
		if (!img)
			return IT_ENOMEM;
		img->status = IMAGE_UNKNOWN;
	}
	*ret = img;
	return IT_OK;
}

int assess(const struct assess_env *env, const struct assess_input *in, int allow_retry, struct verdict_row *ret)
{
	const struct facts_provider *p = env->aws && env->aws->instance ? env->aws : NULL;
	const struct facts_provider *images = env->aws;
	struct instance_facts inst;
	struct image_facts *img = NULL;
	struct policy_instance pi;
	struct verdict v;
	struct facts_seen f = {in->subject.image_id, in->state, in->tags, in->n_tags, in->tags_known, 0};
	const char *source;
	int rc, have_inst = 0;
	char lie[160] = "", contradicted[160] = "";
	int64_t now = clock_now_ms(env->clock);
	/* A claim that the instance is gone is checked like any other (reconcile.h). A
	 * stored record is not a new claim: a gone record was confirmed when its event was
	 * judged, and an unconfirmed one was stored without the claimed state. */
	int claims_gone = in->deleted || (in->state && strcmp(in->state, "terminated") == 0);
	enum reconcile_claim claim = in->gone_reason ? RECONCILE_GONE
				     : reconcile_gone_claim(claims_gone, in->left_scope,
							    p && env->verify && in->origin == ASSESS_EVENT);

	memset(&inst, 0, sizeof(inst));
	if (claim == RECONCILE_GONE)
		return judge_gone(in, now, ret);

	if (p && in->origin != ASSESS_LISTING &&
	    (claim == RECONCILE_CONFIRM || env->verify || !f.image_id || in->needs_lookup)) {
		rc = p->instance(p->ctx, in->subject.account, in->subject.region, in->subject.id, &inst);
		if (rc == IT_EAUTH) {
			/* Credentials vanished since start-up: judge as without AWS. */
			p = images = NULL;
			if (claim == RECONCILE_CONFIRM)
				return judge_gone(in, now, ret);
			goto no_aws;
		}
		if (rc == IT_ENOTFOUND) {
			struct facts_seen gone = {f.image_id, "terminated", NULL, 0, 0, 1};
			verdict_init(&v, COMPLIANCE_NOT_APPLICABLE);
			verdict_add_reason(&v, "AWS reports no such instance");
			return make_row(in, &v, &gone, "describe-instances", 0, now, ret);
		}
		if (rc && status_retryable(rc) && allow_retry)
			return rc;
		if (rc) {
			verdict_init(&v, COMPLIANCE_INSUFFICIENT_DATA);
			verdict_add_reason(&v, "DescribeInstances failed: %s", status_str(rc));
			if (claim == RECONCILE_CONFIRM) {
				/* the claimed state is not stored: the retry asks AWS again */
				verdict_note(&v, "the event says the instance is %s; not confirmed by AWS yet",
					     claimed_gone(in));
				f.state = NULL;
			}
			v.next_change_at_ms = now + ASSESS_RETRY_LATER_MS;
			return make_row(in, &v, &f, "none", 1, now, ret);
		}
		have_inst = 1;
		f.aws_answered = 1;
		if (f.image_id && strcmp(f.image_id, inst.image_id) != 0)
			snprintf(lie, sizeof(lie), "the event named %s but AWS says the instance runs %s", f.image_id,
				 inst.image_id);
		if (claim == RECONCILE_CONFIRM)
			snprintf(contradicted, sizeof(contradicted),
				 "the event said the instance was %s, but DescribeInstances lists it as %s",
				 claimed_gone(in), inst.state);
		else if (in->state && strcmp(in->state, "shutting-down") == 0 && in->origin == ASSESS_EVENT &&
			 !reconcile_aws_gone(inst.state))
			snprintf(contradicted, sizeof(contradicted),
				 "the event said the instance was shutting-down, but DescribeInstances lists it as %s",
				 inst.state);
		f.image_id = inst.image_id;
		f.state = inst.state[0] ? inst.state : f.state;
		f.tags = inst.tags;
		f.n_tags = inst.n_tags;
		f.tags_known = inst.tags_known;
		if ((f.state && strcmp(f.state, "terminated") == 0) ||
		    (claim == RECONCILE_CONFIRM && reconcile_aws_gone(inst.state))) {
			verdict_init(&v, COMPLIANCE_NOT_APPLICABLE);
			verdict_add_reason(&v, "instance %s (confirmed by DescribeInstances)",
					   f.state ? f.state : "terminated");
			rc = make_row(in, &v, &f, "describe-instances", 1, now, ret);
			goto out;
		}
	}

no_aws:
	if (!f.image_id) {
		verdict_init(&v, COMPLIANCE_INSUFFICIENT_DATA);
		verdict_add_reason(&v, p ? "AWS did not name the instance's image"
					 : "the event names no image and AWS is not in use (ITALIC_AWS=off or no credentials)");
		if (contradicted[0])
			verdict_note(&v, "%s", contradicted);
		v.next_change_at_ms = p ? now + ASSESS_RETRY_LATER_MS : VERDICT_NEVER;
		rc = make_row(in, &v, &f, "none", 1, now, ret);
		goto out;
	}

	rc = image_facts(env, images, in, f.image_id, allow_retry, &img);
	if (rc)
		goto out;
	source = img->source ? img->source : (img->status == IMAGE_UNKNOWN ? "none" : "unknown");

	memset(&pi, 0, sizeof(pi));
	pi.account = in->subject.account;
	pi.region = in->subject.region;
	pi.instance_id = in->subject.id;
	pi.state = f.state;
	pi.tags = f.tags;
	pi.n_tags = f.n_tags;
	pi.tags_known = f.tags_known;
	policy_evaluate(env->rules, &pi, img, now, &v);
	if (images && img->status == IMAGE_UNKNOWN && v.compliance == COMPLIANCE_INSUFFICIENT_DATA &&
	    (v.next_change_at_ms == VERDICT_NEVER || v.next_change_at_ms > now + ASSESS_RETRY_LATER_MS))
		v.next_change_at_ms = now + ASSESS_RETRY_LATER_MS; /* AWS failed: try the facts again later */
	if (contradicted[0])
		verdict_note(&v, "%s", contradicted);
	if (lie[0])
		verdict_note(&v, "%s", lie);
	rc = make_row(in, &v, &f, source, 1, now, ret);
out:
	image_facts_free(img);
	if (have_inst)
		instance_facts_finish(&inst);
	return rc;
}
