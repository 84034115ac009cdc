/* aws_events.c: EventBridge PutEvents (see aws_events.h). */
#include "aws_events.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_json.h"
#include "json_io.h"
#include "parse.h"
#include "status.h"

#define SOURCE_MAX 256
#define DETAIL_TYPE_MAX 128
#define BUS_NAME_MAX 256
#define RESOURCE_MAX 2048

void aws_events_result_free(struct aws_events_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->entries && i < r->n_entries; i++) {
		free(r->entries[i].event_id);
		free(r->entries[i].error_code);
		free(r->entries[i].error_message);
	}
	free(r->entries);
	memset(r, 0, sizeof(*r));
}

static int bus_name_ok(const char *s, size_t n)
{
	if (n < 1 || n > BUS_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '-' || c == '/'))
			return 0;
	}
	return 1;
}

int aws_events_bus_valid(const char *bus, char *ret_region, size_t region_len)
{
	/* arn:<partition>:events:<region>:<account>:event-bus/<name> */
	const char *p, *colon;
	char part[16], region[32], account[16];
	size_t n;

	if (!bus || strlen(bus) > IT_EVENTS_MAX_BUS)
		return 0;
	if (strncmp(bus, "arn:", 4) != 0) {
		if (!bus_name_ok(bus, strlen(bus)))
			return 0;
		if (ret_region && region_len)
			ret_region[0] = '\0';
		return 1;
	}
	p = bus + 4;
	colon = strchr(p, ':');
	n = colon ? (size_t)(colon - p) : 0;
	if (!colon || n == 0 || n >= sizeof(part))
		return 0;
	memcpy(part, p, n);
	part[n] = '\0';
	if (strcmp(part, "aws") && strcmp(part, "aws-cn") && strcmp(part, "aws-us-gov"))
		return 0;
	p = colon + 1;
	if (strncmp(p, "events:", 7) != 0)
		return 0;
	p += 7;
	colon = strchr(p, ':');
	n = colon ? (size_t)(colon - p) : 0;
	if (!colon || n == 0 || n >= sizeof(region))
		return 0;
	memcpy(region, p, n);
	region[n] = '\0';
	if (!valid_region(region) || strcmp(aws_partition(region), part) != 0)
		return 0;
	p = colon + 1;
	colon = strchr(p, ':');
	n = colon ? (size_t)(colon - p) : 0;
	if (!colon || n != 12)
		return 0;
	memcpy(account, p, n);
	account[n] = '\0';
	if (!valid_account_id(account))
		return 0;
	p = colon + 1;
	if (strncmp(p, "event-bus/", 10) != 0 || !bus_name_ok(p + 10, strlen(p + 10)))
		return 0;
	if (ret_region && region_len)
		snprintf(ret_region, region_len, "%s", region);
	return 1;
}

size_t aws_events_entry_size(const struct aws_events_entry *e)
{
	size_t n = 0;

	if (e->time_ms)
		n += 14;
	n += e->source ? strlen(e->source) : 0;
	n += e->detail_type ? strlen(e->detail_type) : 0;
	n += e->detail ? strlen(e->detail) : 0;
	for (size_t i = 0; e->resources && i < e->n_resources; i++)
		n += e->resources[i] ? strlen(e->resources[i]) : 0;
	return n;
}

static int entry_ok(const struct aws_events_entry *e)
{
	json_t *d;
	int ok;

	if (!e->source || !*e->source || strlen(e->source) > SOURCE_MAX || !e->detail_type || !*e->detail_type ||
	    strlen(e->detail_type) > DETAIL_TYPE_MAX || !e->detail || !aws_events_bus_valid(e->bus, NULL, 0) ||
	    e->n_resources > IT_EVENTS_MAX_RESOURCES || (e->n_resources && !e->resources) || e->time_ms < 0)
		return 0;
	for (size_t i = 0; i < e->n_resources; i++)
		if (!e->resources[i] || !*e->resources[i] || strlen(e->resources[i]) > RESOURCE_MAX)
			return 0;
	/* EventBridge refuses a Detail that is not a JSON object (MalformedDetail, for good). */
	d = json_loads(e->detail, JSON_REJECT_DUPLICATES, NULL);
	ok = json_is_object(d);
	json_decref(d);
	return ok;
}

int aws_events_put_body(const struct aws_events_entry *entries, size_t n, char **ret_json)
{
	json_t *doc = NULL, *arr = NULL;
	size_t total = 0;
	char *out;
	int rc = IT_OK;

	if (!entries || n == 0 || n > IT_EVENTS_BATCH)
		return IT_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!entry_ok(&entries[i]))
			return IT_EINVAL;
		total += aws_events_entry_size(&entries[i]);
	}
	if (total >= IT_EVENTS_MAX_BYTES)
		return IT_EINVAL;
	doc = json_object();
	arr = json_array();
	if (!doc || !arr) {
		rc = IT_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && rc == IT_OK; i++) {
		const struct aws_events_entry *e = &entries[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "Source", e->source, "DetailType", e->detail_type,
				      "Detail", e->detail, "EventBusName", e->bus);
		json_t *res = e->n_resources ? json_array() : NULL;

		if (!o || (e->n_resources && !res)) {
			json_decref(o);
			json_decref(res);
			rc = IT_EINVAL;   /* json_pack refuses invalid UTF-8 */
			break;
		}
		for (size_t k = 0; res && k < e->n_resources; k++)
			if (json_array_append_new(res, json_string(e->resources[k])) != 0)
				rc = IT_EINVAL;
		if (res && json_object_set_new(o, "Resources", res) != 0)
			rc = IT_ENOMEM;
		/* JSON 1.1 timestamps are epoch seconds */
		if (e->time_ms && json_object_set_new(o, "Time", json_integer((json_int_t)(e->time_ms / 1000))) != 0)
			rc = IT_ENOMEM;
		if (json_array_append_new(arr, o) != 0)
			rc = IT_ENOMEM;
	}
	if (rc == IT_OK && json_object_set(doc, "Entries", arr) != 0)
		rc = IT_ENOMEM;
	if (rc == IT_OK) {
		out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!out)
			rc = IT_ENOMEM;
		else
			*ret_json = out;
	}
out:
	json_decref(arr);
	json_decref(doc);
	return rc;
}

int aws_events_parse_put(const char *json, size_t len, struct aws_events_result *ret)
{
	static const char *const fields[] = {"EventId", "ErrorCode", "ErrorMessage"};
	static const size_t offsets[] = {offsetof(struct aws_events_result_entry, event_id),
					 offsetof(struct aws_events_result_entry, error_code),
					 offsetof(struct aws_events_result_entry, error_message)};
	json_t *doc = NULL, *fc;
	void *entries = NULL;
	size_t n = 0;
	long failed = 0;
	int rc;

	rc = json_load_bounded(json, len, IT_MAX_AWS_RESPONSE, IT_MAX_JSON_DEPTH, &doc, NULL);
	if (rc)
		return rc;
	rc = json_is_object(doc) ? IT_OK : IT_EINVAL;
	fc = json_object_get(doc, "FailedEntryCount");
	if (rc == IT_OK && fc && !json_is_null(fc)) {
		if (!json_is_integer(fc) || json_integer_value(fc) < 0 || json_integer_value(fc) > IT_EVENTS_BATCH)
			rc = IT_EINVAL;
		else
			failed = (long)json_integer_value(fc);
	}
	if (rc == IT_OK)
		rc = json_string_records(doc, "Entries", fields, offsets, ARRAY_LEN(fields),
					 sizeof(struct aws_events_result_entry), IT_EVENTS_BATCH, IT_AWS_MAX_FIELD,
					 &entries, &n);
	json_decref(doc);
	if (rc)
		return rc == IT_ETOOBIG ? IT_EINVAL : rc;
	ret->failed_count = failed;
	ret->entries = entries;
	ret->n_entries = n;
	return IT_OK;
}

int aws_events_code_retryable(const char *code)
{
	static const char *const never[] = {
		"AccessDeniedException",      "InvalidAccountIdException",       "InvalidArgument",
		"MalformedDetail",            "RedactionFailure",                "NotAuthorizedForSourceException",
		"NotAuthorizedForDetailTypeException",
	};

	if (!code || !*code)
		return 1;
	for (size_t i = 0; i < ARRAY_LEN(never); i++)
		if (strcmp(code, never[i]) == 0)
			return 0;
	return 1;
}

size_t aws_events_pack(const struct aws_events_entry *entries, size_t n)
{
	size_t k = 0, total = 0;

	while (k < n && k < IT_EVENTS_BATCH) {
		size_t sz = aws_events_entry_size(&entries[k]);
		if (k > 0 && total + sz >= IT_EVENTS_MAX_BYTES)
			break;
		total += sz;
		k++;
	}
	return k;
}

size_t aws_events_detail_budget(const struct aws_events_entry *e)
{
	struct aws_events_entry x = *e;
	size_t fixed;

	x.detail = NULL;
	fixed = aws_events_entry_size(&x);
	return fixed + 1 < IT_EVENTS_MAX_BYTES ? IT_EVENTS_MAX_BYTES - 1 - fixed : 0;
}

enum aws_events_outcome aws_events_entry_outcome(const struct aws_events_result *r, size_t i)
{
	const struct aws_events_result_entry *e = r && i < r->n_entries ? &r->entries[i] : NULL;

	if (!e)
		return AWS_EVENTS_RETRY;
	if (e->error_code)
		return aws_events_code_retryable(e->error_code) ? AWS_EVENTS_RETRY : AWS_EVENTS_FAILED;
	return e->event_id ? AWS_EVENTS_SENT : AWS_EVENTS_RETRY;
}

static int parse_put(const char *json, size_t len, void *ret)
{
	return aws_events_parse_put(json, len, ret);
}

static const struct aws_json_op put_events = {
	AWS_SVC_EVENTS, "PutEvents", "AWSEvents.PutEvents", NULL, NULL, parse_put,
};

int aws_events_put(struct aws_ctx *ctx, const char *region, const struct aws_events_entry *entries, size_t n,
		   struct aws_events_result *ret, struct aws_error *err)
{
	char *json = NULL;
	int rc;

	rc = aws_events_put_body(entries, n, &json);
	if (rc)
		return aws_error_set(err, rc, "entries outside PutEvents limits");
	rc = aws_json_call(ctx, &put_events, NULL, region, json, strlen(json), ret, err);
	free(json);
	return rc;
}
