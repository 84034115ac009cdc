/*
 * test_aws_http: endpoint resolution, error classification, error bodies, and
 * aws_call() over a scripted transport: retries then success, retries then give-up,
 * final errors, not-found, S3 addressing, what goes on the wire. (Backoff bounds are
 * in test_backoff.)
 */
#include <string.h>
#include <time.h>

#include "aws_configservice.h"
#include "aws_ec2.h"
#include "aws_double.h"
#include "aws_http.h"
#include "aws_query.h"
#include "aws_s3.h"
#include "aws_securityhub.h"
#include "status.h"
#include "tap.h"

static const char *const env_keys[] = {
	"AWS_ACCESS_KEY_ID=AKIDEXAMPLE",
	"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	"AWS_SESSION_TOKEN=session-token-1",
	"AWS_REGION=eu-west-1",
	NULL,
};

static void test_endpoints(void)
{
	const struct {
		const char *const *env;
		enum aws_service svc;
		const char *region;
		int rc;
		const char *scheme, *host, *base;
	} cases[] = {
		{NULL, AWS_SVC_EC2, "us-east-1x", IT_EINVAL, NULL, NULL, NULL},
		{NULL, AWS_SVC_EC2, NULL, IT_EINVAL, NULL, NULL, NULL},
		{(const char *const[]){"AWS_ENDPOINT_URL=ftp://x", NULL}, AWS_SVC_STS, "us-east-1", IT_EINVAL, NULL, NULL, NULL},
		{(const char *const[]){"AWS_ENDPOINT_URL=http://user@x/", NULL}, AWS_SVC_STS, "us-east-1", IT_EINVAL, NULL, NULL, NULL},
		{NULL, AWS_SVC_EC2, "us-east-1", IT_OK, "https", "ec2.us-east-1.amazonaws.com", ""},
		{NULL, AWS_SVC_STS, "eu-central-1", IT_OK, "https", "sts.eu-central-1.amazonaws.com", ""},
		{NULL, AWS_SVC_CONFIG, "ap-southeast-2", IT_OK, "https", "config.ap-southeast-2.amazonaws.com", ""},
		{NULL, AWS_SVC_SECURITYHUB, "us-west-2", IT_OK, "https", "securityhub.us-west-2.amazonaws.com", ""},
		{NULL, AWS_SVC_S3, "us-east-1", IT_OK, "https", "s3.us-east-1.amazonaws.com", ""},
		{NULL, AWS_SVC_EC2, "cn-north-1", IT_OK, "https", "ec2.cn-north-1.amazonaws.com.cn", ""},
		{NULL, AWS_SVC_STS, "cn-northwest-1", IT_OK, "https", "sts.cn-northwest-1.amazonaws.com.cn", ""},
		{NULL, AWS_SVC_EC2, "us-gov-west-1", IT_OK, "https", "ec2.us-gov-west-1.amazonaws.com", ""},
		{(const char *const[]){"AWS_ENDPOINT_URL=http://127.0.0.1:4566/", NULL}, AWS_SVC_EC2, "us-east-1", IT_OK, "http", "127.0.0.1:4566", ""},
		{(const char *const[]){"AWS_ENDPOINT_URL=http://127.0.0.1:4566", "AWS_ENDPOINT_URL_EC2=https://ec2.internal:8443/base/", NULL}, AWS_SVC_EC2, "us-east-1", IT_OK, "https", "ec2.internal:8443", "/base"},
		{(const char *const[]){"AWS_ENDPOINT_URL=http://127.0.0.1:4566", "AWS_ENDPOINT_URL_EC2=https://ec2.internal", NULL}, AWS_SVC_STS, "us-east-1", IT_OK, "http", "127.0.0.1:4566", ""},
		{(const char *const[]){"AWS_ENDPOINT_URL_CONFIG_SERVICE=http://localhost:1", NULL}, AWS_SVC_CONFIG, "us-east-1", IT_OK, "http", "localhost:1", ""},
		{(const char *const[]){"AWS_ENDPOINT_URL_SECURITYHUB=http://localhost:2", NULL}, AWS_SVC_SECURITYHUB, "us-east-1", IT_OK, "http", "localhost:2", ""},
		{(const char *const[]){"AWS_ENDPOINT_URL_S3=http://localhost:3", NULL}, AWS_SVC_S3, "us-east-1", IT_OK, "http", "localhost:3", ""},
		{(const char *const[]){"AWS_ENDPOINT_URL_STS=http://localhost:4", NULL}, AWS_SVC_STS, "us-east-1", IT_OK, "http", "localhost:4", ""},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct aws_env env;
		struct aws_endpoint ep = {.host = "untouched"};
		int rc;
		CHECK(aws_env_load(&env, double_getenv, (void *)cases[i].env) == IT_OK, "env %zu", i);
		rc = aws_endpoint_resolve(&env, cases[i].svc, cases[i].region, &ep);
		CHECK(rc == cases[i].rc, "endpoint case %zu: rc %d", i, rc);
		if (cases[i].rc == IT_OK) {
			CHECK_STR(ep.scheme, cases[i].scheme, "scheme");
			CHECK_STR(ep.host, cases[i].host, "host");
			CHECK_STR(ep.base_path, cases[i].base, "base path");
		} else {
			CHECK_STR(ep.host, "untouched", "endpoint untouched on failure");
		}
		aws_env_finish(&env);
	}
	CHECK_STR(aws_partition("cn-north-1"), "aws-cn", "partition cn");
	CHECK_STR(aws_partition("us-gov-east-1"), "aws-us-gov", "partition gov");
	CHECK_STR(aws_partition("eu-west-3"), "aws", "partition aws");
	CHECK(aws_partition("nope") == NULL, "partition of junk");
}

static void test_classify(void)
{
	static const struct {
		long http;
		const char *code;
		int want;
	} cases[] = {
		{400, "Throttling", IT_ETHROTTLE},
		{400, "ThrottlingException", IT_ETHROTTLE},
		{503, "RequestLimitExceeded", IT_ETHROTTLE},
		{503, "SlowDown", IT_ETHROTTLE},
		{429, NULL, IT_ETHROTTLE},
		{429, "LimitExceededException", IT_ETHROTTLE},
		{400, "TooManyRequestsException", IT_ETHROTTLE},
		{500, NULL, IT_ESERVER},
		{502, "", IT_ESERVER},
		{500, "InternalError", IT_ESERVER},
		{400, "ServiceUnavailable", IT_ESERVER},
		{403, "AccessDenied", IT_EDENIED},
		{400, "UnauthorizedOperation", IT_EDENIED},
		{403, "SignatureDoesNotMatch", IT_EDENIED},
		{403, "InvalidClientTokenId", IT_EDENIED},
		{400, "ExpiredToken", IT_EDENIED},
		{401, "InvalidAccessException", IT_EDENIED},
		{401, NULL, IT_EDENIED},
		{400, "InvalidAMIID.NotFound", IT_ENOTFOUND},
		{400, "InvalidInstanceID.NotFound", IT_ENOTFOUND},
		{404, "NoSuchBucket", IT_ENOTFOUND},
		{404, NULL, IT_ENOTFOUND},
		{400, "InvalidParameterValue", IT_EREMOTE},
		{400, "InvalidResultTokenException", IT_EREMOTE},
		{400, NULL, IT_EREMOTE},
		{302, NULL, IT_EREMOTE},
		{200, "Throttling", IT_ETHROTTLE},
		{200, NULL, IT_OK},
		{204, "", IT_OK},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		CHECK(aws_classify(cases[i].http, cases[i].code) == cases[i].want,
		      "classify %ld %s -> %s", cases[i].http, cases[i].code ? cases[i].code : "(null)",
		      status_str(aws_classify(cases[i].http, cases[i].code)));
	CHECK(status_retryable(IT_ETHROTTLE) && status_retryable(IT_ESERVER) &&
	      status_retryable(IT_ENETWORK) && !status_retryable(IT_EDENIED) &&
	      !status_retryable(IT_ENOTFOUND) && !status_retryable(IT_EREMOTE), "retryable set");
}

static void test_error_bodies(void)
{
	struct aws_error e;
	static const char json[] = "{\"__type\":\"com.amazon.coral.service#ThrottlingException\",\"message\":\"Rate exceeded\"}";
	struct buf b;

	memset(&e, 0, sizeof(e));
	aws_parse_error_body(AWS_BODY_JSON, json, strlen(json), NULL, &e);
	CHECK_STR(e.code, "ThrottlingException", "json __type after #");
	CHECK_STR(e.message, "Rate exceeded", "json message");
	memset(&e, 0, sizeof(e));
	aws_parse_error_body(AWS_BODY_JSON, "{\"Code\":\"InvalidInputException\",\"Message\":\"m\"}", 46,
			     "InvalidAccessException", &e);
	CHECK_STR(e.code, "InvalidAccessException", "x-amzn-ErrorType header wins");
	memset(&e, 0, sizeof(e));
	aws_parse_error_body(AWS_BODY_JSON, "not json", 8, NULL, &e);
	CHECK_STR(e.code, "", "junk json leaves code empty");
	aws_parse_error_body(AWS_BODY_XML, "<Error><Code>NoSuchBucket</Code><RequestId>r9</RequestId></Error>", 65, NULL, &e);
	CHECK_STR(e.code, "NoSuchBucket", "s3 xml error");
	CHECK_STR(e.request_id, "r9", "s3 request id");

	buf_init(&b, 1024);
	CHECK(aws_form_add(&b, "Action", "AssumeRole") == IT_OK, "form");
	CHECK(aws_form_add(&b, "RoleArn", "arn:aws:iam::111122223333:role/Italic Member") == IT_OK, "form2");
	CHECK_STR(buf_str(&b), "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FItalic%20Member", "form encoding");
	buf_finish(&b);
}

static const char images_ok[] =
	"<DescribeImagesResponse><requestId>ok</requestId><imagesSet><item><imageId>ami-0123456789abcdef0</imageId>"
	"<name>x</name></item></imagesSet></DescribeImagesResponse>";
static const char throttled[] =
	"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>slow down</Message></Error></Errors>"
	"<RequestID>t-1</RequestID></Response>";

static void test_retries(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx;
	struct aws_ec2_images im;
	struct aws_error err;
	const char *ids[] = {"ami-0123456789abcdef0"};

	double_init(&d);
	ctx = double_ctx(&d, env_keys, NULL, NULL, &clk);
	CHECK(ctx != NULL, "ctx");
	if (!ctx)
		return;

	/* throttled twice, a 503 once, then success */
	double_push(&d, 400, throttled, NULL);
	double_push(&d, 400, throttled, NULL);
	double_push(&d, 503, "", NULL);
	double_push(&d, 200, images_ok, NULL);
	CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", ids, 1, &im, &err) == IT_OK, "retries then success");
	CHECK(im.n == 1, "image after retries");
	aws_ec2_images_free(&im);
	CHECK(d.n_reqs == 4, "4 attempts: %zu", d.n_reqs);
	CHECK(d.n_slept == 3 && d.slept[0] == (int64_t)(UINT64_MAX % 201) &&
	      d.slept[1] == (int64_t)(UINT64_MAX % 401) && d.slept[2] == (int64_t)(UINT64_MAX % 801),
	      "full-jitter windows 200/400/800: %zu", d.n_slept);
	CHECK(strstr(d.reqs[0].url, "https://ec2.us-east-1.amazonaws.com/") == d.reqs[0].url, "ec2 url %s", d.reqs[0].url);
	CHECK_STR(d.reqs[0].body, "Action=DescribeImages&Version=2016-11-15&ImageId.1=ami-0123456789abcdef0&IncludeDeprecated=true", "body");
	CHECK(strstr(d.reqs[0].headers, "X-Amz-Security-Token: session-token-1\n") != NULL, "token sent");
	CHECK(strstr(d.reqs[0].headers, "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=") != NULL,
	      "signed headers: %s", d.reqs[0].headers);
	CHECK(strstr(d.reqs[0].headers, "Credential=AKIDEXAMPLE/20260115/us-east-1/ec2/aws4_request") != NULL, "scope");

	/* give up after max_attempts (4) */
	d.n_reqs = d.n_slept = 0;
	for (int i = 0; i < 4; i++)
		double_push(&d, 400, throttled, NULL);
	memset(&err, 0, sizeof(err));
	im.n = 99;
	CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", ids, 1, &im, &err) == IT_ETHROTTLE, "gives up throttled");
	CHECK(im.n == 99, "result untouched");
	CHECK(d.n_reqs == 4 && d.n_slept == 3, "4 attempts, 3 sleeps");
	CHECK(err.attempts == 4 && err.http_status == 400, "error attempts/http");
	CHECK_STR(err.code, "RequestLimitExceeded", "code kept");
	CHECK_STR(err.request_id, "t-1", "request id kept");

	/* network failures are retried too */
	d.n_reqs = d.n_slept = 0;
	double_fail(&d, IT_ENETWORK);
	double_push(&d, 200, images_ok, NULL);
	CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", ids, 1, &im, &err) == IT_OK, "network retry");
	aws_ec2_images_free(&im);

	/* final errors: no retry */
	d.n_reqs = d.n_slept = 0;
	double_push(&d, 403, "<Response><Errors><Error><Code>UnauthorizedOperation</Code></Error></Errors></Response>", NULL);
	CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", ids, 1, &im, &err) == IT_EDENIED, "denied is final");
	CHECK(d.n_reqs == 1 && d.n_slept == 0, "no retry on denied");

	/* not found, both spellings */
	d.n_reqs = 0;
	double_push(&d, 400, "<Response><Errors><Error><Code>InvalidAMIID.NotFound</Code></Error></Errors></Response>", NULL);
	CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", ids, 1, &im, &err) == IT_OK && im.n == 0, "InvalidAMIID.NotFound = empty");
	aws_ec2_images_free(&im);
	double_push(&d, 200, "<DescribeImagesResponse><imagesSet/></DescribeImagesResponse>", NULL);
	CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", ids, 1, &im, &err) == IT_OK && im.n == 0, "empty imagesSet = empty");
	aws_ec2_images_free(&im);
	double_push(&d, 400, "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code></Error></Errors></Response>", NULL);
	{
		struct aws_ec2_instances in;
		const char *iids[] = {"i-1234567890abcdef0"};
		CHECK(aws_ec2_describe_instances(ctx, NULL, "us-east-1", iids, 1, &in, &err) == IT_OK && in.n == 0,
		      "InvalidInstanceID.NotFound = empty");
		aws_ec2_instances_free(&in);
	}
	/* malformed 200 body */
	double_push(&d, 200, "<DescribeImagesResponse><imagesSet><item>", NULL);
	CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", ids, 1, &im, &err) == IT_EINVAL, "malformed XML");
	/* metadata fallback: unsupported is "no fallback", throttling stays retryable */
	{
		struct aws_ec2_instance_images md;
		const char *iids[] = {"i-1234567890abcdef0"};
		double_push(&d, 400, "<Response><Errors><Error><Code>InvalidAction</Code></Error></Errors></Response>", NULL);
		CHECK(aws_ec2_describe_instance_image_metadata(ctx, NULL, "us-east-1", iids, 1, &md, &err) == IT_EUNSUPPORTED,
		      "unsupported metadata call");
		for (int i = 0; i < 4; i++)
			double_push(&d, 503, "", NULL);
		CHECK(aws_ec2_describe_instance_image_metadata(ctx, NULL, "us-east-1", iids, 1, &md, &err) == IT_ESERVER,
		      "5xx metadata stays retryable");
	}
	/* argument checks */
	CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", ids, 0, &im, &err) == IT_EINVAL, "no ids");
	{
		const char *bad[] = {"ami-XYZ"};
		CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", bad, 1, &im, &err) == IT_EINVAL, "bad id");
	}
	aws_ctx_free(ctx);
}

static void test_other_clients(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx;
	struct aws_error err;
	const char *const env_s3[] = {"AWS_ACCESS_KEY_ID=AKID", "AWS_SECRET_ACCESS_KEY=SECRET", NULL};
	const char *const env_s3o[] = {"AWS_ACCESS_KEY_ID=AKID", "AWS_SECRET_ACCESS_KEY=SECRET",
				       "AWS_ENDPOINT_URL_S3=http://127.0.0.1:9000", NULL};

	double_init(&d);
	ctx = double_ctx(&d, env_s3, NULL, NULL, &clk);
	if (!ctx)
		return;
	double_push(&d, 200, "", NULL);
	CHECK(aws_s3_put_object(ctx, NULL, "eu-west-1", "siem-bucket", "italic/dt=2026-01-15/hour=12/a b.jsonl.gz",
				"hello", 5, "application/x-ndjson", "gzip", &err) == IT_OK, "put object");
	CHECK_STR(d.reqs[0].url, "https://siem-bucket.s3.eu-west-1.amazonaws.com/italic/dt%3D2026-01-15/hour%3D12/a%20b.jsonl.gz",
		  "virtual-hosted url");
	CHECK_STR(d.reqs[0].method, "PUT", "PUT");
	CHECK(strstr(d.reqs[0].headers, "x-amz-content-sha256: 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\n") != NULL,
	      "payload hash header");
	CHECK(strstr(d.reqs[0].headers, "SignedHeaders=content-encoding;content-type;host;x-amz-content-sha256;x-amz-date,") != NULL,
	      "s3 signed headers: %s", d.reqs[0].headers);
	CHECK(strstr(d.reqs[0].headers, "X-Amz-Security-Token") == NULL, "no token without one");
	CHECK(aws_s3_put_object(ctx, NULL, "eu-west-1", "Bad_Bucket", "k", "", 0, NULL, NULL, &err) == IT_EINVAL, "bad bucket");
	CHECK(aws_s3_put_object(ctx, NULL, "eu-west-1", "bucket", "/k", "", 0, NULL, NULL, &err) == IT_EINVAL, "leading slash key");
	d.n_reqs = 0;
	double_push(&d, 200, "", NULL);
	CHECK(aws_s3_put_object(ctx, NULL, "eu-west-1", "logs.example.com", "k", "", 0, NULL, NULL, &err) == IT_OK, "dotted");
	CHECK_STR(d.reqs[0].url, "https://s3.eu-west-1.amazonaws.com/logs.example.com/k", "dotted bucket path style");

	/* Config */
	{
		struct aws_config_evaluation ev[2] = {
			{"AWS::EC2::Instance", "i-1234567890abcdef0", AWS_NON_COMPLIANT, "ami-1 is not allowed", 1768478370999LL},
			{"AWS::EC2::Instance", "i-0000000000000000a", AWS_COMPLIANT, "", 1768478371000LL},
		};
		struct aws_config_result cr;
		char *json = NULL;
		char ann[300];
		d.n_reqs = 0;
		double_push(&d, 200, "{\"FailedEvaluations\":[{\"ComplianceResourceType\":\"AWS::EC2::Instance\",\"ComplianceResourceId\":\"i-0000000000000000a\",\"ComplianceType\":\"COMPLIANT\",\"OrderingTimestamp\":1768478371}]}", NULL);
		CHECK(aws_config_put_evaluations(ctx, NULL, "us-east-1", "tok", ev, 2, 0, &cr, &err) == IT_OK, "put evaluations");
		CHECK(cr.n_failed == 1, "failed evaluations returned");
		if (cr.n_failed == 1)
			CHECK_STR(cr.failed[0].resource_id, "i-0000000000000000a", "failed id");
		aws_config_result_free(&cr);
		CHECK_STR(d.reqs[0].body, "{\"ResultToken\":\"tok\",\"Evaluations\":[{\"ComplianceResourceType\":\"AWS::EC2::Instance\",\"ComplianceResourceId\":\"i-1234567890abcdef0\",\"ComplianceType\":\"NON_COMPLIANT\",\"OrderingTimestamp\":1768478370,\"Annotation\":\"ami-1 is not allowed\"},{\"ComplianceResourceType\":\"AWS::EC2::Instance\",\"ComplianceResourceId\":\"i-0000000000000000a\",\"ComplianceType\":\"COMPLIANT\",\"OrderingTimestamp\":1768478371}],\"TestMode\":false}",
			  "PutEvaluations body");
		CHECK(strstr(d.reqs[0].headers, "X-Amz-Target: StarlingDoveService.PutEvaluations\n") != NULL, "target");
		CHECK(strstr(d.reqs[0].headers, "Content-Type: application/x-amz-json-1.1\n") != NULL, "content type");
		CHECK(strstr(d.reqs[0].headers, "/us-east-1/config/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target,") != NULL, "config scope");
		memset(ann, 'a', 257);
		ann[257] = '\0';
		ev[0].annotation = ann;
		CHECK(aws_config_put_evaluations_body("tok", ev, 1, 0, &json) == IT_EINVAL, "257-char annotation");
		ann[256] = '\0';
		CHECK(aws_config_put_evaluations_body("tok", ev, 1, 0, &json) == IT_OK, "256-char annotation");
		free(json);
		json = NULL;
		CHECK(aws_config_put_evaluations_body("tok", ev, 101, 0, &json) == IT_EINVAL, "101 evaluations");
		CHECK(aws_config_put_evaluations_body("", ev, 1, 0, &json) == IT_EINVAL, "empty token");
		ev[0].compliance = AWS_COMPLIANCE__MAX;
		CHECK(aws_config_put_evaluations_body("tok", ev, 1, 0, &json) == IT_EINVAL && json == NULL, "bad compliance");
		double_push(&d, 400, "{\"__type\":\"InvalidResultTokenException\",\"message\":\"bad token\"}", NULL);
		ev[0].compliance = AWS_COMPLIANT;
		CHECK(aws_config_put_evaluations(ctx, NULL, "us-east-1", "tok", ev, 1, 0, &cr, &err) == IT_EREMOTE, "final json error");
		CHECK_STR(err.code, "InvalidResultTokenException", "json error code");
	}
	/* Security Hub */
	{
		struct aws_securityhub_result sr;
		json_t *findings = json_pack("[{s:s}]", "Id", "italic/1");
		d.n_reqs = 0;
		double_push(&d, 200, "{\"FailedCount\":1,\"SuccessCount\":0,\"FailedFindings\":[{\"Id\":\"italic/1\",\"ErrorCode\":\"InvalidInput\",\"ErrorMessage\":\"Finding does not adhere to ASFF\"}]}", NULL);
		CHECK(aws_securityhub_import(ctx, NULL, "us-east-1", findings, &sr, &err) == IT_OK, "import");
		CHECK(sr.failed_count == 1 && sr.success_count == 0 && sr.n_failed == 1, "failed findings returned");
		if (sr.n_failed == 1)
			CHECK_STR(sr.failed[0].error_code, "InvalidInput", "finding error code");
		aws_securityhub_result_free(&sr);
		CHECK_STR(d.reqs[0].url, "https://securityhub.us-east-1.amazonaws.com/findings/import", "securityhub url");
		CHECK_STR(d.reqs[0].body, "{\"Findings\":[{\"Id\":\"italic/1\"}]}", "findings body");
		json_decref(findings);
		findings = json_array();
		CHECK(aws_securityhub_import(ctx, NULL, "us-east-1", findings, &sr, &err) == IT_EINVAL, "empty findings");
		json_decref(findings);
	}
	aws_ctx_free(ctx);

	/* path style with an override */
	double_init(&d);
	ctx = double_ctx(&d, env_s3o, NULL, NULL, &clk);
	if (!ctx)
		return;
	double_push(&d, 200, "", NULL);
	CHECK(aws_s3_put_object(ctx, NULL, "eu-west-1", "siem-bucket", "a$b", "x", 1, NULL, NULL, &err) == IT_OK, "override put");
	CHECK_STR(d.reqs[0].url, "http://127.0.0.1:9000/siem-bucket/a%24b", "path style");
	CHECK(strstr(d.reqs[0].headers, "Host: 127.0.0.1:9000\n") != NULL, "host with port");
	aws_ctx_free(ctx);
}

/* A provider that is not the chain: the context only uses get/invalidate/free. */
struct fake_provider {
	int gets, invalidates, frees;
	int rc;                         /* what get() answers */
	char last_account[16];
	char invalidated[16];
};

static int fake_get(void *ctx, const char *account, const char *region, struct sigv4_credentials *ret,
		    struct aws_error *err)
{
	struct fake_provider *f = ctx;
	(void)region;
	f->gets++;
	snprintf(f->last_account, sizeof(f->last_account), "%s", account ? account : "(own)");
	if (f->rc)
		return aws_error_set(err, f->rc, "fake provider says no");
	/* a new key after each invalidation shows the retry used a fresh set */
	return sigv4_credentials_set(ret, f->invalidates ? "AKFRESH" : "AKFAKE", "secret", "tok", 0);
}

static void fake_invalidate(void *ctx, const char *account)
{
	struct fake_provider *f = ctx;
	f->invalidates++;
	snprintf(f->invalidated, sizeof(f->invalidated), "%s", account ? account : "(own)");
}

static void fake_free(void *ctx)
{
	((struct fake_provider *)ctx)->frees++;
}

static struct fake_provider *fake_instance;

static int fake_new(struct aws_ctx *ctx, struct aws_credentials_provider *ret)
{
	(void)ctx;
	if (!fake_instance)
		return IT_ENOMEM;
	ret->get = fake_get;
	ret->invalidate = fake_invalidate;
	ret->free = fake_free;
	ret->ctx = fake_instance;
	return IT_OK;
}

static void test_provider(void)
{
	struct aws_double d;
	struct fake_provider f;
	struct aws_transport t = {double_send, &d};
	struct aws_ctx_config cfg;
	struct aws_ctx *ctx = NULL, *untouched = (struct aws_ctx *)&f;
	struct aws_ec2_images im;
	struct aws_error err;
	const char *ids[] = {"ami-0123456789abcdef0"};

	double_init(&d);
	memset(&f, 0, sizeof(f));
	memset(&cfg, 0, sizeof(cfg));
	cfg.transport = &t;
	cfg.sleep_ms = double_sleep;
	cfg.sleep_ctx = &d;
	cfg.random = double_random;
	cfg.credentials = fake_new;
	/* a factory that fails fails the ctx, which is left unwritten */
	fake_instance = NULL;
	CHECK(aws_ctx_new(&cfg, &untouched) == IT_ENOMEM && untouched == (struct aws_ctx *)&f, "factory failure");
	fake_instance = &f;
	CHECK(aws_ctx_new(&cfg, &ctx) == IT_OK, "ctx with a fake provider");
	if (!ctx)
		return;
	CHECK(aws_ctx_credentials(ctx) && aws_ctx_credentials(ctx)->ctx == &f, "the ctx holds the provider");
	CHECK(aws_creds_of(ctx) == NULL, "and it is not the chain");

	/* the provider's set signs the call, asked for the call's account */
	double_push(&d, 200, images_ok, NULL);
	CHECK(aws_ec2_describe_images(ctx, "111122223333", "us-east-1", ids, 1, &im, &err) == IT_OK, "call");
	aws_ec2_images_free(&im);
	CHECK(f.gets == 1 && !strcmp(f.last_account, "111122223333"), "asked once for that account");
	CHECK(strstr(d.reqs[0].headers, "Credential=AKFAKE/") != NULL, "signed with its set");

	/* ExpiredToken: the account's set is dropped and the call made once more */
	d.n_reqs = 0;
	double_push(&d, 400, "<Response><Errors><Error><Code>ExpiredToken</Code></Error></Errors></Response>", NULL);
	double_push(&d, 200, images_ok, NULL);
	CHECK(aws_ec2_describe_images(ctx, "111122223333", "us-east-1", ids, 1, &im, &err) == IT_OK, "refreshed once");
	aws_ec2_images_free(&im);
	CHECK(f.invalidates == 1 && !strcmp(f.invalidated, "111122223333"), "invalidated that account");
	CHECK(d.n_reqs == 2 && strstr(d.reqs[1].headers, "Credential=AKFRESH/") != NULL, "retried with the fresh set");
	CHECK(d.n_slept == 0, "no backoff before the refresh");
	/* a second expiry in a row is final */
	d.n_reqs = 0;
	double_push(&d, 400, "<Response><Errors><Error><Code>ExpiredToken</Code></Error></Errors></Response>", NULL);
	double_push(&d, 400, "<Response><Errors><Error><Code>RequestExpired</Code></Error></Errors></Response>", NULL);
	CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", ids, 1, &im, &err) == IT_EDENIED, "expired twice: denied");
	CHECK(f.invalidates == 2 && !strcmp(f.invalidated, "(own)") && d.n_reqs == 2, "one refresh per call");

	/* the provider's failure is the call's, and nothing is sent */
	d.n_reqs = 0;
	f.rc = IT_EAUTH;
	memset(&err, 0, sizeof(err));
	CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", ids, 1, &im, &err) == IT_EAUTH, "provider failure");
	CHECK(d.n_reqs == 0 && !strcmp(err.message, "fake provider says no"), "not sent: %s", err.message);
	aws_ctx_free(ctx);
	CHECK(f.frees == 1, "the ctx frees its provider once");

	/* no provider at all: calls that need credentials fail cleanly */
	cfg.credentials = NULL;
	CHECK(aws_ctx_new(&cfg, &ctx) == IT_OK, "ctx without a provider");
	if (!ctx)
		return;
	CHECK(aws_ctx_credentials(ctx) == NULL, "none");
	CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", ids, 1, &im, &err) == IT_EAUTH && d.n_reqs == 0,
	      "no provider: IT_EAUTH, not sent");
	aws_ctx_free(ctx);
}

int main(void)
{
	test_endpoints();
	test_classify();
	test_error_bodies();
	test_retries();
	test_other_clients();
	test_provider();
	return tap_done();
}
