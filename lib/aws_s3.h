/*
 * aws_s3.h: S3 PutObject with a signed payload (x-amz-content-sha256 = hex SHA-256 of
 * the body, one chunk, no aws-chunked encoding).
 *
 * Virtual-hosted style (https://<bucket>.s3.<region>.<suffix>/<key>), path style when
 * an endpoint override (AWS_ENDPOINT_URL[_S3]) is set or the bucket name has dots.
 * The key is signed raw and sent encoded once (S3 rules, aws_sigv4.h).
 */
#ifndef ITALIC_AWS_S3_H
#define ITALIC_AWS_S3_H

#include <stddef.h>

#include "aws_http.h"
#include "compiler.h"

/* 1 for a DNS-compatible bucket name: 3..63 of [a-z0-9.-], alnum at both ends. */
int aws_s3_valid_bucket(const char *bucket);

/*
 * Puts body (len bytes, up to IT_AWS_MAX_S3_OBJECT) at key (1..IT_AWS_MAX_S3_KEY bytes,
 * no leading '/'). content_type defaults to application/octet-stream;
 * content_encoding (e.g. "gzip") may be NULL. account NULL: own credentials.
 */
int aws_s3_put_object(struct aws_ctx *ctx, const char *account, const char *region,
		      const char *bucket, const char *key, const void *body, size_t len,
		      const char *content_type, const char *content_encoding,
		      struct aws_error *err) WARN_UNUSED;

#endif
