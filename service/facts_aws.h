/*
 * facts_aws.h: the facts provider backed by AWS (see facts.h).
 *
 * DescribeInstances confirms an instance's image, state and tags; DescribeImages reads
 * the image in the instance's account (deprecated images included, since the id is
 * given); for an image shared from another member account the tags are read in the
 * owner's account (they are invisible to the consumer); for an image AWS no longer
 * shows, DescribeInstanceImageMetadata gives the instance's own record of it.
 * Image facts are cached per account, region and image for ITALIC_IMAGE_CACHE_TTL.
 */
#ifndef ITALIC_FACTS_AWS_H
#define ITALIC_FACTS_AWS_H

#include "aws_http.h"
#include "compiler.h"
#include "facts.h"
#include "server.h"

struct facts_aws;

/* ctx is borrowed for the provider's life. */
int facts_aws_new(struct server *srv, struct aws_ctx *ctx, struct facts_aws **ret) WARN_UNUSED;
void facts_aws_free(struct facts_aws *f);
/* The provider interface over f (valid while f lives). */
const struct facts_provider *facts_aws_provider(struct facts_aws *f);

#endif
