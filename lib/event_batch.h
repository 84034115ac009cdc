/*
 * event_batch.h: what one body posted to /v1/events holds, item by item.
 *
 * A body is one JSON object or a JSON array of them (docs/events.md, "Batches"):
 *
 *  - a classic EventBridge envelope or a Config rule invocation (event.h), as the
 *    classic bus and the Custom Event Bus's RAW transformer deliver them;
 *  - a WITH_METADATA object {"Data": <envelope>, "Metadata": {...}, "SystemMetadata":
 *    {"aws:EventId": ..., "aws:DeliveryType": "LIVE"|"REPLAY", ...}}, as the Custom Event
 *    Bus delivers them with that transformer. Its event is Data; its id is
 *    SystemMetadata["aws:EventId"], else Data's own id.
 *
 * event_batch_read() splits and judges the body; it fails as a whole only when nothing
 * of it can be judged: not JSON, neither an object nor an array, an empty array, or
 * more items than max_items. Otherwise every item gets a status of its own, so one bad
 * item never fails its neighbours:
 *
 *  - CANDIDATE: parsed, to be stored (the inbox then says accepted or duplicate);
 *  - IGNORED: well formed, a kind Italic does not judge (event.h, EVENT_IGNORED);
 *  - REJECTED, with a reason from a closed set (the metric label and the quarantine's
 *    filter) and an err naming the field within the item: MALFORMED (not an object, an
 *    envelope event.h refuses, bad SystemMetadata, a duplicate key), TOO_LARGE (over
 *    IT_EVENT_MAX_BODY bytes or IT_EVENT_MAX_DEPTH levels, refused before jansson
 *    builds anything), FORBIDDEN_ACCOUNT and UNKNOWN_REGION (event_batch_admit()).
 *
 * How an array is split: a scan of the raw bytes that follows only what JSON's
 * structure is made of (strings with their escapes, brackets, and the commas between
 * the array's elements), the way json_io.c bounds nesting before jansson runs; jansson
 * then parses each element's bytes on its own and strictly. Splitting first keeps
 * memory at one element's tree at a time (a whole 32 MiB batch as one jansson tree
 * would take several hundred MB), lets the per-item bounds refuse an element before
 * anything is built, and keeps each element's exact bytes, which are what the inbox
 * stores and the quarantine shows. The split is exact for every valid JSON text, and
 * an element whose bytes are not valid JSON (a syntax error, not a duplicate key or
 * bad UTF-8 inside a string, which do not touch the structure) fails the whole body.
 *
 * A single object is loaded with json_load_bounded() exactly as event_parse() loads
 * it, so the §5 answers (and their texts) of one event are unchanged.
 *
 * Nothing here does I/O; it is a pure function of the bytes (and, for admission, of
 * the token's accounts and the known regions).
 */
#ifndef ITALIC_EVENT_BATCH_H
#define ITALIC_EVENT_BATCH_H

#include <stddef.h>

#include "compiler.h"
#include "event.h"
#include "json_io.h"
#include "limits.h"

enum event_batch_status {
	EVENT_BATCH_CANDIDATE,
	EVENT_BATCH_IGNORED,
	EVENT_BATCH_REJECTED,
	EVENT_BATCH_STATUS__MAX
};

enum event_batch_reason {
	EVENT_BATCH_OK,                 /* not rejected */
	EVENT_BATCH_MALFORMED,
	EVENT_BATCH_TOO_LARGE,
	EVENT_BATCH_FORBIDDEN_ACCOUNT,
	EVENT_BATCH_UNKNOWN_REGION,
	EVENT_BATCH_REASON__MAX
};

/* "candidate", "ignored", "rejected"; "unknown" out of range. */
const char *event_batch_status_str(enum event_batch_status s);
/* "ok", "malformed", "too_large", "forbidden_account", "unknown_region"; NULL out of
 * range. */
const char *event_batch_reason_str(enum event_batch_reason r);
/* The reason named s, for a query filter: IT_OK or IT_EINVAL. */
int event_batch_reason_parse(const char *s, enum event_batch_reason *ret) WARN_UNUSED;

#define EVENT_BATCH_ID_MAX IT_EVENT_MAX_ID

struct event_batch_item {
	size_t index;                       /* position in the array (0 for one object) */
	enum event_batch_status status;
	enum event_batch_reason reason;     /* EVENT_BATCH_OK unless rejected */
	struct json_err err;                /* rejected: field within the item, message */
	char id[EVENT_BATCH_ID_MAX + 1];    /* the dedup id; "" when none could be read */
	const char *raw;                    /* the item's bytes in the body (borrowed) */
	size_t raw_len;
	const char *body;                   /* what the inbox stores: raw, or data */
	size_t body_len;
	char *data;                         /* owned: a WITH_METADATA item's Data, compact */
	struct event *ev;                   /* owned (the caller may take it, leaving NULL);
					       set for CANDIDATE and IGNORED, and for items
					       rejected by event_batch_admit() */
	int with_metadata;                  /* the item was a WITH_METADATA object */
	int replay;                         /* SystemMetadata["aws:DeliveryType"] == "REPLAY" */
};

struct event_batch {
	int is_array;                       /* 0: the body was one object (n == 1) */
	size_t n;
	struct event_batch_item *items;     /* n entries, in body order */
};

/*
 * Reads body (len bytes, need not be NUL-terminated; borrowed by the result until it is
 * freed). An array may hold 1..max_items elements. On IT_OK *ret is a new batch the
 * caller frees with event_batch_free(). Errors, with err filled and *ret untouched:
 * IT_EINVAL (not JSON, not an object or array, an empty array, more than max_items
 * elements); IT_ETOOBIG (a single object over IT_EVENT_MAX_BODY bytes or nested deeper
 * than IT_EVENT_MAX_DEPTH: §5's answers for one event); IT_ENOMEM.
 */
int event_batch_read(const char *body, size_t len, size_t max_items, struct event_batch **ret,
		     struct json_err *err) WARN_UNUSED;

/* 1 when body (after leading whitespace) starts an array, the test event_batch_read()
 * makes: a request whose body is not an array keeps the answers of one event. */
int event_batch_is_array(const char *body, size_t len);

/* NULL is a no-op; frees every item's event and data. */
void event_batch_free(struct event_batch *b);

/*
 * Admission, in §5's order: an item whose event names an account allowed() refuses
 * (ctx passed through; NULL allowed means every account) becomes REJECTED
 * FORBIDDEN_ACCOUNT (field "account"), then one whose region is not
 * partition_region_known(region, extra_regions) REJECTED UNKNOWN_REGION (field
 * "region", or "configRuleArn" for a rule invocation, under "Data." for a
 * WITH_METADATA item). Both apply to IGNORED items too, as they do to one event.
 * Items already rejected are left as they are.
 */
void event_batch_admit(struct event_batch *b, int (*allowed)(void *ctx, const char *account), void *ctx,
		       const char *extra_regions);

/* Items of each status, counted into counts[EVENT_BATCH_STATUS__MAX]. */
void event_batch_count(const struct event_batch *b, size_t counts[EVENT_BATCH_STATUS__MAX]);

#endif
