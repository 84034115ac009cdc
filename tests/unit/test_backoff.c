/*
 * test_backoff: the one backoff rule: the full-jitter window doubles per retry from
 * base and stops at the cap (backoff_window_ms), the draw lands inside it, and nothing
 * overflows; and the
 * AWS retry loop sleeps exactly what the rule says for a fixed draw.
 */
#include <stdint.h>
#include <string.h>

#include "aws_double.h"
#include "aws_ec2.h"
#include "backoff.h"
#include "status.h"
#include "tap.h"

static void test_backoff(void)
{
	/* the window doubles per retry and stops at the cap; the draw stays inside it */
	static const struct {
		int retry;
		int64_t base, cap;
		uint64_t rnd;
		int64_t want;
	} cases[] = {
		{1, 100, 20000, UINT64_MAX, UINT64_MAX % 201},
		{1, 100, 20000, 200, 200},
		{1, 100, 20000, 201, 0},
		{2, 100, 20000, 400, 400},
		{3, 100, 20000, 800, 800},
		{20, 100, 20000, 20000, 20000},
		{20, 100, 20000, 20001, 0},
		{200, 100, 20000, 19999, 19999},
		{1, 0, 1000, 12345, 0},
		{0, 100, 50, 50, 50},
		{-3, 100, 20000, 100, 100},
		{1, -5, -5, 7, 0},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int64_t got = backoff_ms(cases[i].retry, cases[i].base, cases[i].cap, cases[i].rnd);
		CHECK(got == cases[i].want, "backoff case %zu: %lld", i, (long long)got);
	}
	for (int r = 0; r < 100; r++)
		for (uint64_t x = 0; x < 5000; x += 997) {
			int64_t got = backoff_ms(r, 100, 20000, x * 2654435761u);
			CHECK(got >= 0 && got <= 20000, "bounded at retry %d", r);
		}
}

/* The window itself (the floor of the waits that must last a while): the evaluator's
 * 250 ms .. 30 s and the store's 1 .. 10 ms. */
static void test_window(void)
{
	static const struct {
		int retry;
		int64_t base, cap, want;
	} cases[] = {
		{0, 250, 30000, 250}, {1, 250, 30000, 500}, {4, 250, 30000, 4000}, {6, 250, 30000, 16000},
		{7, 250, 30000, 30000}, {1000, 250, 30000, 30000}, {0, 1, 10, 1}, {3, 1, 10, 8}, {4, 1, 10, 10},
		{-1, 1, 10, 1}, {2, -4, 10, 0}, {2, 5, -1, 0},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int64_t got = backoff_window_ms(cases[i].retry, cases[i].base, cases[i].cap);
		CHECK(got == cases[i].want, "window case %zu: %lld", i, (long long)got);
		/* the draw stays within the window: window + draw is one to two windows */
		CHECK(backoff_ms(cases[i].retry, cases[i].base, cases[i].cap, (uint64_t)cases[i].want) == cases[i].want,
		      "window case %zu: the largest draw is the window", i);
	}
}

static void test_random(void)
{
	/* the default source: two draws in a row are not the same value (1 in 2^64) */
	uint64_t a = backoff_random(NULL), b = backoff_random(NULL);
	CHECK(a != b, "two draws differ");
	CHECK(backoff_ms(3, 100, 20000, backoff_random(NULL)) <= 800, "default draw inside the window");
}

static const char throttled[] =
	"<Response><Errors><Error><Code>RequestLimitExceeded</Code></Error></Errors></Response>";

/* Backoff as the AWS retry loop applies it: base and cap from the ctx settings, one
 * draw per retry from the ctx's random source, the sleep being exactly backoff_ms(). */
static void test_aws_retry_sleeps(void)
{
	static const char *const env[] = {"AWS_ACCESS_KEY_ID=AKID", "AWS_SECRET_ACCESS_KEY=S", NULL};
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx;
	struct aws_ec2_images im;
	struct aws_error err;
	const char *ids[] = {"ami-0123456789abcdef0"};

	double_init(&d);
	ctx = double_ctx(&d, env, NULL, NULL, &clk);
	CHECK(ctx != NULL, "ctx");
	if (!ctx)
		return;
	for (int i = 0; i < 4; i++)
		double_push(&d, 400, throttled, NULL);
	CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", ids, 1, &im, &err) == IT_ETHROTTLE, "throttled out");
	CHECK(d.n_slept == 3, "three sleeps for four attempts: %zu", d.n_slept);
	for (size_t i = 0; i < d.n_slept && i < 3; i++)
		CHECK(d.slept[i] == backoff_ms((int)i + 1, 100, 20000, UINT64_MAX),
		      "sleep %zu is backoff_ms(%zu): %lld", i, i + 1, (long long)d.slept[i]);
	aws_ctx_free(ctx);
}

int main(void)
{
	test_backoff();
	test_window();
	test_random();
	test_aws_retry_sleeps();
	return tap_done();
}
