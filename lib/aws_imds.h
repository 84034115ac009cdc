/*
 * aws_imds.h: the home Region from the EC2 instance metadata service (IMDSv2).
 *
 * The service's own Region (where the SIEM log is written, where STS is asked for a
 * web identity) comes from AWS_REGION, then AWS_DEFAULT_REGION; on an EC2 instance
 * without either, this module asks the instance metadata service, as the AWS SDKs do:
 * PUT /latest/api/token (a session token, 6 hours), then
 * GET /latest/meta-data/placement/region with that token. The endpoint is
 * AWS_EC2_METADATA_SERVICE_ENDPOINT when set, else http://169.254.169.254;
 * AWS_EC2_METADATA_DISABLED=true turns the lookup off. Timeouts are short (1 s to
 * connect, 2 s in all) because off EC2 nothing answers.
 *
 * The token is a bearer secret for the metadata service: it is wiped after use and
 * never logged.
 */
#ifndef ITALIC_AWS_IMDS_H
#define ITALIC_AWS_IMDS_H

#include <stddef.h>

#include "aws_http.h"
#include "compiler.h"

/*
 * Writes the instance's Region (a valid Region name) into out. IT_EUNSUPPORTED when
 * the lookup is disabled, IT_ENETWORK / IT_ENOTFOUND / IT_EDENIED when the metadata
 * service does not answer or refuses, IT_EINVAL when its answer is not a Region name,
 * IT_ETOOBIG when out is too small. out is written only on success.
 */
int aws_imds_region(struct aws_ctx *ctx, char *out, size_t outlen) WARN_UNUSED;

#endif
