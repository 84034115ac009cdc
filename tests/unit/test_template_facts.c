/*
 * test_template_facts: resolving a launch template's image and reading its $Default and
 * $Latest through a fake provider, one case per rule of template_facts.h: an AMI id
 * means itself (no call), no image says so, an alias is resolved by ResolveAlias first
 * and by GetParameter when EC2 cannot, unresolvable aliases say why, retryable failures
 * are returned (not judged), and AWS not in use cannot resolve anything.
 */
#include <string.h>

#include "parse.h"
#include "status.h"
#include "tap.h"
#include "template_facts.h"

#define A "111122223333"
#define R "eu-west-1"
#define LT "lt-0a20c965061f64abc"
#define GOOD "ami-0123456789abcdef0"
#define NOW 1768478400000LL   /* 2026-01-15T12:00:00Z */

struct fake {
	int versions_rc, parameter_rc;       /* what each call returns */
	const char *resolved;                /* imageId ResolveAlias answers (NULL: none) */
	const char *value;                   /* the parameter's value */
	int64_t pversion;
	int exists;
	int n_versions_calls, n_parameter_calls;
	char last_name[256], last_versions[64];
	int last_resolve;
	/* template_read answers */
	struct lt_aws_version answer[3];
	size_t n_answer;
};

static int fake_versions(void *ctx, const char *account, const char *region, const char *template_id,
			 const char *const *versions, size_t n, int resolve_alias, lt_version_fn fn, void *fctx,
			 int *ret_exists)
{
	struct fake *f = ctx;
	int rc;

	f->n_versions_calls++;
	f->last_resolve = resolve_alias;
	f->last_versions[0] = '\0';
	for (size_t i = 0, used = 0; i < n && used < sizeof(f->last_versions); i++) {
		int w = snprintf(f->last_versions + used, sizeof(f->last_versions) - used, "%s,", versions[i]);
		used += w > 0 ? (size_t)w : 0;
	}
	CHECK(!strcmp(account, A) && !strcmp(region, R) && !strcmp(template_id, LT), "called in the template's account");
	if (f->versions_rc)
		return f->versions_rc;
	*ret_exists = f->exists;
	if (!f->exists)
		return IT_OK;
	if (f->n_answer) {
		for (size_t i = 0; i < f->n_answer; i++)
			if ((rc = fn(fctx, &f->answer[i])) != IT_OK)
				return rc;
		return IT_OK;
	}
	{
		struct lt_aws_version v = {3, 1, f->resolved};
		return fn(fctx, &v);
	}
}

static int fake_parameter(void *ctx, const char *account, const char *region, const char *name, char *value,
			  size_t size, int64_t *ret_version)
{
	struct fake *f = ctx;

	f->n_parameter_calls++;
	snprintf(f->last_name, sizeof(f->last_name), "%s", name);
	CHECK(!strcmp(account, A) && !strcmp(region, R), "GetParameter in the template's account and Region");
	if (f->parameter_rc)
		return f->parameter_rc;
	snprintf(value, size, "%s", f->value ? f->value : "");
	*ret_version = f->pversion;
	return IT_OK;
}

static struct lt_resolution resolve(struct fake *f, const char *image, int want_rc)
{
	struct template_provider p = {fake_versions, fake_parameter, f};
	struct lt_resolution r;
	int rc;

	memset(&r, 0x5a, sizeof(r));
	rc = template_resolve(f ? &p : NULL, A, R, LT, 3, image, NOW, &r);
	CHECK(rc == want_rc, "%s: rc %s want %s", image ? image : "(none)", status_str(rc), status_str(want_rc));
	if (rc)
		CHECK(((unsigned char *)&r)[0] == 0x5a, "untouched on failure");
	return r;
}

static void test_resolve(void)
{
	struct fake f;
	struct lt_resolution r;

	/* an AMI id means itself, without a call */
	memset(&f, 0, sizeof(f));
	r = resolve(&f, GOOD, IT_OK);
	CHECK(r.kind == LT_IMAGE_AMI && !strcmp(r.image_id, GOOD) && !r.unresolvable && r.note[0] == '\0', "ami");
	CHECK(f.n_versions_calls == 0 && f.n_parameter_calls == 0, "no AWS call for an AMI id");
	r = resolve(&f, NULL, IT_OK);
	CHECK(r.kind == LT_IMAGE_NONE && r.image_id[0] == '\0' && strstr(r.note, "names no image"), "none");
	resolve(&f, "ubuntu", IT_EINVAL);

	/* 1. ResolveAlias answers */
	memset(&f, 0, sizeof(f));
	f.exists = 1;
	f.resolved = GOOD;
	r = resolve(&f, "resolve:ssm:golden-ami:prod", IT_OK);
	CHECK(!strcmp(r.image_id, GOOD) && !r.unresolvable, "resolved: %s", r.image_id);
	CHECK_STR(r.note, "resolve:ssm:golden-ami:prod meant ami-0123456789abcdef0 at 2026-01-15T12:00:00Z (ResolveAlias)",
		  "the note names the image and the time");
	CHECK(f.last_resolve == 1 && !strcmp(f.last_versions, "3,") && f.n_parameter_calls == 0,
	      "one ResolveAlias call for that version: %s", f.last_versions);

	/* 2. EC2 cannot: GetParameter, selector kept */
	memset(&f, 0, sizeof(f));
	f.versions_rc = IT_EREMOTE;
	f.value = GOOD;
	f.pversion = 7;
	r = resolve(&f, "resolve:ssm:golden-ami:prod", IT_OK);
	CHECK(!strcmp(r.image_id, GOOD) && strstr(r.note, "(parameter version 7)"), "GetParameter: %s", r.note);
	CHECK_STR(f.last_name, "golden-ami:prod", "the name with its label");
	/* EC2 answers the alias unresolved (not an AMI id): GetParameter too */
	memset(&f, 0, sizeof(f));
	f.exists = 1;
	f.resolved = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
	f.value = GOOD;
	r = resolve(&f, f.resolved, IT_OK);
	CHECK(!strcmp(r.image_id, GOOD) && f.n_parameter_calls == 1, "alias text from EC2: asked SSM");
	CHECK_STR(f.last_name, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", "public name");

	/* 3. unresolvable, with the reason */
	memset(&f, 0, sizeof(f));
	f.versions_rc = IT_EREMOTE;
	f.parameter_rc = IT_ENOTFOUND;
	r = resolve(&f, "resolve:ssm:golden-ami", IT_OK);
	CHECK(r.unresolvable && r.image_id[0] == '\0', "unresolvable");
	CHECK_STR(r.note, "resolve:ssm:golden-ami could not be resolved: no such parameter in account 111122223333 (eu-west-1)",
		  "says the parameter is missing");
	r = resolve(&f, "resolve:ssm:golden-ami:9", IT_OK);
	CHECK(strstr(r.note, "no such parameter version or label"), "a version that is not there: %s", r.note);
	memset(&f, 0, sizeof(f));
	f.versions_rc = IT_EREMOTE;
	f.value = "hello";
	r = resolve(&f, "resolve:ssm:golden-ami", IT_OK);
	CHECK(r.unresolvable && strstr(r.note, "value is not an AMI id"), "value not an AMI: %s", r.note);
	memset(&f, 0, sizeof(f));
	f.versions_rc = IT_EDENIED;
	f.parameter_rc = IT_EDENIED;
	r = resolve(&f, "resolve:ssm:arn:aws:ssm:eu-west-1:444455556666:parameter/golden-ami", IT_OK);
	CHECK(r.unresolvable && strstr(r.note, "shared from account 444455556666"), "a shared parameter: %s", r.note);
	memset(&f, 0, sizeof(f));
	f.versions_rc = IT_EREMOTE;
	f.parameter_rc = IT_EDENIED;
	r = resolve(&f, "resolve:ssm:golden-ami", IT_OK);
	CHECK(r.unresolvable && strstr(r.note, "could not be resolved: "), "denied: %s", r.note);

	/* retryable failures are returned, not judged */
	memset(&f, 0, sizeof(f));
	f.versions_rc = IT_ETHROTTLE;
	resolve(&f, "resolve:ssm:golden-ami", IT_ETHROTTLE);
	CHECK(f.n_parameter_calls == 0, "nothing else asked after a throttle");
	memset(&f, 0, sizeof(f));
	f.versions_rc = IT_EREMOTE;
	f.parameter_rc = IT_ESERVER;
	resolve(&f, "resolve:ssm:golden-ami", IT_ESERVER);
	memset(&f, 0, sizeof(f));
	f.versions_rc = IT_EREMOTE;
	f.parameter_rc = IT_ENETWORK;
	resolve(&f, "resolve:ssm:golden-ami", IT_ENETWORK);

	/* AWS not in use */
	r = resolve(NULL, "resolve:ssm:golden-ami", IT_OK);
	CHECK(r.unresolvable && strstr(r.note, "without AWS"), "no AWS: %s", r.note);
	r = resolve(NULL, GOOD, IT_OK);
	CHECK(!strcmp(r.image_id, GOOD), "an AMI id needs no AWS");
}

static void test_read(void)
{
	struct template_provider p = {fake_versions, fake_parameter, NULL};
	struct fake f;
	struct lt_read r;

	memset(&f, 0, sizeof(f));
	p.ctx = &f;
	f.exists = 1;
	f.answer[0] = (struct lt_aws_version){2, 1, "resolve:ssm:golden-ami"};
	f.answer[1] = (struct lt_aws_version){5, 0, GOOD};
	f.n_answer = 2;
	CHECK(template_read(&p, A, R, LT, &r) == IT_OK, "read");
	CHECK(r.exists && r.default_version == 2 && r.latest_version == 5 && r.n == 2, "default 2, latest 5");
	CHECK(!strcmp(r.v[0].image, "resolve:ssm:golden-ami") && r.v[0].has_image, "as written, no ResolveAlias");
	CHECK(f.last_resolve == 0 && !strcmp(f.last_versions, "$Default,$Latest,"), "asked: %s", f.last_versions);
	/* one version that is both */
	f.answer[0] = (struct lt_aws_version){1, 1, NULL};
	f.answer[1] = (struct lt_aws_version){1, 1, NULL};
	CHECK(template_read(&p, A, R, LT, &r) == IT_OK && r.n == 1 && r.default_version == 1 && r.latest_version == 1 &&
		      !r.v[0].has_image,
	      "one version, no image");
	/* deleted */
	f.exists = 0;
	CHECK(template_read(&p, A, R, LT, &r) == IT_OK && !r.exists && r.n == 0, "gone");
	/* junk and errors */
	f.exists = 1;
	f.answer[0] = (struct lt_aws_version){1, 1, "ubuntu"};
	f.n_answer = 1;
	r.n = 77;
	CHECK(template_read(&p, A, R, LT, &r) == IT_EINVAL && r.n == 77, "a bad image is refused, r untouched");
	f.versions_rc = IT_ETHROTTLE;
	CHECK(template_read(&p, A, R, LT, &r) == IT_ETHROTTLE, "errors returned");
	CHECK(template_read(NULL, A, R, LT, &r) == IT_EUNSUPPORTED, "no AWS");
}

int main(void)
{
	test_resolve();
	test_read();
	return tap_done();
}
