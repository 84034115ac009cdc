/*
 * aws_ssm.h: Systems Manager GetParameter (JSON 1.1, X-Amz-Target AmazonSSM.GetParameter,
 * signing name "ssm", AWS_ENDPOINT_URL_SSM), for a launch template's resolve:ssm: image
 * that DescribeLaunchTemplateVersions' ResolveAlias could not resolve
 * (docs/launch-templates.md).
 *
 * The name is what follows "resolve:ssm:" in the template: a parameter name, a public
 * one (/aws/service/...), or an ARN, each optionally with ":version" or ":label"; that
 * is exactly GetParameter's Name (1..IT_LT_MAX_PARAMETER bytes). WithDecryption is never
 * sent: an image id is no secret, and a SecureString's value stays encrypted.
 *
 * The answer's Parameter: Name, Type, Value (at most IT_LT_MAX_VALUE bytes: an AMI id
 * is 21), Version, DataType ("aws:ec2:image" for parameters made to hold AMI ids),
 * Selector, ARN, LastModifiedDate (epoch seconds). ParameterNotFound and
 * ParameterVersionNotFound (and a label no version carries) are IT_ENOTFOUND.
 *
 * Calls take (ctx, account, region) like every client: the member role in the
 * template's account, in the template's Region.
 */
#ifndef ITALIC_AWS_SSM_H
#define ITALIC_AWS_SSM_H

#include <stddef.h>
#include <stdint.h>

#include "aws_http.h"
#include "compiler.h"

struct aws_ssm_parameter {
	char *name;
	char *type;                 /* String | StringList | SecureString */
	char *value;
	int64_t version;            /* 0 when absent */
	char *data_type;            /* "text", "aws:ec2:image"; NULL when absent */
	char *selector;             /* ":3", ":prod" when the name selected one; NULL */
	char *arn;
	int64_t last_modified_ms;   /* 0 when absent */
};

/* Releases the contents of p (not p); zeroes it. NULL is a no-op. */
void aws_ssm_parameter_free(struct aws_ssm_parameter *p);

/* The request body for name (caller frees); IT_EINVAL for a name outside 1..2048 bytes or
 * not text. *ret_json written only on success. */
int aws_ssm_build_get_parameter(const char *name, char **ret_json) WARN_UNUSED;

/* Parses a 2xx GetParameter body. IT_EINVAL without Parameter.Name and Value (or one over
 * its bound); *ret untouched on failure. */
int aws_ssm_parse_get_parameter(const char *json, size_t len, struct aws_ssm_parameter *ret) WARN_UNUSED;

/* GetParameter name in account (NULL: own credentials) and region. */
int aws_ssm_get_parameter(struct aws_ctx *ctx, const char *account, const char *region, const char *name,
			  struct aws_ssm_parameter *ret, struct aws_error *err) WARN_UNUSED;

#endif
