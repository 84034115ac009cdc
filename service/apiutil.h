/*
 * apiutil.h: the request/response chores every admin route shares (rules, exemptions,
 * images, simulations, audit): reading a JSON object body, answering validation
 * failures as 422 with the field named, If-Match and ETag, the actor recorded in the
 * audit log, generated ids, and storage errors; and two of the query routes' (a failed
 * read, a path's account and region).
 *
 * Functions that may answer the request themselves say so: when they return non-zero
 * the response is already filled (a problem+json) and the handler just returns IT_OK.
 */
#ifndef ITALIC_APIUTIL_H
#define ITALIC_APIUTIL_H

#include <jansson.h>
#include <stdint.h>

#include "compiler.h"
#include "http.h"
#include "json_io.h"
#include "limits.h"

/*
 * The request body as a JSON object (*ret, a new reference owned by the caller).
 * Answers 415 when a Content-Type is given and is not JSON (application/json or
 * application/<x>+json, parameters allowed), 400 for an empty body, malformed JSON,
 * duplicate keys, nesting deeper than IT_MAX_JSON_DEPTH or a non-object. Returns IT_OK
 * or IT_EINVAL (answered).
 */
int apiutil_body_object(struct request *req, struct response *resp, json_t **ret) WARN_UNUSED;

/* 422 problem+json naming err->field ("field" member) with "<field>: <message>" as
 * the detail. Returns resp_problem's status. */
int apiutil_invalid(struct response *resp, const struct json_err *err);

/*
 * The expected version from If-Match: "\"7\"", "W/\"7\"" or a bare 7. Absent or "*"
 * gives 0 (no expectation: the store treats it as unconditional; "*" still needs the
 * object to exist, which the store checks anyway). A list of several entity tags or
 * anything else is answered with 400 naming If-Match. Returns IT_OK or IT_EINVAL
 * (answered); *ret_version is written only on IT_OK.
 */
int apiutil_if_match(struct request *req, struct response *resp, int64_t *ret_version) WARN_UNUSED;

/* Sets ETag: "<version>". */
int apiutil_etag(struct response *resp, int64_t version) WARN_UNUSED;

/* Who is acting, for audit rows and created_by: "token:<name> (<token id>)" — names
 * need not be unique, the id makes the entry traceable to one credential. */
#define APIUTIL_ACTOR_LEN (IT_MAX_ACTOR + 1)
void apiutil_actor(const struct request *req, char out[APIUTIL_ACTOR_LEN]);

/* prefix + 12 random lower-case hex digits ("rule-3f9c0a17b2e4"); out must hold
 * IT_MAX_ID + 1 bytes. IT_EIO when the kernel has no randomness to give. */
int apiutil_new_id(const char *prefix, char out[IT_MAX_ID + 1]) WARN_UNUSED;

/*
 * Answers a store failure that is not one of the route's expected outcomes: 503 with
 * Retry-After for busy/full/I/O, 500 otherwise; logs it once with what was attempted.
 * Returns IT_OK (answered) or IT_ENOMEM.
 */
int apiutil_store_error(struct request *req, struct response *resp, int status, const char *what);

/* A failed read of a query route (lists and one-object reads, which log nothing of
 * their own): 503 "database busy or unavailable; retry" when http_status_for(status) is
 * 503, that code when it is another 5xx, 500 otherwise, each "could not read the
 * database". Returns resp_problem's status. */
int apiutil_read_failure(struct response *resp, int status);

/* The account and region of a path ({account}/{region}/...): 400 naming the one that is
 * not a 12-digit account ID or a Region name. IT_OK when both are valid, else IT_EINVAL
 * (answered). */
int apiutil_path_account_region(struct response *resp, const char *account, const char *region);

/* Unix ms of now as RFC 3339 into j[key] (ms <= 0: null). Returns IT_OK or IT_ENOMEM. */
int apiutil_set_time(json_t *j, const char *key, int64_t ms) WARN_UNUSED;

#endif
