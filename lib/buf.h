/*
 * buf.h: a growable byte buffer with a ceiling fixed at init.
 *
 * The buffer always keeps a NUL after its contents, so text can be used as a C
 * string. Appends past the ceiling fail with IT_ETOOBIG and leave the buffer as it
 * was. buf_finish() on a zeroed or finished buffer is a no-op.
 */
#ifndef ITALIC_BUF_H
#define ITALIC_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "compiler.h"

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

void buf_init(struct buf *b, size_t max);
void buf_finish(struct buf *b);
void buf_reset(struct buf *b);
/* Drops everything after the first len bytes (a no-op when the buffer is not longer). */
void buf_truncate(struct buf *b, size_t len);
int buf_append(struct buf *b, const void *data, size_t len) WARN_UNUSED;
int buf_puts(struct buf *b, const char *s) WARN_UNUSED;
int buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3) WARN_UNUSED;
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) PRINTF_LIKE(2, 0) WARN_UNUSED;
/* Hands the contents over (caller frees; never NULL on success) and resets the buffer. */
char *buf_take(struct buf *b, size_t *ret_len);
/* Contents as a C string; "" for an empty buffer. Borrowed until the next change. */
const char *buf_str(const struct buf *b);

#endif
