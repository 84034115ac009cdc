/*
 * glob.h: the '*' and '?' patterns of rule criteria (image names, watermark keys,
 * watermark source regions), matched like EC2 Allowed AMIs matches ImageNames.
 *
 * '*' matches any run of bytes (also none), '?' exactly one byte, everything else
 * itself; matching is case-sensitive and there is no escape character. glob_match()
 * is iterative: it backtracks only to the last '*' seen, so it takes at most
 * O(len(pattern) * len(text)) steps and no stack, whatever the input. Patterns are
 * validated on write with glob_valid(); glob_match() itself accepts any bytes so the
 * evaluator never fails on stored data.
 */
#ifndef ITALIC_GLOB_H
#define ITALIC_GLOB_H

#include "compiler.h"

/* 1 when text matches pattern as a whole, 0 otherwise. NULL never matches. */
int glob_match(const char *pattern, const char *text);

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
