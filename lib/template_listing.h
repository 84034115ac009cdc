/*
 * template_listing.h: the sweep's listing of one account and Region's launch templates
 * (docs/launch-templates.md, "The sweep").
 *
 * Two paged calls in the member account: DescribeLaunchTemplates (every template, its
 * name and default and latest numbers), then DescribeLaunchTemplateVersions with
 * $Default and $Latest and no template id, which answers those two versions of every
 * template of the Region (as written: an alias stays "resolve:ssm:..."; resolving it is
 * template_facts.h's, per version). Each template comes back once, with the versions
 * that call answered for it, sorted by template id.
 *
 * A template created between the two calls has no versions in the answer (its versions
 * are read next sweep, or by its event); one deleted between them is listed without its
 * versions too. A version for a template the first call did not list is dropped.
 * Bounded: at most IT_LT_MAX_LISTED templates (IT_ETOOBIG beyond, nothing handed out)
 * and IT_AWS_MAX_PAGES pages per call.
 */
#ifndef ITALIC_TEMPLATE_LISTING_H
#define ITALIC_TEMPLATE_LISTING_H

#include <stddef.h>
#include <stdint.h>

#include "aws_http.h"
#include "compiler.h"
#include "limits.h"

/* One listed template; strings borrowed for the callback. */
struct lt_listed {
	const char *template_id;
	const char *name;                    /* NULL when EC2 did not say */
	int64_t default_version, latest_version;
	struct {
		int64_t number;
		int is_default;
		const char *image;           /* as written; NULL: the data names none */
	} v[IT_LT_SWEEP_VERSIONS];
	size_t n;                            /* versions answered (0..2) */
};

typedef int (*lt_listed_fn)(void *fctx, const struct lt_listed *t);

/*
 * Lists account/region (account NULL: the service's own) and calls fn once per template,
 * sorted by id; fn's non-zero status stops the walk and is returned. IT_OK with
 * *ret_n (optional) the number of templates; an AWS error (err filled, nothing handed
 * out); IT_ETOOBIG past IT_LT_MAX_LISTED.
 */
int template_listing(struct aws_ctx *ctx, const char *account, const char *region, lt_listed_fn fn, void *fctx,
		     size_t *ret_n, struct aws_error *err) WARN_UNUSED;

#endif
