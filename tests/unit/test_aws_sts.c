/*
 * test_aws_sts: STS AssumeRole and AssumeRoleWithWebIdentity.
 *
 * Requests: AssumeRole is compared with what Debian's botocore sends (form, headers,
 * signature, byte for byte; botocore 1.29 calls the global endpoint, so the test points
 * AWS_ENDPOINT_URL_STS there); web identity goes out unsigned. Arguments outside STS's
 * documented bounds are refused before anything is sent.
 * Answers: the AWS documentation's AssumeRole example (its wrapped SessionToken is
 * read without the whitespace), the captured InvalidClientTokenId error, and answers
 * that lack a field.
 */
#include <string.h>

#include "aws_double.h"
#include "aws_samples.h"
#include "aws_sts.h"
#include "parse.h"
#include "status.h"
#include "tap.h"

#define ROLE "arn:aws:iam::111122223333:role/ItalicMember"

static const struct sigv4_credentials base = {
	"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", 0,
};

static void test_parse_example(void)
{
	struct sigv4_credentials c;
	size_t len = 0;
	char *xml = sample_read("sts-assumerole-response-awsdocs-example.xml", &len);
	int64_t exp;

	if (!xml)
		return;
	memset(&c, 0, sizeof(c));
	CHECK(aws_sts_parse_credentials(xml, len, &c) == IT_OK, "documentation example parses");
	CHECK_STR(c.access_key_id, "ASIAIOSFODNN7EXAMPLE", "AccessKeyId");
	CHECK_STR(c.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY", "SecretAccessKey");
	/* the example's first two display lines, joined */
	CHECK(!strncmp(c.session_token, "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW"
		       "LWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGde", 140) &&
	      strchr(c.session_token, ' ') == NULL && strchr(c.session_token, '\n') == NULL,
	      "the wrapped token is one line: %.40s...", c.session_token);
	CHECK(strlen(c.session_token) > 300 && !strcmp(c.session_token + strlen(c.session_token) - 4, "BA=="),
	      "whole token kept");
	CHECK(parse_time_ms("2019-11-09T13:34:41Z", &exp) == IT_OK && c.expiration_ms == exp, "Expiration");
	sigv4_credentials_wipe(&c);
	free(xml);
}

static void test_parse_rejections(void)
{
	static const struct {
		const char *name, *xml;
	} cases[] = {
		{"no SessionToken",
		 "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
		 "<SecretAccessKey>S</SecretAccessKey><Expiration>2019-11-09T13:34:41Z</Expiration>"
		 "</Credentials></AssumeRoleResult></AssumeRoleResponse>"},
		{"no Expiration",
		 "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
		 "<SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>"
		 "</Credentials></AssumeRoleResult></AssumeRoleResponse>"},
		{"Expiration not a time",
		 "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
		 "<SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken><Expiration>soon</Expiration>"
		 "</Credentials></AssumeRoleResult></AssumeRoleResponse>"},
		{"Credentials outside the Result",
		 "<AssumeRoleResponse><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
		 "<SessionToken>T</SessionToken><Expiration>2019-11-09T13:34:41Z</Expiration></Credentials>"
		 "</AssumeRoleResponse>"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct sigv4_credentials c = {.access_key_id = "untouched"};
		CHECK(aws_sts_parse_credentials(cases[i].xml, strlen(cases[i].xml), &c) == IT_EINVAL, "%s", cases[i].name);
		CHECK_STR(c.access_key_id, "untouched", cases[i].name);
	}
}

static void test_assume_role_like_botocore(void)
{
	static const char *const env[] = {"AWS_ENDPOINT_URL_STS=https://sts.amazonaws.com", NULL};
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, env);
	struct sigv4_credentials c;
	struct aws_error err;
	char *xml = sample_read("sts-assumerole-response-awsdocs-example.xml", NULL);
	json_t *ref = botocore_request(3);

	if (ctx && xml) {
		double_push(&d, 200, xml, NULL);
		CHECK(aws_sts_assume_role(ctx, &base, "us-east-1", ROLE, "italic-111122223333", "example-external-id",
					  900, &c, &err) == IT_OK, "AssumeRole");
		CHECK_STR(c.access_key_id, "ASIAIOSFODNN7EXAMPLE", "the answer's credentials");
		check_like_botocore(&d.reqs[0], ref, "AssumeRole");
		sigv4_credentials_wipe(&c);
	}
	json_decref(ref);
	free(xml);
	aws_ctx_free(ctx);
}

static void test_web_identity(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, (const char *const[]){NULL});
	struct sigv4_credentials c;
	struct aws_error err;
	char hdr[256];
	static const char answer[] =
		"<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
		"<AccessKeyId>ASIAWEB</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
		"<Expiration>2026-01-15T13:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult>"
		"</AssumeRoleWithWebIdentityResponse>";

	if (!ctx)
		return;
	double_push(&d, 200, answer, NULL);
	CHECK(aws_sts_assume_role_with_web_identity(ctx, "eu-west-1", ROLE, "italic", "eyJ.oidc+/=", 3600, &c, &err) == IT_OK,
	      "web identity");
	CHECK_STR(c.access_key_id, "ASIAWEB", "credentials");
	CHECK_STR(d.reqs[0].url, "https://sts.eu-west-1.amazonaws.com/", "regional STS");
	CHECK_STR(d.reqs[0].body, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
		  "&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FItalicMember&RoleSessionName=italic"
		  "&WebIdentityToken=eyJ.oidc%2B%2F%3D&DurationSeconds=3600", "form");
	CHECK(!req_header(&d.reqs[0], "Authorization", hdr, sizeof(hdr))[0] &&
	      !req_header(&d.reqs[0], "X-Amz-Date", hdr, sizeof(hdr))[0], "unsigned: no Authorization, no X-Amz-Date");
	CHECK_STR(req_header(&d.reqs[0], "Content-Type", hdr, sizeof(hdr)),
		  "application/x-www-form-urlencoded; charset=utf-8", "content type");
	sigv4_credentials_wipe(&c);
	aws_ctx_free(ctx);
}

static void test_errors(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, (const char *const[]){NULL});
	struct sigv4_credentials c = {.access_key_id = "untouched"};
	struct aws_error err;
	char *xml = sample_read("sts-error-invalidclienttokenid.xml", NULL);

	if (!ctx || !xml) {
		aws_ctx_free(ctx);
		free(xml);
		return;
	}
	memset(&err, 0, sizeof(err));
	double_push(&d, 403, xml, NULL);
	CHECK(aws_sts_assume_role(ctx, &base, "us-east-1", ROLE, "italic-1", NULL, 3600, &c, &err) == IT_EDENIED,
	      "captured InvalidClientTokenId: denied");
	CHECK_STR(err.code, "InvalidClientTokenId", "code");
	CHECK_STR(err.message, "The security token included in the request is invalid.", "message");
	CHECK_STR(err.request_id, "cb8d1c0c-9eb2-11e8-8f77-515da1a9422f", "request id");
	CHECK(d.n_reqs == 1 && d.n_slept == 0, "final: not retried");
	CHECK_STR(c.access_key_id, "untouched", "no credentials on failure");
	CHECK(strstr(d.reqs[0].body, "ExternalId") == NULL, "no ExternalId when none is set");

	/* throttled, then the answer: retried like any call */
	d.n_reqs = 0;
	double_push(&d, 400, "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>", NULL);
	double_push(&d, 200, "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
			     "<SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>"
			     "<Expiration>2026-01-15T13:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>", NULL);
	CHECK(aws_sts_assume_role(ctx, &base, "us-east-1", ROLE, "italic-1", NULL, 3600, &c, &err) == IT_OK &&
	      d.n_reqs == 2, "throttling retried");
	sigv4_credentials_wipe(&c);

	/* a 200 without credentials */
	memset(&err, 0, sizeof(err));
	double_push(&d, 200, "<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>", NULL);
	c.access_key_id[0] = 'u';
	CHECK(aws_sts_assume_role(ctx, &base, "us-east-1", ROLE, "italic-1", NULL, 3600, &c, &err) == IT_EINVAL,
	      "200 without credentials");
	CHECK(strstr(err.message, "AssumeRole") != NULL, "message names the action: %s", err.message);
	free(xml);
	aws_ctx_free(ctx);
}

static void test_arguments(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, (const char *const[]){NULL});
	struct sigv4_credentials c;
	struct aws_error err;
	char long_id[1226];

	if (!ctx)
		return;
	memset(long_id, 'x', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	CHECK(aws_sts_assume_role(ctx, NULL, "us-east-1", ROLE, "italic", NULL, 3600, &c, &err) == IT_EINVAL, "no base credentials");
	CHECK(aws_sts_assume_role(ctx, &base, "us-east-1", "arn:short", "italic", NULL, 3600, &c, &err) == IT_EINVAL, "RoleArn < 20");
	CHECK(aws_sts_assume_role(ctx, &base, "us-east-1", ROLE, "i", NULL, 3600, &c, &err) == IT_EINVAL, "session name of 1");
	CHECK(aws_sts_assume_role(ctx, &base, "us-east-1", ROLE, "ita lic", NULL, 3600, &c, &err) == IT_EINVAL, "space in session name");
	CHECK(aws_sts_assume_role(ctx, &base, "us-east-1", ROLE, "italic", "a", 3600, &c, &err) == IT_EINVAL, "ExternalId of 1");
	CHECK(aws_sts_assume_role(ctx, &base, "us-east-1", ROLE, "italic", long_id, 3600, &c, &err) == IT_EINVAL, "ExternalId of 1225");
	CHECK(aws_sts_assume_role(ctx, &base, "us-east-1", ROLE, "italic", "a#b", 3600, &c, &err) == IT_EINVAL, "'#' in ExternalId");
	CHECK(aws_sts_assume_role(ctx, &base, "us-east-1", ROLE, "italic", NULL, 899, &c, &err) == IT_EINVAL, "899 s");
	CHECK(aws_sts_assume_role(ctx, &base, "us-east-1", ROLE, "italic", NULL, 43201, &c, &err) == IT_EINVAL, "43201 s");
	CHECK(aws_sts_assume_role_with_web_identity(ctx, "us-east-1", ROLE, "italic", "abc", 3600, &c, &err) == IT_EINVAL,
	      "token of 3 bytes");
	CHECK(d.n_reqs == 0, "nothing sent");
	CHECK(err.status == IT_EINVAL, "err filled");
	aws_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	sample_init(argc, argv);
	test_parse_example();
	test_parse_rejections();
	test_assume_role_like_botocore();
	test_web_identity();
	test_errors();
	test_arguments();
	return tap_done();
}
