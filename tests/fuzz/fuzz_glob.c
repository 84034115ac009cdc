/*
 * fuzz_glob: input is "pattern\0text" (a missing NUL splits at the middle). Checks the
 * matcher terminates, agrees with a few algebraic facts, and that glob_valid() never
 * reads past the string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "glob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *pat, *text;
	const uint8_t *nul;
	size_t split;

	if (size > 4096)
		return 0;
	buf = malloc(size + 2);
	if (!buf)
		return 0;
	nul = memchr(data, 0, size);
	split = nul ? (size_t)(nul - data) : size / 2;
	memcpy(buf, data, size);
	buf[split] = '\0';
	buf[size] = '\0';
	buf[size + 1] = '\0';
	pat = buf;
	text = buf + (split < size ? split + 1 : size);
	/* Strings stop at the first NUL of each part; that is what C callers pass. */
	if (glob_match(pat, text) && !strpbrk(pat, "*?") && strcmp(pat, text) != 0)
		abort();
	/* '?' and '*' also match themselves, so any string matches itself. */
	if (!glob_match("*", text) || !glob_match(text, text))
		abort();
	for (int cs = 0; cs < GLOB__MAX; cs++) {
		const char *why = NULL;
		if (glob_valid(pat, (enum glob_charset)cs, &why) != 0 && !why)
			abort();
	}
	free(buf);
	return 0;
}
