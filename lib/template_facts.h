/*
 * template_facts.h: what AWS says about a launch template's versions, and which AMI a
 * version's image means now (docs/launch-templates.md).
 *
 * A provider is a struct of function pointers over the member account (the AWS one is
 * service/facts_lt_aws.c: DescribeLaunchTemplateVersions and SSM GetParameter through
 * the assumed role; a unit test gives a fake). The decisions are here:
 *
 * template_resolve(): an AMI id means itself; no image means none ("the launch template
 * data names no image"). A resolve:ssm: alias is resolved in the template's account and
 * Region, as EC2 resolves it at each launch:
 *   1. DescribeLaunchTemplateVersions of that version with ResolveAlias: EC2 puts the
 *      AMI the parameter means in place of the alias;
 *   2. when that fails for a reason other than throttling, 5xx or the network, or
 *      answers with something that is not an AMI id: SSM GetParameter with the alias's
 *      name (its :version or :label included), whose value must be an AMI id;
 *   3. neither: the alias is unresolvable (the verdict is INSUFFICIENT_DATA), and the
 *      note says why (the parameter does not exist, its value is not an AMI id, a
 *      parameter shared from another account the member role cannot read, AWS not in
 *      use).
 * A retryable failure (throttling, 5xx, network) is returned as such: the caller retries
 * the event with backoff instead of judging an alias it could not read. The note of a
 * resolved alias names the AMI and the time ("resolve:ssm:golden-ami:prod meant
 * ami-0abc... at 2026-01-15T12:00:00Z (ResolveAlias)"): a verdict on an alias holds for
 * that moment, since the parameter can move; the sweep resolves it again.
 *
 * template_read(): the $Default and $Latest versions of one template as written (no
 * ResolveAlias: the aliases themselves are what is judged), for confirming an event and
 * for reading a default version an event did not carry.
 *
 * Pure apart from the provider; the clock comes in as now.
 */
#ifndef ITALIC_TEMPLATE_FACTS_H
#define ITALIC_TEMPLATE_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "launch_template.h"
#include "limits.h"

/* One version as EC2 describes it; borrowed for the callback. */
struct lt_aws_version {
	int64_t number;
	int is_default;              /* 1, 0, or -1 when EC2 did not say */
	const char *image;           /* imageId as answered; NULL: the data names none */
};
typedef int (*lt_version_fn)(void *fctx, const struct lt_aws_version *v);

struct template_provider {
	/* DescribeLaunchTemplateVersions of template_id, versions (each "$Default", "$Latest"
	 * or a number, 1..IT_LT_SWEEP_VERSIONS of them), with ResolveAlias when resolve_alias.
	 * fn is called per version answered. IT_OK with *ret_exists (0: EC2 knows no such
	 * template, fn not called), IT_ENOTFOUND for a version number it does not know, or an
	 * error (status_retryable() says whether to retry). */
	int (*versions)(void *ctx, const char *account, const char *region, const char *template_id,
			const char *const *versions, size_t n, int resolve_alias, lt_version_fn fn, void *fctx,
			int *ret_exists);
	/* SSM GetParameter name in account/region: the value (NUL-terminated, cut to size)
	 * and its version. IT_ENOTFOUND (no such parameter, version or label), or an error. */
	int (*parameter)(void *ctx, const char *account, const char *region, const char *name, char *value,
			 size_t size, int64_t *ret_version);
	void *ctx;
};

/* What an image reference means now. */
struct lt_resolution {
	enum lt_image_kind kind;
	char image_id[IT_LT_AMI_BUF];        /* the AMI; "" for none or an unresolved alias */
	int unresolvable;                    /* an alias that could not be resolved */
	char note[IT_VERDICT_REASON_LEN];    /* the reason sentence ("" for a plain AMI id) */
};

/*
 * Resolves image_ref (as written in version `version` of template_id; NULL for none)
 * with p (NULL: AWS not in use) at now. IT_OK with *ret filled (unresolvable set when
 * it could not be resolved); a retryable status from p (nothing resolved: retry later);
 * IT_EINVAL for an image_ref lt_image_ref_parse() refuses. *ret untouched on failure.
 */
int template_resolve(const struct template_provider *p, const char *account, const char *region,
		     const char *template_id, int64_t version, const char *image_ref, int64_t now,
		     struct lt_resolution *ret) WARN_UNUSED;

/* The $Default and $Latest versions of a template as written. */
struct lt_read {
	int exists;                          /* 0: EC2 knows no such template (deleted) */
	int64_t default_version, latest_version;   /* 0: not answered */
	struct {
		int64_t number;
		int has_image;
		char image[IT_LT_MAX_IMAGE_REF + 1];
	} v[IT_LT_SWEEP_VERSIONS];           /* the versions answered: one when the default
						is the latest */
	size_t n;
};

/* Reads the template's $Default and $Latest through p. IT_OK with *ret filled; p's
 * error otherwise (IT_EINVAL for an answer that is not a version: a bad image, a number
 * out of range). *ret untouched on failure. */
int template_read(const struct template_provider *p, const char *account, const char *region,
		  const char *template_id, struct lt_read *ret) WARN_UNUSED;

#endif
