/* test_aws_imds: the home Region from IMDSv2 over the scripted transport: the token
 * flow, the endpoint override, the off switch, and every answer that must be refused. */
#include <stdio.h>
#include <string.h>

#include "aws_double.h"
#include "aws_imds.h"
#include "status.h"
#include "tap.h"

static const char *const env_endpoint[] = {"AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:1/", NULL};
static const char *const env_off[] = {"AWS_EC2_METADATA_DISABLED=TRUE", NULL};

/* Runs one lookup: the token answer, then the region answer (status, body). */
static int lookup(const char *const *env, long tok_status, const char *tok, long reg_status, const char *reg,
		  struct aws_double *d, char *out, size_t outlen)
{
	struct clock clk;
	struct aws_ctx *ctx;
	int rc;

	double_init(d);
	if (tok_status)
		double_push(d, tok_status, tok, NULL);
	if (reg_status)
		double_push(d, reg_status, reg, NULL);
	ctx = double_ctx(d, env, NULL, NULL, &clk);
	CHECK(ctx != NULL, "ctx");
	if (!ctx)
		return IT_ENOMEM;
	rc = aws_imds_region(ctx, out, outlen);
	aws_ctx_free(ctx);
	return rc;
}

int main(void)
{
	struct aws_double d;
	char out[32];

	snprintf(out, sizeof(out), "untouched");
	CHECK(lookup(env_endpoint, 200, "tok-1\n", 200, "eu-central-1", &d, out, sizeof(out)) == IT_OK, "found");
	CHECK_STR(out, "eu-central-1", "region");
	CHECK(d.n_reqs == 2, "two requests (%zu)", d.n_reqs);
	CHECK(!strcmp(d.reqs[0].method, "PUT") && !strcmp(d.reqs[0].url, "http://127.0.0.1:1/latest/api/token") &&
	      strstr(d.reqs[0].headers, "X-aws-ec2-metadata-token-ttl-seconds: 21600\n"), "token request: %s %s",
	      d.reqs[0].method, d.reqs[0].url);
	CHECK(!strcmp(d.reqs[1].method, "GET") &&
	      !strcmp(d.reqs[1].url, "http://127.0.0.1:1/latest/meta-data/placement/region") &&
	      strstr(d.reqs[1].headers, "X-aws-ec2-metadata-token: tok-1\n"), "region request carries the token: %s",
	      d.reqs[1].headers);

	CHECK(lookup(NULL, 200, "t", 200, "us-gov-west-1", &d, out, sizeof(out)) == IT_OK, "default endpoint");
	CHECK(!strncmp(d.reqs[0].url, "http://169.254.169.254/latest/api/token", 40), "169.254.169.254: %s",
	      d.reqs[0].url);
	CHECK_STR(out, "us-gov-west-1", "gov region");

	snprintf(out, sizeof(out), "untouched");
	CHECK(lookup(env_off, 200, "t", 200, "eu-west-1", &d, out, sizeof(out)) == IT_EUNSUPPORTED, "off switch");
	CHECK(d.n_reqs == 0, "nothing asked when off");
	CHECK(lookup(env_endpoint, 0, NULL, 0, NULL, &d, out, sizeof(out)) == IT_ENETWORK, "nothing answers");
	CHECK(lookup(env_endpoint, 403, "", 0, NULL, &d, out, sizeof(out)) == IT_EDENIED, "token refused");
	CHECK(lookup(env_endpoint, 200, "", 0, NULL, &d, out, sizeof(out)) == IT_EINVAL, "empty token");
	CHECK(lookup(env_endpoint, 200, "t", 404, "", &d, out, sizeof(out)) == IT_ENOTFOUND, "no placement");
	CHECK(lookup(env_endpoint, 200, "t", 200, "not a region", &d, out, sizeof(out)) == IT_EINVAL, "junk");
	CHECK(lookup(env_endpoint, 200, "t", 200, "", &d, out, sizeof(out)) == IT_EINVAL, "empty region");
	CHECK(lookup(env_endpoint, 200, "t", 200, "eu-west-1", &d, out, 5) == IT_ETOOBIG, "small buffer");
	CHECK_STR(out, "untouched", "out untouched by every failure");
	return tap_done();
}
