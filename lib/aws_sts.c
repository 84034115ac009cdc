/* aws_sts.c: STS AssumeRole / AssumeRoleWithWebIdentity (see aws_sts.h). */
#include "aws_sts.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_query.h"
#include "aws_xml.h"
#include "parse.h"
#include "status.h"

struct cred_parse {
	char key[IT_AWS_MAX_KEY_ID + 1];
	char secret[IT_AWS_MAX_SECRET + 1];
	char token[IT_AWS_MAX_SESSION + 1];
	char expiration[64];
	int too_big;
};

/* Copies text without any whitespace; sets too_big when it does not fit. */
static void copy_squeezed(char *dst, size_t size, const char *text, size_t len, int *too_big)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (o + 1 >= size) {
			*too_big = 1;
			break;
		}
		dst[o++] = c;
	}
	dst[o] = '\0';
}

static int cred_end(void *ctx, const char *const *path, int depth, const char *text, size_t len)
{
	struct cred_parse *p = ctx;
	const char *name = path[depth - 1];

	if (depth != 4 || strcmp(path[2], "Credentials") != 0 ||
	    (strcmp(path[1], "AssumeRoleResult") != 0 &&
	     strcmp(path[1], "AssumeRoleWithWebIdentityResult") != 0))
		return IT_OK;
	if (!strcmp(name, "AccessKeyId"))
		copy_squeezed(p->key, sizeof(p->key), text, len, &p->too_big);
	else if (!strcmp(name, "SecretAccessKey"))
		copy_squeezed(p->secret, sizeof(p->secret), text, len, &p->too_big);
	else if (!strcmp(name, "SessionToken"))
		copy_squeezed(p->token, sizeof(p->token), text, len, &p->too_big);
	else if (!strcmp(name, "Expiration"))
		copy_squeezed(p->expiration, sizeof(p->expiration), text, len, &p->too_big);
	return IT_OK;
}

int aws_sts_parse_credentials(const char *xml, size_t len, struct sigv4_credentials *ret)
{
	struct cred_parse *p;
	struct aws_xml_handler h = {NULL, cred_end, NULL};
	int64_t exp = 0;
	int rc;

	p = calloc(1, sizeof(*p));
	if (!p)
		return IT_ENOMEM;
	h.ctx = p;
	rc = aws_xml_parse(xml, len, &h);
	if (rc == 0 && p->too_big)
		rc = IT_ETOOBIG;
	if (rc == 0 && (!p->key[0] || !p->secret[0] || !p->token[0] ||
			parse_time_ms(p->expiration, &exp) != IT_OK))
		rc = IT_EINVAL;
	if (rc == 0)
		rc = sigv4_credentials_set(ret, p->key, p->secret, p->token, exp);
	OPENSSL_cleanse(p, sizeof(*p));
	free(p);
	return rc;
}

static int valid_chars(const char *s, size_t min, size_t max, const char *extra)
{
	size_t n = s ? strlen(s) : 0;
	if (n < min || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || strchr(extra, c)))
			return 0;
	}
	return 1;
}

static int parse_credentials(const char *xml, size_t len, void *ret)
{
	return aws_sts_parse_credentials(xml, len, ret);
}

/* secret: the form holds an ExternalId or an OIDC token, the answer a secret key */
static const struct aws_query_op assume_role = {
	AWS_SVC_STS, "AssumeRole", AWS_STS_VERSION, NULL,
	sizeof(struct sigv4_credentials), parse_credentials, IT_AWS_MAX_CRED_DOC, 1,
};

static const struct aws_query_op assume_role_with_web_identity = {
	AWS_SVC_STS, "AssumeRoleWithWebIdentity", AWS_STS_VERSION, NULL,
	sizeof(struct sigv4_credentials), parse_credentials, IT_AWS_MAX_CRED_DOC, 1,
};

/*
 * The parameters both actions share, in botocore's order: RoleArn, RoleSessionName,
 * then name=value (ExternalId or WebIdentityToken; NULL name: none), DurationSeconds.
 * base NULL sends the call unsigned. The form is wiped after use.
 */
static int sts_call(struct aws_ctx *ctx, const struct aws_query_op *op,
		    const struct sigv4_credentials *base, const char *region, const char *role_arn,
		    const char *session_name, const char *name, const char *value, int duration_s,
		    size_t max_form, struct sigv4_credentials *ret, struct aws_error *err)
{
	struct aws_query q;
	struct buf params;
	char dur[16];
	int rc;

	snprintf(dur, sizeof(dur), "%d", duration_s);
	buf_init(&params, max_form);
	rc = aws_form_add(&params, "RoleArn", role_arn);
	if (rc == 0)
		rc = aws_form_add(&params, "RoleSessionName", session_name);
	if (rc == 0 && name)
		rc = aws_form_add(&params, name, value);
	if (rc == 0)
		rc = aws_form_add(&params, "DurationSeconds", dur);
	if (rc == 0) {
		memset(&q, 0, sizeof(q));
		q.region = region;
		q.params = buf_str(&params);
		q.creds = base;
		q.unsigned_call = base == NULL;
		rc = aws_query_call(ctx, op, &q, ret, err);
	} else {
		aws_error_set(err, rc, "%s request too large", op->action);
	}
	if (params.data)
		OPENSSL_cleanse(params.data, params.len);
	buf_finish(&params);
	return rc;
}

int aws_sts_assume_role(struct aws_ctx *ctx, const struct sigv4_credentials *base,
			const char *region, const char *role_arn, const char *session_name,
			const char *external_id, int duration_s, struct sigv4_credentials *ret,
			struct aws_error *err)
{
	if (!base || !role_arn || strlen(role_arn) < 20 || strlen(role_arn) > 2048 ||
	    !valid_chars(session_name, 2, 64, "+=,.@-") ||
	    (external_id && !valid_chars(external_id, 2, 1224, "+=,.@:/-")) ||
	    duration_s < 900 || duration_s > 43200)
		return aws_error_set(err, IT_EINVAL, "bad AssumeRole arguments");
	return sts_call(ctx, &assume_role, base, region, role_arn, session_name,
			external_id ? "ExternalId" : NULL, external_id, duration_s, 8192, ret, err);
}

int aws_sts_assume_role_with_web_identity(struct aws_ctx *ctx, const char *region,
					  const char *role_arn, const char *session_name,
					  const char *token, int duration_s,
					  struct sigv4_credentials *ret, struct aws_error *err)
{
	if (!role_arn || strlen(role_arn) < 20 || strlen(role_arn) > 2048 ||
	    !valid_chars(session_name, 2, 64, "+=,.@-") || !token || strlen(token) < 4 ||
	    strlen(token) > 20000 || duration_s < 900 || duration_s > 43200)
		return aws_error_set(err, IT_EINVAL, "bad AssumeRoleWithWebIdentity arguments");
	return sts_call(ctx, &assume_role_with_web_identity, NULL, region, role_arn, session_name,
			"WebIdentityToken", token, duration_s, IT_AWS_MAX_CRED_DOC, ret, err);
}
