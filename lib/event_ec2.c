/* event_ec2.c: EC2 state-change and CloudTrail RunInstances events (see event_ec2.h). */
#include "event_ec2.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "parse.h"
#include "status.h"

/* 9999-12-31T23:59:59.999Z, the last instant parse_time_ms can express. */
#define MAX_TIME_MS 253402300799999LL

int event_ec2_parse_state_change(const json_t *detail, struct event *ev, struct json_err *err)
{
	struct event_observation *o = NULL;
	const char *state_name;
	enum event_state state;
	char *instance_id = NULL;
	int rc;

	rc = event_get_instance_id(detail, "detail", "instance-id", EVENT_REQUIRED, &instance_id,
				   err);
	if (rc == IT_OK)
		rc = event_get_str(detail, "detail", "state", EVENT_REQUIRED, IT_EVENT_MAX_FIELD,
				   &state_name, err);
	if (rc == IT_OK && event_state_parse(state_name, &state) != IT_OK)
		rc = json_err_set(err, IT_EINVAL, "detail.state",
				  "is not an EC2 instance state (pending, running, stopping, "
				  "stopped, shutting-down, terminated)");
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
static int get_launch_time(const json_t *item, const char *prefix, int64_t *ret,
			   struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	const json_t *v = json_object_get(item, "launchTime");
	int64_t ms;

	event_path(path, sizeof(path), prefix, "launchTime");
	if (!v || json_is_null(v)) {
		*ret = 0;
		return IT_OK;
	}
	if (json_is_string(v))
		return event_get_time(item, prefix, "launchTime", EVENT_REQUIRED, ret, err);
	if (json_is_integer(v)) {
		ms = (int64_t)json_integer_value(v);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d != floor(d) || d < 0 || d > (double)MAX_TIME_MS)
			return json_err_set(err, IT_EINVAL, path, "must be epoch milliseconds");
		ms = (int64_t)d;
	} else {
		return json_err_set(err, IT_EINVAL, path, "must be epoch milliseconds");
	}
	if (ms < 0 || ms > MAX_TIME_MS)
		return json_err_set(err, IT_EINVAL, path, "must be epoch milliseconds");
	*ret = ms;
	return IT_OK;
}

/* tagSet: {"items": [{"key", "value"}, ...]}; {} when the instance has no tags. */
static int get_tag_set(const json_t *item, const char *prefix, struct event_observation *o,
		       struct json_err *err)
{
	char set_path[EVENT_PATH_MAX], path[EVENT_PATH_MAX];
	const json_t *set, *items, *t;
	const char *key, *value;
	size_t i;
	int rc;

	rc = event_get_obj(item, prefix, "tagSet", EVENT_OPTIONAL, &set, err);
	if (rc)
		return rc;
	o->tags_known = 1;
	if (!set)
		return IT_OK;
	event_path(set_path, sizeof(set_path), prefix, "tagSet");
	items = json_object_get(set, "items");
	if (!items || json_is_null(items))
		return IT_OK;
	event_path(path, sizeof(path), set_path, "items");
	if (!json_is_array(items))
		return json_err_set(err, IT_EINVAL, path, "must be an array");
	if (json_array_size(items) > IT_EVENT_MAX_TAGS)
		return json_err_set(err, IT_EINVAL, path, "more than %d tags", IT_EVENT_MAX_TAGS);
	json_array_foreach(items, i, t) {
		event_path_index(path, sizeof(path), set_path, "items", i);
		if (!json_is_object(t))
			return json_err_set(err, IT_EINVAL, path, "must be an object");
		rc = event_get_str(t, path, "key", EVENT_REQUIRED, IT_EVENT_MAX_TAG_KEY, &key, err);
		if (rc == IT_OK)
			rc = event_get_str(t, path, "value", EVENT_REQUIRED | EVENT_EMPTY_OK,
					   IT_EVENT_MAX_TAG_VALUE, &value, err);
		if (rc == IT_OK)
			rc = event_add_tag(o, key, value, path, err);
		if (rc)
			return rc;
	}
	return IT_OK;
}

static int parse_instance(const json_t *item, const char *path, int64_t event_time_ms,
			  struct event *ev, struct json_err *err)
{
	struct event_observation *o;
	const json_t *st;
	const char *state_name;
	char st_path[EVENT_PATH_MAX];
	int rc;

	if (!json_is_object(item))
		return json_err_set(err, IT_EINVAL, path, "must be an object");
	rc = event_add_observation(ev, path, &o, err);
	if (rc == IT_OK)
		rc = event_get_instance_id(item, path, "instanceId", EVENT_REQUIRED, &o->instance_id,
					   err);
	if (rc == IT_OK)
		rc = event_get_image_id(item, path, "imageId", EVENT_OPTIONAL, &o->image_id, err);
	if (rc == IT_OK)
		rc = event_get_obj(item, path, "instanceState", EVENT_OPTIONAL, &st, err);
	if (rc == IT_OK && st) {
		event_path(st_path, sizeof(st_path), path, "instanceState");
		rc = event_get_str(st, st_path, "name", EVENT_OPTIONAL, IT_EVENT_MAX_FIELD,
				   &state_name, err);
		if (rc == IT_OK && state_name && event_state_parse(state_name, &o->state) != IT_OK) {
			char name_path[EVENT_PATH_MAX];
			event_path(name_path, sizeof(name_path), st_path, "name");
			rc = json_err_set(err, IT_EINVAL, name_path, "is not an EC2 instance state");
		}
	}
	if (rc == IT_OK)
		rc = get_launch_time(item, path, &o->launch_time_ms, err);
	if (rc == IT_OK)
		rc = get_tag_set(item, path, o, err);
	if (rc)
		return rc;
	o->observed_at_ms = event_time_ms;
	o->needs_lookup = o->image_id == NULL;
	return IT_OK;
}

int event_ec2_parse_cloudtrail(const json_t *detail, struct event *ev, struct json_err *err)
{
	const char *event_name, *event_source, *error_code, *recipient, *region;
	const json_t *resp, *set, *items, *item;
	char path[EVENT_PATH_MAX];
	int64_t event_time_ms;
	size_t i, n;
	int rc;

	rc = event_get_str(detail, "detail", "eventName", EVENT_REQUIRED, IT_EVENT_MAX_FIELD,
			   &event_name, err);
	if (rc == IT_OK)
		rc = event_get_str(detail, "detail", "eventSource", EVENT_OPTIONAL,
				   IT_EVENT_MAX_FIELD, &event_source, err);
	if (rc)
		return rc;
	if (event_source && strcmp(event_source, "ec2.amazonaws.com") != 0)
		return event_ignore(ev, "CloudTrail eventSource '%s' is not handled", event_source);
	if (strcmp(event_name, "RunInstances") != 0)
		return event_ignore(ev, "CloudTrail eventName '%s' is not handled", event_name);

	rc = event_get_str(detail, "detail", "errorCode", EVENT_OPTIONAL, IT_EVENT_MAX_FIELD,
			   &error_code, err);
	if (rc)
		return rc;
	if (error_code)
		return event_ignore(ev, "RunInstances failed with errorCode '%s'", error_code);

	rc = event_get_time(detail, "detail", "eventTime", EVENT_REQUIRED, &event_time_ms, err);
	if (rc == IT_OK)
		rc = event_get_str(detail, "detail", "recipientAccountId", EVENT_OPTIONAL, 64,
				   &recipient, err);
	if (rc == IT_OK && recipient && strcmp(recipient, ev->account) != 0)
		rc = json_err_set(err, IT_EINVAL, "detail.recipientAccountId",
				  "differs from the envelope account");
	if (rc == IT_OK)
		rc = event_get_str(detail, "detail", "awsRegion", EVENT_OPTIONAL, 64, &region, err);
	if (rc == IT_OK && region && strcmp(region, ev->region) != 0)
		rc = json_err_set(err, IT_EINVAL, "detail.awsRegion",
				  "differs from the envelope region");
	if (rc == IT_OK)
		rc = event_get_obj(detail, "detail", "responseElements", EVENT_OPTIONAL, &resp, err);
	if (rc)
		return rc;
	if (!resp)
		return event_ignore(ev, "RunInstances without responseElements launched nothing");

	rc = event_get_obj(resp, "detail.responseElements", "instancesSet", EVENT_REQUIRED, &set,
			   err);
	if (rc)
		return rc;
	items = json_object_get(set, "items");
	if (!items || json_is_null(items))
		return json_err_set(err, IT_EINVAL, "detail.responseElements.instancesSet.items",
				    "is required");
	if (!json_is_array(items))
		return json_err_set(err, IT_EINVAL, "detail.responseElements.instancesSet.items",
				    "must be an array");
	n = json_array_size(items);
	if (n == 0)
		return json_err_set(err, IT_EINVAL, "detail.responseElements.instancesSet.items",
				    "must list at least one instance");
	if (n > IT_EVENT_MAX_INSTANCES)
		return json_err_set(err, IT_EINVAL, "detail.responseElements.instancesSet.items",
				    "more than %d instances", IT_EVENT_MAX_INSTANCES);
	json_array_foreach(items, i, item) {
		event_path_index(path, sizeof(path), "detail.responseElements.instancesSet",
				 "items", i);
		rc = parse_instance(item, path, event_time_ms, ev, err);
		if (rc)
			return rc;
	}
	ev->kind = EVENT_CLOUDTRAIL_RUN_INSTANCES;
	return IT_OK;
}
