/*
 * test_aws_events: EventBridge PutEvents.
 *
 * The request: botocore's PutEvents for the same entry (tests/data/aws, generated, see
 * SOURCE.md) has the same URL, target, content type, scope and signed headers, and the
 * same body document; AWS_ENDPOINT_URL_EVENTBRIDGE is honoured. The limits: 1..10
 * entries, the entry sizes by AWS's formula under 256 KiB, the fields of an entry, bus
 * names and ARNs. The answer: mixed results in request order, the retryable codes, and
 * answers refused.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "aws_double.h"
#include "aws_events.h"
#include "aws_samples.h"
#include "status.h"
#include "tap.h"

static const char DETAIL[] =
	"{\"kind\":\"change\",\"account\":\"123456789012\",\"region\":\"us-east-1\",\"instance_id\":"
	"\"i-0123456789abcdef0\",\"image_id\":\"ami-0123456789abcdef0\",\"from\":null,\"to\":\"NON_COMPLIANT\","
	"\"reasons\":[\"rule golden: owner 111111111111 not in owners\"],\"matched_rule\":null,\"exemption\":null,"
	"\"observed_at\":\"2026-01-15T11:59:30.000Z\",\"evaluated_at\":\"2026-01-15T11:59:31.000Z\",\"url\":"
	"\"/v1/instances/123456789012/us-east-1/i-0123456789abcdef0\"}";
static const char *const ARN[] = {"arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0"};

static struct aws_events_entry entry(void)
{
	struct aws_events_entry e = {"italic", "Italic Compliance Change", DETAIL, "italic-alerts", ARN, 1,
				     1768478371000LL};
	return e;
}

static const char OK_ANSWER[] = "{\"FailedEntryCount\":0,\"Entries\":[{\"EventId\":\"11710aed-b79e-4468-a20b-bb3c0c3b4860\"}]}";

static void test_request_like_botocore(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct aws_events_entry e = entry();
	struct aws_events_result res;
	struct aws_error err;
	json_error_t je;
	char hdr[1024];
	char *file = sample_read("botocore-1.29.27-generated-putevents.json", NULL);
	json_t *doc = file ? json_loads(file, 0, &je) : NULL;
	json_t *ref = json_array_get(json_object_get(doc, "requests"), 0), *got = NULL, *want = NULL;
	const char *want_auth = ref ? botocore_header(ref, "Authorization") : NULL;

	CHECK(ref && want_auth, "botocore's PutEvents request");
	if (!ctx || !ref || !want_auth)
		goto out;
	double_push(&d, 200, OK_ANSWER, NULL);
	memset(&res, 0, sizeof(res));
	CHECK(aws_events_put(ctx, "us-east-1", &e, 1, &res, &err) == IT_OK, "PutEvents");
	CHECK(res.n_entries == 1 && res.failed_count == 0, "one result");
	if (res.n_entries == 1)
		CHECK_STR(res.entries[0].event_id, "11710aed-b79e-4468-a20b-bb3c0c3b4860", "EventId");
	aws_events_result_free(&res);
	CHECK_STR(d.reqs[0].method, "POST", "POST");
	CHECK_STR(d.reqs[0].url, botocore_str(ref, "url"), "url as botocore's");
	CHECK_STR(req_header(&d.reqs[0], "X-Amz-Target", hdr, sizeof(hdr)), "AWSEvents.PutEvents", "target");
	CHECK_STR(req_header(&d.reqs[0], "Content-Type", hdr, sizeof(hdr)), botocore_header(ref, "Content-Type"),
		  "content type as botocore's");
	req_header(&d.reqs[0], "Authorization", hdr, sizeof(hdr));
	CHECK(!strncmp(hdr, want_auth, (size_t)(strstr(want_auth, "Signature=") - want_auth)),
	      "scope (events) and signed headers as botocore's: %s", hdr);
	got = json_loads(d.reqs[0].body, JSON_REJECT_DUPLICATES, &je);
	want = json_loads(botocore_str(ref, "body"), 0, &je);
	CHECK(got && want && json_equal(got, want), "the body is botocore's document: %s", d.reqs[0].body);
out:
	json_decref(got);
	json_decref(want);
	json_decref(doc);
	free(file);
	aws_ctx_free(ctx);
}

static void test_endpoint_override(void)
{
	static const char *const env[] = {
		"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		"AWS_REGION=eu-west-1", "AWS_ENDPOINT_URL=http://127.0.0.1:1/all",
		"AWS_ENDPOINT_URL_EVENTBRIDGE=http://127.0.0.1:9/events", NULL,
	};
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, env);
	struct aws_events_entry e = entry();
	struct aws_events_result res;
	struct aws_error err;
	char hdr[1024];

	if (!ctx)
		return;
	double_push(&d, 200, OK_ANSWER, NULL);
	memset(&res, 0, sizeof(res));
	CHECK(aws_events_put(ctx, "eu-west-1", &e, 1, &res, &err) == IT_OK, "PutEvents via the override");
	aws_events_result_free(&res);
	CHECK_STR(d.reqs[0].url, "http://127.0.0.1:9/events/", "AWS_ENDPOINT_URL_EVENTBRIDGE wins over AWS_ENDPOINT_URL");
	req_header(&d.reqs[0], "Authorization", hdr, sizeof(hdr));
	CHECK(strstr(hdr, "/eu-west-1/events/aws4_request") != NULL, "signed for events in the region: %s", hdr);
	aws_ctx_free(ctx);
}

static void test_limits(void)
{
	struct aws_events_entry e = entry(), many[IT_EVENTS_BATCH + 1];
	size_t big = 200 * 1024;
	char *body = NULL, *huge = malloc(big + 32);
	const char *no_res[1] = {""};
	static const struct {
		const char *name, *source, *type, *detail, *bus;
	} bad[] = {
		{"no source", "", "T", "{}", "b"},
		{"no detail type", "italic", "", "{}", "b"},
		{"detail an array", "italic", "T", "[]", "b"},
		{"detail not JSON", "italic", "T", "{", "b"},
		{"detail with a duplicate key", "italic", "T", "{\"a\":1,\"a\":2}", "b"},
		{"bus with a space", "italic", "T", "{}", "a bus"},
		{"source invalid UTF-8", "ital\xffic", "T", "{}", "b"},
	};

	/* AWS's formula: Time 14, then UTF-8 bytes of Source, DetailType, Detail, Resources */
	CHECK(aws_events_entry_size(&e) == 14 + 6 + 24 + strlen(DETAIL) + strlen(ARN[0]), "entry size %zu",
	      aws_events_entry_size(&e));
	e.time_ms = 0;
	e.n_resources = 0;
	CHECK(aws_events_entry_size(&e) == 6 + 24 + strlen(DETAIL), "without Time and Resources");
	e = entry();
	CHECK(aws_events_put_body(&e, 0, &body) == IT_EINVAL, "no entries");
	for (size_t i = 0; i < ARRAY_LEN(many); i++)
		many[i] = entry();
	CHECK(aws_events_put_body(many, IT_EVENTS_BATCH + 1, &body) == IT_EINVAL, "11 entries");
	CHECK(aws_events_put_body(many, IT_EVENTS_BATCH, &body) == IT_OK, "10 entries");
	free(body);
	body = NULL;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct aws_events_entry b = {bad[i].source, bad[i].type, bad[i].detail, bad[i].bus, NULL, 0, 0};
		CHECK(aws_events_put_body(&b, 1, &body) == IT_EINVAL && body == NULL, "%s", bad[i].name);
	}
	e.resources = no_res;
	CHECK(aws_events_put_body(&e, 1, &body) == IT_EINVAL, "an empty resource");
	e = entry();
	/* the sum, not each entry, is bounded: two 200 KiB details in one call are refused */
	if (huge) {
		memset(huge, ' ', big);
		memcpy(huge, "{\"x\":1", 6);
		huge[big] = '}';
		huge[big + 1] = '\0';
		many[0].detail = huge;
		many[1].detail = huge;
		CHECK(aws_events_put_body(many, 1, &body) == IT_OK, "one 200 KiB entry");
		free(body);
		body = NULL;
		CHECK(aws_events_put_body(many, 2, &body) == IT_EINVAL, "two: over 256 KiB together");
	}
	free(huge);
}

static void test_bus_names(void)
{
	static const struct {
		const char *bus;
		int ok;
		const char *region;
	} cases[] = {
		{"default", 1, ""},
		{"italic-alerts", 1, ""},
		{"aws.partner/acme.com/123/x", 1, ""},
		{"arn:aws:events:us-east-1:123456789012:event-bus/italic-alerts", 1, "us-east-1"},
		{"arn:aws-cn:events:cn-north-1:123456789012:event-bus/a", 1, "cn-north-1"},
		{"arn:aws-us-gov:events:us-gov-west-1:123456789012:event-bus/a", 1, "us-gov-west-1"},
		{"", 0, NULL},
		{"with space", 0, NULL},
		{"semi;colon", 0, NULL},
		{"arn:aws:events:us-east-1:12345:event-bus/a", 0, NULL},
		{"arn:aws:events:cn-north-1:123456789012:event-bus/a", 0, NULL},   /* wrong partition */
		{"arn:aws:sns:us-east-1:123456789012:event-bus/a", 0, NULL},
		{"arn:aws:events:us-east-1:123456789012:rule/a", 0, NULL},
		{"arn:aws:events:us-east-1:123456789012:event-bus/", 0, NULL},
		{"arn:aws:events:nowhere:123456789012:event-bus/a", 0, NULL},
	};
	char region[32], long_name[300];

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		snprintf(region, sizeof(region), "untouched");
		CHECK(aws_events_bus_valid(cases[i].bus, region, sizeof(region)) == cases[i].ok, "bus \"%s\"", cases[i].bus);
		if (cases[i].ok)
			CHECK_STR(region, cases[i].region, cases[i].bus);
	}
	memset(long_name, 'a', 257);
	long_name[257] = '\0';
	CHECK(!aws_events_bus_valid(long_name, NULL, 0), "a 257-character name");
	long_name[256] = '\0';
	CHECK(aws_events_bus_valid(long_name, NULL, 0), "a 256-character name");
	CHECK(!aws_events_bus_valid(NULL, NULL, 0), "NULL");
}

static void test_parse(void)
{
	static const char mixed[] =
		"{\"FailedEntryCount\":2,\"Entries\":[{\"EventId\":\"e1\"},"
		"{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":\"Internal error\"},"
		"{\"ErrorCode\":\"MalformedDetail\",\"ErrorMessage\":\"Detail is malformed.\"}]}";
	static const struct {
		const char *name, *json;
	} rejected[] = {
		{"not an object", "[]"},
		{"Entries an object", "{\"Entries\":{}}"},
		{"an entry not an object", "{\"Entries\":[1]}"},
		{"FailedEntryCount a string", "{\"FailedEntryCount\":\"1\"}"},
		{"FailedEntryCount negative", "{\"FailedEntryCount\":-1}"},
		{"eleven results", "{\"Entries\":[{},{},{},{},{},{},{},{},{},{},{}]}"},
		{"truncated", "{\"Entries\":["},
	};
	struct aws_events_result r;

	memset(&r, 0, sizeof(r));
	CHECK(aws_events_parse_put(mixed, strlen(mixed), &r) == IT_OK, "mixed answer parses");
	CHECK(r.failed_count == 2 && r.n_entries == 3, "counts");
	if (r.n_entries == 3) {
		CHECK_STR(r.entries[0].event_id, "e1", "first: an EventId");
		CHECK(r.entries[0].error_code == NULL, "first: no error");
		CHECK_STR(r.entries[1].error_code, "InternalFailure", "second: code");
		CHECK_STR(r.entries[2].error_message, "Detail is malformed.", "third: message");
		CHECK(r.entries[1].event_id == NULL, "a failed entry has no EventId");
	}
	aws_events_result_free(&r);
	CHECK(r.entries == NULL && r.n_entries == 0, "free zeroes");
	CHECK(aws_events_parse_put("{}", 2, &r) == IT_OK && r.n_entries == 0, "empty answer: no results");
	for (size_t i = 0; i < ARRAY_LEN(rejected); i++) {
		struct aws_events_result u = {.failed_count = 77};
		CHECK(aws_events_parse_put(rejected[i].json, strlen(rejected[i].json), &u) != IT_OK && u.failed_count == 77,
		      "%s refused, result untouched", rejected[i].name);
	}
	/* EventBridge's API reference: retryable and non-retryable codes */
	CHECK(aws_events_code_retryable("InternalFailure") && aws_events_code_retryable("ThrottlingException"),
	      "retryable codes");
	CHECK(aws_events_code_retryable("SomethingNew"), "an undocumented code is tried again");
	CHECK(!aws_events_code_retryable("MalformedDetail") && !aws_events_code_retryable("AccessDeniedException") &&
	      !aws_events_code_retryable("NotAuthorizedForDetailTypeException") &&
	      !aws_events_code_retryable("InvalidArgument"), "codes that never succeed");
}

static void test_pack_and_outcomes(void)
{
	struct aws_events_entry es[12];
	size_t big = 100 * 1024;
	char *huge = malloc(big + 1);
	char e1[] = "e1", c1[] = "InternalFailure", c2[] = "MalformedDetail", m[] = "m";
	struct aws_events_result_entry r[4] = {{e1, NULL, NULL}, {NULL, c1, m}, {NULL, c2, m}, {NULL, NULL, NULL}};
	struct aws_events_result res = {3, r, 4};
	struct aws_events_entry e = entry();

	for (size_t i = 0; i < ARRAY_LEN(es); i++)
		es[i] = entry();
	CHECK(aws_events_pack(es, 12) == IT_EVENTS_BATCH, "12 small entries: 10 in the first call");
	CHECK(aws_events_pack(es + 10, 2) == 2, "then the other 2");
	CHECK(aws_events_pack(es, 0) == 0, "none");
	if (huge) {
		memset(huge, 'x', big);
		huge[big] = '\0';
		es[0].detail = es[1].detail = es[2].detail = huge;
		CHECK(aws_events_pack(es, 12) == 2, "two 100 KiB entries fit under 256 KiB, not three");
		es[1].detail = DETAIL;
		CHECK(aws_events_pack(es, 3) == 3, "100 + small + 100 KiB fit");
	}
	free(huge);
	/* the room a Detail has once the rest of the entry is counted */
	CHECK(aws_events_detail_budget(&e) == IT_EVENTS_MAX_BYTES - 1 - (14 + 6 + 24 + strlen(ARN[0])),
	      "detail budget %zu", aws_events_detail_budget(&e));

	CHECK(aws_events_entry_outcome(&res, 0) == AWS_EVENTS_SENT, "an EventId: sent");
	CHECK(aws_events_entry_outcome(&res, 1) == AWS_EVENTS_RETRY, "InternalFailure: again");
	CHECK(aws_events_entry_outcome(&res, 2) == AWS_EVENTS_FAILED, "MalformedDetail: never");
	CHECK(aws_events_entry_outcome(&res, 3) == AWS_EVENTS_RETRY, "an empty result: again");
	CHECK(aws_events_entry_outcome(&res, 4) == AWS_EVENTS_RETRY, "no result at all: again");
	CHECK(aws_events_entry_outcome(NULL, 0) == AWS_EVENTS_RETRY, "no answer: again");
}

static void test_errors(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct aws_events_entry e = entry();
	struct aws_events_result res;
	struct aws_error err;

	if (!ctx)
		return;
	memset(&res, 0, sizeof(res));
	double_push(&d, 400, "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}", "ThrottlingException");
	double_push(&d, 200, OK_ANSWER, NULL);
	CHECK(aws_events_put(ctx, "us-east-1", &e, 1, &res, &err) == IT_OK && d.n_reqs == 2, "throttling retried");
	aws_events_result_free(&res);
	double_push(&d, 400, "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Event bus x does not exist.\"}",
		    "ResourceNotFoundException");
	CHECK(aws_events_put(ctx, "us-east-1", &e, 1, &res, &err) != IT_OK, "no such bus: an error");
	CHECK_STR(err.code, "ResourceNotFoundException", "code kept");
	d.n_reqs = 0;
	e.detail = "[]";
	CHECK(aws_events_put(ctx, "us-east-1", &e, 1, &res, &err) == IT_EINVAL && d.n_reqs == 0,
	      "an entry outside the limits is never sent");
	aws_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	sample_init(argc, argv);
	test_request_like_botocore();
	test_endpoint_override();
	test_limits();
	test_bus_names();
	test_parse();
	test_pack_and_outcomes();
	test_errors();
	return tap_done();
}
