/* test_reconcile: the time bound at its exact edge, gone claims with and without
 * verification, AWS's answer to them, and the sweep's decision against pinned records. */
#include "reconcile.h"
#include "tap.h"

#define MIN_MS (60LL * 1000)
#define RECEIVED 1764620000000LL         /* 2025-12-01T20:13:20Z */
#define YEAR_9999 253402300799999LL      /* 9999-12-31T23:59:59.999Z */

static void test_time_bound(void)
{
	CHECK(IT_EVENT_CLOCK_SKEW_MS == 5 * MIN_MS, "the skew is five minutes");
	CHECK(reconcile_time_bound(YEAR_9999, RECEIVED) == RECEIVED, "9999-12-31 is clamped to the receipt time");
	CHECK(reconcile_time_bound(RECEIVED + IT_EVENT_CLOCK_SKEW_MS + 1, RECEIVED) == RECEIVED,
	      "one millisecond past the skew is clamped");
	CHECK(reconcile_time_bound(RECEIVED + IT_EVENT_CLOCK_SKEW_MS, RECEIVED) == RECEIVED + IT_EVENT_CLOCK_SKEW_MS,
	      "exactly the skew ahead is kept");
	CHECK(reconcile_time_bound(RECEIVED + 1000, RECEIVED) == RECEIVED + 1000, "a fast clock is kept");
	CHECK(reconcile_time_bound(RECEIVED - 86400000LL, RECEIVED) == RECEIVED - 86400000LL,
	      "a past time is kept (an old event simply loses)");
	CHECK(reconcile_time_bound(0, RECEIVED) == 0, "epoch kept");

	CHECK(reconcile_pinned(YEAR_9999, RECEIVED), "a 9999 record is pinned");
	CHECK(reconcile_pinned(RECEIVED + IT_EVENT_CLOCK_SKEW_MS + 1, RECEIVED), "skew + 1 ms is pinned");
	CHECK(!reconcile_pinned(RECEIVED + IT_EVENT_CLOCK_SKEW_MS, RECEIVED), "exactly the skew is not");
	CHECK(!reconcile_pinned(RECEIVED - 1, RECEIVED), "the past is not");
}

static void test_claims(void)
{
	CHECK(reconcile_gone_claim(1, 0, 1) == RECONCILE_CONFIRM, "terminated + verify: ask AWS first");
	CHECK(reconcile_gone_claim(1, 0, 0) == RECONCILE_GONE, "terminated, no way to verify: believed");
	CHECK(reconcile_gone_claim(0, 0, 1) == RECONCILE_JUDGE, "not a gone claim: judged");
	CHECK(reconcile_gone_claim(0, 0, 0) == RECONCILE_JUDGE, "not a gone claim, no AWS: judged");
	CHECK(reconcile_gone_claim(1, 1, 1) == RECONCILE_GONE, "left the Config rule's scope: NOT_APPLICABLE for Config");

	CHECK(!reconcile_aws_gone("running"), "AWS lists it running: not gone");
	CHECK(!reconcile_aws_gone("stopped") && !reconcile_aws_gone("pending") && !reconcile_aws_gone("stopping"),
	      "stopped, pending, stopping: not gone");
	CHECK(reconcile_aws_gone("terminated") && reconcile_aws_gone("shutting-down"), "AWS agrees");
	CHECK(reconcile_aws_gone(NULL) && reconcile_aws_gone(""), "AWS knows no such instance");
}

static void test_listed(void)
{
	const int64_t now = RECEIVED;
	struct reconcile_record running = {"running", "ami-0a0a0a0a", "NON_COMPLIANT", now - 1000};
	struct reconcile_record gone_pinned = {"terminated", "ami-0a0a0a0a", "NOT_APPLICABLE", YEAR_9999};
	struct reconcile_record ok_pinned = {"running", "ami-0a0a0a0a", "NON_COMPLIANT", YEAR_9999};
	struct reconcile_record na = {"terminated", "ami-0a0a0a0a", "NOT_APPLICABLE", now - 1000};
	struct reconcile_record near = {"terminated", "ami-0a0a0a0a", "NOT_APPLICABLE", now + IT_EVENT_CLOCK_SKEW_MS};

	CHECK(reconcile_listed(&running, "running", "ami-0a0a0a0a", now) == RECONCILE_KEEP, "agrees: keep");
	CHECK(reconcile_listed(&running, "stopped", "ami-0a0a0a0a", now) == RECONCILE_REJUDGE, "state differs");
	CHECK(reconcile_listed(&running, "running", "ami-0b0b0b0b", now) == RECONCILE_REJUDGE, "image differs");
	CHECK(reconcile_listed(&running, "terminated", "ami-0a0a0a0a", now) == RECONCILE_REJUDGE,
	      "listed terminated, record not NOT_APPLICABLE");
	CHECK(reconcile_listed(&na, "terminated", "ami-0a0a0a0a", now) == RECONCILE_KEEP, "terminated both");
	CHECK(reconcile_listed(&running, NULL, NULL, now) == RECONCILE_REJUDGE, "AWS says nothing: differs");
	/* the attack: a terminated event dated 9999 hides a running instance */
	CHECK(reconcile_listed(&gone_pinned, "running", "ami-0a0a0a0a", now) == RECONCILE_REPAIR,
	      "pinned record, AWS lists it running: repaired whatever observed_at says");
	CHECK(reconcile_listed(&ok_pinned, "running", "ami-0a0a0a0a", now) == RECONCILE_REPAIR,
	      "pinned record that agrees: repaired too, or every real event after it is dropped");
	CHECK(reconcile_listed(&near, "running", "ami-0a0a0a0a", now) == RECONCILE_REJUDGE,
	      "a record within the skew is not pinned: ordinary re-judging");
}

int main(void)
{
	test_time_bound();
	test_claims();
	test_listed();
	return tap_done();
}
