/*
 * aws_events.h: EventBridge PutEvents (JSON 1.1, X-Amz-Target AWSEvents.PutEvents,
 * signing name "events", endpoint override AWS_ENDPOINT_URL_EVENTBRIDGE).
 *
 * Limits enforced before sending (EventBridge API reference and user guide
 * eb-putevent-size): 1..IT_EVENTS_BATCH entries a call, and the entries' sizes by AWS's
 * formula (aws_events_entry_size: Time 14 bytes when given, Source, DetailType, Detail
 * and each Resources string in UTF-8 bytes) must sum to less than IT_EVENTS_MAX_BYTES.
 * Source 1..256 bytes, DetailType 1..128, Detail a JSON object, EventBusName a name or
 * ARN (aws_events_bus_valid). A call outside them is IT_EINVAL and nothing is sent: the
 * caller packs entries into calls and cuts an entry that is too big on its own.
 *
 * An HTTP 200 can list failed entries: Entries[] has one result per entry, in request
 * order, with EventId on success or ErrorCode / ErrorMessage on failure. They are
 * returned, never turned into an error; aws_events_code_retryable() says which codes
 * are worth another try (InternalFailure, ThrottlingException and any code AWS has not
 * documented) and which AWS documents as never succeeding (AccessDeniedException,
 * InvalidAccountIdException, InvalidArgument, MalformedDetail, RedactionFailure,
 * NotAuthorizedForSourceException, NotAuthorizedForDetailTypeException).
 */
#ifndef ITALIC_AWS_EVENTS_H
#define ITALIC_AWS_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "aws_http.h"
#include "compiler.h"

struct aws_events_entry {
	const char *source;             /* "italic" */
	const char *detail_type;        /* "Italic Compliance Change" */
	const char *detail;             /* JSON object text */
	const char *bus;                /* EventBusName: name or ARN */
	const char *const *resources;   /* ARNs; may be NULL when n_resources is 0 */
	size_t n_resources;
	int64_t time_ms;                /* 0: omitted (EventBridge stamps its own time) */
};

/* One Entries[] item of the answer; NULL members were absent. */
struct aws_events_result_entry {
	char *event_id;
	char *error_code;
	char *error_message;
};

struct aws_events_result {
	long failed_count;                        /* FailedEntryCount */
	struct aws_events_result_entry *entries;  /* in request order */
	size_t n_entries;
};

void aws_events_result_free(struct aws_events_result *r);

/* An EventBusName: a name of 1..256 of [A-Za-z0-9._/-] or an event-bus ARN
 * arn:<partition>:events:<region>:<account>:event-bus/<name>. With an ARN and ret_region
 * not NULL, the ARN's region is copied there (at least 32 bytes); else "" is. */
int aws_events_bus_valid(const char *bus, char *ret_region, size_t region_len);

/* The entry's size by AWS's formula (no checks). */
size_t aws_events_entry_size(const struct aws_events_entry *e);

/* Request body (pure). *ret_json is malloc'd; IT_EINVAL for a call outside the limits. */
int aws_events_put_body(const struct aws_events_entry *entries, size_t n, char **ret_json) WARN_UNUSED;

/* {"FailedEntryCount": N, "Entries": [...]} (pure; fuzzed). IT_EINVAL when it is not an
 * object, Entries is not an array of objects or holds more than IT_EVENTS_BATCH items. */
int aws_events_parse_put(const char *json, size_t len, struct aws_events_result *ret) WARN_UNUSED;

/* 1 when an entry that failed with code may succeed when sent again (see above). */
int aws_events_code_retryable(const char *code);

/* How many of entries[0..n) go in the next call: as many as IT_EVENTS_BATCH allows
 * while their sizes sum to less than IT_EVENTS_MAX_BYTES, in order; at least 1 when
 * n > 0 (an entry too big alone is the caller's to cut first). */
size_t aws_events_pack(const struct aws_events_entry *entries, size_t n);

/* Bytes a Detail may have so that e (its Detail ignored) stays under the call limit on
 * its own; 0 when Source, DetailType, Time and Resources alone leave no room. */
size_t aws_events_detail_budget(const struct aws_events_entry *e);

enum aws_events_outcome { AWS_EVENTS_SENT, AWS_EVENTS_RETRY, AWS_EVENTS_FAILED, AWS_EVENTS_OUTCOME__MAX };

/* What became of entry i of a call answered with r: SENT when its result has an
 * EventId and no ErrorCode; FAILED when its ErrorCode never succeeds; RETRY for a
 * retryable code, and for an entry the answer has no result for. */
enum aws_events_outcome aws_events_entry_outcome(const struct aws_events_result *r, size_t i);

/* PutEvents in region with the service's own credentials. On IT_OK, ret->entries has
 * one result per entry when EventBridge sent them (a short or missing list leaves the
 * others without a result: the caller treats them as failed). */
int aws_events_put(struct aws_ctx *ctx, const char *region, const struct aws_events_entry *entries, size_t n,
		   struct aws_events_result *ret, struct aws_error *err) WARN_UNUSED;

#endif
