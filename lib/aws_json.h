/*
 * aws_json.h: the JSON protocols (JSON 1.0/1.1 with X-Amz-Target, and rest-json):
 * the one call skeleton their operations share:
 *
 *     JSON body (built and checked by the client) -> signed POST <path>
 *       [X-Amz-Target] -> parse the 2xx body (an empty body reads as "{}")
 *
 * Errors come back classified from {"__type"} / x-amzn-ErrorType (aws_error.h). An
 * operation is a static const struct aws_json_op; adding one is a body builder, a
 * parser and an op row, e.g. EventBridge PutEvents and SSM GetParameter (each also
 * needs its service row in aws_endpoint.h):
 *
 *     {AWS_SVC_EVENTS, "PutEvents", "AWSEvents.PutEvents", NULL, NULL, parse_put_events}
 *     {AWS_SVC_SSM, "GetParameter", "AmazonSSM.GetParameter", NULL, NULL, parse_parameter}
 *
 * and Security Hub, rest-json, names its path instead of a target:
 *
 *     {AWS_SVC_SECURITYHUB, "BatchImportFindings", NULL, "/findings/import", NULL, parse}
 *
 * "Partial success" answers (FailedEvaluations, FailedFindings, FailedEntryCount) are
 * a 200 like any other: the parser reports them in the result, never as an error.
 */
#ifndef ITALIC_AWS_JSON_H
#define ITALIC_AWS_JSON_H

#include <stddef.h>

#include "aws_http.h"
#include "compiler.h"

/* What is fixed for one operation. */
struct aws_json_op {
	enum aws_service service;
	const char *name;             /* "PutEvaluations": for error messages */
	const char *target;           /* JSON 1.x: X-Amz-Target; rest-json: NULL */
	const char *path;             /* NULL: "/" (JSON 1.x); rest-json: the operation's path */
	const char *content_type;     /* NULL: application/x-amz-json-1.1 with a target,
				       * application/json without */
	/* The 2xx body (len > 0; "{}" for an empty body) into ret, written only on success. */
	int (*parse)(const char *json, size_t len, void *ret);
};

/*
 * POSTs body (len bytes of JSON, borrowed) as op in account (NULL: own credentials)
 * and region, then parses the answer into ret. IT_OK with *ret filled; errors are
 * aws_call()'s (aws_http.h) or the parser's for a 2xx body it refuses
 * ("unparsable <name> response"). err (may be NULL) is written only on failure.
 */
int aws_json_call(struct aws_ctx *ctx, const struct aws_json_op *op, const char *account,
		  const char *region, const char *body, size_t len, void *ret,
		  struct aws_error *err) WARN_UNUSED;

#endif
