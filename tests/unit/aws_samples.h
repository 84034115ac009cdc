/*
 * aws_samples.h: the committed AWS samples (tests/data/aws, argv[1] of the AWS client
 * tests) and the reference requests botocore generated for the same calls.
 *
 * sample_read() fails the test (not skips it) when a file is missing: a test that
 * cannot find its data must not pass. botocore_request(i) is request i of
 * botocore-1.29.27-generated-signed-requests.json: 0 DescribeImages by id,
 * 1 DescribeImages by owner/filter, 2 DescribeInstances by id, 3 STS AssumeRole,
 * 4 Config PutEvaluations, 5 Security Hub BatchImportFindings, 6 S3 PutObject. They
 * were signed at 2026-01-15T12:00:00Z (the double's clock) with the credentials in
 * BOTOCORE_ENV, in us-east-1.
 */
#ifndef ITALIC_TEST_AWS_SAMPLES_H
#define ITALIC_TEST_AWS_SAMPLES_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aws_double.h"
#include "fixture_files.h"
#include "tap.h"

static const char *sample_dir = "tests/data/aws";

/* The credentials and region botocore signed with. */
static const char *const BOTOCORE_ENV[] = {
	"AWS_ACCESS_KEY_ID=AKIDEXAMPLE",
	"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	"AWS_SESSION_TOKEN=FQoGZXIvYXdzEXAMPLESESSIONTOKEN",
	"AWS_REGION=us-east-1",
	NULL,
};

static inline void sample_init(int argc, char **argv)
{
	if (argc > 1)
		sample_dir = argv[1];
}

/* A fresh double and a ctx over it with env ("NAME=value" strings; BOTOCORE_ENV for
 * botocore's credentials), own credentials only. NULL (and a failed check) if it cannot
 * be made. */
static inline struct aws_ctx *sample_ctx(struct aws_double *d, struct clock *clk,
					 const char *const *env)
{
	struct aws_ctx *ctx;
	double_init(d);
	ctx = double_ctx(d, env, NULL, NULL, clk);
	CHECK(ctx != NULL, "ctx over the double");
	return ctx;
}

/* The whole file, NUL-terminated (caller frees); NULL (and a failed check) if absent. */
static inline char *sample_read(const char *name, size_t *ret_len)
{
	char path[1024];
	char *data;

	snprintf(path, sizeof(path), "%s/%s", sample_dir, name);
	CHECK(access(path, R_OK) == 0, "sample %s is readable (argv[1] is tests/data/aws)", path);
	data = fixture_read(path, ret_len);
	CHECK(data != NULL, "sample %s read", path);
	return data;
}

/* Request i of the botocore file (a new reference), or NULL with a failed check. */
static inline json_t *botocore_request(size_t i)
{
	json_error_t je;
	char *text = sample_read("botocore-1.29.27-generated-signed-requests.json", NULL);
	json_t *doc = text ? json_loads(text, JSON_ALLOW_NUL, &je) : NULL;
	json_t *req = json_incref(json_array_get(json_object_get(doc, "requests"), i));

	free(text);
	json_decref(doc);
	CHECK(json_is_object(req), "botocore request %zu", i);
	return req;
}

static inline const char *botocore_str(const json_t *req, const char *key)
{
	const char *s = json_string_value(json_object_get(req, key));
	return s ? s : "";
}

static inline const char *botocore_header(const json_t *req, const char *name)
{
	return json_string_value(json_object_get(json_object_get(req, "headers"), name));
}

/* The value of header name (case-insensitive) in a recorded request, into out;
 * "" when absent. */
static inline const char *req_header(const struct double_req *q, const char *name, char *out,
				     size_t size)
{
	size_t n = strlen(name);
	const char *p = q->headers;

	out[0] = '\0';
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > n + 1 && !strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1;
			while (*v == ' ')
				v++;
			snprintf(out, size, "%.*s", (int)(len - (size_t)(v - p)), v);
			return out;
		}
		p = nl ? nl + 1 : p + len;
	}
	return out;
}

/* The recorded request q against botocore's request ref: method, URL, body, and the
 * headers botocore sent that SigV4 covers (Content-Type, X-Amz-Target, X-Amz-Date,
 * X-Amz-Security-Token, Authorization: the signature itself). */
static inline void check_like_botocore(const struct double_req *q, const json_t *ref,
				       const char *what)
{
	static const char *const names[] = {"Content-Type", "X-Amz-Target", "X-Amz-Date",
					    "X-Amz-Security-Token", "Authorization"};
	char got[4096];

	CHECK_STR(q->method, botocore_str(ref, "method"), what);
	CHECK_STR(q->url, botocore_str(ref, "url"), what);
	CHECK_STR(q->body, botocore_str(ref, "body"), what);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *want = botocore_header(ref, names[i]);
		req_header(q, names[i], got, sizeof(got));
		if (want)
			CHECK(!strcmp(got, want), "%s: %s: got \"%s\" want \"%s\"", what, names[i], got, want);
		else
			CHECK(got[0] == '\0', "%s: no %s header (botocore sends none): %s", what, names[i], got);
	}
}

#endif
