/*
 * aws_securityhub.h: Security Hub BatchImportFindings (rest-json, POST
 * /findings/import, signing name "securityhub").
 *
 * The deliverer builds the ASFF findings (jansson objects); this module only checks
 * the batch size (1..IT_AWS_BATCH), sends {"Findings":[...]} and reads the answer.
 * An HTTP 200 with FailedFindings is a partial success: the failures are returned for
 * the caller to retry or record, never turned into an error here. With the default
 * product ARN the call must be made in the finding's own account and region.
 */
#ifndef ITALIC_AWS_SECURITYHUB_H
#define ITALIC_AWS_SECURITYHUB_H

#include <jansson.h>
#include <stddef.h>

#include "aws_http.h"
#include "compiler.h"

struct aws_securityhub_failed {
	char *id;
	char *error_code;
	char *error_message;
};

struct aws_securityhub_result {
	long success_count;
	long failed_count;
	struct aws_securityhub_failed *failed;
	size_t n_failed;
};

void aws_securityhub_result_free(struct aws_securityhub_result *r);

/* {"FailedCount","SuccessCount","FailedFindings":[{"Id","ErrorCode","ErrorMessage"}]}
 * (pure; fuzzed). */
int aws_securityhub_parse_import(const char *json, size_t len,
				 struct aws_securityhub_result *ret) WARN_UNUSED;

/* BatchImportFindings of findings (a JSON array of 1..IT_AWS_BATCH objects, borrowed). */
int aws_securityhub_import(struct aws_ctx *ctx, const char *account, const char *region,
			   const json_t *findings, struct aws_securityhub_result *ret,
			   struct aws_error *err) WARN_UNUSED;

#endif
