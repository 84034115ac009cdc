/*
 * aws_query.h: the AWS Query API (EC2 2016-11-15, STS 2011-06-15): form-encoded
 * requests, XML answers, and the one call skeleton every Query action shares:
 *
 *     form (Action, Version, the action's parameters, paging) -> signed POST /
 *       -> "not found" answered as an empty result -> parse the 2xx body
 *
 * An action is a static const struct aws_query_op (what is fixed per action); one
 * request is a struct aws_query (who, where, which parameters, which page). Adding an
 * action is a parser, an op row, and a function that builds its parameters:
 *
 *     static const struct aws_query_op describe_launch_templates = {
 *         AWS_SVC_EC2, "DescribeLaunchTemplates", AWS_EC2_VERSION,
 *         "InvalidLaunchTemplateId", sizeof(struct ...), parse_templates, 0, 0};
 *     aws_form_add_list(&params, "LaunchTemplateId", ids, n, NULL);
 *     q.params = buf_str(&params);
 *     rc = aws_query_call(ctx, &describe_launch_templates, &q, &result, err);
 *
 * Pagination: set q.max_results (MaxResults) and q.next_token (NextToken, NULL for the
 * first page); the parser stores the answer's nextToken in the result, and the caller
 * loops until it is NULL, bounded by IT_AWS_MAX_PAGES. EC2 rejects MaxResults together
 * with an explicit id list, so a call by ids leaves both unset.
 *
 * Form encoding is application/x-www-form-urlencoded with RFC 3986 unreserved
 * characters kept and everything else %XX (a space is %20, not '+'), names and values
 * both encoded, which is what botocore sends and what SigV4 signs.
 */
#ifndef ITALIC_AWS_QUERY_H
#define ITALIC_AWS_QUERY_H

#include <stddef.h>

#include "aws_http.h"
#include "buf.h"
#include "compiler.h"

#define AWS_EC2_VERSION "2016-11-15"
#define AWS_STS_VERSION "2011-06-15"

/* Appends "&name=value" (no '&' when b is empty), both form-encoded. */
int aws_form_add(struct buf *b, const char *name, const char *value) WARN_UNUSED;

/* Appends prefix.1=values[0] ... prefix.n=values[n-1] (the Query API's list
 * encoding; "Filter.1.Value" gives Filter.1.Value.1, ...). IT_EINVAL when a value is
 * NULL or valid (may be NULL) rejects it; b may then hold part of the list. */
int aws_form_add_list(struct buf *b, const char *prefix, const char *const *values, size_t n,
		      int (*valid)(const char *value)) WARN_UNUSED;

/* What is fixed for one action. */
struct aws_query_op {
	enum aws_service service;     /* AWS_SVC_EC2, AWS_SVC_STS */
	const char *action;           /* "DescribeInstances" */
	const char *version;          /* AWS_EC2_VERSION */
	/* Error-code stem whose "<stem>.NotFound" / "<stem>.Unavailable" answer means "none
	 * of these exist" (EC2 fails a whole Describe call for one unknown id): the result
	 * is zeroed (an empty result) and IT_OK returned. NULL: no such answer. */
	const char *not_found;
	size_t result_size;           /* sizeof the record parse() fills */
	/* The 2xx body into ret (a result_size record), written only on success. */
	int (*parse)(const char *xml, size_t len, void *ret);
	size_t max_response;          /* 0: IT_MAX_AWS_RESPONSE */
	int secret;                   /* the form or the answer holds a credential: wiped */
};

/* One request. */
struct aws_query {
	const char *account;          /* NULL: the service's own credentials */
	const char *region;
	const char *params;           /* form-encoded parameters after Action and Version
				       * (built with aws_form_add*), or NULL */
	unsigned max_results;         /* MaxResults; 0: not sent */
	const char *next_token;       /* NextToken; NULL: not sent (the first page) */
	const struct sigv4_credentials *creds;  /* explicit credentials, or NULL (provider) */
	int unsigned_call;            /* send without credentials (AssumeRoleWithWebIdentity) */
};

/*
 * Performs the action: IT_OK with *ret parsed (or zeroed for a not-found answer, see
 * above). Errors: aws_call()'s (aws_http.h), IT_ETOOBIG when the form passes its cap,
 * or the parser's status for a 2xx body it refuses ("unparsable <Action> response").
 * err (may be NULL) is written only on failure; *ret only on success.
 */
int aws_query_call(struct aws_ctx *ctx, const struct aws_query_op *op, const struct aws_query *q,
		   void *ret, struct aws_error *err) WARN_UNUSED;

#endif
