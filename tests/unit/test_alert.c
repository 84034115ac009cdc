/*
 * test_alert: which changes alert, the storm rule, and the payloads (lib/alert.h).
 * Tables first: each row one case with its expected answer.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "status.h"
#include "tap.h"

static void test_triggered(void)
{
	static const struct {
		enum alert_on on;
		const char *from, *to;
		int want;
	} cases[] = {
		{ALERT_ON_NONCOMPLIANT, "", "NON_COMPLIANT", 1},          /* a new instance, bad */
		{ALERT_ON_NONCOMPLIANT, NULL, "NON_COMPLIANT", 1},
		{ALERT_ON_NONCOMPLIANT, "", "COMPLIANT", 0},              /* a new good instance */
		{ALERT_ON_NONCOMPLIANT, "COMPLIANT", "NON_COMPLIANT", 1},
		{ALERT_ON_NONCOMPLIANT, "NON_COMPLIANT", "COMPLIANT", 1}, /* and back */
		{ALERT_ON_NONCOMPLIANT, "NON_COMPLIANT", "NOT_APPLICABLE", 1},
		{ALERT_ON_NONCOMPLIANT, "NON_COMPLIANT", "INSUFFICIENT_DATA", 1},
		{ALERT_ON_NONCOMPLIANT, "INSUFFICIENT_DATA", "NON_COMPLIANT", 1},
		{ALERT_ON_NONCOMPLIANT, "COMPLIANT", "NOT_APPLICABLE", 0},
		{ALERT_ON_NONCOMPLIANT, "COMPLIANT", "INSUFFICIENT_DATA", 0},
		{ALERT_ON_NONCOMPLIANT, "NON_COMPLIANT", "NON_COMPLIANT", 0}, /* a re-evaluation */
		{ALERT_ON_ALL, "", "COMPLIANT", 1},
		{ALERT_ON_ALL, "COMPLIANT", "NOT_APPLICABLE", 1},
		{ALERT_ON_ALL, "COMPLIANT", "COMPLIANT", 0},
		{ALERT_ON_ALL, "", "", 0},
		{ALERT_ON_ALL, "COMPLIANT", NULL, 0},
		{ALERT_ON__MAX, "", "NON_COMPLIANT", 0},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		CHECK(alert_triggered(cases[i].on, cases[i].from, cases[i].to) == cases[i].want, "%s: %s -> %s",
		      cases[i].on < ALERT_ON__MAX ? alert_on_names[cases[i].on] : "?", cases[i].from ? cases[i].from : "NULL",
		      cases[i].to ? cases[i].to : "NULL");
}

/* Feeds alerts at the given times through the rule; routes[i] is 'S' or 'D'. */
static void storm(const char *name, uint64_t max, const int64_t *times, size_t n, const char *want)
{
	struct alert_window w = {0, 0, 0}, nw;
	enum alert_route r;
	char got[64] = "";

	for (size_t i = 0; i < n && i + 1 < sizeof(got); i++) {
		alert_storm_route(&w, times[i], max, &nw, &r);
		got[i] = r == ALERT_ROUTE_SINGLE ? 'S' : 'D';
		if (r == ALERT_ROUTE_DIGEST && nw.digest_id == 0)
			nw.digest_id = 100 + (int64_t)i;   /* as outbox.c: the first overflow makes the digest */
		w = nw;
	}
	CHECK_STR(got, want, name);
}

static void test_storm(void)
{
	static const int64_t burst[] = {1000, 1001, 1002, 1003, 1004, 30000, 60999};
	static const int64_t edges[] = {1000, 1001, 1002, 61000, 61001, 61002, 121000};
	static const int64_t back[] = {50000, 50001, 50002, 10000, 10001};
	struct alert_window w = {1000, 3, 7}, nw;
	enum alert_route r;

	storm("3 a minute: 3 singles, the rest of the minute digests", 3, burst, ARRAY_LEN(burst), "SSSDDDD");
	/* the window is anchored at its first alert: 61000 is its end, a new window opens */
	storm("a window lasts 60 s from its first alert", 2, edges, ARRAY_LEN(edges), "SSDSSDS");
	storm("a clock set back opens a new window", 2, back, ARRAY_LEN(back), "SSDSS");
	storm("max 0: only digests", 0, burst, 3, "DDD");
	storm("max 1000: all singles", 1000, burst, ARRAY_LEN(burst), "SSSSSSS");

	alert_storm_route(&w, 2000, 3, &nw, &r);
	CHECK(r == ALERT_ROUTE_DIGEST && nw.opened_at == 1000 && nw.singles == 3 && nw.digest_id == 7,
	      "a full window keeps its digest");
	alert_storm_route(&w, 61000, 3, &nw, &r);
	CHECK(r == ALERT_ROUTE_SINGLE && nw.opened_at == 61000 && nw.singles == 1 && nw.digest_id == 0,
	      "the next window starts empty, without the old digest");
	CHECK(alert_window_end(&w) == 61000, "window end");
	alert_storm_route(NULL, 5000, 3, &nw, &r);
	CHECK(r == ALERT_ROUTE_SINGLE && nw.opened_at == 5000 && nw.singles == 1, "no window yet");
}

static struct alert_change change(void)
{
	struct alert_change c = {"111122223333", "eu-west-1", "i-0123456789abcdef0", "ami-0123456789abcdef0",
				 "COMPLIANT", "NON_COMPLIANT", "[\"rule golden: owner 444455556666 not in owners\"]",
				 "", NULL, 1768478370123LL, 1768478371000LL};
	return c;
}

static char *dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

static void test_change_detail(void)
{
	struct alert_change c = change(), bad;
	json_t *d = NULL, *untouched = (json_t *)0x1;
	char *t;

	CHECK(alert_change_detail(&c, "https://italic.example.com", &d) == IT_OK, "detail");
	t = dump(d);
	CHECK_STR(t,
		  "{\"kind\":\"change\",\"account\":\"111122223333\",\"region\":\"eu-west-1\",\"instance_id\":"
		  "\"i-0123456789abcdef0\",\"image_id\":\"ami-0123456789abcdef0\",\"from\":\"COMPLIANT\",\"to\":"
		  "\"NON_COMPLIANT\",\"reasons\":[\"rule golden: owner 444455556666 not in owners\"],\"matched_rule\":null,"
		  "\"exemption\":null,\"observed_at\":\"2026-01-15T11:59:30.123Z\",\"evaluated_at\":"
		  "\"2026-01-15T11:59:31.000Z\",\"url\":"
		  "\"https://italic.example.com/v1/instances/111122223333/eu-west-1/i-0123456789abcdef0\"}",
		  "the change's detail");
	free(t);
	json_decref(d);

	c.from = "";
	c.image_id = "";
	c.reasons_json = "not json";
	c.matched_rule = "golden";
	CHECK(alert_change_detail(&c, NULL, &d) == IT_OK, "a new instance, unknown image, unreadable reasons");
	CHECK(json_is_null(json_object_get(d, "from")) && json_is_null(json_object_get(d, "image_id")),
	      "from and image_id null");
	CHECK(json_array_size(json_object_get(d, "reasons")) == 0, "reasons []");
	CHECK_STR(json_string_value(json_object_get(d, "matched_rule")), "golden", "matched_rule");
	CHECK_STR(json_string_value(json_object_get(d, "url")), "/v1/instances/111122223333/eu-west-1/i-0123456789abcdef0",
		  "without a base, the path");
	json_decref(d);

	/* a launch template's change: its type and id, no instance, the template's link */
	c = change();
	c.instance_id = c.launch_template_id = "lt-0abcd1234ef567890";
	CHECK(alert_change_detail(&c, "https://i.example", &d) == IT_OK, "a template's detail");
	CHECK_STR(json_string_value(json_object_get(d, "resource_type")), "AwsEc2LaunchTemplate", "resource_type");
	CHECK_STR(json_string_value(json_object_get(d, "launch_template_id")), "lt-0abcd1234ef567890", "template id");
	CHECK(json_is_null(json_object_get(d, "instance_id")), "instance_id null");
	CHECK_STR(json_string_value(json_object_get(d, "url")),
		  "https://i.example/v1/launch-templates/111122223333/eu-west-1/lt-0abcd1234ef567890", "template url");
	{
		char *body = NULL;
		json_t *b;
		CHECK(alert_slack_body(d, &body) == IT_OK, "template slack body");
		b = body ? json_loads(body, 0, NULL) : NULL;
		CHECK(b && strncmp(json_string_value(json_object_get(b, "text")),
				   "Italic: launch template lt-0abcd1234ef567890 (111122223333/eu-west-1", 68) == 0,
		      "slack names the template: %s", body ? body : "");
		json_decref(b);
		free(body);
	}
	json_decref(d);

	bad = change();
	bad.to = NULL;
	CHECK(alert_change_detail(&bad, NULL, &untouched) == IT_EINVAL && untouched == (json_t *)0x1, "no to");
	bad = change();
	bad.account = "";
	CHECK(alert_change_detail(&bad, NULL, &untouched) == IT_EINVAL && untouched == (json_t *)0x1, "no account");
}

static void test_test_detail(void)
{
	json_t *d = NULL;
	enum alert_kind k;

	CHECK(alert_test_detail(1768478400000LL, "eu-central-1", "https://i.example", &d) == IT_OK, "test detail");
	CHECK(alert_kind_of(d, &k) == IT_OK && k == ALERT_KIND_TEST, "kind test");
	CHECK_STR(json_string_value(json_object_get(d, "instance_id")), ALERT_TEST_INSTANCE, "marked instance");
	CHECK_STR(json_string_value(json_object_get(d, "region")), "eu-central-1", "home region");
	CHECK_STR(json_string_value(json_object_get(d, "to")), "NON_COMPLIANT", "routed like a change into NON_COMPLIANT");
	CHECK(strstr(json_string_value(json_array_get(json_object_get(d, "reasons"), 0)), "TEST ALERT") != NULL,
	      "the reason says so");
	CHECK_STR(json_string_value(json_object_get(d, "url")), "https://i.example/v1/instances?compliance=NON_COMPLIANT",
		  "url");
	CHECK_STR(alert_detail_types[k], "Italic Compliance Change", "DetailType of a test");
	json_decref(d);
}

static void test_digest_detail(void)
{
	struct alert_count acc[IT_ALERT_DIGEST_KEYS + 3], img[2] = {{"ami-b", 5}, {"ami-a", 5}},
				       to[1] = {{"NON_COMPLIANT", 10}};
	char keys[IT_ALERT_DIGEST_KEYS + 3][16];
	struct alert_digest dg;
	json_t *inst = json_array(), *d = NULL, *v;
	const char *k;
	size_t i = 0;
	int64_t total = 0;

	for (size_t n = 0; n < ARRAY_LEN(acc); n++) {
		snprintf(keys[n], sizeof(keys[n]), "%012zu", n);
		acc[n].key = keys[n];
		acc[n].n = (int64_t)n + 1;     /* account 52 has the most */
		total += acc[n].n;
	}
	for (int n = 0; n < 25; n++)
		json_array_append_new(inst, json_pack("{s:s,s:i}", "kind", "change", "n", n));
	memset(&dg, 0, sizeof(dg));
	dg.window_start = 1768478400000LL;
	dg.window_end = 1768478460000LL;
	dg.count = total;
	dg.accounts = acc;
	dg.n_accounts = ARRAY_LEN(acc);
	dg.images = img;
	dg.n_images = 2;
	dg.to = to;
	dg.n_to = 1;
	dg.instances = inst;
	dg.url = "/v1/instances?compliance=NON_COMPLIANT";
	CHECK(alert_digest_detail(&dg, &d) == IT_OK, "digest");
	CHECK_STR(json_string_value(json_object_get(d, "kind")), "digest", "kind");
	CHECK_STR(json_string_value(json_object_get(d, "window_end")), "2026-01-15T12:01:00.000Z", "window_end");
	CHECK(json_integer_value(json_object_get(d, "count")) == total, "count");
	CHECK(json_object_size(json_object_get(d, "by_account")) == IT_ALERT_DIGEST_KEYS, "50 accounts by name");
	/* largest first: 000000000052 (53), ... ; the three smallest (1+2+3) are others */
	json_object_foreach(json_object_get(d, "by_account"), k, v) {
		if (i == 0)
			CHECK_STR(k, "000000000052", "the largest first");
		i++;
	}
	CHECK(json_integer_value(json_object_get(d, "by_account_others")) == 6, "the rest summed: %lld",
	      (long long)json_integer_value(json_object_get(d, "by_account_others")));
	i = 0;
	json_object_foreach(json_object_get(d, "by_image"), k, v) {
		CHECK_STR(k, i == 0 ? "ami-a" : "ami-b", "ties by key");
		i++;
	}
	CHECK(json_array_size(json_object_get(d, "instances")) == IT_ALERT_DIGEST_FIRST, "the first 20 listed");
	CHECK(json_integer_value(json_array_get(json_object_get(d, "instances"), 19) ? json_object_get(
		      json_array_get(json_object_get(d, "instances"), 19), "n") : NULL) == 19, "oldest first");
	CHECK(json_integer_value(json_object_get(d, "instances_not_listed")) == total - IT_ALERT_DIGEST_FIRST,
	      "the rest not listed");
	json_decref(d);
	json_decref(inst);
}

static json_t *long_change(size_t nreasons, size_t len)
{
	struct alert_change c = change();
	json_t *d = NULL, *r = json_array();
	char *s = malloc(len + 1);
	char *rj;

	memset(s, 'x', len);
	memcpy(s, "\xc3\xa9", 2);      /* é: a cut must not split a character */
	for (size_t i = 2; i + 1 < len; i += 2)
		memcpy(s + i, "\xc3\xa9", 2);
	s[len] = '\0';
	for (size_t i = 0; i < nreasons; i++)
		json_array_append_new(r, json_string(s));
	rj = dump(r);
	c.reasons_json = rj;
	if (alert_change_detail(&c, NULL, &d) != IT_OK)
		d = NULL;
	free(rj);
	free(s);
	json_decref(r);
	return d;
}

static void test_fit(void)
{
	json_t *d = long_change(16, 254), *before, *dg, *inst;
	char *t = NULL, *full = dump(d);
	json_t *back;

	CHECK(d != NULL, "a long change");
	before = json_deep_copy(d);
	CHECK(alert_fit(d, 1 << 20, &t) == IT_OK && !strcmp(t, full), "fits: unchanged, compact");
	free(t);
	t = NULL;
	/* step 1: every reason cut to 120 bytes */
	CHECK(alert_fit(d, strlen(full) - 100, &t) == IT_OK && strlen(t) <= strlen(full) - 100, "cut to fit");
	back = t ? json_loads(t, 0, NULL) : NULL;
	CHECK(back && json_is_true(json_object_get(back, "cut")), "marked cut");
	CHECK(back && json_array_size(json_object_get(back, "reasons")) == 16, "step 1 keeps every reason");
	if (back) {
		const char *r0 = json_string_value(json_array_get(json_object_get(back, "reasons"), 0));
		CHECK(r0 && strlen(r0) <= 120 + 3 && !strcmp(r0 + strlen(r0) - 3, "\xe2\x80\xa6"), "120 bytes and …");
		CHECK(r0 && strlen(r0) % 2 == 1, "cut between characters (é is 2 bytes, … 3): %zu", r0 ? strlen(r0) : 0);
	}
	json_decref(back);
	free(t);
	t = NULL;
	/* step 2: only the first reason */
	CHECK(alert_fit(d, 900, &t) == IT_OK, "first reason only");
	back = t ? json_loads(t, 0, NULL) : NULL;
	CHECK(back && json_array_size(json_object_get(back, "reasons")) == 2, "first reason and a count");
	CHECK(back && !strcmp(json_string_value(json_array_get(json_object_get(back, "reasons"), 1)), "(+15 more)"),
	      "(+15 more)");
	json_decref(back);
	free(t);
	t = NULL;
	CHECK(alert_fit(d, 50, &t) == IT_ETOOBIG && t == NULL, "too small: refused");
	CHECK(json_equal(d, before), "the detail itself never changes");
	back = json_array();
	CHECK(alert_fit(back, 100, &t) == IT_EINVAL, "not an object");
	json_decref(back);

	/* a digest drops listed instances from the end, counting them */
	dg = json_pack("{s:s,s:I,s:[]}", "kind", "digest", "instances_not_listed", (json_int_t)5, "instances");
	inst = json_object_get(dg, "instances");
	for (int i = 0; i < 20; i++)
		json_array_append_new(inst, long_change(1, 20));
	free(full);
	full = dump(dg);
	CHECK(alert_fit(dg, strlen(full) / 2, &t) == IT_OK, "digest cut");
	back = t ? json_loads(t, 0, NULL) : NULL;
	CHECK(back && json_array_size(json_object_get(back, "instances")) < 20, "fewer instances listed");
	CHECK(back && json_integer_value(json_object_get(back, "instances_not_listed")) ==
			      5 + 20 - (json_int_t)json_array_size(json_object_get(back, "instances")),
	      "the dropped ones counted");
	json_decref(back);
	free(t);
	free(full);
	json_decref(dg);
	json_decref(before);
	json_decref(d);
}

static void test_slack(void)
{
	struct alert_change c = change();
	json_t *d = NULL, *dg;
	char *body = NULL;
	json_t *b;

	c.reasons_json = "[\"name <!channel> & <https://evil.example|click> not allowed\", \"second\"]";
	CHECK(alert_change_detail(&c, "https://i.example", &d) == IT_OK, "detail");
	CHECK(alert_slack_body(d, &body) == IT_OK, "slack body");
	b = body ? json_loads(body, 0, NULL) : NULL;
	CHECK(b && json_object_size(b) == 1, "{\"text\": ...} only");
	CHECK_STR(json_string_value(json_object_get(b, "text")),
		  "Italic: i-0123456789abcdef0 (111122223333/eu-west-1, image ami-0123456789abcdef0) changed from "
		  "COMPLIANT to NON_COMPLIANT: name &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; not "
		  "allowed (+1 more). https://i.example/v1/instances/111122223333/eu-west-1/i-0123456789abcdef0",
		  "one line, escaped");
	json_decref(b);
	free(body);
	json_decref(d);

	dg = json_pack("{s:s,s:s,s:I,s:{s:I},s:{s:I},s:{s:I},s:[{s:s,s:s}],s:s}", "kind", "digest", "window_start",
		       "2026-01-15T12:00:00.000Z", "count", (json_int_t)180, "by_to", "NON_COMPLIANT", (json_int_t)180,
		       "by_account", "111122223333", (json_int_t)180, "by_image", "ami-<x>", (json_int_t)180, "instances",
		       "instance_id", "i-1", "account", "111122223333", "url", "/v1/instances?compliance=NON_COMPLIANT");
	body = NULL;
	CHECK(alert_slack_body(dg, &body) == IT_OK, "digest body");
	b = body ? json_loads(body, 0, NULL) : NULL;
	CHECK_STR(json_string_value(json_object_get(b, "text")),
		  "Italic: 180 compliance changes in one minute from 2026-01-15T12:00:00.000Z (storm digest: more than "
		  "the single alerts a minute allows). Now: NON_COMPLIANT (180). Accounts: 111122223333 (180). Images: "
		  "ami-&lt;x&gt; (180). First: i-1 (111122223333). /v1/instances?compliance=NON_COMPLIANT",
		  "digest line");
	json_decref(b);
	free(body);
	json_decref(dg);

	CHECK(alert_test_detail(1, NULL, NULL, &d) == IT_OK, "test detail");
	body = NULL;
	CHECK(alert_slack_body(d, &body) == IT_OK && strstr(body, "TEST ALERT") != NULL, "test line");
	free(body);
	json_decref(d);
	d = json_pack("{s:s}", "kind", "weird");
	body = (char *)0x1;
	CHECK(alert_slack_body(d, &body) == IT_EINVAL && body == (char *)0x1, "unknown kind");
	json_decref(d);
}

static void test_arn(void)
{
	char out[160], tiny[16];

	CHECK(alert_instance_arn("111122223333", "us-east-1", "i-1", out, sizeof(out)) == IT_OK, "arn");
	CHECK_STR(out, "arn:aws:ec2:us-east-1:111122223333:instance/i-1", "aws");
	CHECK(alert_instance_arn("111122223333", "cn-north-1", "i-1", out, sizeof(out)) == IT_OK, "arn cn");
	CHECK_STR(out, "arn:aws-cn:ec2:cn-north-1:111122223333:instance/i-1", "aws-cn");
	CHECK(alert_instance_arn("111122223333", "us-gov-west-1", "i-1", out, sizeof(out)) == IT_OK, "arn gov");
	CHECK_STR(out, "arn:aws-us-gov:ec2:us-gov-west-1:111122223333:instance/i-1", "aws-us-gov");
	CHECK(alert_instance_arn("1111", "us-east-1", "i-1", out, sizeof(out)) == IT_EINVAL, "bad account");
	CHECK(alert_instance_arn("111122223333", "nowhere", "i-1", out, sizeof(out)) == IT_EINVAL, "bad region");
	CHECK(alert_instance_arn("111122223333", "us-east-1", "i-1", tiny, sizeof(tiny)) == IT_ETOOBIG, "short buffer");
	{
		/* an alert's resource: the launch template when it names one, else the instance */
		json_t *c = json_pack("{s:s,s:s,s:n,s:s}", "account", "111122223333", "region", "cn-north-1",
				      "instance_id", "launch_template_id", "lt-0abcd1234ef567890");
		CHECK(alert_resource_arn(c, out, sizeof(out)) == IT_OK, "template arn");
		CHECK_STR(out, "arn:aws-cn:ec2:cn-north-1:111122223333:launch-template/lt-0abcd1234ef567890", "template");
		json_object_set_new(c, "launch_template_id", json_string("i-1"));
		CHECK(alert_resource_arn(c, out, sizeof(out)) == IT_EINVAL, "not a template id");
		json_object_del(c, "launch_template_id");
		json_object_set_new(c, "instance_id", json_string("i-1"));
		CHECK(alert_resource_arn(c, out, sizeof(out)) == IT_OK, "instance arn");
		CHECK_STR(out, "arn:aws-cn:ec2:cn-north-1:111122223333:instance/i-1", "instance");
		json_decref(c);
	}
}

int main(void)
{
	test_triggered();
	test_storm();
	test_change_detail();
	test_test_detail();
	test_digest_detail();
	test_fit();
	test_slack();
	test_arn();
	return tap_done();
}
