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

/* The matcher before issue 13 (one-star backtracking over the whole pattern), kept here
 * as the reference the new one must agree with on every input. */
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

/* Random patterns over {a, b, c, *, ?} against random texts over {a, b}, short and long
 * (the bitset path, its word boundaries at 63/64/127/128 bytes, and the long-text
 * fallback past 255): the two matchers agree on every pair. */
static void test_differential(void)
{
	static const size_t text_lens[] = {0, 1, 2, 5, 17, 62, 63, 64, 65, 127, 128, 129, 200, 254, 255, 256, 300};
	char pat[40], text[320];
	unsigned seed = 12345;
	size_t disagree = 0, matched = 0, n = 0;

	for (int round = 0; round < 60000; round++) {
		size_t pl = (size_t)(rand_r(&seed) % 12), tl = text_lens[rand_r(&seed) % ARRAY_LEN(text_lens)];
		for (size_t i = 0; i < pl; i++)
			pat[i] = "ab*?c"[rand_r(&seed) % (round % 3 ? 4 : 5)];   /* c: a byte no text holds */
		pat[pl] = '\0';
		for (size_t i = 0; i < tl; i++)
			text[i] = (rand_r(&seed) % 8) ? 'a' : 'b';   /* mostly 'a': long almost-matches */
		text[tl] = '\0';
		int want = reference_match(pat, text), ix;
		struct glob_text gt;
		glob_text_init(&gt, text);
		ix = glob_match_text(pat, &gt);
		if (glob_match(pat, text) != want || ix != want) {
			if (disagree++ < 5)
				CHECK(0, "glob_match(\"%s\", <%zu bytes>) = %d, indexed %d (indexed text: %d), reference %d",
				      pat, tl, glob_match(pat, text), ix, gt.indexed, want);
		}
		matched += (size_t)reference_match(pat, text);
		n++;
	}
	CHECK(disagree == 0, "%zu of %zu pairs disagree", disagree, n);
	{
		/* a text with more distinct bytes than an index holds is matched unindexed */
		struct glob_text gt;
		char many[GLOB_TEXT_BYTES + 3];
		for (size_t i = 0; i < sizeof(many) - 1; i++)
			many[i] = (char)(33 + i);
		many[sizeof(many) - 1] = '\0';
		glob_text_init(&gt, many);
		CHECK(!gt.indexed && glob_match_text("!*", &gt) == 1 && glob_match_text("*~", &gt) == 0,
		      "too many distinct bytes: still correct");
		glob_text_init(&gt, NULL);
		CHECK(glob_match_text("*", &gt) == 0, "NULL text never matches");
	}
	CHECK(matched > n / 10 && matched < n - n / 10, "both outcomes exercised (%zu of %zu match)", matched, n);
}

/* issue 13 §6: the pattern that made a rule cost milliseconds, and every length of it. */
static void test_almost_matches(void)
{
	char pat[IT_MAX_GLOB + 1], text[IT_MAX_GLOB + 17];

	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	for (size_t len = 1; len + 2 <= IT_MAX_GLOB; len++) {
		pat[0] = '*';
		memset(pat + 1, 'a', len);
		pat[len + 1] = 'b';
		pat[len + 2] = '\0';
		CHECK(glob_match(pat, text) == 0, "*a{%zu}b does not match a{144}", len);
		pat[len + 1] = '*';
		CHECK(glob_match(pat, text) == 1, "*a{%zu}* matches a{144}", len);
	}
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
	test_differential();
	test_almost_matches();
	test_match();
	test_worst_case();
	test_valid();
	return tap_done();
}
