/* aws_sts.c: STS AssumeRole / AssumeRoleWithWebIdentity (see aws_sts.h). */
#include "aws_sts.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int sts_call(struct aws_ctx *ctx, const struct sigv4_credentials *base, const char *region,
		    const struct buf *form, struct sigv4_credentials *ret, struct aws_error *err)
{
	struct aws_call call;
	struct buf body;
	int rc;

	memset(&call, 0, sizeof(call));
	buf_init(&body, 0);
	call.service = AWS_SVC_STS;
	call.region = region;
	call.method = "POST";
	call.path = "/";
	call.content_type = "application/x-www-form-urlencoded; charset=utf-8";
	call.body = form->data;
	call.body_len = form->len;
	call.kind = AWS_BODY_XML;
	call.creds = base;
	call.unsigned_call = base == NULL;
	call.max_response = IT_AWS_MAX_CRED_DOC;
	rc = aws_call(ctx, &call, &body, err);
	if (rc == 0) {
		rc = aws_sts_parse_credentials(body.data, body.len, ret);
		if (rc)
			aws_error_set(err, rc, "STS response without usable credentials");
	}
	if (body.data)
		OPENSSL_cleanse(body.data, body.len);
	buf_finish(&body);
	return rc;
}

int aws_sts_assume_role(struct aws_ctx *ctx, const struct sigv4_credentials *base,
			const char *region, const char *role_arn, const char *session_name,
			const char *external_id, int duration_s, struct sigv4_credentials *ret,
			struct aws_error *err)
{
	struct buf form;
	char dur[16];
	int rc;

	if (!base || !role_arn || strlen(role_arn) < 20 || strlen(role_arn) > 2048 ||
	    !valid_chars(session_name, 2, 64, "+=,.@-") ||
	    (external_id && !valid_chars(external_id, 2, 1224, "+=,.@:/-")) ||
	    duration_s < 900 || duration_s > 43200)
		return aws_error_set(err, IT_EINVAL, "bad AssumeRole arguments");
	snprintf(dur, sizeof(dur), "%d", duration_s);
	buf_init(&form, 8192);
	rc = aws_form_add(&form, "Action", "AssumeRole");
	if (rc == 0)
		rc = aws_form_add(&form, "Version", "2011-06-15");
	if (rc == 0)
		rc = aws_form_add(&form, "RoleArn", role_arn);
	if (rc == 0)
		rc = aws_form_add(&form, "RoleSessionName", session_name);
	if (rc == 0 && external_id)
		rc = aws_form_add(&form, "ExternalId", external_id);
	if (rc == 0)
		rc = aws_form_add(&form, "DurationSeconds", dur);
	if (rc == 0)
		rc = sts_call(ctx, base, region, &form, ret, err);
	else
		aws_error_set(err, rc, "AssumeRole request too large");
	if (form.data)
		OPENSSL_cleanse(form.data, form.len);
	buf_finish(&form);
	return rc;
}

int aws_sts_assume_role_with_web_identity(struct aws_ctx *ctx, const char *region,
					  const char *role_arn, const char *session_name,
					  const char *token, int duration_s,
					  struct sigv4_credentials *ret, struct aws_error *err)
{
	struct buf form;
	char dur[16];
	int rc;

	if (!role_arn || strlen(role_arn) < 20 || strlen(role_arn) > 2048 ||
	    !valid_chars(session_name, 2, 64, "+=,.@-") || !token || strlen(token) < 4 ||
	    strlen(token) > 20000 || duration_s < 900 || duration_s > 43200)
		return aws_error_set(err, IT_EINVAL, "bad AssumeRoleWithWebIdentity arguments");
	snprintf(dur, sizeof(dur), "%d", duration_s);
	buf_init(&form, IT_AWS_MAX_CRED_DOC);
	rc = aws_form_add(&form, "Action", "AssumeRoleWithWebIdentity");
	if (rc == 0)
		rc = aws_form_add(&form, "Version", "2011-06-15");
	if (rc == 0)
		rc = aws_form_add(&form, "RoleArn", role_arn);
	if (rc == 0)
		rc = aws_form_add(&form, "RoleSessionName", session_name);
	if (rc == 0)
		rc = aws_form_add(&form, "WebIdentityToken", token);
	if (rc == 0)
		rc = aws_form_add(&form, "DurationSeconds", dur);
	if (rc == 0)
		rc = sts_call(ctx, NULL, region, &form, ret, err);
	else
		aws_error_set(err, rc, "AssumeRoleWithWebIdentity request too large");
	if (form.data)
		OPENSSL_cleanse(form.data, form.len);
	buf_finish(&form);
	return rc;
}
