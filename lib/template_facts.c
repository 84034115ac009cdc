/* template_facts.c: reading templates and resolving their image aliases (see template_facts.h). */
#include "template_facts.h"

#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "status.h"

/* The answer of the one-version ResolveAlias call. */
struct one_image {
	int seen;
	char image[IT_LT_MAX_IMAGE_REF + 1];
	int has_image;
};

static int take_one(void *fctx, const struct lt_aws_version *v)
{
	struct one_image *o = fctx;

	o->seen = 1;
	o->has_image = v->image != NULL;
	snprintf(o->image, sizeof(o->image), "%s", v->image ? v->image : "");
	return IT_OK;
}

/* Copies an AMI id (valid_image_id: at most 21 bytes) into dst. */
static void set_ami(char dst[IT_LT_AMI_BUF], const char *ami)
{
	size_t n = strlen(ami);
	if (n >= IT_LT_AMI_BUF)
		n = IT_LT_AMI_BUF - 1;
	memcpy(dst, ami, n);
	dst[n] = '\0';
}

/* A provider failure worth retrying (the event is tried again later) rather than
 * judging the alias unresolvable. */
static int retry_later(int rc)
{
	return status_retryable(rc);
}

int template_resolve(const struct template_provider *p, const char *account, const char *region,
		     const char *template_id, int64_t version, const char *image_ref, int64_t now,
		     struct lt_resolution *ret)
{
	struct lt_image_ref ref;
	struct lt_resolution r;
	char when[IT_TIME_BUF], vtext[32], value[IT_LT_MAX_VALUE + 1];
	const char *const versions[] = {vtext};
	struct one_image one;
	int64_t pver = 0;
	int rc, exists = 0;

	if (lt_image_ref_parse(image_ref, &ref) != IT_OK)
		return IT_EINVAL;
	memset(&r, 0, sizeof(r));
	r.kind = ref.kind;
	if (ref.kind == LT_IMAGE_NONE) {
		snprintf(r.note, sizeof(r.note), "the launch template data names no image (a launch must give one)");
		*ret = r;
		return IT_OK;
	}
	if (ref.kind == LT_IMAGE_AMI) {
		set_ami(r.image_id, ref.ami);
		*ret = r;
		return IT_OK;
	}
	format_time_s(now, when);
	if (!p) {
		r.unresolvable = 1;
		snprintf(r.note, sizeof(r.note),
			 "%s cannot be resolved without AWS (ITALIC_AWS=off or no credentials)", image_ref);
		*ret = r;
		return IT_OK;
	}

	/* 1. EC2's own resolution of this version */
	memset(&one, 0, sizeof(one));
	snprintf(vtext, sizeof(vtext), "%lld", (long long)version);
	rc = version > 0 && p->versions
		     ? p->versions(p->ctx, account, region, template_id, versions, 1, 1, take_one, &one, &exists)
		     : IT_EUNSUPPORTED;
	if (rc && retry_later(rc))
		return rc;
	if (rc == IT_OK && one.seen && one.has_image && valid_image_id(one.image)) {
		set_ami(r.image_id, one.image);
		snprintf(r.note, sizeof(r.note), "%s meant %s at %s (ResolveAlias)", image_ref, r.image_id, when);
		*ret = r;
		return IT_OK;
	}

	/* 2. the parameter itself */
	rc = p->parameter ? p->parameter(p->ctx, account, region, ref.parameter, value, sizeof(value), &pver)
			  : IT_EUNSUPPORTED;
	if (rc && retry_later(rc))
		return rc;
	if (rc == IT_OK && valid_image_id(value)) {
		set_ami(r.image_id, value);
		snprintf(r.note, sizeof(r.note), "%s meant %s at %s (parameter version %lld)", image_ref, r.image_id, when,
			 (long long)pver);
		*ret = r;
		return IT_OK;
	}

	/* 3. unresolvable: say why */
	r.unresolvable = 1;
	if (rc == IT_OK)
		snprintf(r.note, sizeof(r.note), "%s could not be resolved: the parameter's value is not an AMI id",
			 image_ref);
	else if (rc == IT_ENOTFOUND)
		snprintf(r.note, sizeof(r.note), "%s could not be resolved: no such parameter%s in account %s (%s)",
			 image_ref, ref.selector[0] ? " version or label" : "", ref.owner[0] ? ref.owner : account, region);
	else if (ref.owner[0] && strcmp(ref.owner, account) != 0)
		snprintf(r.note, sizeof(r.note),
			 "%s could not be resolved: the parameter is shared from account %s, which the member role "
			 "cannot read (%s)", image_ref, ref.owner, status_str(rc));
	else
		snprintf(r.note, sizeof(r.note), "%s could not be resolved: %s", image_ref, status_str(rc));
	*ret = r;
	return IT_OK;
}

struct read_ctx {
	struct lt_read *r;
	int bad;
};

static int take_read(void *fctx, const struct lt_aws_version *v)
{
	struct read_ctx *c = fctx;
	struct lt_read *r = c->r;
	struct lt_image_ref ref;

	if (v->number < 1 || v->number > IT_LT_MAX_VERSION ||
	    (v->image && (strlen(v->image) > IT_LT_MAX_IMAGE_REF || lt_image_ref_parse(v->image, &ref) != IT_OK))) {
		c->bad = 1;
		return IT_EINVAL;
	}
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].number == v->number)
			goto mark;
	if (r->n >= IT_LT_SWEEP_VERSIONS) {
		c->bad = 1;
		return IT_EINVAL;
	}
	r->v[r->n].number = v->number;
	r->v[r->n].has_image = v->image != NULL;
	snprintf(r->v[r->n].image, sizeof(r->v[r->n].image), "%s", v->image ? v->image : "");
	r->n++;
mark:
	if (v->is_default == 1)
		r->default_version = v->number;
	if (v->number > r->latest_version)
		r->latest_version = v->number;
	return IT_OK;
}

int template_read(const struct template_provider *p, const char *account, const char *region,
		  const char *template_id, struct lt_read *ret)
{
	static const char *const both[] = {"$Default", "$Latest"};
	struct lt_read r;
	struct read_ctx c = {&r, 0};
	int exists = 0, rc;

	if (!p || !p->versions)
		return IT_EUNSUPPORTED;
	memset(&r, 0, sizeof(r));
	rc = p->versions(p->ctx, account, region, template_id, both, 2, 0, take_read, &c, &exists);
	if (rc == IT_OK && c.bad)
		rc = IT_EINVAL;
	if (rc)
		return rc;
	r.exists = exists;
	/* $Latest is the highest number answered; the default is the one EC2 marked, or the
	 * only one when EC2 answered a single version for both */
	if (!r.default_version && r.n == 1)
		r.default_version = r.v[0].number;
	*ret = r;
	return IT_OK;
}
