/*
 * deliver.h: what one delivery attempt came to, shared by the deliverer threads
 * (deliverer.c, which records it through the writer) and the destinations' senders
 * (deliverer.c for AWS Config, Security Hub and S3; deliver_alerts.c for EventBridge
 * and the webhook).
 *
 * A sender fills one struct outcome per leased row: delivered (ok), retried later, or
 * failed for good (final). retry_at, when set, is when the destination asked to be
 * tried again (a webhook's Retry-After); otherwise the outbox's backoff decides.
 */
#ifndef ITALIC_DELIVER_H
#define ITALIC_DELIVER_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "aws_error.h"
#include "compiler.h"
#include "status.h"

struct outcome {
	int64_t id;
	int ok;                  /* delivered (or superseded): done */
	int final;               /* failure the destination will never accept: failed now */
	int attempts;
	int64_t retry_at;        /* 0: backoff; else the destination's own "not before" */
	const char *label;       /* for italic_deliveries_sent_total */
	char error[320];
};

static inline void set_ok(struct outcome *o, const char *label)
{
	o->ok = 1;
	o->label = label;
	o->error[0] = '\0';
}

static inline void set_fail(struct outcome *o, int final, const char *fmt, ...) PRINTF_LIKE(3, 4);
static inline void set_fail(struct outcome *o, int final, const char *fmt, ...)
{
	va_list ap;

	o->ok = 0;
	o->final = final;
	o->label = final ? "failed" : "retry";
	va_start(ap, fmt);
	vsnprintf(o->error, sizeof(o->error), fmt, ap);
	va_end(ap);
}

/* A status AWS meant as "never": the request itself is wrong, denied or refers to
 * something that does not exist. Throttling, 5xx, network and missing credentials are
 * worth another try. */
static inline int is_final(int rc)
{
	return rc == IT_EDENIED || rc == IT_ENOTFOUND || rc == IT_EREMOTE || rc == IT_EINVAL || rc == IT_ETOOBIG;
}

static inline void set_aws_fail(struct outcome *o, int rc, const struct aws_error *err)
{
	if (err->code[0])
		set_fail(o, is_final(rc), "%s: %s (%s)", err->code, err->message, status_str(rc));
	else
		set_fail(o, is_final(rc), "%s%s%s", status_str(rc), err->message[0] ? ": " : "", err->message);
}

#endif
