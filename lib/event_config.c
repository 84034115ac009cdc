/* event_config.c: Config item changes and Config rule invocations (see event.h; the
 * module's shared parts are event_extern.h). */

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "event_extern.h"
#include "event_lt.h"
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
 * same tags; the map is present in every shape of the item, so it is the one read).
 * The keys are the map's own, so this is checked by hand rather than by a table. */
static int get_tag_map(const json_t *map, const char *map_path, struct event_observation *o, struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	const char *key;
	size_t key_len;
	json_t *v;
	int rc;

	if (!map)
		return IT_OK;
	if (json_object_size(map) > IT_EVENT_MAX_TAGS)
		return json_err_set(err, IT_EINVAL, map_path, "more than %d tags", IT_EVENT_MAX_TAGS);
	json_object_keylen_foreach((json_t *)map, key, key_len, v) {
		/* strlen differs from key_len when the key holds "\u0000". */
		if (key_len == 0 || key_len > IT_EVENT_MAX_TAG_KEY || strlen(key) != key_len ||
		    !valid_text(key, IT_EVENT_MAX_TAG_KEY))
			return json_err_set(err, IT_EINVAL, map_path,
					    "has a tag key that is empty, too long or not text");
		event_path(path, sizeof(path), map_path, key);
		rc = json_is_null(v) ? json_err_set(err, IT_EINVAL, path, "is required")
				     : json_check_text(v, IT_EVENT_MAX_TAG_VALUE, JF_TEXT | JF_EMPTY_OK, path, err);
		if (rc == IT_OK)
			rc = event_add_tag(o, key, json_string_value(v), path, err);
		if (rc)
			return rc;
	}
	o->tags_known = 1;
	return IT_OK;
}

/* Each table is one step of the parse; where a decision (ignore the item, two fields
 * that must agree) comes between two fields, they are in separate tables, so the first
 * problem of the document is the one named. */

static const struct json_field configuration_ids[] = {
	{"imageId", JK_STRING, 0, 64, event_check_image_id, JF_TEXT},
	{"instanceId", JK_STRING, 0, 64, event_check_instance_id, JF_TEXT},
};

/* state is an object {code, name}; captures show code 16.0 and state null. */
static const struct json_field configuration_state[] = {
	{"state", JK_OBJECT, 0, 0, NULL, 0},
};

static const struct json_field state_name[] = {
	{"name", JK_STRING, 0, IT_EVENT_MAX_FIELD, event_check_state, JF_TEXT},
};

static const struct json_field configuration_launch[] = {
	{"launchTime", JK_STRING, 0, 64, event_check_time, JF_TEXT},
};

/* configuration (the instance as DescribeInstances shows it); may be null. */
static int parse_configuration(const json_t *cfg, const char *cfg_path, struct event_observation *o,
			       struct json_err *err)
{
	char path[EVENT_PATH_MAX];
	const json_t *st;
	char *instance_id = NULL;
	int rc;

	if (!cfg)
		return IT_OK;
	rc = event_check(cfg, configuration_ids, ARRAY_LEN(configuration_ids), cfg_path, err);
	if (rc == IT_OK && (event_copy_id(cfg, "imageId", &o->image_id) || event_copy_id(cfg, "instanceId", &instance_id)))
		rc = json_err_set(err, IT_ENOMEM, cfg_path, "out of memory");
	if (rc == IT_OK && instance_id && strcmp(instance_id, o->instance_id) != 0) {
		event_path(path, sizeof(path), cfg_path, "instanceId");
		rc = json_err_set(err, IT_EINVAL, path, "differs from resourceId");
	}
	free(instance_id);
	if (rc == IT_OK)
		rc = event_check(cfg, configuration_state, ARRAY_LEN(configuration_state), cfg_path, err);
	if (rc == IT_OK && (st = event_obj(cfg, "state"))) {
		event_path(path, sizeof(path), cfg_path, "state");
		rc = event_check(st, state_name, ARRAY_LEN(state_name), path, err);
		if (rc == IT_OK && event_str(st, "name") && event_state_parse(event_str(st, "name"), &o->state) != IT_OK)
			rc = IT_EINVAL;   /* checked above: cannot happen */
	}
	if (rc == IT_OK)
		rc = event_check(cfg, configuration_launch, ARRAY_LEN(configuration_launch), cfg_path, err);
	if (rc == IT_OK)
		o->launch_time_ms = event_time(cfg, "launchTime");
	return rc;
}

static int check_item_status(const json_t *v, const char *path, struct json_err *err)
{
	for (int st = 0; st < ST__MAX; st++)
		if (strcmp(json_string_value(v), status_names[st]) == 0)
			return IT_OK;
	return json_err_set(err, IT_EINVAL, path,
			    "is not a Config item status (OK, ResourceDiscovered, "
			    "ResourceNotRecorded, ResourceDeleted, ResourceDeletedNotRecorded)");
}

static const struct json_field item_type[] = {
	{"resourceType", JK_STRING, 1, IT_EVENT_MAX_FIELD, NULL, JF_TEXT},
};

static const struct json_field item_status_account[] = {
	{"configurationItemStatus", JK_STRING, 1, IT_EVENT_MAX_FIELD, check_item_status, JF_TEXT},
	{"awsAccountId", JK_STRING, 1, 64, event_check_account, JF_TEXT},
};

static const struct json_field item_region[] = {
	{"awsRegion", JK_STRING, 1, 64, NULL, JF_TEXT},
};

static const struct json_field item_resource[] = {
	{"resourceId", JK_STRING, 1, 64, event_check_instance_id, JF_TEXT},
	{"configurationItemCaptureTime", JK_STRING, 1, 64, event_check_time, JF_TEXT},
};

static const struct json_field item_configuration[] = {
	{"configuration", JK_OBJECT, 0, 0, NULL, 0},
};

static const struct json_field item_tags[] = {
	{"tags", JK_OBJECT, 0, 0, NULL, 0},
};

/*
 * A configuration item (full, or the oversized summary) at prefix. Adds one observation,
 * or turns ev into EVENT_IGNORED for another resource type (*ret_handled = 0).
 * account_what names what the item's account must match, for the error message.
 */
static int parse_item(const json_t *ci, const char *prefix, int summary_only,
		      const char *account_what, struct event *ev, int *ret_handled,
		      struct json_err *err)
{
	char path[EVENT_PATH_MAX], sub[EVENT_PATH_MAX];
	struct event_observation *o = NULL;
	const char *rtype, *region;
	int st, rc;

	rc = event_check(ci, item_type, ARRAY_LEN(item_type), prefix, err);
	if (rc)
		return rc;
	rtype = event_str(ci, "resourceType");
	if (strcmp(rtype, EVENT_LT_CONFIG_TYPE) == 0) {
		*ret_handled = 1;
		return event_lt_parse_config_item(ci, prefix, summary_only, account_what, ev, err);
	}
	if (strcmp(rtype, EC2_INSTANCE) != 0) {
		*ret_handled = 0;
		return event_ignore(ev, "Config resourceType '%s' is not handled", rtype);
	}
	rc = event_check(ci, item_status_account, ARRAY_LEN(item_status_account), prefix, err);
	if (rc == IT_OK && strcmp(event_str(ci, "awsAccountId"), ev->account) != 0) {
		event_path(path, sizeof(path), prefix, "awsAccountId");
		rc = json_err_set(err, IT_EINVAL, path, "differs from %s", account_what);
	}
	if (rc == IT_OK)
		rc = event_check(ci, item_region, ARRAY_LEN(item_region), prefix, err);
	if (rc == IT_OK && strcmp((region = event_str(ci, "awsRegion")), ev->region) != 0) {
		event_path(path, sizeof(path), prefix, "awsRegion");
		rc = json_err_set(err, IT_EINVAL, path, valid_region(region) ?
				  "differs from the event region" : "is not a valid AWS region");
	}
	if (rc == IT_OK)
		rc = event_add_observation(ev, prefix, &o, err);
	if (rc == IT_OK)
		rc = event_check(ci, item_resource, ARRAY_LEN(item_resource), prefix, err);
	if (rc == IT_OK && event_copy_id(ci, "resourceId", &o->instance_id) != IT_OK)
		rc = json_err_set(err, IT_ENOMEM, prefix, "out of memory");
	if (rc)
		return rc;
	o->observed_at_ms = event_time(ci, "configurationItemCaptureTime");
	for (st = 0; st < ST__MAX; st++)
		if (strcmp(event_str(ci, "configurationItemStatus"), status_names[st]) == 0)
			break;
	o->deleted = st == ST_DELETED || st == ST_DELETED_NOT_RECORDED;
	if (!summary_only && !o->deleted) {
		rc = event_check(ci, item_configuration, ARRAY_LEN(item_configuration), prefix, err);
		event_path(sub, sizeof(sub), prefix, "configuration");
		if (rc == IT_OK)
			rc = parse_configuration(event_obj(ci, "configuration"), sub, o, err);
		if (rc == IT_OK)
			rc = event_check(ci, item_tags, ARRAY_LEN(item_tags), prefix, err);
		event_path(sub, sizeof(sub), prefix, "tags");
		if (rc == IT_OK)
			rc = get_tag_map(event_obj(ci, "tags"), sub, o, err);
		if (rc)
			return rc;
	}
	o->needs_lookup = !o->deleted && !o->image_id && o->state != EVENT_STATE_TERMINATED;
	*ret_handled = 1;
	return IT_OK;
}

static const struct json_field change_type[] = {
	{"messageType", JK_STRING, 1, IT_EVENT_MAX_FIELD, NULL, JF_TEXT},
};

static const struct json_field change_item[] = {
	{"configurationItem", JK_OBJECT, 1, 0, NULL, 0},
};

static const struct json_field change_summary[] = {
	{"configurationItemSummary", JK_OBJECT, 1, 0, NULL, 0},
};

int event_config_parse_item_change(const json_t *detail, struct event *ev, struct json_err *err)
{
	const char *mtype;
	int handled = 0, rc;

	rc = event_check(detail, change_type, ARRAY_LEN(change_type), "detail", err);
	if (rc)
		return rc;
	mtype = event_str(detail, "messageType");
	if (strcmp(mtype, "ConfigurationItemChangeNotification") == 0) {
		rc = event_check(detail, change_item, ARRAY_LEN(change_item), "detail", err);
		if (rc == IT_OK)
			rc = parse_item(event_obj(detail, "configurationItem"), "detail.configurationItem", 0,
					"the envelope account", ev, &handled, err);
		if (rc == IT_OK && handled)
			ev->kind = ev->lt ? EVENT_LAUNCH_TEMPLATE : EVENT_CONFIG_ITEM_CHANGE;
		return rc;
	}
	if (strcmp(mtype, "OversizedConfigurationItemChangeNotification") == 0) {
		rc = event_check(detail, change_summary, ARRAY_LEN(change_summary), "detail", err);
		if (rc == IT_OK)
			rc = parse_item(event_obj(detail, "configurationItemSummary"), "detail.configurationItemSummary",
					1, "the envelope account", ev, &handled, err);
		if (rc == IT_OK && handled)
			ev->kind = ev->lt ? EVENT_LAUNCH_TEMPLATE : EVENT_CONFIG_ITEM_OVERSIZED;
		return rc;
	}
	return event_ignore(ev, "Config messageType '%s' is not handled", mtype);
}

/* ---- rule invocation ---- */

/* arn:<partition>:config:<region>:<account>:config-rule/<id>. Copies partition, region and
 * account (each at most 32 bytes) out of it; whether the partition is one AWS has is the
 * caller's check, so it can say so. */
static int parse_rule_arn(const char *arn, char partition[IT_PARTITION_SIZE], char region[IT_REGION_SIZE],
			  char account[IT_ACCOUNT_ID_SIZE])
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

static const struct json_field invoking_fields[] = {
	{"messageType", JK_STRING, 1, IT_EVENT_MAX_FIELD, NULL, JF_TEXT},
	{"notificationCreationTime", JK_STRING, 1, 64, event_check_time, JF_TEXT},
};

static const struct json_field invoking_account[] = {
	{"awsAccountId", JK_STRING, 1, 64, event_check_account, JF_TEXT},
};

/* The invokingEvent object: fills ev->time_ms, the observation and rule's trigger,
 * scope and ordering time. ev->account/region are already set. */
static int parse_invoking_event(const json_t *ie, struct event *ev,
				struct event_rule_invocation *rule, int *ret_handled,
				struct json_err *err)
{
	const char *P = "invokingEvent";
	const char *mtype;
	int rc;

	rc = event_check(ie, invoking_fields, ARRAY_LEN(invoking_fields), P, err);
	if (rc)
		return rc;
	mtype = event_str(ie, "messageType");
	ev->time_ms = event_time(ie, "notificationCreationTime");
	if (strcmp(mtype, "ConfigurationItemChangeNotification") == 0) {
		rule->trigger = EVENT_TRIGGER_CHANGE;
		rc = event_check(ie, change_item, ARRAY_LEN(change_item), P, err);
		if (rc == IT_OK)
			rc = parse_item(event_obj(ie, "configurationItem"), "invokingEvent.configurationItem", 0,
					"accountId", ev, ret_handled, err);
	} else if (strcmp(mtype, "OversizedConfigurationItemChangeNotification") == 0) {
		rule->trigger = EVENT_TRIGGER_OVERSIZED;
		rc = event_check(ie, change_summary, ARRAY_LEN(change_summary), P, err);
		if (rc == IT_OK)
			rc = parse_item(event_obj(ie, "configurationItemSummary"), "invokingEvent.configurationItemSummary",
					1, "accountId", ev, ret_handled, err);
	} else if (strcmp(mtype, "ScheduledNotification") == 0) {
		rule->trigger = EVENT_TRIGGER_SCHEDULED;
		rule->scope = EVENT_SCOPE_SCHEDULED;
		rule->ordering_ms = ev->time_ms;
		rc = event_check(ie, invoking_account, ARRAY_LEN(invoking_account), P, err);
		if (rc == IT_OK && strcmp(event_str(ie, "awsAccountId"), ev->account) != 0)
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
	rule->ordering_ms = ev->lt ? ev->lt->observed_at_ms : ev->obs[0].observed_at_ms;
	return IT_OK;
}

static const struct json_field invocation_rule[] = {
	{"resultToken", JK_STRING, 1, IT_EVENT_MAX_RESULT_TOKEN, NULL, JF_TEXT},
	{"accountId", JK_STRING, 1, 64, event_check_account, JF_TEXT},
	{"configRuleArn", JK_STRING, 1, IT_EVENT_MAX_RULE_ARN, NULL, JF_TEXT},
};

static const struct json_field invocation_name[] = {
	{"configRuleName", JK_STRING, 1, IT_EVENT_MAX_RULE_NAME, NULL, JF_TEXT},
};

static const struct json_field invocation_rest[] = {
	{"version", JK_STRING, 0, 16, NULL, JF_TEXT},
	{"evaluationMode", JK_STRING, 0, IT_EVENT_MAX_FIELD, NULL, JF_TEXT},
	{"eventLeftScope", JK_BOOL, 0, 0, NULL, 0},
	{"invokingEvent", JK_STRING, 1, IT_EVENT_MAX_BODY, NULL, JF_TEXT | JF_JSON},
	{"ruleParameters", JK_STRING, 0, IT_EVENT_MAX_RULE_PARAMS, NULL, JF_TEXT | JF_JSON},
};

int event_config_parse_invocation(const json_t *root, struct event *ev, struct json_err *err)
{
	struct event_rule_invocation *rule = NULL;
	json_t *ie = NULL, *params = NULL;
	const char *token = NULL, *arn = NULL, *name = NULL, *account = NULL, *mode = NULL, *ie_text = NULL,
		   *params_text = NULL;
	const json_t *left = NULL;
	char arn_partition[IT_PARTITION_SIZE], arn_region[IT_REGION_SIZE], arn_account[IT_ACCOUNT_ID_SIZE];
	int handled = 0, rc;

	rc = event_check(root, invocation_rule, ARRAY_LEN(invocation_rule), "", err);
	if (rc == IT_OK) {
		token = event_str(root, "resultToken");
		account = event_str(root, "accountId");
		arn = event_str(root, "configRuleArn");
		if (parse_rule_arn(arn, arn_partition, arn_region, arn_account) != IT_OK)
			rc = json_err_set(err, IT_EINVAL, "configRuleArn",
					  "must be arn:<partition>:config:<region>:<account>:config-rule/<id>");
	}
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
		rc = event_check(root, invocation_name, ARRAY_LEN(invocation_name), "", err);
	if (rc == IT_OK && strcmp(account, arn_account) != 0)
		rc = json_err_set(err, IT_EINVAL, "configRuleArn", "names another account than accountId");
	if (rc == IT_OK)
		rc = event_check(root, invocation_rest, ARRAY_LEN(invocation_rest), "", err);
	if (rc == IT_OK) {
		name = event_str(root, "configRuleName");
		mode = event_str(root, "evaluationMode");
		left = json_object_get(root, "eventLeftScope");
		ie_text = event_str(root, "invokingEvent");
		params_text = event_str(root, "ruleParameters");
	}
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
	if (rule->left_scope && ev->lt) {
		ev->lt->deleted = 1;
		ev->lt->needs_lookup = 0;
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
