/*
 * event.c: the entry point of POST /v1/events parsing (see event.h).
 *
 * The body is loaded once with json_load_bounded (size and depth checked before
 * jansson builds anything), classified as an EventBridge envelope or a Config rule
 * invocation, and handed to event_config.c or event_ec2.c. The event is built in a
 * local and only given to the caller when every check passed.
 */
#include "event.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_config.h"
#include "event_ec2.h"
#include "limits.h"
#include "parse.h"
#include "reconcile.h"
#include "status.h"

static const char *const kind_names[EVENT__MAX] = {
	[EVENT_CONFIG_ITEM_CHANGE] = "config_item_change",
	[EVENT_CONFIG_ITEM_OVERSIZED] = "config_item_oversized",
	[EVENT_EC2_STATE_CHANGE] = "ec2_state_change",
	[EVENT_CLOUDTRAIL_RUN_INSTANCES] = "cloudtrail_run_instances",
	[EVENT_CONFIG_RULE_INVOCATION] = "config_rule_invocation",
	[EVENT_IGNORED] = "ignored",
};
_Static_assert(ARRAY_LEN(kind_names) == EVENT__MAX, "kind_names");

static const char *const state_names[EVENT_STATE__MAX] = {
	[EVENT_STATE_UNKNOWN] = NULL,
	[EVENT_STATE_PENDING] = "pending",
	[EVENT_STATE_RUNNING] = "running",
	[EVENT_STATE_STOPPING] = "stopping",
	[EVENT_STATE_STOPPED] = "stopped",
	[EVENT_STATE_SHUTTING_DOWN] = "shutting-down",
	[EVENT_STATE_TERMINATED] = "terminated",
};
_Static_assert(ARRAY_LEN(state_names) == EVENT_STATE__MAX, "state_names");

static const char *const trigger_names[EVENT_TRIGGER__MAX] = {
	[EVENT_TRIGGER_CHANGE] = "ConfigurationItemChangeNotification",
	[EVENT_TRIGGER_OVERSIZED] = "OversizedConfigurationItemChangeNotification",
	[EVENT_TRIGGER_SCHEDULED] = "ScheduledNotification",
};
_Static_assert(ARRAY_LEN(trigger_names) == EVENT_TRIGGER__MAX, "trigger_names");

static const char *const scope_names[EVENT_SCOPE__MAX] = {
	[EVENT_SCOPE_RESOURCE] = "resource",
	[EVENT_SCOPE_SCHEDULED] = "scheduled",
};
_Static_assert(ARRAY_LEN(scope_names) == EVENT_SCOPE__MAX, "scope_names");

const char *event_kind_str(enum event_kind kind)
{
	if ((unsigned)kind >= EVENT__MAX)
		return "unknown";
	return kind_names[kind];
}

const char *event_state_str(enum event_state state)
{
	if ((unsigned)state >= EVENT_STATE__MAX)
		return NULL;
	return state_names[state];
}

int event_state_parse(const char *name, enum event_state *ret)
{
	if (!name)
		return IT_EINVAL;
	for (int s = EVENT_STATE_UNKNOWN + 1; s < EVENT_STATE__MAX; s++) {
		if (strcmp(state_names[s], name) == 0) {
			*ret = (enum event_state)s;
			return IT_OK;
		}
	}
	return IT_EINVAL;
}

const char *event_trigger_str(enum event_trigger trigger)
{
	if ((unsigned)trigger >= EVENT_TRIGGER__MAX)
		return "unknown";
	return trigger_names[trigger];
}

const char *event_scope_str(enum event_scope scope)
{
	if ((unsigned)scope >= EVENT_SCOPE__MAX)
		return "unknown";
	return scope_names[scope];
}

/* ---- building blocks ---- */

void event_path(char *out, size_t size, const char *prefix, const char *key)
{
	/* Truncation only shortens the path shown in an error; it cannot overflow. */
	snprintf(out, size, "%s%s%s", prefix, *prefix ? "." : "", key);
}

void event_path_index(char *out, size_t size, const char *prefix, const char *key, size_t i)
{
	snprintf(out, size, "%s%s%s[%zu]", prefix, *prefix ? "." : "", key, i);
}

int event_dup(char **dst, const char *s)
{
	char *p = strdup(s);

	if (!p)
		return IT_ENOMEM;
	*dst = p;
	return IT_OK;
}

int event_get_str(const json_t *obj, const char *prefix, const char *key, int flags,
		  size_t max, const char **ret, struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	const json_t *v = json_object_get(obj, key);
	const char *s;
	size_t n;

	event_path(path, sizeof(path), prefix, key);
	if (!v || json_is_null(v)) {
		if (flags & EVENT_REQUIRED)
			return json_err_set(err, IT_EINVAL, path, "is required");
		*ret = NULL;
		return IT_OK;
	}
	if (!json_is_string(v))
		return json_err_set(err, IT_EINVAL, path, "must be a string");
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 && !(flags & EVENT_EMPTY_OK))
		return json_err_set(err, IT_EINVAL, path, "must not be empty");
	if (n > max)
		return json_err_set(err, IT_EINVAL, path, "longer than %zu bytes", max);
	/* strlen differs from the JSON length when the string holds "\u0000". */
	if (strlen(s) != n || (!(flags & EVENT_JSON_TEXT) && !valid_text(s, max)))
		return json_err_set(err, IT_EINVAL, path, "must be UTF-8 text without control characters");
	*ret = s;
	return IT_OK;
}

int event_get_obj(const json_t *obj, const char *prefix, const char *key, int required,
		  const json_t **ret, struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	const json_t *v = json_object_get(obj, key);

	event_path(path, sizeof(path), prefix, key);
	if (!v || json_is_null(v)) {
		if (required)
			return json_err_set(err, IT_EINVAL, path, "is required");
		*ret = NULL;
		return IT_OK;
	}
	if (!json_is_object(v))
		return json_err_set(err, IT_EINVAL, path, "must be an object");
	*ret = v;
	return IT_OK;
}

int event_get_time(const json_t *obj, const char *prefix, const char *key, int required,
		   int64_t *ret, struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	const char *s;
	int64_t ms;
	int rc;

	rc = event_get_str(obj, prefix, key, required, 64, &s, err);
	if (rc)
		return rc;
	if (!s) {
		*ret = 0;
		return IT_OK;
	}
	if (parse_time_ms(s, &ms) != IT_OK) {
		event_path(path, sizeof(path), prefix, key);
		return json_err_set(err, IT_EINVAL, path, "must be an RFC 3339 time such as 2026-01-02T03:04:05Z");
	}
	*ret = ms;
	return IT_OK;
}

int event_get_account(const json_t *obj, const char *prefix, const char *key,
		      const char **ret, struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	const char *s;
	int rc;

	rc = event_get_str(obj, prefix, key, EVENT_REQUIRED, 64, &s, err);
	if (rc)
		return rc;
	if (!valid_account_id(s)) {
		event_path(path, sizeof(path), prefix, key);
		return json_err_set(err, IT_EINVAL, path, "must be a 12-digit AWS account id");
	}
	*ret = s;
	return IT_OK;
}

static int is_ascii_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Reads an id, trims ASCII whitespace around it (AWS's own state-change sample has
 * " i-1234567890abcdef0") and validates what is left. */
static int get_id(const json_t *obj, const char *prefix, const char *key, int required,
		  int (*valid)(const char *), const char *what, char **ret, struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	char id[64];
	const char *s;
	size_t n;
	int rc;

	/* valid_text rejects \t \n etc., so only ' ' can actually surround an id here;
	 * control characters are an error, not whitespace to forgive. */
	rc = event_get_str(obj, prefix, key, required, 64, &s, err);
	if (rc)
		return rc;
	if (!s) {
		*ret = NULL;
		return IT_OK;
	}
	while (is_ascii_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_ascii_space(s[n - 1]))
		n--;
	event_path(path, sizeof(path), prefix, key);
	if (n >= sizeof(id))
		return json_err_set(err, IT_EINVAL, path, "is not a valid %s", what);
	memcpy(id, s, n);
	id[n] = '\0';
	if (!valid(id))
		return json_err_set(err, IT_EINVAL, path, "is not a valid %s", what);
	return event_dup(ret, id);
}

int event_get_instance_id(const json_t *obj, const char *prefix, const char *key,
			  int required, char **ret, struct json_err *err)
{
	return get_id(obj, prefix, key, required, valid_instance_id,
		      "instance id (i- and 8 or 17 hex digits)", ret, err);
}

int event_get_image_id(const json_t *obj, const char *prefix, const char *key,
		       int required, char **ret, struct json_err *err)
{
	return get_id(obj, prefix, key, required, valid_image_id,
		      "image id (ami- and 8 or 17 hex digits)", ret, err);
}

static void observation_finish(struct event_observation *o)
{
	free(o->account);
	free(o->region);
	free(o->instance_id);
	free(o->image_id);
	for (size_t i = 0; i < o->n_tags; i++) {
		free(o->tags[i].key);
		free(o->tags[i].value);
	}
	free(o->tags);
	memset(o, 0, sizeof(*o));
}

int event_add_observation(struct event *ev, const char *path, struct event_observation **ret,
			  struct json_err *err)
{
	struct event_observation *arr, *o;

	if (ev->n_obs >= IT_EVENT_MAX_INSTANCES)
		return json_err_set(err, IT_EINVAL, path, "more than %d instances",
				    IT_EVENT_MAX_INSTANCES);
	arr = realloc(ev->obs, (ev->n_obs + 1) * sizeof(*arr));
	if (!arr)
		return json_err_set(err, IT_ENOMEM, path, "out of memory");
	ev->obs = arr;
	o = &arr[ev->n_obs];
	memset(o, 0, sizeof(*o));
	ev->n_obs++;
	if (event_dup(&o->account, ev->account) || event_dup(&o->region, ev->region))
		return json_err_set(err, IT_ENOMEM, path, "out of memory");
	*ret = o;
	return IT_OK;
}

int event_add_tag(struct event_observation *o, const char *key, const char *value,
		  const char *path, struct json_err *err)
{
	struct event_tag *arr;
	char *k = NULL, *v = NULL;

	if (o->n_tags >= IT_EVENT_MAX_TAGS)
		return json_err_set(err, IT_EINVAL, path, "more than %d tags", IT_EVENT_MAX_TAGS);
	arr = realloc(o->tags, (o->n_tags + 1) * sizeof(*arr));
	if (!arr)
		return json_err_set(err, IT_ENOMEM, path, "out of memory");
	o->tags = arr;
	if (event_dup(&k, key) || event_dup(&v, value)) {
		free(k);
		return json_err_set(err, IT_ENOMEM, path, "out of memory");
	}
	arr[o->n_tags].key = k;
	arr[o->n_tags].value = v;
	o->n_tags++;
	return IT_OK;
}

int event_ignore(struct event *ev, const char *fmt, ...)
{
	char reason[IT_EVENT_MAX_REASON + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (n < 0)
		return IT_EINVAL;
	if ((size_t)n >= sizeof(reason)) {
		/* Cut at a UTF-8 boundary: the reason goes into a JSON response. */
		size_t len = sizeof(reason) - 1;
		while (len > 0 && ((unsigned char)reason[len] & 0xc0) == 0x80)
			len--;
		reason[len] = '\0';
	}
	for (size_t i = 0; i < ev->n_obs; i++)
		observation_finish(&ev->obs[i]);
	free(ev->obs);
	ev->obs = NULL;
	ev->n_obs = 0;
	free(ev->ignored_reason);
	ev->ignored_reason = NULL;
	if (event_dup(&ev->ignored_reason, reason))
		return IT_ENOMEM;
	ev->kind = EVENT_IGNORED;
	return IT_OK;
}

static void rule_free(struct event_rule_invocation *r)
{
	if (!r)
		return;
	free(r->result_token);
	free(r->config_rule_arn);
	free(r->config_rule_name);
	free(r->rule_parameters);
	free(r);
}

void event_free(struct event *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < ev->n_obs; i++)
		observation_finish(&ev->obs[i]);
	free(ev->obs);
	rule_free(ev->rule);
	free(ev->id);
	free(ev->account);
	free(ev->region);
	free(ev->source);
	free(ev->detail_type);
	free(ev->ignored_reason);
	free(ev);
}

/* ---- envelope ---- */

static int check_resources(const json_t *root, struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	const json_t *res = json_object_get(root, "resources"), *r;
	size_t i;

	if (!res || json_is_null(res))
		return json_err_set(err, IT_EINVAL, "resources", "is required");
	if (!json_is_array(res))
		return json_err_set(err, IT_EINVAL, "resources", "must be an array");
	if (json_array_size(res) > IT_EVENT_MAX_RESOURCES)
		return json_err_set(err, IT_EINVAL, "resources", "more than %d items",
				    IT_EVENT_MAX_RESOURCES);
	json_array_foreach(res, i, r) {
		event_path_index(path, sizeof(path), "", "resources", i);
		if (!json_is_string(r))
			return json_err_set(err, IT_EINVAL, path, "must be a string");
		if (json_string_length(r) > IT_EVENT_MAX_ARN)
			return json_err_set(err, IT_EINVAL, path, "longer than %d bytes",
					    IT_EVENT_MAX_ARN);
	}
	return IT_OK;
}

static int parse_envelope(const json_t *root, struct event *ev, struct json_err *err)
{
	const char *version, *id, *detail_type, *source, *account, *region;
	const json_t *detail;
	int rc;

	/* version: "0" in every AWS event that has it; CWE's state-change sample lacks it. */
	rc = event_get_str(root, "", "version", EVENT_OPTIONAL, 16, &version, err);
	if (rc == IT_OK)
		rc = event_get_str(root, "", "id", EVENT_REQUIRED, IT_EVENT_MAX_ID, &id, err);
	if (rc == IT_OK)
		rc = event_get_str(root, "", "detail-type", EVENT_REQUIRED, IT_EVENT_MAX_FIELD,
				   &detail_type, err);
	if (rc == IT_OK)
		rc = event_get_str(root, "", "source", EVENT_REQUIRED, IT_EVENT_MAX_FIELD, &source,
				   err);
	if (rc == IT_OK)
		rc = event_get_account(root, "", "account", &account, err);
	if (rc == IT_OK)
		rc = event_get_time(root, "", "time", EVENT_REQUIRED, &ev->time_ms, err);
	if (rc == IT_OK)
		rc = event_get_str(root, "", "region", EVENT_REQUIRED, 64, &region, err);
	if (rc == IT_OK && !valid_region(region))
		rc = json_err_set(err, IT_EINVAL, "region", "is not a valid AWS region");
	if (rc == IT_OK)
		rc = check_resources(root, err);
	if (rc == IT_OK)
		rc = event_get_obj(root, "", "detail", EVENT_REQUIRED, &detail, err);
	if (rc)
		return rc;
	if (event_dup(&ev->id, id) || event_dup(&ev->account, account) ||
	    event_dup(&ev->region, region) || event_dup(&ev->source, source) ||
	    event_dup(&ev->detail_type, detail_type))
		return json_err_set(err, IT_ENOMEM, "", "out of memory");

	if (strcmp(source, "aws.config") == 0 &&
	    strcmp(detail_type, "Config Configuration Item Change") == 0)
		return event_config_parse_item_change(detail, ev, err);
	if (strcmp(source, "aws.ec2") == 0 &&
	    strcmp(detail_type, "EC2 Instance State-change Notification") == 0)
		return event_ec2_parse_state_change(detail, ev, err);
	if (strcmp(detail_type, "AWS API Call via CloudTrail") == 0) {
		if (strcmp(source, "aws.ec2") == 0)
			return event_ec2_parse_cloudtrail(detail, ev, err);
		return event_ignore(ev, "API calls from source '%s' are not handled", source);
	}
	return event_ignore(ev, "detail-type '%s' from source '%s' is not handled", detail_type,
			    source);
}

/* EventBridge envelope, Config rule invocation, or something else entirely. */
enum body_shape { SHAPE_ENVELOPE, SHAPE_INVOCATION, SHAPE_SNS, SHAPE_UNKNOWN };

static enum body_shape classify(const json_t *root)
{
	if (json_object_get(root, "detail-type") || json_object_get(root, "detail"))
		return SHAPE_ENVELOPE;
	if (json_object_get(root, "invokingEvent") || json_object_get(root, "resultToken") ||
	    json_object_get(root, "configRuleArn"))
		return SHAPE_INVOCATION;
	if (json_object_get(root, "TopicArn") && json_object_get(root, "Message"))
		return SHAPE_SNS;
	/* An envelope missing detail-type and detail still has source/account/time: report
	 * the missing field rather than "unknown shape". */
	if (json_object_get(root, "source") && json_object_get(root, "account"))
		return SHAPE_ENVELOPE;
	return SHAPE_UNKNOWN;
}

int event_parse(const char *body, size_t len, struct event **ret, struct json_err *err)
{
	json_t *root = NULL;
	struct event *ev = NULL;
	int rc;

	rc = json_load_bounded(body, len, IT_EVENT_MAX_BODY, IT_EVENT_MAX_DEPTH, &root, err);
	if (rc)
		return rc;
	if (!json_is_object(root)) {
		rc = json_err_set(err, IT_EINVAL, "", "must be a JSON object");
		goto fail;
	}
	ev = calloc(1, sizeof(*ev));
	if (!ev) {
		rc = json_err_set(err, IT_ENOMEM, "", "out of memory");
		goto fail;
	}
	switch (classify(root)) {
	case SHAPE_ENVELOPE:
		rc = parse_envelope(root, ev, err);
		break;
	case SHAPE_INVOCATION:
		rc = event_config_parse_invocation(root, ev, err);
		break;
	case SHAPE_SNS:
		rc = json_err_set(err, IT_EINVAL, "",
				  "an SNS notification, not an EventBridge event: target the API "
				  "destination from an EventBridge rule");
		break;
	case SHAPE_UNKNOWN:
	default:
		rc = json_err_set(err, IT_EINVAL, "",
				  "neither an EventBridge event (detail-type, source, detail) nor "
				  "an AWS Config rule invocation (invokingEvent, resultToken)");
		break;
	}
	if (rc == IT_ENOMEM)
		json_err_set(err, rc, "", "out of memory");
	if (rc)
		goto fail;
	json_decref(root);
	*ret = ev;
	return IT_OK;
fail:
	event_free(ev);
	json_decref(root);
	return rc;
}

/* ---- time bounds ---- */

static size_t bound(int64_t *t, int64_t *claimed, int64_t received_ms)
{
	int64_t b = reconcile_time_bound(*t, received_ms);

	if (b == *t)
		return 0;
	*claimed = *t;
	*t = b;
	return 1;
}

size_t event_bound_times(struct event *ev, int64_t received_ms)
{
	size_t n = 0;

	if (!ev)
		return 0;
	n += bound(&ev->time_ms, &ev->claimed_time_ms, received_ms);
	for (size_t i = 0; i < ev->n_obs; i++) {
		struct event_observation *o = &ev->obs[i];
		n += bound(&o->observed_at_ms, &o->claimed_observed_ms, received_ms);
		if (o->launch_time_ms)
			n += bound(&o->launch_time_ms, &o->claimed_launch_ms, received_ms);
	}
	if (ev->rule) {
		int64_t unused = 0;
		/* ordering_ms is a copy of one of the times above: same bound, no reason of its own */
		(void)bound(&ev->rule->ordering_ms, &unused, received_ms);
	}
	return n;
}

/* The field observed_at came from, by kind (event.h: observed_at_ms). */
static const char *observed_field(const struct event *ev)
{
	switch (ev->kind) {
	case EVENT_CONFIG_ITEM_CHANGE:
	case EVENT_CONFIG_ITEM_OVERSIZED:
	case EVENT_CONFIG_RULE_INVOCATION:
		return "configurationItemCaptureTime";
	case EVENT_CLOUDTRAIL_RUN_INSTANCES:
		return "eventTime";
	case EVENT_EC2_STATE_CHANGE:
	case EVENT_IGNORED:
	default:
		return "time";
	}
}

int event_time_reason(const struct event *ev, const struct event_observation *o, int64_t received_ms,
		      char *out, size_t size)
{
	char claimed[IT_TIME_BUF], got[IT_TIME_BUF], others[64] = "";
	const char *names[3], *main_name = NULL;
	int64_t first = 0;
	size_t n = 0;

	if (!ev)
		return 0;
	/* the observation's own time first: it is the one that orders the verdict */
	if (o && o->claimed_observed_ms) {
		main_name = observed_field(ev);
		first = o->claimed_observed_ms;
	}
	/* a state change's observed_at is the envelope time itself: named once */
	if (ev->claimed_time_ms && !(main_name && ev->kind == EVENT_EC2_STATE_CHANGE)) {
		const char *name = ev->rule ? "notificationCreationTime" : "time";
		if (!main_name) {
			main_name = name;
			first = ev->claimed_time_ms;
		} else {
			names[n++] = name;
		}
	}
	if (o && o->claimed_launch_ms) {
		if (!main_name) {
			main_name = "launchTime";
			first = o->claimed_launch_ms;
		} else {
			names[n++] = "launchTime";
		}
	}
	if (!main_name)
		return 0;
	if (n)
		snprintf(others, sizeof(others), " (so was %s%s%s)", names[0], n > 1 ? " and " : "",
			 n > 1 ? names[1] : "");
	snprintf(out, size, "%s %s is more than %lld minutes after Italic received the event (%s): clamped to "
		 "the receipt time%s", main_name, format_time_s(first, claimed),
		 (long long)(IT_EVENT_CLOCK_SKEW_MS / 60000), format_time_s(received_ms, got), others);
	return 1;
}
