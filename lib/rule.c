/*
 * rule.c: rule and exemption validation and conversion (see rule.h).
 *
 * The field tables below are the schema. Every list item is checked by the table's
 * check callback so the error can name "criteria.owners[2]"; conversion afterwards
 * trusts the types and bounds the tables already enforced.
 */
#include "rule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glob.h"
#include "parse.h"
#include "limits.h"
#include "status.h"

_Static_assert((unsigned long long)IT_MAX_RULES * IT_MAX_RULE_BYTES + 1024 * 1024 <= IT_MAX_RESPONSE,
	       "every rule fits one GET /v1/rules answer");

const char *const rule_mode_names[RULE_MODE__MAX] = {"enforce", "audit"};
_Static_assert(sizeof(rule_mode_names) / sizeof(rule_mode_names[0]) == RULE_MODE__MAX,
	       "rule_mode_names");

#define DAY_MS 86400000LL

static const char *const owner_aliases[] = {"amazon", "aws-marketplace", "aws-backup-vault", "self"};

int rule_valid_owner(const char *s)
{
	if (valid_account_id(s))
		return 1;
	for (size_t i = 0; s && i < ARRAY_LEN(owner_aliases); i++)
		if (strcmp(s, owner_aliases[i]) == 0)
			return 1;
	return 0;
}

/* ---- field checks ---------------------------------------------------------------- */

/* Paths are bounded by json_err.field (160 bytes); a longer one is cut, which only
 * shortens an error message. */
static void item_path(char out[160], const char *path, size_t i)
{
	if (snprintf(out, 160, "%s[%zu]", path, i) >= 160)
		out[159] = '\0';
}

static void key_path(char out[160], const char *path, const char *key)
{
	if (snprintf(out, 160, "%s.%s", path, key) >= 160)
		out[159] = '\0';
}

/* Checks every item of a non-empty array of strings with ok(); what names the item kind. */
static int check_str_items(const json_t *v, const char *path, struct json_err *err,
			   int (*ok)(const char *), const char *what)
{
	char ipath[160];
	size_t i;
	json_t *it;

	if (json_array_size(v) == 0)
		return json_err_set(err, IT_EINVAL, path, "must not be empty");
	json_array_foreach(v, i, it) {
		item_path(ipath, path, i);
		if (!json_is_string(it))
			return json_err_set(err, IT_EINVAL, ipath, "must be a string");
		if (!ok(json_string_value(it)))
			return json_err_set(err, IT_EINVAL, ipath, "is not %s", what);
	}
	return IT_OK;
}

static int check_id(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_object_id(json_string_value(v)))
		return json_err_set(err, IT_EINVAL, path,
				    "must be 1-%d characters of letters, digits, '.', '_', '-', starting with a letter or digit",
				    IT_MAX_ID);
	return IT_OK;
}

static int check_name(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_text(json_string_value(v), IT_MAX_NAME))
		return json_err_set(err, IT_EINVAL, path, "must be text without control characters");
	return IT_OK;
}

static int check_description(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_text(json_string_value(v), IT_MAX_DESCRIPTION))
		return json_err_set(err, IT_EINVAL, path, "must be text without control characters");
	return IT_OK;
}

static int check_reason(const json_t *v, const char *path, struct json_err *err)
{
	const char *s = json_string_value(v);

	if (!s || !*s)
		return json_err_set(err, IT_EINVAL, path, "must not be empty");
	if (!valid_text(s, IT_MAX_REASON))
		return json_err_set(err, IT_EINVAL, path, "must be text without control characters");
	return IT_OK;
}

static int check_actor(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_text(json_string_value(v), IT_MAX_ACTOR))
		return json_err_set(err, IT_EINVAL, path, "must be text without control characters");
	return IT_OK;
}

static int check_time(const json_t *v, const char *path, struct json_err *err)
{
	int64_t ms;

	if (parse_time_ms(json_string_value(v), &ms) != IT_OK)
		return json_err_set(err, IT_EINVAL, path, "must be an RFC 3339 time like 2026-01-31T12:00:00Z");
	return IT_OK;
}

static int check_version(const json_t *v, const char *path, struct json_err *err)
{
	if (json_integer_value(v) < 1)
		return json_err_set(err, IT_EINVAL, path, "must be a positive integer");
	return IT_OK;
}

static int check_mode(const json_t *v, const char *path, struct json_err *err)
{
	const char *s = json_string_value(v);

	for (int i = 0; i < RULE_MODE__MAX; i++)
		if (strcmp(s, rule_mode_names[i]) == 0)
			return IT_OK;
	return json_err_set(err, IT_EINVAL, path, "must be \"enforce\" or \"audit\"");
}

static int check_days(const json_t *v, const char *path, struct json_err *err)
{
	json_int_t d = json_integer_value(v);

	if (d < 0)
		return json_err_set(err, IT_EINVAL, path, "must not be negative");
	if (d > IT_MAX_DAYS)
		return json_err_set(err, IT_EINVAL, path, "must be at most %lld", IT_MAX_DAYS);
	return IT_OK;
}

static int ok_account(const char *s) { return valid_account_id(s); }
static int ok_region(const char *s) { return valid_region(s); }
static int ok_image(const char *s) { return valid_image_id(s); }

static int check_accounts(const json_t *v, const char *path, struct json_err *err)
{
	/* An empty scope list means "all", so emptiness is allowed here. */
	if (json_array_size(v) == 0)
		return IT_OK;
	return check_str_items(v, path, err, ok_account, "a 12-digit account ID");
}

static int check_regions(const json_t *v, const char *path, struct json_err *err)
{
	if (json_array_size(v) == 0)
		return IT_OK;
	return check_str_items(v, path, err, ok_region, "a region name like us-east-1");
}

static int check_image_ids(const json_t *v, const char *path, struct json_err *err)
{
	return check_str_items(v, path, err, ok_image, "an AMI ID (ami- and 8 or 17 lower-case hex digits)");
}

static int check_owners(const json_t *v, const char *path, struct json_err *err)
{
	return check_str_items(v, path, err, rule_valid_owner,
			       "a 12-digit account ID or one of amazon, aws-marketplace, aws-backup-vault, self");
}

static int check_name_patterns(const json_t *v, const char *path, struct json_err *err)
{
	char ipath[160];
	const char *why = NULL;
	size_t i;
	json_t *it;

	if (json_array_size(v) == 0)
		return json_err_set(err, IT_EINVAL, path, "must not be empty");
	json_array_foreach(v, i, it) {
		item_path(ipath, path, i);
		if (!json_is_string(it))
			return json_err_set(err, IT_EINVAL, ipath, "must be a string");
		if (glob_valid(json_string_value(it), GLOB_IMAGE_NAME, &why) != IT_OK)
			return json_err_set(err, IT_EINVAL, ipath, "%s", why);
	}
	return IT_OK;
}

static int check_product_codes(const json_t *v, const char *path, struct json_err *err)
{
	return check_str_items(v, path, err, valid_product_code, "1-25 letters and digits");
}

static int check_platforms(const json_t *v, const char *path, struct json_err *err)
{
	return check_str_items(v, path, err, valid_platform, "\"Linux/UNIX\" or \"Windows\"");
}

static int check_tags(const json_t *v, const char *path, struct json_err *err)
{
	char kpath[160], ipath[160];
	const char *key;
	json_t *vals, *it;
	size_t i;

	if (json_object_size(v) == 0)
		return json_err_set(err, IT_EINVAL, path, "must not be empty");
	if (json_object_size(v) > IT_MAX_RULE_TAGS)
		return json_err_set(err, IT_EINVAL, path, "more than %d keys", IT_MAX_RULE_TAGS);
	json_object_foreach((json_t *)v, key, vals) {
		key_path(kpath, path, key);
		if (!*key || !valid_text(key, IT_MAX_TAG_KEY))
			return json_err_set(err, IT_EINVAL, kpath, "tag key must be 1-%d characters of text",
					    IT_MAX_TAG_KEY);
		if (!json_is_array(vals))
			return json_err_set(err, IT_EINVAL, kpath, "must be an array of values");
		if (json_array_size(vals) == 0)
			return json_err_set(err, IT_EINVAL, kpath, "must not be empty (use [\"*\"] for any value)");
		if (json_array_size(vals) > IT_MAX_TAG_VALUES)
			return json_err_set(err, IT_EINVAL, kpath, "more than %d items", IT_MAX_TAG_VALUES);
		json_array_foreach(vals, i, it) {
			item_path(ipath, kpath, i);
			if (!json_is_string(it) || !valid_text(json_string_value(it), IT_MAX_TAG_VALUE))
				return json_err_set(err, IT_EINVAL, ipath, "must be text of at most %d bytes",
						    IT_MAX_TAG_VALUE);
		}
	}
	return IT_OK;
}

static int check_wm_key(const json_t *v, const char *path, struct json_err *err)
{
	const char *why = NULL;

	if (glob_valid(json_string_value(v), GLOB_WATERMARK_KEY, &why) != IT_OK)
		return json_err_set(err, IT_EINVAL, path, "%s", why);
	return IT_OK;
}

static int check_wm_region(const json_t *v, const char *path, struct json_err *err)
{
	const char *why = NULL;

	if (glob_valid(json_string_value(v), GLOB_REGION, &why) != IT_OK)
		return json_err_set(err, IT_EINVAL, path, "%s", why);
	return IT_OK;
}

static const struct json_field watermark_fields[] = {
	{"key", JK_STRING, 0, IT_MAX_GLOB, check_wm_key},
	{"source_region", JK_STRING, 0, IT_MAX_GLOB, check_wm_region},
	{"max_days_since_source_created", JK_INT, 0, 0, check_days},
	{"max_days_since_watermark_created", JK_INT, 0, 0, check_days},
};

/* A member set to null counts as absent (the field tables treat it so), so an entry
 * of only nulls is as empty as {} — found by fuzz_rule: it was accepted, then its
 * rendering ({}) was refused. */
static size_t non_null_members(const json_t *obj)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	json_object_foreach((json_t *)obj, k, v)
		n += !json_is_null(v);
	return n;
}

static int check_watermarks(const json_t *v, const char *path, struct json_err *err)
{
	char ipath[160];
	size_t i;
	json_t *it;
	int rc;

	if (json_array_size(v) == 0)
		return json_err_set(err, IT_EINVAL, path, "must not be empty");
	json_array_foreach(v, i, it) {
		item_path(ipath, path, i);
		rc = json_check_fields(it, watermark_fields, ARRAY_LEN(watermark_fields), ipath, err);
		if (rc)
			return rc;
		if (non_null_members(it) == 0)
			return json_err_set(err, IT_EINVAL, ipath, "needs at least one of key, source_region, max_days_since_source_created, max_days_since_watermark_created");
	}
	return IT_OK;
}

static const struct json_field criteria_fields[] = {
	{"image_ids", JK_ARRAY, 0, IT_MAX_IMAGE_IDS, check_image_ids},
	{"owners", JK_ARRAY, 0, IT_MAX_OWNERS, check_owners},
	{"name_patterns", JK_ARRAY, 0, IT_MAX_NAME_PATTERNS, check_name_patterns},
	{"tags", JK_OBJECT, 0, 0, check_tags},
	{"max_age_days", JK_INT, 0, 0, check_days},
	{"max_days_since_deprecated", JK_INT, 0, 0, check_days},
	{"product_codes", JK_ARRAY, 0, IT_MAX_PRODUCT_CODES, check_product_codes},
	{"platforms", JK_ARRAY, 0, IT_MAX_PLATFORMS, check_platforms},
	{"watermarks", JK_ARRAY, 0, IT_MAX_WATERMARKS, check_watermarks},
};

static int check_criteria(const json_t *v, const char *path, struct json_err *err)
{
	int rc = json_check_fields(v, criteria_fields, ARRAY_LEN(criteria_fields), path, err);

	if (rc)
		return rc;
	/* null counts as absent (json_check_fields skips it), so count real values. */
	for (size_t i = 0; i < ARRAY_LEN(criteria_fields); i++) {
		json_t *c = json_object_get(v, criteria_fields[i].name);
		if (c && !json_is_null(c))
			return IT_OK;
	}
	return json_err_set(err, IT_EINVAL, path, "needs at least one criterion");
}

static const struct json_field scope_fields[] = {
	{"accounts", JK_ARRAY, 0, IT_MAX_SCOPE_ITEMS, check_accounts},
	{"regions", JK_ARRAY, 0, IT_MAX_SCOPE_ITEMS, check_regions},
};

static int check_scope(const json_t *v, const char *path, struct json_err *err)
{
	return json_check_fields(v, scope_fields, ARRAY_LEN(scope_fields), path, err);
}

static const struct json_field rule_fields[] = {
	{"id", JK_STRING, 0, IT_MAX_ID, check_id},
	{"name", JK_STRING, 0, IT_MAX_NAME, check_name},
	{"description", JK_STRING, 0, IT_MAX_DESCRIPTION, check_description},
	{"enabled", JK_BOOL, 0, 0, NULL},
	{"scope", JK_OBJECT, 0, 0, check_scope},
	{"criteria", JK_OBJECT, 1, 0, check_criteria},
	{"mode", JK_STRING, 0, 16, check_mode},
	/* read-only, accepted back so a GET body can be PUT again */
	{"version", JK_INT, 0, 0, check_version},
	{"created_at", JK_STRING, 0, 64, check_time},
	{"updated_at", JK_STRING, 0, 64, check_time},
};

/* ---- conversion ------------------------------------------------------------------ */

static void list_free(struct rule_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->sorted);
	free(l->shapes);
	l->v = NULL;
	l->sorted = NULL;
	l->shapes = NULL;
	l->n = 0;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_tag_key(const void *a, const void *b)
{
	return strcmp((*(struct rule_tag *const *)a)->key, (*(struct rule_tag *const *)b)->key);
}

int rule_list_has(const struct rule_list *l, const char *s)
{
	if (!s || l->n == 0)
		return 0;
	if (l->sorted)
		return bsearch(&s, l->sorted, l->n, sizeof(*l->sorted), by_str) != NULL;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

/* Copies a validated array of strings (absent or null: empty list). */
static int list_from_json(const json_t *arr, struct rule_list *l)
{
	size_t i, n = json_array_size(arr);
	json_t *it;

	l->v = NULL;
	l->sorted = NULL;
	l->shapes = NULL;
	l->n = 0;
	if (n == 0)
		return IT_OK;
	l->v = calloc(n, sizeof(*l->v));
	if (!l->v)
		return IT_ENOMEM;
	json_array_foreach(arr, i, it) {
		l->v[i] = strdup(json_string_value(it));
		if (!l->v[i])
			return IT_ENOMEM;   /* the caller frees the partial list */
		l->n = i + 1;
	}
	l->sorted = malloc(n * sizeof(*l->sorted));
	if (!l->sorted)
		return IT_ENOMEM;
	memcpy(l->sorted, l->v, n * sizeof(*l->sorted));
	qsort(l->sorted, n, sizeof(*l->sorted), by_str);
	return IT_OK;
}

static int list_to_json(const struct rule_list *l, json_t **ret)
{
	json_t *a = json_array();

	if (!a)
		return IT_ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		if (json_array_append_new(a, json_string(l->v[i])) != 0) {
			json_decref(a);
			return IT_ENOMEM;
		}
	*ret = a;
	return IT_OK;
}

static int64_t opt_int(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : RULE_NONE;
}

static int opt_strdup(const json_t *obj, const char *key, char **ret)
{
	const char *s = json_str(obj, key);

	*ret = NULL;
	if (!s)
		return IT_OK;
	*ret = strdup(s);
	return *ret ? IT_OK : IT_ENOMEM;
}

static int64_t opt_time64(const json_t *obj, const char *key)
{
	int64_t ms;

	if (!json_str(obj, key) || parse_time_ms(json_str(obj, key), &ms) != IT_OK)
		return RULE_NONE;
	return ms;
}

static int criteria_from_json(const json_t *c, struct rule_criteria *cr)
{
	json_t *tags = json_object_get(c, "tags"), *wms = json_object_get(c, "watermarks");
	int rc = IT_OK;

	if (rc == 0)
		rc = list_from_json(json_object_get(c, "image_ids"), &cr->image_ids);
	if (rc == 0)
		rc = list_from_json(json_object_get(c, "owners"), &cr->owners);
	if (rc == 0)
		rc = list_from_json(json_object_get(c, "name_patterns"), &cr->name_patterns);
	if (rc == 0 && cr->name_patterns.n) {
		cr->name_patterns.shapes = calloc(cr->name_patterns.n, sizeof(*cr->name_patterns.shapes));
		if (!cr->name_patterns.shapes)
			rc = IT_ENOMEM;
		for (size_t i = 0; rc == 0 && i < cr->name_patterns.n; i++)
			glob_shape_init(&cr->name_patterns.shapes[i], cr->name_patterns.v[i]);
	}
	if (rc == 0)
		rc = list_from_json(json_object_get(c, "product_codes"), &cr->product_codes);
	if (rc == 0)
		rc = list_from_json(json_object_get(c, "platforms"), &cr->platforms);
	if (rc)
		return rc;
	cr->max_age_days = opt_int(c, "max_age_days");
	cr->max_days_since_deprecated = opt_int(c, "max_days_since_deprecated");
	if (json_is_object(tags) && json_object_size(tags) > 0) {
		const char *key;
		json_t *vals;
		cr->tags = calloc(json_object_size(tags), sizeof(*cr->tags));
		if (!cr->tags)
			return IT_ENOMEM;
		json_object_foreach(tags, key, vals) {
			struct rule_tag *t = &cr->tags[cr->n_tags++];
			t->key = strdup(key);
			if (!t->key)
				return IT_ENOMEM;
			rc = list_from_json(vals, &t->values);
			if (rc)
				return rc;
			t->any_value = rule_list_has(&t->values, "*");
		}
		cr->tags_by_key = malloc(cr->n_tags * sizeof(*cr->tags_by_key));
		if (!cr->tags_by_key)
			return IT_ENOMEM;
		for (size_t i = 0; i < cr->n_tags; i++)
			cr->tags_by_key[i] = &cr->tags[i];
		qsort(cr->tags_by_key, cr->n_tags, sizeof(*cr->tags_by_key), by_tag_key);
	}
	if (json_array_size(wms) > 0) {
		size_t i;
		json_t *w;
		cr->watermarks = calloc(json_array_size(wms), sizeof(*cr->watermarks));
		if (!cr->watermarks)
			return IT_ENOMEM;
		json_array_foreach(wms, i, w) {
			struct rule_watermark *m = &cr->watermarks[cr->n_watermarks++];
			m->max_days_since_source_created = opt_int(w, "max_days_since_source_created");
			m->max_days_since_watermark_created = opt_int(w, "max_days_since_watermark_created");
			rc = opt_strdup(w, "key", &m->key);
			if (rc == 0)
				rc = opt_strdup(w, "source_region", &m->source_region);
			if (rc)
				return rc;
			glob_shape_init(&m->key_shape, m->key);
		}
	}
	return IT_OK;
}

static void criteria_finish(struct rule_criteria *cr)
{
	list_free(&cr->image_ids);
	list_free(&cr->owners);
	list_free(&cr->name_patterns);
	list_free(&cr->product_codes);
	list_free(&cr->platforms);
	for (size_t i = 0; i < cr->n_tags; i++) {
		free(cr->tags[i].key);
		list_free(&cr->tags[i].values);
	}
	free(cr->tags);
	free(cr->tags_by_key);
	for (size_t i = 0; i < cr->n_watermarks; i++) {
		free(cr->watermarks[i].key);
		free(cr->watermarks[i].source_region);
	}
	free(cr->watermarks);
}

void rule_free(struct rule *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->description);
	list_free(&r->scope.accounts);
	list_free(&r->scope.regions);
	criteria_finish(&r->criteria);
	free(r);
}

static struct rule *rule_alloc(void)
{
	struct rule *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->enabled = 1;
	r->mode = RULE_ENFORCE;
	r->criteria.max_age_days = RULE_NONE;
	r->criteria.max_days_since_deprecated = RULE_NONE;
	r->created_at_ms = RULE_NONE;
	r->updated_at_ms = RULE_NONE;
	return r;
}

int rule_from_json(const json_t *obj, struct rule **ret, struct json_err *err)
{
	struct rule *r;
	json_t *scope, *v;
	const char *s;
	int rc;

	rc = json_check_fields(obj, rule_fields, ARRAY_LEN(rule_fields), "", err);
	if (rc)
		return rc;
	r = rule_alloc();
	if (!r)
		return IT_ENOMEM;
	s = json_str(obj, "id");
	if (s)
		snprintf(r->id, sizeof(r->id), "%s", s);
	v = json_object_get(obj, "enabled");
	if (json_is_boolean(v))
		r->enabled = json_is_true(v);
	s = json_str(obj, "mode");
	if (s && strcmp(s, "audit") == 0)
		r->mode = RULE_AUDIT;
	v = json_object_get(obj, "version");
	if (json_is_integer(v))
		r->version = json_integer_value(v);
	r->created_at_ms = opt_time64(obj, "created_at");
	r->updated_at_ms = opt_time64(obj, "updated_at");
	rc = opt_strdup(obj, "name", &r->name);
	if (rc == 0)
		rc = opt_strdup(obj, "description", &r->description);
	scope = json_object_get(obj, "scope");
	if (rc == 0 && json_is_object(scope))
		rc = list_from_json(json_object_get(scope, "accounts"), &r->scope.accounts);
	if (rc == 0 && json_is_object(scope))
		rc = list_from_json(json_object_get(scope, "regions"), &r->scope.regions);
	if (rc == 0)
		rc = criteria_from_json(json_object_get(obj, "criteria"), &r->criteria);
	if (rc) {
		rule_free(r);
		return rc;
	}
	*ret = r;
	return IT_OK;
}

int rule_set_id(struct rule *r, const char *id)
{
	if (!valid_object_id(id))
		return IT_EINVAL;
	snprintf(r->id, sizeof(r->id), "%s", id);
	return IT_OK;
}

int rule_criteria_count(const struct rule *r)
{
	const struct rule_criteria *c = &r->criteria;

	return (c->image_ids.n > 0) + (c->owners.n > 0) + (c->name_patterns.n > 0) +
	       (c->product_codes.n > 0) + (c->platforms.n > 0) + (c->n_tags > 0) +
	       (c->n_watermarks > 0) + (c->max_age_days != RULE_NONE) +
	       (c->max_days_since_deprecated != RULE_NONE);
}

/* json_object_set_new that reports failure (it steals v even on failure). */
static int set_new(json_t *o, const char *key, json_t *v)
{
	if (!v || json_object_set_new(o, key, v) != 0)
		return IT_ENOMEM;
	return IT_OK;
}

static int set_list(json_t *o, const char *key, const struct rule_list *l)
{
	json_t *a;
	int rc;

	if (l->n == 0)
		return IT_OK;
	rc = list_to_json(l, &a);
	return rc ? rc : set_new(o, key, a);
}

static int set_time(json_t *o, const char *key, int64_t ms)
{
	char t[IT_TIME_BUF];

	if (ms == RULE_NONE)
		return IT_OK;
	/* Whole seconds render without ".000", as AWS and people write them. */
	return set_new(o, key, json_string(ms % 1000 ? format_time_ms(ms, t) : format_time_s(ms, t)));
}

static int criteria_to_json(const struct rule_criteria *c, json_t **ret)
{
	json_t *o = json_object();
	int rc = o ? IT_OK : IT_ENOMEM;

	if (rc == 0)
		rc = set_list(o, "image_ids", &c->image_ids);
	if (rc == 0)
		rc = set_list(o, "owners", &c->owners);
	if (rc == 0)
		rc = set_list(o, "name_patterns", &c->name_patterns);
	if (rc == 0 && c->n_tags > 0) {
		json_t *t = json_object();
		rc = t ? IT_OK : IT_ENOMEM;
		for (size_t i = 0; rc == 0 && i < c->n_tags; i++) {
			json_t *a;
			rc = list_to_json(&c->tags[i].values, &a);
			if (rc == 0)
				rc = set_new(t, c->tags[i].key, a);
		}
		if (rc == 0)
			rc = set_new(o, "tags", t);
		else
			json_decref(t);
	}
	if (rc == 0 && c->max_age_days != RULE_NONE)
		rc = set_new(o, "max_age_days", json_integer(c->max_age_days));
	if (rc == 0 && c->max_days_since_deprecated != RULE_NONE)
		rc = set_new(o, "max_days_since_deprecated", json_integer(c->max_days_since_deprecated));
	if (rc == 0)
		rc = set_list(o, "product_codes", &c->product_codes);
	if (rc == 0)
		rc = set_list(o, "platforms", &c->platforms);
	if (rc == 0 && c->n_watermarks > 0) {
		json_t *a = json_array();
		rc = a ? IT_OK : IT_ENOMEM;
		for (size_t i = 0; rc == 0 && i < c->n_watermarks; i++) {
			const struct rule_watermark *m = &c->watermarks[i];
			json_t *w = json_object();
			rc = w ? IT_OK : IT_ENOMEM;
			if (rc == 0 && m->key)
				rc = set_new(w, "key", json_string(m->key));
			if (rc == 0 && m->source_region)
				rc = set_new(w, "source_region", json_string(m->source_region));
			if (rc == 0 && m->max_days_since_source_created != RULE_NONE)
				rc = set_new(w, "max_days_since_source_created",
					     json_integer(m->max_days_since_source_created));
			if (rc == 0 && m->max_days_since_watermark_created != RULE_NONE)
				rc = set_new(w, "max_days_since_watermark_created",
					     json_integer(m->max_days_since_watermark_created));
			if (rc == 0 && json_array_append_new(a, w) != 0)
				rc = IT_ENOMEM;
			else if (rc)
				json_decref(w);
		}
		if (rc == 0)
			rc = set_new(o, "watermarks", a);
		else
			json_decref(a);
	}
	if (rc) {
		json_decref(o);
		return rc;
	}
	*ret = o;
	return IT_OK;
}

int rule_to_json(const struct rule *r, json_t **ret)
{
	json_t *o = json_object(), *scope = NULL, *crit = NULL;
	int rc = o ? IT_OK : IT_ENOMEM;

	if (rc == 0 && r->id[0])
		rc = set_new(o, "id", json_string(r->id));
	if (rc == 0 && r->name)
		rc = set_new(o, "name", json_string(r->name));
	if (rc == 0 && r->description)
		rc = set_new(o, "description", json_string(r->description));
	if (rc == 0)
		rc = set_new(o, "enabled", json_boolean(r->enabled));
	if (rc == 0 && (r->scope.accounts.n || r->scope.regions.n)) {
		scope = json_object();
		rc = scope ? IT_OK : IT_ENOMEM;
		if (rc == 0)
			rc = set_list(scope, "accounts", &r->scope.accounts);
		if (rc == 0)
			rc = set_list(scope, "regions", &r->scope.regions);
		if (rc == 0)
			rc = set_new(o, "scope", scope);
		else
			json_decref(scope);
	}
	if (rc == 0)
		rc = criteria_to_json(&r->criteria, &crit);
	if (rc == 0)
		rc = set_new(o, "criteria", crit);
	if (rc == 0)
		rc = set_new(o, "mode", json_string(rule_mode_names[r->mode < RULE_MODE__MAX ? r->mode : 0]));
	if (rc == 0 && r->version > 0)
		rc = set_new(o, "version", json_integer(r->version));
	if (rc == 0)
		rc = set_time(o, "created_at", r->created_at_ms);
	if (rc == 0)
		rc = set_time(o, "updated_at", r->updated_at_ms);
	if (rc) {
		json_decref(o);
		return rc;
	}
	*ret = o;
	return IT_OK;
}

int rule_clone(const struct rule *r, struct rule **ret)
{
	json_t *j = NULL;
	struct rule *c = NULL;
	int rc;

	/* Through JSON: one conversion path to keep correct, and clones are rare (imports,
	 * store reads), never on the evaluation path. */
	rc = rule_to_json(r, &j);
	if (rc == 0) {
		rc = rule_from_json(j, &c, NULL);
		if (rc == IT_EINVAL)
			rc = IT_ENOMEM;   /* only a half-built source can fail here */
	}
	json_decref(j);
	if (rc)
		return rc;
	c->version = r->version;
	c->created_at_ms = r->created_at_ms;
	c->updated_at_ms = r->updated_at_ms;
	*ret = c;
	return IT_OK;
}

/* ---- exemptions ------------------------------------------------------------------ */

static int check_account(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_account_id(json_string_value(v)))
		return json_err_set(err, IT_EINVAL, path, "is not a 12-digit account ID");
	return IT_OK;
}

static int check_instance(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_instance_id(json_string_value(v)))
		return json_err_set(err, IT_EINVAL, path, "is not an instance ID (i- and 8 or 17 lower-case hex digits)");
	return IT_OK;
}

static int check_image(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_image_id(json_string_value(v)))
		return json_err_set(err, IT_EINVAL, path, "is not an AMI ID (ami- and 8 or 17 lower-case hex digits)");
	return IT_OK;
}

static int check_tag_key(const json_t *v, const char *path, struct json_err *err)
{
	const char *s = json_string_value(v);

	if (!s || !*s || !valid_text(s, IT_MAX_TAG_KEY))
		return json_err_set(err, IT_EINVAL, path, "must be 1-%d characters of text", IT_MAX_TAG_KEY);
	return IT_OK;
}

static int check_tag_value(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_text(json_string_value(v), IT_MAX_TAG_VALUE))
		return json_err_set(err, IT_EINVAL, path, "must be text of at most %d bytes", IT_MAX_TAG_VALUE);
	return IT_OK;
}

static const struct json_field ex_tag_fields[] = {
	{"key", JK_STRING, 1, IT_MAX_TAG_KEY, check_tag_key},
	{"value", JK_STRING, 1, IT_MAX_TAG_VALUE, check_tag_value},
};

static int check_ex_tag(const json_t *v, const char *path, struct json_err *err)
{
	return json_check_fields(v, ex_tag_fields, ARRAY_LEN(ex_tag_fields), path, err);
}

#define EXEMPTION_COMMON_FIELDS                                              \
	{"id", JK_STRING, 0, IT_MAX_ID, check_id},                           \
	{"account", JK_STRING, 0, 12, check_account},                        \
	{"instance_id", JK_STRING, 0, 19, check_instance},                   \
	{"image_id", JK_STRING, 0, 21, check_image},                         \
	{"tag", JK_OBJECT, 0, 0, check_ex_tag},                              \
	{"reason", JK_STRING, 1, IT_MAX_REASON, check_reason},               \
	{"expires_at", JK_STRING, 1, 64, check_time}

static const struct json_field exemption_fields[] = {
	EXEMPTION_COMMON_FIELDS,
};

static const struct json_field exemption_stored_fields[] = {
	EXEMPTION_COMMON_FIELDS,
	{"created_by", JK_STRING, 0, IT_MAX_ACTOR, check_actor},
	{"created_at", JK_STRING, 0, 64, check_time},
};

void exemption_free(struct exemption *e)
{
	if (!e)
		return;
	free(e->tag_key);
	free(e->tag_value);
	free(e->reason);
	free(e->created_by);
	free(e);
}

int exemption_from_json(const json_t *obj, int64_t now_ms, int flags, struct exemption **ret,
			struct json_err *err)
{
	const struct json_field *table = (flags & EXEMPTION_STORED) ? exemption_stored_fields : exemption_fields;
	size_t n = (flags & EXEMPTION_STORED) ? ARRAY_LEN(exemption_stored_fields) : ARRAY_LEN(exemption_fields);
	struct exemption *e;
	json_t *tag;
	int64_t exp = 0;
	int rc;

	rc = json_check_fields(obj, table, n, "", err);
	if (rc)
		return rc;
	tag = json_object_get(obj, "tag");
	if (!json_str(obj, "account") && !json_str(obj, "instance_id") && !json_str(obj, "image_id") &&
	    !json_is_object(tag))
		return json_err_set(err, IT_EINVAL, "",
				    "needs at least one of account, instance_id, image_id, tag");
	if (parse_time_ms(json_str(obj, "expires_at"), &exp) != IT_OK)
		return json_err_set(err, IT_EINVAL, "expires_at", "must be an RFC 3339 time");
	if (!(flags & EXEMPTION_STORED)) {
		if (exp <= now_ms)
			return json_err_set(err, IT_EINVAL, "expires_at", "must be in the future");
		if (exp - now_ms > IT_MAX_EXEMPTION_DAYS * DAY_MS)
			return json_err_set(err, IT_EINVAL, "expires_at",
					    "must be at most %d days ahead", IT_MAX_EXEMPTION_DAYS);
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return IT_ENOMEM;
	e->expires_at_ms = exp;
	e->created_at_ms = opt_time64(obj, "created_at");
	snprintf(e->id, sizeof(e->id), "%s", json_str(obj, "id") ? json_str(obj, "id") : "");
	snprintf(e->account, sizeof(e->account), "%s", json_str(obj, "account") ? json_str(obj, "account") : "");
	snprintf(e->instance_id, sizeof(e->instance_id), "%s",
		 json_str(obj, "instance_id") ? json_str(obj, "instance_id") : "");
	snprintf(e->image_id, sizeof(e->image_id), "%s", json_str(obj, "image_id") ? json_str(obj, "image_id") : "");
	rc = opt_strdup(obj, "reason", &e->reason);
	if (rc == 0)
		rc = opt_strdup(obj, "created_by", &e->created_by);
	if (rc == 0 && json_is_object(tag)) {
		rc = opt_strdup(tag, "key", &e->tag_key);
		if (rc == 0)
			rc = opt_strdup(tag, "value", &e->tag_value);
	}
	if (rc) {
		exemption_free(e);
		return rc;
	}
	*ret = e;
	return IT_OK;
}

int exemption_to_json(const struct exemption *e, json_t **ret)
{
	json_t *o = json_object();
	int rc = o ? IT_OK : IT_ENOMEM;

	if (rc == 0 && e->id[0])
		rc = set_new(o, "id", json_string(e->id));
	if (rc == 0 && e->account[0])
		rc = set_new(o, "account", json_string(e->account));
	if (rc == 0 && e->instance_id[0])
		rc = set_new(o, "instance_id", json_string(e->instance_id));
	if (rc == 0 && e->image_id[0])
		rc = set_new(o, "image_id", json_string(e->image_id));
	if (rc == 0 && e->tag_key)
		rc = set_new(o, "tag", json_pack("{s:s, s:s}", "key", e->tag_key, "value",
						   e->tag_value ? e->tag_value : ""));
	if (rc == 0)
		rc = set_new(o, "reason", json_string(e->reason ? e->reason : ""));
	if (rc == 0)
		rc = set_time(o, "expires_at", e->expires_at_ms);
	if (rc == 0 && e->created_by)
		rc = set_new(o, "created_by", json_string(e->created_by));
	if (rc == 0)
		rc = set_time(o, "created_at", e->created_at_ms);
	if (rc) {
		json_decref(o);
		return rc;
	}
	*ret = o;
	return IT_OK;
}

int exemption_set_id(struct exemption *e, const char *id)
{
	if (!valid_object_id(id))
		return IT_EINVAL;
	snprintf(e->id, sizeof(e->id), "%s", id);
	return IT_OK;
}

int exemption_set_created(struct exemption *e, const char *actor, int64_t at_ms)
{
	char *c;

	if (!valid_text(actor, IT_MAX_ACTOR))
		return IT_EINVAL;
	c = strdup(actor);
	if (!c)
		return IT_ENOMEM;
	free(e->created_by);
	e->created_by = c;
	e->created_at_ms = at_ms;
	return IT_OK;
}

int exemption_clone(const struct exemption *e, struct exemption **ret)
{
	json_t *j = NULL;
	struct exemption *c = NULL;
	int rc = exemption_to_json(e, &j);

	if (rc == 0) {
		rc = exemption_from_json(j, 0, EXEMPTION_STORED, &c, NULL);
		if (rc == IT_EINVAL)
			rc = IT_ENOMEM;
	}
	json_decref(j);
	if (rc)
		return rc;
	*ret = c;
	return IT_OK;
}

/* ---- sets ------------------------------------------------------------------------ */

void rule_set_init(struct rule_set *set)
{
	memset(set, 0, sizeof(*set));
}

void rule_set_finish(struct rule_set *set)
{
	for (size_t i = 0; i < set->n_rules; i++)
		rule_free(set->rules[i]);
	free(set->rules);
	for (size_t i = 0; i < set->n_exemptions; i++)
		exemption_free(set->exemptions[i]);
	free(set->exemptions);
	memset(set, 0, sizeof(*set));
}

/*
 * Appends item to the pointer array *arr of *n entries, at most max: IT_ETOOBIG past
 * it, IT_ENOMEM when growing fails (the array is then unchanged). The array grows to
 * 16, 32, 64, ... entries, so a rule set of N items costs log N reallocations.
 */
static int push(void ***arr, size_t *n, size_t max, void *item)
{
	if (*n >= max)
		return IT_ETOOBIG;
	if (*n == 0 || (*n >= 16 && (*n & (*n - 1)) == 0)) {
		void **grown = realloc(*arr, (*n ? *n * 2 : 16) * sizeof(*grown));
		if (!grown)
			return IT_ENOMEM;
		*arr = grown;
	}
	(*arr)[(*n)++] = item;
	return IT_OK;
}

int rule_set_add_rule(struct rule_set *set, struct rule *r)
{
	void **arr = (void **)set->rules;
	int rc = push(&arr, &set->n_rules, IT_MAX_RULES, r);

	set->rules = (struct rule **)arr;
	return rc;
}

int rule_set_add_exemption(struct rule_set *set, struct exemption *e)
{
	void **arr = (void **)set->exemptions;
	int rc = push(&arr, &set->n_exemptions, IT_MAX_EXEMPTIONS, e);

	set->exemptions = (struct exemption **)arr;
	return rc;
}

const struct rule *rule_set_find(const struct rule_set *set, const char *id)
{
	for (size_t i = 0; i < set->n_rules; i++)
		if (strcmp(set->rules[i]->id, id) == 0)
			return set->rules[i];
	return NULL;
}

int rule_check_size(const struct rule *r, struct json_err *err)
{
	json_t *j = NULL;
	size_t n;
	int rc = rule_to_json(r, &j);

	if (rc)
		return rc;
	n = json_dumpb(j, NULL, 0, JSON_COMPACT);
	json_decref(j);
	if (n == 0)
		return IT_ENOMEM;
	if (n > IT_MAX_RULE_BYTES)
		return json_err_set(err, IT_EINVAL, "", "the rule takes %zu bytes as JSON, over the %d a rule may take",
				    n, IT_MAX_RULE_BYTES);
	return IT_OK;
}
