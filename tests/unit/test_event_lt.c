/*
 * test_event_lt: event_parse over the launch-template events and instance links.
 *
 * Usage: test_event_lt <tests/fixtures/event_lt dir>
 *        test_event_lt --render <file.json>     (prints what a .out file holds)
 *
 * Rejections first (bad/x.json + x.err, one per reason), then the accepted fixtures
 * x.json against x.out, then exact values of the real console records, the limits, the
 * invariants event_lt.h adds, and the time bounds.
 */
#include "event.h"
#include "event_lt.h"
#include "limits.h"
#include "parse.h"
#include "status.h"
#include "tap.h"
#include "fixture_files.h"

#include <stdlib.h>

static const char *fixtures_dir;

static char *fixture(const char *name, size_t *len)
{
	return fixture_must(fixtures_dir, name, len, "fixture");
}

/* ---- rendering (the .out format) ---- */

static void out_time(FILE *f, const char *label, int64_t ms)
{
	char t[IT_TIME_BUF];

	if (ms)
		fprintf(f, "%s=%s", label, format_time_ms(ms, t));
	else
		fprintf(f, "%s=-", label);
}

static const char *version_kind(enum lt_version_kind k)
{
	return k == LT_VERSION_DEFAULT ? "$Default" : k == LT_VERSION_LATEST ? "$Latest" : "number";
}

static void render(FILE *f, const struct event *ev)
{
	const struct event_lt *lt = ev->lt;

	fprintf(f, "kind: %s\nid: %s\naccount: %s\nregion: %s\n", event_kind_str(ev->kind), ev->id, ev->account,
		ev->region);
	if (ev->ignored_reason)
		fprintf(f, "ignored: %s\n", ev->ignored_reason);
	if (ev->rule)
		fprintf(f, "rule: name=%s left_scope=%d scheduled=%d templates=%d\n", ev->rule->config_rule_name,
			ev->rule->left_scope, ev->rule->scope == EVENT_SCOPE_SCHEDULED, event_lt_rule_covers_templates(ev));
	if (lt) {
		fprintf(f, "lt: action=%s %s %s %s name=%s default=%lld latest=%lld deleted=%d needs_lookup=%d ",
			event_lt_action_str(lt->action), lt->account, lt->region, lt->template_id,
			lt->name ? lt->name : "-", (long long)lt->default_version, (long long)lt->latest_version,
			lt->deleted, lt->needs_lookup);
		out_time(f, "observed_at", lt->observed_at_ms);
		fputc('\n', f);
		if (lt->has_version)
			fprintf(f, "lt.version: %lld image=%s default=%d\n", (long long)lt->version.number,
				lt->version.image ? lt->version.image : "-", lt->version.is_default);
		if (lt->n_gone) {
			fputs("lt.gone:", f);
			for (size_t i = 0; i < lt->n_gone; i++)
				fprintf(f, " %lld", (long long)lt->gone[i]);
			fputc('\n', f);
		}
	}
	for (size_t i = 0; i < ev->n_obs; i++) {
		const struct event_observation *o = &ev->obs[i];
		fprintf(f, "obs[%zu]: %s image=%s lt=%s name=%s version=", i, o->instance_id,
			o->image_id ? o->image_id : "-", o->lt_id ? o->lt_id : "-", o->lt_name ? o->lt_name : "-");
		if (o->lt_version_kind == LT_VERSION_NUMBER)
			fprintf(f, "%lld", (long long)o->lt_version);
		else
			fputs(version_kind(o->lt_version_kind), f);
		fprintf(f, " override=%d\n", o->lt_image_override);
	}
}

static char *render_str(const struct event *ev)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (!f)
		exit(2);
	render(f, ev);
	fclose(f);
	return s;
}

static struct event *parse_ok(const char *body, size_t len, const char *what)
{
	struct json_err err = {{0}, {0}};
	struct event *ev = NULL;
	int rc = event_parse(body, len, &ev, &err);

	CHECK(rc == IT_OK, "%s: rc %s (%s: %s)", what, status_str(rc), err.field, err.message);
	return rc == IT_OK ? ev : NULL;
}

static void parse_bad(const char *body, size_t len, int want_rc, const char *want_field, const char *what)
{
	struct json_err err = {{0}, {0}};
	struct event *ev = (struct event *)0x1;
	int rc = event_parse(body, len, &ev, &err);

	CHECK(rc == want_rc, "%s: rc %s want %s (%s: %s)", what, status_str(rc), status_str(want_rc), err.field,
	      err.message);
	CHECK(ev == (struct event *)0x1, "%s: out-param untouched", what);
	CHECK_STR(err.field, want_field, what);
	CHECK(err.message[0] != '\0', "%s: message set", what);
	if (rc == IT_OK)
		event_free(ev);
}

/* The invariants of event_lt.h, checked on every accepted event. */
static void check_invariants(const struct event *ev, const char *what)
{
	if (ev->kind == EVENT_LAUNCH_TEMPLATE)
		CHECK(ev->lt != NULL && ev->n_obs == 0, "%s: a template event has lt and no observations", what);
	if (ev->kind == EVENT_IGNORED)
		CHECK(ev->lt == NULL, "%s: ignored events carry no template", what);
	if (ev->lt) {
		struct lt_image_ref ref;
		CHECK(ev->kind == EVENT_LAUNCH_TEMPLATE || ev->kind == EVENT_CONFIG_RULE_INVOCATION, "%s: kind", what);
		CHECK(!strcmp(ev->lt->account, ev->account) && !strcmp(ev->lt->region, ev->region),
		      "%s: template account and region are the event's", what);
		CHECK(valid_launch_template_id(ev->lt->template_id), "%s: template id", what);
		if (ev->lt->has_version && ev->lt->version.image)
			CHECK(lt_image_ref_parse(ev->lt->version.image, &ref) == IT_OK, "%s: image", what);
	}
	for (size_t i = 0; i < ev->n_obs; i++)
		CHECK(!ev->obs[i].lt_id || valid_launch_template_id(ev->obs[i].lt_id), "%s: obs lt_id", what);
}

static void one_bad(void *ctx, const char *name, const char *body, size_t len, int want_rc, const char *field)
{
	(void)ctx;
	parse_bad(body, len, want_rc, field, name);
}

static void test_bad_fixtures(void)
{
	int n = fixture_each_bad(fixtures_dir, one_bad, NULL);

	CHECK(n >= 44, "bad fixtures found: %d", n);
}

static void one_good(void *ctx, const char *name, const char *body, size_t len, const char *want)
{
	struct event *ev = parse_ok(body, len, name);
	char *got;

	(void)ctx;
	if (ev) {
		check_invariants(ev, name);
		got = render_str(ev);
		CHECK(strcmp(got, want) == 0, "%s: got\n%s\nwant\n%s", name, got, want);
		free(got);
	}
	event_free(ev);
}

static void test_good_fixtures(void)
{
	int n = fixture_each_good(fixtures_dir, one_good, NULL);

	CHECK(n >= 22, "accepted fixtures found: %d", n);
}

static int64_t T(const char *s)
{
	int64_t ms = -1;

	if (parse_time_ms(s, &ms) != IT_OK) {
		fprintf(stderr, "FATAL: bad test time %s\n", s);
		exit(2);
	}
	return ms;
}

/* Exact values of the real console records (not through the .out renderer). */
static void test_console_records(void)
{
	size_t len;
	char *s = fixture("cloudtrail-create-with-image.json", &len);
	struct event *ev = parse_ok(s, len, "CreateLaunchTemplate with ImageId");

	if (ev) {
		const struct event_lt *lt = ev->lt;
		CHECK(ev->kind == EVENT_LAUNCH_TEMPLATE, "kind %s", event_kind_str(ev->kind));
		CHECK(!strcmp(event_kind_str(ev->kind), "launch_template"), "kind name");
		CHECK(lt && lt->action == EVENT_LT_CREATE, "create");
		if (lt) {
			CHECK_STR(lt->template_id, "lt-db0c0ffee32103b67", "template id");
			CHECK_STR(lt->name, "myCustomTemplateName", "name");
			CHECK(lt->default_version == 1 && lt->latest_version == 1, "versions");
			CHECK(lt->has_version && lt->version.number == 1 && lt->version.is_default, "version 1");
			CHECK_STR(lt->version.image, "ami-db0c0ffee87a5d1e5", "image from the request data");
			CHECK(lt->observed_at_ms == T("2023-12-05T03:19:02Z"), "eventTime orders");
			CHECK(!lt->needs_lookup && !lt->deleted, "complete");
		}
	}
	event_free(ev);
	free(s);

	s = fixture("cloudtrail-create-minimal.json", &len);
	ev = parse_ok(s, len, "CreateLaunchTemplate without an image");
	if (ev && ev->lt) {
		CHECK(ev->lt->has_version && ev->lt->version.image == NULL, "data without ImageId");
		CHECK(!ev->lt->needs_lookup, "the data is complete: it names no image");
	}
	event_free(ev);
	free(s);

	s = fixture("cloudtrail-delete.json", &len);
	ev = parse_ok(s, len, "DeleteLaunchTemplate");
	if (ev && ev->lt) {
		CHECK(ev->lt->deleted && ev->lt->action == EVENT_LT_DELETE, "deleted");
		CHECK_STR(ev->lt->template_id, "lt-db0c0ffee4616a338", "the minimal template");
	}
	event_free(ev);
	free(s);

	/* A read-only call with its null responseElements is not a template event. */
	s = fixture("ignored-describe-versions.json", &len);
	ev = parse_ok(s, len, "DescribeLaunchTemplateVersions");
	CHECK(ev && ev->kind == EVENT_IGNORED && ev->lt == NULL, "DescribeLaunchTemplateVersions is ignored");
	event_free(ev);
	free(s);
}

static void test_limits(void)
{
	size_t len;
	char *s = fixture("cloudtrail-delete-versions-two.json", &len);
	json_error_t je;
	json_t *doc = json_loads(s, 0, &je), *items = json_array();
	const char *set = "successfullyDeletedLaunchTemplateVersionSet";
	struct event *ev;
	char *body;

	for (int i = 1; i <= IT_LT_MAX_GONE_VERSIONS; i++)
		json_array_append_new(items, json_pack("{s:s,s:i}", "launchTemplateId", "lt-0a20c965061f64abc",
						       "versionNumber", i));
	json_object_set_new(json_object_get(json_object_get(json_object_get(json_object_get(doc, "detail"),
									    "responseElements"),
							    "DeleteLaunchTemplateVersionsResponse"),
					    set),
			    "item", items);
	body = json_dumps(doc, JSON_COMPACT);
	ev = parse_ok(body, strlen(body), "exactly IT_LT_MAX_GONE_VERSIONS deleted versions");
	CHECK(ev && ev->lt && ev->lt->n_gone == IT_LT_MAX_GONE_VERSIONS, "all kept");
	event_free(ev);
	free(body);
	json_decref(doc);
	free(s);

	/* an image reference of exactly IT_LT_MAX_IMAGE_REF bytes */
	s = fixture("cloudtrail-create-with-image.json", &len);
	doc = json_loads(s, 0, &je);
	{
		char *ref = malloc(IT_LT_MAX_IMAGE_REF + 1);
		json_t *data = json_object_get(json_object_get(json_object_get(json_object_get(doc, "detail"),
									       "requestParameters"),
							       "CreateLaunchTemplateRequest"),
					       "LaunchTemplateData");
		memcpy(ref, "resolve:ssm:", 12);
		memset(ref + 12, 'p', IT_LT_MAX_IMAGE_REF - 12);
		ref[IT_LT_MAX_IMAGE_REF] = '\0';
		json_object_set_new(data, "ImageId", json_string(ref));
		body = json_dumps(doc, JSON_COMPACT);
		ev = parse_ok(body, strlen(body), "an image reference at the limit");
		CHECK(ev && ev->lt && ev->lt->version.image && strlen(ev->lt->version.image) == IT_LT_MAX_IMAGE_REF,
		      "kept whole");
		event_free(ev);
		free(body);
		free(ref);
	}
	json_decref(doc);
	free(s);
}

/* A future eventTime is clamped like an instance's, with a reason naming the field. */
static void test_time_bounds(void)
{
	size_t len;
	char *s = fixture("cloudtrail-create-with-image.json", &len);
	json_error_t je;
	json_t *doc = json_loads(s, 0, &je);
	struct event *ev;
	char *body, reason[IT_VERDICT_REASON_LEN];
	int64_t received = T("2023-12-05T03:19:10Z");

	json_object_set_new(json_object_get(doc, "detail"), "eventTime", json_string("9999-12-31T23:59:59Z"));
	body = json_dumps(doc, JSON_COMPACT);
	ev = parse_ok(body, strlen(body), "future eventTime");
	if (ev && ev->lt) {
		CHECK(event_lt_time_reason(ev, received, reason, sizeof(reason)) == 0, "nothing clamped yet");
		CHECK(event_bound_times(ev, received) == 1, "one time clamped");
		CHECK(ev->lt->observed_at_ms == received, "observed_at is the receipt time");
		CHECK(event_lt_time_reason(ev, received, reason, sizeof(reason)) == 1, "a reason");
		CHECK(strstr(reason, "eventTime 9999-12-31T23:59:59Z is more than 5 minutes after Italic received") != NULL,
		      "reason: %s", reason);
		CHECK(event_bound_times(ev, received) == 0, "idempotent");
	}
	event_free(ev);
	free(body);
	json_decref(doc);
	free(s);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--render") == 0) {
		size_t len;
		char *body = fixture_read(argv[2], &len);
		struct json_err err = {{0}, {0}};
		struct event *ev = NULL;
		int rc = body ? event_parse(body, len, &ev, &err) : IT_EIO;
		if (rc) {
			fprintf(stderr, "%s: %s %s: %s\n", argv[2], status_str(rc), err.field, err.message);
			return 1;
		}
		render(stdout, ev);
		event_free(ev);
		free(body);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: %s <tests/fixtures/event_lt dir>\n", argv[0]);
		return 2;
	}
	fixtures_dir = argv[1];
	test_bad_fixtures();
	test_good_fixtures();
	test_console_records();
	test_limits();
	test_time_bounds();
	return tap_done();
}
