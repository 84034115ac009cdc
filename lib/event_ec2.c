/* event_ec2.c: EC2 state-change and CloudTrail RunInstances events (see event.h; the
 * module's shared parts are event_extern.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "event_extern.h"
#include "limits.h"
#include "parse.h"
#include "status.h"

/* 9999-12-31T23:59:59.999Z, the last instant parse_time_ms can express. */
#define MAX_TIME_MS 253402300799999LL

/* Each table is one step of the parse; where a decision (ignore the event, two fields
 * that must agree) comes between two fields, they are in separate tables, so the first
 * problem of the document is the one named. */

static const struct json_field state_change_fields[] = {
	{"instance-id", JK_STRING, 1, 64, event_check_instance_id, JF_TEXT},
	{"state", JK_STRING, 1, IT_EVENT_MAX_FIELD, event_check_state, JF_TEXT},
};

int event_ec2_parse_state_change(const json_t *detail, struct event *ev, struct json_err *err)
{
	struct event_observation *o = NULL;
	enum event_state state = EVENT_STATE_UNKNOWN;
	char *instance_id = NULL;
	int rc;

	rc = event_check(detail, state_change_fields, ARRAY_LEN(state_change_fields), "detail", err);
	if (rc == IT_OK && event_state_parse(event_str(detail, "state"), &state) != IT_OK)
		rc = IT_EINVAL;   /* checked above: cannot happen */
	if (rc == IT_OK && event_copy_id(detail, "instance-id", &instance_id) != IT_OK)
		rc = json_err_set(err, IT_ENOMEM, "detail", "out of memory");
	if (rc == IT_OK)
		rc = event_add_observation(ev, "detail", &o, err);
	if (rc) {
		free(instance_id);
		return rc;
	}
	o->instance_id = instance_id;
	o->state = state;
	o->observed_at_ms = ev->time_ms;
	/* The notification never carries the image; a terminated instance is
	 * NOT_APPLICABLE whatever it ran, so reading it from AWS would be wasted. */
	o->needs_lookup = state != EVENT_STATE_TERMINATED;
	ev->kind = EVENT_EC2_STATE_CHANGE;
	return IT_OK;
}

/* launchTime: epoch milliseconds as a JSON number in CloudTrail records (docs/aws-facts.md §2);
 * an RFC 3339 string is accepted too, as older records and other tools write it. */
static int check_launch_time(const json_t *v, const char *path, struct json_err *err)
{
	double d;
	int rc;

	if (json_is_null(v))
		return IT_OK;
	if (json_is_string(v)) {
		rc = json_check_text(v, 64, JF_TEXT, path, err);
		return rc ? rc : event_check_time(v, path, err);
	}
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 || json_integer_value(v) > MAX_TIME_MS)
			return json_err_set(err, IT_EINVAL, path, "must be epoch milliseconds");
		return IT_OK;
	}
	if (!json_is_real(v))
		return json_err_set(err, IT_EINVAL, path, "must be epoch milliseconds");
	d = json_real_value(v);
	if (d != floor(d) || d < 0 || d > (double)MAX_TIME_MS)
		return json_err_set(err, IT_EINVAL, path, "must be epoch milliseconds");
	return IT_OK;
}

static int64_t launch_time(const json_t *item)
{
	const json_t *v = json_object_get(item, "launchTime");

	if (json_is_string(v))
		return event_time(item, "launchTime");
	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	return 0;
}

static const struct json_field tag_set_fields[] = {
	{"items", JK_ARRAY, 0, 0, NULL, 0},
};

static const struct json_field tag_fields[] = {
	{"key", JK_STRING, 1, IT_EVENT_MAX_TAG_KEY, NULL, JF_TEXT},
	{"value", JK_STRING, 1, IT_EVENT_MAX_TAG_VALUE, NULL, JF_TEXT | JF_EMPTY_OK},
};

/* tagSet: {"items": [{"key", "value"}, ...]}; {} when the instance has no tags. */
static int get_tag_set(const json_t *set, const char *set_path, struct event_observation *o, struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	const json_t *items, *t;
	size_t i;
	int rc;

	o->tags_known = 1;
	if (!set)
		return IT_OK;
	rc = event_check(set, tag_set_fields, ARRAY_LEN(tag_set_fields), set_path, err);
	if (rc)
		return rc;
	items = json_object_get(set, "items");
	if (json_array_size(items) > IT_EVENT_MAX_TAGS) {
		event_path(path, sizeof(path), set_path, "items");
		return json_err_set(err, IT_EINVAL, path, "more than %d tags", IT_EVENT_MAX_TAGS);
	}
	json_array_foreach(items, i, t) {
		event_path_index(path, sizeof(path), set_path, "items", i);
		rc = event_check(t, tag_fields, ARRAY_LEN(tag_fields), path, err);
		if (rc == IT_OK)
			rc = event_add_tag(o, event_str(t, "key"), event_str(t, "value"), path, err);
		if (rc)
			return rc;
	}
	return IT_OK;
}

static const struct json_field instance_fields[] = {
	{"instanceId", JK_STRING, 1, 64, event_check_instance_id, JF_TEXT},
	{"imageId", JK_STRING, 0, 64, event_check_image_id, JF_TEXT},
	{"instanceState", JK_OBJECT, 0, 0, NULL, 0},
};

static const struct json_field instance_state_fields[] = {
	{"name", JK_STRING, 0, IT_EVENT_MAX_FIELD, event_check_state, JF_TEXT},
};

static const struct json_field instance_more_fields[] = {
	{"launchTime", JK_ANY, 0, 0, check_launch_time, 0},
	{"tagSet", JK_OBJECT, 0, 0, NULL, 0},
};

static int parse_instance(const json_t *item, const char *path, int64_t event_time_ms, struct event *ev,
			  struct json_err *err)
{
	char sub[EVENT_PATH_MAX];
	struct event_observation *o;
	const json_t *st;
	int rc;

	if (!json_is_object(item))
		return json_err_set(err, IT_EINVAL, path, "must be an object");
	rc = event_add_observation(ev, path, &o, err);
	if (rc == IT_OK)
		rc = event_check(item, instance_fields, ARRAY_LEN(instance_fields), path, err);
	if (rc == IT_OK && (st = event_obj(item, "instanceState"))) {
		event_path(sub, sizeof(sub), path, "instanceState");
		rc = event_check(st, instance_state_fields, ARRAY_LEN(instance_state_fields), sub, err);
		if (rc == IT_OK && event_str(st, "name") && event_state_parse(event_str(st, "name"), &o->state) != IT_OK)
			rc = IT_EINVAL;   /* checked above: cannot happen */
	}
	if (rc == IT_OK)
		rc = event_check(item, instance_more_fields, ARRAY_LEN(instance_more_fields), path, err);
	if (rc == IT_OK && (event_copy_id(item, "instanceId", &o->instance_id) != IT_OK ||
			    event_copy_id(item, "imageId", &o->image_id) != IT_OK))
		rc = json_err_set(err, IT_ENOMEM, path, "out of memory");
	if (rc == IT_OK) {
		o->launch_time_ms = launch_time(item);
		event_path(sub, sizeof(sub), path, "tagSet");
		rc = get_tag_set(event_obj(item, "tagSet"), sub, o, err);
	}
	if (rc)
		return rc;
	o->observed_at_ms = event_time_ms;
	o->needs_lookup = o->image_id == NULL;
	return IT_OK;
}

static const struct json_field call_fields[] = {
	{"eventName", JK_STRING, 1, IT_EVENT_MAX_FIELD, NULL, JF_TEXT},
	{"eventSource", JK_STRING, 0, IT_EVENT_MAX_FIELD, NULL, JF_TEXT},
};

static const struct json_field error_fields[] = {
	{"errorCode", JK_STRING, 0, IT_EVENT_MAX_FIELD, NULL, JF_TEXT},
};

static const struct json_field time_recipient_fields[] = {
	{"eventTime", JK_STRING, 1, 64, event_check_time, JF_TEXT},
	{"recipientAccountId", JK_STRING, 0, 64, NULL, JF_TEXT},
};

static const struct json_field region_fields[] = {
	{"awsRegion", JK_STRING, 0, 64, NULL, JF_TEXT},
};

static const struct json_field response_fields[] = {
	{"responseElements", JK_OBJECT, 0, 0, NULL, 0},
};

static const struct json_field instances_set_fields[] = {
	{"instancesSet", JK_OBJECT, 1, 0, NULL, 0},
};

static int check_items(const json_t *v, const char *path, struct json_err *err)
{
	if (json_array_size(v) == 0)
		return json_err_set(err, IT_EINVAL, path, "must list at least one instance");
	if (json_array_size(v) > IT_EVENT_MAX_INSTANCES)
		return json_err_set(err, IT_EINVAL, path, "more than %d instances", IT_EVENT_MAX_INSTANCES);
	return IT_OK;
}

static const struct json_field items_fields[] = {
	{"items", JK_ARRAY, 1, 0, check_items, 0},
};

int event_ec2_parse_cloudtrail(const json_t *detail, struct event *ev, struct json_err *err)
{
	const char *event_name, *event_source, *error_code, *recipient, *region;
	const json_t *resp, *set, *item;
	char path[EVENT_PATH_MAX];
	int64_t event_time_ms;
	size_t i;
	int rc;

	rc = event_check(detail, call_fields, ARRAY_LEN(call_fields), "detail", err);
	if (rc)
		return rc;
	event_name = event_str(detail, "eventName");
	event_source = event_str(detail, "eventSource");
	if (event_source && strcmp(event_source, "ec2.amazonaws.com") != 0)
		return event_ignore(ev, "CloudTrail eventSource '%s' is not handled", event_source);
	if (strcmp(event_name, "RunInstances") != 0)
		return event_ignore(ev, "CloudTrail eventName '%s' is not handled", event_name);

	rc = event_check(detail, error_fields, ARRAY_LEN(error_fields), "detail", err);
	if (rc)
		return rc;
	if ((error_code = event_str(detail, "errorCode")))
		return event_ignore(ev, "RunInstances failed with errorCode '%s'", error_code);

	rc = event_check(detail, time_recipient_fields, ARRAY_LEN(time_recipient_fields), "detail", err);
	if (rc == IT_OK && (recipient = event_str(detail, "recipientAccountId")) && strcmp(recipient, ev->account) != 0)
		rc = json_err_set(err, IT_EINVAL, "detail.recipientAccountId", "differs from the envelope account");
	if (rc == IT_OK)
		rc = event_check(detail, region_fields, ARRAY_LEN(region_fields), "detail", err);
	if (rc == IT_OK && (region = event_str(detail, "awsRegion")) && strcmp(region, ev->region) != 0)
		rc = json_err_set(err, IT_EINVAL, "detail.awsRegion", "differs from the envelope region");
	if (rc == IT_OK)
		rc = event_check(detail, response_fields, ARRAY_LEN(response_fields), "detail", err);
	if (rc)
		return rc;
	event_time_ms = event_time(detail, "eventTime");
	if (!(resp = event_obj(detail, "responseElements")))
		return event_ignore(ev, "RunInstances without responseElements launched nothing");

	rc = event_check(resp, instances_set_fields, ARRAY_LEN(instances_set_fields), "detail.responseElements", err);
	if (rc == IT_OK) {
		set = event_obj(resp, "instancesSet");
		rc = event_check(set, items_fields, ARRAY_LEN(items_fields), "detail.responseElements.instancesSet", err);
	}
	if (rc)
		return rc;
	json_array_foreach(json_object_get(set, "items"), i, item) {
		event_path_index(path, sizeof(path), "detail.responseElements.instancesSet", "items", i);
		rc = parse_instance(item, path, event_time_ms, ev, err);
		if (rc)
			return rc;
	}
	ev->kind = EVENT_CLOUDTRAIL_RUN_INSTANCES;
	return IT_OK;
}
