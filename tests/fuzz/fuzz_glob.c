/*
 * fuzz_glob: input is "pattern\0text" (a missing NUL splits at the middle). Checks the
 * matcher terminates, agrees with a few algebraic facts and with the one-star
 * backtracking matcher it replaced (issue 13: kept here as the reference), that the
 * indexed-text and shaped entry points give the same answer, and that glob_valid()
 * never reads past the string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "glob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int reference_match(const char *p, const char *t)
{
	const char *star_p = NULL, *star_t = NULL;

	while (*t) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return 1;
			star_p = p;
			star_t = t;
		} else if (*p && (*p == '?' || *p == *t)) {
			p++;
			t++;
		} else if (star_p) {
			p = star_p;
			t = ++star_t;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

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
	{
		struct glob_text gt;
		struct glob_shape sh;
		int want = reference_match(pat, text);
		glob_text_init(&gt, text);
		glob_shape_init(&sh, pat);
		if (glob_match(pat, text) != want || glob_match_text(pat, &gt) != want ||
		    glob_match_shaped(pat, &sh, &gt) != want)
			abort();
	}
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
