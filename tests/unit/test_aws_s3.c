/*
 * test_aws_s3: S3 PutObject with a signed payload.
 *
 * The request: botocore's PutObject (tests/data/aws, argv[1]) has the same key
 * encoding on the wire (dt%3D..., each byte once), the same Content-Type and
 * Content-Encoding; Italic differs on purpose in two documented ways: a signed payload
 * (x-amz-content-sha256 is the body's SHA-256, not UNSIGNED-PAYLOAD, and no
 * Content-MD5) and the regional host (botocore 1.29 uses s3.amazonaws.com for
 * us-east-1). Addressing: virtual-hosted, path style for dotted buckets and endpoint
 * overrides. Bucket names, keys and sizes are checked before sending. S3's XML errors.
 */
#include <openssl/sha.h>
#include <string.h>

#include "aws_double.h"
#include "aws_s3.h"
#include "aws_samples.h"
#include "status.h"
#include "tap.h"

static void hex_sha256(const void *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(data, len, md);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void test_request_against_botocore(void)
{
	static const char body[] = "\x1f\x8b\x08\x00" "example";
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct aws_error err;
	json_t *ref = botocore_request(6);
	const char *ref_url = ref ? botocore_str(ref, "url") : "";
	const char *ref_path = strstr(ref_url, ".com/");
	char hdr[1024], sha[65];

	if (!ctx || !ref_path)
		goto out;
	double_push(&d, 200, "", NULL);
	CHECK(aws_s3_put_object(ctx, NULL, "us-east-1", "example-siem-bucket",
				"italic/dt=2026-01-15/hour=12/part-0001.jsonl.gz", body, sizeof(body) - 1,
				"application/x-ndjson", "gzip", &err) == IT_OK, "put");
	CHECK_STR(d.reqs[0].method, "PUT", "PUT");
	CHECK_STR(strstr(d.reqs[0].url, ".com/"), ref_path, "the key on the wire is botocore's (= as %3D, once)");
	CHECK_STR(d.reqs[0].url, "https://example-siem-bucket.s3.us-east-1.amazonaws.com/italic/dt%3D2026-01-15/hour%3D12/part-0001.jsonl.gz",
		  "virtual-hosted, regional");
	CHECK_STR(req_header(&d.reqs[0], "Content-Type", hdr, sizeof(hdr)), botocore_header(ref, "Content-Type"), "type");
	CHECK_STR(req_header(&d.reqs[0], "Content-Encoding", hdr, sizeof(hdr)), botocore_header(ref, "Content-Encoding"), "encoding");
	CHECK_STR(req_header(&d.reqs[0], "X-Amz-Security-Token", hdr, sizeof(hdr)), botocore_header(ref, "X-Amz-Security-Token"), "token");
	hex_sha256(body, sizeof(body) - 1, sha);
	CHECK_STR(req_header(&d.reqs[0], "x-amz-content-sha256", hdr, sizeof(hdr)), sha, "signed payload: the body's SHA-256");
	CHECK(strstr(req_header(&d.reqs[0], "Authorization", hdr, sizeof(hdr)),
		     "Credential=AKIDEXAMPLE/20260115/us-east-1/s3/aws4_request, "
		     "SignedHeaders=content-encoding;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, ") != NULL,
	      "scope and signed headers (botocore's less content-md5): %s", hdr);
	CHECK(!req_header(&d.reqs[0], "Content-MD5", hdr, sizeof(hdr))[0] && !req_header(&d.reqs[0], "Expect", hdr, sizeof(hdr))[0],
	      "no Content-MD5, no Expect");
	CHECK(d.reqs[0].body_len == sizeof(body) - 1 && !memcmp(d.reqs[0].body, body, 3), "the whole body, NUL byte and all");
out:
	json_decref(ref);
	aws_ctx_free(ctx);
}

static void test_addressing_and_keys(void)
{
	static const char *const over[] = {"AWS_ACCESS_KEY_ID=AKID", "AWS_SECRET_ACCESS_KEY=S",
					   "AWS_ENDPOINT_URL=http://127.0.0.1:9000/base/", NULL};
	static const struct {
		const char *key, *path;
	} keys[] = {
		{"a b", "/a%20b"},
		{"caf\xc3\xa9/x+y~z", "/caf%C3%A9/x%2By~z"},
		{"deep/er/path$", "/deep/er/path%24"},
	};
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct aws_error err;
	char url[512], hdr[256];

	if (!ctx)
		return;
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		d.n_reqs = 0;
		double_push(&d, 200, "", NULL);
		CHECK(aws_s3_put_object(ctx, NULL, "eu-west-1", "bucket-1", keys[i].key, "x", 1, NULL, NULL, &err) == IT_OK,
		      "key %zu", i);
		snprintf(url, sizeof(url), "https://bucket-1.s3.eu-west-1.amazonaws.com%s", keys[i].path);
		CHECK_STR(d.reqs[0].url, url, keys[i].key);
		CHECK_STR(req_header(&d.reqs[0], "Content-Type", hdr, sizeof(hdr)), "application/octet-stream", "default type");
	}
	d.n_reqs = 0;
	double_push(&d, 200, "", NULL);
	CHECK(aws_s3_put_object(ctx, NULL, "cn-north-1", "bucket-1", "k", "x", 1, NULL, NULL, &err) == IT_OK, "China");
	CHECK_STR(d.reqs[0].url, "https://bucket-1.s3.cn-north-1.amazonaws.com.cn/k", "aws-cn suffix");
	aws_ctx_free(ctx);

	/* an override with a base path: path style under it, Host with the port */
	ctx = sample_ctx(&d, &clk, over);
	if (!ctx)
		return;
	double_push(&d, 200, "", NULL);
	CHECK(aws_s3_put_object(ctx, NULL, "eu-west-1", "bucket-1", "k/1", "x", 1, NULL, NULL, &err) == IT_OK, "override");
	CHECK_STR(d.reqs[0].url, "http://127.0.0.1:9000/base/bucket-1/k/1", "path style under the base path");
	CHECK_STR(req_header(&d.reqs[0], "Host", hdr, sizeof(hdr)), "127.0.0.1:9000", "Host");
	aws_ctx_free(ctx);
}

static void test_refusals(void)
{
	static const struct {
		const char *bucket;
		int valid;
	} buckets[] = {
		{"abc", 1}, {"my-logs.example.com", 1}, {"a1-b2", 1},
		{"ab", 0}, {"Caps", 0}, {"-lead", 0}, {"trail-", 0}, {"dot..dot", 0}, {"under_score", 0},
		{"0123456789012345678901234567890123456789012345678901234567890123", 0},  /* 64 */
		{NULL, 0},
	};
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct aws_error err;
	char key[IT_AWS_MAX_S3_KEY + 2];

	for (size_t i = 0; i < ARRAY_LEN(buckets); i++)
		CHECK(aws_s3_valid_bucket(buckets[i].bucket) == buckets[i].valid, "bucket %s", buckets[i].bucket ? buckets[i].bucket : "NULL");
	if (!ctx)
		return;
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	CHECK(aws_s3_put_object(ctx, NULL, "us-east-1", "Bad_Bucket", "k", "", 0, NULL, NULL, &err) == IT_EINVAL, "bad bucket");
	CHECK(aws_s3_put_object(ctx, NULL, "us-east-1", "bucket", "", "", 0, NULL, NULL, &err) == IT_EINVAL, "empty key");
	CHECK(aws_s3_put_object(ctx, NULL, "us-east-1", "bucket", "/k", "", 0, NULL, NULL, &err) == IT_EINVAL, "leading '/'");
	CHECK(aws_s3_put_object(ctx, NULL, "us-east-1", "bucket", "a\nb", "", 0, NULL, NULL, &err) == IT_EINVAL, "newline in key");
	CHECK(aws_s3_put_object(ctx, NULL, "us-east-1", "bucket", key, "", 0, NULL, NULL, &err) == IT_EINVAL, "1025-byte key");
	CHECK(aws_s3_put_object(ctx, NULL, "us-east-1", "bucket", "k", "", (size_t)IT_AWS_MAX_S3_OBJECT + 1, NULL, NULL, &err) ==
	      IT_ETOOBIG, "object over the cap");
	CHECK(d.n_reqs == 0, "nothing sent");
	key[IT_AWS_MAX_S3_KEY] = '\0';
	double_push(&d, 200, "", NULL);
	CHECK(aws_s3_put_object(ctx, NULL, "us-east-1", "bucket", key, "", 0, NULL, NULL, &err) == IT_OK, "1024-byte key");
	aws_ctx_free(ctx);
}

static void test_errors(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct aws_error err;

	if (!ctx)
		return;
	double_push(&d, 404, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code>"
			     "<Message>The specified bucket does not exist</Message><BucketName>gone</BucketName>"
			     "<RequestId>4442587FB7D0A2F9</RequestId><HostId>h</HostId></Error>", NULL);
	CHECK(aws_s3_put_object(ctx, NULL, "us-east-1", "gone", "k", "x", 1, NULL, NULL, &err) == IT_ENOTFOUND, "NoSuchBucket");
	CHECK_STR(err.code, "NoSuchBucket", "code");
	CHECK_STR(err.request_id, "4442587FB7D0A2F9", "S3 request id from the body");
	CHECK(err.http_status == 404, "404");
	double_push(&d, 403, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>", NULL);
	CHECK(aws_s3_put_object(ctx, NULL, "us-east-1", "b-1", "k", "x", 1, NULL, NULL, &err) == IT_EDENIED, "AccessDenied");
	d.n_reqs = d.n_slept = 0;
	double_push(&d, 503, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>", NULL);
	double_push(&d, 200, "", NULL);
	CHECK(aws_s3_put_object(ctx, NULL, "us-east-1", "b-1", "k", "x", 1, NULL, NULL, &err) == IT_OK && d.n_reqs == 2,
	      "SlowDown retried");
	aws_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	sample_init(argc, argv);
	test_request_against_botocore();
	test_addressing_and_keys();
	test_refusals();
	test_errors();
	return tap_done();
}
