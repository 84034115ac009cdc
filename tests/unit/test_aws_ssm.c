/*
 * test_aws_ssm: Systems Manager GetParameter.
 *
 * The request: the same JSON document botocore sends for GetParameter
 * (launch-templates/botocore-1.29.27-generated-signed-requests-launch-templates.json,
 * request 4; Italic is compact, botocore puts a space after the colon, which JSON 1.1
 * does not care about), its target, content type, endpoint and signed headers. The
 * answer: shaped on the Systems Manager API reference's Parameter members (no captured
 * GetParameter answer is committed), exact values; the rejections; ParameterNotFound and
 * ParameterVersionNotFound as IT_ENOTFOUND; names refused before anything is sent.
 */
#include <jansson.h>
#include <string.h>

#include "aws_double.h"
#include "aws_samples.h"
#include "aws_ssm.h"
#include "limits.h"
#include "status.h"
#include "tap.h"

static const char answer[] =
	"{\"Parameter\":{\"ARN\":\"arn:aws:ssm:us-east-1:123456789012:parameter/golden-ami\","
	"\"DataType\":\"aws:ec2:image\",\"LastModifiedDate\":1.672158681205E9,\"Name\":\"golden-ami\","
	"\"Selector\":\":prod\",\"Type\":\"String\",\"Value\":\"ami-04d5cc9b88e0a1b2c\",\"Version\":3}}";

static json_t *ssm_botocore(void)
{
	json_error_t je;
	char *text = sample_read("launch-templates/botocore-1.29.27-generated-signed-requests-launch-templates.json", NULL);
	json_t *doc = text ? json_loads(text, 0, &je) : NULL;
	json_t *req = json_incref(json_array_get(json_object_get(doc, "requests"), 4));

	free(text);
	json_decref(doc);
	CHECK(json_is_object(req), "botocore GetParameter request");
	return req;
}

static void test_parse(void)
{
	struct aws_ssm_parameter p;

	CHECK(aws_ssm_parse_get_parameter(answer, strlen(answer), &p) == IT_OK, "documented shape");
	CHECK_STR(p.name, "golden-ami", "name");
	CHECK_STR(p.value, "ami-04d5cc9b88e0a1b2c", "value");
	CHECK_STR(p.type, "String", "type");
	CHECK_STR(p.data_type, "aws:ec2:image", "data type");
	CHECK_STR(p.selector, ":prod", "selector");
	CHECK(p.version == 3, "version");
	CHECK(p.last_modified_ms == 1672158681205LL, "LastModifiedDate in ms: %lld", (long long)p.last_modified_ms);
	aws_ssm_parameter_free(&p);
	aws_ssm_parameter_free(NULL);

	{
		static const char *const bad[] = {
			"{}",
			"{\"Parameter\":\"x\"}",
			"{\"Parameter\":{\"Name\":\"a\"}}",
			"{\"Parameter\":{\"Value\":\"ami-12345678\"}}",
			"{\"Parameter\":{\"Name\":\"a\",\"Value\":7}}",
			"{\"Parameter\":{\"Name\":\"a\",\"Value\":\"v\",\"Version\":0}}",
			"{\"Parameter\":{\"Name\":\"a\",\"Value\":\"v\",\"Version\":\"3\"}}",
			"{\"Parameter\":{\"Name\":\"a\",\"Value\":\"v\",\"LastModifiedDate\":\"today\"}}",
			"{\"Parameter\":{\"Name\":\"a\",\"Value\":\"v\",\"LastModifiedDate\":-1}}",
			"{\"Parameter\":{\"Name\":\"a\",\"Value\":\"a\\u0000b\"}}",
			"not json",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct aws_ssm_parameter q = {.version = 77};
			CHECK(aws_ssm_parse_get_parameter(bad[i], strlen(bad[i]), &q) != IT_OK, "refused: %s", bad[i]);
			CHECK(q.version == 77, "untouched: %s", bad[i]);
		}
	}
	/* a value of IT_LT_MAX_VALUE bytes is taken, one more is refused */
	{
		char *big = malloc(IT_LT_MAX_VALUE + 64);
		for (int extra = 0; extra <= 1; extra++) {
			struct aws_ssm_parameter q;
			size_t n = (size_t)snprintf(big, 64, "{\"Parameter\":{\"Name\":\"a\",\"Value\":\"");
			memset(big + n, 'v', IT_LT_MAX_VALUE + (size_t)extra);
			n += IT_LT_MAX_VALUE + (size_t)extra;
			memcpy(big + n, "\"}}", 4);
			if (!extra) {
				CHECK(aws_ssm_parse_get_parameter(big, strlen(big), &q) == IT_OK, "value at the limit");
				aws_ssm_parameter_free(&q);
			} else {
				CHECK(aws_ssm_parse_get_parameter(big, strlen(big), &q) == IT_EINVAL, "value over the limit");
			}
		}
		free(big);
	}
}

static void test_call_like_botocore(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct aws_ssm_parameter p;
	struct aws_error err;
	json_t *ref = ssm_botocore(), *want = NULL, *got = NULL;
	const char *want_auth = ref ? botocore_header(ref, "Authorization") : NULL;
	json_error_t je;
	char hdr[1024];

	if (!ctx || !want_auth)
		goto out;
	double_push(&d, 200, answer, NULL);
	CHECK(aws_ssm_get_parameter(ctx, NULL, "us-east-1", "golden-ami:prod", &p, &err) == IT_OK, "GetParameter");
	aws_ssm_parameter_free(&p);
	want = json_loads(botocore_str(ref, "body"), 0, &je);
	got = json_loads(d.reqs[0].body, JSON_REJECT_DUPLICATES, &je);
	CHECK(want && got && json_equal(want, got), "the same document as botocore's: %s", d.reqs[0].body);
	CHECK_STR(d.reqs[0].body, "{\"Name\":\"golden-ami:prod\"}", "no WithDecryption");
	CHECK_STR(d.reqs[0].url, botocore_str(ref, "url"), "url");
	CHECK_STR(req_header(&d.reqs[0], "X-Amz-Target", hdr, sizeof(hdr)), botocore_header(ref, "X-Amz-Target"), "target");
	CHECK_STR(req_header(&d.reqs[0], "Content-Type", hdr, sizeof(hdr)), botocore_header(ref, "Content-Type"), "type");
	req_header(&d.reqs[0], "Authorization", hdr, sizeof(hdr));
	CHECK(!strncmp(hdr, want_auth, (size_t)(strstr(want_auth, "Signature=") - want_auth)),
	      "scope and signed headers as botocore's: %s", hdr);

	/* not found, in both spellings: IT_ENOTFOUND */
	double_push(&d, 400, "{\"__type\":\"ParameterNotFound\",\"message\":\"\"}", "ParameterNotFound");
	CHECK(aws_ssm_get_parameter(ctx, NULL, "us-east-1", "gone", &p, &err) == IT_ENOTFOUND, "ParameterNotFound");
	CHECK(!strcmp(err.code, "ParameterNotFound") && err.status == IT_ENOTFOUND, "err says so");
	double_push(&d, 400, "{\"__type\":\"ParameterVersionNotFound\",\"message\":\"v9\"}", "ParameterVersionNotFound");
	CHECK(aws_ssm_get_parameter(ctx, NULL, "us-east-1", "golden-ami:9", &p, &err) == IT_ENOTFOUND, "VersionNotFound");
	/* access denied stays what it is */
	double_push(&d, 400, "{\"__type\":\"AccessDeniedException\",\"message\":\"no\"}", "AccessDeniedException");
	CHECK(aws_ssm_get_parameter(ctx, NULL, "us-east-1", "golden-ami", &p, &err) == IT_EDENIED, "denied");

	/* names refused before sending */
	{
		size_t before = d.n_reqs;
		char *big = malloc(IT_LT_MAX_PARAMETER + 2);
		memset(big, 'a', IT_LT_MAX_PARAMETER + 1);
		big[IT_LT_MAX_PARAMETER + 1] = '\0';
		CHECK(aws_ssm_get_parameter(ctx, NULL, "us-east-1", "", &p, &err) == IT_EINVAL, "empty name");
		CHECK(aws_ssm_get_parameter(ctx, NULL, "us-east-1", NULL, &p, &err) == IT_EINVAL, "NULL name");
		CHECK(aws_ssm_get_parameter(ctx, NULL, "us-east-1", big, &p, &err) == IT_EINVAL, "2049 bytes");
		CHECK(aws_ssm_get_parameter(ctx, NULL, "us-east-1", "a\nb", &p, &err) == IT_EINVAL, "control character");
		CHECK(d.n_reqs == before, "nothing sent");
		free(big);
	}
out:
	json_decref(want);
	json_decref(got);
	json_decref(ref);
	aws_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	sample_init(argc, argv);
	test_parse();
	test_call_like_botocore();
	return tap_done();
}
