/*
 * facts_lt_aws.h: the launch-template provider backed by AWS (template_facts.h):
 * DescribeLaunchTemplateVersions (with ResolveAlias when asked) and SSM GetParameter in
 * the template's account through the member role, in the template's Region. Calls are
 * counted in italic_aws_calls_total like the instance facts'.
 */
#ifndef ITALIC_FACTS_LT_AWS_H
#define ITALIC_FACTS_LT_AWS_H

#include "aws_http.h"
#include "compiler.h"
#include "metrics.h"
#include "template_facts.h"

struct facts_lt_aws;

/* ctx and metrics (may be NULL) are borrowed for the provider's life. */
int facts_lt_aws_new(struct aws_ctx *ctx, struct metrics *metrics, struct facts_lt_aws **ret) WARN_UNUSED;
void facts_lt_aws_free(struct facts_lt_aws *f);
/* The provider interface over f (valid while f lives). */
const struct template_provider *facts_lt_aws_provider(struct facts_lt_aws *f);

#endif
