/* image_facts.c: image facts JSON <-> struct (see image_facts.h). */
#include "image_facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "parse.h"
#include "status.h"

const char *const image_status_names[IMAGE_STATUS__MAX] = {"found", "not_found", "unknown"};
_Static_assert(sizeof(image_status_names) / sizeof(image_status_names[0]) == IMAGE_STATUS__MAX,
	       "image_status_names");

static const char *const aliases[] = {"amazon", "aws-marketplace", "aws-backup-vault"};

static void path_of(char out[160], const char *path, const char *sep, const char *key, size_t i)
{
	int n = key ? snprintf(out, 160, "%s%s%s", path, sep, key) : snprintf(out, 160, "%s[%zu]", path, i);
	if (n >= 160)
		out[159] = '\0';
}

static int check_status(const json_t *v, const char *path, struct json_err *err)
{
	for (int i = 0; i < IMAGE_STATUS__MAX; i++)
		if (strcmp(json_string_value(v), image_status_names[i]) == 0)
			return IT_OK;
	return json_err_set(err, IT_EINVAL, path, "must be \"found\", \"not_found\" or \"unknown\"");
}

static int check_image_id(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_image_id(json_string_value(v)))
		return json_err_set(err, IT_EINVAL, path, "is not an AMI ID (ami- and 8 or 17 lower-case hex digits)");
	return IT_OK;
}

static int check_owner_id(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_account_id(json_string_value(v)))
		return json_err_set(err, IT_EINVAL, path, "is not a 12-digit account ID");
	return IT_OK;
}

static int check_alias(const json_t *v, const char *path, struct json_err *err)
{
	for (size_t i = 0; i < ARRAY_LEN(aliases); i++)
		if (strcmp(json_string_value(v), aliases[i]) == 0)
			return IT_OK;
	return json_err_set(err, IT_EINVAL, path, "must be amazon, aws-marketplace or aws-backup-vault");
}

static int check_name(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_text(json_string_value(v), IT_MAX_IMAGE_NAME))
		return json_err_set(err, IT_EINVAL, path, "must be text of at most %d bytes", IT_MAX_IMAGE_NAME);
	return IT_OK;
}

static int check_time(const json_t *v, const char *path, struct json_err *err)
{
	int64_t ms;
	if (parse_time_ms(json_string_value(v), &ms) != IT_OK)
		return json_err_set(err, IT_EINVAL, path, "must be an RFC 3339 time");
	return IT_OK;
}

static int check_codes(const json_t *v, const char *path, struct json_err *err)
{
	char ip[160];
	size_t i;
	json_t *it;

	json_array_foreach(v, i, it) {
		path_of(ip, path, "", NULL, i);
		if (!valid_product_code(json_string_value(it)))
			return json_err_set(err, IT_EINVAL, ip, "is not a product code (1-25 letters and digits)");
	}
	return IT_OK;
}

static int check_platform(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_platform(json_string_value(v)))
		return json_err_set(err, IT_EINVAL, path, "must be \"Linux/UNIX\" or \"Windows\"");
	return IT_OK;
}

static int check_tags(const json_t *v, const char *path, struct json_err *err)
{
	char kp[160];
	const char *k;
	json_t *val;

	if (json_object_size(v) > IT_MAX_FACT_TAGS)
		return json_err_set(err, IT_EINVAL, path, "more than %d tags", IT_MAX_FACT_TAGS);
	json_object_foreach((json_t *)v, k, val) {
		path_of(kp, path, ".", k, 0);
		if (!*k || !valid_text(k, IT_MAX_TAG_KEY))
			return json_err_set(err, IT_EINVAL, kp, "tag key must be 1-%d bytes of text", IT_MAX_TAG_KEY);
		if (!json_is_string(val) || !valid_text(json_string_value(val), IT_MAX_TAG_VALUE))
			return json_err_set(err, IT_EINVAL, kp, "must be a string of at most %d bytes", IT_MAX_TAG_VALUE);
	}
	return IT_OK;
}

static int check_region(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_region(json_string_value(v)))
		return json_err_set(err, IT_EINVAL, path, "is not a region name");
	return IT_OK;
}

static int check_wm_key(const json_t *v, const char *path, struct json_err *err)
{
	const char *s = json_string_value(v);
	if (!s || !*s || !valid_text(s, IT_MAX_GLOB + 16))
		return json_err_set(err, IT_EINVAL, path, "must be an accountId:name key");
	return IT_OK;
}

static const struct json_field wm_fields[] = {
	{"key", JK_STRING, 1, IT_MAX_GLOB + 16, check_wm_key},
	{"source_region", JK_STRING, 0, 32, check_region},
	{"source_image_id", JK_STRING, 0, 21, check_image_id},
	{"source_created", JK_STRING, 0, 64, check_time},
	{"watermark_created", JK_STRING, 0, 64, check_time},
};

static int check_watermarks(const json_t *v, const char *path, struct json_err *err)
{
	char ip[160];
	size_t i;
	json_t *it;
	int rc;

	json_array_foreach(v, i, it) {
		path_of(ip, path, "", NULL, i);
		rc = json_check_fields(it, wm_fields, ARRAY_LEN(wm_fields), ip, err);
		if (rc)
			return rc;
	}
	return IT_OK;
}

static int check_source(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_text(json_string_value(v), 64))
		return json_err_set(err, IT_EINVAL, path, "must be text of at most 64 bytes");
	return IT_OK;
}

static const struct json_field facts_fields[] = {
	{"image_id", JK_STRING, 1, 21, check_image_id},
	{"status", JK_STRING, 0, 16, check_status},
	{"owner_id", JK_STRING, 0, 12, check_owner_id},
	{"owner_alias", JK_STRING, 0, 20, check_alias},
	{"name", JK_STRING, 0, IT_MAX_IMAGE_NAME, check_name},
	{"creation_date", JK_STRING, 0, 64, check_time},
	{"deprecation_time", JK_STRING, 0, 64, check_time},
	{"product_codes", JK_ARRAY, 0, IT_MAX_PRODUCT_CODES, check_codes},
	{"platform", JK_STRING, 0, 16, check_platform},
	{"tags", JK_OBJECT, 0, 0, check_tags},
	{"watermarks", JK_ARRAY, 0, IT_MAX_IMAGE_WATERMARKS, check_watermarks},
	{"source", JK_STRING, 0, 64, check_source},
};

struct image_facts *image_facts_new(const char *image_id)
{
	struct image_facts *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->status = IMAGE_FOUND;
	f->creation_ms = IMAGE_NO_TIME;
	f->deprecation_ms = IMAGE_NO_TIME;
	if (image_id)
		snprintf(f->image_id, sizeof(f->image_id), "%s", image_id);
	return f;
}

void image_facts_free(struct image_facts *f)
{
	if (!f)
		return;
	free(f->name);
	for (size_t i = 0; i < f->n_product_codes; i++)
		free(f->product_codes[i]);
	free(f->product_codes);
	for (size_t i = 0; i < f->n_tags; i++) {
		free(f->tags[i].key);
		free(f->tags[i].value);
	}
	free(f->tags);
	for (size_t i = 0; i < f->n_watermarks; i++) {
		free(f->watermarks[i].key);
		free(f->watermarks[i].source_region);
	}
	free(f->watermarks);
	free(f->source);
	free(f);
}

static int64_t time_of(const json_t *o, const char *key)
{
	int64_t ms;
	const char *s = json_str(o, key);

	if (!s || parse_time_ms(s, &ms) != IT_OK)
		return IMAGE_NO_TIME;
	return ms;
}

static int dup_opt(const json_t *o, const char *key, char **ret)
{
	const char *s = json_str(o, key);

	*ret = NULL;
	if (!s)
		return IT_OK;
	*ret = strdup(s);
	return *ret ? IT_OK : IT_ENOMEM;
}

int image_facts_from_json(const json_t *obj, struct image_facts **ret, struct json_err *err)
{
	struct image_facts *f;
	const char *s, *k;
	json_t *v, *it;
	size_t i;
	int rc;

	rc = json_check_fields(obj, facts_fields, ARRAY_LEN(facts_fields), "", err);
	if (rc)
		return rc;
	f = image_facts_new(json_str(obj, "image_id"));
	if (!f)
		return IT_ENOMEM;
	s = json_str(obj, "status");
	for (int st = 0; s && st < IMAGE_STATUS__MAX; st++)
		if (strcmp(s, image_status_names[st]) == 0)
			f->status = (enum image_status)st;
	snprintf(f->owner_id, sizeof(f->owner_id), "%s", json_str(obj, "owner_id") ? json_str(obj, "owner_id") : "");
	snprintf(f->owner_alias, sizeof(f->owner_alias), "%s",
		 json_str(obj, "owner_alias") ? json_str(obj, "owner_alias") : "");
	snprintf(f->platform, sizeof(f->platform), "%s", json_str(obj, "platform") ? json_str(obj, "platform") : "");
	f->creation_ms = time_of(obj, "creation_date");
	f->deprecation_ms = time_of(obj, "deprecation_time");
	rc = dup_opt(obj, "name", &f->name);
	if (rc == 0)
		rc = dup_opt(obj, "source", &f->source);
	v = json_object_get(obj, "product_codes");
	if (rc == 0 && json_array_size(v) > 0) {
		f->product_codes = calloc(json_array_size(v), sizeof(char *));
		if (!f->product_codes)
			rc = IT_ENOMEM;
		json_array_foreach(v, i, it) {
			if (rc)
				break;
			f->product_codes[i] = strdup(json_string_value(it));
			if (!f->product_codes[i])
				rc = IT_ENOMEM;
			else
				f->n_product_codes = i + 1;
		}
	}
	v = json_object_get(obj, "tags");
	if (rc == 0 && json_is_object(v)) {
		f->tags_known = 1;
		if (json_object_size(v) > 0) {
			f->tags = calloc(json_object_size(v), sizeof(*f->tags));
			if (!f->tags)
				rc = IT_ENOMEM;
			json_object_foreach(v, k, it) {
				struct image_tag *t;
				if (rc)
					break;
				t = &f->tags[f->n_tags++];
				t->key = strdup(k);
				t->value = strdup(json_string_value(it));
				if (!t->key || !t->value)
					rc = IT_ENOMEM;
			}
		}
	}
	v = json_object_get(obj, "watermarks");
	if (rc == 0 && json_array_size(v) > 0) {
		f->watermarks = calloc(json_array_size(v), sizeof(*f->watermarks));
		if (!f->watermarks)
			rc = IT_ENOMEM;
		json_array_foreach(v, i, it) {
			struct image_watermark *w;
			if (rc)
				break;
			w = &f->watermarks[f->n_watermarks++];
			w->source_created_ms = time_of(it, "source_created");
			w->watermark_created_ms = time_of(it, "watermark_created");
			rc = dup_opt(it, "key", &w->key);
			if (rc == 0)
				rc = dup_opt(it, "source_region", &w->source_region);
		}
	}
	if (rc) {
		image_facts_free(f);
		return rc;
	}
	*ret = f;
	return IT_OK;
}

static int put(json_t *o, const char *key, json_t *v)
{
	return (v && json_object_set_new(o, key, v) == 0) ? IT_OK : IT_ENOMEM;
}

static json_t *time_json(int64_t ms)
{
	char t[IT_TIME_BUF];
	return json_string(ms % 1000 ? format_time_ms(ms, t) : format_time_s(ms, t));
}

int image_facts_to_json(const struct image_facts *f, json_t **ret)
{
	json_t *o = json_object();
	int rc = o ? IT_OK : IT_ENOMEM;

	if (rc == 0)
		rc = put(o, "image_id", json_string(f->image_id));
	if (rc == 0)
		rc = put(o, "status", json_string(image_status_names[f->status < IMAGE_STATUS__MAX ? f->status : IMAGE_UNKNOWN]));
	if (rc == 0 && f->owner_id[0])
		rc = put(o, "owner_id", json_string(f->owner_id));
	if (rc == 0 && f->owner_alias[0])
		rc = put(o, "owner_alias", json_string(f->owner_alias));
	if (rc == 0 && f->name)
		rc = put(o, "name", json_string(f->name));
	if (rc == 0 && f->creation_ms != IMAGE_NO_TIME)
		rc = put(o, "creation_date", time_json(f->creation_ms));
	if (rc == 0 && f->deprecation_ms != IMAGE_NO_TIME)
		rc = put(o, "deprecation_time", time_json(f->deprecation_ms));
	if (rc == 0 && f->n_product_codes) {
		json_t *a = json_array();
		rc = a ? IT_OK : IT_ENOMEM;
		for (size_t i = 0; rc == 0 && i < f->n_product_codes; i++)
			if (json_array_append_new(a, json_string(f->product_codes[i])))
				rc = IT_ENOMEM;
		if (rc == 0)
			rc = put(o, "product_codes", a);
		else
			json_decref(a);
	}
	if (rc == 0 && f->platform[0])
		rc = put(o, "platform", json_string(f->platform));
	if (rc == 0 && f->tags_known) {
		json_t *t = json_object();
		rc = t ? IT_OK : IT_ENOMEM;
		for (size_t i = 0; rc == 0 && i < f->n_tags; i++)
			rc = put(t, f->tags[i].key, json_string(f->tags[i].value));
		if (rc == 0)
			rc = put(o, "tags", t);
		else
			json_decref(t);
	}
	if (rc == 0 && f->n_watermarks) {
		json_t *a = json_array();
		rc = a ? IT_OK : IT_ENOMEM;
		for (size_t i = 0; rc == 0 && i < f->n_watermarks; i++) {
			const struct image_watermark *w = &f->watermarks[i];
			json_t *wo = json_object();
			rc = wo ? IT_OK : IT_ENOMEM;
			if (rc == 0)
				rc = put(wo, "key", json_string(w->key ? w->key : ""));
			if (rc == 0 && w->source_region)
				rc = put(wo, "source_region", json_string(w->source_region));
			if (rc == 0 && w->source_created_ms != IMAGE_NO_TIME)
				rc = put(wo, "source_created", time_json(w->source_created_ms));
			if (rc == 0 && w->watermark_created_ms != IMAGE_NO_TIME)
				rc = put(wo, "watermark_created", time_json(w->watermark_created_ms));
			if (rc == 0 && json_array_append_new(a, wo))
				rc = IT_ENOMEM;
			else if (rc)
				json_decref(wo);
		}
		if (rc == 0)
			rc = put(o, "watermarks", a);
		else
			json_decref(a);
	}
	if (rc == 0 && f->source)
		rc = put(o, "source", json_string(f->source));
	if (rc) {
		json_decref(o);
		return rc;
	}
	*ret = o;
	return IT_OK;
}

const char *image_facts_tag(const struct image_facts *f, const char *key)
{
	if (!f->tags_known)
		return NULL;
	for (size_t i = 0; i < f->n_tags; i++)
		if (strcmp(f->tags[i].key, key) == 0)
			return f->tags[i].value;
	return NULL;
}

const char *image_platform_from_ec2(const char *platform, const char *platform_details)
{
	if (platform && strcasecmp(platform, "windows") == 0)
		return "Windows";
	if (platform_details && strncmp(platform_details, "Windows", 7) == 0)
		return "Windows";
	return "Linux/UNIX";
}
