/*
 * store_inbox.h: the durable event inbox.
 *
 * An event is acknowledged (202) only after its row is committed here. Rows are
 * deduplicated by (account, event id) and by (token, Idempotency-Key), both unique
 * indexes (migration 0007), so a redelivered event is recognised with one index lookup
 * and without evaluating it twice, while one account (or one token) cannot shadow
 * another's events by claiming their ids first. Evaluator workers read
 * pending rows of their own partition (store_inbox_due), and a row is marked done in
 * the same transaction that writes its verdicts.
 */
#ifndef ITALIC_STORE_INBOX_H
#define ITALIC_STORE_INBOX_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "store.h"

#define INBOX_EVENT_ID_MAX 160
#define INBOX_KIND_MAX 40

struct inbox_new {
	const char *event_id;
	const char *idem_key;      /* NULL when the sender gave none */
	const char *kind;
	const char *account;       /* NULL when the event names none */
	const char *region;
	const char *token_id;
	const void *body;
	size_t body_len;
	int64_t received_at;
};

enum inbox_result { INBOX_ACCEPTED, INBOX_DUPLICATE };

/*
 * Inserts n events in one transaction (group commit). results[i] says whether item i
 * was new or a duplicate (of an earlier row or of an earlier item in this batch): the
 * same account and event id, or the same token and Idempotency-Key.
 * On error nothing is inserted and results are untouched: IT_EFULL (disk full),
 * IT_EBUSY, IT_EDB.
 */
int store_inbox_insert(struct store *s, const struct inbox_new *items, size_t n,
		       enum inbox_result *results) WARN_UNUSED;

/* Inserts one event inside the caller's transaction; *ret says new or duplicate, and
 * ret_seq (may be NULL) receives the new row's seq when it is new. */
int store_inbox_insert_one(struct store *s, const struct inbox_new *item, enum inbox_result *ret,
			   int64_t *ret_seq) WARN_UNUSED;

struct inbox_row {
	int64_t seq;
	char event_id[INBOX_EVENT_ID_MAX + 1];
	char kind[INBOX_KIND_MAX + 1];
	char *body;                /* owned; NUL-terminated */
	size_t body_len;
	int attempts;              /* including this one */
	int64_t received_at;
};

void inbox_row_finish(struct inbox_row *r);

/*
 * Reads (without claiming) up to max pending rows that are due (not_before <= now) with
 * seq > after_seq and seq % parts == part, oldest first. The evaluator splits the inbox
 * among its workers this way, so no row is handed to two of them and no write is
 * needed to claim: a row stays pending until the transaction that writes its verdicts
 * marks it done, and a crash leaves it pending for the next process.
 */
int store_inbox_due(struct store *s, int64_t now, int64_t after_seq, unsigned parts, unsigned part,
		    struct inbox_row *rows, size_t max, size_t *ret_n) WARN_UNUSED;

/* Marks a row done with an outcome word ("evaluated", "stale", "unparseable"), inside
 * the caller's verdict transaction. */
int store_inbox_done(struct store *s, int64_t seq, int64_t now, const char *outcome) WARN_UNUSED;

/* Keeps a row pending but due only at not_before, counting the attempt and its error. */
int store_inbox_retry(struct store *s, int64_t seq, int64_t not_before, const char *error) WARN_UNUSED;

/* Pending (not done) rows and the received_at of the oldest one (0 when none). */
int store_inbox_pending(struct store *s, int64_t *ret_count, int64_t *ret_oldest) WARN_UNUSED;

/* State of one event by account and id: 0 pending, 2 done; IT_ENOTFOUND if unknown. */
int store_inbox_state(struct store *s, const char *account, const char *event_id, int *ret_state) WARN_UNUSED;

#endif
