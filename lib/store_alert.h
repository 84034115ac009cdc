/*
 * store_alert.h: the storm rule's durable state (migration 0009): one window per alert
 * destination, and what each digest collects until it is sealed.
 *
 * Everything here runs in the caller's transaction: the window update, the digest's
 * counts and the delivery rows are written together with the verdict that caused them
 * (outbox_enqueue_verdict), so a crash either keeps all of it or none. A restart mid-
 * storm therefore resumes the same window: it neither forgets how many single alerts
 * went out nor loses or repeats its digest.
 *
 * A digest's delivery row is created with the window's first overflowing alert and
 * holds a placeholder payload {"kind":"digest_open", "window_start", "window_end" (Unix
 * ms), "url"}; its counts (by account, image, new compliance) and its first
 * IT_ALERT_DIGEST_FIRST change details accumulate in alert_digest_counts / _items.
 * store_alert_digest_seal() — run by the deliverer when it first leases the row, after
 * the window closed — renders them (alert_digest_detail), stores the result as the
 * payload, deletes them, and detaches the digest from its window. Every later attempt
 * sends the same sealed payload. An alert that would join a digest already sealed (its
 * verdict was judged just before the window closed and written just after the seal)
 * starts a new digest of the same window, due at once: it is never lost.
 */
#ifndef ITALIC_STORE_ALERT_H
#define ITALIC_STORE_ALERT_H

#include <stdint.h>

#include "alert.h"
#include "compiler.h"
#include "store.h"

#define ALERT_DIGEST_OPEN "digest_open"   /* kind of an unsealed digest's payload */

/* destination's window into *ret ({0, 0, 0} when it never had one). */
int store_alert_window_get(struct store *s, const char *destination, struct alert_window *ret) WARN_UNUSED;
/* Stores destination's window (w->digest_id 0 stores NULL). */
int store_alert_window_put(struct store *s, const char *destination, const struct alert_window *w) WARN_UNUSED;

/* Counts one alert into digest digest_id (account, image_id: NULL or "" counts as
 * "unknown", to: the new compliance) and keeps detail (JSON text) when the digest holds
 * fewer than IT_ALERT_DIGEST_FIRST. */
int store_alert_digest_add(struct store *s, int64_t digest_id, const char *account, const char *image_id,
			   const char *to, const char *detail) WARN_UNUSED;

/* Seals digest digest_id (see above) and hands its sealed payload to *ret_payload
 * (malloc'd). A row already sealed is handed back unchanged. IT_ENOTFOUND for no such
 * row, IT_EINVAL for a payload that is neither. Inside the caller's transaction. */
int store_alert_digest_seal(struct store *s, int64_t digest_id, char **ret_payload) WARN_UNUSED;

#endif
