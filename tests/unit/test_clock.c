/* test_clock and test_status: the injectable clock and the status vocabulary. */
#include <string.h>

#include "clock.h"
#include "status.h"
#include "tap.h"

static int64_t fixed(void *ctx)
{
	return *(int64_t *)ctx;
}

int main(void)
{
	int64_t t = 1767225600000;
	struct clock c = {fixed, &t};
	int64_t a, b;

	CHECK(clock_now_ms(&c) == 1767225600000, "injected clock");
	t += 1;
	CHECK(clock_now_ms(&c) == 1767225600001, "moves when told");
	CHECK(clock_now_ms(NULL) > 1700000000000, "system clock");
	a = clock_mono_us();
	b = clock_mono_us();
	CHECK(b >= a, "monotonic");

	CHECK(strcmp(status_str(IT_OK), "ok") == 0 && strcmp(status_str(IT_EFULL), "efull") == 0, "names");
	CHECK(strcmp(status_str(1), "unknown") == 0 && strcmp(status_str(-1000), "unknown") == 0, "out of range");
	CHECK(status_retryable(IT_ETHROTTLE) && status_retryable(IT_ESERVER) && status_retryable(IT_ENETWORK),
	      "retryable");
	CHECK(!status_retryable(IT_EDENIED) && !status_retryable(IT_EINVAL) && !status_retryable(IT_ENOTFOUND),
	      "final");
	return tap_done();
}
