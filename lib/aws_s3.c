/* aws_s3.c: PutObject (see aws_s3.h). */
#include "aws_s3.h"

#include <stdlib.h>
#include <string.h>

#include "status.h"

int aws_s3_valid_bucket(const char *b)
{
	size_t n = b ? strlen(b) : 0;
	if (n < 3 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = b[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && c != '.' && c != '-')
			return 0;
		if ((i == 0 || i == n - 1) && !alnum)
			return 0;
	}
	return strstr(b, "..") == NULL;
}

int aws_s3_put_object(struct aws_ctx *ctx, const char *account, const char *region,
		      const char *bucket, const char *key, const void *body, size_t len,
		      const char *content_type, const char *content_encoding,
		      struct aws_error *err)
{
	struct aws_call call;
	struct sigv4_header extra[1];
	struct buf path, resp;
	size_t kl = key ? strlen(key) : 0;
	int rc;

	if (!aws_s3_valid_bucket(bucket))
		return aws_error_set(err, IT_EINVAL, "bad bucket name");
	if (kl == 0 || kl > IT_AWS_MAX_S3_KEY || key[0] == '/' || memchr(key, '\n', kl))
		return aws_error_set(err, IT_EINVAL, "bad object key");
	if (len > IT_AWS_MAX_S3_OBJECT)
		return aws_error_set(err, IT_ETOOBIG, "object too large");
	buf_init(&path, IT_AWS_MAX_S3_KEY + 2);
	buf_init(&resp, 0);
	rc = buf_printf(&path, "/%s", key);
	if (rc) {
		buf_finish(&path);
		return aws_error_set(err, rc, "bad object key");
	}
	memset(&call, 0, sizeof(call));
	call.service = AWS_SVC_S3;
	call.region = region;
	call.account = account;
	call.method = "PUT";
	call.path = buf_str(&path);
	call.bucket = bucket;
	call.content_type = content_type ? content_type : "application/octet-stream";
	if (content_encoding) {
		extra[0] = (struct sigv4_header){"Content-Encoding", content_encoding};
		call.extra = extra;
		call.n_extra = 1;
	}
	call.body = body;
	call.body_len = len;
	call.kind = AWS_BODY_XML;
	call.content_sha256 = 1;
	call.max_response = 64 * 1024;
	rc = aws_call(ctx, &call, &resp, err);
	buf_finish(&resp);
	buf_finish(&path);
	return rc;
}
