/*
 * test_assess: judging (lib/assess.h), one row per rule of docs/verdicts.md ("How a
 * verdict is made", "Ordering"): which facts win, an event naming another image than
 * AWS, claims that the instance is gone (confirmed, contradicted, unverifiable), AWS
 * knowing no such instance, a gone image filled in by registered images, denied,
 * retryable against INSUFFICIENT_DATA, the row's observed_at and clamped times. Each
 * input comes from one of the three builders; AWS and registered images are fakes that
 * count their calls.
 */
#include "assess.h"
#include "event.h"
#include "json_io.h"
#include "limits.h"
#include "rule.h"
#include "status.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define NOW ((int64_t)1767225600000)             /* 2026-01-01T00:00:00Z: the clock */
#define T_EVENT ((int64_t)1767225000000)         /* ten minutes earlier: the event's time */
#define RETRY (NOW + ASSESS_RETRY_LATER_MS)
#define GOOD "ami-0000000000000000a"              /* owned by 123456789012: allowed */
#define BAD "ami-0000000000000000b"               /* owned by 999999999999: not allowed */
#define INST "i-0123456789abcdef0"
#define ACCOUNT "111122223333"
#define REGION "us-east-1"

/* The allow-list: images of 123456789012; an exemption for instances tagged Env=lab. */
static const char *rules_json = "[{\"id\":\"golden\",\"criteria\":{\"owners\":[\"123456789012\"]}}]";
static const char *exemption_json = "{\"id\":\"lab\",\"tag\":{\"key\":\"Env\",\"value\":\"lab\"},"
				    "\"reason\":\"lab machines\",\"expires_at\":\"2027-01-01T00:00:00Z\"}";
#define LAB_EXPIRES (NOW + 365 * (int64_t)86400000)

/* ---- fakes ---- */

struct fake_aws {
	int inst_rc;              /* DescribeInstances: IT_OK, IT_ENOTFOUND, IT_E* */
	const char *inst_image;   /* what AWS says the instance runs ("" none) */
	const char *inst_state;
	const char *inst_tag;     /* value of tag Env AWS lists; NULL: no tags */
	int img_rc;               /* DescribeImages */
	int img_gone;             /* AWS says the image is gone: IMAGE_NOT_FOUND */
	int instance_calls, image_calls;
};

struct fake_reg {
	int has;                  /* an admin registered the image (owner 123456789012) */
	int calls;
};

static int dup_tag(struct image_tag *t, const char *k, const char *v)
{
	t->key = strdup(k);
	t->value = strdup(v);
	return t->key && t->value ? IT_OK : IT_ENOMEM;
}

static int fake_instance(void *ctx, const char *account, const char *region, const char *instance_id,
			 struct instance_facts *ret)
{
	struct fake_aws *f = ctx;
	struct instance_facts r;

	(void)account;
	(void)region;
	(void)instance_id;
	f->instance_calls++;
	if (f->inst_rc)
		return f->inst_rc;
	memset(&r, 0, sizeof(r));
	snprintf(r.image_id, sizeof(r.image_id), "%s", f->inst_image ? f->inst_image : "");
	snprintf(r.state, sizeof(r.state), "%s", f->inst_state ? f->inst_state : "");
	r.tags_known = 1;
	if (f->inst_tag) {
		r.tags = calloc(1, sizeof(*r.tags));
		if (!r.tags || dup_tag(&r.tags[0], "Env", f->inst_tag))
			return IT_ENOMEM;
		r.n_tags = 1;
	}
	*ret = r;
	return IT_OK;
}

static struct image_facts *facts_for(const char *image_id, const char *source)
{
	struct image_facts *img = image_facts_new(image_id);

	if (!img)
		return NULL;
	snprintf(img->owner_id, sizeof(img->owner_id), "%s", strcmp(image_id, GOOD) == 0 ? "123456789012" : "999999999999");
	img->source = strdup(source);
	return img;
}

static int fake_image(void *ctx, const char *account, const char *region, const char *image_id, const char *instance_id,
		      struct image_facts **ret)
{
	struct fake_aws *f = ctx;
	struct image_facts *img;

	(void)account;
	(void)region;
	(void)instance_id;
	f->image_calls++;
	if (f->img_rc)
		return f->img_rc;
	img = facts_for(image_id, "describe-images");
	if (!img)
		return IT_ENOMEM;
	if (f->img_gone) {
		img->status = IMAGE_NOT_FOUND;
		img->owner_id[0] = '\0';
	}
	*ret = img;
	return IT_OK;
}

static int fake_registered(void *ctx, const char *account, const char *region, const char *image_id,
			   const char *instance_id, struct image_facts **ret)
{
	struct fake_reg *r = ctx;

	(void)account;
	(void)region;
	(void)instance_id;
	r->calls++;
	if (!r->has)
		return IT_ENOTFOUND;
	*ret = facts_for(GOOD, "registered");   /* registered under any id: the good owner */
	if (*ret)
		snprintf((*ret)->image_id, sizeof((*ret)->image_id), "%s", image_id);
	return *ret ? IT_OK : IT_ENOMEM;
}

static int64_t fixed_now(void *ctx)
{
	(void)ctx;
	return NOW;
}

/* ---- the table ---- */

enum builder { FROM_EVENT, FROM_RECORD, FROM_SCHEDULE, FROM_LISTING };

struct acase {
	const char *name;
	/* the world */
	int aws;                  /* AWS in use (the fake) */
	int verify;               /* ITALIC_VERIFY */
	struct fake_aws fake;
	int registered;           /* an admin registered the image */
	int allow_retry;
	/* the input */
	enum builder from;
	const char *image;        /* the image the input names; NULL none */
	const char *state;        /* EC2 state the input names; NULL none */
	const char *tag;          /* the input's Env tag; NULL: tags unknown */
	int deleted, left_scope, needs_lookup;
	const char *known_image;  /* FROM_EVENT: Italic's record of the image */
	int64_t observed_at;      /* 0: T_EVENT */
	int64_t received_at;      /* FROM_EVENT: receipt (0: NOW); times beyond it are clamped */
	int64_t stored_at;        /* FROM_SCHEDULE: the record's observed_at */
	const char *gone_reason;  /* FROM_LISTING */
	/* the outcome */
	int want_rc;
	const char *compliance;
	const char *want_state;   /* the state stored ("" none) */
	const char *want_image;   /* NULL: not checked */
	const char *source;
	const char *reason;       /* a reason (or note) the verdict must give, verbatim; NULL none */
	const char *note;         /* a second one */
	int64_t next;             /* next_change_at: 0 none */
	int64_t want_observed;    /* 0: T_EVENT */
	int instance_calls, image_calls;   /* DescribeInstances / DescribeImages asked */
	int answered;             /* aws_answered */
	const char *exemption;    /* "" none */
};

#define OWNER_NOT_ALLOWED "rule golden: owner 999999999999 not in owners"

static const struct acase cases[] = {
	/* which facts win: AWS's image, state and tags over the event's */
	{.name = "verify: DescribeInstances' image, state and tags win", .aws = 1, .verify = 1,
	 .fake = {.inst_image = GOOD, .inst_state = "running", .inst_tag = "aws"}, .from = FROM_EVENT, .image = GOOD,
	 .state = "pending", .tag = "event", .compliance = "COMPLIANT", .want_state = "running", .want_image = GOOD,
	 .source = "describe-images", .reason = "allowed by rule golden", .instance_calls = 1, .image_calls = 1,
	 .answered = 1},
	{.name = "verify off and an image named: the event's facts, no DescribeInstances", .aws = 1,
	 .fake = {.inst_image = BAD, .inst_state = "running"}, .from = FROM_EVENT, .image = GOOD, .state = "pending",
	 .compliance = "COMPLIANT", .want_state = "pending", .want_image = GOOD, .source = "describe-images",
	 .image_calls = 1},
	{.name = "verify off but no image named: DescribeInstances names it", .aws = 1,
	 .fake = {.inst_image = GOOD, .inst_state = "running"}, .from = FROM_EVENT, .state = "running",
	 .needs_lookup = 1, .compliance = "COMPLIANT", .want_state = "running", .want_image = GOOD,
	 .source = "describe-images", .instance_calls = 1, .image_calls = 1, .answered = 1},
	{.name = "a state change keeps the image of Italic's record", .from = FROM_EVENT, .state = "stopped",
	 .known_image = GOOD, .registered = 1, .compliance = "COMPLIANT", .want_state = "stopped", .want_image = GOOD,
	 .source = "registered"},
	/* the wrong-image case */
	{.name = "an event naming another image is judged by AWS's, and says so", .aws = 1, .verify = 1,
	 .fake = {.inst_image = GOOD, .inst_state = "running"}, .from = FROM_EVENT, .image = BAD, .state = "running",
	 .compliance = "COMPLIANT", .want_state = "running", .want_image = GOOD, .source = "describe-images",
	 .reason = "the event named " BAD " but AWS says the instance runs " GOOD, .instance_calls = 1,
	 .image_calls = 1, .answered = 1},
	{.name = "... and a lie the other way makes it NON_COMPLIANT", .aws = 1, .verify = 1,
	 .fake = {.inst_image = BAD, .inst_state = "running"}, .from = FROM_EVENT, .image = GOOD, .state = "running",
	 .compliance = "NON_COMPLIANT", .want_state = "running", .want_image = BAD, .source = "describe-images",
	 .reason = OWNER_NOT_ALLOWED, .note = "the event named " GOOD " but AWS says the instance runs " BAD,
	 .instance_calls = 1, .image_calls = 1, .answered = 1},
	/* terminated claims */
	{.name = "terminated, confirmed by DescribeInstances", .aws = 1, .verify = 1,
	 .fake = {.inst_image = GOOD, .inst_state = "terminated"}, .from = FROM_EVENT, .state = "terminated",
	 .compliance = "NOT_APPLICABLE", .want_state = "terminated", .want_image = GOOD,
	 .source = "describe-instances", .reason = "instance terminated (confirmed by DescribeInstances)",
	 .instance_calls = 1, .answered = 1},
	{.name = "terminated, AWS says shutting-down: confirmed", .aws = 1, .verify = 1,
	 .fake = {.inst_image = GOOD, .inst_state = "shutting-down"}, .from = FROM_EVENT, .state = "terminated",
	 .compliance = "NOT_APPLICABLE", .want_state = "shutting-down", .source = "describe-instances",
	 .reason = "instance shutting-down (confirmed by DescribeInstances)", .instance_calls = 1, .answered = 1},
	{.name = "terminated, contradicted: judged as running, and noted", .aws = 1, .verify = 1,
	 .fake = {.inst_image = BAD, .inst_state = "running"}, .from = FROM_EVENT, .state = "terminated",
	 .compliance = "NON_COMPLIANT", .want_state = "running", .want_image = BAD, .source = "describe-images",
	 .reason = "the event said the instance was terminated, but DescribeInstances lists it as running",
	 .note = OWNER_NOT_ALLOWED, .instance_calls = 1, .image_calls = 1, .answered = 1},
	{.name = "Config item deleted, contradicted", .aws = 1, .verify = 1,
	 .fake = {.inst_image = GOOD, .inst_state = "stopped"}, .from = FROM_EVENT, .image = GOOD, .deleted = 1,
	 .compliance = "COMPLIANT", .want_state = "stopped", .source = "describe-images",
	 .reason = "the event said the instance was deleted, but DescribeInstances lists it as stopped",
	 .instance_calls = 1, .image_calls = 1, .answered = 1},
	{.name = "terminated, unverifiable: INSUFFICIENT_DATA, the claimed state not stored", .aws = 1, .verify = 1,
	 .fake = {.inst_rc = IT_ESERVER}, .from = FROM_EVENT, .state = "terminated", .compliance = "INSUFFICIENT_DATA",
	 .want_state = "", .source = "none", .reason = "the event says the instance is terminated; not confirmed by AWS yet",
	 .next = RETRY, .instance_calls = 1},
	{.name = "terminated without AWS: believed", .from = FROM_EVENT, .state = "terminated",
	 .compliance = "NOT_APPLICABLE", .want_state = "terminated", .source = "event", .reason = "instance terminated"},
	{.name = "terminated with ITALIC_VERIFY off: believed", .aws = 1, .fake = {.inst_state = "running"},
	 .from = FROM_EVENT, .state = "terminated", .compliance = "NOT_APPLICABLE", .want_state = "terminated",
	 .source = "event", .reason = "instance terminated"},
	{.name = "eventLeftScope is believed even with AWS to ask", .aws = 1, .verify = 1,
	 .fake = {.inst_state = "running"}, .from = FROM_EVENT, .image = GOOD, .deleted = 1, .left_scope = 1,
	 .compliance = "NOT_APPLICABLE", .want_state = "terminated", .source = "event",
	 .reason = "configuration item deleted or out of scope"},
	{.name = "shutting-down, contradicted: noted", .aws = 1, .verify = 1,
	 .fake = {.inst_image = GOOD, .inst_state = "running"}, .from = FROM_EVENT, .image = GOOD,
	 .state = "shutting-down", .compliance = "COMPLIANT", .want_state = "running", .source = "describe-images",
	 .reason = "the event said the instance was shutting-down, but DescribeInstances lists it as running",
	 .instance_calls = 1, .image_calls = 1, .answered = 1},
	{.name = "a stored terminated record is no new claim: not asked again", .aws = 1, .verify = 1,
	 .fake = {.inst_state = "running"}, .from = FROM_RECORD, .image = GOOD, .state = "terminated",
	 .compliance = "NOT_APPLICABLE", .want_state = "terminated", .source = "event", .reason = "instance terminated"},
	{.name = "credentials gone during a terminated claim: believed", .aws = 1, .verify = 1,
	 .fake = {.inst_rc = IT_EAUTH}, .from = FROM_EVENT, .state = "terminated", .compliance = "NOT_APPLICABLE",
	 .want_state = "terminated", .source = "event", .reason = "instance terminated", .instance_calls = 1},
	/* AWS knows no such instance */
	{.name = "AWS reports no such instance: NOT_APPLICABLE", .aws = 1, .verify = 1,
	 .fake = {.inst_rc = IT_ENOTFOUND}, .from = FROM_EVENT, .image = GOOD, .state = "running",
	 .compliance = "NOT_APPLICABLE", .want_state = "terminated", .source = "describe-instances",
	 .reason = "AWS reports no such instance", .instance_calls = 1, .answered = 1},
	/* not found -> registered */
	{.name = "image gone at AWS: registered images fill in", .aws = 1, .fake = {.img_gone = 1}, .registered = 1,
	 .from = FROM_EVENT, .image = GOOD, .state = "running", .compliance = "COMPLIANT", .want_state = "running",
	 .source = "registered", .image_calls = 1},
	{.name = "image gone at AWS, nothing registered: only image_ids could allow it", .aws = 1,
	 .fake = {.img_gone = 1}, .from = FROM_EVENT, .image = GOOD, .state = "running", .compliance = "NON_COMPLIANT",
	 .want_state = "running", .source = "describe-images", .image_calls = 1},
	{.name = "AWS not in use: registered images", .registered = 1, .from = FROM_EVENT, .image = BAD,
	 .state = "running", .compliance = "COMPLIANT", .want_state = "running", .source = "registered"},
	{.name = "AWS not in use, nothing registered: INSUFFICIENT_DATA, not retried", .from = FROM_EVENT,
	 .image = GOOD, .state = "running", .compliance = "INSUFFICIENT_DATA", .want_state = "running", .source = "none"},
	{.name = "no image and no AWS: INSUFFICIENT_DATA, not retried", .from = FROM_EVENT, .state = "running",
	 .compliance = "INSUFFICIENT_DATA", .want_state = "running", .source = "none",
	 .reason = "the event names no image and AWS is not in use (ITALIC_AWS=off or no credentials)"},
	{.name = "a listing without an image: INSUFFICIENT_DATA, retried later", .aws = 1, .verify = 1,
	 .from = FROM_LISTING, .state = "running", .compliance = "INSUFFICIENT_DATA", .want_state = "running",
	 .source = "none", .reason = "AWS did not name the instance's image", .next = RETRY},
	{.name = "credentials gone: judged as without AWS", .aws = 1, .verify = 1, .fake = {.inst_rc = IT_EAUTH},
	 .registered = 1, .from = FROM_EVENT, .image = GOOD, .state = "running", .compliance = "COMPLIANT",
	 .want_state = "running", .source = "registered", .instance_calls = 1},
	/* denied */
	{.name = "DescribeImages denied: facts unknown, tried again in 10 minutes", .aws = 1,
	 .fake = {.img_rc = IT_EDENIED}, .allow_retry = 1, .from = FROM_EVENT, .image = GOOD, .state = "running",
	 .compliance = "INSUFFICIENT_DATA", .want_state = "running", .source = "none", .next = RETRY, .image_calls = 1},
	{.name = "DescribeInstances denied: INSUFFICIENT_DATA with the reason", .aws = 1, .verify = 1,
	 .fake = {.inst_rc = IT_EDENIED}, .allow_retry = 1, .from = FROM_EVENT, .image = GOOD, .state = "running",
	 .compliance = "INSUFFICIENT_DATA", .want_state = "running", .source = "none", .next = RETRY,
	 .instance_calls = 1},
	/* retryable against INSUFFICIENT_DATA */
	{.name = "DescribeInstances throttled, retries left: retried", .aws = 1, .verify = 1,
	 .fake = {.inst_rc = IT_ETHROTTLE}, .allow_retry = 1, .from = FROM_EVENT, .image = GOOD, .state = "running",
	 .want_rc = IT_ETHROTTLE, .instance_calls = 1},
	{.name = "DescribeInstances throttled, retries used up: INSUFFICIENT_DATA", .aws = 1, .verify = 1,
	 .fake = {.inst_rc = IT_ETHROTTLE}, .from = FROM_EVENT, .image = GOOD, .state = "running",
	 .compliance = "INSUFFICIENT_DATA", .want_state = "running", .source = "none", .next = RETRY,
	 .instance_calls = 1},
	{.name = "DescribeImages failing, retries left: retried", .aws = 1, .fake = {.img_rc = IT_ENETWORK},
	 .allow_retry = 1, .from = FROM_EVENT, .image = GOOD, .state = "running", .want_rc = IT_ENETWORK,
	 .image_calls = 1},
	{.name = "DescribeImages failing, retries used up: registered images", .aws = 1,
	 .fake = {.img_rc = IT_ENETWORK}, .registered = 1, .from = FROM_EVENT, .image = BAD, .state = "running",
	 .compliance = "COMPLIANT", .want_state = "running", .source = "registered", .image_calls = 1},
	/* ordering: the row carries the facts' time */
	{.name = "a stored record keeps its observed_at", .from = FROM_RECORD, .image = GOOD, .state = "running",
	 .registered = 1, .observed_at = T_EVENT - 5000, .compliance = "COMPLIANT", .want_state = "running",
	 .source = "registered", .want_observed = T_EVENT - 5000},
	{.name = "a scheduled invocation orders by its own time", .from = FROM_SCHEDULE, .image = GOOD,
	 .state = "running", .registered = 1, .stored_at = T_EVENT - 5000, .compliance = "COMPLIANT",
	 .want_state = "running", .source = "registered", .want_observed = T_EVENT},
	{.name = "... but never older than the record", .from = FROM_SCHEDULE, .image = GOOD, .state = "running",
	 .registered = 1, .stored_at = T_EVENT + 5000, .compliance = "COMPLIANT", .want_state = "running",
	 .source = "registered", .want_observed = T_EVENT + 5000},
	{.name = "a time beyond the receipt is clamped to it, and the reasons say so", .from = FROM_EVENT,
	 .image = GOOD, .state = "running", .registered = 1, .observed_at = NOW + 10 * IT_EVENT_CLOCK_SKEW_MS,
	 .received_at = NOW - 1000, .compliance = "COMPLIANT", .want_state = "running", .source = "registered",
	 .reason = "time 2026-01-01T00:50:00Z is more than 5 minutes after Italic received the event "
		   "(2025-12-31T23:59:59Z): clamped to the receipt time",
	 .want_observed = NOW - 1000},
	{.name = "a time within the skew is kept", .from = FROM_EVENT, .image = GOOD, .state = "running",
	 .registered = 1, .observed_at = NOW + IT_EVENT_CLOCK_SKEW_MS, .received_at = NOW, .compliance = "COMPLIANT",
	 .want_state = "running", .source = "registered", .want_observed = NOW + IT_EVENT_CLOCK_SKEW_MS},
	/* the sweep's listing and stored records */
	{.name = "a listing is AWS's own: no DescribeInstances", .aws = 1, .verify = 1,
	 .fake = {.inst_image = BAD, .inst_state = "stopped"}, .from = FROM_LISTING, .image = GOOD, .state = "running",
	 .tag = "listed", .compliance = "COMPLIANT", .want_state = "running", .want_image = GOOD,
	 .source = "describe-images", .image_calls = 1},
	{.name = "an instance gone from the listing", .aws = 1, .verify = 1, .from = FROM_LISTING,
	 .gone_reason = "DescribeInstances no longer lists the instance (reconciliation sweep)",
	 .compliance = "NOT_APPLICABLE", .want_state = "terminated", .source = "describe-instances",
	 .reason = "DescribeInstances no longer lists the instance (reconciliation sweep)"},
	{.name = "a stored record with ITALIC_VERIFY asks DescribeInstances", .aws = 1, .verify = 1,
	 .fake = {.inst_image = GOOD, .inst_state = "stopped"}, .from = FROM_RECORD, .image = GOOD, .state = "running",
	 .compliance = "COMPLIANT", .want_state = "stopped", .source = "describe-images", .instance_calls = 1,
	 .image_calls = 1, .answered = 1},
	{.name = "stored tags still match an exemption by tag", .from = FROM_RECORD, .image = BAD, .state = "running",
	 .tag = "lab", .compliance = "COMPLIANT", .want_state = "running", .source = "none", .exemption = "lab",
	 .next = LAB_EXPIRES},
	{.name = "a scheduled invocation carries no stored tags (as before)", .from = FROM_SCHEDULE, .image = BAD,
	 .state = "running", .tag = "lab", .stored_at = T_EVENT, .compliance = "INSUFFICIENT_DATA",
	 .want_state = "running", .source = "none", .want_observed = T_EVENT},
};

static int build_rules(struct rule_set *set)
{
	json_t *a = NULL, *it, *ex = NULL;
	struct json_err err;
	struct exemption *e = NULL;
	size_t i;

	rule_set_init(set);
	if (json_load_bounded(rules_json, strlen(rules_json), IT_MAX_BODY, 32, &a, &err))
		return -1;
	json_array_foreach(a, i, it) {
		struct rule *r = NULL;
		if (rule_from_json(it, &r, &err) || rule_set_add_rule(set, r)) {
			json_decref(a);
			return -1;
		}
	}
	json_decref(a);
	if (json_load_bounded(exemption_json, strlen(exemption_json), IT_MAX_BODY, 32, &ex, &err) ||
	    exemption_from_json(ex, 0, EXEMPTION_STORED, &e, &err) || rule_set_add_exemption(set, e)) {
		fprintf(stderr, "exemption: %s %s\n", err.field, err.message);
		json_decref(ex);
		return -1;
	}
	json_decref(ex);
	return 0;
}

static int has_reason(const char *reasons_json, const char *want)
{
	json_t *a = json_loads(reasons_json ? reasons_json : "[]", 0, NULL), *r;
	size_t i;
	int found = 0;

	json_array_foreach(a, i, r) {
		if (json_is_string(r) && strcmp(json_string_value(r), want) == 0)
			found = 1;
	}
	json_decref(a);
	return found;
}

/* The input of case c, built the way the evaluator builds it. Strings live in the
 * caller's frame (ev, obs, row, listing, tags). */
struct world {
	struct event ev;
	struct event_rule_invocation rule;
	struct event_observation obs;
	struct event_tag etag;
	struct verdict_row row;
	struct assess_listing listing;
	struct image_tag itag;
	char tags_json[64];
};

static void build_input(const struct acase *c, struct world *w, struct assess_input *in)
{
	int64_t observed = c->observed_at ? c->observed_at : T_EVENT;

	memset(w, 0, sizeof(*w));
	switch (c->from) {
	case FROM_EVENT:
		w->ev.kind = EVENT_EC2_STATE_CHANGE;
		w->ev.id = (char *)"evt-1";
		w->ev.account = (char *)ACCOUNT;
		w->ev.region = (char *)REGION;
		w->ev.time_ms = observed;
		w->obs.account = (char *)ACCOUNT;
		w->obs.region = (char *)REGION;
		w->obs.instance_id = (char *)INST;
		w->obs.image_id = (char *)c->image;
		if (!c->state || event_state_parse(c->state, &w->obs.state) != IT_OK)
			w->obs.state = EVENT_STATE_UNKNOWN;
		if (c->tag) {
			w->etag.key = (char *)"Env";
			w->etag.value = (char *)c->tag;
			w->obs.tags = &w->etag;
			w->obs.n_tags = 1;
			w->obs.tags_known = 1;
		}
		w->obs.observed_at_ms = observed;
		w->obs.deleted = c->deleted;
		w->obs.needs_lookup = c->needs_lookup;
		if (c->left_scope) {
			w->ev.kind = EVENT_CONFIG_RULE_INVOCATION;
			w->rule.left_scope = 1;
			w->rule.result_token = (char *)"token";
			w->ev.rule = &w->rule;
		}
		w->ev.obs = &w->obs;
		w->ev.n_obs = 1;
		(void)event_bound_times(&w->ev, c->received_at ? c->received_at : NOW);
		assess_from_observation(in, &w->ev, &w->obs, c->received_at ? c->received_at : NOW, c->known_image);
		break;
	case FROM_RECORD:
	case FROM_SCHEDULE:
		snprintf(w->row.account, sizeof(w->row.account), "%s", ACCOUNT);
		snprintf(w->row.region, sizeof(w->row.region), "%s", REGION);
		snprintf(w->row.instance_id, sizeof(w->row.instance_id), "%s", INST);
		snprintf(w->row.image_id, sizeof(w->row.image_id), "%s", c->image ? c->image : "");
		snprintf(w->row.state, sizeof(w->row.state), "%s", c->state ? c->state : "");
		snprintf(w->row.compliance, sizeof(w->row.compliance), "COMPLIANT");
		w->row.observed_at = c->from == FROM_SCHEDULE ? c->stored_at : observed;
		if (c->tag) {
			snprintf(w->tags_json, sizeof(w->tags_json), "{\"Env\":\"%s\"}", c->tag);
			w->row.tags_json = w->tags_json;
		}
		if (c->from == FROM_RECORD) {
			assess_from_verdict(in, &w->row, "reevaluate", NULL, 0);
			break;
		}
		w->ev.kind = EVENT_CONFIG_RULE_INVOCATION;
		w->ev.id = (char *)"invocation-1";
		w->ev.account = (char *)ACCOUNT;
		w->ev.region = (char *)REGION;
		w->ev.time_ms = T_EVENT;
		w->rule.ordering_ms = T_EVENT;
		w->rule.result_token = (char *)"token";
		w->rule.scope = EVENT_SCOPE_SCHEDULED;
		w->ev.rule = &w->rule;
		assess_from_verdict(in, &w->row, "schedule", &w->ev, NOW);
		break;
	case FROM_LISTING:
	default:
		w->listing.account = ACCOUNT;
		w->listing.region = REGION;
		w->listing.instance_id = INST;
		w->listing.image_id = c->image;
		w->listing.state = c->state;
		if (c->tag) {
			w->itag.key = (char *)"Env";
			w->itag.value = (char *)c->tag;
			w->listing.tags = &w->itag;
			w->listing.n_tags = 1;
		}
		w->listing.tags_known = 1;
		w->listing.gone_reason = c->gone_reason;
		w->listing.observed_at = observed;
		w->listing.repair = c->gone_reason != NULL;
		assess_from_listing(in, &w->listing, "sweep");
		break;
	}
}

static void test_cases(void)
{
	struct clock clk = {fixed_now, NULL};
	struct rule_set set;

	CHECK(build_rules(&set) == 0, "rules build");
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct acase *c = &cases[i];
		struct fake_aws fake = c->fake;
		struct fake_reg reg = {c->registered, 0};
		struct facts_provider aws = {fake_instance, fake_image, &fake};
		struct facts_provider regp = {NULL, fake_registered, &reg};
		struct assess_env env = {&set, c->aws ? &aws : NULL, &regp, &clk, c->verify};
		struct assess_input *in = malloc(sizeof(*in));
		struct world *w = malloc(sizeof(*w));
		struct verdict_row row;
		int rc;

		if (!in || !w) {
			CHECK(0, "%s: out of memory", c->name);
			free(in);
			free(w);
			continue;
		}
		memset(&row, 0x5a, sizeof(row));   /* untouched on failure: still this pattern */
		build_input(c, w, in);
		rc = assess(&env, in, c->allow_retry, &row);
		CHECK(rc == c->want_rc, "%s: rc %s want %s", c->name, status_str(rc), status_str(c->want_rc));
		CHECK(fake.instance_calls == c->instance_calls, "%s: DescribeInstances asked %d times, want %d", c->name,
		      fake.instance_calls, c->instance_calls);
		CHECK(fake.image_calls == c->image_calls, "%s: DescribeImages asked %d times, want %d", c->name,
		      fake.image_calls, c->image_calls);
		if (rc) {
			CHECK(row.observed_at == (int64_t)0x5a5a5a5a5a5a5a5aLL, "%s: row untouched on failure", c->name);
		} else {
			CHECK_STR(row.compliance, c->compliance, c->name);
			CHECK_STR(row.state, c->want_state, c->name);
			CHECK_STR(row.facts_source, c->source, c->name);
			if (c->want_image)
				CHECK_STR(row.image_id, c->want_image, c->name);
			if (c->reason)
				CHECK(has_reason(row.reasons_json, c->reason), "%s: reason \"%s\" missing from %s", c->name,
				      c->reason, row.reasons_json);
			if (c->note)
				CHECK(has_reason(row.reasons_json, c->note), "%s: reason \"%s\" missing from %s", c->name,
				      c->note, row.reasons_json);
			CHECK(row.next_change_at == c->next, "%s: next_change_at %lld want %lld", c->name,
			      (long long)row.next_change_at, (long long)c->next);
			CHECK(row.observed_at == (c->want_observed ? c->want_observed : T_EVENT),
			      "%s: observed_at %lld", c->name, (long long)row.observed_at);
			CHECK(row.evaluated_at == NOW, "%s: evaluated_at is the clock's", c->name);
			CHECK(row.aws_answered == c->answered, "%s: aws_answered %d", c->name, row.aws_answered);
			CHECK_STR(row.exemption, c->exemption ? c->exemption : "", c->name);
			CHECK_STR(row.instance_id, INST, c->name);
			if (c->from == FROM_LISTING)
				CHECK(row.repair_future == (c->gone_reason != NULL), "%s: repair carried", c->name);
			verdict_row_finish(&row);
		}
		assess_input_finish(in);
		free(in);
		free(w);
	}
	rule_set_finish(&set);
}

/* The builders: what each carries into the row besides the facts. */
static void test_builders(void)
{
	struct clock clk = {fixed_now, NULL};
	struct rule_set set;
	struct fake_reg reg = {1, 0};
	struct facts_provider regp = {NULL, fake_registered, &reg};
	struct assess_env env = {&set, NULL, &regp, &clk, 0};
	struct assess_input *in = malloc(sizeof(*in));
	struct verdict_row stored, row;

	CHECK(in && build_rules(&set) == 0, "setup");
	if (!in)
		return;
	/* a stored verdict: its event id and result token stay, so a Config rule's answer
	 * still goes to the invocation that asked */
	memset(&stored, 0, sizeof(stored));
	snprintf(stored.account, sizeof(stored.account), ACCOUNT);
	snprintf(stored.region, sizeof(stored.region), REGION);
	snprintf(stored.instance_id, sizeof(stored.instance_id), INST);
	snprintf(stored.image_id, sizeof(stored.image_id), GOOD);
	snprintf(stored.trigger_event_id, sizeof(stored.trigger_event_id), "evt-9");
	snprintf(stored.compliance, sizeof(stored.compliance), "NOT_APPLICABLE");
	stored.result_token = (char *)"stored-token";
	stored.tags_json = (char *)"not json";
	assess_from_verdict(in, &stored, "timer", NULL, 0);
	CHECK(in->tags_known == 0, "unparseable stored tags count as unknown");
	CHECK(assess(&env, in, 0, &row) == IT_OK, "record judged");
	CHECK_STR(row.trigger, "timer", "trigger");
	CHECK_STR(row.trigger_event_id, "evt-9", "event id kept");
	CHECK_STR(row.result_token, "stored-token", "result token kept");
	CHECK(row.tags_json == NULL, "unknown tags stored as unknown");
	verdict_row_finish(&row);
	assess_input_finish(in);
	CHECK(assess_record_final(&stored), "NOT_APPLICABLE is final");
	snprintf(stored.compliance, sizeof(stored.compliance), "INSUFFICIENT_DATA");
	CHECK(!assess_record_final(&stored), "INSUFFICIENT_DATA is not final");
	assess_input_finish(NULL);
	rule_set_finish(&set);
	free(in);
}

int main(void)
{
	test_cases();
	test_builders();
	return tap_done();
}
