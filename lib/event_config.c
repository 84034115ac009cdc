/* event_config.c: Config item changes and Config rule invocations (see event_config.h). */
#include "event_config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "parse.h"
#include "partition.h"
#include "status.h"

#define EC2_INSTANCE "AWS::EC2::Instance"

enum item_status { ST_OK, ST_DISCOVERED, ST_NOT_RECORDED, ST_DELETED, ST_DELETED_NOT_RECORDED,
		   ST__MAX };

/* configurationItemStatus values (botocore config model, ConfigurationItemStatus). */
static const char *const status_names[ST__MAX] = {
	[ST_OK] = "OK",
	[ST_DISCOVERED] = "ResourceDiscovered",
	[ST_NOT_RECORDED] = "ResourceNotRecorded",
	[ST_DELETED] = "ResourceDeleted",
	[ST_DELETED_NOT_RECORDED] = "ResourceDeletedNotRecorded",
};
_Static_assert(ARRAY_LEN(status_names) == ST__MAX, "status_names");

/* configurationItem.tags: a map {"Name": "value"} (configuration.tags is a list of the
 * same tags; the map is present in every shape of the item, so it is the one read). */
static int get_tag_map(const json_t *ci, const char *prefix, struct event_observation *o,
		       struct json_err *err)
{
	char map_path[EVENT_PATH_MAX], path[EVENT_PATH_MAX];
	const json_t *map, *v;
	const char *key, *value;
	size_t key_len;
	int rc;

	rc = event_get_obj(ci, prefix, "tags", EVENT_OPTIONAL, &map, err);
	if (rc || !map)
		return rc;
	event_path(map_path, sizeof(map_path), prefix, "tags");
	if (json_object_size(map) > IT_EVENT_MAX_TAGS)
		return json_err_set(err, IT_EINVAL, map_path, "more than %d tags", IT_EVENT_MAX_TAGS);
	json_object_keylen_foreach((json_t *)map, key, key_len, v) {
		/* strlen differs from key_len when the key holds "\u0000". */
		if (key_len == 0 || key_len > IT_EVENT_MAX_TAG_KEY || strlen(key) != key_len ||
		    !valid_text(key, IT_EVENT_MAX_TAG_KEY))
			return json_err_set(err, IT_EINVAL, map_path,
					    "has a tag key that is empty, too long or not text");
		event_path(path, sizeof(path), map_path, key);
		rc = event_get_str(map, map_path, key, EVENT_REQUIRED | EVENT_EMPTY_OK,
				   IT_EVENT_MAX_TAG_VALUE, &value, err);
		if (rc == IT_OK)
			rc = event_add_tag(o, key, value, path, err);
		if (rc)
			return rc;
	}
	o->tags_known = 1;
	return IT_OK;
}

/* configuration (the instance as DescribeInstances shows it); may be null. */
static int parse_configuration(const json_t *ci, const char *prefix, struct event_observation *o,
			       struct json_err *err)
{
	char cfg_path[EVENT_PATH_MAX], path[EVENT_PATH_MAX];
	const json_t *cfg, *st;
	const char *state_name;
	char *instance_id = NULL;
	int rc;

	rc = event_get_obj(ci, prefix, "configuration", EVENT_OPTIONAL, &cfg, err);
	if (rc || !cfg)
		return rc;
	event_path(cfg_path, sizeof(cfg_path), prefix, "configuration");
	rc = event_get_image_id(cfg, cfg_path, "imageId", EVENT_OPTIONAL, &o->image_id, err);
	if (rc == IT_OK)
		rc = event_get_instance_id(cfg, cfg_path, "instanceId", EVENT_OPTIONAL, &instance_id,
					   err);
	if (rc == IT_OK && instance_id && strcmp(instance_id, o->instance_id) != 0) {
		event_path(path, sizeof(path), cfg_path, "instanceId");
		rc = json_err_set(err, IT_EINVAL, path, "differs from resourceId");
	}
	free(instance_id);
	/* state is an object {code, name}; captures show code 16.0 and state null. */
	if (rc == IT_OK)
		rc = event_get_obj(cfg, cfg_path, "state", EVENT_OPTIONAL, &st, err);
	if (rc == IT_OK && st) {
		event_path(path, sizeof(path), cfg_path, "state");
		rc = event_get_str(st, path, "name", EVENT_OPTIONAL, IT_EVENT_MAX_FIELD, &state_name,
				   err);
		if (rc == IT_OK && state_name && event_state_parse(state_name, &o->state) != IT_OK) {
			char name_path[EVENT_PATH_MAX];
			event_path(name_path, sizeof(name_path), path, "name");
			rc = json_err_set(err, IT_EINVAL, name_path, "is not an EC2 instance state");
		}
	}
	if (rc == IT_OK)
		rc = event_get_time(cfg, cfg_path, "launchTime", EVENT_OPTIONAL, &o->launch_time_ms,
				    err);
	return rc;
}

/*
 * A configuration item (full, or the oversized summary) at prefix. Adds one observation,
 * or turns ev into EVENT_IGNORED for another resource type (*ret_handled = 0).
 * account_what names what the item's account must match, for the error message.
 */
static int parse_item(const json_t *ci, const char *prefix, int summary_only,
		      const char *account_what, struct event *ev, int *ret_handled,
		      struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	struct event_observation *o = NULL;
	const char *rtype, *status, *account, *region;
	int st, rc;

	rc = event_get_str(ci, prefix, "resourceType", EVENT_REQUIRED, IT_EVENT_MAX_FIELD, &rtype,
			   err);
	if (rc)
		return rc;
	if (strcmp(rtype, EC2_INSTANCE) != 0) {
		*ret_handled = 0;
		return event_ignore(ev, "Config resourceType '%s' is not handled", rtype);
	}
	rc = event_get_str(ci, prefix, "configurationItemStatus", EVENT_REQUIRED,
			   IT_EVENT_MAX_FIELD, &status, err);
	if (rc)
		return rc;
	for (st = 0; st < ST__MAX; st++)
		if (strcmp(status, status_names[st]) == 0)
			break;
	if (st == ST__MAX) {
		event_path(path, sizeof(path), prefix, "configurationItemStatus");
		return json_err_set(err, IT_EINVAL, path,
				    "is not a Config item status (OK, ResourceDiscovered, "
				    "ResourceNotRecorded, ResourceDeleted, ResourceDeletedNotRecorded)");
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
		rc = json_err_set(err, IT_EINVAL, path, valid_region(region) ?
				  "differs from the event region" : "is not a valid AWS region");
	}
	if (rc == IT_OK)
		rc = event_add_observation(ev, prefix, &o, err);
	if (rc == IT_OK)
		rc = event_get_instance_id(ci, prefix, "resourceId", EVENT_REQUIRED, &o->instance_id,
					   err);
	if (rc == IT_OK)
		rc = event_get_time(ci, prefix, "configurationItemCaptureTime", EVENT_REQUIRED,
				    &o->observed_at_ms, err);
	if (rc)
		return rc;
	o->deleted = st == ST_DELETED || st == ST_DELETED_NOT_RECORDED;
	if (!summary_only && !o->deleted) {
		rc = parse_configuration(ci, prefix, o, err);
		if (rc == IT_OK)
			rc = get_tag_map(ci, prefix, o, err);
		if (rc)
			return rc;
	}
	o->needs_lookup = !o->deleted && !o->image_id && o->state != EVENT_STATE_TERMINATED;
	*ret_handled = 1;
	return IT_OK;
}

int event_config_parse_item_change(const json_t *detail, struct event *ev, struct json_err *err)
{
	const json_t *ci;
	const char *mtype;
	int handled = 0, rc;

	rc = event_get_str(detail, "detail", "messageType", EVENT_REQUIRED, IT_EVENT_MAX_FIELD,
			   &mtype, err);
	if (rc)
		return rc;
	if (strcmp(mtype, "ConfigurationItemChangeNotification") == 0) {
		rc = event_get_obj(detail, "detail", "configurationItem", EVENT_REQUIRED, &ci, err);
		if (rc == IT_OK)
			rc = parse_item(ci, "detail.configurationItem", 0, "the envelope account", ev,
					&handled, err);
		if (rc == IT_OK && handled)
			ev->kind = EVENT_CONFIG_ITEM_CHANGE;
		return rc;
	}
	if (strcmp(mtype, "OversizedConfigurationItemChangeNotification") == 0) {
		rc = event_get_obj(detail, "detail", "configurationItemSummary", EVENT_REQUIRED, &ci,
				   err);
		if (rc == IT_OK)
			rc = parse_item(ci, "detail.configurationItemSummary", 1,
					"the envelope account", ev, &handled, err);
		if (rc == IT_OK && handled)
			ev->kind = EVENT_CONFIG_ITEM_OVERSIZED;
		return rc;
	}
	return event_ignore(ev, "Config messageType '%s' is not handled", mtype);
}

/* ---- rule invocation ---- */

/* arn:<partition>:config:<region>:<account>:config-rule/<id>. Copies partition, region and
 * account (each at most 32 bytes) out of it; whether the partition is one AWS has is the
 * caller's check, so it can say so. */
static int parse_rule_arn(const char *arn, char partition[33], char region[33], char account[13])
{
	const char *p = arn, *parts[6];
	size_t lens[6];
	int n = 0;

	while (n < 6) {
		const char *c = n < 5 ? strchr(p, ':') : p + strlen(p);
		if (!c)
			return IT_EINVAL;
		parts[n] = p;
		lens[n] = (size_t)(c - p);
		n++;
		p = c + 1;
	}
	if (lens[0] != 3 || memcmp(parts[0], "arn", 3) != 0 || lens[1] < 3 || lens[1] > 32 ||
	    memcmp(parts[1], "aws", 3) != 0 || lens[2] != 6 || memcmp(parts[2], "config", 6) != 0 ||
	    lens[3] == 0 || lens[3] > 32 || lens[4] != 12 || lens[5] <= 12 ||
	    memcmp(parts[5], "config-rule/", 12) != 0)
		return IT_EINVAL;
	memcpy(partition, parts[1], lens[1]);
	partition[lens[1]] = '\0';
	memcpy(region, parts[3], lens[3]);
	region[lens[3]] = '\0';
	memcpy(account, parts[4], 12);
	account[12] = '\0';
	if (!valid_region(region) || !valid_account_id(account))
		return IT_EINVAL;
	return IT_OK;
}

/* Loads a JSON string field that holds a JSON object, with the body's bounds. */
static int load_inner(const char *text, const char *field, size_t max, json_t **ret,
		      struct json_err *err)
{
	struct json_err inner = {{0}, {0}};
	json_t *v = NULL;
	int rc;

	rc = json_load_bounded(text, strlen(text), max, IT_EVENT_MAX_DEPTH, &v, &inner);
	if (rc)
		return json_err_set(err, rc, field, "%s", inner.message);
	if (!json_is_object(v)) {
		json_decref(v);
		return json_err_set(err, IT_EINVAL, field, "must hold a JSON object");
	}
	*ret = v;
	return IT_OK;
}

static int sha256_hex(const char *s, char **ret)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	static const char digits[] = "0123456789abcdef";

	if (EVP_Digest(s, strlen(s), md, &md_len, EVP_sha256(), NULL) != 1)
		return IT_ENOMEM;
	for (unsigned int i = 0; i < md_len; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[2 * md_len] = '\0';
	return event_dup(ret, hex);
}

/* The invokingEvent object: fills ev->time_ms, the observation and rule's trigger,
 * scope and ordering time. ev->account/region are already set. */
static int parse_invoking_event(const json_t *ie, struct event *ev,
				struct event_rule_invocation *rule, int *ret_handled,
				struct json_err *err)
{
	const char *P = "invokingEvent";
	const json_t *ci;
	const char *mtype, *account;
	int rc;

	rc = event_get_str(ie, P, "messageType", EVENT_REQUIRED, IT_EVENT_MAX_FIELD, &mtype, err);
	if (rc == IT_OK)
		rc = event_get_time(ie, P, "notificationCreationTime", EVENT_REQUIRED, &ev->time_ms,
				    err);
	if (rc)
		return rc;
	if (strcmp(mtype, "ConfigurationItemChangeNotification") == 0) {
		rule->trigger = EVENT_TRIGGER_CHANGE;
		rc = event_get_obj(ie, P, "configurationItem", EVENT_REQUIRED, &ci, err);
		if (rc == IT_OK)
			rc = parse_item(ci, "invokingEvent.configurationItem", 0, "accountId", ev,
					ret_handled, err);
	} else if (strcmp(mtype, "OversizedConfigurationItemChangeNotification") == 0) {
		rule->trigger = EVENT_TRIGGER_OVERSIZED;
		rc = event_get_obj(ie, P, "configurationItemSummary", EVENT_REQUIRED, &ci, err);
		if (rc == IT_OK)
			rc = parse_item(ci, "invokingEvent.configurationItemSummary", 1, "accountId",
					ev, ret_handled, err);
	} else if (strcmp(mtype, "ScheduledNotification") == 0) {
		rule->trigger = EVENT_TRIGGER_SCHEDULED;
		rule->scope = EVENT_SCOPE_SCHEDULED;
		rule->ordering_ms = ev->time_ms;
		rc = event_get_account(ie, P, "awsAccountId", &account, err);
		if (rc == IT_OK && strcmp(account, ev->account) != 0)
			rc = json_err_set(err, IT_EINVAL, "invokingEvent.awsAccountId",
					  "differs from accountId");
		*ret_handled = rc == IT_OK;
		return rc;
	} else {
		*ret_handled = 0;
		return event_ignore(ev, "Config messageType '%s' is not handled", mtype);
	}
	if (rc || !*ret_handled)
		return rc;
	rule->scope = EVENT_SCOPE_RESOURCE;
	rule->ordering_ms = ev->obs[0].observed_at_ms;
	return IT_OK;
}

int event_config_parse_invocation(const json_t *root, struct event *ev, struct json_err *err)
{
	struct event_rule_invocation *rule = NULL;
	json_t *ie = NULL, *params = NULL;
	const char *token, *arn, *name, *account, *mode, *version, *ie_text, *params_text;
	const json_t *left = NULL;
	char arn_partition[33], arn_region[33], arn_account[13];
	int handled = 0, rc;

	rc = event_get_str(root, "", "resultToken", EVENT_REQUIRED, IT_EVENT_MAX_RESULT_TOKEN,
			   &token, err);
	if (rc == IT_OK)
		rc = event_get_account(root, "", "accountId", &account, err);
	if (rc == IT_OK)
		rc = event_get_str(root, "", "configRuleArn", EVENT_REQUIRED, IT_EVENT_MAX_RULE_ARN,
				   &arn, err);
	if (rc == IT_OK && parse_rule_arn(arn, arn_partition, arn_region, arn_account) != IT_OK)
		rc = json_err_set(err, IT_EINVAL, "configRuleArn",
				  "must be arn:<partition>:config:<region>:<account>:config-rule/<id>");
	/* The partition decides where PutEvaluations and the member role go: a made-up one
	 * ("arn:awsevil:...") or one the region is not in is refused, not sent anywhere. */
	if (rc == IT_OK && !partition_known(arn_partition))
		rc = json_err_set(err, IT_EINVAL, "configRuleArn",
				  "partition '%s' is not an AWS partition (aws, aws-cn, aws-us-gov, aws-iso, "
				  "aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc)", arn_partition);
	if (rc == IT_OK && strcmp(partition_of(arn_region), arn_partition) != 0)
		rc = json_err_set(err, IT_EINVAL, "configRuleArn", "region %s is not in partition %s",
				  arn_region, arn_partition);
	if (rc == IT_OK)
		rc = event_get_str(root, "", "configRuleName", EVENT_REQUIRED,
				   IT_EVENT_MAX_RULE_NAME, &name, err);
	if (rc == IT_OK && strcmp(account, arn_account) != 0)
		rc = json_err_set(err, IT_EINVAL, "configRuleArn", "names another account than accountId");
	if (rc == IT_OK)
		rc = event_get_str(root, "", "version", EVENT_OPTIONAL, 16, &version, err);
	if (rc == IT_OK)
		rc = event_get_str(root, "", "evaluationMode", EVENT_OPTIONAL, IT_EVENT_MAX_FIELD,
				   &mode, err);
	if (rc == IT_OK) {
		left = json_object_get(root, "eventLeftScope");
		if (left && !json_is_null(left) && !json_is_boolean(left))
			rc = json_err_set(err, IT_EINVAL, "eventLeftScope", "must be a boolean");
	}
	if (rc == IT_OK)
		rc = event_get_str(root, "", "invokingEvent", EVENT_REQUIRED | EVENT_JSON_TEXT,
				   IT_EVENT_MAX_BODY,
				   &ie_text, err);
	if (rc == IT_OK)
		rc = event_get_str(root, "", "ruleParameters", EVENT_OPTIONAL | EVENT_JSON_TEXT,
				   IT_EVENT_MAX_RULE_PARAMS, &params_text, err);
	if (rc == IT_OK)
		rc = load_inner(ie_text, "invokingEvent", IT_EVENT_MAX_BODY, &ie, err);
	if (rc == IT_OK && params_text)
		rc = load_inner(params_text, "ruleParameters", IT_EVENT_MAX_RULE_PARAMS, &params,
				err);
	if (rc)
		goto out;

	if (event_dup(&ev->account, account) || event_dup(&ev->region, arn_region) ||
	    event_dup(&ev->source, "aws.config") ||
	    event_dup(&ev->detail_type, "Config Rule Invocation") || sha256_hex(token, &ev->id)) {
		rc = json_err_set(err, IT_ENOMEM, "", "out of memory");
		goto out;
	}
	/* Proactive evaluations describe a resource before it exists: nothing to verdict. */
	if (mode && strcmp(mode, "DETECTIVE") != 0) {
		rc = event_ignore(ev, "Config evaluationMode '%s' is not handled", mode);
		goto out;
	}
	rule = calloc(1, sizeof(*rule));
	if (!rule) {
		rc = json_err_set(err, IT_ENOMEM, "", "out of memory");
		goto out;
	}
	rc = parse_invoking_event(ie, ev, rule, &handled, err);
	if (rc || !handled)
		goto out;
	rule->left_scope = json_is_true(left);
	if (rule->left_scope && ev->n_obs == 1) {
		ev->obs[0].deleted = 1;
		ev->obs[0].needs_lookup = 0;
	}
	if (event_dup(&rule->result_token, token) || event_dup(&rule->config_rule_arn, arn) ||
	    event_dup(&rule->config_rule_name, name)) {
		rc = json_err_set(err, IT_ENOMEM, "", "out of memory");
		goto out;
	}
	rule->rule_parameters = params ? json_dumps(params, JSON_COMPACT) : strdup("{}");
	if (!rule->rule_parameters) {
		rc = json_err_set(err, IT_ENOMEM, "", "out of memory");
		goto out;
	}
	ev->rule = rule;
	rule = NULL;
	ev->kind = EVENT_CONFIG_RULE_INVOCATION;
out:
	if (rule) {
		free(rule->result_token);
		free(rule->config_rule_arn);
		free(rule->config_rule_name);
		free(rule->rule_parameters);
		free(rule);
	}
	json_decref(params);
	json_decref(ie);
	return rc;
}
