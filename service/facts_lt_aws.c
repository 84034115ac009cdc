/* facts_lt_aws.c: launch-template versions and SSM parameters from AWS (see facts_lt_aws.h). */
#include "facts_lt_aws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_ec2.h"
#include "aws_ssm.h"
#include "status.h"

struct facts_lt_aws {
	struct aws_ctx *ctx;
	struct metrics *metrics;
	struct template_provider provider;
};

static void count(struct facts_lt_aws *f, const char *service, const char *op, int rc)
{
	char labels[160];
	const char *outcome;

	if (!f->metrics)
		return;
	switch (rc) {
	case IT_OK: outcome = "ok"; break;
	case IT_ENOTFOUND: outcome = "not_found"; break;
	case IT_ETHROTTLE: outcome = "throttled"; break;
	case IT_ESERVER: outcome = "server_error"; break;
	case IT_ENETWORK: outcome = "network_error"; break;
	case IT_EDENIED: outcome = "denied"; break;
	default: outcome = "error"; break;
	}
	snprintf(labels, sizeof(labels), "service=\"%s\",operation=\"%s\",outcome=\"%s\"", service, op, outcome);
	metrics_add(f->metrics, "italic_aws_calls_total", labels, 1);
}

static int versions(void *ctx, const char *account, const char *region, const char *template_id,
		    const char *const *v, size_t n, int resolve_alias, lt_version_fn fn, void *fctx, int *ret_exists)
{
	struct facts_lt_aws *f = ctx;
	struct aws_ec2_lt_versions r;
	struct aws_error err;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = aws_ec2_describe_lt_versions(f->ctx, account, region, template_id, v, n, resolve_alias, NULL, &r, &err);
	count(f, "ec2", "DescribeLaunchTemplateVersions", rc);
	/* an answer that does not parse is the server's fault and usually passes */
	if (rc == IT_EINVAL)
		return IT_ESERVER;
	if (rc)
		return rc;
	*ret_exists = r.n > 0;
	for (size_t i = 0; rc == IT_OK && i < r.n; i++) {
		struct lt_aws_version one = {r.items[i].number, r.items[i].is_default, r.items[i].image_id};
		/* the answer is about the template asked for, or it is not an answer */
		if (!r.items[i].template_id || strcmp(r.items[i].template_id, template_id) != 0)
			rc = IT_ESERVER;
		else
			rc = fn(fctx, &one);
	}
	aws_ec2_lt_versions_free(&r);
	return rc;
}

static int parameter(void *ctx, const char *account, const char *region, const char *name, char *value, size_t size,
		     int64_t *ret_version)
{
	struct facts_lt_aws *f = ctx;
	struct aws_ssm_parameter p;
	struct aws_error err;
	int rc;

	memset(&p, 0, sizeof(p));
	rc = aws_ssm_get_parameter(f->ctx, account, region, name, &p, &err);
	count(f, "ssm", "GetParameter", rc);
	if (rc == IT_EINVAL)
		return IT_ESERVER;
	if (rc)
		return rc;
	snprintf(value, size, "%s", p.value ? p.value : "");
	*ret_version = p.version;
	aws_ssm_parameter_free(&p);
	return IT_OK;
}

int facts_lt_aws_new(struct aws_ctx *ctx, struct metrics *metrics, struct facts_lt_aws **ret)
{
	struct facts_lt_aws *f = calloc(1, sizeof(*f));

	if (!f)
		return IT_ENOMEM;
	f->ctx = ctx;
	f->metrics = metrics;
	f->provider.versions = versions;
	f->provider.parameter = parameter;
	f->provider.ctx = f;
	*ret = f;
	return IT_OK;
}

void facts_lt_aws_free(struct facts_lt_aws *f)
{
	free(f);
}

const struct template_provider *facts_lt_aws_provider(struct facts_lt_aws *f)
{
	return &f->provider;
}
