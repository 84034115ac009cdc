/*
 * store_rejected.h: the quarantine of rejected batch items (migration 0008).
 *
 * A batch item Italic refuses (lib/event_batch.h: malformed, too large, an account the
 * token is not bound to, a region AWS does not have) is answered "rejected" in the
 * batch's 200 and kept here, written in the same transaction as the batch's accepted
 * items, so that what EventBridge will never send again is not lost from view. Each row
 * keeps the item's first STORE_REJECTED_KEEP bytes (and its full size): the quarantine
 * grows with the ingest rate at most that much per item, and the retention purge
 * empties it after ITALIC_RETENTION_DAYS like the evaluation history.
 *
 * Lists are newest first by (received_at, seq): keyset paging on both, so rows that
 * arrive between two pages neither repeat nor hide others.
 */
#ifndef ITALIC_STORE_REJECTED_H
#define ITALIC_STORE_REJECTED_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "limits.h"
#include "store.h"
#include "token.h"

#define STORE_REJECTED_KEEP IT_REJECTED_MAX_BYTES

/* One item to keep; strings may be NULL where the item did not say (an id, an
 * account, a field). Borrowed for the call. */
struct rejected_new {
	int64_t received_at;
	const char *token_id;
	const char *token_name;
	const char *request_id;
	int64_t item_index;
	const char *event_id;
	const char *account;
	const char *reason;        /* event_batch_reason_str() */
	const char *field;
	const char *detail;
	const void *body;          /* the item's bytes; only the first STORE_REJECTED_KEEP are kept */
	size_t body_len;
};

/* Inserts one row inside the caller's transaction (the writer's batch job). */
int store_rejected_insert(struct store *s, const struct rejected_new *r) WARN_UNUSED;

struct rejected_row {
	int64_t seq;
	int64_t received_at;
	char token_id[TOKEN_ID_LEN + 1];
	char token_name[IT_MAX_NAME + 1];
	char request_id[IT_REQUEST_ID_LEN + 1];
	int64_t item_index;
	char event_id[IT_EVENT_MAX_ID + 1];
	char account[IT_ACCOUNT_ID_SIZE];
	char reason[32];
	char field[160];
	char detail[512];
	char *body;                /* owned: the kept bytes as UTF-8 text (invalid sequences
				      replaced by U+FFFD), NUL-terminated */
	size_t body_kept;          /* bytes kept in the row (<= STORE_REJECTED_KEEP) */
	int64_t body_bytes;        /* the item's full size */
};

void rejected_row_finish(struct rejected_row *r);

/*
 * Up to max rows with received_at >= since_ms and, when reason is not NULL, that
 * reason, strictly after the key (after_received, after_seq) in newest-first order;
 * (INT64_MAX, INT64_MAX) starts at the newest. On IT_OK rows[0..*ret_n) are filled (the
 * caller finishes each); on failure none is left allocated.
 */
int store_rejected_list(struct store *s, int64_t since_ms, const char *reason, int64_t after_received,
			int64_t after_seq, struct rejected_row *rows, size_t max, size_t *ret_n) WARN_UNUSED;

/* Deletes at most batch rows received before before_ms, in its own transaction; the
 * count deleted goes to *ret_n. */
int store_rejected_purge(struct store *s, int64_t before_ms, int batch, int64_t *ret_n) WARN_UNUSED;

/*
 * Copies in[0..len) to out (size outlen, NUL-terminated) as valid UTF-8: each byte that
 * does not start a complete, shortest-form sequence of a code point other than a
 * surrogate becomes U+FFFD. Stops before a sequence that would not fit. Returns the
 * bytes written (NUL excluded).
 */
size_t store_rejected_utf8(const char *in, size_t len, char *out, size_t outlen);

#endif
