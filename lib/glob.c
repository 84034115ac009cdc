/*
 * glob.c: iterative '*'/'?' matching (see glob.h).
 *
 * The classic one-star backtracking: when a '*' is met, remember where it was and
 * which text position it would consume next; on a mismatch, let the last '*' eat one
 * more byte and retry from just after it. Earlier stars never need revisiting,
 * because any match the later star cannot find with more text, an earlier star could
 * not find either (the later star can absorb everything the earlier one would).
 */
#include "glob.h"

#include <string.h>

#include "limits.h"
#include "status.h"

int glob_match(const char *pattern, const char *text)
{
	const char *p, *t, *star_p = NULL, *star_t = NULL;

	if (!pattern || !text)
		return 0;
	p = pattern;
	t = text;
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

int glob_has_wildcard(const char *pattern)
{
	return pattern && strpbrk(pattern, "*?") != NULL;
}

static int char_ok(unsigned char c, enum glob_charset cs)
{
	int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

	switch (cs) {
	case GLOB_IMAGE_NAME:
		return alnum || (c && strchr("()[]./-'@_*? ", c) != NULL);
	case GLOB_WATERMARK_KEY:
		return alnum || (c && strchr("()[]./-'@_*? :", c) != NULL);
	case GLOB_REGION:
		return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '*' ||
		       c == '?';
	default:
		return 0;
	}
}

static const char *const charset_why[GLOB__MAX] = {
	"contains a character not allowed in image names (letters, digits, ( ) [ ] . / - ' @ _ * ? space)",
	"contains a character not allowed in watermark keys (letters, digits, ( ) [ ] . / - ' @ _ : * ? space)",
	"contains a character not allowed in region patterns (a-z, 0-9, -, *, ?)",
};
_Static_assert(sizeof(charset_why) / sizeof(charset_why[0]) == GLOB__MAX, "charset_why");

int glob_valid(const char *pattern, enum glob_charset cs, const char **ret_why)
{
	const char *why = NULL;
	size_t n;

	if ((unsigned)cs >= GLOB__MAX)
		why = "has an unknown pattern kind";
	else if (!pattern || !*pattern)
		why = "is empty";
	else if ((n = strlen(pattern)) > IT_MAX_GLOB)
		why = "is longer than 128 characters";
	else {
		for (size_t i = 0; i < n; i++)
			if (!char_ok((unsigned char)pattern[i], cs)) {
				why = charset_why[cs];
				break;
			}
	}
	if (why) {
		if (ret_why)
			*ret_why = why;
		return IT_EINVAL;
	}
	return IT_OK;
}
