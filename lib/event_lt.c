/* event_lt.c: launch template calls, Config items and instance links (see event_lt.h). */
#include "event_lt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch_template.h"
#include "limits.h"
#include "parse.h"
#include "status.h"

static const char *const action_names[EVENT_LT__MAX] = {
	[EVENT_LT_CREATE] = "CreateLaunchTemplate",
	[EVENT_LT_CREATE_VERSION] = "CreateLaunchTemplateVersion",
	[EVENT_LT_MODIFY] = "ModifyLaunchTemplate",
	[EVENT_LT_DELETE] = "DeleteLaunchTemplate",
	[EVENT_LT_DELETE_VERSIONS] = "DeleteLaunchTemplateVersions",
	[EVENT_LT_CONFIG_ITEM] = "ConfigurationItem",
	[EVENT_LT_CONFIG_OVERSIZED] = "ConfigurationItemSummary",
};
_Static_assert(sizeof(action_names) / sizeof(action_names[0]) == EVENT_LT__MAX, "action_names");

const char *event_lt_action_str(enum event_lt_action action)
{
	if ((unsigned)action >= EVENT_LT__MAX)
		return "unknown";
	return action_names[action];
}

void event_lt_free(struct event_lt *lt)
{
	if (!lt)
		return;
	free(lt->account);
	free(lt->region);
	free(lt->template_id);
	free(lt->name);
	free(lt->version.image);
	free(lt->gone);
	free(lt);
}

/* ---- readers ---- */

/* A launch template id at obj.key, validated and copied (NULL when optional and absent). */
static int get_lt_id(const json_t *obj, const char *prefix, const char *key, int required, char **ret,
		     struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	const char *s;
	int rc;

	rc = event_get_str(obj, prefix, key, required, 64, &s, err);
	if (rc)
		return rc;
	if (!s) {
		*ret = NULL;
		return IT_OK;
	}
	if (!valid_launch_template_id(s)) {
		event_path(path, sizeof(path), prefix, key);
		return json_err_set(err, IT_EINVAL, path, "is not a valid launch template id (lt- and 8 or 17 hex digits)");
	}
	return event_dup(ret, s);
}

static int get_name(const json_t *obj, const char *prefix, const char *key, char **ret, struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	const char *s;
	int rc;

	rc = event_get_str(obj, prefix, key, EVENT_OPTIONAL, IT_LT_MAX_NAME, &s, err);
	if (rc)
		return rc;
	if (!s) {
		*ret = NULL;
		return IT_OK;
	}
	if (!valid_launch_template_name(s)) {
		event_path(path, sizeof(path), prefix, key);
		return json_err_set(err, IT_EINVAL, path,
				    "is not a launch template name (3 to 128 of A-Z a-z 0-9 ( ) . - / _)");
	}
	return event_dup(ret, s);
}

/* A version number: a JSON integer, a string of digits ("2", as request members are
 * written), or CloudTrail's list encoding of one {"tag": 1, "content": "2"}. */
static int get_version(const json_t *obj, const char *prefix, const char *key, int required, int64_t *ret,
		       struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	const json_t *v = json_object_get(obj, key);
	struct lt_version_spec spec;

	event_path(path, sizeof(path), prefix, key);
	if (v && json_is_object(v) && json_object_get(v, "content"))
		v = json_object_get(v, "content");
	if (!v || json_is_null(v)) {
		if (required)
			return json_err_set(err, IT_EINVAL, path, "is required");
		*ret = 0;
		return IT_OK;
	}
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);
		if (n < 1 || n > IT_LT_MAX_VERSION)
			return json_err_set(err, IT_EINVAL, path, "must be a version number from 1");
		*ret = (int64_t)n;
		return IT_OK;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d != floor(d) || d < 1 || d > (double)IT_LT_MAX_VERSION)
			return json_err_set(err, IT_EINVAL, path, "must be a version number from 1");
		*ret = (int64_t)d;
		return IT_OK;
	}
	if (json_is_string(v) && json_string_length(v) < 32 &&
	    lt_version_parse(json_string_value(v), &spec) == IT_OK && spec.kind == LT_VERSION_NUMBER) {
		*ret = spec.number;
		return IT_OK;
	}
	return json_err_set(err, IT_EINVAL, path, "must be a version number from 1");
}

/* The image of a launch template data object: an AMI id or a resolve:ssm: reference. */
static int get_image(const json_t *data, const char *prefix, const char *key, char **ret, struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	struct lt_image_ref ref;
	const char *s;
	int rc;

	rc = event_get_str(data, prefix, key, EVENT_OPTIONAL, IT_LT_MAX_IMAGE_REF, &s, err);
	if (rc)
		return rc;
	if (!s) {
		*ret = NULL;
		return IT_OK;
	}
	if (lt_image_ref_parse(s, &ref) != IT_OK) {
		event_path(path, sizeof(path), prefix, key);
		return json_err_set(err, IT_EINVAL, path,
				    "is neither an AMI id (ami- and 8 or 17 hex digits) nor a "
				    "resolve:ssm:NAME[:VERSION|:LABEL] parameter");
	}
	return event_dup(ret, s);
}

/* A boolean at obj.key: 1, 0, or -1 when absent/null. */
static int get_bool(const json_t *obj, const char *prefix, const char *key, int *ret, struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	const json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v)) {
		*ret = -1;
		return IT_OK;
	}
	if (json_is_boolean(v)) {
		*ret = json_is_true(v);
		return IT_OK;
	}
	/* request members are strings in CloudTrail ("true") */
	if (json_is_string(v) && (!strcmp(json_string_value(v), "true") || !strcmp(json_string_value(v), "false"))) {
		*ret = !strcmp(json_string_value(v), "true");
		return IT_OK;
	}
	event_path(path, sizeof(path), prefix, key);
	return json_err_set(err, IT_EINVAL, path, "must be a boolean");
}

/* CloudTrail's rendering of an XML list: {"item": {...}} for one, {"item": [...]} for
 * many, {} or null for none. *ret_items is the object or array, *ret_n its count. */
static int get_items(const json_t *set, const char *set_path, const json_t **ret_items, size_t *ret_n,
		     struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	const json_t *items;

	*ret_items = NULL;
	*ret_n = 0;
	if (!set || json_is_null(set))
		return IT_OK;
	if (!json_is_object(set))
		return json_err_set(err, IT_EINVAL, set_path, "must be an object");
	items = json_object_get(set, "item");
	event_path(path, sizeof(path), set_path, "item");
	if (!items || json_is_null(items))
		return IT_OK;
	if (json_is_object(items)) {
		*ret_items = items;
		*ret_n = 1;
		return IT_OK;
	}
	if (!json_is_array(items))
		return json_err_set(err, IT_EINVAL, path, "must be an object or an array");
	*ret_items = items;
	*ret_n = json_array_size(items);
	return IT_OK;
}

static const json_t *item_at(const json_t *items, size_t i, char *path, size_t size, const char *set_path)
{
	if (json_is_object(items)) {
		event_path(path, size, set_path, "item");
		return items;
	}
	event_path_index(path, size, set_path, "item", i);
	return json_array_get(items, i);
}

/* ---- the template record ---- */

static int lt_new(struct event *ev, enum event_lt_action action, struct event_lt **ret, struct json_err *err)
{
	struct event_lt *lt = calloc(1, sizeof(*lt));

	if (!lt || event_dup(&lt->account, ev->account) || event_dup(&lt->region, ev->region)) {
		event_lt_free(lt);
		return json_err_set(err, IT_ENOMEM, "", "out of memory");
	}
	lt->action = action;
	*ret = lt;
	return IT_OK;
}

/* Takes ownership of lt: on success it is ev's; on failure it is freed. */
static int lt_attach(struct event *ev, struct event_lt *lt, int kind_from_caller)
{
	event_lt_free(ev->lt);
	ev->lt = lt;
	if (!kind_from_caller)
		ev->kind = EVENT_LAUNCH_TEMPLATE;
	return IT_OK;
}

/* ---- CloudTrail ---- */

static const char *const ct_names[] = {
	[EVENT_LT_CREATE] = "CreateLaunchTemplate",
	[EVENT_LT_CREATE_VERSION] = "CreateLaunchTemplateVersion",
	[EVENT_LT_MODIFY] = "ModifyLaunchTemplate",
	[EVENT_LT_DELETE] = "DeleteLaunchTemplate",
	[EVENT_LT_DELETE_VERSIONS] = "DeleteLaunchTemplateVersions",
};

static int ct_action(const json_t *detail, enum event_lt_action *ret)
{
	const json_t *v = json_object_get(detail, "eventName");
	const char *name = json_is_string(v) ? json_string_value(v) : NULL;

	if (!name)
		return 0;
	for (int a = EVENT_LT_CREATE; a <= EVENT_LT_DELETE_VERSIONS; a++) {
		if (strcmp(name, ct_names[a]) == 0) {
			*ret = (enum event_lt_action)a;
			return 1;
		}
	}
	return 0;
}

int event_lt_is_cloudtrail(const json_t *detail)
{
	enum event_lt_action a;
	const json_t *src = json_object_get(detail, "eventSource");

	/* another eventSource is event_ec2's to ignore, with its message */
	if (src && json_is_string(src) && strcmp(json_string_value(src), "ec2.amazonaws.com") != 0)
		return 0;
	return ct_action(detail, &a);
}

/* The launchTemplate object of a Create/Modify/Delete response: id (must match id when
 * already known), name, default and latest version numbers. */
static int read_template_object(const json_t *t, const char *path, struct event_lt *lt, struct json_err *err)
{
	char p[EVENT_PATH_MAX];
	int rc;

	rc = get_lt_id(t, path, "launchTemplateId", EVENT_REQUIRED, &lt->template_id, err);
	if (rc == IT_OK)
		rc = get_name(t, path, "launchTemplateName", &lt->name, err);
	if (rc == IT_OK)
		rc = get_version(t, path, "defaultVersionNumber", EVENT_OPTIONAL, &lt->default_version, err);
	if (rc == IT_OK)
		rc = get_version(t, path, "latestVersionNumber", EVENT_OPTIONAL, &lt->latest_version, err);
	if (rc == IT_OK && lt->default_version && lt->latest_version && lt->default_version > lt->latest_version) {
		event_path(p, sizeof(p), path, "defaultVersionNumber");
		rc = json_err_set(err, IT_EINVAL, p, "is after latestVersionNumber");
	}
	return rc;
}

/* responseElements.<Action>Response.<member> as an object (required). */
static int response_member(const json_t *resp, enum event_lt_action a, const char *member, const json_t **ret,
			   char *path, size_t size, struct json_err *err)
{
	char wrap[64], wpath[EVENT_PATH_MAX];
	const json_t *w;
	int rc;

	snprintf(wrap, sizeof(wrap), "%sResponse", ct_names[a]);
	rc = event_get_obj(resp, "detail.responseElements", wrap, EVENT_REQUIRED, &w, err);
	if (rc)
		return rc;
	event_path(wpath, sizeof(wpath), "detail.responseElements", wrap);
	event_path(path, size, wpath, member);
	return event_get_obj(w, wpath, member, EVENT_REQUIRED, ret, err);
}

/* requestParameters.<Action>Request (NULL when absent). */
static int request_object(const json_t *detail, enum event_lt_action a, const json_t **ret, char *path,
			  size_t size, struct json_err *err)
{
	char wrap[64];
	const json_t *rp;
	int rc;

	rc = event_get_obj(detail, "detail", "requestParameters", EVENT_OPTIONAL, &rp, err);
	if (rc || !rp) {
		*ret = NULL;
		return rc;
	}
	snprintf(wrap, sizeof(wrap), "%sRequest", ct_names[a]);
	event_path(path, size, "detail.requestParameters", wrap);
	return event_get_obj(rp, "detail.requestParameters", wrap, EVENT_OPTIONAL, ret, err);
}

static int parse_create(const json_t *detail, const json_t *resp, struct event_lt *lt, struct json_err *err)
{
	char path[EVENT_PATH_MAX], rpath[EVENT_PATH_MAX], dpath[EVENT_PATH_MAX];
	const json_t *t, *req, *data = NULL;
	int rc;

	rc = response_member(resp, EVENT_LT_CREATE, "launchTemplate", &t, path, sizeof(path), err);
	if (rc == IT_OK)
		rc = read_template_object(t, path, lt, err);
	if (rc == IT_OK)
		rc = request_object(detail, EVENT_LT_CREATE, &req, rpath, sizeof(rpath), err);
	if (rc == IT_OK && req)
		rc = event_get_obj(req, rpath, "LaunchTemplateData", EVENT_OPTIONAL, &data, err);
	if (rc)
		return rc;
	/* A new template has one version, 1, which is its default and latest. */
	if (!lt->default_version)
		lt->default_version = 1;
	if (!lt->latest_version)
		lt->latest_version = 1;
	if (data) {
		event_path(dpath, sizeof(dpath), rpath, "LaunchTemplateData");
		rc = get_image(data, dpath, "ImageId", &lt->version.image, err);
		if (rc)
			return rc;
		lt->has_version = 1;
		lt->version.number = 1;
		lt->version.is_default = lt->default_version == 1;
	}
	lt->needs_lookup = !lt->has_version;
	return IT_OK;
}

static int parse_create_version(const json_t *detail, const json_t *resp, struct event_lt *lt,
				struct json_err *err)
{
	char path[EVENT_PATH_MAX], rpath[EVENT_PATH_MAX], dpath[EVENT_PATH_MAX];
	const json_t *v, *req, *rdata = NULL, *data = NULL;
	char *req_image = NULL, *resp_image = NULL;
	int64_t source = 0;
	int is_default = -1, rc;

	rc = response_member(resp, EVENT_LT_CREATE_VERSION, "launchTemplateVersion", &v, path, sizeof(path), err);
	if (rc == IT_OK)
		rc = get_lt_id(v, path, "launchTemplateId", EVENT_REQUIRED, &lt->template_id, err);
	if (rc == IT_OK)
		rc = get_name(v, path, "launchTemplateName", &lt->name, err);
	if (rc == IT_OK)
		rc = get_version(v, path, "versionNumber", EVENT_REQUIRED, &lt->version.number, err);
	if (rc == IT_OK)
		rc = get_bool(v, path, "defaultVersion", &is_default, err);
	if (rc == IT_OK)
		rc = event_get_obj(v, path, "launchTemplateData", EVENT_OPTIONAL, &data, err);
	if (rc == IT_OK && data) {
		event_path(dpath, sizeof(dpath), path, "launchTemplateData");
		rc = get_image(data, dpath, "imageId", &resp_image, err);
	}
	if (rc == IT_OK)
		rc = request_object(detail, EVENT_LT_CREATE_VERSION, &req, rpath, sizeof(rpath), err);
	if (rc == IT_OK && req)
		rc = get_version(req, rpath, "SourceVersion", EVENT_OPTIONAL, &source, err);
	if (rc == IT_OK && req)
		rc = event_get_obj(req, rpath, "LaunchTemplateData", EVENT_OPTIONAL, &rdata, err);
	if (rc == IT_OK && rdata) {
		event_path(dpath, sizeof(dpath), rpath, "LaunchTemplateData");
		rc = get_image(rdata, dpath, "ImageId", &req_image, err);
	}
	if (rc) {
		free(req_image);
		free(resp_image);
		return rc;
	}
	/*
	 * Which image the new version names: the response's data is the whole version
	 * (inherited members included), except that with ResolveAlias it shows the AMI an
	 * alias resolved to at that moment, while launches keep resolving the alias: an
	 * alias in the request wins. Without response data, the request's data is the
	 * version's only when it was not built on a source version.
	 */
	if (req_image && strncmp(req_image, LT_SSM_PREFIX, strlen(LT_SSM_PREFIX)) == 0) {
		lt->version.image = req_image;
		req_image = NULL;
		lt->has_version = 1;
	} else if (data) {
		lt->version.image = resp_image;
		resp_image = NULL;
		lt->has_version = 1;
	} else if (rdata && !source) {
		lt->version.image = req_image;
		req_image = NULL;
		lt->has_version = 1;
	}
	free(req_image);
	free(resp_image);
	lt->latest_version = lt->version.number;
	lt->version.is_default = is_default == 1;
	if (is_default == 1)
		lt->default_version = lt->version.number;
	/* the template's default may be another version, whose image is not here */
	lt->needs_lookup = !lt->has_version || is_default != 1;
	return IT_OK;
}

static int parse_modify(const json_t *detail, const json_t *resp, struct event_lt *lt, struct json_err *err)
{
	char path[EVENT_PATH_MAX], rpath[EVENT_PATH_MAX];
	const json_t *t, *req;
	int64_t set_default = 0;
	int rc;

	rc = response_member(resp, EVENT_LT_MODIFY, "launchTemplate", &t, path, sizeof(path), err);
	if (rc == IT_OK)
		rc = read_template_object(t, path, lt, err);
	if (rc == IT_OK)
		rc = request_object(detail, EVENT_LT_MODIFY, &req, rpath, sizeof(rpath), err);
	if (rc == IT_OK && req)
		rc = get_version(req, rpath, "SetDefaultVersion", EVENT_OPTIONAL, &set_default, err);
	if (rc)
		return rc;
	if (!lt->default_version)
		lt->default_version = set_default;
	/* the new default version's data is never in this event */
	lt->needs_lookup = 1;
	return IT_OK;
}

static int parse_delete(const json_t *detail, const json_t *resp, struct event_lt *lt, struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	const json_t *t;
	int rc;

	(void)detail;
	rc = response_member(resp, EVENT_LT_DELETE, "launchTemplate", &t, path, sizeof(path), err);
	if (rc == IT_OK)
		rc = read_template_object(t, path, lt, err);
	if (rc)
		return rc;
	lt->deleted = 1;
	return IT_OK;
}

/* Returns 1 in *ret_none when no version was deleted (the event is then ignored). */
static int parse_delete_versions(const json_t *detail, const json_t *resp, struct event_lt *lt, int *ret_none,
				 struct json_err *err)
{
	char wrap_path[EVENT_PATH_MAX], set_path[EVENT_PATH_MAX], path[EVENT_PATH_MAX];
	const json_t *w, *set, *items;
	size_t n;
	int rc;

	(void)detail;
	*ret_none = 0;
	rc = event_get_obj(resp, "detail.responseElements", "DeleteLaunchTemplateVersionsResponse", EVENT_REQUIRED, &w,
			   err);
	if (rc)
		return rc;
	event_path(wrap_path, sizeof(wrap_path), "detail.responseElements", "DeleteLaunchTemplateVersionsResponse");
	event_path(set_path, sizeof(set_path), wrap_path, "successfullyDeletedLaunchTemplateVersionSet");
	set = json_object_get(w, "successfullyDeletedLaunchTemplateVersionSet");
	rc = get_items(set, set_path, &items, &n, err);
	if (rc)
		return rc;
	if (n == 0) {
		*ret_none = 1;
		return IT_OK;
	}
	if (n > IT_LT_MAX_GONE_VERSIONS)
		return json_err_set(err, IT_EINVAL, set_path, "more than %d versions", IT_LT_MAX_GONE_VERSIONS);
	lt->gone = calloc(n, sizeof(*lt->gone));
	if (!lt->gone)
		return json_err_set(err, IT_ENOMEM, set_path, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const json_t *it = item_at(items, i, path, sizeof(path), set_path);
		char *id = NULL, *name = NULL;
		int64_t num = 0;

		if (!json_is_object(it))
			return json_err_set(err, IT_EINVAL, path, "must be an object");
		rc = get_lt_id(it, path, "launchTemplateId", EVENT_REQUIRED, &id, err);
		if (rc == IT_OK)
			rc = get_name(it, path, "launchTemplateName", &name, err);
		if (rc == IT_OK)
			rc = get_version(it, path, "versionNumber", EVENT_REQUIRED, &num, err);
		if (rc == IT_OK && lt->template_id && strcmp(id, lt->template_id) != 0) {
			char idp[EVENT_PATH_MAX];
			event_path(idp, sizeof(idp), path, "launchTemplateId");
			rc = json_err_set(err, IT_EINVAL, idp, "differs from the first deleted version's template");
		}
		if (rc) {
			free(id);
			free(name);
			return rc;
		}
		if (!lt->template_id) {
			lt->template_id = id;
			id = NULL;
		}
		if (!lt->name) {
			lt->name = name;
			name = NULL;
		}
		free(id);
		free(name);
		lt->gone[lt->n_gone++] = num;
	}
	lt->needs_lookup = 1;   /* the default and latest versions may have changed */
	return IT_OK;
}

int event_lt_parse_cloudtrail(const json_t *detail, struct event *ev, struct json_err *err)
{
	const char *event_name, *error_code, *recipient, *region;
	enum event_lt_action a;
	const json_t *resp;
	struct event_lt *lt = NULL;
	int none = 0, rc;

	rc = event_get_str(detail, "detail", "eventName", EVENT_REQUIRED, IT_EVENT_MAX_FIELD, &event_name, err);
	if (rc)
		return rc;
	if (!ct_action(detail, &a))
		return event_ignore(ev, "CloudTrail eventName '%s' is not handled", event_name);
	rc = event_get_str(detail, "detail", "errorCode", EVENT_OPTIONAL, IT_EVENT_MAX_FIELD, &error_code, err);
	if (rc)
		return rc;
	if (error_code)
		return event_ignore(ev, "%s failed with errorCode '%s'", event_name, error_code);
	rc = lt_new(ev, a, &lt, err);
	if (rc == IT_OK)
		rc = event_get_time(detail, "detail", "eventTime", EVENT_REQUIRED, &lt->observed_at_ms, err);
	if (rc == IT_OK)
		rc = event_get_str(detail, "detail", "recipientAccountId", EVENT_OPTIONAL, 64, &recipient, err);
	if (rc == IT_OK && recipient && strcmp(recipient, ev->account) != 0)
		rc = json_err_set(err, IT_EINVAL, "detail.recipientAccountId", "differs from the envelope account");
	if (rc == IT_OK)
		rc = event_get_str(detail, "detail", "awsRegion", EVENT_OPTIONAL, 64, &region, err);
	if (rc == IT_OK && region && strcmp(region, ev->region) != 0)
		rc = json_err_set(err, IT_EINVAL, "detail.awsRegion", "differs from the envelope region");
	if (rc == IT_OK)
		rc = event_get_obj(detail, "detail", "responseElements", EVENT_OPTIONAL, &resp, err);
	if (rc)
		goto fail;
	if (!resp) {
		event_lt_free(lt);
		return event_ignore(ev, "%s without responseElements changed nothing", event_name);
	}
	switch (a) {
	case EVENT_LT_CREATE:
		rc = parse_create(detail, resp, lt, err);
		break;
	case EVENT_LT_CREATE_VERSION:
		rc = parse_create_version(detail, resp, lt, err);
		break;
	case EVENT_LT_MODIFY:
		rc = parse_modify(detail, resp, lt, err);
		break;
	case EVENT_LT_DELETE:
		rc = parse_delete(detail, resp, lt, err);
		break;
	case EVENT_LT_DELETE_VERSIONS:
		rc = parse_delete_versions(detail, resp, lt, &none, err);
		break;
	case EVENT_LT_CONFIG_ITEM:
	case EVENT_LT_CONFIG_OVERSIZED:
	case EVENT_LT__MAX:
	default:
		rc = json_err_set(err, IT_EINVAL, "detail.eventName", "is not a launch template call");
		break;
	}
	if (rc)
		goto fail;
	if (none) {
		event_lt_free(lt);
		return event_ignore(ev, "DeleteLaunchTemplateVersions deleted no version");
	}
	return lt_attach(ev, lt, 0);
fail:
	event_lt_free(lt);
	return rc;
}

/* ---- Config ---- */

static const char *const item_status[] = {
	"OK", "ResourceDiscovered", "ResourceNotRecorded", "ResourceDeleted", "ResourceDeletedNotRecorded",
};

/* configuration of a full item: name, default/latest numbers, the default's data. */
static int parse_ci_configuration(const json_t *ci, const char *prefix, struct event_lt *lt, struct json_err *err)
{
	char cpath[EVENT_PATH_MAX], dpath[EVENT_PATH_MAX], path[EVENT_PATH_MAX];
	const json_t *cfg, *data = NULL;
	char *id = NULL, *name = NULL;
	int rc;

	rc = event_get_obj(ci, prefix, "configuration", EVENT_OPTIONAL, &cfg, err);
	if (rc || !cfg)
		return rc;
	event_path(cpath, sizeof(cpath), prefix, "configuration");
	rc = get_lt_id(cfg, cpath, "Id", EVENT_OPTIONAL, &id, err);
	if (rc == IT_OK && id && strcmp(id, lt->template_id) != 0) {
		event_path(path, sizeof(path), cpath, "Id");
		rc = json_err_set(err, IT_EINVAL, path, "differs from resourceId");
	}
	free(id);
	if (rc == IT_OK)
		rc = get_name(cfg, cpath, "LaunchTemplateName", &name, err);
	if (rc == IT_OK && name) {
		free(lt->name);
		lt->name = name;
	} else {
		free(name);
	}
	if (rc == IT_OK)
		rc = get_version(cfg, cpath, "DefaultVersionNumber", EVENT_OPTIONAL, &lt->default_version, err);
	if (rc == IT_OK)
		rc = get_version(cfg, cpath, "LatestVersionNumber", EVENT_OPTIONAL, &lt->latest_version, err);
	if (rc == IT_OK && lt->default_version && lt->latest_version && lt->default_version > lt->latest_version) {
		event_path(path, sizeof(path), cpath, "DefaultVersionNumber");
		rc = json_err_set(err, IT_EINVAL, path, "is after LatestVersionNumber");
	}
	if (rc == IT_OK)
		rc = event_get_obj(cfg, cpath, "LaunchTemplateData", EVENT_OPTIONAL, &data, err);
	if (rc == IT_OK && data) {
		event_path(dpath, sizeof(dpath), cpath, "LaunchTemplateData");
		rc = get_image(data, dpath, "ImageId", &lt->version.image, err);
		if (rc == IT_OK) {
			lt->has_version = 1;
			lt->version.number = lt->default_version;
			lt->version.is_default = 1;
		}
	}
	return rc;
}

int event_lt_parse_config_item(const json_t *ci, const char *prefix, int summary_only, const char *account_what,
			       struct event *ev, struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	struct event_lt *lt = NULL;
	const char *status, *account, *region;
	size_t st;
	int rc;

	rc = event_get_str(ci, prefix, "configurationItemStatus", EVENT_REQUIRED, IT_EVENT_MAX_FIELD, &status, err);
	if (rc)
		return rc;
	for (st = 0; st < sizeof(item_status) / sizeof(item_status[0]); st++)
		if (strcmp(status, item_status[st]) == 0)
			break;
	if (st == sizeof(item_status) / sizeof(item_status[0])) {
		event_path(path, sizeof(path), prefix, "configurationItemStatus");
		return json_err_set(err, IT_EINVAL, path,
				    "is not a Config item status (OK, ResourceDiscovered, ResourceNotRecorded, "
				    "ResourceDeleted, ResourceDeletedNotRecorded)");
	}
	rc = event_get_account(ci, prefix, "awsAccountId", &account, err);
	if (rc == IT_OK && strcmp(account, ev->account) != 0) {
		event_path(path, sizeof(path), prefix, "awsAccountId");
		rc = json_err_set(err, IT_EINVAL, path, "differs from %s", account_what);
	}
	if (rc == IT_OK)
		rc = event_get_str(ci, prefix, "awsRegion", EVENT_REQUIRED, 64, &region, err);
	if (rc == IT_OK && strcmp(region, ev->region) != 0) {
		event_path(path, sizeof(path), prefix, "awsRegion");
		rc = json_err_set(err, IT_EINVAL, path,
				  valid_region(region) ? "differs from the event region" : "is not a valid AWS region");
	}
	if (rc == IT_OK)
		rc = lt_new(ev, summary_only ? EVENT_LT_CONFIG_OVERSIZED : EVENT_LT_CONFIG_ITEM, &lt, err);
	if (rc == IT_OK)
		rc = get_lt_id(ci, prefix, "resourceId", EVENT_REQUIRED, &lt->template_id, err);
	if (rc == IT_OK)
		rc = get_name(ci, prefix, "resourceName", &lt->name, err);
	if (rc == IT_OK)
		rc = event_get_time(ci, prefix, "configurationItemCaptureTime", EVENT_REQUIRED, &lt->observed_at_ms, err);
	if (rc)
		goto fail;
	lt->deleted = st == 3 || st == 4;
	if (!summary_only && !lt->deleted) {
		rc = parse_ci_configuration(ci, prefix, lt, err);
		if (rc)
			goto fail;
	}
	lt->needs_lookup = !lt->deleted && (!lt->has_version || !lt->version.number);
	return lt_attach(ev, lt, 1);
fail:
	event_lt_free(lt);
	return rc;
}

/* ---- instance links ---- */

static int link_from_tags(struct event_observation *o)
{
	struct lt_link link;

	memset(&link, 0, sizeof(link));
	for (size_t t = 0; t < o->n_tags; t++)
		(void)lt_link_tag(o->tags[t].key, o->tags[t].value, &link);
	if (!link.template_id[0])
		return IT_OK;
	if (event_dup(&o->lt_id, link.template_id))
		return IT_ENOMEM;
	o->lt_version = link.version;
	o->lt_version_kind = LT_VERSION_NUMBER;
	return IT_OK;
}

/* requestParameters.launchTemplate of RunInstances and whether the request also named
 * an image of its own. */
struct run_request {
	char *id;
	char *name;
	struct lt_version_spec version;
	int has_version;
	int override;
};

static int read_run_request(const json_t *detail, struct run_request *r, struct json_err *err)
{
	static const char P[] = "detail.requestParameters";
	static const char LP[] = "detail.requestParameters.launchTemplate";
	char path[EVENT_PATH_MAX];
	const json_t *rp, *lt, *set, *items, *v;
	int rc;

	rc = event_get_obj(detail, "detail", "requestParameters", EVENT_OPTIONAL, &rp, err);
	if (rc || !rp)
		return rc;
	rc = event_get_obj(rp, P, "launchTemplate", EVENT_OPTIONAL, &lt, err);
	if (rc || !lt)
		return rc;
	rc = get_lt_id(lt, LP, "launchTemplateId", EVENT_OPTIONAL, &r->id, err);
	if (rc == IT_OK)
		rc = get_name(lt, LP, "launchTemplateName", &r->name, err);
	if (rc)
		return rc;
	v = json_object_get(lt, "version");
	if (v && !json_is_null(v)) {
		if (json_is_string(v) && json_string_length(v) < 32 &&
		    lt_version_parse(json_string_value(v), &r->version) == IT_OK) {
			r->has_version = 1;
		} else {
			int64_t num;
			rc = get_version(lt, LP, "version", EVENT_REQUIRED, &num, err);
			if (rc) {
				event_path(path, sizeof(path), LP, "version");
				return json_err_set(err, IT_EINVAL, path, "must be a version number, $Default or $Latest");
			}
			r->version.kind = LT_VERSION_NUMBER;
			r->version.number = num;
			r->has_version = 1;
		}
	}
	/* an imageId in the request beside the template overrides the template's image */
	set = json_object_get(rp, "instancesSet");
	items = json_is_object(set) ? json_object_get(set, "items") : NULL;
	if (json_is_array(items)) {
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it)
			if (json_is_object(it) && json_is_string(json_object_get(it, "imageId")))
				r->override = 1;
	}
	return IT_OK;
}

int event_lt_link(const json_t *root, struct event *ev, struct json_err *err)
{
	struct run_request req;
	const json_t *detail;
	int rc = IT_OK;

	if (!ev || ev->n_obs == 0)
		return IT_OK;
	for (size_t i = 0; rc == IT_OK && i < ev->n_obs; i++)
		rc = link_from_tags(&ev->obs[i]);
	if (rc)
		return json_err_set(err, rc, "", "out of memory");
	if (ev->kind != EVENT_CLOUDTRAIL_RUN_INSTANCES)
		return IT_OK;
	detail = json_object_get(root, "detail");
	memset(&req, 0, sizeof(req));
	rc = read_run_request(detail, &req, err);
	for (size_t i = 0; rc == IT_OK && i < ev->n_obs; i++) {
		struct event_observation *o = &ev->obs[i];
		if (!req.id && !req.name)
			break;
		o->lt_image_override = req.override;
		if (!o->lt_id && req.id && event_dup(&o->lt_id, req.id))
			rc = json_err_set(err, IT_ENOMEM, "", "out of memory");
		if (rc == IT_OK && !o->lt_name && req.name && event_dup(&o->lt_name, req.name))
			rc = json_err_set(err, IT_ENOMEM, "", "out of memory");
		/* the tag holds the number the launch resolved; the request may say $Latest */
		if (rc == IT_OK && !o->lt_version && (!o->lt_id || !req.id || strcmp(o->lt_id, req.id) == 0)) {
			if (req.has_version) {
				o->lt_version_kind = req.version.kind;
				o->lt_version = req.version.number;
			} else {
				o->lt_version_kind = LT_VERSION_DEFAULT;   /* a launch naming no version */
			}
		}
	}
	free(req.id);
	free(req.name);
	return rc;
}

int event_lt_time_reason(const struct event *ev, int64_t received_ms, char *out, size_t size)
{
	char claimed[IT_TIME_BUF], got[IT_TIME_BUF];
	const struct event_lt *lt = ev ? ev->lt : NULL;
	const char *name;
	int config;

	if (!lt)
		return 0;
	config = lt->action == EVENT_LT_CONFIG_ITEM || lt->action == EVENT_LT_CONFIG_OVERSIZED;
	name = config ? "configurationItemCaptureTime" : "eventTime";
	if (!lt->claimed_observed_ms && !ev->claimed_time_ms)
		return 0;
	if (!lt->claimed_observed_ms) {
		snprintf(out, size, "%s %s is more than %lld minutes after Italic received the event (%s): clamped to the "
			 "receipt time", ev->rule ? "notificationCreationTime" : "time",
			 format_time_s(ev->claimed_time_ms, claimed), (long long)(IT_EVENT_CLOCK_SKEW_MS / 60000),
			 format_time_s(received_ms, got));
		return 1;
	}
	snprintf(out, size, "%s %s is more than %lld minutes after Italic received the event (%s): clamped to the "
		 "receipt time%s", name, format_time_s(lt->claimed_observed_ms, claimed),
		 (long long)(IT_EVENT_CLOCK_SKEW_MS / 60000), format_time_s(received_ms, got),
		 ev->claimed_time_ms ? (ev->rule ? " (so was notificationCreationTime)" : " (so was time)") : "");
	return 1;
}

int event_lt_rule_covers_templates(const struct event *ev)
{
	const struct event_rule_invocation *r = ev ? ev->rule : NULL;
	json_t *p;
	const char *t;
	int yes;

	if (!r || !r->rule_parameters)
		return 0;
	p = json_loads(r->rule_parameters, 0, NULL);
	t = json_string_value(json_object_get(p, EVENT_LT_RULE_PARAMETER));
	yes = t && strcmp(t, EVENT_LT_CONFIG_TYPE) == 0;
	json_decref(p);
	return yes;
}
