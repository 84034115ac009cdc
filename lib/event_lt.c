/* event_lt.c: launch template calls, Config items and instance links (see event_lt.h; the
 * module's shared parts are event_extern.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "event_extern.h"
#include "event_lt.h"
#include "launch_template.h"
#include "limits.h"
#include "parse.h"
#include "reconcile.h"
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
_Static_assert(ARRAY_LEN(action_names) == EVENT_LT__MAX, "action_names");

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

/* ---- checks (json_field.check) and their readers ---- */

static int check_lt_id(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_launch_template_id(json_string_value(v)))
		return json_err_set(err, IT_EINVAL, path, "is not a valid launch template id (lt- and 8 or 17 hex digits)");
	return IT_OK;
}

static int check_name(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_launch_template_name(json_string_value(v)))
		return json_err_set(err, IT_EINVAL, path,
				    "is not a launch template name (3 to 128 of A-Z a-z 0-9 ( ) . - / _)");
	return IT_OK;
}

static int check_image(const json_t *v, const char *path, struct json_err *err)
{
	struct lt_image_ref ref;

	if (lt_image_ref_parse(json_string_value(v), &ref) != IT_OK)
		return json_err_set(err, IT_EINVAL, path,
				    "is neither an AMI id (ami- and 8 or 17 hex digits) nor a "
				    "resolve:ssm:NAME[:VERSION|:LABEL] parameter");
	return IT_OK;
}

/* A version number: a JSON integer, a string of digits ("2", as request members are
 * written), or CloudTrail's list encoding of one {"tag": 1, "content": "2"}; 0 when
 * absent or null. The checks below have refused anything else. */
static int64_t version_value(const json_t *v)
{
	struct lt_version_spec spec;

	if (v && json_is_object(v))
		v = json_object_get(v, "content");
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	if (json_is_string(v) && lt_version_parse(json_string_value(v), &spec) == IT_OK &&
	    spec.kind == LT_VERSION_NUMBER)
		return spec.number;
	return -1;
}

static int64_t version_of(const json_t *obj, const char *key)
{
	return version_value(json_object_get(obj, key));
}

static int check_version(const json_t *v, const char *path, struct json_err *err)
{
	const json_t *c = json_is_object(v) ? json_object_get(v, "content") : v;
	int ok;

	if (!c || json_is_null(c))
		return IT_OK;
	if (json_is_integer(c))
		ok = json_integer_value(c) >= 1 && json_integer_value(c) <= IT_LT_MAX_VERSION;
	else if (json_is_real(c))
		ok = json_real_value(c) == floor(json_real_value(c)) && json_real_value(c) >= 1 &&
		     json_real_value(c) <= (double)IT_LT_MAX_VERSION;
	else
		ok = json_is_string(c) && json_string_length(c) < 32 && version_value(c) > 0;
	return ok ? IT_OK : json_err_set(err, IT_EINVAL, path, "must be a version number from 1");
}

/* A required version: the check above, and null is not a version. */
static int check_version_required(const json_t *v, const char *path, struct json_err *err)
{
	if (json_is_null(v) || (json_is_object(v) && !json_object_get(v, "content")))
		return json_err_set(err, IT_EINVAL, path, "is required");
	return check_version(v, path, err);
}

/* A boolean, or the string "true"/"false" request members are written as. */
static int check_bool(const json_t *v, const char *path, struct json_err *err)
{
	if (json_is_null(v) || json_is_boolean(v) ||
	    (json_is_string(v) && (!strcmp(json_string_value(v), "true") || !strcmp(json_string_value(v), "false"))))
		return IT_OK;
	return json_err_set(err, IT_EINVAL, path, "must be a boolean");
}

/* 1, 0, or -1 when absent or null. */
static int bool_of(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return -1;
	if (json_is_string(v))
		return strcmp(json_string_value(v), "true") == 0;
	return json_is_true(v);
}

/* CloudTrail's rendering of an XML list: {"item": {...}} for one, {"item": [...]} for
 * many, {} or null for none. */
static int check_item_set(const json_t *v, const char *path, struct json_err *err)
{
	char item[EVENT_PATH_MAX];
	const json_t *items;

	if (json_is_null(v))
		return IT_OK;
	if (!json_is_object(v))
		return json_err_set(err, IT_EINVAL, path, "must be an object");
	items = json_object_get(v, "item");
	if (!items || json_is_null(items) || json_is_object(items) || json_is_array(items))
		return IT_OK;
	event_path(item, sizeof(item), path, "item");
	return json_err_set(err, IT_EINVAL, item, "must be an object or an array");
}

static size_t item_count(const json_t *set)
{
	const json_t *items = json_is_object(set) ? json_object_get(set, "item") : NULL;

	if (!items || json_is_null(items))
		return 0;
	return json_is_object(items) ? 1 : json_array_size(items);
}

static const json_t *item_at(const json_t *set, size_t i, char *path, size_t size, const char *set_path)
{
	const json_t *items = json_object_get(set, "item");

	if (json_is_object(items)) {
		event_path(path, size, set_path, "item");
		return items;
	}
	event_path_index(path, size, set_path, "item", i);
	return json_array_get(items, i);
}

/* A string value copied (NULL when absent or null). */
static int copy_str(const json_t *obj, const char *key, char **ret)
{
	const char *s = event_str(obj, key);

	*ret = NULL;
	return s ? event_dup(ret, s) : IT_OK;
}

/* ---- the template record ---- */

static int lt_new(struct event *ev, enum event_lt_action action, struct event_lt **ret, struct json_err *err)
{
	struct event_lt *lt = calloc(1, sizeof(*lt));

	if (!lt || event_dup(&lt->account, ev->account) || event_dup(&lt->region, ev->region)) {
		event_lt_free(lt);
		/* IT_ENOMEM itself, not json_err_set's return: at -O3 GCC cannot see that one is
		 * nonzero and finds a NULL *ret used after a 0 (-Werror=null-dereference). */
		(void)json_err_set(err, IT_ENOMEM, "", "out of memory");
		return IT_ENOMEM;
	}
	lt->action = action;
	*ret = lt;
	return IT_OK;
}

static const struct json_field data_fields[] = {
	{"ImageId", JK_STRING, 0, IT_LT_MAX_IMAGE_REF, check_image, JF_TEXT},
};
static const struct json_field response_data_fields[] = {
	{"imageId", JK_STRING, 0, IT_LT_MAX_IMAGE_REF, check_image, JF_TEXT},
};

/* The image of launch template data at path (its table names the member). */
static int data_image(const json_t *data, const char *path, const struct json_field *table, char **ret,
		      struct json_err *err)
{
	int rc = event_check(data, table, 1, path, err);

	if (rc == IT_OK && copy_str(data, table[0].name, ret) != IT_OK)
		rc = json_err_set(err, IT_ENOMEM, path, "out of memory");
	return rc;
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

/* The launchTemplate object of a Create/Modify/Delete response. */
static const struct json_field template_fields[] = {
	{"launchTemplateId", JK_STRING, 1, 64, check_lt_id, JF_TEXT},
	{"launchTemplateName", JK_STRING, 0, IT_LT_MAX_NAME, check_name, JF_TEXT},
	{"defaultVersionNumber", JK_ANY, 0, 0, check_version, 0},
	{"latestVersionNumber", JK_ANY, 0, 0, check_version, 0},
};

static int read_template_object(const json_t *t, const char *path, struct event_lt *lt, struct json_err *err)
{
	char p[EVENT_PATH_MAX];
	int rc = event_check(t, template_fields, ARRAY_LEN(template_fields), path, err);

	if (rc)
		return rc;
	if (copy_str(t, "launchTemplateId", &lt->template_id) || copy_str(t, "launchTemplateName", &lt->name))
		return json_err_set(err, IT_ENOMEM, path, "out of memory");
	lt->default_version = version_of(t, "defaultVersionNumber");
	lt->latest_version = version_of(t, "latestVersionNumber");
	if (lt->default_version && lt->latest_version && lt->default_version > lt->latest_version) {
		event_path(p, sizeof(p), path, "defaultVersionNumber");
		return json_err_set(err, IT_EINVAL, p, "is after latestVersionNumber");
	}
	return IT_OK;
}

/* responseElements.<Action>Response.<member> (both required objects) into *ret; path
 * gets the member's path. */
static int response_member(const json_t *resp, enum event_lt_action a, const char *member, const json_t **ret,
			   char *path, size_t size, struct json_err *err)
{
	char wrap[64], wpath[EVENT_PATH_MAX];
	struct json_field wf = {wrap, JK_OBJECT, 1, 0, NULL, 0};
	struct json_field mf = {member, JK_OBJECT, 1, 0, NULL, 0};
	const json_t *w;
	int rc;

	snprintf(wrap, sizeof(wrap), "%sResponse", ct_names[a]);
	rc = event_check(resp, &wf, 1, "detail.responseElements", err);
	if (rc)
		return rc;
	w = event_obj(resp, wrap);
	event_path(wpath, sizeof(wpath), "detail.responseElements", wrap);
	rc = event_check(w, &mf, 1, wpath, err);
	if (rc)
		return rc;
	event_path(path, size, wpath, member);
	*ret = event_obj(w, member);
	return IT_OK;
}

/* requestParameters.<Action>Request (NULL when absent); path gets its path. */
static int request_object(const json_t *detail, enum event_lt_action a, const json_t **ret, char *path,
			  size_t size, struct json_err *err)
{
	char wrap[64];
	struct json_field rf = {"requestParameters", JK_OBJECT, 0, 0, NULL, 0};
	struct json_field wf = {wrap, JK_OBJECT, 0, 0, NULL, 0};
	const json_t *rp;
	int rc;

	*ret = NULL;
	rc = event_check(detail, &rf, 1, "detail", err);
	if (rc || !(rp = event_obj(detail, "requestParameters")))
		return rc;
	snprintf(wrap, sizeof(wrap), "%sRequest", ct_names[a]);
	rc = event_check(rp, &wf, 1, "detail.requestParameters", err);
	if (rc)
		return rc;
	event_path(path, size, "detail.requestParameters", wrap);
	*ret = event_obj(rp, wrap);
	return IT_OK;
}

static const struct json_field request_data_fields[] = {
	{"LaunchTemplateData", JK_OBJECT, 0, 0, NULL, 0},
};

/* The request's LaunchTemplateData (NULL when absent) and its path. */
static int request_data(const json_t *req, const char *rpath, const json_t **ret, char *path, size_t size,
			struct json_err *err)
{
	int rc;

	*ret = NULL;
	if (!req)
		return IT_OK;
	rc = event_check(req, request_data_fields, ARRAY_LEN(request_data_fields), rpath, err);
	if (rc == IT_OK) {
		*ret = event_obj(req, "LaunchTemplateData");
		event_path(path, size, rpath, "LaunchTemplateData");
	}
	return rc;
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
	if (rc == IT_OK)
		rc = request_data(req, rpath, &data, dpath, sizeof(dpath), err);
	if (rc)
		return rc;
	/* A new template has one version, 1, which is its default and latest: a number left
	 * out reads 1, and the default may then not be after the latest either. */
	if (!lt->default_version)
		lt->default_version = 1;
	if (!lt->latest_version)
		lt->latest_version = 1;
	if (lt->default_version > lt->latest_version) {
		event_path(dpath, sizeof(dpath), path, "defaultVersionNumber");
		return json_err_set(err, IT_EINVAL, dpath, "is after latestVersionNumber (1 when left out)");
	}
	if (data) {
		rc = data_image(data, dpath, data_fields, &lt->version.image, err);
		if (rc)
			return rc;
		lt->has_version = 1;
		lt->version.number = 1;
		lt->version.is_default = lt->default_version == 1;
	}
	lt->needs_lookup = !lt->has_version;
	return IT_OK;
}

static const struct json_field version_fields[] = {
	{"launchTemplateId", JK_STRING, 1, 64, check_lt_id, JF_TEXT},
	{"launchTemplateName", JK_STRING, 0, IT_LT_MAX_NAME, check_name, JF_TEXT},
	{"versionNumber", JK_ANY, 1, 0, check_version_required, 0},
	{"defaultVersion", JK_ANY, 0, 0, check_bool, 0},
	{"launchTemplateData", JK_OBJECT, 0, 0, NULL, 0},
};

static const struct json_field create_version_request_fields[] = {
	{"SourceVersion", JK_ANY, 0, 0, check_version, 0},
};

static int parse_create_version(const json_t *detail, const json_t *resp, struct event_lt *lt,
				struct json_err *err)
{
	char path[EVENT_PATH_MAX], rpath[EVENT_PATH_MAX], dpath[EVENT_PATH_MAX];
	const json_t *v, *req, *rdata = NULL, *data;
	char *req_image = NULL, *resp_image = NULL;
	int64_t source = 0;
	int is_default, rc;

	rc = response_member(resp, EVENT_LT_CREATE_VERSION, "launchTemplateVersion", &v, path, sizeof(path), err);
	if (rc == IT_OK)
		rc = event_check(v, version_fields, ARRAY_LEN(version_fields), path, err);
	if (rc)
		return rc;
	if (copy_str(v, "launchTemplateId", &lt->template_id) || copy_str(v, "launchTemplateName", &lt->name))
		return json_err_set(err, IT_ENOMEM, path, "out of memory");
	lt->version.number = version_of(v, "versionNumber");
	is_default = bool_of(v, "defaultVersion");
	if ((data = event_obj(v, "launchTemplateData"))) {
		event_path(dpath, sizeof(dpath), path, "launchTemplateData");
		rc = data_image(data, dpath, response_data_fields, &resp_image, err);
	}
	if (rc == IT_OK)
		rc = request_object(detail, EVENT_LT_CREATE_VERSION, &req, rpath, sizeof(rpath), err);
	if (rc == IT_OK && req) {
		rc = event_check(req, create_version_request_fields, ARRAY_LEN(create_version_request_fields), rpath, err);
		source = version_of(req, "SourceVersion");
	}
	if (rc == IT_OK)
		rc = request_data(req, rpath, &rdata, dpath, sizeof(dpath), err);
	if (rc == IT_OK && rdata)
		rc = data_image(rdata, dpath, data_fields, &req_image, err);
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

static const struct json_field modify_request_fields[] = {
	{"SetDefaultVersion", JK_ANY, 0, 0, check_version, 0},
};

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
	if (rc == IT_OK && req) {
		rc = event_check(req, modify_request_fields, ARRAY_LEN(modify_request_fields), rpath, err);
		set_default = version_of(req, "SetDefaultVersion");
	}
	if (rc)
		return rc;
	if (!lt->default_version)
		lt->default_version = set_default;
	/* the new default version's data is never in this event */
	lt->needs_lookup = 1;
	return IT_OK;
}

static int parse_delete(const json_t *resp, struct event_lt *lt, struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	const json_t *t;
	int rc;

	rc = response_member(resp, EVENT_LT_DELETE, "launchTemplate", &t, path, sizeof(path), err);
	if (rc == IT_OK)
		rc = read_template_object(t, path, lt, err);
	if (rc)
		return rc;
	lt->deleted = 1;
	return IT_OK;
}

static const struct json_field deleted_set_fields[] = {
	{"successfullyDeletedLaunchTemplateVersionSet", JK_ANY, 0, 0, check_item_set, 0},
};

static const struct json_field deleted_item_fields[] = {
	{"launchTemplateId", JK_STRING, 1, 64, check_lt_id, JF_TEXT},
	{"launchTemplateName", JK_STRING, 0, IT_LT_MAX_NAME, check_name, JF_TEXT},
	{"versionNumber", JK_ANY, 1, 0, check_version_required, 0},
};

/* Sets *ret_none when no version was deleted (the event is then ignored). */
static int parse_delete_versions(const json_t *resp, struct event_lt *lt, int *ret_none, struct json_err *err)
{
	static const char W[] = "DeleteLaunchTemplateVersionsResponse";
	struct json_field wf = {W, JK_OBJECT, 1, 0, NULL, 0};
	char wpath[EVENT_PATH_MAX], set_path[EVENT_PATH_MAX], path[EVENT_PATH_MAX];
	const json_t *w, *set;
	size_t n;
	int rc;

	*ret_none = 0;
	rc = event_check(resp, &wf, 1, "detail.responseElements", err);
	if (rc)
		return rc;
	w = event_obj(resp, W);
	event_path(wpath, sizeof(wpath), "detail.responseElements", W);
	rc = event_check(w, deleted_set_fields, ARRAY_LEN(deleted_set_fields), wpath, err);
	if (rc)
		return rc;
	set = json_object_get(w, "successfullyDeletedLaunchTemplateVersionSet");
	event_path(set_path, sizeof(set_path), wpath, "successfullyDeletedLaunchTemplateVersionSet");
	n = item_count(set);
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
		const json_t *it = item_at(set, i, path, sizeof(path), set_path);
		const char *id;

		rc = event_check(it, deleted_item_fields, ARRAY_LEN(deleted_item_fields), path, err);
		if (rc)
			return rc;
		id = event_str(it, "launchTemplateId");
		if (lt->template_id && strcmp(id, lt->template_id) != 0) {
			char idp[EVENT_PATH_MAX];
			event_path(idp, sizeof(idp), path, "launchTemplateId");
			return json_err_set(err, IT_EINVAL, idp, "differs from the first deleted version's template");
		}
		if ((!lt->template_id && event_dup(&lt->template_id, id)) ||
		    (!lt->name && copy_str(it, "launchTemplateName", &lt->name)))
			return json_err_set(err, IT_ENOMEM, path, "out of memory");
		lt->gone[lt->n_gone++] = version_of(it, "versionNumber");
	}
	lt->needs_lookup = 1;   /* the default and latest versions may have changed */
	return IT_OK;
}

static const struct json_field call_fields[] = {
	{"eventName", JK_STRING, 1, IT_EVENT_MAX_FIELD, NULL, JF_TEXT},
	{"errorCode", JK_STRING, 0, IT_EVENT_MAX_FIELD, NULL, JF_TEXT},
};

static const struct json_field call_more_fields[] = {
	{"eventTime", JK_STRING, 1, 64, event_check_time, JF_TEXT},
	{"recipientAccountId", JK_STRING, 0, 64, NULL, JF_TEXT},
	{"awsRegion", JK_STRING, 0, 64, NULL, JF_TEXT},
	{"responseElements", JK_OBJECT, 0, 0, NULL, 0},
};

int event_lt_parse_cloudtrail(const json_t *detail, struct event *ev, struct json_err *err)
{
	const char *event_name, *recipient, *region;
	enum event_lt_action a;
	const json_t *resp;
	struct event_lt *lt = NULL;
	int none = 0, rc;

	rc = event_check(detail, call_fields, ARRAY_LEN(call_fields), "detail", err);
	if (rc)
		return rc;
	event_name = event_str(detail, "eventName");
	if (!ct_action(detail, &a))
		return event_ignore(ev, "CloudTrail eventName '%s' is not handled", event_name);
	if (event_str(detail, "errorCode"))
		return event_ignore(ev, "%s failed with errorCode '%s'", event_name, event_str(detail, "errorCode"));
	rc = event_check(detail, call_more_fields, ARRAY_LEN(call_more_fields), "detail", err);
	if (rc)
		return rc;
	recipient = event_str(detail, "recipientAccountId");
	region = event_str(detail, "awsRegion");
	if (recipient && strcmp(recipient, ev->account) != 0)
		return json_err_set(err, IT_EINVAL, "detail.recipientAccountId", "differs from the envelope account");
	if (region && strcmp(region, ev->region) != 0)
		return json_err_set(err, IT_EINVAL, "detail.awsRegion", "differs from the envelope region");
	resp = event_obj(detail, "responseElements");
	if (!resp)
		return event_ignore(ev, "%s without responseElements changed nothing", event_name);
	rc = lt_new(ev, a, &lt, err);
	if (rc)
		return rc;
	lt->observed_at_ms = event_time(detail, "eventTime");
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
		rc = parse_delete(resp, lt, err);
		break;
	case EVENT_LT_DELETE_VERSIONS:
		rc = parse_delete_versions(resp, lt, &none, err);
		break;
	case EVENT_LT_CONFIG_ITEM:
	case EVENT_LT_CONFIG_OVERSIZED:
	case EVENT_LT__MAX:
	default:
		rc = json_err_set(err, IT_EINVAL, "detail.eventName", "is not a launch template call");
		break;
	}
	if (rc || none) {
		event_lt_free(lt);
		return rc ? rc : event_ignore(ev, "DeleteLaunchTemplateVersions deleted no version");
	}
	event_lt_free(ev->lt);
	ev->lt = lt;
	ev->kind = EVENT_LAUNCH_TEMPLATE;
	return IT_OK;
}

/* ---- Config ---- */

static const char *const item_status[] = {
	"OK", "ResourceDiscovered", "ResourceNotRecorded", "ResourceDeleted", "ResourceDeletedNotRecorded",
};

static int check_item_status(const json_t *v, const char *path, struct json_err *err)
{
	for (size_t i = 0; i < ARRAY_LEN(item_status); i++)
		if (strcmp(json_string_value(v), item_status[i]) == 0)
			return IT_OK;
	return json_err_set(err, IT_EINVAL, path,
			    "is not a Config item status (OK, ResourceDiscovered, ResourceNotRecorded, "
			    "ResourceDeleted, ResourceDeletedNotRecorded)");
}

static const struct json_field ci_status_account[] = {
	{"configurationItemStatus", JK_STRING, 1, IT_EVENT_MAX_FIELD, check_item_status, JF_TEXT},
	{"awsAccountId", JK_STRING, 1, 64, event_check_account, JF_TEXT},
};

static const struct json_field ci_region[] = {
	{"awsRegion", JK_STRING, 1, 64, NULL, JF_TEXT},
};

static const struct json_field ci_resource[] = {
	{"resourceId", JK_STRING, 1, 64, check_lt_id, JF_TEXT},
	{"resourceName", JK_STRING, 0, IT_LT_MAX_NAME, check_name, JF_TEXT},
	{"configurationItemCaptureTime", JK_STRING, 1, 64, event_check_time, JF_TEXT},
	{"configuration", JK_OBJECT, 0, 0, NULL, 0},
};

static const struct json_field ci_configuration[] = {
	{"Id", JK_STRING, 0, 64, check_lt_id, JF_TEXT},
	{"LaunchTemplateName", JK_STRING, 0, IT_LT_MAX_NAME, check_name, JF_TEXT},
	{"DefaultVersionNumber", JK_ANY, 0, 0, check_version, 0},
	{"LatestVersionNumber", JK_ANY, 0, 0, check_version, 0},
	{"LaunchTemplateData", JK_OBJECT, 0, 0, NULL, 0},
};

/* configuration of a full item: name, default/latest numbers, the default's data. */
static int parse_ci_configuration(const json_t *cfg, const char *cpath, struct event_lt *lt, struct json_err *err)
{
	char dpath[EVENT_PATH_MAX], path[EVENT_PATH_MAX];
	const json_t *data;
	const char *id;
	int rc;

	rc = event_check(cfg, ci_configuration, ARRAY_LEN(ci_configuration), cpath, err);
	if (rc)
		return rc;
	id = event_str(cfg, "Id");
	if (id && strcmp(id, lt->template_id) != 0) {
		event_path(path, sizeof(path), cpath, "Id");
		return json_err_set(err, IT_EINVAL, path, "differs from resourceId");
	}
	if (event_str(cfg, "LaunchTemplateName")) {
		free(lt->name);
		if (copy_str(cfg, "LaunchTemplateName", &lt->name))
			return json_err_set(err, IT_ENOMEM, cpath, "out of memory");
	}
	lt->default_version = version_of(cfg, "DefaultVersionNumber");
	lt->latest_version = version_of(cfg, "LatestVersionNumber");
	if (lt->default_version && lt->latest_version && lt->default_version > lt->latest_version) {
		event_path(path, sizeof(path), cpath, "DefaultVersionNumber");
		return json_err_set(err, IT_EINVAL, path, "is after LatestVersionNumber");
	}
	if ((data = event_obj(cfg, "LaunchTemplateData"))) {
		event_path(dpath, sizeof(dpath), cpath, "LaunchTemplateData");
		rc = data_image(data, dpath, data_fields, &lt->version.image, err);
		if (rc)
			return rc;
		lt->has_version = 1;
		lt->version.number = lt->default_version;
		lt->version.is_default = 1;
	}
	return IT_OK;
}

int event_lt_parse_config_item(const json_t *ci, const char *prefix, int summary_only, const char *account_what,
			       struct event *ev, struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	struct event_lt *lt = NULL;
	const char *status, *region;
	int rc;

	rc = event_check(ci, ci_status_account, ARRAY_LEN(ci_status_account), prefix, err);
	if (rc == IT_OK && strcmp(event_str(ci, "awsAccountId"), ev->account) != 0) {
		event_path(path, sizeof(path), prefix, "awsAccountId");
		rc = json_err_set(err, IT_EINVAL, path, "differs from %s", account_what);
	}
	if (rc == IT_OK)
		rc = event_check(ci, ci_region, ARRAY_LEN(ci_region), prefix, err);
	if (rc == IT_OK && strcmp((region = event_str(ci, "awsRegion")), ev->region) != 0) {
		event_path(path, sizeof(path), prefix, "awsRegion");
		rc = json_err_set(err, IT_EINVAL, path,
				  valid_region(region) ? "differs from the event region" : "is not a valid AWS region");
	}
	if (rc == IT_OK)
		rc = event_check(ci, ci_resource, ARRAY_LEN(ci_resource), prefix, err);
	if (rc == IT_OK)
		rc = lt_new(ev, summary_only ? EVENT_LT_CONFIG_OVERSIZED : EVENT_LT_CONFIG_ITEM, &lt, err);
	if (rc)
		return rc;
	if (copy_str(ci, "resourceId", &lt->template_id) || copy_str(ci, "resourceName", &lt->name)) {
		rc = json_err_set(err, IT_ENOMEM, prefix, "out of memory");
		goto fail;
	}
	lt->observed_at_ms = event_time(ci, "configurationItemCaptureTime");
	status = event_str(ci, "configurationItemStatus");
	lt->deleted = !strcmp(status, "ResourceDeleted") || !strcmp(status, "ResourceDeletedNotRecorded");
	if (!summary_only && !lt->deleted && event_obj(ci, "configuration")) {
		event_path(path, sizeof(path), prefix, "configuration");
		rc = parse_ci_configuration(event_obj(ci, "configuration"), path, lt, err);
		if (rc)
			goto fail;
	}
	lt->needs_lookup = !lt->deleted && (!lt->has_version || !lt->version.number);
	event_lt_free(ev->lt);
	ev->lt = lt;
	return IT_OK;
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

static int check_run_version(const json_t *v, const char *path, struct json_err *err)
{
	struct lt_version_spec spec;

	if (json_is_null(v))
		return IT_OK;
	if (json_is_string(v) && json_string_length(v) < 32 && lt_version_parse(json_string_value(v), &spec) == IT_OK)
		return IT_OK;
	if ((json_is_integer(v) || json_is_real(v)) && check_version(v, path, err) == IT_OK)
		return IT_OK;
	return json_err_set(err, IT_EINVAL, path, "must be a version number, $Default or $Latest");
}

static const struct json_field run_request_fields[] = {
	{"requestParameters", JK_OBJECT, 0, 0, NULL, 0},
};
static const struct json_field run_template_fields[] = {
	{"launchTemplate", JK_OBJECT, 0, 0, NULL, 0},
};
static const struct json_field run_spec_fields[] = {
	{"launchTemplateId", JK_STRING, 0, 64, check_lt_id, JF_TEXT},
	{"launchTemplateName", JK_STRING, 0, IT_LT_MAX_NAME, check_name, JF_TEXT},
	{"version", JK_ANY, 0, 0, check_run_version, 0},
};

/* requestParameters.launchTemplate of RunInstances and whether the request also named
 * an image of its own (requestParameters.instancesSet.items[].imageId). */
struct run_request {
	const char *id, *name;
	struct lt_version_spec version;
	int has_version;
	int override;
};

static int read_run_request(const json_t *detail, struct run_request *r, struct json_err *err)
{
	static const char P[] = "detail.requestParameters";
	static const char LP[] = "detail.requestParameters.launchTemplate";
	const json_t *rp, *lt, *set, *items, *v, *it;
	size_t i;
	int rc;

	rc = event_check(detail, run_request_fields, ARRAY_LEN(run_request_fields), "detail", err);
	if (rc || !(rp = event_obj(detail, "requestParameters")))
		return rc;
	rc = event_check(rp, run_template_fields, ARRAY_LEN(run_template_fields), P, err);
	if (rc || !(lt = event_obj(rp, "launchTemplate")))
		return rc;
	rc = event_check(lt, run_spec_fields, ARRAY_LEN(run_spec_fields), LP, err);
	if (rc)
		return rc;
	r->id = event_str(lt, "launchTemplateId");
	r->name = event_str(lt, "launchTemplateName");
	v = json_object_get(lt, "version");
	if (v && json_is_string(v) && lt_version_parse(json_string_value(v), &r->version) == IT_OK) {
		r->has_version = 1;
	} else if (v && !json_is_null(v)) {
		r->version.kind = LT_VERSION_NUMBER;
		r->version.number = version_value(v);
		r->has_version = 1;
	}
	set = json_object_get(rp, "instancesSet");
	items = json_is_object(set) ? json_object_get(set, "items") : NULL;
	json_array_foreach(items, i, it)
		if (json_is_object(it) && json_is_string(json_object_get(it, "imageId")))
			r->override = 1;
	return IT_OK;
}

int event_lt_link(const json_t *root, struct event *ev, struct json_err *err)
{
	struct run_request req;
	int rc = IT_OK;

	if (!ev || ev->n_obs == 0)
		return IT_OK;
	for (size_t i = 0; rc == IT_OK && i < ev->n_obs; i++)
		rc = link_from_tags(&ev->obs[i]);
	if (rc)
		return json_err_set(err, rc, "", "out of memory");
	if (ev->kind != EVENT_CLOUDTRAIL_RUN_INSTANCES)
		return IT_OK;
	memset(&req, 0, sizeof(req));
	rc = read_run_request(json_object_get(root, "detail"), &req, err);
	if (rc || (!req.id && !req.name))
		return rc;
	for (size_t i = 0; rc == IT_OK && i < ev->n_obs; i++) {
		struct event_observation *o = &ev->obs[i];
		o->lt_image_override = req.override;
		if ((!o->lt_id && req.id && event_dup(&o->lt_id, req.id)) ||
		    (!o->lt_name && req.name && event_dup(&o->lt_name, req.name)))
			return json_err_set(err, IT_ENOMEM, "", "out of memory");
		/* the tag holds the number the launch resolved; the request may say $Latest */
		if (!o->lt_version && (!req.id || strcmp(o->lt_id, req.id) == 0)) {
			if (req.has_version) {
				o->lt_version_kind = req.version.kind;
				o->lt_version = req.version.number;
			} else {
				o->lt_version_kind = LT_VERSION_DEFAULT;   /* a launch naming no version */
			}
		}
	}
	return IT_OK;
}

int event_lt_time_reason(const struct event *ev, int64_t received_ms, char *out, size_t size)
{
	char claimed[IT_TIME_BUF], got[IT_TIME_BUF];
	const struct event_lt *lt = ev ? ev->lt : NULL;
	const char *name;
	int config;

	if (!lt || (!lt->claimed_observed_ms && !ev->claimed_time_ms))
		return 0;
	config = lt->action == EVENT_LT_CONFIG_ITEM || lt->action == EVENT_LT_CONFIG_OVERSIZED;
	name = config ? "configurationItemCaptureTime" : "eventTime";
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

size_t event_lt_bound_times(struct event_lt *lt, int64_t received_ms)
{
	int64_t b;

	if (!lt)
		return 0;
	b = reconcile_time_bound(lt->observed_at_ms, received_ms);
	if (b == lt->observed_at_ms)
		return 0;
	lt->claimed_observed_ms = lt->observed_at_ms;
	lt->observed_at_ms = b;
	return 1;
}
