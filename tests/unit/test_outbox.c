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
	store_close(s);
	unlink(path);
	return tap_done();
}
