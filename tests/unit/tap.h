/*
 * tap.h: the smallest test harness that tells the truth.
 *
 * CHECK(cond, fmt, ...) records a failure with its file and line and carries on, so
 * one run shows every broken case of a table. tap_done() prints "N passed, N failed"
 * and is the test's exit status (0 only when nothing failed and something was checked).
 */
#ifndef ITALIC_TAP_H
#define ITALIC_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_pass, tap_fail;

#define CHECK(cond, ...)                                                                    \
	do {                                                                                \
		if (cond) {                                                                 \
			tap_pass++;                                                         \
		} else {                                                                    \
			tap_fail++;                                                         \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);     \
			fprintf(stderr, __VA_ARGS__);                                       \
			fputc('\n', stderr);                                                \
		}                                                                           \
	} while (0)

#define CHECK_STR(got, want, ctx)                                                          \
	do {                                                                                \
		const char *g_ = (got), *w_ = (want);                                       \
		CHECK(g_ && w_ && strcmp(g_, w_) == 0, "%s: got \"%s\" want \"%s\"", (ctx), \
		      g_ ? g_ : "(null)", w_ ? w_ : "(null)");                              \
	} while (0)

static inline int tap_done(void)
{
	printf("%d passed, %d failed\n", tap_pass, tap_fail);
	return (tap_fail == 0 && tap_pass > 0) ? 0 : 1;
}

#endif
