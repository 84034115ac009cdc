/*
 * test_aws_json: the JSON-protocol skeleton (JSON 1.1 with X-Amz-Target, rest-json).
 *
 * The exact bodies botocore sent for Config PutEvaluations and Security Hub
 * BatchImportFindings (tests/data/aws, argv[1]) go through aws_json_call() with the
 * same credentials and clock: every signed header and the signature must be
 * botocore's. Then the defaults (path, content type per protocol, an override), an
 * empty 200 read as "{}", the parser's refusal, and error answers (JSON __type,
 * x-amzn-ErrorType, throttling retried).
 */
#include <string.h>

#include "aws_double.h"
#include "aws_json.h"
#include "aws_samples.h"
#include "status.h"
#include "tap.h"

struct rec {
	int calls;
	size_t len;
	char body[64];
};

static int parse_rec(const char *json, size_t len, void *ret)
{
	struct rec *r = ret;
	if (!json || !len || strstr(json, "\"bad\""))
		return IT_EINVAL;
	r->calls++;
	r->len = len;
	snprintf(r->body, sizeof(r->body), "%.*s", (int)(len < 63 ? len : 63), json);
	return IT_OK;
}

static const struct aws_json_op put_evaluations = {
	AWS_SVC_CONFIG, "PutEvaluations", "StarlingDoveService.PutEvaluations", NULL, NULL, parse_rec,
};

static const struct aws_json_op batch_import = {
	AWS_SVC_SECURITYHUB, "BatchImportFindings", NULL, "/findings/import", NULL, parse_rec,
};

static void like_botocore(const struct aws_json_op *op, size_t i, const char *answer)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	json_t *ref = botocore_request(i);
	const char *body = botocore_str(ref, "body");
	struct rec r;
	struct aws_error err;

	if (ctx && ref) {
		memset(&r, 0, sizeof(r));
		double_push(&d, 200, answer, NULL);
		CHECK(aws_json_call(ctx, op, NULL, "us-east-1", body, strlen(body), &r, &err) == IT_OK, "%s", op->name);
		CHECK(r.calls == 1 && !strcmp(r.body, answer), "%s: parser got the answer", op->name);
		check_like_botocore(&d.reqs[0], ref, op->name);
	}
	json_decref(ref);
	aws_ctx_free(ctx);
}

static void test_defaults_and_errors(void)
{
	static const struct aws_json_op json10 = {
		AWS_SVC_CONFIG, "Op10", "Svc_20240101.Op10", NULL, "application/x-amz-json-1.0", parse_rec,
	};
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct rec r;
	struct aws_error err;
	char hdr[256];

	if (!ctx)
		return;
	/* JSON 1.1 defaults: POST /, x-amz-json-1.1, the target; an empty 200 reads as {} */
	memset(&r, 0, sizeof(r));
	double_push(&d, 200, "", NULL);
	CHECK(aws_json_call(ctx, &put_evaluations, NULL, "eu-west-1", "{}", 2, &r, &err) == IT_OK, "empty answer");
	CHECK(r.calls == 1 && r.len == 2 && !strcmp(r.body, "{}"), "parsed as {}: %s", r.body);
	CHECK_STR(d.reqs[0].url, "https://config.eu-west-1.amazonaws.com/", "JSON 1.1 path /");
	CHECK_STR(req_header(&d.reqs[0], "Content-Type", hdr, sizeof(hdr)), "application/x-amz-json-1.1", "1.1 type");
	/* rest-json: the op's path, application/json, no target */
	double_push(&d, 200, "{}", NULL);
	CHECK(aws_json_call(ctx, &batch_import, NULL, "eu-west-1", "{}", 2, &r, &err) == IT_OK, "rest-json");
	CHECK_STR(d.reqs[1].url, "https://securityhub.eu-west-1.amazonaws.com/findings/import", "rest-json path");
	CHECK_STR(req_header(&d.reqs[1], "Content-Type", hdr, sizeof(hdr)), "application/json", "rest-json type");
	CHECK(!req_header(&d.reqs[1], "X-Amz-Target", hdr, sizeof(hdr))[0], "no target");
	/* an explicit content type wins */
	double_push(&d, 200, "{}", NULL);
	CHECK(aws_json_call(ctx, &json10, NULL, "eu-west-1", "{}", 2, &r, &err) == IT_OK, "json 1.0");
	CHECK_STR(req_header(&d.reqs[2], "Content-Type", hdr, sizeof(hdr)), "application/x-amz-json-1.0", "1.0 type");
	CHECK_STR(req_header(&d.reqs[2], "X-Amz-Target", hdr, sizeof(hdr)), "Svc_20240101.Op10", "its target");

	/* the parser's refusal: its status, a message naming the op, the result untouched */
	memset(&err, 0, sizeof(err));
	r.calls = 9;
	double_push(&d, 200, "{\"bad\":1}", NULL);
	CHECK(aws_json_call(ctx, &put_evaluations, NULL, "eu-west-1", "{}", 2, &r, &err) == IT_EINVAL, "refused");
	CHECK(r.calls == 9 && err.status == IT_EINVAL, "untouched, err filled");
	CHECK_STR(err.message, "unparsable PutEvaluations response", "message");

	/* errors: __type after '#', throttling retried, then the header's code wins */
	d.n_reqs = d.n_slept = 0;
	double_push(&d, 400, "{\"__type\":\"com.amazon.coral.service#ThrottlingException\",\"message\":\"Rate exceeded\"}", NULL);
	double_push(&d, 200, "{}", NULL);
	CHECK(aws_json_call(ctx, &put_evaluations, NULL, "eu-west-1", "{}", 2, &r, &err) == IT_OK &&
	      d.n_reqs == 2 && d.n_slept == 1, "ThrottlingException retried");
	memset(&err, 0, sizeof(err));
	double_push(&d, 400, "{\"__type\":\"InvalidParameterValueException\",\"message\":\"no\"}", "AccessDeniedException");
	CHECK(aws_json_call(ctx, &put_evaluations, NULL, "eu-west-1", "{}", 2, &r, &err) == IT_EDENIED,
	      "x-amzn-ErrorType wins over the body");
	CHECK_STR(err.code, "AccessDeniedException", "code");
	CHECK_STR(err.message, "no", "message from the body");
	CHECK_STR(err.request_id, "req-double", "request id from the header");
	CHECK(err.http_status == 400 && err.attempts == 1, "http status, one attempt");
	aws_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	sample_init(argc, argv);
	like_botocore(&put_evaluations, 4, "{\"FailedEvaluations\":[]}");
	like_botocore(&batch_import, 5, "{\"FailedCount\":0,\"SuccessCount\":1,\"FailedFindings\":[]}");
	test_defaults_and_errors();
	return tap_done();
}
