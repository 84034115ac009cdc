/*
 * test_aws_securityhub: Security Hub BatchImportFindings.
 *
 * The request: the AWS CLI example's findings and the finding botocore sent
 * (tests/data/aws, argv[1]) go out as {"Findings":[...]} unchanged, to
 * POST /findings/import with botocore's content type, no target, and botocore's
 * scope and signed headers. Batch bounds are checked before sending. The answer: the
 * CLI example's output, partial failures returned (not turned into errors), count
 * rejections, and rest-json errors.
 */
#include <jansson.h>
#include <string.h>

#include "aws_double.h"
#include "aws_samples.h"
#include "aws_securityhub.h"
#include "status.h"
#include "tap.h"

/* The sent body is {"Findings": findings}, as a document. */
static void check_body(const struct double_req *q, const json_t *findings, const char *what)
{
	json_error_t je;
	json_t *got = json_loads(q->body, JSON_REJECT_DUPLICATES, &je);
	json_t *want = json_pack("{s:O}", "Findings", (json_t *)findings);
	CHECK(got && want && json_equal(got, want), "%s: body is {\"Findings\": the findings}", what);
	CHECK(json_object_size(got) == 1, "%s: nothing else in the body", what);
	json_decref(got);
	json_decref(want);
}

static void test_requests(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct aws_securityhub_result res;
	struct aws_error err;
	json_error_t je;
	char hdr[1024];
	char *cli = sample_read("securityhub-batchimportfindings-request-findings-awscli-example.json", NULL);
	char *out = sample_read("securityhub-batchimportfindings-response-awscli-example.json", NULL);
	json_t *findings = cli ? json_loads(cli, 0, &je) : NULL;
	json_t *ref = botocore_request(5), *ref_body = NULL;
	const char *want_auth = ref ? botocore_header(ref, "Authorization") : NULL;

	if (!ctx || !findings || !out || !want_auth)
		goto out;
	CHECK(json_is_array(findings) && json_array_size(findings) == 1, "CLI example: one finding");
	double_push(&d, 200, out, NULL);
	CHECK(aws_securityhub_import(ctx, "123456789012", "us-west-1", findings, &res, &err) == IT_OK, "CLI example import");
	CHECK(res.success_count == 1 && res.failed_count == 0 && res.n_failed == 0, "CLI example output read");
	aws_securityhub_result_free(&res);
	check_body(&d.reqs[0], findings, "CLI example");
	CHECK_STR(d.reqs[0].method, "POST", "POST");
	CHECK_STR(d.reqs[0].url, "https://securityhub.us-west-1.amazonaws.com/findings/import", "rest-json path");

	/* botocore's finding: same body document, same content type, scope and signed headers */
	ref_body = json_loads(botocore_str(ref, "body"), 0, &je);
	d.n_reqs = 0;
	double_push(&d, 200, out, NULL);
	CHECK(aws_securityhub_import(ctx, NULL, "us-east-1", json_object_get(ref_body, "Findings"), &res, &err) == IT_OK,
	      "botocore's finding");
	aws_securityhub_result_free(&res);
	check_body(&d.reqs[0], json_object_get(ref_body, "Findings"), "botocore's finding");
	CHECK_STR(d.reqs[0].url, botocore_str(ref, "url"), "url as botocore's");
	CHECK_STR(req_header(&d.reqs[0], "Content-Type", hdr, sizeof(hdr)), botocore_header(ref, "Content-Type"), "type");
	CHECK(!req_header(&d.reqs[0], "X-Amz-Target", hdr, sizeof(hdr))[0], "no target (rest-json)");
	req_header(&d.reqs[0], "Authorization", hdr, sizeof(hdr));
	CHECK(!strncmp(hdr, want_auth, (size_t)(strstr(want_auth, "Signature=") - want_auth)),
	      "scope and signed headers as botocore's: %s", hdr);
out:
	json_decref(ref_body);
	json_decref(ref);
	json_decref(findings);
	free(cli);
	free(out);
	aws_ctx_free(ctx);
}

static void test_batch_bounds(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct aws_securityhub_result res = {.n_failed = 99};
	struct aws_error err;
	json_t *a = json_array(), *obj = json_object();

	if (!ctx)
		goto out;
	CHECK(aws_securityhub_import(ctx, NULL, "us-east-1", a, &res, &err) == IT_EINVAL, "no findings");
	CHECK(aws_securityhub_import(ctx, NULL, "us-east-1", obj, &res, &err) == IT_EINVAL, "not an array");
	CHECK(aws_securityhub_import(ctx, NULL, "us-east-1", NULL, &res, &err) == IT_EINVAL, "NULL");
	for (int i = 0; i < IT_AWS_BATCH; i++)
		json_array_append_new(a, json_pack("{s:i}", "Id", i));
	json_array_append_new(a, json_pack("{s:i}", "Id", IT_AWS_BATCH));
	CHECK(aws_securityhub_import(ctx, NULL, "us-east-1", a, &res, &err) == IT_EINVAL, "101 findings");
	CHECK(d.n_reqs == 0 && res.n_failed == 99, "nothing sent, result untouched");
	CHECK(strstr(err.message, "1..100") != NULL, "err says the bound: %s", err.message);
	json_array_remove(a, IT_AWS_BATCH);
	double_push(&d, 200, "{\"FailedCount\":0,\"SuccessCount\":100}", NULL);
	CHECK(aws_securityhub_import(ctx, NULL, "us-east-1", a, &res, &err) == IT_OK && res.success_count == 100,
	      "100 findings");
	aws_securityhub_result_free(&res);
out:
	json_decref(a);
	json_decref(obj);
	aws_ctx_free(ctx);
}

static void test_parse(void)
{
	static const char partial[] =
		"{\"FailedCount\":2,\"SuccessCount\":1,\"FailedFindings\":["
		"{\"Id\":\"italic/1\",\"ErrorCode\":\"InvalidInput\",\"ErrorMessage\":\"Finding does not adhere to ASFF\"},"
		"{\"Id\":\"italic/2\",\"ErrorCode\":\"FindingSizeExceeded\"}],\"UnprocessedFindings\":[]}";
	static const struct {
		const char *name, *json;
		int rc;
	} rejected[] = {
		{"negative count", "{\"FailedCount\":-1}", IT_EINVAL},
		{"count as a string", "{\"SuccessCount\":\"1\"}", IT_EINVAL},
		{"absurd count", "{\"SuccessCount\":1000001}", IT_EINVAL},
		{"FailedFindings an object", "{\"FailedFindings\":{}}", IT_EINVAL},
		{"not an object", "\"ok\"", IT_EINVAL},
		{"truncated", "{\"FailedCount\":", IT_EINVAL},
	};
	struct aws_securityhub_result r;

	memset(&r, 0, sizeof(r));
	CHECK(aws_securityhub_parse_import(partial, strlen(partial), &r) == IT_OK, "partial success parses");
	CHECK(r.failed_count == 2 && r.success_count == 1 && r.n_failed == 2, "counts and failures");
	if (r.n_failed == 2) {
		CHECK_STR(r.failed[0].id, "italic/1", "id");
		CHECK_STR(r.failed[0].error_code, "InvalidInput", "code");
		CHECK_STR(r.failed[0].error_message, "Finding does not adhere to ASFF", "message");
		CHECK(r.failed[1].error_message == NULL, "absent message: NULL");
	}
	aws_securityhub_result_free(&r);
	CHECK(r.failed == NULL && r.n_failed == 0, "free zeroes");
	CHECK(aws_securityhub_parse_import("{\"FailedFindings\":null}", 23, &r) == IT_OK && r.n_failed == 0, "null list");
	for (size_t i = 0; i < ARRAY_LEN(rejected); i++) {
		struct aws_securityhub_result u = {.success_count = 77};
		CHECK(aws_securityhub_parse_import(rejected[i].json, strlen(rejected[i].json), &u) == rejected[i].rc &&
		      u.success_count == 77, "%s", rejected[i].name);
	}
}

static void test_errors(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct aws_securityhub_result res;
	struct aws_error err;
	json_t *one = json_pack("[{s:s}]", "Id", "italic/1");

	if (!ctx)
		goto out;
	/* rest-json errors: Code/Message members, x-amzn-ErrorType */
	double_push(&d, 401, "{\"Code\":\"InvalidAccessException\",\"Message\":\"Account is not subscribed\"}",
		    "InvalidAccessException");
	CHECK(aws_securityhub_import(ctx, NULL, "us-east-1", one, &res, &err) == IT_EDENIED, "not subscribed: denied");
	CHECK_STR(err.code, "InvalidAccessException", "code");
	CHECK_STR(err.message, "Account is not subscribed", "message");
	d.n_reqs = d.n_slept = 0;
	double_push(&d, 429, "{\"Code\":\"LimitExceededException\",\"Message\":\"Rate\"}", "LimitExceededException");
	double_push(&d, 500, "{\"Code\":\"InternalException\"}", "InternalException");
	double_push(&d, 200, "{\"FailedCount\":0,\"SuccessCount\":1}", NULL);
	CHECK(aws_securityhub_import(ctx, NULL, "us-east-1", one, &res, &err) == IT_OK && d.n_reqs == 3 && d.n_slept == 2,
	      "429 and 500 retried");
	aws_securityhub_result_free(&res);
	double_push(&d, 400, "{\"Code\":\"InvalidInputException\",\"Message\":\"bad\"}", "InvalidInputException");
	CHECK(aws_securityhub_import(ctx, NULL, "us-east-1", one, &res, &err) == IT_EREMOTE, "invalid input: final");
out:
	json_decref(one);
	aws_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	sample_init(argc, argv);
	test_requests();
	test_batch_bounds();
	test_parse();
	test_errors();
	return tap_done();
}
