/*
 * test_aws_query: the Query-API skeleton every EC2 and STS call goes through.
 *
 * Form encoding (what botocore sends and SigV4 signs), list numbering, a listing call
 * with owners and a filter built from the generic pieces and compared with botocore's
 * request byte for byte (tests/data/aws, argv[1]), paging parameters, the not-found
 * stem, explicit and absent credentials, and the failure contract (err written, the
 * result untouched).
 */
#include <string.h>

#include "aws_double.h"
#include "aws_query.h"
#include "aws_samples.h"
#include "parse.h"
#include "status.h"
#include "tap.h"

static void test_form(void)
{
	static const struct {
		const char *name, *value, *want;
	} cases[] = {
		{"Action", "AssumeRole", "Action=AssumeRole"},
		{"k", "-_.~", "k=-_.~"},                          /* unreserved: kept */
		{"k", "a b", "k=a%20b"},                          /* space: %20, never '+' */
		{"k", "a+b/c=d&e", "k=a%2Bb%2Fc%3Dd%26e"},
		{"k", "golden-al2023-*", "k=golden-al2023-%2A"}, /* as botocore */
		{"k", "caf\xc3\xa9", "k=caf%C3%A9"},              /* UTF-8 bytes, upper-case hex */
		{"Filter.1.Name", "", "Filter.1.Name="},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct buf b;
		buf_init(&b, 1024);
		CHECK(aws_form_add(&b, cases[i].name, cases[i].value) == IT_OK, "form %zu", i);
		CHECK_STR(buf_str(&b), cases[i].want, cases[i].want);
		buf_finish(&b);
	}
	{
		struct buf b;
		const char *ids[] = {"a", "b", "c"};
		const char *with_null[] = {"a", NULL};
		buf_init(&b, 1024);
		CHECK(aws_form_add(&b, "Action", "X") == IT_OK && aws_form_add_list(&b, "Id", ids, 3, NULL) == IT_OK,
		      "list");
		CHECK_STR(buf_str(&b), "Action=X&Id.1=a&Id.2=b&Id.3=c", "numbered from 1, joined with '&'");
		buf_reset(&b);
		CHECK(aws_form_add_list(&b, "Filter.1.Value", ids, 1, NULL) == IT_OK, "nested prefix");
		CHECK_STR(buf_str(&b), "Filter.1.Value.1=a", "Filter.1.Value.1");
		buf_reset(&b);
		CHECK(aws_form_add_list(&b, "Id", with_null, 2, NULL) == IT_EINVAL, "a NULL value");
		CHECK(aws_form_add_list(&b, "Id", ids, 2, valid_instance_id) == IT_EINVAL, "valid() refuses");
		buf_finish(&b);
		buf_init(&b, 8);
		CHECK(aws_form_add(&b, "Action", "DescribeInstances") == IT_ETOOBIG, "over the buffer's cap");
		buf_finish(&b);
	}
}

/* A parser that records what it was given and fills a small record. */
struct rec {
	int calls;
	size_t len;
	char first[32];
};

static int parse_rec(const char *xml, size_t len, void *ret)
{
	struct rec *r = ret;
	if (!xml || strstr(xml, "<bad/>"))
		return IT_EINVAL;
	r->calls++;
	r->len = len;
	snprintf(r->first, sizeof(r->first), "%.*s", (int)(len < 31 ? len : 31), xml);
	return IT_OK;
}

static const struct aws_query_op describe_images = {
	AWS_SVC_EC2, "DescribeImages", AWS_EC2_VERSION, "InvalidAMIID", sizeof(struct rec), parse_rec, 0, 0,
};

static const struct aws_query_op no_stem = {
	AWS_SVC_EC2, "DescribeImages", AWS_EC2_VERSION, NULL, sizeof(struct rec), parse_rec, 0, 0,
};

static void test_listing_like_botocore(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx;
	struct aws_query q;
	struct buf params;
	struct rec r;
	struct aws_error err;
	const char *owners[] = {"amazon", "123456789012"};
	const char *names[] = {"golden-al2023-*"};
	json_t *ref = botocore_request(1);

	ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	if (!ctx || !ref) {
		aws_ctx_free(ctx);
		json_decref(ref);
		return;
	}
	buf_init(&params, 4096);
	CHECK(aws_form_add_list(&params, "Owner", owners, 2, NULL) == IT_OK &&
	      aws_form_add(&params, "Filter.1.Name", "name") == IT_OK &&
	      aws_form_add_list(&params, "Filter.1.Value", names, 1, NULL) == IT_OK, "owner/filter params");
	memset(&q, 0, sizeof(q));
	q.region = "us-east-1";
	q.params = buf_str(&params);
	memset(&r, 0, sizeof(r));
	double_push(&d, 200, "<DescribeImagesResponse><imagesSet/></DescribeImagesResponse>", NULL);
	CHECK(aws_query_call(ctx, &describe_images, &q, &r, &err) == IT_OK, "listing call");
	CHECK(r.calls == 1 && r.len == 61 && !strncmp(r.first, "<DescribeImagesResponse><images", 31),
	      "parser got the whole 2xx body: %zu %s", r.len, r.first);
	check_like_botocore(&d.reqs[0], ref, "DescribeImages by owner and name filter");
	buf_finish(&params);
	json_decref(ref);
	aws_ctx_free(ctx);
}

static void test_paging_and_not_found(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx;
	struct aws_query q;
	struct rec r;
	struct aws_error err;

	ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	if (!ctx)
		return;
	memset(&q, 0, sizeof(q));
	q.region = "us-east-1";
	q.params = "Owner.1=self";
	q.max_results = 5;
	q.next_token = "a b/c";
	double_push(&d, 200, "<R/>", NULL);
	CHECK(aws_query_call(ctx, &describe_images, &q, &r, &err) == IT_OK, "paged call");
	CHECK_STR(d.reqs[0].body, "Action=DescribeImages&Version=2016-11-15&Owner.1=self&MaxResults=5&NextToken=a%20b%2Fc",
		  "Action, Version, parameters, then MaxResults and NextToken");

	/* the op's stem, .NotFound and .Unavailable: zeroed result, IT_OK, no retry */
	for (int i = 0; i < 2; i++) {
		const char *code = i ? "InvalidAMIID.Unavailable" : "InvalidAMIID.NotFound";
		char body[256];
		snprintf(body, sizeof(body), "<Response><Errors><Error><Code>%s</Code></Error></Errors></Response>", code);
		d.n_reqs = d.n_slept = 0;
		memset(&r, 0x5a, sizeof(r));
		memset(&err, 0, sizeof(err));
		double_push(&d, 400, body, NULL);
		CHECK(aws_query_call(ctx, &describe_images, &q, &r, &err) == IT_OK, "%s: OK", code);
		CHECK(r.calls == 0 && r.len == 0 && r.first[0] == '\0', "%s: result zeroed", code);
		CHECK(err.status == 0 && d.n_reqs == 1, "%s: err untouched, one request", code);
	}
	/* another stem, or an op without one: an error, the result untouched */
	memset(&r, 0, sizeof(r));
	r.calls = 7;
	double_push(&d, 400, "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code></Error></Errors>"
			     "<RequestID>q-1</RequestID></Response>", NULL);
	CHECK(aws_query_call(ctx, &describe_images, &q, &r, &err) == IT_ENOTFOUND, "another stem");
	CHECK(r.calls == 7 && err.status == IT_ENOTFOUND && !strcmp(err.request_id, "q-1"), "untouched, err filled");
	double_push(&d, 400, "<Response><Errors><Error><Code>InvalidAMIID.NotFound</Code></Error></Errors></Response>", NULL);
	CHECK(aws_query_call(ctx, &no_stem, &q, &r, &err) == IT_ENOTFOUND && r.calls == 7, "no stem: NotFound stays an error");

	/* a 2xx body the parser refuses */
	memset(&err, 0, sizeof(err));
	double_push(&d, 200, "<bad/>", NULL);
	CHECK(aws_query_call(ctx, &describe_images, &q, &r, &err) == IT_EINVAL, "parser refusal");
	CHECK(r.calls == 7 && !strcmp(err.message, "unparsable DescribeImages response") && err.status == IT_EINVAL,
	      "message: %s", err.message);

	/* a form over the cap: refused before sending */
	{
		struct buf big;
		size_t before = d.n_reqs;
		buf_init(&big, 80 * 1024);
		for (int i = 0; i < 70 * 1024 && buf_puts(&big, "x") == IT_OK; i++)
			;
		q.params = buf_str(&big);
		CHECK(aws_query_call(ctx, &describe_images, &q, &r, &err) == IT_ETOOBIG, "form too large");
		CHECK(d.n_reqs == before && strstr(err.message, "too large") != NULL, "nothing sent: %s", err.message);
		buf_finish(&big);
	}
	aws_ctx_free(ctx);
}

static void test_credentials(void)
{
	/* no usable source: the chain answers IT_EAUTH without a request */
	static const char *const env[] = {"AWS_EC2_METADATA_DISABLED=true", "HOME=/nonexistent", NULL};
	static const struct sigv4_credentials explicit = {"AKEXPLICIT", "secret", "", 0};
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx;
	struct aws_query q;
	struct rec r;
	struct aws_error err;
	char hdr[512];

	ctx = sample_ctx(&d, &clk, env);
	if (!ctx)
		return;
	memset(&q, 0, sizeof(q));
	q.region = "eu-west-1";
	memset(&err, 0, sizeof(err));
	CHECK(aws_query_call(ctx, &no_stem, &q, &r, &err) == IT_EAUTH && d.n_reqs == 0, "no credentials: IT_EAUTH, nothing sent");
	CHECK(err.message[0] != '\0', "err says why: %s", err.message);
	q.creds = &explicit;
	double_push(&d, 200, "<R/>", NULL);
	CHECK(aws_query_call(ctx, &no_stem, &q, &r, &err) == IT_OK, "explicit credentials");
	CHECK(strstr(req_header(&d.reqs[0], "Authorization", hdr, sizeof(hdr)), "Credential=AKEXPLICIT/20260115/eu-west-1/ec2/") != NULL,
	      "signed with them: %s", hdr);
	CHECK(!req_header(&d.reqs[0], "X-Amz-Security-Token", hdr, sizeof(hdr))[0], "no token for long-term keys");
	q.creds = NULL;
	q.unsigned_call = 1;
	double_push(&d, 200, "<R/>", NULL);
	CHECK(aws_query_call(ctx, &no_stem, &q, &r, &err) == IT_OK, "unsigned");
	CHECK(!req_header(&d.reqs[1], "Authorization", hdr, sizeof(hdr))[0], "no Authorization");
	aws_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	sample_init(argc, argv);
	test_form();
	test_listing_like_botocore();
	test_paging_and_not_found();
	test_credentials();
	return tap_done();
}
