/*
 * test_judge: judging over the store (lib/judge.h) on a real, migrated SQLite file: a
 * state change that names no image is judged with the image Italic knows; a Config
 * scheduled invocation judges every known instance of its account and Region, and
 * only those; a final (NOT_APPLICABLE) record is not judged again but has its schedule
 * cleared; a listing is judged as AWS's own facts; a failing input leaves nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "facts_registered.h"
#include "judge.h"
#include "rule.h"
#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_rule.h"
#include "store_verdict.h"
#include "tap.h"

#define NOW ((int64_t)1767225600000)
#define A "111122223333"
#define B "444455556666"
#define R "us-east-1"
#define IMG "ami-0000000000000000a"

static struct store *s;

static int64_t fixed_now(void *ctx)
{
	(void)ctx;
	return NOW;
}

static void put_verdict(const char *account, const char *instance, const char *compliance, int64_t next)
{
	struct verdict_row v;
	enum verdict_apply how;

	memset(&v, 0, sizeof(v));
	snprintf(v.account, sizeof(v.account), "%s", account);
	snprintf(v.region, sizeof(v.region), R);
	snprintf(v.instance_id, sizeof(v.instance_id), "%s", instance);
	snprintf(v.image_id, sizeof(v.image_id), IMG);
	snprintf(v.state, sizeof(v.state), "running");
	snprintf(v.compliance, sizeof(v.compliance), "%s", compliance);
	snprintf(v.trigger, sizeof(v.trigger), "event");
	v.observed_at = NOW - 60000;
	v.evaluated_at = NOW - 60000;
	v.next_change_at = next;
	v.reasons_json = (char *)"[]";
	CHECK(store_verdict_apply(s, &v, &how, NULL) == IT_OK, "store %s", instance);
}

static void finish(struct verdict_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		verdict_row_finish(&rows[i]);
}

/* AWS that always throttles: only ever asked for an instance. */
static int throttled(void *ctx, const char *account, const char *region, const char *instance_id,
		     struct instance_facts *ret)
{
	(void)ctx;
	(void)account;
	(void)region;
	(void)instance_id;
	(void)ret;
	return IT_ETHROTTLE;
}

int main(void)
{
	char path[] = "/tmp/italic-test-judge-XXXXXX", err[256];
	struct clock clk = {fixed_now, NULL};
	struct rule_set set;
	struct facts_provider reg;
	struct assess_env env;
	struct verdict_row *rows = NULL, out[4];
	size_t n = 0;
	int fd = mkstemp(path);

	close(fd);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate");
	rule_set_init(&set);
	reg = facts_registered(s);
	env = (struct assess_env){&set, NULL, &reg, &clk, 0};
	put_verdict(A, "i-00000001", "NON_COMPLIANT", 0);
	put_verdict(A, "i-00000002", "NOT_APPLICABLE", NOW - 1);
	put_verdict(A, "i-00000003", "NOT_APPLICABLE", 0);
	put_verdict(B, "i-00000004", "NON_COMPLIANT", 0);

	/* a state change names no image: the known one is judged */
	{
		struct event_observation o = {.account = (char *)A, .region = (char *)R, .instance_id = (char *)"i-00000001",
					      .state = EVENT_STATE_STOPPED, .observed_at_ms = NOW - 1000};
		struct event e = {.kind = EVENT_EC2_STATE_CHANGE, .id = (char *)"e1", .account = (char *)A,
				  .region = (char *)R, .time_ms = NOW - 1000, .obs = &o, .n_obs = 1};
		CHECK(judge_event(&env, s, &e, NOW, 1, &rows, &n) == IT_OK && n == 1, "state change judged");
		if (n == 1) {
			CHECK_STR(rows[0].image_id, IMG, "the known image");
			CHECK_STR(rows[0].state, "stopped", "the event's state");
			CHECK_STR(rows[0].trigger, "event", "trigger");
		}
		finish(rows, n);
		free(rows);
	}
	/* a scheduled invocation: every known instance of A in R, none of B */
	{
		struct event_rule_invocation rule = {.result_token = (char *)"tok", .scope = EVENT_SCOPE_SCHEDULED,
						     .trigger = EVENT_TRIGGER_SCHEDULED, .ordering_ms = NOW - 500};
		struct event e = {.kind = EVENT_CONFIG_RULE_INVOCATION, .id = (char *)"inv", .account = (char *)A,
				  .region = (char *)R, .time_ms = NOW - 500, .rule = &rule};
		rows = NULL;
		n = 0;
		CHECK(judge_event(&env, s, &e, NOW, 0, &rows, &n) == IT_OK && n == 3, "three instances of A (%zu)", n);
		for (size_t i = 0; i < n; i++) {
			CHECK(strcmp(rows[i].account, A) == 0, "only A's");
			CHECK_STR(rows[i].trigger, "schedule", "trigger");
			CHECK_STR(rows[i].result_token, "tok", "the invocation's token");
			CHECK(rows[i].observed_at == NOW - 500, "ordered by the invocation's time");
		}
		finish(rows, n);
		free(rows);
	}
	/* stored records: a final one with a schedule is cleared, one without skipped */
	{
		struct verdict_row page[3];
		size_t got = 0;
		memset(page, 0, sizeof(page));
		CHECK(store_verdict_get(s, A, R, "i-00000001", &page[0]) == IT_OK &&
			      store_verdict_get(s, A, R, "i-00000002", &page[1]) == IT_OK &&
			      store_verdict_get(s, A, R, "i-00000003", &page[2]) == IT_OK,
		      "read back");
		CHECK(judge_records(&env, page, 3, "timer", out, &got) == IT_OK && got == 2, "two rows (%zu)", got);
		if (got == 2) {
			CHECK_STR(out[0].instance_id, "i-00000001", "judged again");
			CHECK_STR(out[1].instance_id, "i-00000002", "the final record with a schedule");
			CHECK(out[1].next_change_at == 0 && out[1].evaluated_at == NOW, "its schedule cleared");
			CHECK_STR(out[1].compliance, "NOT_APPLICABLE", "still NOT_APPLICABLE");
			CHECK_STR(out[1].trigger, "timer", "trigger");
		}
		finish(out, got);
		finish(page, 3);
	}
	/* the sweep's listing */
	{
		struct assess_listing l = {.account = A, .region = R, .instance_id = "i-00000009", .image_id = IMG,
					   .state = "running", .tags_known = 1, .observed_at = NOW - 10};
		size_t got = 0;
		CHECK(judge_listing(&env, &l, 1, "sweep", out, &got) == IT_OK && got == 1, "listing judged");
		if (got == 1)
			CHECK_STR(out[0].trigger, "sweep", "trigger");
		finish(out, got);
	}
	/* a failing input: its status, nothing left */
	{
		struct facts_provider aws = {throttled, NULL, NULL};
		struct event_observation o = {.account = (char *)A, .region = (char *)R, .instance_id = (char *)"i-00000001",
					      .state = EVENT_STATE_RUNNING, .observed_at_ms = NOW - 1000, .needs_lookup = 1};
		struct event e = {.kind = EVENT_EC2_STATE_CHANGE, .id = (char *)"e2", .account = (char *)A,
				  .region = (char *)R, .time_ms = NOW - 1000, .obs = &o, .n_obs = 1};
		env.aws = &aws;
		env.verify = 1;
		rows = NULL;
		n = 99;
		CHECK(judge_event(&env, s, &e, NOW, 1, &rows, &n) == IT_ETHROTTLE && rows == NULL && n == 99,
		      "throttled with retries left: the status, nothing returned");
	}
	rule_set_finish(&set);
	store_close(s);
	unlink(path);
	return tap_done();
}
