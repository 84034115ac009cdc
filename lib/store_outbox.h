/*
 * store_outbox.h: durable outbound deliveries (table deliveries, migration 0004).
 *
 * store_outbox_add() runs inside the caller's verdict transaction. Deliverers lease
 * batches: the oldest due row of a destination picks the group, and up to max due rows
 * of that group are leased together (one PutEvaluations per result token, one
 * BatchImportFindings per account and region, one S3 object per flush). A lease that
 * runs out (its deliverer died) makes the rows due again, so a restart resumes where
 * it stopped; a row is marked done only after the destination accepted it.
 */
#ifndef ITALIC_STORE_OUTBOX_H
#define ITALIC_STORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "limits.h"
#include "store.h"

#define OUTBOX_GIVE_UP_MS (24LL * 3600 * 1000)   /* failing this long after creation: failed */

struct outbox_row {
	int64_t id;
	char destination[16];
	char group_key[96];
	char account[IT_ACCOUNT_ID_SIZE];
	char region[IT_REGION_SIZE];
	char instance_id[IT_INSTANCE_ID_SIZE];
	char *payload;           /* owned JSON text */
	char state[12];
	int attempts;
	int64_t created_at;
	int64_t next_attempt_at;
	char *last_error;        /* owned, NULL when none */
	int64_t done_at;
};

void outbox_row_finish(struct outbox_row *r);

/* Adds a pending delivery due now. Inside the caller's transaction. */
int store_outbox_add(struct store *s, const char *destination, const char *group_key, const char *account,
		     const char *region, const char *instance_id, const char *payload, int64_t now) WARN_UNUSED;

/* The same, due at due_at instead of now (an alert digest: due when its window
 * closes); *ret_id (may be NULL) gets the new row's id. */
int store_outbox_add_due(struct store *s, const char *destination, const char *group_key, const char *account,
			 const char *region, const char *instance_id, const char *payload, int64_t now,
			 int64_t due_at, int64_t *ret_id) WARN_UNUSED;

/* One row by id into *ret (caller finishes it); IT_ENOTFOUND when there is none. */
int store_outbox_get(struct store *s, int64_t id, struct outbox_row *ret) WARN_UNUSED;

/* Replaces a row's payload (an alert digest when it is sealed). Inside the caller's
 * transaction. IT_ENOTFOUND when there is no such row. */
int store_outbox_set_payload(struct store *s, int64_t id, const char *payload) WARN_UNUSED;

/* Leases up to max due rows of one group of destination until now + lease_ms; *ret_n
 * may be 0. Rows are filled oldest first; the caller finishes them. Runs in its own
 * transaction, or in the caller's when one is open (a writer job). */
int store_outbox_lease(struct store *s, const char *destination, int64_t now, int64_t lease_ms,
		       struct outbox_row *rows, size_t max, size_t *ret_n) WARN_UNUSED;

/* Marks a leased row delivered. */
int store_outbox_done(struct store *s, int64_t id, int64_t now) WARN_UNUSED;

/* Records a failed attempt: due again at next_attempt_at, or state failed when the row
 * is older than OUTBOX_GIVE_UP_MS (or final is set: the destination refused it for good). */
int store_outbox_fail(struct store *s, int64_t id, int64_t now, int64_t next_attempt_at, const char *error,
		      int final) WARN_UNUSED;

/* Soonest next_attempt_at of pending rows of destination (0 when none). */
int store_outbox_next_due(struct store *s, const char *destination, int64_t *ret_at) WARN_UNUSED;

/*
 * Listing for GET /v1/deliveries, newest first: destination and state filters may be
 * NULL; rows with id < before_id when before_id > 0 (keyset paging).
 */
int store_outbox_list(struct store *s, const char *destination, const char *state, int64_t before_id,
		      struct outbox_row *rows, size_t max, size_t *ret_n) WARN_UNUSED;

/* Oldest created_at among the due, unleased pending rows of destination (0 when
 * none): the SIEM deliverer flushes when it is ITALIC_SIEM_FLUSH_SECONDS old. */
int store_outbox_oldest_due(struct store *s, const char *destination, int64_t now, int64_t *ret_created_at)
	WARN_UNUSED;

/* *ret = 1 when a newer row (higher id, any state) of the same destination exists for
 * r's instance: sending r would overwrite newer news (a Security Hub finding retried
 * after its successor went out). */
int store_outbox_superseded(struct store *s, const struct outbox_row *r, int *ret) WARN_UNUSED;

/* Releases every lease. Only at start-up, when no deliverer of this database can be
 * alive (one process owns it), so a kill -9 does not hold rows back for a lease. */
int store_outbox_release_all(struct store *s) WARN_UNUSED;

/* Count of rows for (destination, state). */
int store_outbox_count(struct store *s, const char *destination, const char *state, int64_t *ret) WARN_UNUSED;

#endif
