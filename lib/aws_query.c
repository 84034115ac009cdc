/* aws_query.c: Query API forms and the call skeleton (see aws_query.h). */
#include "aws_query.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "status.h"

/* The largest form sent is AssumeRoleWithWebIdentity's: a token of up to 20,000 bytes,
 * up to three times that once encoded. EC2 forms of IT_AWS_MAX_IDS ids are ~6 KiB. */
#define QUERY_FORM_MAX (64 * 1024)

int aws_form_add(struct buf *b, const char *name, const char *value)
{
	int rc = IT_OK;
	if (b->len > 0)
		rc = buf_puts(b, "&");
	if (rc == 0)
		rc = sigv4_uri_encode(b, name, strlen(name), 0);
	if (rc == 0)
		rc = buf_puts(b, "=");
	if (rc == 0)
		rc = sigv4_uri_encode(b, value, strlen(value), 0);
	return rc;
}

int aws_form_add_list(struct buf *b, const char *prefix, const char *const *values, size_t n,
		      int (*valid)(const char *))
{
	char name[128];
	int rc = IT_OK;

	for (size_t i = 0; i < n && rc == 0; i++) {
		int len;
		if (!values[i] || (valid && !valid(values[i])))
			return IT_EINVAL;
		len = snprintf(name, sizeof(name), "%s.%zu", prefix, i + 1);
		if (len < 0 || (size_t)len >= sizeof(name))
			return IT_EINVAL;
		rc = aws_form_add(b, name, values[i]);
	}
	return rc;
}

static int build_form(const struct aws_query_op *op, const struct aws_query *q, struct buf *form)
{
	char max[24];
	int rc;

	rc = aws_form_add(form, "Action", op->action);
	if (rc == 0)
		rc = aws_form_add(form, "Version", op->version);
	if (rc == 0 && q->params && *q->params)
		rc = buf_printf(form, "&%s", q->params);
	if (rc == 0 && q->max_results) {
		snprintf(max, sizeof(max), "%u", q->max_results);
		rc = aws_form_add(form, "MaxResults", max);
	}
	if (rc == 0 && q->next_token)
		rc = aws_form_add(form, "NextToken", q->next_token);
	return rc;
}

/* <stem>.NotFound or <stem>.Unavailable */
static int not_found_code(const char *code, const char *stem)
{
	size_t n = strlen(stem);
	return !strncmp(code, stem, n) &&
	       (!strcmp(code + n, ".NotFound") || !strcmp(code + n, ".Unavailable"));
}

static void wipe(struct buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->len);
}

int aws_query_call(struct aws_ctx *ctx, const struct aws_query_op *op, const struct aws_query *q,
		   void *ret, struct aws_error *err)
{
	struct aws_call call;
	struct aws_error e;
	struct buf form, body;
	int rc;

	memset(&e, 0, sizeof(e));
	buf_init(&form, QUERY_FORM_MAX);
	buf_init(&body, 0);
	rc = build_form(op, q, &form);
	if (rc) {
		aws_error_set(&e, rc, "%s request too large", op->action);
		goto out;
	}
	memset(&call, 0, sizeof(call));
	call.service = op->service;
	call.region = q->region;
	call.account = q->account;
	call.method = "POST";
	call.path = "/";
	call.content_type = "application/x-www-form-urlencoded; charset=utf-8";
	call.body = form.data;
	call.body_len = form.len;
	call.kind = AWS_BODY_XML;
	call.creds = q->creds;
	call.unsigned_call = q->unsigned_call;
	call.max_response = op->max_response;
	rc = aws_call(ctx, &call, &body, &e);
	/* by code, not by class: <stem>.Unavailable classifies as IT_EREMOTE */
	if (rc && op->not_found && not_found_code(e.code, op->not_found)) {
		memset(ret, 0, op->result_size);
		rc = IT_OK;
	} else if (rc == 0) {
		rc = op->parse(body.data, body.len, ret);
		if (rc)
			aws_error_set(&e, rc, "unparsable %s response", op->action);
	}
out:
	if (op->secret) {
		wipe(&form);
		wipe(&body);
	}
	buf_finish(&form);
	buf_finish(&body);
	if (rc && err)
		*err = e;
	return rc;
}
