/*
 * store_inbox.h: the durable event inbox.
 *
 * An event is acknowledged (202) only after its row is committed here. Rows are
 * deduplicated by event id and by the sender's Idempotency-Key (both UNIQUE), so a
 * redelivered event is recognised without evaluating it twice. Workers claim pending
 * rows with a lease; a claim whose lease ran out (its worker died) is claimed again;
 * a row is marked done in the same transaction that writes its verdicts.
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
 * was new or a duplicate (of an earlier row or of an earlier item in this batch).
 * On error nothing is inserted and results are untouched: IT_EFULL (disk full),
 * IT_EBUSY, IT_EDB.
 */
int store_inbox_insert(struct store *s, const struct inbox_new *items, size_t n,
		       enum inbox_result *results) WARN_UNUSED;

struct inbox_row {
	int64_t seq;
	char event_id[INBOX_EVENT_ID_MAX + 1];
	char kind[INBOX_KIND_MAX + 1];
	char *body;                /* owned; NUL-terminated */
	size_t body_len;
	int attempts;              /* including this claim */
	int64_t received_at;
};

void inbox_row_finish(struct inbox_row *r);

/*
 * Claims up to max rows that are pending and due (not_before <= now), or claimed with
 * an expired lease, oldest first, leasing them until now + lease_ms. *ret_n rows are
 * filled (caller finishes each). IT_OK with *ret_n = 0 when there is nothing to do.
 */
int store_inbox_claim(struct store *s, int64_t now, int64_t lease_ms, struct inbox_row *rows,
		      size_t max, size_t *ret_n) WARN_UNUSED;

/* Marks a claimed row done with an outcome word ("evaluated", "stale", "ignored", ...).
 * Meant to run inside the caller's verdict transaction. */
int store_inbox_done(struct store *s, int64_t seq, int64_t now, const char *outcome) WARN_UNUSED;

/* Puts a claimed row back as pending, due at not_before, with the error text. */
int store_inbox_retry(struct store *s, int64_t seq, int64_t not_before, const char *error) WARN_UNUSED;

/* Releases every claim (start-up after a crash: no worker of a previous process lives). */
int store_inbox_release_all(struct store *s) WARN_UNUSED;

/* Pending (not done) rows and the received_at of the oldest one (0 when none). */
int store_inbox_pending(struct store *s, int64_t *ret_count, int64_t *ret_oldest) WARN_UNUSED;

/* State of one event by id: 0 pending, 1 claimed, 2 done; IT_ENOTFOUND if unknown. */
int store_inbox_state(struct store *s, const char *event_id, int *ret_state) WARN_UNUSED;

#endif
