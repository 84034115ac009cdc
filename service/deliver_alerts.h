/*
 * deliver_alerts.h: the two alert destinations of docs/alerts.md, as senders the deliverer
 * threads call (deliverer.c leases, calls, records), plus the synchronous test alert
 * of POST /v1/alerts/test.
 *
 *   eventbridge  the leased rows become PutEvents entries (Source "italic", DetailType
 *                per kind, Resources the instance ARNs, Detail the alert cut to fit),
 *                packed into calls of ≤ IT_EVENTS_BATCH entries and < IT_EVENTS_MAX_BYTES;
 *                an entry EventBridge lists with an ErrorCode is retried alone (or
 *                failed for good when the code says it can never succeed).
 *   webhook      one signed POST per row (lib/webhook.h), in the configured format.
 *
 * A digest row still open (store_alert.h) is sealed through the writer before its first
 * send. What is decided here is only wiring: lib/alert.h decides what an alert says,
 * lib/webhook.h what an answer means, lib/aws_events.h what PutEvents allows. Nothing
 * logged or recorded here contains the webhook secret or more of its URL than its
 * origin.
 */
#ifndef ITALIC_DELIVER_ALERTS_H
#define ITALIC_DELIVER_ALERTS_H

#include <jansson.h>
#include <stddef.h>

#include "alert_settings.h"
#include "compiler.h"
#include "deliver.h"
#include "server.h"
#include "store_outbox.h"

#define ALERTS_WEBHOOK_BATCH 10   /* webhook rows leased at a time, POSTed in turn */

struct alerts;

/* Makes the alert runtime from settings (copied; the caller wipes its own), with its
 * own libcurl transport when a webhook is configured. srv is borrowed for the runtime's
 * life (its writer, aws, log and metrics are read when sending). */
int alerts_new(struct server *srv, const struct alert_settings *settings, struct alerts **ret) WARN_UNUSED;
/* Wipes the secret and frees. NULL is a no-op. */
void alerts_free(struct alerts *a);

/* Whether each destination is configured (0 for NULL). */
int alerts_eventbridge_on(const struct alerts *a);
int alerts_webhook_on(const struct alerts *a);

/* Sends n leased rows (n ≤ IT_EVENTS_BATCH / ALERTS_WEBHOOK_BATCH), one outcome each.
 * rows' payloads may be replaced (a sealed digest). */
void alerts_send_eventbridge(struct alerts *a, struct outbox_row *rows, size_t n, struct outcome *o);
void alerts_send_webhook(struct alerts *a, struct outbox_row *rows, size_t n, struct outcome *o);

/* Sends one test alert (alert_test_detail) to every configured destination now, once,
 * without the outbox, and answers {"results": [{"destination", "ok", "status",
 * "answer", "error"}]} in *ret. */
int alerts_test(struct alerts *a, json_t **ret) WARN_UNUSED;

#endif
