/*
 * rule_import.c: imports and exports of rule sets (see rule_import.h).
 *
 * Foreign formats are first translated into Italic's own rule JSON and then go through
 * rule_from_json, so an imported rule is validated by exactly the rules a rule written
 * through the API is.
 */
#include "rule_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glob.h"
#include "limits.h"
#include "parse.h"
#include "status.h"

const char *const rule_format_names[RULE_FORMAT__MAX] = {"italic", "approved-amis-by-id", "allowed-amis"};
_Static_assert(sizeof(rule_format_names) / sizeof(rule_format_names[0]) == RULE_FORMAT__MAX,
	       "rule_format_names");

int rule_format_from_name(const char *s, enum rule_format *ret)
{
	for (int i = 0; s && i < RULE_FORMAT__MAX; i++)
		if (strcmp(s, rule_format_names[i]) == 0) {
			*ret = (enum rule_format)i;
			return IT_OK;
		}
	return IT_EINVAL;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int rule_import_detect(const char *data, size_t len, enum rule_format *ret)
{
	size_t i = 0;
	json_t *j = NULL;
	struct json_err err;
	enum rule_format f;

	while (i < len && is_space(data[i]))
		i++;
	if (i == len)
		return IT_EINVAL;
	if (len - i >= 4 && strncmp(data + i, "ami-", 4) == 0) {
		*ret = RULE_FORMAT_AMI_CSV;
		return IT_OK;
	}
	if (data[i] == '[') {
		*ret = RULE_FORMAT_ALLOWED_AMIS;
		return IT_OK;
	}
	if (data[i] != '{' ||
	    json_load_bounded(data, len, IT_MAX_RULES_DOC, IT_MAX_JSON_DEPTH, &j, &err) != IT_OK)
		return IT_EINVAL;
	if (json_object_get(j, "ImageCriteria"))
		f = RULE_FORMAT_ALLOWED_AMIS;
	else if (json_object_get(j, "rules") || json_object_get(j, "exemptions"))
		f = RULE_FORMAT_ITALIC;
	else {
		json_decref(j);
		return IT_EINVAL;
	}
	json_decref(j);
	*ret = f;
	return IT_OK;
}

/* Prefixes err->field with prefix ("rules[2]" + "." + field). */
static int err_prefix(struct json_err *err, int rc, const char *prefix)
{
	char f[sizeof(err->field)];

	if (!err)
		return rc;
	if (snprintf(f, sizeof(f), "%s%s%s", prefix, err->field[0] ? "." : "", err->field) >= (int)sizeof(f))
		f[sizeof(f) - 1] = '\0';
	memcpy(err->field, f, sizeof(f));
	return rc;
}

static int add_rule_json(struct rule_set *set, const json_t *doc, const char *where, struct json_err *err)
{
	struct rule *r = NULL;
	int rc = rule_from_json(doc, &r, err);

	if (rc == IT_OK && (rc = rule_check_size(r, err)) != IT_OK)
		rule_free(r);
	if (rc)
		return rc == IT_EINVAL ? err_prefix(err, rc, where) : rc;
	if (!r->id[0]) {
		rule_free(r);
		return json_err_set(err, IT_EINVAL, where, "id is required in an import");
	}
	if (rule_set_find(set, r->id)) {
		rule_free(r);
		return json_err_set(err, IT_EINVAL, where, "duplicate rule id");
	}
	rc = rule_set_add_rule(set, r);
	if (rc) {
		rule_free(r);
		if (rc == IT_ETOOBIG)
			return json_err_set(err, IT_ETOOBIG, where, "more than %d rules", IT_MAX_RULES);
	}
	return rc;
}

static const struct json_field italic_fields[] = {
	{"rules", JK_ARRAY, 0, IT_MAX_RULES, NULL},
	{"exemptions", JK_ARRAY, 0, IT_MAX_EXEMPTIONS, NULL},
};

static int import_italic(const json_t *doc, struct rule_set *set, struct json_err *err)
{
	char where[64];
	size_t i;
	json_t *it;
	int rc = json_check_fields(doc, italic_fields, ARRAY_LEN(italic_fields), "", err);

	if (rc)
		return rc;
	json_array_foreach(json_object_get(doc, "rules"), i, it) {
		snprintf(where, sizeof(where), "rules[%zu]", i);
		rc = add_rule_json(set, it, where, err);
		if (rc)
			return rc;
	}
	json_array_foreach(json_object_get(doc, "exemptions"), i, it) {
		struct exemption *e = NULL;
		snprintf(where, sizeof(where), "exemptions[%zu]", i);
		rc = exemption_from_json(it, 0, EXEMPTION_STORED, &e, err);
		if (rc)
			return rc == IT_EINVAL ? err_prefix(err, rc, where) : rc;
		rc = rule_set_add_exemption(set, e);
		if (rc) {
			exemption_free(e);
			return rc;
		}
	}
	return IT_OK;
}

static int import_csv(const char *data, size_t len, struct rule_set *set, struct json_err *err)
{
	char id[32], where[32];
	size_t i = 0, n_ids = 0, start, end;
	json_t *ids = NULL, *doc = NULL;
	int rc;

	while (len > 0 && is_space(data[len - 1]))
		len--;
	while (i < len && is_space(data[i]))
		i++;
	if (len - i > IT_MAX_AMI_CSV)
		return json_err_set(err, IT_EINVAL, "amiIds", "longer than %d characters", IT_MAX_AMI_CSV);
	ids = json_array();
	if (!ids)
		return IT_ENOMEM;
	for (;;) {
		start = i;
		while (i < len && data[i] != ',')
			i++;
		end = i;
		while (start < end && is_space(data[start]))
			start++;
		while (end > start && is_space(data[end - 1]))
			end--;
		snprintf(where, sizeof(where), "amiIds[%zu]", n_ids);
		if (end - start >= sizeof(id) || end == start) {
			json_decref(ids);
			return json_err_set(err, IT_EINVAL, where, end == start ? "is empty" : "is not an AMI ID");
		}
		memcpy(id, data + start, end - start);
		id[end - start] = '\0';
		if (!valid_image_id(id)) {
			json_decref(ids);
			return json_err_set(err, IT_EINVAL, where, "is not an AMI ID (ami- and 8 or 17 lower-case hex digits)");
		}
		if (++n_ids > IT_MAX_AMI_CSV_IDS) {
			json_decref(ids);
			return json_err_set(err, IT_EINVAL, "amiIds", "more than %d AMI IDs", IT_MAX_AMI_CSV_IDS);
		}
		if (json_array_append_new(ids, json_string(id))) {
			json_decref(ids);
			return IT_ENOMEM;
		}
		if (i >= len)
			break;
		i++;   /* the comma */
	}
	doc = json_pack("{s:s, s:s, s:{s:o}}", "id", "approved-amis-by-id", "name",
			"Imported from approved-amis-by-id", "criteria", "image_ids", ids);
	if (!doc)
		return IT_ENOMEM;
	rc = add_rule_json(set, doc, "amiIds", err);
	json_decref(doc);
	return rc;
}

/* Allowed AMIs criterion i -> Italic rule JSON (a new reference in *ret). */
static const struct json_field criterion_fields[] = {
	{"ImageProviders", JK_ARRAY, 0, IT_MAX_OWNERS, NULL},
	{"MarketplaceProductCodes", JK_ARRAY, 0, IT_MAX_PRODUCT_CODES, NULL},
	{"ImageNames", JK_ARRAY, 0, IT_MAX_NAME_PATTERNS, NULL},
	{"CreationDateCondition", JK_OBJECT, 0, 0, NULL},
	{"DeprecationTimeCondition", JK_OBJECT, 0, 0, NULL},
	{"ImageWatermarks", JK_ARRAY, 0, IT_MAX_WATERMARKS, NULL},
};
static const struct json_field creation_fields[] = {
	{"MaximumDaysSinceCreated", JK_INT, 0, 0, NULL},
};
static const struct json_field deprecation_fields[] = {
	{"MaximumDaysSinceDeprecated", JK_INT, 0, 0, NULL},
};
static const struct json_field watermark_fields[] = {
	{"WatermarkKey", JK_STRING, 0, 0, NULL},
	{"SourceImageRegion", JK_STRING, 0, 0, NULL},
	{"MaximumDaysSinceSourceImageCreated", JK_INT, 0, 0, NULL},
	{"MaximumDaysSinceWatermarkCreated", JK_INT, 0, 0, NULL},
};

static int copy_key(json_t *dst, const char *dkey, const json_t *src, const char *skey)
{
	json_t *v = json_object_get(src, skey);

	if (!v)
		return IT_OK;
	return json_object_set(dst, dkey, v) == 0 ? IT_OK : IT_ENOMEM;
}

static int criterion_to_rule(const json_t *c, const char *where, json_t **ret, struct json_err *err)
{
	char path[160];
	json_t *crit = json_object(), *doc = NULL, *v;
	int rc = crit ? json_check_fields(c, criterion_fields, ARRAY_LEN(criterion_fields), where, err) : IT_ENOMEM;

	if (rc == 0 && (v = json_object_get(c, "CreationDateCondition"))) {
		snprintf(path, sizeof(path), "%s.CreationDateCondition", where);
		rc = json_check_fields(v, creation_fields, ARRAY_LEN(creation_fields), path, err);
		if (rc == 0)
			rc = copy_key(crit, "max_age_days", v, "MaximumDaysSinceCreated");
	}
	if (rc == 0 && (v = json_object_get(c, "DeprecationTimeCondition"))) {
		snprintf(path, sizeof(path), "%s.DeprecationTimeCondition", where);
		rc = json_check_fields(v, deprecation_fields, ARRAY_LEN(deprecation_fields), path, err);
		if (rc == 0)
			rc = copy_key(crit, "max_days_since_deprecated", v, "MaximumDaysSinceDeprecated");
	}
	if (rc == 0 && (v = json_object_get(c, "ImageProviders"))) {
		size_t i, n_none = 0;
		json_t *it, *owners = json_array();
		rc = owners ? IT_OK : IT_ENOMEM;
		json_array_foreach(v, i, it) {
			const char *p = json_string_value(it);
			if (rc)
				break;
			if (p && strcmp(p, "none") == 0) {
				n_none++;
				p = "self";
			}
			if (json_array_append_new(owners, it && p ? json_string(p) : json_null()))
				rc = IT_ENOMEM;
		}
		if (rc == 0 && n_none && json_array_size(v) > 1) {
			snprintf(path, sizeof(path), "%s.ImageProviders", where);
			rc = json_err_set(err, IT_EINVAL, path, "\"none\" cannot be combined with other providers");
		}
		if (rc == 0 && json_object_set_new(crit, "owners", owners))
			rc = IT_ENOMEM;
		else if (rc)
			json_decref(owners);
	}
	if (rc == 0)
		rc = copy_key(crit, "name_patterns", c, "ImageNames");
	if (rc == 0)
		rc = copy_key(crit, "product_codes", c, "MarketplaceProductCodes");
	if (rc == 0 && (v = json_object_get(c, "ImageWatermarks"))) {
		size_t i;
		json_t *it, *wms = json_array();
		rc = wms ? IT_OK : IT_ENOMEM;
		json_array_foreach(v, i, it) {
			json_t *w;
			if (rc)
				break;
			snprintf(path, sizeof(path), "%s.ImageWatermarks[%zu]", where, i);
			rc = json_check_fields(it, watermark_fields, ARRAY_LEN(watermark_fields), path, err);
			if (rc)
				break;
			w = json_object();
			rc = w ? IT_OK : IT_ENOMEM;
			if (rc == 0)
				rc = copy_key(w, "key", it, "WatermarkKey");
			if (rc == 0)
				rc = copy_key(w, "source_region", it, "SourceImageRegion");
			if (rc == 0)
				rc = copy_key(w, "max_days_since_source_created", it, "MaximumDaysSinceSourceImageCreated");
			if (rc == 0)
				rc = copy_key(w, "max_days_since_watermark_created", it, "MaximumDaysSinceWatermarkCreated");
			if (rc == 0 && json_array_append_new(wms, w))
				rc = IT_ENOMEM;
			else if (rc)
				json_decref(w);
		}
		if (rc == 0 && json_object_set_new(crit, "watermarks", wms))
			rc = IT_ENOMEM;
		else if (rc)
			json_decref(wms);
	}
	if (rc == 0) {
		doc = json_pack("{s:O}", "criteria", crit);
		rc = doc ? IT_OK : IT_ENOMEM;
	}
	json_decref(crit);
	if (rc)
		return rc;
	*ret = doc;
	return IT_OK;
}

static const struct json_field settings_fields[] = {
	{"State", JK_STRING, 0, 32, NULL},
	{"ImageCriteria", JK_ARRAY, 1, 0, NULL},
	{"ManagedBy", JK_STRING, 0, 64, NULL},
};

static int import_allowed(const json_t *doc, struct rule_set *set, struct json_err *err)
{
	const json_t *list = doc;
	char where[64], id[48];
	size_t i;
	json_t *c;
	int rc;

	if (json_is_object(doc)) {
		rc = json_check_fields(doc, settings_fields, ARRAY_LEN(settings_fields), "", err);
		if (rc)
			return rc;
		list = json_object_get(doc, "ImageCriteria");
	} else if (!json_is_array(doc)) {
		return json_err_set(err, IT_EINVAL, "", "must be an ImageCriteria array or a GetAllowedImagesSettings object");
	}
	if (json_array_size(list) > IT_MAX_RULES)
		return json_err_set(err, IT_EINVAL, "ImageCriteria", "more than %d criteria", IT_MAX_RULES);
	json_array_foreach(list, i, c) {
		json_t *r = NULL;
		snprintf(where, sizeof(where), "ImageCriteria[%zu]", i);
		rc = criterion_to_rule(c, where, &r, err);
		if (rc)
			return rc;
		snprintf(id, sizeof(id), "allowed-amis-%zu", i + 1);
		if (json_object_set_new(r, "id", json_string(id))) {
			json_decref(r);
			return IT_ENOMEM;
		}
		rc = add_rule_json(set, r, where, err);
		json_decref(r);
		if (rc)
			return rc;
	}
	return IT_OK;
}

int rule_import(const char *data, size_t len, enum rule_format fmt, struct rule_set *set, struct json_err *err)
{
	json_t *doc = NULL;
	int rc;

	if (len > IT_MAX_RULES_DOC)
		return json_err_set(err, IT_ETOOBIG, "", "document is over %d bytes", IT_MAX_RULES_DOC);
	if (fmt == RULE_FORMAT_AMI_CSV)
		return import_csv(data, len, set, err);
	rc = json_load_bounded(data, len, IT_MAX_RULES_DOC, IT_MAX_JSON_DEPTH, &doc, err);
	if (rc)
		return rc;
	switch (fmt) {
	case RULE_FORMAT_ITALIC:
		rc = import_italic(doc, set, err);
		break;
	case RULE_FORMAT_ALLOWED_AMIS:
		rc = import_allowed(doc, set, err);
		break;
	default:
		rc = json_err_set(err, IT_EINVAL, "", "unknown format");
		break;
	}
	json_decref(doc);
	return rc;
}

int rule_export_italic(const struct rule_set *set, json_t **ret)
{
	json_t *rules = json_array(), *exs = json_array(), *doc;
	int rc = (rules && exs) ? IT_OK : IT_ENOMEM;

	for (size_t i = 0; rc == 0 && i < set->n_rules; i++) {
		json_t *j = NULL;
		rc = rule_to_json(set->rules[i], &j);
		if (rc == 0 && json_array_append_new(rules, j))
			rc = IT_ENOMEM;
	}
	for (size_t i = 0; rc == 0 && i < set->n_exemptions; i++) {
		json_t *j = NULL;
		rc = exemption_to_json(set->exemptions[i], &j);
		if (rc == 0 && json_array_append_new(exs, j))
			rc = IT_ENOMEM;
	}
	doc = rc == 0 ? json_pack("{s:o, s:o}", "rules", rules, "exemptions", exs) : NULL;
	if (!doc) {
		if (rc == 0)
			return IT_ENOMEM;   /* json_pack "o" stole both references */
		json_decref(rules);
		json_decref(exs);
		return rc;
	}
	*ret = doc;
	return IT_OK;
}

/* Why r cannot become an ImageCriterion, or NULL when it can. */
static const char *inexpressible(const struct rule *r)
{
	const struct rule_criteria *c = &r->criteria;

	if (!r->enabled)
		return "disabled";
	if (r->mode == RULE_AUDIT)
		return "audit mode has no Allowed AMIs equivalent (Allowed AMIs audit-mode is account-wide)";
	if (r->scope.accounts.n || r->scope.regions.n)
		return "scope has no Allowed AMIs equivalent (the setting is per account and Region)";
	if (c->image_ids.n)
		return "image_ids have no Allowed AMIs equivalent";
	if (c->n_tags)
		return "tags have no Allowed AMIs equivalent";
	if (c->platforms.n)
		return "platforms have no Allowed AMIs equivalent";
	if (c->owners.n > 1 && (c->owners.v && c->owners.n)) {
		for (size_t i = 0; i < c->owners.n; i++)
			if (strcmp(c->owners.v[i], "self") == 0)
				return "owners mixes self with others; Allowed AMIs \"none\" cannot be combined";
	}
	for (size_t i = 0; i < c->name_patterns.n; i++)
		if (strchr(c->name_patterns.v[i], '?') && strlen(c->name_patterns.v[i]) < 3)
			return "a name pattern with '?' is shorter than the 3 characters Allowed AMIs requires";
	return NULL;
}

static int put_list(json_t *o, const char *key, const struct rule_list *l, int self_to_none)
{
	json_t *a;

	if (l->n == 0)
		return IT_OK;
	a = json_array();
	if (!a)
		return IT_ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		const char *v = self_to_none && strcmp(l->v[i], "self") == 0 ? "none" : l->v[i];
		if (json_array_append_new(a, json_string(v))) {
			json_decref(a);
			return IT_ENOMEM;
		}
	}
	return json_object_set_new(o, key, a) ? IT_ENOMEM : IT_OK;
}

static int criterion_of(const struct rule *r, json_t **ret)
{
	const struct rule_criteria *c = &r->criteria;
	json_t *o = json_object();
	int rc = o ? IT_OK : IT_ENOMEM;

	if (rc == 0)
		rc = put_list(o, "ImageProviders", &c->owners, 1);
	if (rc == 0)
		rc = put_list(o, "MarketplaceProductCodes", &c->product_codes, 0);
	if (rc == 0)
		rc = put_list(o, "ImageNames", &c->name_patterns, 0);
	if (rc == 0 && c->max_age_days != RULE_NONE &&
	    json_object_set_new(o, "CreationDateCondition",
				json_pack("{s:I}", "MaximumDaysSinceCreated", (json_int_t)c->max_age_days)))
		rc = IT_ENOMEM;
	if (rc == 0 && c->max_days_since_deprecated != RULE_NONE &&
	    json_object_set_new(o, "DeprecationTimeCondition",
				json_pack("{s:I}", "MaximumDaysSinceDeprecated", (json_int_t)c->max_days_since_deprecated)))
		rc = IT_ENOMEM;
	if (rc == 0 && c->n_watermarks) {
		json_t *a = json_array();
		rc = a ? IT_OK : IT_ENOMEM;
		for (size_t i = 0; rc == 0 && i < c->n_watermarks; i++) {
			const struct rule_watermark *m = &c->watermarks[i];
			json_t *w = json_object();
			if (!w) {
				rc = IT_ENOMEM;
				break;
			}
			if (m->key && json_object_set_new(w, "WatermarkKey", json_string(m->key)))
				rc = IT_ENOMEM;
			if (rc == 0 && m->source_region &&
			    json_object_set_new(w, "SourceImageRegion", json_string(m->source_region)))
				rc = IT_ENOMEM;
			if (rc == 0 && m->max_days_since_source_created != RULE_NONE &&
			    json_object_set_new(w, "MaximumDaysSinceSourceImageCreated",
						json_integer(m->max_days_since_source_created)))
				rc = IT_ENOMEM;
			if (rc == 0 && m->max_days_since_watermark_created != RULE_NONE &&
			    json_object_set_new(w, "MaximumDaysSinceWatermarkCreated",
						json_integer(m->max_days_since_watermark_created)))
				rc = IT_ENOMEM;
			if (rc == 0 && json_array_append_new(a, w))
				rc = IT_ENOMEM;
			else if (rc)
				json_decref(w);
		}
		if (rc == 0 && json_object_set_new(o, "ImageWatermarks", a))
			rc = IT_ENOMEM;
		else if (rc)
			json_decref(a);
	}
	if (rc) {
		json_decref(o);
		return rc;
	}
	*ret = o;
	return IT_OK;
}

int rule_export_allowed_amis(const struct rule_set *set, json_t **ret, struct rule_skip **ret_skipped,
			     size_t *ret_n_skipped)
{
	struct rule_skip *skipped = NULL;
	size_t n_skipped = 0;
	json_t *list = json_array(), *doc = NULL;
	int rc = list ? IT_OK : IT_ENOMEM;

	if (rc == 0 && set->n_rules) {
		skipped = calloc(set->n_rules, sizeof(*skipped));
		if (!skipped)
			rc = IT_ENOMEM;
	}
	for (size_t i = 0; rc == 0 && i < set->n_rules; i++) {
		const struct rule *r = set->rules[i];
		const char *why = inexpressible(r);
		json_t *c = NULL;
		if (!why && json_array_size(list) >= IT_MAX_ALLOWED_CRITERIA)
			why = "Allowed AMIs takes at most 10 image criteria";
		if (why) {
			struct rule_skip *s = &skipped[n_skipped++];
			snprintf(s->rule_id, sizeof(s->rule_id), "%s", r->id);
			snprintf(s->reason, sizeof(s->reason), "%s", why);
			continue;
		}
		rc = criterion_of(r, &c);
		if (rc == 0 && json_array_append_new(list, c))
			rc = IT_ENOMEM;
	}
	if (rc == 0) {
		doc = json_pack("{s:O}", "ImageCriteria", list);
		if (!doc)
			rc = IT_ENOMEM;
	}
	json_decref(list);
	if (rc) {
		free(skipped);
		return rc;
	}
	if (n_skipped == 0) {
		free(skipped);
		skipped = NULL;
	}
	*ret = doc;
	*ret_skipped = skipped;
	*ret_n_skipped = n_skipped;
	return IT_OK;
}

/* Rule JSON text without version and timestamps; caller frees. */
static char *body_text(const struct rule *r)
{
	struct rule shallow = *r;
	json_t *j = NULL;
	char *t;

	shallow.version = 0;
	shallow.created_at_ms = RULE_NONE;
	shallow.updated_at_ms = RULE_NONE;
	if (rule_to_json(&shallow, &j))
		return NULL;
	t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return t;
}

int rule_diff(const struct rule_set *before, const struct rule_set *after, struct buf *out,
	      struct rule_diff_counts *ret)
{
	struct rule_diff_counts n = {0, 0, 0, 0};
	int rc = IT_OK;

	for (size_t i = 0; rc == 0 && i < after->n_rules; i++) {
		const struct rule *a = after->rules[i];
		const struct rule *b = rule_set_find(before, a->id);
		char *ta, *tb;
		if (!b) {
			n.added++;
			rc = buf_printf(out, "+ %s\n", a->id);
			continue;
		}
		ta = body_text(a);
		tb = body_text(b);
		if (!ta || !tb)
			rc = IT_ENOMEM;
		else if (strcmp(ta, tb) != 0) {
			n.changed++;
			rc = buf_printf(out, "~ %s\n", a->id);
		} else {
			n.unchanged++;
		}
		free(ta);
		free(tb);
	}
	for (size_t i = 0; rc == 0 && i < before->n_rules; i++)
		if (!rule_set_find(after, before->rules[i]->id)) {
			n.removed++;
			rc = buf_printf(out, "- %s\n", before->rules[i]->id);
		}
	if (rc == 0 && ret)
		*ret = n;
	return rc;
}
