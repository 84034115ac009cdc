/*
 * fuzz_accept: http_accept_pick() on arbitrary Accept values (the whole input, NULs
 * included, is the value). Checks the contract, not just absence of crashes: the pick
 * is an offer index or "none", a refusal leaves it untouched and happens only for an
 * over-long value or too many ranges, and the same value always picks the same offer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_syntax.h"
#include "limits.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const offers[] = {"application/json", "text/csv", "text/plain"};
	size_t idx = 99, again = 98;
	int rc, commas = 0;

	rc = http_accept_pick((const char *)data, size, offers, 3, &idx);
	if (rc == IT_OK) {
		if (idx > 3)
			abort();
		if (http_accept_pick((const char *)data, size, offers, 3, &again) != IT_OK || again != idx)
			abort();
	} else if (rc == IT_EINVAL) {
		if (idx != 99)
			abort();
		for (size_t i = 0; i < size; i++)
			commas += data[i] == ',';
		/* Refused only when over the byte bound, or with more elements than ranges
		 * allowed (which needs at least that many commas). */
		if (size <= IT_MAX_ACCEPT && commas < IT_MAX_ACCEPT_RANGES)
			abort();
	} else {
		abort();
	}
	return 0;
}
