/* simulate_template.c: current vs proposed allow-list over every known launch template
 * (see simulate_template.h). */
#include "simulate_template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "policy.h"
#include "status.h"
#include "store.h"
#include "store_rule.h"
#include "store_template.h"
#include "verdict.h"

#define SIM_PAGE 200

struct sim {
	struct store *s;
	const struct rule_set *current, *proposed;
	int64_t now;
	size_t max_changes;
	size_t evaluated, changed, skipped, n;
	json_t *changes;
	/* the image facts of the previous template: templates of one Region often share one */
	char region[32], image_id[IT_LT_AMI_BUF];
	struct image_facts *facts;
};

static int facts_for(struct sim *m, const char *region, const char *image_id, const struct image_facts **ret)
{
	struct image_facts *f = NULL;
	int rc;

	if (m->facts && strcmp(m->region, region) == 0 && strcmp(m->image_id, image_id) == 0) {
		*ret = m->facts;
		return IT_OK;
	}
	rc = store_image_get(m->s, region, image_id, &f, NULL);
	if (rc == IT_ENOTFOUND) {
		if (!(f = image_facts_new(image_id)))
			return IT_ENOMEM;
		f->status = IMAGE_UNKNOWN;
	} else if (rc) {
		return rc;
	}
	image_facts_free(m->facts);
	m->facts = f;
	snprintf(m->region, sizeof(m->region), "%s", region);
	snprintf(m->image_id, sizeof(m->image_id), "%s", image_id);
	*ret = f;
	return IT_OK;
}

static json_t *change_json(const struct template_row *t, const struct verdict *from, const struct verdict *to)
{
	json_t *vj = NULL, *c;

	if (verdict_to_json(to, &vj) != IT_OK)
		return NULL;
	c = json_pack("{s:s,s:s,s:s,s:I,s:s?,s:s?,s:s,s:s,s:O,s:O,s:O}", "account", t->account, "region", t->region,
		      "launch_template_id", t->template_id, "version", (json_int_t)t->default_version, "image",
		      t->image_ref, "image_id", t->image_id, "from", compliance_names[from->compliance], "to",
		      compliance_names[to->compliance], "reasons", json_object_get(vj, "reasons"), "matched_rule",
		      json_object_get(vj, "matched_rule"), "exemption", json_object_get(vj, "exemption"));
	json_decref(vj);
	return c;
}

static int take(void *ctx, const struct template_row *t)
{
	struct sim *m = ctx;
	const struct image_facts *img = NULL;
	struct policy_instance pi;
	struct verdict from, to;
	char id[IT_LT_ID_BUF + 24];
	int rc;

	m->n++;
	if (t->deleted || !t->default_version || (t->compliance && strcmp(t->compliance, "NOT_APPLICABLE") == 0)) {
		m->skipped++;
		return IT_OK;
	}
	m->evaluated++;
	if (!t->image_id || !*t->image_id)
		return IT_OK;   /* an alias never resolved: INSUFFICIENT_DATA under either set */
	rc = facts_for(m, t->region, t->image_id, &img);
	if (rc)
		return rc;
	snprintf(id, sizeof(id), "%s:%lld", t->template_id, (long long)t->default_version);
	memset(&pi, 0, sizeof(pi));
	pi.account = t->account;
	pi.region = t->region;
	pi.instance_id = id;
	policy_evaluate(m->current, &pi, img, m->now, &from);
	policy_evaluate(m->proposed, &pi, img, m->now, &to);
	if (from.compliance == to.compliance)
		return IT_OK;
	m->changed++;
	if (json_array_size(m->changes) < m->max_changes) {
		json_t *c = change_json(t, &from, &to);
		if (!c || json_array_append_new(m->changes, c))
			return IT_ENOMEM;
	}
	return IT_OK;
}

int simulate_templates(struct store *s, const struct rule_set *current, const struct rule_set *proposed,
		       int64_t now_ms, size_t max_changes, json_t **ret)
{
	struct sim m;
	struct query_filter f;
	struct query_page page;
	struct query_key after;
	json_t *out = NULL;
	int rc, in_txn, first = 1;

	memset(&m, 0, sizeof(m));
	m.s = s;
	m.current = current;
	m.proposed = proposed;
	m.now = now_ms;
	m.max_changes = max_changes;
	m.changes = json_array();
	if (!m.changes)
		return IT_ENOMEM;
	query_filter_init(&f);
	rc = store_exec(s, "BEGIN DEFERRED");   /* one snapshot for every page */
	in_txn = rc == IT_OK;
	while (rc == IT_OK) {
		m.n = 0;
		rc = store_template_list(s, &f, first ? NULL : &after, SIM_PAGE, take, &m, &page);
		first = 0;
		if (rc || !page.has_next)
			break;
		after = page.next;
	}
	if (in_txn && store_exec(s, "COMMIT") != IT_OK)
		store_rollback(s);
	if (rc == IT_OK) {
		out = json_pack("{s:I,s:I,s:I,s:O,s:b}", "evaluated", (json_int_t)m.evaluated, "changed",
				(json_int_t)m.changed, "skipped_not_applicable", (json_int_t)m.skipped, "changes",
				m.changes, "truncated", m.changed > json_array_size(m.changes));
		if (!out)
			rc = IT_ENOMEM;
	}
	json_decref(m.changes);
	image_facts_free(m.facts);
	if (rc == IT_OK)
		*ret = out;
	return rc;
}
