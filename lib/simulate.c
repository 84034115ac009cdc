/* simulate.c: current vs proposed allow-list over every known instance (see simulate.h). */
#include "simulate.h"

#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "status.h"
#include "store_rule.h"
#include "store_verdict.h"
#include "verdict.h"
#include "limits.h"

#define SIM_PAGE 200

/*
 * Image facts by (region, image id), read once per simulation instead of once per
 * instance: instances come in (account, region, instance id) order, so consecutive
 * ones rarely share an image, and reading and parsing the stored facts was most of the
 * time of a simulation over a million instances. Open addressing over
 * IT_SIM_FACTS_CACHE slots, at most three quarters full; when full it is emptied and
 * refilled (a fleet with more images than that reads some twice, never unboundedly
 * many into memory). An image with no registered facts is cached as unknown.
 */
struct facts_slot {
	char region[IT_REGION_SIZE];
	char image_id[IT_IMAGE_ID_SIZE];
	struct image_facts *f;     /* NULL: empty slot */
};

struct facts_cache {
	struct facts_slot *slots;  /* IT_SIM_FACTS_CACHE */
	size_t used;
};

static uint64_t facts_hash(const char *region, const char *image_id)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */

	for (const char *p = region; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ '/') * 1099511628211ULL;
	for (const char *p = image_id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static void facts_cache_clear(struct facts_cache *c)
{
	for (size_t i = 0; c->slots && i < IT_SIM_FACTS_CACHE; i++) {
		image_facts_free(c->slots[i].f);
		c->slots[i].f = NULL;
	}
	c->used = 0;
}

static int facts_for(struct store *s, struct facts_cache *c, const char *region, const char *image_id,
		     const struct image_facts **ret)
{
	struct image_facts *f = NULL;
	size_t i;
	int rc;

	if (strlen(region) >= sizeof(c->slots[0].region) || strlen(image_id) >= sizeof(c->slots[0].image_id))
		return IT_EINVAL;
	for (i = facts_hash(region, image_id) % IT_SIM_FACTS_CACHE; c->slots[i].f;
	     i = (i + 1) % IT_SIM_FACTS_CACHE) {
		if (strcmp(c->slots[i].region, region) == 0 && strcmp(c->slots[i].image_id, image_id) == 0) {
			*ret = c->slots[i].f;
			return IT_OK;
		}
	}
	rc = store_image_get(s, region, image_id, &f, NULL);
	if (rc == IT_ENOTFOUND) {
		f = image_facts_new(image_id);
		if (!f)
			return IT_ENOMEM;
		f->status = IMAGE_UNKNOWN;
	} else if (rc) {
		return rc;
	}
	if (c->used >= IT_SIM_FACTS_CACHE / 4 * 3) {
		facts_cache_clear(c);
		i = facts_hash(region, image_id) % IT_SIM_FACTS_CACHE;
	}
	snprintf(c->slots[i].region, sizeof(c->slots[i].region), "%s", region);
	snprintf(c->slots[i].image_id, sizeof(c->slots[i].image_id), "%s", image_id);
	c->slots[i].f = f;
	c->used++;
	*ret = f;
	return IT_OK;
}

/* Instance tags matter to a verdict only through exemptions by tag (rule criteria
 * name the image's tags): without one in either set, a simulation never parses them. */
static int needs_instance_tags(const struct rule_set *set)
{
	for (size_t i = 0; i < set->n_exemptions; i++)
		if (set->exemptions[i]->tag_key)
			return 1;
	return 0;
}

/* Judges one stored instance under set into *v. */
static int judge(struct store *s, struct facts_cache *cache, const struct rule_set *set,
		 const struct verdict_row *row, const json_t *tags, int64_t now, struct verdict *v)
{
	struct image_tag tv[IT_MAX_FACT_TAGS];
	struct policy_instance pi;
	const struct image_facts *img = NULL;
	const char *k;
	json_t *val;
	size_t nt = 0;
	int rc;

	if (!row->image_id[0]) {
		verdict_init(v, COMPLIANCE_INSUFFICIENT_DATA);
		verdict_add_reason(v, "the instance's image is not known");
		return IT_OK;
	}
	rc = facts_for(s, cache, row->region, row->image_id, &img);
	if (rc)
		return rc;
	json_object_foreach((json_t *)tags, k, val) {
		if (nt >= IT_MAX_FACT_TAGS || !json_is_string(val))
			continue;
		tv[nt].key = (char *)k;
		tv[nt].value = (char *)json_string_value(val);
		nt++;
	}
	memset(&pi, 0, sizeof(pi));
	pi.account = row->account;
	pi.region = row->region;
	pi.instance_id = row->instance_id;
	pi.state = row->state[0] ? row->state : NULL;
	pi.tags = tv;
	pi.n_tags = nt;
	pi.tags_known = tags != NULL;
	policy_evaluate(set, &pi, img, now, v);
	return IT_OK;
}

static json_t *change_json(const struct verdict_row *row, const struct verdict *from, const struct verdict *to)
{
	json_t *vj = NULL, *c;

	if (verdict_to_json(to, &vj) != IT_OK)
		return NULL;
	c = json_pack("{s:s,s:s,s:s,s:s?,s:s,s:s,s:O,s:O,s:O}", "account", row->account, "region", row->region,
		      "instance_id", row->instance_id, "image_id", row->image_id[0] ? row->image_id : NULL, "from",
		      compliance_names[from->compliance], "to", compliance_names[to->compliance], "reasons",
		      json_object_get(vj, "reasons"), "matched_rule", json_object_get(vj, "matched_rule"),
		      "exemption", json_object_get(vj, "exemption"));
	json_decref(vj);
	return c;
}

static json_t *counts_json(const size_t n[COMPLIANCE__MAX])
{
	json_t *o = json_object();

	for (int i = 0; o && i < COMPLIANCE__MAX; i++) {
		if (json_object_set_new(o, compliance_names[i], json_integer((json_int_t)n[i]))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int simulate_run(struct store *s, const struct rule_set *current, const struct rule_set *proposed, int64_t now_ms,
		 size_t max_changes, json_t **ret)
{
	char after_a[IT_ACCOUNT_ID_SIZE] = "", after_r[IT_REGION_SIZE] = "", after_i[IT_INSTANCE_ID_SIZE] = "";
	size_t from_n[COMPLIANCE__MAX] = {0}, to_n[COMPLIANCE__MAX] = {0};
	size_t n = 0, evaluated = 0, changed = 0, skipped = 0;
	struct facts_cache cache = {calloc(IT_SIM_FACTS_CACHE, sizeof(struct facts_slot)), 0};
	struct verdict_row *page = calloc(SIM_PAGE, sizeof(*page));
	json_t *changes = json_array(), *out = NULL;
	int rc = page && changes && cache.slots ? IT_OK : IT_ENOMEM, in_txn = 0;
	int want_tags = needs_instance_tags(current) || needs_instance_tags(proposed);

	/* A deferred read transaction: one snapshot for every page, no write lock. */
	if (rc == IT_OK) {
		rc = store_exec(s, "BEGIN DEFERRED");
		in_txn = rc == IT_OK;
	}
	while (rc == IT_OK) {
		rc = store_verdict_page(s, NULL, NULL, after_a, after_r, after_i, page, SIM_PAGE, &n);
		if (rc)
			break;
		for (size_t i = 0; rc == IT_OK && i < n; i++) {
			const struct verdict_row *row = &page[i];
			struct verdict from, to;
			json_t *tags = NULL;

			if (strcmp(row->compliance, compliance_names[COMPLIANCE_NOT_APPLICABLE]) == 0 ||
			    strcmp(row->state, "terminated") == 0) {
				skipped++;
				continue;
			}
			if (row->tags_json && want_tags)
				tags = json_loads(row->tags_json, 0, NULL);
			rc = judge(s, &cache, current, row, tags, now_ms, &from);
			if (rc == IT_OK)
				rc = judge(s, &cache, proposed, row, tags, now_ms, &to);
			json_decref(tags);
			if (rc)
				break;
			evaluated++;
			from_n[from.compliance]++;
			to_n[to.compliance]++;
			if (from.compliance == to.compliance)
				continue;
			changed++;
			if (json_array_size(changes) < max_changes) {
				json_t *c = change_json(row, &from, &to);
				if (!c || json_array_append_new(changes, c))
					rc = IT_ENOMEM;
			}
		}
		if (n) {
			snprintf(after_a, sizeof(after_a), "%s", page[n - 1].account);
			snprintf(after_r, sizeof(after_r), "%s", page[n - 1].region);
			snprintf(after_i, sizeof(after_i), "%s", page[n - 1].instance_id);
		}
		for (size_t i = 0; i < n; i++)
			verdict_row_finish(&page[i]);
		if (n < SIM_PAGE)
			break;
	}
	if (in_txn && store_exec(s, "COMMIT") != IT_OK)
		store_rollback(s);
	if (rc == IT_OK) {
		json_t *from_j = counts_json(from_n), *to_j = counts_json(to_n);
		out = from_j && to_j
			? json_pack("{s:I,s:I,s:I,s:{s:o,s:o},s:O,s:b}", "evaluated", (json_int_t)evaluated, "changed",
				    (json_int_t)changed, "skipped_not_applicable", (json_int_t)skipped, "counts", "from",
				    from_j, "to", to_j, "changes", changes, "truncated", changed > json_array_size(changes))
			: NULL;
		if (!from_j || !to_j) {
			json_decref(from_j);
			json_decref(to_j);
		}
		if (!out)
			rc = IT_ENOMEM;
	}
	json_decref(changes);
	facts_cache_clear(&cache);
	free(cache.slots);
	free(page);
	if (rc == IT_OK)
		*ret = out;
	return rc;
}
