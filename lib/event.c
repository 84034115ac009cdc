/*
 * event.c: the entry point of POST /v1/events parsing (see event.h).
 *
 * The body is loaded once with json_load_bounded (size and depth checked before
 * jansson builds anything), classified as an EventBridge envelope or a Config rule
 * invocation, and handed to event_config.c or event_ec2.c through the module's private
 * header, event_extern.h. The event is built in a local and only given to the caller
 * when every check passed.
 */
#include "event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_extern.h"
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
	[EVENT_LAUNCH_TEMPLATE] = "launch_template",
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
		event_observation_finish(&ev->obs[i]);
	free(ev->obs);
	rule_free(ev->rule);
	free(ev->id);
	free(ev->account);
	free(ev->region);
	free(ev->source);
	free(ev->detail_type);
	free(ev->ignored_reason);
	event_lt_free(ev->lt);
	free(ev);
}

/* ---- envelope ---- */

static int check_resources(const json_t *res, const char *path, struct json_err *err)
{
	char item[EVENT_PATH_MAX];
	const json_t *r;
	size_t i;

	json_array_foreach(res, i, r) {
		event_path_index(item, sizeof(item), "", path, i);
		if (!json_is_string(r))
			return json_err_set(err, IT_EINVAL, item, "must be a string");
		if (json_string_length(r) > IT_EVENT_MAX_ARN)
			return json_err_set(err, IT_EINVAL, item, "longer than %d bytes", IT_EVENT_MAX_ARN);
	}
	return IT_OK;
}

/* The EventBridge envelope. version is "0" in every AWS event that has it; CWE's
 * state-change sample lacks it. */
static const struct json_field envelope_fields[] = {
	{"version", JK_STRING, 0, 16, NULL, JF_TEXT},
	{"id", JK_STRING, 1, IT_EVENT_MAX_ID, NULL, JF_TEXT},
	{"detail-type", JK_STRING, 1, IT_EVENT_MAX_FIELD, NULL, JF_TEXT},
	{"source", JK_STRING, 1, IT_EVENT_MAX_FIELD, NULL, JF_TEXT},
	{"account", JK_STRING, 1, 64, event_check_account, JF_TEXT},
	{"time", JK_STRING, 1, 64, event_check_time, JF_TEXT},
	{"region", JK_STRING, 1, 64, event_check_region, JF_TEXT},
	{"resources", JK_ARRAY, 1, IT_EVENT_MAX_RESOURCES, check_resources, 0},
	{"detail", JK_OBJECT, 1, 0, NULL, 0},
};

static int parse_envelope(const json_t *root, struct event *ev, struct json_err *err)
{
	const char *detail_type, *source;
	const json_t *detail;
	int rc;

	rc = event_check(root, envelope_fields, ARRAY_LEN(envelope_fields), "", err);
	if (rc)
		return rc;
	detail_type = event_str(root, "detail-type");
	source = event_str(root, "source");
	detail = event_obj(root, "detail");
	ev->time_ms = event_time(root, "time");
	if (event_dup(&ev->id, event_str(root, "id")) || event_dup(&ev->account, event_str(root, "account")) ||
	    event_dup(&ev->region, event_str(root, "region")) || event_dup(&ev->source, source) ||
	    event_dup(&ev->detail_type, detail_type))
		return json_err_set(err, IT_ENOMEM, "", "out of memory");

	if (strcmp(source, "aws.config") == 0 &&
	    strcmp(detail_type, "Config Configuration Item Change") == 0)
		return event_config_parse_item_change(detail, ev, err);
	if (strcmp(source, "aws.ec2") == 0 &&
	    strcmp(detail_type, "EC2 Instance State-change Notification") == 0)
		return event_ec2_parse_state_change(detail, ev, err);
	if (strcmp(detail_type, "AWS API Call via CloudTrail") == 0) {
		if (strcmp(source, "aws.ec2") == 0 && event_lt_is_cloudtrail(detail))
			return event_lt_parse_cloudtrail(detail, ev, err);
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
	int rc;

	rc = json_load_bounded(body, len, IT_EVENT_MAX_BODY, IT_EVENT_MAX_DEPTH, &root, err);
	if (rc)
		return rc;
	rc = event_parse_json(root, ret, err);
	json_decref(root);
	return rc;
}

int event_parse_json(const json_t *root, struct event **ret, struct json_err *err)
{
	struct event *ev = NULL;
	int rc;

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
	if (rc == IT_OK)
		rc = event_lt_link(root, ev, err);
	if (rc == IT_ENOMEM)
		json_err_set(err, rc, "", "out of memory");
	if (rc)
		goto fail;
	*ret = ev;
	return IT_OK;
fail:
	event_free(ev);
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
	n += event_lt_bound_times(ev->lt, received_ms);
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
