/*
 * policy.c: the evaluator (see policy.h for the semantics).
 *
 * Two passes over the rules: the first decides every rule's outcome without producing
 * text (the hot path: no formatting, no allocation); the second formats reasons only
 * for the rules that will be reported, which the reason cap keeps small. A rule's
 * outcome is "allowed until instant U" (U = INT64_MAX when no time criterion applies)
 * or "not allowed"; the criteria are checked cheapest first, and the first failing one
 * is the one named in the reason.
 */
#include "policy.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "glob.h"
#include "parse.h"

#define DAY_MS ((int64_t)86400000)
#define FOREVER INT64_MAX

struct ctx {
	const struct policy_instance *inst;
	const struct image_facts *img;
	int64_t now;
	/* the image's tags sorted by key, built once per verdict (binary search per rule) */
	const struct image_tag *tags[IT_MAX_FACT_TAGS];
	size_t n_tags;                  /* n_tags < img->n_tags: fall back to a scan */
	/* the image's name and watermark keys indexed once per verdict for the globs of
	 * every rule (glob.h); watermarks past IT_MAX_IMAGE_WATERMARKS are matched as is */
	struct glob_text name;
	struct glob_text wm_key[IT_MAX_IMAGE_WATERMARKS];
	size_t n_wm_keys;
	/* the image's product codes sorted, merged against each rule's sorted codes */
	const char *codes[IT_MAX_PRODUCT_CODES];
	size_t n_codes;                 /* n_codes < img->n_product_codes: scan instead */
};

/* t + days, saturating (days <= IT_MAX_DAYS keeps this far from overflow in practice). */
static int64_t plus_days(int64_t t, int64_t days)
{
	if (days > (INT64_MAX - t) / DAY_MS)
		return FOREVER;
	return t + days * DAY_MS;
}

/* Every list lookup is a binary search over the rule's sorted copy (rule.h): at the
 * limits a rule holds 1000 accounts, 1000 regions, 1000 image ids and 200 owners. */
static int in_list(const struct rule_list *l, const char *s)
{
	return rule_list_has(l, s);
}

/* owners: the image owner's id, "self" when the instance's account owns the image, or
 * the owner alias. Ids are digits and aliases letters, so one list holds both. */
static int owner_ok(const struct rule_list *owners, const struct ctx *c)
{
	const struct image_facts *img = c->img;

	if (img->owner_id[0] && in_list(owners, img->owner_id))
		return 1;
	if (img->owner_id[0] && c->inst->account && strcmp(img->owner_id, c->inst->account) == 0 &&
	    in_list(owners, "self"))
		return 1;
	/* an alias is a word: never one of the ids, nor the keyword self */
	return img->owner_alias[0] && !(img->owner_alias[0] >= '0' && img->owner_alias[0] <= '9') &&
	       strcmp(img->owner_alias, "self") != 0 && in_list(owners, img->owner_alias);
}

static int name_ok(const struct rule_list *pats, const struct ctx *c)
{
	for (size_t i = 0; c->img->name && i < pats->n; i++)
		if (pats->shapes ? glob_match_shaped(pats->v[i], &pats->shapes[i], &c->name)
				 : glob_match_text(pats->v[i], &c->name))
			return 1;
	return 0;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int by_tag_key(const void *a, const void *b)
{
	return strcmp((*(const struct image_tag *const *)a)->key, (*(const struct image_tag *const *)b)->key);
}

static int key_cmp(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct image_tag *const *)elem)->key);
}

/* The image's value for a tag key: binary search in the per-verdict index. */
static const char *image_tag(const struct ctx *c, const char *key)
{
	const struct image_tag *const *t;

	if (!c->img->tags_known)
		return NULL;
	if (c->n_tags < c->img->n_tags)
		return image_facts_tag(c->img, key);
	t = bsearch(key, c->tags, c->n_tags, sizeof(c->tags[0]), key_cmp);
	return t ? (*t)->value : NULL;
}

/* Whether any image product code is in the rule's list: a merge of two sorted lists. */
static int codes_ok(const struct rule_list *codes, const struct ctx *c)
{
	const struct image_facts *img = c->img;
	size_t i = 0, j = 0;

	if (c->n_codes < img->n_product_codes || !codes->sorted) {
		for (size_t k = 0; k < img->n_product_codes; k++)
			if (in_list(codes, img->product_codes[k]))
				return 1;
		return 0;
	}
	while (i < c->n_codes && j < codes->n) {
		int d = strcmp(c->codes[i], codes->sorted[j]);
		if (d == 0)
			return 1;
		if (d < 0)
			i++;
		else
			j++;
	}
	return 0;
}

/* The tag criterion without reasons (pass 1): every key present with an allowed value,
 * as one merge of the rule's keys and the image's, both sorted. */
static int tags_ok_fast(const struct rule_criteria *cr, const struct ctx *c)
{
	size_t j = 0;

	if (!c->img->tags_known)
		return 0;
	for (size_t i = 0; i < cr->n_tags; i++) {
		const struct rule_tag *t = cr->tags_by_key[i];
		int d = 1;
		while (j < c->n_tags && (d = strcmp(c->tags[j]->key, t->key)) < 0)
			j++;
		if (j == c->n_tags || d != 0)
			return 0;
		if (!t->any_value && !in_list(&t->values, c->tags[j]->value))
			return 0;
	}
	return 1;
}

static int tag_value_ok(const struct rule_tag *t, const char *value)
{
	return t->any_value || in_list(&t->values, value) || (!t->values.sorted && in_list(&t->values, "*"));
}

/* Last instant the watermark entry m holds for image watermark w, or -1 when it does
 * not hold at all (key/region mismatch or a needed time unknown). */
static int64_t watermark_until(const struct rule_watermark *m, const struct image_watermark *w,
			       const struct glob_text *key)
{
	int64_t until = FOREVER, u;

	if (m->key && !(key ? glob_match_shaped(m->key, &m->key_shape, key) : glob_match(m->key, w->key)))
		return -1;
	if (m->source_region && !glob_match(m->source_region, w->source_region))
		return -1;
	if (m->max_days_since_source_created != RULE_NONE) {
		if (w->source_created_ms == IMAGE_NO_TIME)
			return -1;
		u = plus_days(w->source_created_ms, m->max_days_since_source_created);
		until = u < until ? u : until;
	}
	if (m->max_days_since_watermark_created != RULE_NONE) {
		if (w->watermark_created_ms == IMAGE_NO_TIME)
			return -1;
		u = plus_days(w->watermark_created_ms, m->max_days_since_watermark_created);
		until = u < until ? u : until;
	}
	return until;
}

#define WHY(...)                                              \
	do {                                                  \
		if (why && snprintf(why, whylen, __VA_ARGS__) < 0) \
			why[0] = '\0';                        \
		return 0;                                     \
	} while (0)

/*
 * Outcome of rule r for the context: 1 with *ret_until = last allowed instant, or 0
 * with why (when not NULL) naming the first failing criterion. Mode and enabled are
 * the caller's business.
 */
static int rule_check(const struct rule *r, const struct ctx *c, int64_t *ret_until, char *why,
		      size_t whylen)
{
	const struct rule_criteria *cr = &r->criteria;
	const struct image_facts *img = c->img;
	int64_t until = FOREVER, u;

	if (r->scope.accounts.n && !in_list(&r->scope.accounts, c->inst->account))
		WHY("account %s not in scope", c->inst->account ? c->inst->account : "(unknown)");
	if (r->scope.regions.n && !in_list(&r->scope.regions, c->inst->region))
		WHY("region %s not in scope", c->inst->region ? c->inst->region : "(unknown)");
	if (cr->image_ids.n && !in_list(&cr->image_ids, img->image_id))
		WHY("image %s not in image_ids", img->image_id);
	if (img->status != IMAGE_FOUND && rule_criteria_count(r) > (cr->image_ids.n > 0)) {
		if (img->status == IMAGE_NOT_FOUND)
			WHY("image %s not found (deregistered or not shared); only a rule naming its ID can allow it",
			    img->image_id);
		WHY("facts of image %s could not be read", img->image_id);
	}
	if (cr->owners.n && !owner_ok(&cr->owners, c)) {
		if (!img->owner_id[0])
			WHY("image owner unknown");
		WHY("owner %s%s%s%s not in owners", img->owner_id, img->owner_alias[0] ? " (" : "",
		    img->owner_alias, img->owner_alias[0] ? ")" : "");
	}
	if (cr->name_patterns.n && !name_ok(&cr->name_patterns, c)) {
		if (!img->name)
			WHY("image name unknown");
		WHY("name \"%s\" matches no name_patterns", img->name);
	}
	if (cr->platforms.n && !in_list(&cr->platforms, img->platform)) {
		if (!img->platform[0])
			WHY("platform unknown");
		WHY("platform %s not in platforms", img->platform);
	}
	if (cr->product_codes.n && !codes_ok(&cr->product_codes, c)) {
		if (img->n_product_codes == 0)
			WHY("image has no product code");
		WHY("product code %s%s not in product_codes", img->product_codes[0],
		    img->n_product_codes > 1 ? " (and others)" : "");
	}
	/* without a reason to give, the tags are checked in one merge */
	if (!why && cr->n_tags && cr->tags_by_key && c->n_tags == img->n_tags && !tags_ok_fast(cr, c))
		return 0;
	for (size_t i = 0; (why || !cr->tags_by_key || c->n_tags < img->n_tags) && i < cr->n_tags; i++) {
		const struct rule_tag *t = &cr->tags[i];
		const char *v;
		if (!img->tags_known)
			WHY("tags unavailable (needs tag %s)", t->key);
		v = image_tag(c, t->key);
		if (!v)
			WHY("tag %s missing", t->key);
		if (!tag_value_ok(t, v))
			WHY("tag %s=\"%s\" not an allowed value", t->key, v);
	}
	if (cr->max_age_days != RULE_NONE) {
		if (img->creation_ms == IMAGE_NO_TIME)
			WHY("creation date unknown (max_age_days %" PRId64 ")", cr->max_age_days);
		u = plus_days(img->creation_ms, cr->max_age_days);
		if (c->now > u)
			WHY("image is %" PRId64 " days old, over max_age_days %" PRId64,
			    (c->now - img->creation_ms) / DAY_MS, cr->max_age_days);
		until = u < until ? u : until;
	}
	if (cr->max_days_since_deprecated != RULE_NONE && img->deprecation_ms != IMAGE_NO_TIME) {
		char t[IT_TIME_BUF];
		if (cr->max_days_since_deprecated == 0) {
			u = img->deprecation_ms - 1;
			if (c->now > u)
				WHY("deprecated since %s (max_days_since_deprecated 0)",
				    format_time_s(img->deprecation_ms, t));
		} else {
			u = plus_days(img->deprecation_ms, cr->max_days_since_deprecated);
			if (c->now > u)
				WHY("deprecated %" PRId64 " days ago, over max_days_since_deprecated %" PRId64,
				    (c->now - img->deprecation_ms) / DAY_MS, cr->max_days_since_deprecated);
		}
		until = u < until ? u : until;
	}
	if (cr->n_watermarks) {
		/* The best window over every (entry, watermark) pair; once it reaches the
		 * rule's window so far, no pair can change the rule's outcome: stop. */
		int64_t best = -1;
		for (size_t i = 0; i < cr->n_watermarks && best < until; i++)
			for (size_t j = 0; j < img->n_watermarks && best < until; j++) {
				u = watermark_until(&cr->watermarks[i], &img->watermarks[j],
						    j < c->n_wm_keys ? &c->wm_key[j] : NULL);
				if (u >= c->now && u > best)
					best = u;
			}
		if (best < 0) {
			if (img->n_watermarks == 0)
				WHY("image has no watermark");
			WHY("no watermark of the image matches watermarks");
		}
		until = best < until ? best : until;
	}
	*ret_until = until;
	return 1;
}

static int exemption_applies(const struct exemption *e, const struct ctx *c)
{
	const struct policy_instance *in = c->inst;

	if (e->expires_at_ms <= c->now)
		return 0;
	if (e->account[0] && !(in->account && strcmp(e->account, in->account) == 0))
		return 0;
	if (e->instance_id[0] && !(in->instance_id && strcmp(e->instance_id, in->instance_id) == 0))
		return 0;
	if (e->image_id[0] && strcmp(e->image_id, c->img->image_id) != 0)
		return 0;
	if (e->tag_key) {
		size_t i;
		if (!in->tags_known)
			return 0;
		for (i = 0; i < in->n_tags; i++)
			if (strcmp(in->tags[i].key, e->tag_key) == 0)
				break;
		if (i == in->n_tags)
			return 0;
		if (strcmp(e->tag_value, "*") != 0 && strcmp(e->tag_value, in->tags[i].value) != 0)
			return 0;
	}
	return 1;
}

static void ctx_init(struct ctx *c, const struct policy_instance *inst, const struct image_facts *img, int64_t now)
{
	c->inst = inst;
	c->img = img;
	c->now = now;
	c->n_tags = 0;
	glob_text_init(&c->name, img->name);
	c->n_wm_keys = img->n_watermarks < IT_MAX_IMAGE_WATERMARKS ? img->n_watermarks : IT_MAX_IMAGE_WATERMARKS;
	for (size_t i = 0; i < c->n_wm_keys; i++)
		glob_text_init(&c->wm_key[i], img->watermarks[i].key);
	c->n_codes = 0;
	if (img->n_product_codes <= IT_MAX_PRODUCT_CODES) {
		for (size_t i = 0; i < img->n_product_codes; i++)
			c->codes[c->n_codes++] = img->product_codes[i];
		qsort(c->codes, c->n_codes, sizeof(c->codes[0]), by_str);
	}
	if (img->n_tags > IT_MAX_FACT_TAGS)
		return;   /* more than facts can hold: image_tag() scans instead */
	for (size_t i = 0; i < img->n_tags; i++)
		c->tags[c->n_tags++] = &img->tags[i];
	qsort(c->tags, c->n_tags, sizeof(c->tags[0]), by_tag_key);
}

int policy_rule_allows(const struct rule *r, const struct policy_instance *inst,
		       const struct image_facts *img, int64_t now_ms)
{
	struct ctx c;
	int64_t until;

	ctx_init(&c, inst, img, now_ms);
	return rule_check(r, &c, &until, NULL, 0);
}

static void next_change(struct verdict *v, int64_t at)
{
	if (at == FOREVER)
		return;
	if (v->next_change_at_ms == VERDICT_NEVER || at < v->next_change_at_ms)
		v->next_change_at_ms = at;
}

void policy_evaluate(const struct rule_set *set, const struct policy_instance *inst,
		     const struct image_facts *img, int64_t now_ms, struct verdict *ret)
{
	struct ctx c;
	const struct rule *matched = NULL;
	const struct exemption *ex = NULL;
	size_t n_enforce = 0, n_audit_allow = 0;
	char why[IT_VERDICT_REASON_LEN];
	int64_t until;

	verdict_init(ret, COMPLIANCE_NON_COMPLIANT);
	ctx_init(&c, inst, img, now_ms);

	/* pass 1: outcomes only */
	for (size_t i = 0; i < set->n_rules; i++) {
		const struct rule *r = set->rules[i];
		if (!r->enabled)
			continue;
		if (r->mode == RULE_ENFORCE)
			n_enforce++;
		if (!rule_check(r, &c, &until, NULL, 0))
			continue;
		next_change(ret, until == FOREVER ? FOREVER : until + 1);
		if (r->mode == RULE_AUDIT)
			n_audit_allow++;
		else if (!matched)
			matched = r;
	}
	for (size_t i = 0; i < set->n_exemptions; i++) {
		const struct exemption *e = set->exemptions[i];
		if (!exemption_applies(e, &c))
			continue;
		next_change(ret, e->expires_at_ms);
		/* the longest-lasting one is the one that keeps the verdict longest */
		if (!ex || e->expires_at_ms > ex->expires_at_ms)
			ex = e;
	}

	/* pass 2: verdict and reasons */
	if (matched) {
		ret->compliance = COMPLIANCE_COMPLIANT;
		snprintf(ret->matched_rule, sizeof(ret->matched_rule), "%s", matched->id);
		verdict_add_reason(ret, "allowed by rule %s", matched->id);
		for (size_t i = 0; n_audit_allow && i < set->n_rules; i++) {
			const struct rule *r = set->rules[i];
			if (r->enabled && r->mode == RULE_AUDIT && rule_check(r, &c, &until, NULL, 0))
				verdict_add_reason(ret, "rule %s (audit) would allow", r->id);
		}
		return;
	}
	if (ex) {
		char t[IT_TIME_BUF];
		ret->compliance = COMPLIANCE_COMPLIANT;
		snprintf(ret->exemption, sizeof(ret->exemption), "%s", ex->id);
		verdict_add_reason(ret, "exempted by %s until %s: %s", ex->id,
				   format_time_s(ex->expires_at_ms, t), ex->reason ? ex->reason : "");
	} else if (img->status == IMAGE_UNKNOWN && n_enforce > 0) {
		/* Unknown facts matter only when some rule might have allowed the image:
		 * with an empty allow-list the answer is NON_COMPLIANT whatever the facts. */
		ret->compliance = COMPLIANCE_INSUFFICIENT_DATA;
		verdict_add_reason(ret, "facts of image %s could not be read", img->image_id);
	}
	if (n_enforce == 0)
		verdict_add_reason(ret, "allow-list is empty: no enabled enforce rule, so nothing is allowed");
	for (size_t i = 0; i < set->n_rules; i++) {
		const struct rule *r = set->rules[i];
		const char *mode = r->mode == RULE_AUDIT ? " (audit)" : "";
		if (!r->enabled)
			continue;
		if (ret->n_reasons >= IT_VERDICT_MAX_REASONS) {
			ret->n_omitted++;
			continue;
		}
		if (rule_check(r, &c, &until, why, sizeof(why)))
			verdict_add_reason(ret, "rule %s (audit) would allow", r->id);
		else
			verdict_add_reason(ret, "rule %s%s: %s", r->id, mode, why);
	}
}
