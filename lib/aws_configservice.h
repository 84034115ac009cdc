/*
 * aws_configservice.h: AWS Config PutEvaluations (JSON 1.1, X-Amz-Target
 * StarlingDoveService.PutEvaluations, signing name "config").
 *
 * Limits enforced before sending (docs/aws-facts.md §3): 1..IT_AWS_BATCH evaluations, an
 * Annotation of 1..IT_ANNOTATION_MAX characters (NULL or "" omits it; longer is
 * IT_EINVAL: the caller cuts it with a pointer to the instance), ComplianceType one of
 * COMPLIANT / NON_COMPLIANT / NOT_APPLICABLE (Config rejects INSUFFICIENT_DATA, so it
 * is not representable), OrderingTimestamp in epoch seconds. An HTTP 200 can still
 * list FailedEvaluations: they are returned, not turned into an error.
 * The call is made with the credentials of the account that owns the rule (the
 * result token is bound to it).
 */
#ifndef ITALIC_AWS_CONFIGSERVICE_H
#define ITALIC_AWS_CONFIGSERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "aws_http.h"
#include "compiler.h"

enum aws_compliance {
	AWS_COMPLIANT,
	AWS_NON_COMPLIANT,
	AWS_NOT_APPLICABLE,
	AWS_COMPLIANCE__MAX
};

extern const char *const aws_compliance_names[AWS_COMPLIANCE__MAX];

struct aws_config_evaluation {
	const char *resource_type;     /* "AWS::EC2::Instance" (1..256) */
	const char *resource_id;       /* "i-..." (1..768) */
	enum aws_compliance compliance;
	const char *annotation;        /* NULL / "" for none; else 1..256 characters */
	int64_t ordering_ms;           /* sent as whole epoch seconds */
};

struct aws_config_failed {
	char *resource_type;
	char *resource_id;
	char *compliance;
};

struct aws_config_result {
	struct aws_config_failed *failed;
	size_t n_failed;
};

void aws_config_result_free(struct aws_config_result *r);

/* Request body (pure). *ret_json is malloc'd. IT_EINVAL names no field: the checks
 * are the ones listed above. */
int aws_config_put_evaluations_body(const char *result_token,
				    const struct aws_config_evaluation *evals, size_t n,
				    int test_mode, char **ret_json) WARN_UNUSED;

/* {"FailedEvaluations":[...]} (pure; fuzzed). Unknown fields are ignored. */
int aws_config_parse_put_evaluations(const char *json, size_t len,
				     struct aws_config_result *ret) WARN_UNUSED;

/* PutEvaluations in account/region. ret lists the failed evaluations (n_failed 0 when
 * all were accepted). */
int aws_config_put_evaluations(struct aws_ctx *ctx, const char *account, const char *region,
			       const char *result_token, const struct aws_config_evaluation *evals,
			       size_t n, int test_mode, struct aws_config_result *ret,
			       struct aws_error *err) WARN_UNUSED;

#endif
