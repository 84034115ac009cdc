/*
 * glob.c: '*'/'?' matching (see glob.h).
 *
 * Three steps, cheapest first, because the evaluator runs up to 1000 rules x 50
 * patterns per verdict and most patterns fail on their first bytes:
 *  1. Length and the literal ends. Everything before the first '*' must match the start
 *     of the text and everything after the last '*' its end ('?' matches any byte);
 *     the text must be at least as long as the non-'*' bytes. A pattern without '*'
 *     is decided here.
 *  2. The middle (from the first '*' to the last, inclusive) against what is left of
 *     the text, for texts up to GLOB_BITS bytes (every name, watermark key and region
 *     a rule can be matched against): a bit-parallel walk over the pattern. S holds,
 *     as a bitset over text positions, every position the pattern so far can have
 *     reached; a literal byte c keeps the positions whose next byte is c and moves them
 *     one on, '?' moves every position one on, '*' adds every position after the
 *     earliest one. That is O(len(text)) to index the text plus
 *     O(len(pattern) * len(text) / 64) word operations, whatever the pattern: no input
 *     makes it backtrack (a one-star backtracking matcher spends ~len(p) * len(t) steps
 *     on "*aaaa...ab" against "aaaa...a").
 *  3. Longer texts: the classic one-star backtracking (remember the last '*' and the
 *     text position it would consume next; on a mismatch let it eat one more byte),
 *     O(len(pattern) * len(text)) steps and no stack. Earlier stars never need
 *     revisiting, because a later star can absorb everything an earlier one would.
 */
#include "glob.h"

#include <stdint.h>
#include <string.h>

#include "limits.h"
#include "status.h"

#define GLOB_BITS 255                         /* longest text window for step 2 */
#define WORDS ((GLOB_BITS + 1 + 63) / 64)     /* positions 0..GLOB_BITS */

/* n bytes of p against t, '?' matching any byte. */
static int seg_eq(const char *p, const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != '?' && p[i] != t[i])
			return 0;
	return 1;
}

/* Step 3: one-star backtracking over p[0..pl) and t[0..tl). */
static int match_classic(const char *p, size_t pl, const char *t, size_t tl)
{
	size_t pi = 0, ti = 0, star_p = 0, star_t = 0;
	int star = 0;

	while (ti < tl) {
		if (pi < pl && p[pi] == '*') {
			while (pi < pl && p[pi] == '*')
				pi++;
			if (pi == pl)
				return 1;
			star = 1;
			star_p = pi;
			star_t = ti;
		} else if (pi < pl && (p[pi] == '?' || p[pi] == t[ti])) {
			pi++;
			ti++;
		} else if (star) {
			pi = star_p;
			ti = ++star_t;
		} else {
			return 0;
		}
	}
	while (pi < pl && p[pi] == '*')
		pi++;
	return pi == pl;
}

/* The bitsets of an indexed text: row k of pos (k = slot[c]) holds the positions of
 * byte c, any holds every position; rows are `stride` words long. */
struct index {
	const unsigned char *slot;
	const uint64_t *any;
	const uint64_t *pos;
	size_t stride;
};

/* Indexes t[0..tl) (tl < stride * 64): 0 when it has more than max_rows distinct bytes. */
static int index_text(const char *t, size_t tl, unsigned char *slot, uint64_t *any, uint64_t *pos, size_t stride,
		      size_t max_rows)
{
	size_t used = 0;

	memset(slot, 0, 256);
	memset(any, 0, stride * sizeof(*any));
	for (size_t j = 0; j < tl; j++) {
		unsigned char c = (unsigned char)t[j];
		if (!slot[c]) {
			if (used == max_rows)
				return 0;
			slot[c] = (unsigned char)++used;
			memset(pos + used * stride, 0, stride * sizeof(*pos));
		}
		pos[slot[c] * stride + (j >> 6)] |= (uint64_t)1 << (j & 63);
		any[j >> 6] |= (uint64_t)1 << (j & 63);
	}
	return 1;
}

/*
 * Step 2: p[0..pl) starts and ends with '*' and must match the indexed text's bytes
 * off..end-1 exactly. Positions are the text's own (0..end); state bit j: the pattern so
 * far can end just before text byte j. A byte is consumed only below end (lim): the
 * literal suffix after end was matched in step 1.
 */
static int match_bits(const char *p, size_t pl, const struct index *ix, size_t off, size_t end)
{
	uint64_t s[WORDS], lim[WORDS];
	size_t words = end / 64 + 1;

	for (size_t k = 0; k < words; k++)
		lim[k] = end >= (k + 1) * 64 ? ~(uint64_t)0 : end > k * 64 ? ((uint64_t)1 << (end - k * 64)) - 1 : 0;
	memset(s, 0, sizeof(s));
	s[off >> 6] = (uint64_t)1 << (off & 63);
	for (size_t i = 0; i < pl; i++) {
		unsigned char c = (unsigned char)p[i];
		const uint64_t *src;
		uint64_t carry = 0, alive = 0;
		if (c == '*') {
			size_t w = 0, low;
			while (i + 1 < pl && p[i + 1] == '*')
				i++;
			while (!s[w])
				w++;                               /* s is never empty here */
			low = (size_t)__builtin_ctzll(s[w]);
			s[w] |= ~(((uint64_t)1 << low) - 1);
			for (size_t k = w + 1; k < words; k++)
				s[k] = ~(uint64_t)0;
			if ((end & 63) != 63)
				s[words - 1] &= ((uint64_t)1 << ((end & 63) + 1)) - 1;
			continue;
		}
		if (c == '?')
			src = ix->any;
		else if (ix->slot[c])
			src = ix->pos + (size_t)ix->slot[c] * ix->stride;
		else
			return 0;                                  /* a byte the text does not hold */
		for (size_t k = 0; k < words; k++) {
			uint64_t v = s[k] & src[k] & lim[k];
			s[k] = (v << 1) | carry;
			carry = v >> 63;
			alive |= s[k];
		}
		if (!alive)
			return 0;
	}
	return (s[end >> 6] >> (end & 63)) & 1;
}

void glob_shape_init(struct glob_shape *sh, const char *pattern)
{
	size_t pl = pattern ? strlen(pattern) : 0, first = pl, last = pl, need = 0;

	for (size_t i = 0; i < pl; i++) {
		if (pattern[i] == '*') {
			if (first == pl)
				first = i;
			last = i;
		} else {
			need++;
		}
	}
	sh->len = (unsigned short)pl;
	sh->first = (unsigned short)first;
	sh->last = (unsigned short)last;
	sh->need = (unsigned short)need;
}

/* Steps 1-3 for a text of tl bytes; ix indexes the whole text, or is NULL (then a short
 * middle is indexed here). */
static int match(const char *pattern, const struct glob_shape *sh, const char *text, size_t tl,
		 const struct index *ix)
{
	size_t pl = sh->len, first = sh->first, last = sh->last, suffix, mid;

	if (tl < sh->need)
		return 0;
	if (first == pl)
		return tl == pl && seg_eq(pattern, text, pl);
	suffix = pl - last - 1;
	if (!seg_eq(pattern, text, first) || !seg_eq(pattern + last + 1, text + tl - suffix, suffix))
		return 0;
	/* the middle, from the first '*' to the last, against the rest of the text */
	mid = tl - first - suffix;
	if (ix)
		return match_bits(pattern + first, last - first + 1, ix, first, first + mid);
	if (mid <= GLOB_BITS) {
		uint64_t pos[256 * WORDS], any[WORDS];
		unsigned char slot[256];
		struct index local = {slot, any, pos, WORDS};
		(void)index_text(text + first, mid, slot, any, pos, WORDS, 255);  /* 255 rows: always fits */
		return match_bits(pattern + first, last - first + 1, &local, 0, mid);
	}
	return match_classic(pattern + first, last - first + 1, text + first, mid);
}

/* Patterns longer than a shape can describe (never a rule's: IT_MAX_GLOB is 128). */
static int long_pattern(const char *pattern)
{
	return strlen(pattern) > 65535;
}

int glob_match(const char *pattern, const char *text)
{
	struct glob_shape sh;

	if (!pattern || !text)
		return 0;
	if (long_pattern(pattern))
		return match_classic(pattern, strlen(pattern), text, strlen(text));
	glob_shape_init(&sh, pattern);
	return match(pattern, &sh, text, strlen(text), NULL);
}

_Static_assert(GLOB_TEXT_MAX < 3 * 64 && GLOB_TEXT_MAX <= GLOB_BITS, "a glob_text fits its bitsets");

void glob_text_init(struct glob_text *gt, const char *text)
{
	gt->text = text;
	gt->len = text ? strlen(text) : 0;
	gt->indexed = text && gt->len <= GLOB_TEXT_MAX &&
		      index_text(text, gt->len, gt->slot, gt->any, &gt->pos[0][0], 3, GLOB_TEXT_BYTES);
}

int glob_match_shaped(const char *pattern, const struct glob_shape *sh, const struct glob_text *gt)
{
	struct index ix = {gt->slot, gt->any, &gt->pos[0][0], 3};

	if (!pattern || !gt->text)
		return 0;
	return match(pattern, sh, gt->text, gt->len, gt->indexed ? &ix : NULL);
}

int glob_match_text(const char *pattern, const struct glob_text *gt)
{
	struct glob_shape sh;

	if (!pattern || !gt->text)
		return 0;
	if (long_pattern(pattern))
		return glob_match(pattern, gt->text);
	glob_shape_init(&sh, pattern);
	return glob_match_shaped(pattern, &sh, gt);
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
