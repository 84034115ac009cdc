/* test_outbox: which deliveries a verdict causes (config / securityhub / siem rules). */
#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

#include "outbox.h"
#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_outbox.h"
#include "tap.h"

static struct store *s;

static int64_t count(const char *dest)
{
	int64_t n = -1;
	if (store_outbox_count(s, dest, "pending", &n))
		return -1;
	return n;
}

static struct verdict_row row(const char *compliance, const char *trigger, const char *token)
{
	struct verdict_row v;
	memset(&v, 0, sizeof(v));
	snprintf(v.account, sizeof(v.account), "111122223333");
	snprintf(v.region, sizeof(v.region), "us-east-1");
	snprintf(v.instance_id, sizeof(v.instance_id), "i-0123456789abcdef0");
	snprintf(v.image_id, sizeof(v.image_id), "ami-12345678");
	snprintf(v.compliance, sizeof(v.compliance), "%s", compliance);
	snprintf(v.trigger, sizeof(v.trigger), "%s", trigger);
	v.observed_at = 1768478370123;
	v.evaluated_at = 1768478371000;
	v.reasons_json = strdup("[\"allowed by rule golden\"]");
	v.result_token = token ? strdup(token) : NULL;
	return v;
}

static void enqueue(const struct outbox_settings *cfg, const char *compliance, const char *trigger, const char *token,
		    const char *prev, enum verdict_apply how)
{
	struct verdict_row v = row(compliance, trigger, token);
	CHECK(outbox_enqueue_verdict(s, cfg, &v, prev, how, 1000) == IT_OK, "enqueue %s/%s", compliance, trigger);
	verdict_row_finish(&v);
}

static void enqueue_at(const struct outbox_settings *cfg, const char *compliance, const char *prev,
		       enum verdict_apply how, int64_t now)
{
	struct verdict_row v = row(compliance, "event", NULL);
	CHECK(outbox_enqueue_verdict(s, cfg, &v, prev, how, now) == IT_OK, "enqueue %s -> %s at %lld", prev, compliance,
	      (long long)now);
	verdict_row_finish(&v);
}

/* Alerts: which verdicts cause one, and the storm rule through the outbox (2 a minute). */
static void test_alerts(void)
{
	struct outbox_settings al;
	struct outbox_row rows[8];
	size_t n = 0;
	json_t *p;

	memset(&al, 0, sizeof(al));
	al.alert_eventbridge = al.alert_webhook = 1;
	al.alert_on = ALERT_ON_NONCOMPLIANT;
	al.alert_max_per_minute = 2;
	al.public_url = "https://i.example";
	enqueue_at(&al, "COMPLIANT", "", VERDICT_APPLIED, 10000);
	CHECK(count("eventbridge") == 0 && count("webhook") == 0, "a new COMPLIANT instance: no alert");
	enqueue_at(&al, "NON_COMPLIANT", "COMPLIANT", VERDICT_APPLIED, 10000);
	CHECK(count("eventbridge") == 1 && count("webhook") == 1, "into NON_COMPLIANT: one alert per destination");
	enqueue_at(&al, "NON_COMPLIANT", "NON_COMPLIANT", VERDICT_UNCHANGED, 10001);
	CHECK(count("eventbridge") == 1, "the same compliance again: none");
	enqueue_at(&al, "COMPLIANT", "NON_COMPLIANT", VERDICT_STALE, 10001);
	CHECK(count("eventbridge") == 1, "a stale verdict: none");
	enqueue_at(&al, "NON_COMPLIANT", "", VERDICT_APPLIED, 10002);
	CHECK(count("eventbridge") == 2, "second single");
	enqueue_at(&al, "COMPLIANT", "NON_COMPLIANT", VERDICT_APPLIED, 10003);
	CHECK(count("eventbridge") == 3 && count("webhook") == 3, "third: the digest row appears");
	enqueue_at(&al, "NON_COMPLIANT", "COMPLIANT", VERDICT_APPLIED, 10004);
	CHECK(count("eventbridge") == 3, "fourth joins the digest");

	CHECK(store_outbox_lease(s, "eventbridge", 20000, 1000, rows, 8, &n) == IT_OK && n == 2, "two singles due: %zu", n);
	p = n ? json_loads(rows[0].payload, 0, NULL) : NULL;
	CHECK_STR(json_string_value(json_object_get(p, "kind")), "change", "a change");
	CHECK_STR(json_string_value(json_object_get(p, "from")), "COMPLIANT", "from");
	CHECK_STR(json_string_value(json_object_get(p, "url")),
		  "https://i.example/v1/instances/111122223333/us-east-1/i-0123456789abcdef0", "url with the base");
	CHECK(!strcmp(rows[0].group_key, "alert") && !strcmp(rows[0].instance_id, "i-0123456789abcdef0"), "row keys");
	json_decref(p);
	for (size_t i = 0; i < n; i++) {
		CHECK(store_outbox_done(s, rows[i].id, 20001) == IT_OK, "delivered");
		outbox_row_finish(&rows[i]);
	}
	CHECK(store_outbox_lease(s, "eventbridge", 69999, 1000, rows, 8, &n) == IT_OK && n == 0,
	      "the digest waits for the window to close");
	CHECK(store_outbox_lease(s, "eventbridge", 70000, 1000, rows, 8, &n) == IT_OK && n == 1, "then it is due");
	p = n ? json_loads(rows[0].payload, 0, NULL) : NULL;
	CHECK_STR(json_string_value(json_object_get(p, "kind")), "digest_open", "open until sealed");
	CHECK(n && rows[0].instance_id[0] == '\0', "a digest names no instance");
	json_decref(p);
	if (n)
		outbox_row_finish(&rows[0]);
	/* pending now: eventbridge the digest (leased), webhook 2 singles and its digest */
	enqueue_at(&al, "COMPLIANT", "NON_COMPLIANT", VERDICT_APPLIED, 70001);
	CHECK(count("eventbridge") == 2 && count("webhook") == 4, "a new window: single again");
	al.alert_on = ALERT_ON_ALL;
	enqueue_at(&al, "NOT_APPLICABLE", "COMPLIANT", VERDICT_APPLIED, 70002);
	CHECK(count("eventbridge") == 3, "all: any change");
	al.alert_eventbridge = 0;
	enqueue_at(&al, "COMPLIANT", "NOT_APPLICABLE", VERDICT_APPLIED, 70003);
	CHECK(count("eventbridge") == 3 && count("webhook") == 6, "per destination");
}

/* A launch template's deliveries: Config with its resource type, Security Hub on a
 * change, a SIEM line per settled verdict, an alert into NON_COMPLIANT. */
static int64_t pending_payload(const char *dest, const char *id, json_t **ret)
{
	struct outbox_row rows[16];
	size_t n = 0;
	int64_t found = 0;

	/* a lease takes one group: lease group after group until the row shows */
	*ret = NULL;
	for (int round = 0; round < 32 && !found; round++) {
		if (store_outbox_lease(s, dest, 1000000, 1000, rows, 16, &n) != IT_OK)
			return -1;
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++) {
			if (!*ret && strcmp(rows[i].instance_id, id) == 0) {
				*ret = json_loads(rows[i].payload, 0, NULL);
				found = rows[i].id;
			}
			outbox_row_finish(&rows[i]);
		}
	}
	return found;
}

static void test_templates(void)
{
	struct outbox_settings cfg;
	struct outbox_template t;
	int64_t sh0, siem0, eb0, cf0;
	json_t *p;

	memset(&cfg, 0, sizeof(cfg));
	cfg.config_report = cfg.securityhub = cfg.siem = 1;
	cfg.alert_webhook = 1;
	cfg.alert_on = ALERT_ON_NONCOMPLIANT;
	cfg.alert_max_per_minute = 100;
	memset(&t, 0, sizeof(t));
	t.account = "111122223333";
	t.region = "eu-west-1";
	t.template_id = "lt-0abcd1234ef567890";
	t.name = "web";
	t.default_version = 2;
	t.latest_version = 3;
	t.image_ref = "resolve:ssm:/golden/web";
	t.image_id = "ami-0abcdef1234567890";
	t.compliance = "NON_COMPLIANT";
	t.reasons_json = "[\"resolve:ssm:/golden/web named ami-0abcdef1234567890\",\"no rule allows it\"]";
	t.observed_at = 1768478370123;
	t.evaluated_at = 1768478371000;
	t.trigger = "event";
	t.trigger_event_id = "ev-1";
	t.result_token = "tok-lt";
	sh0 = count("securityhub");
	siem0 = count("siem");
	eb0 = count("webhook");
	cf0 = count("config");
	CHECK(outbox_enqueue_template(s, &cfg, &t, "COMPLIANT", 300000) == IT_OK, "enqueue template");
	CHECK(count("config") == cf0 + 1 && count("securityhub") == sh0 + 1 && count("siem") == siem0 + 1 &&
		      count("webhook") == eb0 + 1,
	      "a change into NON_COMPLIANT: config, securityhub, siem and the alert");

	CHECK(pending_payload("config", t.template_id, &p) > 0 && p, "config row keyed by the template");
	CHECK_STR(json_string_value(json_object_get(p, "resource_type")), "AWS::EC2::LaunchTemplate", "config type");
	CHECK_STR(json_string_value(json_object_get(p, "resource_id")), "lt-0abcd1234ef567890", "config resource");
	json_decref(p);
	CHECK(pending_payload("securityhub", t.template_id, &p) > 0 && p, "securityhub row");
	CHECK_STR(json_string_value(json_object_get(p, "resource_type")), "AwsEc2LaunchTemplate", "finding type");
	CHECK_STR(json_string_value(json_object_get(p, "image")), "resolve:ssm:/golden/web", "image as written");
	CHECK(json_integer_value(json_object_get(p, "default_version")) == 2, "default version");
	CHECK_STR(json_string_value(json_object_get(p, "instance_path")),
		  "/v1/launch-templates/111122223333/eu-west-1/lt-0abcd1234ef567890", "template path");
	json_decref(p);
	CHECK(pending_payload("siem", t.template_id, &p) > 0 && p, "siem row");
	CHECK_STR(json_string_value(json_object_get(p, "resource_type")), "AwsEc2LaunchTemplate", "siem type");
	CHECK_STR(json_string_value(json_object_get(p, "launch_template_id")), "lt-0abcd1234ef567890", "siem id");
	CHECK(!json_object_get(p, "instance_id"), "a template line names no instance");
	json_decref(p);
	CHECK(pending_payload("webhook", t.template_id, &p) > 0 && p, "alert row");
	CHECK_STR(json_string_value(json_object_get(p, "resource_type")), "AwsEc2LaunchTemplate", "alert type");
	CHECK(json_is_null(json_object_get(p, "instance_id")), "alert instance_id null");
	CHECK_STR(json_string_value(json_object_get(p, "url")),
		  "/v1/launch-templates/111122223333/eu-west-1/lt-0abcd1234ef567890", "alert links the template");
	json_decref(p);

	/* the same compliance again (a sweep): the SIEM line only */
	t.trigger = "sweep";
	CHECK(outbox_enqueue_template(s, &cfg, &t, "NON_COMPLIANT", 300001) == IT_OK, "again");
	CHECK(count("config") == cf0 + 1 && count("securityhub") == sh0 + 1 && count("siem") == siem0 + 2 &&
		      count("webhook") == eb0 + 1,
	      "unchanged from a sweep: siem only");
	/* INSUFFICIENT_DATA never answers Config */
	t.trigger = "event";
	t.compliance = "INSUFFICIENT_DATA";
	CHECK(outbox_enqueue_template(s, &cfg, &t, "NON_COMPLIANT", 300002) == IT_OK, "insufficient");
	CHECK(count("config") == cf0 + 1 && count("securityhub") == sh0 + 2, "no config, a finding update");
}

int main(void)
{
	char path[] = "/tmp/italic-test-outboxq-XXXXXX", err[256];
	struct outbox_settings all = {1, 1, 1}, none = {0, 0, 0};
	struct outbox_row r;
	size_t n;
	json_t *p;
	int fd = mkstemp(path);

	close(fd);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate");

	enqueue(&none, "COMPLIANT", "event", "tok", "", VERDICT_APPLIED);
	CHECK(count("config") == 0 && count("securityhub") == 0 && count("siem") == 0, "all off: nothing");

	enqueue(&all, "COMPLIANT", "event", "tok", "", VERDICT_APPLIED);
	CHECK(count("config") == 1 && count("securityhub") == 1 && count("siem") == 1, "first verdict: all three");
	enqueue(&all, "COMPLIANT", "event", NULL, "COMPLIANT", VERDICT_UNCHANGED);
	CHECK(count("config") == 1 && count("securityhub") == 1 && count("siem") == 2, "unchanged: siem only");
	enqueue(&all, "INSUFFICIENT_DATA", "event", "tok2", "COMPLIANT", VERDICT_APPLIED);
	CHECK(count("config") == 1, "INSUFFICIENT_DATA never goes to Config");
	CHECK(count("securityhub") == 2, "but it is a change for Security Hub");
	enqueue(&all, "NON_COMPLIANT", "timer", "tok2", "INSUFFICIENT_DATA", VERDICT_APPLIED);
	CHECK(count("config") == 2, "definite after INSUFFICIENT_DATA: answered with the stored token");
	enqueue(&all, "COMPLIANT", "reevaluate", "tok2", "NON_COMPLIANT", VERDICT_APPLIED);
	CHECK(count("config") == 2, "rule-change re-evaluation does not reuse an answered token");
	enqueue(&all, "NOT_APPLICABLE", "event", NULL, "COMPLIANT", VERDICT_APPLIED);
	enqueue(&all, "NON_COMPLIANT", "event", "tok3", "NON_COMPLIANT", VERDICT_STALE);
	CHECK(count("siem") == 6 && count("config") == 2, "stale writes nothing (siem %lld)", (long long)count("siem"));

	CHECK(store_outbox_lease(s, "config", 2000, 1000, &r, 1, &n) == IT_OK && n == 1, "lease config");
	p = json_loads(r.payload, 0, NULL);
	CHECK(p && strcmp(json_string_value(json_object_get(p, "result_token")), "tok") == 0, "token in payload");
	CHECK(json_integer_value(json_object_get(p, "ordering_timestamp")) == 1768478370, "epoch seconds");
	CHECK(strcmp(json_string_value(json_object_get(p, "instance_path")),
		     "/v1/instances/111122223333/us-east-1/i-0123456789abcdef0") == 0, "path");
	CHECK(strlen(r.group_key) == 64, "group is the token's hash, not the token");
	json_decref(p);
	outbox_row_finish(&r);
	test_alerts();
	test_templates();
	store_close(s);
	unlink(path);
	return tap_done();
}
