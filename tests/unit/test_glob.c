/* test_glob: matcher cases (negative first), the quadratic worst case, validation. */
#include "glob.h"
#include "limits.h"
#include "status.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct match_case {
	const char *pattern, *text;
	int want;
};

static const struct match_case cases[] = {
	/* must not match */
	{"golden-*", "Golden-al2023", 0},          /* case-sensitive */
	{"golden-*", "golden", 0},
	{"a?c", "ac", 0},
	{"a?c", "abbc", 0},
	{"abc", "abcd", 0},
	{"abcd", "abc", 0},
	{"*x", "abc", 0},
	{"a*b*c", "aXbY", 0},
	{"", "a", 0},
	{"?", "", 0},
	{"*a*a*a*b", "aaaaaaaaaaaaaaaa", 0},
	{"111122223333:golden-*", "111122223334:golden-x", 0},
	/* must match */
	{"", "", 1},
	{"*", "", 1},
	{"**", "anything", 1},
	{"golden-al2023-*", "golden-al2023-2024.06.01", 1},
	{"golden-*", "golden-", 1},
	{"a?c", "abc", 1},
	{"?" "?" "?", "xyz", 1},
	{"*c", "abc", 1},
	{"a*", "a", 1},
	{"a*b*c", "aXXbYYc", 1},
	{"a*b*c", "abcbc", 1},
	{"*a*a*a*b", "aaaaaaaaaaaaaaab", 1},
	{"us-*", "us-east-1", 1},
	{"us-?" "?" "?" "?-1", "us-east-1", 1}, /* split: "??-" is a trigraph in -std=c11 */
	{"111122223333:golden-*", "111122223333:golden-base", 1},
	{"amzn2-ami-hvm-*-x86_64-gp2", "amzn2-ami-hvm-2.0.20240109.0-x86_64-gp2", 1},
	{"*(prod)*", "app (prod) v1", 1},
};

static void test_match(void)
{
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		CHECK(glob_match(cases[i].pattern, cases[i].text) == cases[i].want,
		      "glob_match(\"%s\", \"%s\") want %d", cases[i].pattern, cases[i].text,
		      cases[i].want);
	CHECK(glob_match(NULL, "x") == 0, "NULL pattern");
	CHECK(glob_match("x", NULL) == 0, "NULL text");
	CHECK(glob_has_wildcard("a*") && glob_has_wildcard("a?") && !glob_has_wildcard("abc"),
	      "has_wildcard");
}

/* A pattern of many stars against a long text that fails at the end: exponential for a
 * recursive matcher, about len(p)*len(t) steps here. */
static void test_worst_case(void)
{
	size_t tn = 100000;
	char *text = malloc(tn + 1);
	char pat[IT_MAX_GLOB + 1];
	clock_t t0;
	double secs;
	int r;

	if (!text) {
		CHECK(0, "malloc");
		return;
	}
	memset(text, 'a', tn);
	text[tn] = '\0';
	for (size_t i = 0; i < IT_MAX_GLOB; i += 2) {
		pat[i] = '*';
		pat[i + 1] = 'a';
	}
	pat[IT_MAX_GLOB - 1] = 'b';
	pat[IT_MAX_GLOB] = '\0';
	t0 = clock();
	r = glob_match(pat, text);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	CHECK(r == 0, "worst case does not match");
	CHECK(secs < 2.0, "worst case took %.3f s", secs);
	text[tn - 1] = 'b';
	CHECK(glob_match(pat, text) == 1, "worst case with trailing b matches");
	free(text);
}

struct valid_case {
	const char *pattern;
	enum glob_charset cs;
	int ok;
};

static void test_valid(void)
{
	char longp[IT_MAX_GLOB + 2];
	const char *why = "untouched";
	static const struct valid_case vc[] = {
		{"", GLOB_IMAGE_NAME, 0},
		{"name:with-colon", GLOB_IMAGE_NAME, 0},
		{"tab\there", GLOB_IMAGE_NAME, 0},
		{"quote\"", GLOB_IMAGE_NAME, 0},
		{"back\\slash", GLOB_IMAGE_NAME, 0},
		{"caf\xc3\xa9", GLOB_IMAGE_NAME, 0},
		{"US-EAST-1", GLOB_REGION, 0},
		{"us_east", GLOB_REGION, 0},
		{"key", (enum glob_charset)GLOB__MAX, 0},
		{"golden-al2023-*", GLOB_IMAGE_NAME, 1},
		{"a (b) [c] ./-'@_*?", GLOB_IMAGE_NAME, 1},
		{"111122223333:golden-*", GLOB_WATERMARK_KEY, 1},
		{"us-*", GLOB_REGION, 1},
	};

	for (size_t i = 0; i < ARRAY_LEN(vc); i++) {
		int rc = glob_valid(vc[i].pattern, vc[i].cs, &why);
		CHECK((rc == IT_OK) == vc[i].ok, "glob_valid(\"%s\", %d) rc %d", vc[i].pattern,
		      (int)vc[i].cs, rc);
	}
	why = "untouched";
	CHECK(glob_valid("ok-name", GLOB_IMAGE_NAME, &why) == IT_OK, "ok");
	CHECK_STR(why, "untouched", "why untouched on success");
	CHECK(glob_valid(NULL, GLOB_IMAGE_NAME, &why) == IT_EINVAL, "NULL");
	CHECK_STR(why, "is empty", "NULL why");
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	CHECK(glob_valid(longp, GLOB_IMAGE_NAME, &why) == IT_EINVAL, "129 chars");
	CHECK_STR(why, "is longer than 128 characters", "long why");
	longp[IT_MAX_GLOB] = '\0';
	CHECK(glob_valid(longp, GLOB_IMAGE_NAME, NULL) == IT_OK, "128 chars");
}

int main(void)
{
	test_match();
	test_worst_case();
	test_valid();
	return tap_done();
}
