/*
 * store_cursor_key.h: per-database secrets, kept in the settings table
 * (migrations/0005_query.sql) — today the HMAC key that signs paging cursors
 * (lib/cursor.h), so a cursor minted by one database is refused by another.
 *
 * A secret is created from getrandom() on first use and never changes afterwards. It
 * lives in the database, so a backup carries it and a restored database still accepts
 * the cursors its clients hold; it is never logged or returned by any route.
 */
#ifndef ITALIC_STORE_CURSOR_KEY_H
#define ITALIC_STORE_CURSOR_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "store.h"

/*
 * The secret named name (len bytes, 1..64), created on first use (with now_ms as its
 * creation time). Concurrent first uses, on any connections, agree on one value: the
 * insert is "if absent" and every caller reads back what was kept. ret gets len bytes
 * on success and is untouched otherwise. Errors: IT_EINVAL, IT_EIO (no randomness),
 * IT_EDB (also: a stored secret of another length).
 */
int store_cursor_key_get(struct store *s, const char *name, size_t len, int64_t now_ms, uint8_t *ret)
	WARN_UNUSED;

#endif
