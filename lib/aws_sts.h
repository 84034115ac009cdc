/*
 * aws_sts.h: STS AssumeRole and AssumeRoleWithWebIdentity (Query API 2011-06-15).
 *
 * Both go to the regional endpoint (https://sts.<region>.<dns suffix>, or
 * AWS_ENDPOINT_URL_STS): Debian's botocore still defaults to the global one, but the
 * regional endpoint keeps working when us-east-1 has trouble and is the only one in
 * opt-in regions. Neither logs or keeps the credentials it returns.
 */
#ifndef ITALIC_AWS_STS_H
#define ITALIC_AWS_STS_H

#include <stddef.h>

#include "aws_http.h"
#include "aws_sigv4.h"
#include "compiler.h"

/*
 * AssumeRole with base credentials into role_arn. session_name must match
 * [\w+=,.@-]{2,64}; external_id (NULL: none) [\w+=,.@:/-]{2,1224}; duration_s
 * 900..43200. On success *ret holds the temporary set with its Expiration.
 * Errors: aws_call()'s (IT_EDENIED for a trust-policy / ExternalId refusal), IT_EINVAL
 * for bad arguments or a response without credentials.
 */
int aws_sts_assume_role(struct aws_ctx *ctx, const struct sigv4_credentials *base,
			const char *region, const char *role_arn, const char *session_name,
			const char *external_id, int duration_s, struct sigv4_credentials *ret,
			struct aws_error *err) WARN_UNUSED;

/* AssumeRoleWithWebIdentity: an unsigned call carrying the OIDC token. */
int aws_sts_assume_role_with_web_identity(struct aws_ctx *ctx, const char *region,
					  const char *role_arn, const char *session_name,
					  const char *token, int duration_s,
					  struct sigv4_credentials *ret,
					  struct aws_error *err) WARN_UNUSED;

/* Credentials{AccessKeyId, SecretAccessKey, SessionToken, Expiration} of either
 * response (whitespace inside the values is dropped: documentation samples wrap the
 * token). IT_EINVAL when a field is missing or the Expiration does not parse. */
int aws_sts_parse_credentials(const char *xml, size_t len, struct sigv4_credentials *ret) WARN_UNUSED;

#endif
