/*
 * cursor.h: opaque, tamper-evident paging cursors for keyset paging.
 *
 * A list answer ends with the sort key and primary key of its last row; the next
 * request continues strictly after that key (never OFFSET), so rows that arrive
 * between two pages neither repeat nor hide rows that were already there. The cursor
 * carries that key to the client and back:
 *
 *   version(1) kind(1) scope(8) issued_ms(8) sort(8) id(8)
 *   len+account  len+region  len+instance_id   (each length one byte, bounded)
 *   mac(16) = first 16 bytes of HMAC-SHA256(key, everything before)
 *
 * base64url without padding. The key is a per-database secret (store_cursor_key_get),
 * so a cursor edited by a client, made up, or minted by another database fails the
 * MAC. kind and scope (a digest of the list, sort and filters it was issued for) make
 * a cursor from one query useless for another; issued_ms bounds its age. Integers are
 * big-endian two's complement. Nothing here allocates.
 */
#ifndef ITALIC_CURSOR_H
#define ITALIC_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "limits.h"

#define CURSOR_SCOPE_LEN 8
#define CURSOR_MAC_LEN 16
#define CURSOR_KEY_LEN 32          /* bytes of the HMAC key in the settings table */
#define CURSOR_TEXT_MAX 200        /* base64url text, NUL excluded; larger is malformed */

/* Which list a cursor continues; part of the MAC'd payload. */
enum cursor_kind {
	CURSOR_INSTANCES = 1,
	CURSOR_EVALUATIONS = 2,
	CURSOR_HISTORY = 3,
	CURSOR_TEMPLATES = 4,          /* GET /v1/launch-templates */
	CURSOR_TEMPLATE_HISTORY = 5,   /* one template's history */
	CURSOR__MAX
};

struct cursor {
	uint8_t kind;                         /* enum cursor_kind */
	uint8_t scope[CURSOR_SCOPE_LEN];
	int64_t issued_ms;
	int64_t sort;                         /* sort key of the last row (Unix ms) */
	int64_t id;                           /* evaluations.id of the last row, else 0 */
	char account[IT_ACCOUNT_ID_SIZE];     /* primary key of the last instance row, */
	char region[IT_REGION_SIZE];          /* "" for evaluation cursors */
	char instance_id[IT_INSTANCE_ID_SIZE];
};

/*
 * Writes the text form of c, signed with key, into out (outlen >= CURSOR_TEXT_MAX + 1).
 * Errors: IT_EINVAL (a string member too long or not NUL-terminated, empty key),
 * IT_ETOOBIG (out too small). out is untouched on failure.
 */
int cursor_encode(const struct cursor *c, const uint8_t *key, size_t keylen, char *out, size_t outlen)
	WARN_UNUSED;

/*
 * Parses and verifies text. On success *ret holds the decoded cursor. Errors:
 * IT_EINVAL: not a cursor (bad alphabet, length, version, layout);
 * IT_EAUTH: well-formed but the MAC does not verify (forged, edited, other database).
 * The MAC is compared in constant time before any field is trusted.
 */
int cursor_decode(const char *text, const uint8_t *key, size_t keylen, struct cursor *ret) WARN_UNUSED;

/*
 * Checks that a decoded cursor belongs to this query and is not too old: IT_ECONFLICT
 * when kind or scope differ (a cursor of another list, sort or filter set), IT_ETOOBIG
 * when now_ms - issued_ms exceeds max_age_ms or issued_ms lies more than a minute in
 * the future. IT_OK otherwise.
 */
int cursor_check(const struct cursor *c, enum cursor_kind kind, const uint8_t scope[CURSOR_SCOPE_LEN],
		 int64_t now_ms, int64_t max_age_ms) WARN_UNUSED;

/*
 * Digest of a query's identity: the n strings of parts (NULL entries allowed: they
 * differ from ""), length-prefixed so ("ab","c") and ("a","bc") differ. Used as scope.
 * IT_ENOMEM when OpenSSL cannot allocate; out is written only on success.
 */
int cursor_scope(const char *const *parts, size_t n, uint8_t out[CURSOR_SCOPE_LEN]) WARN_UNUSED;

#endif
