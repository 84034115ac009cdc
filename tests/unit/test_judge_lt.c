/*
 * test_judge_lt: judging launch templates over the store and writing them
 * (lib/judge_lt.h) on a real, migrated SQLite file, with registered images and a fake
 * template provider (EC2's versions, SSM parameters) that counts its calls:
 *  - CloudTrail events without AWS: a template settles on its default version (default
 *    vs latest), a new default by ModifyLaunchTemplate, deleted versions;
 *  - with AWS: a ModifyLaunchTemplate is read from EC2 (an alias resolved, the reason
 *    naming the AMI), a deletion EC2 contradicts is not believed, one it confirms is,
 *    a retryable failure leaves nothing judged;
 *  - an instance launched from a template gains the note, an override says the template
 *    named another, and the link is stored; so does one the sweep lists with EC2's tags;
 *  - the launch template rule's scheduled invocation re-judges the pair's versions and
 *    answers Config with its token; the sweep's listed and unlisted templates; a rule
 *    change keeps an alias's stored resolution;
 *  - the deliveries of a settled template.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "event_lt.h"
#include "facts_registered.h"
#include "image_facts.h"
#include "json_io.h"
#include "judge_lt.h"
#include "rule.h"
#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_outbox.h"
#include "store_rule.h"
#include "store_template.h"
#include "tap.h"

#define NOW ((int64_t)1767225600000)
#define A "111122223333"
#define R "us-east-1"
#define GOOD "ami-0000000000000000a"   /* owned by 123456789012: allowed by golden */
#define BAD "ami-0000000000000000b"    /* owned by 999999999999 */
#define LT "lt-0a20c965061f64abc"
#define LT2 "lt-0b20c965061f64abc"
#define LT3 "lt-0c20c965061f64abc"

static struct store *s;
static struct outbox_settings deliver = {.config_report = 1, .securityhub = 1, .siem = 1};

static int64_t fixed_now(void *ctx)
{
	(void)ctx;
	return NOW;
}

/* ---- the fake provider: one template's versions as EC2 has them ---- */

struct fake {
	int exists;
	int64_t dflt, latest;
	const char *images[8];           /* by version number; NULL: none */
	const char *param_value;         /* SSM: the value of any parameter; NULL: not found */
	int rc;                          /* every call fails with this when set */
	int versions_calls, parameter_calls;
};

static int fake_versions(void *ctx, const char *account, const char *region, const char *template_id,
			 const char *const *v, size_t n, int resolve_alias, lt_version_fn fn, void *fctx,
			 int *ret_exists)
{
	struct fake *f = ctx;

	(void)account;
	(void)region;
	(void)template_id;
	f->versions_calls++;
	if (f->rc)
		return f->rc;
	*ret_exists = f->exists;
	for (size_t i = 0; f->exists && i < n; i++) {
		int64_t num = !strcmp(v[i], "$Default") ? f->dflt : !strcmp(v[i], "$Latest") ? f->latest : atoll(v[i]);
		struct lt_aws_version one = {num, num == f->dflt, f->images[num]};
		if (resolve_alias && one.image && !strncmp(one.image, "resolve:ssm:", 12))
			one.image = f->param_value;
		if (i && num == f->dflt && num == f->latest)
			continue;   /* one version answered once */
		if (fn(fctx, &one))
			return IT_EINVAL;
	}
	return IT_OK;
}

static int fake_parameter(void *ctx, const char *account, const char *region, const char *name, char *value,
			  size_t size, int64_t *ret_version)
{
	struct fake *f = ctx;

	(void)account;
	(void)region;
	(void)name;
	f->parameter_calls++;
	if (f->rc)
		return f->rc;
	if (!f->param_value)
		return IT_ENOTFOUND;
	snprintf(value, size, "%s", f->param_value);
	*ret_version = 1;
	return IT_OK;
}

/* ---- helpers ---- */

struct got {
	char compliance[24], latest_compliance[24], image_id[32], reasons[512], result_token[64];
	int64_t default_version, latest_version;
	int deleted, found;
};

static int take(void *ctx, const struct template_row *r)
{
	struct got *g = ctx;

	memset(g, 0, sizeof(*g));
	g->found = 1;
	snprintf(g->compliance, sizeof(g->compliance), "%s", r->compliance);
	snprintf(g->latest_compliance, sizeof(g->latest_compliance), "%s", r->latest_compliance ? r->latest_compliance : "");
	snprintf(g->image_id, sizeof(g->image_id), "%s", r->image_id ? r->image_id : "");
	snprintf(g->reasons, sizeof(g->reasons), "%s", r->reasons_json ? r->reasons_json : "");
	g->default_version = r->default_version;
	g->latest_version = r->latest_version;
	g->deleted = r->deleted;
	return IT_OK;
}

static struct got get(const char *id)
{
	struct got g;

	memset(&g, 0, sizeof(g));
	if (store_template_get(s, A, R, id, take, &g) != IT_OK)
		g.found = 0;
	return g;
}

static int64_t pending(const char *dest)
{
	int64_t n = -1;
	return store_outbox_count(s, dest, "pending", &n) == IT_OK ? n : -1;
}

/* Prepares e with c, writes it; returns lt_prepare_event's status. */
static int run(const struct lt_ctx *c, const struct event *e, int allow_retry, struct lt_written *ret)
{
	struct lt_work *w = lt_work_new("event");
	struct lt_written done;
	int rc = w ? lt_prepare_event(c, e, NOW, allow_retry, w) : IT_ENOMEM;

	memset(&done, 0, sizeof(done));
	if (rc == IT_OK) {
		CHECK(store_exec(s, "BEGIN IMMEDIATE") == IT_OK, "begin");
		CHECK(lt_write(s, w, &deliver, NOW, &done) == IT_OK, "write");
		CHECK(store_exec(s, "COMMIT") == IT_OK, "commit");
	} else {
		CHECK(lt_work_size(w) == 0, "a failed event leaves no work");
	}
	if (ret)
		*ret = done;
	lt_work_free(w);
	return rc;
}

static struct event ev_of(struct event_lt *lt, const char *id)
{
	struct event e = {.kind = EVENT_LAUNCH_TEMPLATE, .id = (char *)id, .account = (char *)A, .region = (char *)R,
			  .time_ms = lt->observed_at_ms, .lt = lt};
	return e;
}

static void reg(const char *image, const char *owner)
{
	struct image_facts *f = image_facts_new(image);

	snprintf(f->owner_id, sizeof(f->owner_id), "%s", owner);
	f->tags_known = 1;
	CHECK(store_image_put(s, R, f, "test", NOW - 1000) == IT_OK, "register %s", image);
	image_facts_free(f);
}

static int build_rules(struct rule_set *set)
{
	json_t *j = json_loads("{\"id\":\"golden\",\"criteria\":{\"owners\":[\"123456789012\"]}}", 0, NULL);
	struct rule *r = NULL;
	struct json_err err;
	int rc;

	rule_set_init(set);
	rc = j ? rule_from_json(j, &r, &err) : IT_ENOMEM;
	json_decref(j);
	if (rc == IT_OK && (rc = rule_set_add_rule(set, r)) != IT_OK)
		rule_free(r);
	return rc;
}

/* ---- cases ---- */

static void test_events_without_aws(const struct lt_ctx *c)
{
	struct event_lt lt;
	struct event e;
	struct got g;
	int64_t gone[1] = {1};

	/* CreateLaunchTemplate: version 1, the default */
	memset(&lt, 0, sizeof(lt));
	lt.action = EVENT_LT_CREATE;
	lt.account = (char *)A;
	lt.region = (char *)R;
	lt.template_id = (char *)LT;
	lt.name = (char *)"web";
	lt.default_version = lt.latest_version = 1;
	lt.has_version = 1;
	lt.version.number = 1;
	lt.version.image = (char *)GOOD;
	lt.version.is_default = 1;
	lt.observed_at_ms = NOW - 50000;
	e = ev_of(&lt, "e1");
	CHECK(run(c, &e, 1, NULL) == IT_OK, "create");
	g = get(LT);
	CHECK(g.found && !strcmp(g.compliance, "COMPLIANT") && g.default_version == 1, "COMPLIANT by version 1");
	CHECK(pending("securityhub") == 1 && pending("siem") == 1 && pending("config") == 0,
	      "a finding and a SIEM line; no token, no Config");

	/* CreateLaunchTemplateVersion 2, not the default: the latest is NON_COMPLIANT */
	memset(&lt, 0, sizeof(lt));
	lt.action = EVENT_LT_CREATE_VERSION;
	lt.account = (char *)A;
	lt.region = (char *)R;
	lt.template_id = (char *)LT;
	lt.latest_version = 2;
	lt.has_version = 1;
	lt.version.number = 2;
	lt.version.image = (char *)BAD;
	lt.observed_at_ms = NOW - 40000;
	e = ev_of(&lt, "e2");
	CHECK(run(c, &e, 1, NULL) == IT_OK, "create version");
	g = get(LT);
	CHECK(!strcmp(g.compliance, "COMPLIANT") && !strcmp(g.latest_compliance, "NON_COMPLIANT") &&
		      g.latest_version == 2,
	      "default COMPLIANT, latest NON_COMPLIANT (%s / %s)", g.compliance, g.latest_compliance);

	/* ModifyLaunchTemplate: 2 is the default now (its data came with its own event) */
	memset(&lt, 0, sizeof(lt));
	lt.action = EVENT_LT_MODIFY;
	lt.account = (char *)A;
	lt.region = (char *)R;
	lt.template_id = (char *)LT;
	lt.default_version = 2;
	lt.latest_version = 2;
	lt.needs_lookup = 1;
	lt.observed_at_ms = NOW - 30000;
	e = ev_of(&lt, "e3");
	CHECK(run(c, &e, 1, NULL) == IT_OK, "modify");
	g = get(LT);
	CHECK(!strcmp(g.compliance, "NON_COMPLIANT") && g.default_version == 2 && !strcmp(g.image_id, BAD),
	      "NON_COMPLIANT by version 2");
	CHECK(strstr(g.reasons, "not in owners") != NULL, "with reasons: %s", g.reasons);

	/* DeleteLaunchTemplateVersions 1: that version is gone, the template unchanged */
	memset(&lt, 0, sizeof(lt));
	lt.action = EVENT_LT_DELETE_VERSIONS;
	lt.account = (char *)A;
	lt.region = (char *)R;
	lt.template_id = (char *)LT;
	lt.gone = gone;
	lt.n_gone = 1;
	lt.observed_at_ms = NOW - 20000;
	e = ev_of(&lt, "e4");
	CHECK(run(c, &e, 1, NULL) == IT_OK, "delete versions");
	CHECK(!strcmp(get(LT).compliance, "NON_COMPLIANT"), "still NON_COMPLIANT");
}

static void test_events_with_aws(struct lt_ctx *c, struct fake *f)
{
	struct template_provider p = {fake_versions, fake_parameter, f};
	struct event_lt lt;
	struct event e;
	struct got g;

	c->lt = &p;
	/* ModifyLaunchTemplate to 3, whose data only EC2 has: an alias that means GOOD */
	memset(f, 0, sizeof(*f));
	f->exists = 1;
	f->dflt = f->latest = 3;
	f->images[1] = GOOD;
	f->images[2] = BAD;
	f->images[3] = "resolve:ssm:golden-ami:prod";
	f->param_value = GOOD;
	memset(&lt, 0, sizeof(lt));
	lt.action = EVENT_LT_MODIFY;
	lt.account = (char *)A;
	lt.region = (char *)R;
	lt.template_id = (char *)LT;
	lt.default_version = 3;
	lt.needs_lookup = 1;
	lt.observed_at_ms = NOW - 10000;
	e = ev_of(&lt, "e5");
	CHECK(run(c, &e, 1, NULL) == IT_OK, "modify read from EC2");
	g = get(LT);
	CHECK(!strcmp(g.compliance, "COMPLIANT") && g.default_version == 3 && !strcmp(g.image_id, GOOD),
	      "the alias meant an approved AMI (%s %s)", g.compliance, g.image_id);
	CHECK(strstr(g.reasons, "resolve:ssm:golden-ami:prod meant " GOOD) != NULL, "the reason names it: %s",
	      g.reasons);
	CHECK(f->versions_calls >= 2, "$Default/$Latest read, then ResolveAlias (%d)", f->versions_calls);

	/* a forged DeleteLaunchTemplate: EC2 still has the template */
	memset(&lt, 0, sizeof(lt));
	lt.action = EVENT_LT_DELETE;
	lt.account = (char *)A;
	lt.region = (char *)R;
	lt.template_id = (char *)LT;
	lt.deleted = 1;
	lt.observed_at_ms = NOW - 9000;
	e = ev_of(&lt, "e6");
	CHECK(run(c, &e, 1, NULL) == IT_OK, "forged delete");
	g = get(LT);
	CHECK(!g.deleted && !strcmp(g.compliance, "COMPLIANT"), "not believed");

	/* AWS throttling: retried, nothing judged */
	f->rc = IT_ETHROTTLE;
	lt.observed_at_ms = NOW - 8500;
	e = ev_of(&lt, "e7");
	CHECK(run(c, &e, 1, NULL) == IT_ETHROTTLE, "a retryable failure is returned");
	f->rc = 0;

	/* EC2 agrees it is gone */
	f->exists = 0;
	lt.observed_at_ms = NOW - 8000;
	e = ev_of(&lt, "e8");
	CHECK(run(c, &e, 1, NULL) == IT_OK, "confirmed delete");
	g = get(LT);
	CHECK(g.deleted && !strcmp(g.compliance, "NOT_APPLICABLE"), "NOT_APPLICABLE");
	CHECK(strstr(g.reasons, "the launch template was deleted") != NULL, "%s", g.reasons);
	c->lt = NULL;
}

struct link_seen {
	char *tid;
	int override;
};

static int link_take(void *ctx, const struct template_link *l)
{
	struct link_seen *seen = ctx;

	snprintf(seen->tid, 32, "%s", l->template_id);
	seen->override = l->image_override;
	return IT_OK;
}

static void test_links(const struct lt_ctx *c)
{
	struct event_lt lt;
	struct event e;
	struct verdict_row rows[2];
	struct event_observation obs[2];
	struct lt_work *w = lt_work_new("event");
	struct event ei;
	char got_tid[32] = "";

	/* LT2 with version 1 naming GOOD */
	memset(&lt, 0, sizeof(lt));
	lt.action = EVENT_LT_CREATE;
	lt.account = (char *)A;
	lt.region = (char *)R;
	lt.template_id = (char *)LT2;
	lt.default_version = lt.latest_version = 1;
	lt.has_version = 1;
	lt.version.number = 1;
	lt.version.image = (char *)GOOD;
	lt.version.is_default = 1;
	lt.observed_at_ms = NOW - 5000;
	e = ev_of(&lt, "l1");
	CHECK(run(c, &e, 1, NULL) == IT_OK, "LT2");

	memset(obs, 0, sizeof(obs));
	memset(rows, 0, sizeof(rows));
	for (int i = 0; i < 2; i++) {
		obs[i].account = (char *)A;
		obs[i].region = (char *)R;
		obs[i].lt_id = (char *)LT2;
		obs[i].lt_version = 1;
		obs[i].lt_version_kind = LT_VERSION_NUMBER;
		obs[i].observed_at_ms = NOW - 4000;
		snprintf(rows[i].account, sizeof(rows[i].account), A);
		snprintf(rows[i].region, sizeof(rows[i].region), R);
		rows[i].reasons_json = strdup("[\"allowed by rule golden\"]");
	}
	obs[0].instance_id = (char *)"i-0000000000000aaa1";
	obs[1].instance_id = (char *)"i-0000000000000aaa2";
	obs[1].lt_image_override = 1;
	snprintf(rows[0].instance_id, sizeof(rows[0].instance_id), "%s", obs[0].instance_id);
	snprintf(rows[1].instance_id, sizeof(rows[1].instance_id), "%s", obs[1].instance_id);
	snprintf(rows[0].image_id, sizeof(rows[0].image_id), GOOD);
	snprintf(rows[1].image_id, sizeof(rows[1].image_id), BAD);
	ei = (struct event){.kind = EVENT_CLOUDTRAIL_RUN_INSTANCES, .id = (char *)"run", .account = (char *)A,
			    .region = (char *)R, .obs = obs, .n_obs = 2};
	CHECK(w && lt_prepare_links(c, &ei, rows, 2, w) == IT_OK, "links");
	CHECK(strstr(rows[0].reasons_json, "launched from launch template " LT2 " version 1\"") != NULL, "%s",
	      rows[0].reasons_json);
	CHECK(strstr(rows[1].reasons_json, "which names " GOOD "; the launch ran " BAD " instead") != NULL,
	      "the override named: %s", rows[1].reasons_json);
	CHECK(store_exec(s, "BEGIN IMMEDIATE") == IT_OK && lt_write(s, w, &deliver, NOW, NULL) == IT_OK &&
		      store_exec(s, "COMMIT") == IT_OK,
	      "links written");
	{
		struct link_seen seen = {got_tid, -1};
		CHECK(store_template_link_get(s, A, R, "i-0000000000000aaa2", link_take, &seen) == IT_OK &&
			      !strcmp(got_tid, LT2) && seen.override == 1,
		      "the link is stored with the override");
	}
	for (int i = 0; i < 2; i++)
		free(rows[i].reasons_json);
	lt_work_free(w);

	/* the sweep's listing: the tags EC2 puts on an instance launched from a template */
	{
		struct image_tag tags[2] = {{(char *)"aws:ec2launchtemplate:id", (char *)LT2},
					    {(char *)"aws:ec2launchtemplate:version", (char *)"1"}};
		struct assess_listing listed[2];
		struct verdict_row lr[2];

		memset(listed, 0, sizeof(listed));
		memset(lr, 0, sizeof(lr));
		for (int i = 0; i < 2; i++) {
			listed[i].account = A;
			listed[i].region = R;
			listed[i].image_id = GOOD;
			listed[i].observed_at = NOW - 3000;
			snprintf(lr[i].account, sizeof(lr[i].account), A);
			snprintf(lr[i].region, sizeof(lr[i].region), R);
			snprintf(lr[i].image_id, sizeof(lr[i].image_id), GOOD);
			lr[i].reasons_json = strdup("[]");
		}
		listed[0].instance_id = "i-0000000000000bbb1";
		listed[1].instance_id = "i-0000000000000bbb2";
		listed[1].tags = tags;
		listed[1].n_tags = 2;
		snprintf(lr[0].instance_id, sizeof(lr[0].instance_id), "%s", listed[0].instance_id);
		snprintf(lr[1].instance_id, sizeof(lr[1].instance_id), "%s", listed[1].instance_id);
		w = lt_work_new("sweep");
		CHECK(w && lt_prepare_listing_links(c, listed, 2, lr, 2, w) == IT_OK, "listing links");
		CHECK(!strcmp(lr[0].reasons_json, "[]"), "an instance without the tags gains nothing");
		CHECK(strstr(lr[1].reasons_json, "launched from launch template " LT2 " version 1") != NULL, "%s",
		      lr[1].reasons_json);
		CHECK(lt_work_size(w) == 1, "one link");
		for (int i = 0; i < 2; i++)
			free(lr[i].reasons_json);
		lt_work_free(w);
	}
}

static void test_scheduled_and_sweep(const struct lt_ctx *c)
{
	struct event_rule_invocation rule = {.result_token = (char *)"tok-sched", .scope = EVENT_SCOPE_SCHEDULED,
					     .trigger = EVENT_TRIGGER_SCHEDULED, .ordering_ms = NOW - 1000,
					     .rule_parameters = (char *)"{\"italicResourceType\":\"AWS::EC2::LaunchTemplate\"}"};
	struct event e = {.kind = EVENT_CONFIG_RULE_INVOCATION, .id = (char *)"sched", .account = (char *)A,
			  .region = (char *)R, .time_ms = NOW - 1000, .rule = &rule};
	struct lt_written done;
	int64_t config_before = pending("config");
	struct lt_listed t;
	struct lt_work *w;
	struct got g;

	CHECK(event_lt_rule_covers_templates(&e), "the rule covers templates");
	CHECK(run(c, &e, 0, &done) == IT_OK, "scheduled");
	/* LT (deleted) has no live versions left to judge; LT2's default is live */
	CHECK(done.settled >= 1, "templates settled: %zu", done.settled);
	CHECK(pending("config") == config_before + 1, "answered for LT2 with the invocation's token (%lld)",
	      (long long)(pending("config") - config_before));

	/* the sweep: a listed template, then a stored one no longer listed */
	memset(&t, 0, sizeof(t));
	t.template_id = LT3;
	t.name = "batch";
	t.default_version = 1;
	t.latest_version = 1;
	t.n = 1;
	t.v[0].number = 1;
	t.v[0].is_default = 1;
	t.v[0].image = BAD;
	w = lt_work_new("sweep");
	CHECK(w && lt_prepare_listed(c, A, R, &t, NOW - 500, w) == IT_OK, "listed");
	CHECK(store_exec(s, "BEGIN IMMEDIATE") == IT_OK && lt_write(s, w, &deliver, NOW, NULL) == IT_OK &&
		      store_exec(s, "COMMIT") == IT_OK,
	      "written");
	lt_work_free(w);
	g = get(LT3);
	CHECK(!strcmp(g.compliance, "NON_COMPLIANT"), "a listed template judged");
	/* an unlisted claim older than what is stored changes nothing; a newer one retires it */
	w = lt_work_new("sweep");
	CHECK(w && lt_prepare_unlisted(A, R, LT3, NOW - 600, w) == IT_OK && lt_prepare_unlisted(A, R, LT2, NOW - 400, w) == IT_OK,
	      "unlisted");
	CHECK(store_exec(s, "BEGIN IMMEDIATE") == IT_OK && lt_write(s, w, &deliver, NOW, NULL) == IT_OK &&
		      store_exec(s, "COMMIT") == IT_OK,
	      "written");
	lt_work_free(w);
	CHECK(!get(LT3).deleted, "an older listing does not retire a newer record");
	CHECK(get(LT2).deleted && !strcmp(get(LT2).compliance, "NOT_APPLICABLE"), "a template no longer listed is gone");
}

static void test_rule_change_keeps_resolution(struct lt_ctx *c, struct fake *f)
{
	struct template_provider p = {fake_versions, fake_parameter, f};
	struct template_version_row v;
	struct lt_work *w = lt_work_new("reevaluate");

	memset(f, 0, sizeof(*f));
	c->lt = &p;
	memset(&v, 0, sizeof(v));
	v.account = A;
	v.region = R;
	v.template_id = LT3;
	v.version = 1;
	v.image_ref = "resolve:ssm:golden-ami";
	v.image_id = GOOD;
	v.resolved_at = NOW - 3600000;
	v.observed_at = NOW - 500;
	CHECK(w && lt_prepare_version(c, &v, w) == IT_OK, "re-judged");
	CHECK(f->versions_calls == 0 && f->parameter_calls == 0, "a rule change keeps the alias's stored resolution");
	lt_work_free(w);
	w = lt_work_new("timer");
	f->param_value = BAD;
	CHECK(w && lt_prepare_version(c, &v, w) == IT_OK, "timer");
	CHECK(f->versions_calls + f->parameter_calls > 0, "a timer resolves it again");
	lt_work_free(w);
	c->lt = NULL;
}

int main(void)
{
	char path[] = "/tmp/italic-test-judge-lt-XXXXXX", err[256];
	struct clock clk = {fixed_now, NULL};
	struct rule_set set;
	struct facts_provider registered;
	struct assess_env env;
	struct lt_ctx c;
	struct fake f;
	int fd = mkstemp(path);

	close(fd);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate");
	CHECK(build_rules(&set) == IT_OK, "rules");
	reg(GOOD, "123456789012");
	reg(BAD, "999999999999");
	registered = facts_registered(s);
	env = (struct assess_env){&set, NULL, &registered, &clk, 1};
	c = (struct lt_ctx){&env, NULL, s};

	test_events_without_aws(&c);
	test_events_with_aws(&c, &f);
	test_links(&c);
	test_scheduled_and_sweep(&c);
	test_rule_change_keeps_resolution(&c, &f);

	rule_set_finish(&set);
	store_close(s);
	unlink(path);
	return tap_done();
}
