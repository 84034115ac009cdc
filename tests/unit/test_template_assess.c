/*
 * test_template_assess: judging launch template versions (lib/template_assess.h) with the
 * instances' rules, one case per rule of the header: the default and the latest version
 * judged each by its own image, an alias resolved (the first reason says which AMI it
 * meant and when) or unresolvable (INSUFFICIENT_DATA, retried with AWS), a stored
 * resolution reused, retryable failures, gone versions, data without an image, "self"
 * meaning the template's account; and the notes an instance's verdict gains from its
 * template, the override at launch among them. AWS images and template calls are fakes
 * that count their calls; DescribeInstances must never be asked.
 */
#include "assess.h"
#include "json_io.h"
#include "limits.h"
#include "rule.h"
#include "status.h"
#include "tap.h"
#include "template_assess.h"

#include <stdlib.h>
#include <string.h>

#define NOW ((int64_t)1767225600000)     /* 2026-01-01T00:00:00Z */
#define T_EVENT ((int64_t)1767225000000)
#define RETRY (NOW + ASSESS_RETRY_LATER_MS)
#define GOOD "ami-0000000000000000a"      /* owned by 123456789012: allowed by golden */
#define BAD "ami-0000000000000000b"       /* owned by 999999999999 */
#define LT "lt-0a20c965061f64abc"
#define ACCOUNT "111122223333"
#define SELF "999999999999"
#define REGION "us-east-1"

/* golden: images of 123456789012 anywhere; own: an account's own images, in 999999999999 */
static const char *rules_json =
	"[{\"id\":\"golden\",\"criteria\":{\"owners\":[\"123456789012\"]}},"
	"{\"id\":\"own\",\"scope\":{\"accounts\":[\"999999999999\"]},\"criteria\":{\"owners\":[\"self\"]}}]";

struct fake {
	int instance_calls, image_calls, versions_calls, parameter_calls;
	int img_rc;
	int versions_rc, parameter_rc;
	const char *resolved;             /* what ResolveAlias answers */
	const char *value;                /* the parameter's value */
};

static int fake_instance(void *ctx, const char *account, const char *region, const char *instance_id,
			 struct instance_facts *ret)
{
	(void)account;
	(void)region;
	(void)instance_id;
	(void)ret;
	((struct fake *)ctx)->instance_calls++;
	return IT_ESERVER;
}

static int fake_image(void *ctx, const char *account, const char *region, const char *image_id, const char *id,
		      struct image_facts **ret)
{
	struct fake *f = ctx;
	struct image_facts *img;

	(void)region;
	f->image_calls++;
	CHECK(id && !strncmp(id, LT ":", strlen(LT) + 1), "the subject id is the version's: %s", id ? id : "(null)");
	CHECK(account && (!strcmp(account, ACCOUNT) || !strcmp(account, SELF)), "read in the template's account");
	if (f->img_rc)
		return f->img_rc;
	img = image_facts_new(image_id);
	if (!img)
		return IT_ENOMEM;
	snprintf(img->owner_id, sizeof(img->owner_id), "%s", strcmp(image_id, GOOD) == 0 ? "123456789012" : SELF);
	img->source = strdup("describe-images");
	*ret = img;
	return IT_OK;
}

static int fake_versions(void *ctx, const char *account, const char *region, const char *template_id,
			 const char *const *versions, size_t n, int resolve_alias, lt_version_fn fn, void *fctx,
			 int *ret_exists)
{
	struct fake *f = ctx;
	struct lt_aws_version v = {3, 1, NULL};

	(void)account;
	(void)region;
	(void)template_id;
	(void)versions;
	(void)n;
	f->versions_calls++;
	CHECK(resolve_alias == 1, "ResolveAlias asked");
	if (f->versions_rc)
		return f->versions_rc;
	*ret_exists = 1;
	v.image = f->resolved;
	return fn(fctx, &v);
}

static int fake_parameter(void *ctx, const char *account, const char *region, const char *name, char *value,
			  size_t size, int64_t *ret_version)
{
	struct fake *f = ctx;

	(void)account;
	(void)region;
	(void)name;
	f->parameter_calls++;
	if (f->parameter_rc)
		return f->parameter_rc;
	snprintf(value, size, "%s", f->value ? f->value : "");
	*ret_version = 4;
	return IT_OK;
}

static int64_t fixed_now(void *ctx)
{
	(void)ctx;
	return NOW;
}

static int build_rules(struct rule_set *set)
{
	json_t *a = NULL, *it;
	struct json_err err;
	size_t i;

	rule_set_init(set);
	if (json_load_bounded(rules_json, strlen(rules_json), IT_MAX_BODY, 32, &a, &err))
		return -1;
	json_array_foreach(a, i, it) {
		struct rule *r = NULL;
		if (rule_from_json(it, &r, &err) || rule_set_add_rule(set, r)) {
			fprintf(stderr, "rule: %s %s\n", err.field, err.message);
			json_decref(a);
			return -1;
		}
	}
	json_decref(a);
	return 0;
}

static int has_reason(const char *reasons_json, const char *want, int first)
{
	json_t *a = json_loads(reasons_json ? reasons_json : "[]", 0, NULL), *s;
	size_t i;
	int found = 0;

	json_array_foreach(a, i, s)
		if (json_is_string(s) && strcmp(json_string_value(s), want) == 0 && (!first || i == 0))
			found = 1;
	json_decref(a);
	return found;
}

struct tcase {
	const char *name;
	int aws;                     /* AWS in use (the fakes) */
	struct fake fake;
	int allow_retry;
	const char *account;         /* NULL: ACCOUNT */
	int64_t version;             /* 0: 1 */
	const char *image;           /* ImageId as written */
	const char *gone;
	const char *stored;          /* a stored resolution */
	int want_rc;
	const char *compliance;
	const char *want_image;      /* the row's image_id ("" none) */
	const char *reason;          /* verbatim */
	int reason_first;            /* ... and it is the first one */
	int64_t next;
	int image_calls, versions_calls, parameter_calls;
	int resolved;                /* resolved_at set */
};

static const struct tcase cases[] = {
	{.name = "the default version names an allowed AMI", .aws = 1, .image = GOOD, .compliance = "COMPLIANT",
	 .want_image = GOOD, .reason = "allowed by rule golden", .image_calls = 1},
	{.name = "the latest version names an AMI no rule allows", .aws = 1, .version = 2, .image = BAD,
	 .compliance = "NON_COMPLIANT", .want_image = BAD, .image_calls = 1},
	{.name = "'self' is the template's account", .aws = 1, .account = SELF, .image = BAD, .compliance = "COMPLIANT",
	 .want_image = BAD, .reason = "allowed by rule own", .image_calls = 1},
	{.name = "an alias resolved by ResolveAlias: judged by its AMI, and the reasons say which", .aws = 1,
	 .fake = {.resolved = GOOD}, .version = 3, .image = "resolve:ssm:golden-ami:prod", .compliance = "COMPLIANT",
	 .want_image = GOOD,
	 .reason = "resolve:ssm:golden-ami:prod meant " GOOD " at 2026-01-01T00:00:00Z (ResolveAlias)",
	 .reason_first = 1, .image_calls = 1, .versions_calls = 1, .resolved = 1},
	{.name = "an alias that means an unapproved AMI now", .aws = 1, .fake = {.versions_rc = IT_EREMOTE, .value = BAD},
	 .version = 3, .image = "resolve:ssm:golden-ami", .compliance = "NON_COMPLIANT", .want_image = BAD,
	 .reason = "resolve:ssm:golden-ami meant " BAD " at 2026-01-01T00:00:00Z (parameter version 4)",
	 .reason_first = 1, .image_calls = 1, .versions_calls = 1, .parameter_calls = 1, .resolved = 1},
	{.name = "an alias unresolvable: INSUFFICIENT_DATA, tried again later", .aws = 1,
	 .fake = {.versions_rc = IT_EREMOTE, .parameter_rc = IT_ENOTFOUND}, .version = 3, .image = "resolve:ssm:gone-ami",
	 .compliance = "INSUFFICIENT_DATA", .want_image = "",
	 .reason = "resolve:ssm:gone-ami could not be resolved: no such parameter in account 111122223333 (us-east-1)",
	 .next = RETRY, .versions_calls = 1, .parameter_calls = 1},
	{.name = "an alias without AWS: INSUFFICIENT_DATA, nothing to retry", .image = "resolve:ssm:golden-ami",
	 .compliance = "INSUFFICIENT_DATA", .want_image = "",
	 .reason = "resolve:ssm:golden-ami cannot be resolved without AWS (ITALIC_AWS=off or no credentials)"},
	{.name = "a stored resolution is used as it is (rules changed)", .aws = 1, .image = "resolve:ssm:golden-ami",
	 .stored = GOOD, .compliance = "COMPLIANT", .want_image = GOOD,
	 .reason = "resolve:ssm:golden-ami meant " GOOD " when last resolved (2025-12-31T23:50:00Z)", .reason_first = 1,
	 .image_calls = 1, .resolved = 1},
	{.name = "resolving throttled: retried (nothing judged)", .aws = 1, .allow_retry = 1,
	 .fake = {.versions_rc = IT_ETHROTTLE}, .image = "resolve:ssm:golden-ami", .want_rc = IT_ETHROTTLE,
	 .versions_calls = 1},
	{.name = "... and on the last attempt: INSUFFICIENT_DATA with why", .aws = 1, .fake = {.versions_rc = IT_ETHROTTLE},
	 .image = "resolve:ssm:golden-ami", .compliance = "INSUFFICIENT_DATA", .want_image = "",
	 .reason = "resolve:ssm:golden-ami could not be resolved: ethrottle", .next = RETRY, .versions_calls = 1},
	{.name = "the image unreadable and retryable: retried", .aws = 1, .allow_retry = 1, .fake = {.img_rc = IT_ESERVER},
	 .image = GOOD, .want_rc = IT_ESERVER, .image_calls = 1},
	{.name = "a deleted version is NOT_APPLICABLE (and keeps the image it named)", .aws = 1, .image = BAD,
	 .gone = "the launch template was deleted", .compliance = "NOT_APPLICABLE", .want_image = BAD,
	 .reason = "the launch template was deleted"},
	{.name = "data without an image is NOT_APPLICABLE", .aws = 1, .compliance = "NOT_APPLICABLE", .want_image = "",
	 .reason = "the launch template data names no image (a launch from it must give one, and that instance is "
		   "judged by it)"},
	{.name = "an ImageId that is neither is refused", .aws = 1, .image = "ubuntu", .want_rc = IT_EINVAL},
};

static void test_cases(void)
{
	struct rule_set set;
	struct clock clk = {fixed_now, NULL};

	if (build_rules(&set)) {
		CHECK(0, "rules");
		return;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];
		struct fake f = c->fake;
		struct facts_provider aws = {fake_instance, fake_image, &f};
		struct template_provider lt = {fake_versions, fake_parameter, &f};
		struct assess_env env = {&set, c->aws ? &aws : NULL, NULL, &clk, 1};
		struct template_version_in in;
		struct template_judged j;
		char want_id[64];
		int rc;

		memset(&in, 0, sizeof(in));
		in.account = c->account ? c->account : ACCOUNT;
		in.region = REGION;
		in.template_id = LT;
		in.version = c->version ? c->version : 1;
		in.image_ref = c->image;
		in.gone_reason = c->gone;
		in.observed_at = T_EVENT;
		in.trigger = "event";
		in.event_id = "ev-1";
		in.resolved_image_id = c->stored;
		in.resolved_at = c->stored ? NOW - 600000 : 0;
		memset(&j, 0x5a, sizeof(j));
		rc = template_assess(&env, c->aws ? &lt : NULL, &in, c->allow_retry, &j);
		CHECK(rc == c->want_rc, "%s: rc %s", c->name, status_str(rc));
		CHECK(f.instance_calls == 0, "%s: DescribeInstances is never asked for a template", c->name);
		CHECK(f.image_calls == c->image_calls, "%s: DescribeImages %d", c->name, f.image_calls);
		CHECK(f.versions_calls == c->versions_calls && f.parameter_calls == c->parameter_calls,
		      "%s: ResolveAlias %d GetParameter %d", c->name, f.versions_calls, f.parameter_calls);
		if (rc) {
			CHECK(((unsigned char *)&j)[0] == 0x5a, "%s: untouched", c->name);
			continue;
		}
		snprintf(want_id, sizeof(want_id), "%s:%lld", LT, (long long)in.version);
		CHECK_STR(j.row.instance_id, want_id, c->name);
		CHECK_STR(j.row.compliance, c->compliance, c->name);
		CHECK_STR(j.row.image_id, c->want_image, c->name);
		CHECK(!strcmp(j.row.account, in.account) && !strcmp(j.row.region, REGION), "%s: subject", c->name);
		CHECK(!strcmp(j.row.trigger, "event") && !strcmp(j.row.trigger_event_id, "ev-1"), "%s: trigger", c->name);
		CHECK(j.row.observed_at == T_EVENT && j.row.evaluated_at == NOW, "%s: times", c->name);
		CHECK(j.row.state[0] == '\0', "%s: no state", c->name);
		if (c->reason)
			CHECK(has_reason(j.row.reasons_json, c->reason, c->reason_first), "%s: reason '%s' in %s", c->name,
			      c->reason, j.row.reasons_json);
		CHECK(j.row.next_change_at == c->next, "%s: next_change_at %lld", c->name, (long long)j.row.next_change_at);
		CHECK(!!j.resolved_at == c->resolved, "%s: resolved_at", c->name);
		CHECK(j.version == in.version && !strcmp(j.template_id, LT), "%s: version", c->name);
		CHECK((c->image == NULL) == (j.image_ref == NULL) && (!c->image || !strcmp(j.image_ref, c->image)),
		      "%s: image as written kept", c->name);
		CHECK(j.deleted == (c->gone != NULL), "%s: deleted", c->name);
		template_judged_finish(&j);
	}
	rule_set_finish(&set);
}

static void test_instance_notes(void)
{
	char out[IT_VERDICT_REASON_LEN];

	CHECK(template_instance_note(LT, 3, NULL, GOOD, GOOD, GOOD, 0, out, sizeof(out)) == 1, "same image");
	CHECK_STR(out, "launched from launch template " LT " version 3", "the template shown");
	CHECK(template_instance_note(LT, 0, "$Latest", NULL, NULL, BAD, 0, out, sizeof(out)) == 1, "alias, unseen");
	CHECK_STR(out, "launched from launch template " LT " $Latest", "$Latest shown");
	/* the override at launch: the image it runs differs from the template's */
	CHECK(template_instance_note(LT, 5, NULL, GOOD, GOOD, BAD, 1, out, sizeof(out)) == 1, "override");
	CHECK_STR(out, "launched from launch template " LT " version 5, which names " GOOD "; the launch ran " BAD
		       " instead, and the instance is judged by the image it runs", "the template named another");
	CHECK(template_instance_note(LT, 5, NULL, "resolve:ssm:golden-ami", GOOD, BAD, 1, out, sizeof(out)) == 1,
	      "override of an alias");
	CHECK(strstr(out, "which names resolve:ssm:golden-ami (" GOOD "); the launch ran " BAD) != NULL, "%s", out);
	/* the request named an image of its own, the template's version unseen */
	CHECK(template_instance_note(LT, 5, NULL, NULL, NULL, BAD, 1, out, sizeof(out)) == 1, "override, unseen");
	CHECK(strstr(out, "with an image of its own (the template's is not known to Italic)") != NULL, "%s", out);
	CHECK(template_instance_note(NULL, 5, NULL, GOOD, GOOD, BAD, 1, out, sizeof(out)) == 0, "no template: nothing");
}

static void test_reason_add(void)
{
	struct verdict_row row;

	memset(&row, 0, sizeof(row));
	row.reasons_json = strdup("[\"b\"]");
	CHECK(template_reason_add(&row, "a", 1) == IT_OK && !strcmp(row.reasons_json, "[\"a\",\"b\"]"), "front");
	CHECK(template_reason_add(&row, "c", 0) == IT_OK && !strcmp(row.reasons_json, "[\"a\",\"b\",\"c\"]"), "last");
	free(row.reasons_json);
	row.reasons_json = NULL;
	CHECK(template_reason_add(&row, "x", 0) == IT_OK && !strcmp(row.reasons_json, "[\"x\"]"), "from none");
	verdict_row_finish(&row);
}

int main(void)
{
	test_cases();
	test_instance_notes();
	test_reason_add();
	return tap_done();
}
