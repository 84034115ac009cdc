/*
 * glob.h: the '*' and '?' patterns of rule criteria (image names, watermark keys,
 * watermark source regions), matched like EC2 Allowed AMIs matches ImageNames.
 *
 * '*' matches any run of bytes (also none), '?' exactly one byte, everything else
 * itself; matching is case-sensitive and there is no escape character. glob_match()
 * checks the literal ends first (most patterns fail there in a few byte compares),
 * then matches the rest without backtracking: for texts up to 255 bytes (every name,
 * watermark key and region a rule is matched against) in O(len(text) +
 * len(pattern) * len(text) / 64) word operations, whatever the pattern; for longer
 * texts in at most O(len(pattern) * len(text)) steps. No recursion, no allocation
 * (about 8 KiB of stack). Patterns are validated on write with glob_valid();
 * glob_match() itself accepts any bytes so the evaluator never fails on stored data.
 */
#ifndef ITALIC_GLOB_H
#define ITALIC_GLOB_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

/* 1 when text matches pattern as a whole, 0 otherwise. NULL never matches. */
int glob_match(const char *pattern, const char *text);

/*
 * A text indexed once for matching against many patterns (the evaluator matches one
 * image name against up to 1000 x 50 name patterns). A value record on the caller's
 * stack (about 3 KiB); text is borrowed and must outlive it. glob_text_init() indexes
 * texts of at most GLOB_TEXT_MAX bytes with at most GLOB_TEXT_BYTES distinct bytes;
 * any other text (or NULL) is kept unindexed, and glob_match_text() then does what
 * glob_match() does. Results are always glob_match(pattern, text).
 */
#define GLOB_TEXT_MAX 191
#define GLOB_TEXT_BYTES 95
struct glob_text {
	const char *text;
	size_t len;
	int indexed;
	unsigned char slot[256];                 /* byte -> 1-based row of pos; 0: absent */
	uint64_t any[3];                         /* every position 0..len-1 */
	uint64_t pos[GLOB_TEXT_BYTES + 1][3];    /* positions of each distinct byte */
};
void glob_text_init(struct glob_text *gt, const char *text);
int glob_match_text(const char *pattern, const struct glob_text *gt);

/* Where a pattern's stars are, worked out once (rules keep one per pattern, so the
 * evaluator does not rescan a pattern for every text). For patterns up to 65535 bytes;
 * glob_match_shaped(p, sh, gt) == glob_match_text(p, gt) when sh came from p. */
struct glob_shape {
	unsigned short len;      /* strlen(pattern) */
	unsigned short first;    /* index of the first '*', len when none */
	unsigned short last;     /* index of the last '*', len when none */
	unsigned short need;     /* bytes that are not '*': the shortest text that can match */
};
void glob_shape_init(struct glob_shape *sh, const char *pattern);
int glob_match_shaped(const char *pattern, const struct glob_shape *sh, const struct glob_text *gt);

/* 1 when pattern contains '*' or '?'. */
int glob_has_wildcard(const char *pattern);

enum glob_charset {
	/* Allowed AMIs ImageNames: letters, digits, ( ) [ ] . / - ' @ _ * ? and space. */
	GLOB_IMAGE_NAME,
	/* Watermark keys ("accountId:name"): the same plus ':'. */
	GLOB_WATERMARK_KEY,
	/* Region patterns ("us-*"): lower-case letters, digits, '-', '*', '?'. */
	GLOB_REGION,
	GLOB__MAX
};

/*
 * Checks a pattern for a rule: 1..IT_MAX_GLOB bytes, only characters of charset.
 * Returns IT_OK, or IT_EINVAL with *ret_why (optional) set to a static sentence
 * fragment ("is empty", "contains a character not allowed in image names", ...).
 */
int glob_valid(const char *pattern, enum glob_charset charset, const char **ret_why) WARN_UNUSED;

#endif
