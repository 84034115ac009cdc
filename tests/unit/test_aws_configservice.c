/*
 * test_aws_configservice: AWS Config PutEvaluations.
 *
 * The request: the body for the evaluation botocore sent (tests/data/aws, argv[1]) is
 * the same JSON document (Italic is compact and states TestMode; key order and spaces
 * do not matter to JSON 1.1), and the call carries botocore's target, content type and
 * signed-header list. The limits of docs/aws-facts.md §3, one row per rejection and the
 * boundary that is still accepted. The answer: FailedEvaluations returned, not turned
 * into an error; the shapes it may take; and errors.
 */
#include <jansson.h>
#include <string.h>

#include "aws_configservice.h"
#include "aws_double.h"
#include "aws_samples.h"
#include "status.h"
#include "tap.h"

static const struct aws_config_evaluation sample_eval = {
	"AWS::EC2::Instance", "i-1234567890abcdef0", AWS_NON_COMPLIANT,
	"ami-0123456789abcdef0 is not allowed by any rule", 1768478370123LL,
};

static void test_body_like_botocore(void)
{
	json_t *ref = botocore_request(4), *want, *got, *tm;
	json_error_t je;
	char *json = NULL;

	if (!ref)
		return;
	CHECK(aws_config_put_evaluations_body("myResultToken", &sample_eval, 1, 0, &json) == IT_OK, "body");
	want = json_loads(botocore_str(ref, "body"), 0, &je);
	got = json ? json_loads(json, JSON_REJECT_DUPLICATES, &je) : NULL;
	tm = json_object_get(got, "TestMode");
	CHECK(json_is_false(tm), "TestMode stated, false");
	json_object_del(got, "TestMode");
	CHECK(want && got && json_equal(want, got), "the same document as botocore's: %s", json ? json : "(null)");
	CHECK(strstr(json ? json : "", "\"OrderingTimestamp\":1768478370,") != NULL, "epoch seconds, the ms cut off");
	json_decref(want);
	json_decref(got);
	json_decref(ref);
	free(json);
}

static void test_call_like_botocore(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx;
	struct aws_config_result res;
	struct aws_error err;
	json_t *ref = botocore_request(4);
	const char *want_auth = ref ? botocore_header(ref, "Authorization") : NULL;
	char hdr[1024];

	ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	if (!ctx || !want_auth) {
		aws_ctx_free(ctx);
		json_decref(ref);
		return;
	}
	double_push(&d, 200, "{\"FailedEvaluations\":[]}", NULL);
	CHECK(aws_config_put_evaluations(ctx, NULL, "us-east-1", "myResultToken", &sample_eval, 1, 0, &res, &err) == IT_OK,
	      "PutEvaluations");
	CHECK(res.n_failed == 0 && res.failed == NULL, "all accepted");
	CHECK_STR(d.reqs[0].url, botocore_str(ref, "url"), "url");
	CHECK_STR(req_header(&d.reqs[0], "X-Amz-Target", hdr, sizeof(hdr)), botocore_header(ref, "X-Amz-Target"), "target");
	CHECK_STR(req_header(&d.reqs[0], "Content-Type", hdr, sizeof(hdr)), botocore_header(ref, "Content-Type"), "type");
	req_header(&d.reqs[0], "Authorization", hdr, sizeof(hdr));
	/* the same scope and signed headers; the signature differs with the body bytes */
	CHECK(!strncmp(hdr, want_auth, (size_t)(strstr(want_auth, "Signature=") - want_auth)),
	      "scope and signed headers as botocore's: %s", hdr);
	aws_config_result_free(&res);
	json_decref(ref);
	aws_ctx_free(ctx);
}

static void test_limits(void)
{
	struct aws_config_evaluation ev[IT_AWS_BATCH + 1];
	char ann[2 * (IT_ANNOTATION_MAX + 1) + 1], big[800];
	char *json = NULL;

	for (size_t i = 0; i < ARRAY_LEN(ev); i++)
		ev[i] = sample_eval;
	/* counts */
	CHECK(aws_config_put_evaluations_body("t", ev, IT_AWS_BATCH, 0, &json) == IT_OK, "100 evaluations");
	free(json);
	json = NULL;
	CHECK(aws_config_put_evaluations_body("t", ev, IT_AWS_BATCH + 1, 0, &json) == IT_EINVAL && !json, "101");
	CHECK(aws_config_put_evaluations_body("t", ev, 0, 0, &json) == IT_EINVAL && !json, "none");
	CHECK(aws_config_put_evaluations_body(NULL, ev, 1, 0, &json) == IT_EINVAL && !json, "no token");
	/* annotation: 256 characters (not bytes) is the limit */
	for (int i = 0; i < IT_ANNOTATION_MAX; i++)
		memcpy(ann + 2 * i, "\xc3\xa9", 2);
	ann[2 * IT_ANNOTATION_MAX] = '\0';
	ev[0].annotation = ann;
	CHECK(aws_config_put_evaluations_body("t", ev, 1, 0, &json) == IT_OK, "256 two-byte characters");
	free(json);
	json = NULL;
	memcpy(ann + 2 * IT_ANNOTATION_MAX, "\xc3\xa9", 3);
	CHECK(aws_config_put_evaluations_body("t", ev, 1, 0, &json) == IT_EINVAL && !json, "257 characters");
	ev[0].annotation = "bad \xff utf-8";
	CHECK(aws_config_put_evaluations_body("t", ev, 1, 0, &json) == IT_EINVAL && !json, "invalid UTF-8");
	ev[0].annotation = "";
	CHECK(aws_config_put_evaluations_body("t", ev, 1, 0, &json) == IT_OK && !strstr(json, "Annotation"),
	      "empty annotation: omitted");
	free(json);
	json = NULL;
	/* resource fields and the rest */
	ev[0] = sample_eval;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[257] = '\0';
	ev[0].resource_type = big;
	CHECK(aws_config_put_evaluations_body("t", ev, 1, 0, &json) == IT_EINVAL && !json, "resource type of 257");
	big[257] = 'x';
	ev[0] = sample_eval;
	ev[0].resource_id = big;
	CHECK(aws_config_put_evaluations_body("t", ev, 1, 0, &json) == IT_EINVAL && !json, "resource id of 799");
	ev[0] = sample_eval;
	ev[0].resource_id = "";
	CHECK(aws_config_put_evaluations_body("t", ev, 1, 0, &json) == IT_EINVAL && !json, "empty resource id");
	ev[0] = sample_eval;
	ev[0].ordering_ms = -1;
	CHECK(aws_config_put_evaluations_body("t", ev, 1, 0, &json) == IT_EINVAL && !json, "negative time");
	ev[0] = sample_eval;
	ev[0].compliance = AWS_COMPLIANCE__MAX;
	CHECK(aws_config_put_evaluations_body("t", ev, 1, 0, &json) == IT_EINVAL && !json,
	      "INSUFFICIENT_DATA is not representable");
	ev[0] = sample_eval;
	CHECK(aws_config_put_evaluations_body("t", ev, 1, 1, &json) == IT_OK && strstr(json, "\"TestMode\":true"), "test mode");
	free(json);
}

static void test_parse(void)
{
	static const char two[] =
		"{\"FailedEvaluations\":[{\"ComplianceResourceType\":\"AWS::EC2::Instance\",\"ComplianceResourceId\":\"i-1\","
		"\"ComplianceType\":\"NON_COMPLIANT\",\"Annotation\":\"x\",\"OrderingTimestamp\":1768478370},"
		"{\"ComplianceResourceId\":\"i-2\",\"ComplianceType\":7}],\"Extra\":{\"ignored\":true}}";
	static const struct {
		const char *name, *json;
		int rc;
		size_t n;
	} cases[] = {
		{"empty object", "{}", IT_OK, 0},
		{"empty list", "{\"FailedEvaluations\":[]}", IT_OK, 0},
		{"null list", "{\"FailedEvaluations\":null}", IT_OK, 0},
		{"two failed, unknown fields ignored", two, IT_OK, 2},
		{"not an object", "[]", IT_EINVAL, 0},
		{"list not an array", "{\"FailedEvaluations\":{}}", IT_EINVAL, 0},
		{"item not an object", "{\"FailedEvaluations\":[\"i-1\"]}", IT_EINVAL, 0},
		{"duplicate key", "{\"FailedEvaluations\":[],\"FailedEvaluations\":[]}", IT_EINVAL, 0},
		{"not JSON", "<html>", IT_EINVAL, 0},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct aws_config_result r = {.n_failed = 99};
		int rc = aws_config_parse_put_evaluations(cases[i].json, strlen(cases[i].json), &r);
		CHECK(rc == cases[i].rc, "%s: %s", cases[i].name, status_str(rc));
		if (cases[i].rc == IT_OK)
			CHECK(r.n_failed == cases[i].n, "%s: %zu failed", cases[i].name, r.n_failed);
		else
			CHECK(r.n_failed == 99, "%s: untouched", cases[i].name);
		if (rc == IT_OK && r.n_failed == 2) {
			CHECK_STR(r.failed[0].resource_type, "AWS::EC2::Instance", "type");
			CHECK_STR(r.failed[0].resource_id, "i-1", "id");
			CHECK_STR(r.failed[0].compliance, "NON_COMPLIANT", "compliance");
			CHECK(r.failed[1].resource_type == NULL && r.failed[1].compliance == NULL,
			      "absent or non-string members: NULL");
		}
		if (rc == IT_OK)
			aws_config_result_free(&r);
	}
	{
		/* more failed items than a batch can hold: refused, not cut */
		struct buf b;
		struct aws_config_result r = {.n_failed = 99};
		int rc;
		buf_init(&b, 1 << 20);
		rc = buf_puts(&b, "{\"FailedEvaluations\":[");
		for (int i = 0; i <= IT_AWS_MAX_FAILED && rc == 0; i++)
			rc = buf_printf(&b, "%s{\"ComplianceResourceId\":\"i-%d\"}", i ? "," : "", i);
		if (rc == 0)
			rc = buf_puts(&b, "]}");
		CHECK(rc == IT_OK && aws_config_parse_put_evaluations(b.data, b.len, &r) == IT_ETOOBIG && r.n_failed == 99,
		      "IT_AWS_MAX_FAILED + 1 failed items");
		buf_finish(&b);
	}
}

static void test_errors(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx;
	struct aws_config_result res = {.n_failed = 99};
	struct aws_error err;

	ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	if (!ctx)
		return;
	double_push(&d, 400, "{\"__type\":\"AccessDeniedException\",\"message\":\"not allowed\"}", NULL);
	CHECK(aws_config_put_evaluations(ctx, NULL, "us-east-1", "t", &sample_eval, 1, 0, &res, &err) == IT_EDENIED,
	      "AccessDeniedException: denied");
	CHECK(res.n_failed == 99 && !strcmp(err.code, "AccessDeniedException"), "untouched, code kept");
	double_push(&d, 200, "{\"FailedEvaluations\":", NULL);
	CHECK(aws_config_put_evaluations(ctx, NULL, "us-east-1", "t", &sample_eval, 1, 0, &res, &err) == IT_EINVAL,
	      "truncated 200");
	CHECK_STR(err.message, "unparsable PutEvaluations response", "message");
	d.n_reqs = 0;
	CHECK(aws_config_put_evaluations(ctx, NULL, "us-east-1", "", &sample_eval, 1, 0, &res, &err) == IT_EINVAL &&
	      d.n_reqs == 0, "limits checked before sending");
	aws_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	sample_init(argc, argv);
	test_body_like_botocore();
	test_call_like_botocore();
	test_limits();
	test_parse();
	test_errors();
	return tap_done();
}
