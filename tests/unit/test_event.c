/*
 * test_event: event_parse over every AWS sample and every committed fixture.
 *
 * Usage: test_event <samples/aws dir> <tests/fixtures/events dir>
 *        test_event --render <file.json>     (prints what a .out file holds)
 *
 * Order: rejections first (the C table of limits, then bad/x.json + x.err, one per
 * rejection reason), then the AWS samples with exact values (bare CloudTrail records
 * and Config payloads wrapped into the EventBridge envelope here, as EventBridge would
 * deliver them), then the accepted fixtures x.json against x.out.
 */
#include "event.h"
#include "limits.h"
#include "parse.h"
#include "status.h"
#include "tap.h"
#include "fixture_files.h"

#include <openssl/sha.h>
#include <stdarg.h>
#include <stdlib.h>

static const char *samples_dir, *fixtures_dir;

/* Reads a sample, failing the whole test loudly when it is missing. */
static char *sample(const char *name, size_t *len)
{
	return fixture_must(samples_dir, name, len, "AWS sample");
}

static char *replace_all(const char *s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0, cap;
	const char *p;
	char *out, *o;

	for (p = s; (p = strstr(p, from)) != NULL; p += fl)
		n++;
	cap = strlen(s) + n * (tl > fl ? tl - fl : 0) + 1;
	out = malloc(cap);
	if (!out)
		exit(2);
	for (o = out; (p = strstr(s, from)) != NULL; s = p + fl) {
		memcpy(o, s, (size_t)(p - s));
		o += p - s;
		memcpy(o, to, tl);
		o += tl;
	}
	memcpy(o, s, strlen(s) + 1);
	return out;
}

/* ---- rendering (the .out format) ---- */

static void out_time(FILE *f, const char *label, int64_t ms)
{
	char t[IT_TIME_BUF];

	if (ms)
		fprintf(f, "%s=%s", label, format_time_ms(ms, t));
	else
		fprintf(f, "%s=-", label);
}

static void render(FILE *f, const struct event *ev)
{
	fprintf(f, "kind: %s\nid: %s\naccount: %s\nregion: %s\nsource: %s\ndetail_type: %s\n",
		event_kind_str(ev->kind), ev->id, ev->account, ev->region, ev->source,
		ev->detail_type);
	out_time(f, "time", ev->time_ms);
	fputc('\n', f);
	if (ev->ignored_reason)
		fprintf(f, "ignored: %s\n", ev->ignored_reason);
	if (ev->rule) {
		const struct event_rule_invocation *r = ev->rule;
		fprintf(f, "rule: name=%s arn=%s trigger=%s scope=%s left_scope=%d ",
			r->config_rule_name, r->config_rule_arn, event_trigger_str(r->trigger),
			event_scope_str(r->scope), r->left_scope);
		out_time(f, "ordering", r->ordering_ms);
		fprintf(f, "\nrule.parameters: %s\nrule.result_token: %zu bytes\n",
			r->rule_parameters, strlen(r->result_token));
	}
	for (size_t i = 0; i < ev->n_obs; i++) {
		const struct event_observation *o = &ev->obs[i];
		const char *st = event_state_str(o->state);
		fprintf(f, "obs[%zu]: %s %s %s image=%s state=%s deleted=%d needs_lookup=%d ", i,
			o->account, o->region, o->instance_id, o->image_id ? o->image_id : "-",
			st ? st : "-", o->deleted, o->needs_lookup);
		out_time(f, "observed_at", o->observed_at_ms);
		fputc(' ', f);
		out_time(f, "launch", o->launch_time_ms);
		fprintf(f, "\nobs[%zu].tags: ", i);
		if (!o->tags_known)
			fputs("unknown", f);
		for (size_t t = 0; t < o->n_tags; t++)
			fprintf(f, "%s%s=%s", t ? "; " : "", o->tags[t].key, o->tags[t].value);
		fputc('\n', f);
	}
}

static char *render_str(const struct event *ev)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (!f)
		exit(2);
	render(f, ev);
	fclose(f);
	return s;
}

/* ---- helpers for the sample cases ---- */

static struct event *parse_ok(const char *body, const char *what)
{
	struct json_err err = {{0}, {0}};
	struct event *ev = NULL;
	int rc = event_parse(body, strlen(body), &ev, &err);

	CHECK(rc == IT_OK, "%s: rc %s (%s: %s)", what, status_str(rc), err.field, err.message);
	return rc == IT_OK ? ev : NULL;
}

static void parse_bad(const char *body, size_t len, int want_rc, const char *want_field,
		      const char *what)
{
	struct json_err err = {{0}, {0}};
	struct event *ev = (struct event *)0x1;
	int rc = event_parse(body, len, &ev, &err);

	CHECK(rc == want_rc, "%s: rc %s want %s (%s: %s)", what, status_str(rc),
	      status_str(want_rc), err.field, err.message);
	CHECK(ev == (struct event *)0x1, "%s: out-param untouched", what);
	CHECK_STR(err.field, want_field, what);
	CHECK(err.message[0] != '\0', "%s: message set", what);
	if (rc == IT_OK)
		event_free(ev);
}

/* Wraps a bare CloudTrail record (or a Config detail) into an EventBridge envelope. */
static char *wrap(const char *detail_json, const char *detail_type, const char *source,
		  const char *account, const char *time, const char *region)
{
	json_error_t je;
	json_t *detail = json_loads(detail_json, 0, &je), *env;
	char *s;

	if (!detail) {
		fprintf(stderr, "FATAL: sample is not JSON: %s\n", je.text);
		exit(2);
	}
	env = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:[],s:o}", "version", "0", "id",
			"0d6c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "detail-type", detail_type,
			"source", source, "account", account, "time", time, "region", region,
			"resources", "detail", detail);
	s = json_dumps(env, JSON_COMPACT);
	json_decref(env);
	return s;
}

static int64_t T(const char *s)
{
	int64_t ms = -1;

	if (parse_time_ms(s, &ms) != IT_OK) {
		fprintf(stderr, "FATAL: bad test time %s\n", s);
		exit(2);
	}
	return ms;
}

/* ---- 1. limits and rejections that need C to build ---- */

static void test_limits(void)
{
	size_t big = (size_t)IT_EVENT_MAX_BODY + 1;
	char *body = malloc(big + 1);
	char path[64];

	memset(body, ' ', big);
	body[big] = '\0';
	parse_bad(body, big, IT_ETOOBIG, "", "body one byte over IT_EVENT_MAX_BODY");
	free(body);

	/* depth: the envelope is level 1, detail level 2, then k nested arrays */
	for (int k = IT_EVENT_MAX_DEPTH - 2; k <= IT_EVENT_MAX_DEPTH - 1; k++) {
		char deep[4096];
		int n = snprintf(deep, sizeof(deep),
				 "{\"version\":\"0\",\"id\":\"x\",\"detail-type\":\"Other\","
				 "\"source\":\"aws.other\",\"account\":\"123456789012\","
				 "\"time\":\"2026-01-01T00:00:00Z\",\"region\":\"us-east-1\","
				 "\"resources\":[],\"detail\":{\"a\":");
		for (int d = 0; d < k; d++)
			deep[n++] = '[';
		for (int d = 0; d < k; d++)
			deep[n++] = ']';
		snprintf(deep + n, sizeof(deep) - (size_t)n, "}}");
		if (k + 2 <= IT_EVENT_MAX_DEPTH) {
			struct event *ev = parse_ok(deep, "depth exactly IT_EVENT_MAX_DEPTH");
			CHECK(ev && ev->kind == EVENT_IGNORED, "deep but well formed is ignored");
			event_free(ev);
		} else {
			parse_bad(deep, strlen(deep), IT_ETOOBIG, "", "depth IT_EVENT_MAX_DEPTH + 1");
		}
	}

	/* RunInstances with IT_EVENT_MAX_INSTANCES + 1 instances */
	{
		json_t *items = json_array(), *env;
		char *s;
		for (int i = 0; i <= IT_EVENT_MAX_INSTANCES; i++)
			json_array_append_new(items, json_pack("{s:s}", "instanceId", "i-00000000"));
		env = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:[],s:{s:s,s:s,s:{s:{s:o}}}}", "id", "x",
				"detail-type", "AWS API Call via CloudTrail", "source", "aws.ec2",
				"account", "123456789012", "time", "2026-01-01T00:00:00Z", "region",
				"us-east-1", "resources", "detail", "eventName", "RunInstances",
				"eventTime", "2026-01-01T00:00:00Z", "responseElements",
				"instancesSet", "items", items);
		s = json_dumps(env, JSON_COMPACT);
		parse_bad(s, strlen(s), IT_EINVAL, "detail.responseElements.instancesSet.items",
			  "too many instances");
		free(s);
		/* exactly the limit is accepted */
		json_array_remove(items, 0);
		s = json_dumps(env, JSON_COMPACT);
		{
			struct event *ev = parse_ok(s, "IT_EVENT_MAX_INSTANCES instances");
			CHECK(ev && ev->n_obs == IT_EVENT_MAX_INSTANCES, "all instances kept");
			event_free(ev);
		}
		free(s);
		json_decref(env);
	}

	/* tags: IT_EVENT_MAX_TAGS + 1 in a Config map and in a CloudTrail tagSet */
	{
		json_t *map = json_object(), *list = json_array(), *env;
		char *s;
		for (int i = 0; i <= IT_EVENT_MAX_TAGS; i++) {
			snprintf(path, sizeof(path), "k%d", i);
			json_object_set_new(map, path, json_string("v"));
			json_array_append_new(list, json_pack("{s:s,s:s}", "key", path, "value", ""));
		}
		env = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:[],s:{s:s,s:{s:s,s:s,s:s,s:s,s:s,s:s,s:o}}}",
				"id", "x", "detail-type", "Config Configuration Item Change", "source",
				"aws.config", "account", "123456789012", "time", "2026-01-01T00:00:00Z",
				"region", "us-east-1", "resources", "detail", "messageType",
				"ConfigurationItemChangeNotification", "configurationItem",
				"resourceType", "AWS::EC2::Instance", "configurationItemStatus", "OK",
				"awsAccountId", "123456789012", "awsRegion", "us-east-1", "resourceId",
				"i-00000000", "configurationItemCaptureTime", "2026-01-01T00:00:00Z",
				"tags", map);
		s = json_dumps(env, JSON_COMPACT);
		parse_bad(s, strlen(s), IT_EINVAL, "detail.configurationItem.tags", "too many tags (map)");
		free(s);
		json_decref(env);
		env = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:[],s:{s:s,s:s,s:{s:{s:[{s:s,s:{s:o}}]}}}}",
				"id", "x", "detail-type", "AWS API Call via CloudTrail", "source",
				"aws.ec2", "account", "123456789012", "time", "2026-01-01T00:00:00Z",
				"region", "us-east-1", "resources", "detail", "eventName",
				"RunInstances", "eventTime", "2026-01-01T00:00:00Z", "responseElements",
				"instancesSet", "items", "instanceId", "i-00000000", "tagSet", "items",
				list);
		s = json_dumps(env, JSON_COMPACT);
		parse_bad(s, strlen(s), IT_EINVAL,
			  "detail.responseElements.instancesSet.items[0].tagSet.items",
			  "too many tags (tagSet)");
		free(s);
		json_decref(env);
	}

	/* embedded NUL in the body and a body that is not NUL-terminated */
	{
		static const char nul[] = "{\"id\":\"a\0b\"}";
		parse_bad(nul, sizeof(nul) - 1, IT_EINVAL, "", "raw NUL byte in body");
		parse_bad("{}garbage", 2, IT_EINVAL, "", "len respected: {} is no event");
	}
	parse_bad("", 0, IT_EINVAL, "", "empty body");
}

/* ---- 2. bad/ fixtures ---- */

static void one_bad(void *ctx, const char *name, const char *body, size_t len, int want_rc, const char *field)
{
	(void)ctx;
	parse_bad(body, len, want_rc, field, name);
}

static void test_bad_fixtures(void)
{
	int n = fixture_each_bad(fixtures_dir, one_bad, NULL);

	CHECK(n >= 90, "bad fixtures found: %d", n);
}

/* ---- 3. AWS samples with exact values ---- */

static void test_state_change_samples(void)
{
	size_t len;
	char *s = sample("eventbridge-ec2-instance-state-change-pending.json", &len);
	struct event *ev = parse_ok(s, "state-change pending (no version)");

	if (ev) {
		CHECK(ev->kind == EVENT_EC2_STATE_CHANGE, "kind %d", ev->kind);
		CHECK_STR(ev->id, "7bf73129-1428-4cd3-a780-95db273d1602", "id");
		CHECK_STR(ev->account, "123456789012", "account");
		CHECK_STR(ev->region, "us-east-1", "region");
		CHECK(ev->time_ms == T("2015-11-11T21:29:54Z"), "time");
		CHECK(ev->n_obs == 1, "one observation");
		CHECK_STR(ev->obs[0].instance_id, "i-abcd1111", "instance");
		CHECK(ev->obs[0].image_id == NULL, "no image in a state change");
		CHECK(ev->obs[0].state == EVENT_STATE_PENDING, "pending");
		CHECK(ev->obs[0].needs_lookup == 1 && ev->obs[0].deleted == 0, "lookup");
		CHECK(ev->obs[0].tags_known == 0 && ev->obs[0].n_tags == 0, "no tags");
		CHECK(ev->obs[0].observed_at_ms == ev->time_ms, "observed at envelope time");
		CHECK(ev->obs[0].launch_time_ms == 0, "no launch time");
		CHECK(ev->rule == NULL && ev->ignored_reason == NULL, "no rule, not ignored");
	}
	event_free(ev);
	free(s);

	s = sample("eventbridge-ec2-instance-state-change-terminated.json", &len);
	ev = parse_ok(s, "state-change terminated (leading-space id)");
	if (ev) {
		CHECK_STR(ev->obs[0].instance_id, "i-1234567890abcdef0", "id trimmed");
		CHECK(ev->obs[0].state == EVENT_STATE_TERMINATED, "terminated");
		CHECK(ev->obs[0].needs_lookup == 0, "terminated needs no lookup");
		CHECK_STR(ev->obs[0].account, "111122223333", "account from envelope");
		CHECK_STR(ev->obs[0].region, "us-west-1", "region from envelope");
	}
	event_free(ev);
	free(s);
}

static void test_cloudtrail_samples(void)
{
	size_t len;
	char *rec = sample("cloudtrail-record-runinstances-direct-imageid.json", &len);
	char *fixed, *body;
	struct event *ev;

	/* Panther's "2024-04-02 15:13:06.000000000" has no zone: real records say Z. */
	body = wrap(rec, "AWS API Call via CloudTrail", "aws.ec2", "123456789012",
		    "2024-04-02T15:13:07Z", "us-west-2");
	parse_bad(body, strlen(body), IT_EINVAL, "detail.eventTime", "Panther eventTime");
	free(body);
	fixed = replace_all(rec, "2024-04-02 15:13:06.000000000", "2024-04-02T15:13:06Z");
	body = wrap(fixed, "AWS API Call via CloudTrail", "aws.ec2", "123456789012",
		    "2024-04-02T15:13:07Z", "us-west-2");
	ev = parse_ok(body, "RunInstances direct imageId");
	if (ev) {
		CHECK(ev->kind == EVENT_CLOUDTRAIL_RUN_INSTANCES, "kind %d", ev->kind);
		CHECK(ev->n_obs == 1, "one instance");
		CHECK_STR(ev->obs[0].instance_id, "i-00000000000000000", "instance");
		CHECK_STR(ev->obs[0].image_id, "ami-020a359780bc6f835", "image from response");
		CHECK(ev->obs[0].state == EVENT_STATE_PENDING, "pending");
		CHECK(ev->obs[0].launch_time_ms == 1712070786000LL, "launchTime is epoch ms");
		CHECK(ev->obs[0].observed_at_ms == T("2024-04-02T15:13:06Z"), "eventTime orders");
		CHECK(ev->time_ms == T("2024-04-02T15:13:07Z"), "envelope time kept apart");
		CHECK(ev->obs[0].tags_known == 1 && ev->obs[0].n_tags == 1, "tagSet");
		CHECK_STR(ev->obs[0].tags[0].key, "Name", "tag key");
		CHECK_STR(ev->obs[0].tags[0].value, "test", "tag value");
		CHECK(ev->obs[0].needs_lookup == 0, "image known");
	}
	event_free(ev);
	free(body);

	/* Launch template: no imageId in requestParameters, the response still has it. */
	{
		char *lt = replace_all(fixed, "\"imageId\": \"ami-020a359780bc6f835\",\n          "
					      "\"keyName\": \"a-key\",\n          ",
				       "");
		CHECK(strstr(lt, "\"maxCount\": 1") && strlen(lt) < strlen(fixed),
		      "requestParameters imageId removed");
		body = wrap(lt, "AWS API Call via CloudTrail", "aws.ec2", "123456789012",
			    "2024-04-02T15:13:07Z", "us-west-2");
		ev = parse_ok(body, "RunInstances without request imageId");
		CHECK(ev && ev->n_obs == 1 && ev->obs[0].image_id &&
		      strcmp(ev->obs[0].image_id, "ami-020a359780bc6f835") == 0,
		      "image from responseElements");
		event_free(ev);
		free(body);
		/* and the request's imageId is never used: the response's wins */
		body = replace_all(fixed, "\"imageId\": \"ami-020a359780bc6f835\",\n          \"instanceId\"",
				   "\"imageId\": \"ami-11111111\",\n          \"instanceId\"");
		free(lt);
		lt = wrap(body, "AWS API Call via CloudTrail", "aws.ec2", "123456789012",
			  "2024-04-02T15:13:07Z", "us-west-2");
		ev = parse_ok(lt, "response image differs from request image");
		CHECK(ev && ev->obs[0].image_id && strcmp(ev->obs[0].image_id, "ami-11111111") == 0,
		      "response imageId is the one taken");
		event_free(ev);
		free(lt);
		free(body);
	}
	free(fixed);
	free(rec);

	rec = sample("cloudtrail-record-runinstances-failed-unauthorized.json", &len);
	body = wrap(rec, "AWS API Call via CloudTrail", "aws.ec2", "900138736586",
		    "2024-08-01T11:30:23Z", "ca-central-1");
	ev = parse_ok(body, "RunInstances failed");
	if (ev) {
		CHECK(ev->kind == EVENT_IGNORED && ev->n_obs == 0, "failed call ignored");
		CHECK_STR(ev->ignored_reason,
			  "RunInstances failed with errorCode 'Client.UnauthorizedOperation'", "reason");
		CHECK_STR(ev->account, "900138736586", "account still reported");
	}
	event_free(ev);
	free(body);
	free(rec);

	rec = sample("eventbridge-cloudtrail-api-call-envelope-s3-createbucket.json", &len);
	ev = parse_ok(rec, "S3 CreateBucket");
	CHECK(ev && ev->kind == EVENT_IGNORED, "S3 ignored");
	if (ev)
		CHECK_STR(ev->ignored_reason, "API calls from source 'aws.s3' are not handled", "reason");
	event_free(ev);
	free(rec);
}

static void test_config_samples(void)
{
	size_t len;
	char *s = sample("eventbridge-config-ci-change-ec2-instance.json", &len), *body, *fixed;
	struct event *ev = parse_ok(s, "Config CI change EC2 (Capital One)");

	if (ev) {
		CHECK(ev->kind == EVENT_CONFIG_ITEM_CHANGE, "kind %d", ev->kind);
		CHECK_STR(ev->obs[0].instance_id, "i-12345678901234567", "instance");
		CHECK_STR(ev->obs[0].image_id, "ami-12345678", "image");
		CHECK(ev->obs[0].state == EVENT_STATE_RUNNING, "state from {code 16.0, name}");
		CHECK(ev->obs[0].observed_at_ms == T("2018-05-02T16:20:55.108Z"), "capture time");
		CHECK(ev->obs[0].launch_time_ms == T("2018-05-02T16:18:05.000Z"), "launch time");
		CHECK(ev->obs[0].tags_known && ev->obs[0].n_tags == 1, "tags map");
		CHECK_STR(ev->obs[0].tags[0].value, "ec2-instance-name", "Name tag");
		CHECK(!ev->obs[0].deleted && !ev->obs[0].needs_lookup, "flags");
	}
	event_free(ev);
	/* configuration null on a live item: the image must be read from AWS */
	fixed = replace_all(s, "\"configuration\": {", "\"configuration\": null, \"x\": {");
	ev = parse_ok(fixed, "configuration null");
	CHECK(ev && ev->obs[0].needs_lookup && !ev->obs[0].image_id, "null configuration");
	event_free(ev);
	free(fixed);
	/* state null (seen in captures) */
	fixed = replace_all(s, "\"state\": {\n                    \"code\": 16.0,\n"
			       "                    \"name\": \"running\"\n                }",
			    "\"state\": null");
	CHECK(strstr(fixed, "\"state\": null") != NULL, "state nulled");
	ev = parse_ok(fixed, "state null");
	CHECK(ev && ev->obs[0].state == EVENT_STATE_UNKNOWN, "unknown state");
	event_free(ev);
	free(fixed);
	free(s);

	s = sample("eventbridge-config-ci-change-efs-awsdocs.json", &len);
	ev = parse_ok(s, "Config EFS");
	CHECK(ev && ev->kind == EVENT_IGNORED && ev->n_obs == 0, "EFS ignored");
	if (ev)
		CHECK_STR(ev->ignored_reason, "Config resourceType 'AWS::EFS::FileSystem' is not handled",
			  "reason");
	event_free(ev);
	free(s);

	s = sample("eventbridge-config-rules-compliance-change.json", &len);
	ev = parse_ok(s, "Config rules compliance change");
	CHECK(ev && ev->kind == EVENT_IGNORED, "compliance change ignored");
	if (ev) {
		CHECK_STR(ev->ignored_reason, "detail-type 'Config Rules Compliance Change' from "
					      "source 'aws.config' is not handled", "reason");
		CHECK_STR(ev->account, "477575873490", "account");
	}
	event_free(ev);
	free(s);

	/* SNS forms are not EventBridge events */
	s = sample("config-sns-configuration-item-change-ec2-instance.json", &len);
	parse_bad(s, len, IT_EINVAL, "", "SNS CI change notification");
	free(s);
	s = sample("config-sns-compliance-change-notification.json", &len);
	parse_bad(s, len, IT_EINVAL, "", "SNS compliance notification");
	free(s);

	/* the oversized SNS message as an EventBridge detail */
	s = sample("config-sns-oversized-ci-change-ec2-message.json", &len);
	body = wrap(s, "Config Configuration Item Change", "aws.config", "123456789012",
		    "2016-10-06T16:46:17Z", "us-west-2");
	parse_bad(body, strlen(body), IT_EINVAL, "detail.configurationItemSummary.resourceId",
		  "doc placeholder resourceId");
	free(body);
	fixed = replace_all(s, "resourceId_14b76876-7969-4097-ab8e-a31942b02e80", "i-0a1b2c3d4e5f67890");
	body = wrap(fixed, "Config Configuration Item Change", "aws.config", "123456789012",
		    "2016-10-06T16:46:17Z", "us-west-2");
	ev = parse_ok(body, "oversized CI");
	if (ev) {
		CHECK(ev->kind == EVENT_CONFIG_ITEM_OVERSIZED, "kind %d", ev->kind);
		CHECK_STR(ev->obs[0].instance_id, "i-0a1b2c3d4e5f67890", "instance");
		CHECK(ev->obs[0].image_id == NULL && ev->obs[0].needs_lookup, "lookup");
		CHECK(ev->obs[0].tags_known == 0, "oversized has no tags");
		CHECK(ev->obs[0].observed_at_ms == T("2016-10-06T16:46:16.261Z"), "capture time");
	}
	event_free(ev);
	free(body);
	free(fixed);
	free(s);

	/* the deleted item (real capture) as an EventBridge detail; its account is "xxx" */
	s = sample("config-invokingevent-ec2-resourcedeleted.json", &len);
	body = wrap(s, "Config Configuration Item Change", "aws.config", "123456789012",
		    "2018-07-05T14:40:14Z", "ap-northeast-1");
	parse_bad(body, strlen(body), IT_EINVAL, "detail.configurationItem.awsAccountId",
		  "sanitised account");
	free(body);
	fixed = replace_all(s, "\"xxxxxxxxxxxxxxx\"", "\"123456789012\"");
	body = wrap(fixed, "Config Configuration Item Change", "aws.config", "123456789012",
		    "2018-07-05T14:40:14Z", "ap-northeast-1");
	ev = parse_ok(body, "deleted CI");
	if (ev) {
		CHECK(ev->kind == EVENT_CONFIG_ITEM_CHANGE, "kind");
		CHECK(ev->obs[0].deleted == 1 && ev->obs[0].needs_lookup == 0, "deleted");
		CHECK_STR(ev->obs[0].instance_id, "i-05888074e384774ef", "instance from resourceId");
		CHECK_STR(ev->obs[0].region, "ap-northeast-1", "region");
		CHECK(ev->obs[0].observed_at_ms == T("2018-07-04T01:54:02.810Z"), "capture time");
	}
	event_free(ev);
	free(body);
	free(fixed);
	free(s);
}

static void sha256_hex(const char *s, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)s, strlen(s), md);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void test_invocation_samples(void)
{
	size_t len;
	char *raw = sample("config-rule-invocation-configuration-change-ec2.json", &len);
	char *s = replace_all(raw, "0123456789012", "123456789012");
	struct event *ev = parse_ok(s, "rule invocation, change");
	json_t *doc = json_loads(s, 0, NULL);
	char want_id[65];

	sha256_hex(json_string_value(json_object_get(doc, "resultToken")), want_id);
	if (ev) {
		CHECK(ev->kind == EVENT_CONFIG_RULE_INVOCATION, "kind %d", ev->kind);
		CHECK_STR(ev->id, want_id, "id = sha256(resultToken)");
		CHECK_STR(ev->account, "123456789012", "accountId");
		CHECK_STR(ev->region, "us-east-1", "region of configRuleArn");
		CHECK(ev->time_ms == T("2023-04-27T15:03:13.332Z"), "notificationCreationTime");
		CHECK(ev->rule && ev->rule->trigger == EVENT_TRIGGER_CHANGE, "trigger");
		CHECK(ev->rule && ev->rule->scope == EVENT_SCOPE_RESOURCE, "scope");
		CHECK(ev->rule && ev->rule->ordering_ms == T("2023-04-27T15:03:11.636Z"), "ordering");
		CHECK(ev->rule && strlen(ev->rule->result_token) == 3468, "full token kept");
		if (ev->rule) {
			CHECK_STR(ev->rule->rule_parameters, "{\"desiredInstanceType\":\"t2.micro\"}",
				  "rule parameters");
			CHECK_STR(ev->rule->config_rule_name, "MyRule", "rule name");
		}
		CHECK(ev->n_obs == 1, "one resource");
		CHECK_STR(ev->obs[0].instance_id, "i-042dd005362091826", "instance");
		CHECK_STR(ev->obs[0].image_id, "ami-09d95fab7fff3776c", "image");
		CHECK(ev->obs[0].state == EVENT_STATE_STOPPED, "stopped");
		CHECK(ev->obs[0].n_tags == 4 && ev->obs[0].tags_known, "4 tags");
		CHECK(ev->obs[0].launch_time_ms == T("2023-04-27T14:57:16.000Z"), "launch");
	}
	event_free(ev);
	json_decref(doc);
	/* the PT capture as published: 13-digit sanitised account */
	parse_bad(raw, len, IT_EINVAL, "accountId", "13-digit account");
	free(s);
	free(raw);

	raw = sample("config-rule-invocation-oversized-ec2.json", &len);
	parse_bad(raw, len, IT_EINVAL, "invokingEvent.configurationItemSummary.awsRegion",
		  "doc sample: item in us-west-2, rule in us-east-2");
	s = replace_all(raw, "us-west-2", "us-east-2");
	ev = parse_ok(s, "rule invocation, oversized");
	if (ev) {
		CHECK(ev->rule && ev->rule->trigger == EVENT_TRIGGER_OVERSIZED, "trigger");
		CHECK(ev->n_obs == 1 && ev->obs[0].needs_lookup && !ev->obs[0].image_id, "lookup");
		CHECK_STR(ev->obs[0].instance_id, "i-00000000", "instance");
		CHECK(ev->rule && strcmp(ev->rule->result_token, "myResultToken") == 0, "token");
		CHECK(ev->rule && ev->rule->ordering_ms == T("2016-10-06T16:46:16.261Z"), "ordering");
	}
	event_free(ev);
	free(s);
	free(raw);

	raw = sample("config-rule-invocation-scheduled.json", &len);
	s = replace_all(raw, "0123456789012", "123456789012");
	ev = parse_ok(s, "rule invocation, scheduled");
	if (ev) {
		CHECK(ev->rule && ev->rule->trigger == EVENT_TRIGGER_SCHEDULED, "trigger");
		CHECK(ev->rule && ev->rule->scope == EVENT_SCOPE_SCHEDULED, "scope");
		CHECK(ev->n_obs == 0, "no resource");
		CHECK_STR(ev->region, "us-east-1", "region from configRuleArn");
		CHECK(ev->rule && ev->rule->ordering_ms == T("2023-04-27T13:26:17.741Z"), "ordering");
		CHECK(ev->rule && strlen(ev->rule->result_token) == 2332, "token");
	}
	event_free(ev);
	/* eventLeftScope */
	free(raw);
	raw = sample("config-rule-invocation-configuration-change-ec2.json", &len);
	free(s);
	{
		char *t = replace_all(raw, "0123456789012", "123456789012");
		s = replace_all(t, "\"eventLeftScope\":false", "\"eventLeftScope\":true");
		CHECK(strcmp(s, t) != 0, "eventLeftScope flipped");
		free(t);
	}
	ev = parse_ok(s, "left scope");
	CHECK(ev && ev->rule && ev->rule->left_scope && ev->obs[0].deleted &&
	      !ev->obs[0].needs_lookup, "left scope -> deleted");
	event_free(ev);
	free(s);
	free(raw);

	/* the real deleted item as an invokingEvent */
	raw = sample("config-invokingevent-ec2-resourcedeleted.json", &len);
	s = replace_all(raw, "\"xxxxxxxxxxxxxxx\"", "\"123456789012\"");
	{
		json_t *inv = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "invokingEvent", s,
					"resultToken", "tok", "configRuleArn",
					"arn:aws:config:ap-northeast-1:123456789012:config-rule/config-rule-a1",
					"configRuleName", "italic", "accountId", "123456789012",
					"eventLeftScope", 0);
		char *body = json_dumps(inv, JSON_COMPACT);
		ev = parse_ok(body, "invocation, deleted item");
		CHECK(ev && ev->n_obs == 1 && ev->obs[0].deleted && !ev->rule->left_scope,
		      "deleted via status");
		CHECK(ev && strcmp(ev->rule->rule_parameters, "{}") == 0, "absent ruleParameters");
		event_free(ev);
		free(body);
		json_decref(inv);
	}
	free(s);
	free(raw);
}

/* ---- 4. accepted fixtures against .out ---- */

static void one_good(void *ctx, const char *name, const char *body, size_t len, const char *want)
{
	struct event *ev = parse_ok(body, name);
	char *got;

	(void)ctx;
	(void)len;
	if (ev) {
		got = render_str(ev);
		CHECK(strcmp(got, want) == 0, "%s: got\n%s\nwant\n%s", name, got, want);
		free(got);
	}
	event_free(ev);
}

static void test_good_fixtures(void)
{
	int n = fixture_each_good(fixtures_dir, one_good, NULL);

	CHECK(n >= 19, "accepted fixtures found: %d", n);
}

/* A fixture with some of its times replaced (NULL-terminated from/to pairs). */
static struct event *fixture_with(const char *name, ...)
{
	char path[4096 + 64], *body, *next;
	const char *from, *to;
	struct event *ev;
	size_t len;
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", fixtures_dir, name);
	body = fixture_read(path, &len);
	CHECK(body != NULL, "fixture %s", name);
	if (!body)
		return NULL;
	va_start(ap, name);
	while ((from = va_arg(ap, const char *)) != NULL) {
		to = va_arg(ap, const char *);
		CHECK(strstr(body, from) != NULL, "%s holds %s", name, from);
		next = replace_all(body, from, to);
		free(body);
		body = next;
	}
	va_end(ap);
	ev = parse_ok(body, name);
	free(body);
	return ev;
}

#define RECEIVED 1764620000000LL   /* 2025-12-01T20:13:20Z, when Italic got the event */
#define FUTURE "9999-12-31T23:59:59Z"
#define FUTURE_MS 253402300799000LL

/* issue 13 §1: every time an event carries is bounded by its receipt time. */
static void test_time_bounds(void)
{
	struct event *ev;
	char why[IT_VERDICT_REASON_LEN];

	/* CloudTrail: eventTime orders the verdict; envelope time and launchTime too */
	ev = fixture_with("cloudtrail-runinstances-direct.json", "\"2024-04-02T15:13:06Z\"", "\"" FUTURE "\"",
			  "1712070786000", "253402300799000", NULL);
	if (ev) {
		CHECK(ev->obs[0].observed_at_ms == FUTURE_MS && ev->time_ms == FUTURE_MS, "parsed as claimed");
		CHECK(event_time_reason(ev, &ev->obs[0], RECEIVED, why, sizeof(why)) == 0, "nothing clamped yet");
		CHECK(event_bound_times(ev, RECEIVED) == 3, "eventTime, time and launchTime clamped");
		CHECK(ev->obs[0].observed_at_ms == RECEIVED && ev->time_ms == RECEIVED &&
			      ev->obs[0].launch_time_ms == RECEIVED, "all at the receipt time");
		CHECK(ev->obs[0].claimed_observed_ms == FUTURE_MS && ev->claimed_time_ms == FUTURE_MS &&
			      ev->obs[0].claimed_launch_ms == FUTURE_MS, "claims kept");
		CHECK(event_time_reason(ev, &ev->obs[0], RECEIVED, why, sizeof(why)) == 1, "a reason");
		CHECK_STR(why, "eventTime 9999-12-31T23:59:59Z is more than 5 minutes after Italic received the event "
			  "(2025-12-01T20:13:20Z): clamped to the receipt time (so was time and launchTime)", "reason");
		CHECK(event_bound_times(ev, RECEIVED) == 0 && ev->obs[0].claimed_observed_ms == FUTURE_MS,
		      "idempotent");
	}
	event_free(ev);

	/* State change: its observed_at is the envelope time, named once */
	ev = fixture_with("ec2-state-terminated.json", "2017-12-22T18:43:48Z", FUTURE, NULL);
	if (ev) {
		CHECK(event_bound_times(ev, RECEIVED) == 2 && ev->obs[0].observed_at_ms == RECEIVED, "time clamped");
		CHECK(event_time_reason(ev, &ev->obs[0], RECEIVED, why, sizeof(why)) == 1 &&
			      strncmp(why, "time 9999-12-31T23:59:59Z is more than 5 minutes", 48) == 0 &&
			      !strstr(why, "so was"), "reason: %s", why);
	}
	event_free(ev);

	/* Config item change: configurationItemCaptureTime; the past envelope time stays */
	ev = fixture_with("config-ci-change-ec2.json", "2018-05-02T16:20:55.108Z", FUTURE, NULL);
	if (ev) {
		int64_t envelope = ev->time_ms;
		CHECK(event_bound_times(ev, RECEIVED) == 1 && ev->obs[0].observed_at_ms == RECEIVED &&
			      ev->time_ms == envelope && ev->claimed_time_ms == 0, "capture time clamped only");
		CHECK(event_time_reason(ev, &ev->obs[0], RECEIVED, why, sizeof(why)) == 1 &&
			      strncmp(why, "configurationItemCaptureTime 9999-12-31T23:59:59Z", 49) == 0, "reason: %s",
		      why);
	}
	event_free(ev);

	/* Rule invocation: capture time, notificationCreationTime and the OrderingTimestamp */
	ev = fixture_with("config-rule-invocation-change.json", "2023-04-27T15:03:11.636Z", FUTURE,
			  "2023-04-27T15:03:13.332Z", FUTURE, NULL);
	if (ev) {
		CHECK(ev->rule && ev->rule->ordering_ms == FUTURE_MS, "ordering as claimed");
		CHECK(event_bound_times(ev, RECEIVED) == 2, "two clamped");
		CHECK(ev->rule && ev->rule->ordering_ms == RECEIVED && ev->obs[0].observed_at_ms == RECEIVED,
		      "PutEvaluations' OrderingTimestamp bounded too");
		CHECK(event_time_reason(ev, &ev->obs[0], RECEIVED, why, sizeof(why)) == 1 &&
			      strstr(why, "(so was notificationCreationTime)") != NULL, "reason: %s", why);
	}
	event_free(ev);

	/* Scheduled: the notification time is all there is */
	ev = fixture_with("config-rule-invocation-scheduled.json", "2023-04-27T13:26:17.741Z", FUTURE, NULL);
	if (ev) {
		CHECK(event_bound_times(ev, RECEIVED) == 1 && ev->rule->ordering_ms == RECEIVED, "scheduled clamped");
		CHECK(event_time_reason(ev, NULL, RECEIVED, why, sizeof(why)) == 1 &&
			      strncmp(why, "notificationCreationTime 9999", 29) == 0, "reason: %s", why);
	}
	event_free(ev);

	/* Within the skew: kept as the sender said (honest clock drift reorders nothing) */
	ev = fixture_with("ec2-state-terminated.json", "2017-12-22T18:43:48Z", "2025-12-01T20:18:20Z", NULL);
	if (ev) {
		CHECK(event_bound_times(ev, RECEIVED) == 0 && ev->obs[0].observed_at_ms == RECEIVED + 300000,
		      "exactly five minutes ahead is kept");
		CHECK(event_time_reason(ev, &ev->obs[0], RECEIVED, why, sizeof(why)) == 0, "no reason");
	}
	event_free(ev);
	ev = fixture_with("ec2-state-terminated.json", "2017-12-22T18:43:48Z", "2025-12-01T20:18:20.001Z", NULL);
	if (ev)
		CHECK(event_bound_times(ev, RECEIVED) == 2 && ev->obs[0].observed_at_ms == RECEIVED,
		      "one millisecond more is clamped");
	event_free(ev);
	CHECK(event_bound_times(NULL, RECEIVED) == 0, "NULL");
}

static void test_names(void)
{
	enum event_state st = EVENT_STATE_UNKNOWN;

	CHECK_STR(event_kind_str(EVENT_CLOUDTRAIL_RUN_INSTANCES), "cloudtrail_run_instances", "kind");
	CHECK_STR(event_kind_str(EVENT__MAX), "unknown", "kind out of range");
	CHECK(event_state_str(EVENT_STATE_UNKNOWN) == NULL, "unknown state has no name");
	CHECK_STR(event_state_str(EVENT_STATE_SHUTTING_DOWN), "shutting-down", "state name");
	CHECK(event_state_parse("Running", &st) == IT_EINVAL && st == EVENT_STATE_UNKNOWN,
	      "state names are case-sensitive");
	CHECK(event_state_parse("stopping", &st) == IT_OK && st == EVENT_STATE_STOPPING, "parse");
	CHECK_STR(event_scope_str(EVENT_SCOPE_SCHEDULED), "scheduled", "scope");
	CHECK_STR(event_trigger_str(EVENT_TRIGGER_SCHEDULED), "ScheduledNotification", "trigger");
	event_free(NULL);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--render") == 0) {
		size_t len;
		char *body = fixture_read(argv[2], &len);
		struct json_err err = {{0}, {0}};
		struct event *ev = NULL;
		int rc = body ? event_parse(body, len, &ev, &err) : IT_EIO;
		if (rc) {
			fprintf(stderr, "%s: %s %s: %s\n", argv[2], status_str(rc), err.field, err.message);
			return 1;
		}
		render(stdout, ev);
		event_free(ev);
		free(body);
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: %s <samples/aws dir> <fixtures/events dir>\n", argv[0]);
		return 2;
	}
	samples_dir = argv[1];
	fixtures_dir = argv[2];
	test_names();
	test_limits();
	test_bad_fixtures();
	test_state_change_samples();
	test_cloudtrail_samples();
	test_config_samples();
	test_invocation_samples();
	test_good_fixtures();
	test_time_bounds();
	return tap_done();
}
