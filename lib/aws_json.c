/* aws_json.c: the JSON-protocol call skeleton (see aws_json.h). */
#include "aws_json.h"

#include <string.h>

#include "status.h"

int aws_json_call(struct aws_ctx *ctx, const struct aws_json_op *op, const char *account,
		  const char *region, const char *body, size_t len, void *ret,
		  struct aws_error *err)
{
	struct aws_call call;
	struct aws_error e;
	struct buf answer;
	int rc;

	memset(&call, 0, sizeof(call));
	memset(&e, 0, sizeof(e));
	buf_init(&answer, 0);
	call.service = op->service;
	call.region = region;
	call.account = account;
	call.method = "POST";
	call.path = op->path ? op->path : "/";
	call.content_type = op->content_type ? op->content_type
			    : op->target ? "application/x-amz-json-1.1" : "application/json";
	call.target = op->target;
	call.body = body;
	call.body_len = len;
	call.kind = AWS_BODY_JSON;
	rc = aws_call(ctx, &call, &answer, &e);
	if (rc == 0) {
		/* some operations answer 200 with no body at all: that is an empty object */
		rc = op->parse(answer.len ? answer.data : "{}", answer.len ? answer.len : 2, ret);
		if (rc)
			aws_error_set(&e, rc, "unparsable %s response", op->name);
	}
	buf_finish(&answer);
	if (rc && err)
		*err = e;
	return rc;
}
