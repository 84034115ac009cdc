/*
 * webhook.h: signed alert POSTs to ITALIC_ALERT_WEBHOOK_URL (docs/alerts.md), and the
 * decisions around one: which URLs are acceptable, how a body is signed, what an
 * answer means.
 *
 * URL. https://host[:port][/path][?query], or http:// only when the host is a
 * loopback address (127.0.0.0/8, ::1, "localhost": a receiver on the same machine,
 * and the tests). No userinfo, no fragment, ASCII without spaces or control
 * characters. The path and query often are the secret (a Slack incoming-webhook URL
 * is), so only struct webhook_url.origin (scheme, host and port) may appear in a log
 * line, an error or a delivery row.
 *
 * Signature. X-Italic-Timestamp: the Unix seconds of the attempt; X-Italic-Signature:
 * "sha256=" and the lower-case hex HMAC-SHA256, keyed with the secret, of
 * "<X-Italic-Timestamp>.<body>" (the exact bytes sent). A receiver recomputes it,
 * compares in constant time and refuses a timestamp outside its window (5 minutes is
 * usual), which defeats forgeries and replays. Every attempt is signed anew with its
 * own time. X-Italic-Delivery carries the delivery row's id (the same on every retry,
 * so a receiver can drop the duplicates at-least-once delivery brings) and
 * X-Italic-Event the alert's kind (change, digest, test).
 *
 * Answers (webhook_classify). 2xx: delivered. 408, 429 and 5xx, a timeout or any
 * network failure: retried, at the time Retry-After names when the answer has one
 * (delta-seconds or an HTTP-date; at most IT_WEBHOOK_RETRY_AFTER_MAX_MS ahead), else
 * after the outbox's backoff. Any other status (3xx is never followed, 4xx) fails the
 * delivery for good, with the status and the answer's first IT_WEBHOOK_ANSWER_KEPT
 * bytes (printable ASCII only) in the error.
 *
 * The request goes through the transport of aws_transport.h (libcurl: http and https
 * only, no redirects, a cap on the answer), without any AWS signing.
 */
#ifndef ITALIC_WEBHOOK_H
#define ITALIC_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "aws_transport.h"
#include "compiler.h"
#include "limits.h"

enum webhook_format { WEBHOOK_JSON, WEBHOOK_SLACK, WEBHOOK_FORMAT__MAX };
extern const char *const webhook_format_names[WEBHOOK_FORMAT__MAX];   /* "json", "slack" */

struct webhook_url {
	char url[IT_WEBHOOK_MAX_URL + 1];
	char origin[IT_WEBHOOK_MAX_URL + 1];   /* "https://host:port": safe to show */
	int plain_http;                        /* http:// to a loopback host */
};

/* Checks url as above into *ret (written only on success). IT_EINVAL with *ret_why (a
 * static sentence, never containing the URL) otherwise. */
int webhook_url_check(const char *url, struct webhook_url *ret, const char **ret_why) WARN_UNUSED;

#define WEBHOOK_SIG_LEN (7 + 64)   /* "sha256=" + hex */

/* The X-Italic-Signature value for body signed at ts (Unix seconds) into out. IT_EINVAL
 * without a secret, IT_ENOMEM when OpenSSL fails. */
int webhook_sign(const unsigned char *secret, size_t secret_len, int64_t ts, const char *body, size_t len,
		 char out[WEBHOOK_SIG_LEN + 1]) WARN_UNUSED;

/* Retry-After (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, into the absolute Unix
 * ms it names, clamped to [now_ms + 1000, now_ms + IT_WEBHOOK_RETRY_AFTER_MAX_MS].
 * IT_EINVAL for anything else (then the caller's backoff applies). */
int webhook_retry_after(const char *value, int64_t now_ms, int64_t *ret_at_ms) WARN_UNUSED;

enum webhook_outcome { WEBHOOK_DONE, WEBHOOK_RETRY, WEBHOOK_FAILED, WEBHOOK_OUTCOME__MAX };

struct webhook_result {
	enum webhook_outcome outcome;
	long status;                            /* HTTP status; 0 when no answer arrived */
	int64_t retry_at;                       /* RETRY with a usable Retry-After; else 0 */
	char answer[IT_WEBHOOK_ANSWER_KEPT + 1];/* the answer's first bytes, printable ASCII */
	char error[IT_WEBHOOK_ANSWER_KEPT + 96];/* for last_error and logs ("" when DONE) */
};

/* What an attempt's outcome means (pure): send_rc is the transport's status (IT_OK
 * when an answer arrived), then its status, Retry-After value ("" or NULL: none) and
 * body. */
void webhook_classify(int send_rc, long status, const char *retry_after, const char *body, size_t len,
		      int64_t now_ms, struct webhook_result *ret);

struct webhook_target {
	const struct webhook_url *url;
	const unsigned char *secret;            /* NULL: not signed (allowed for Slack only) */
	size_t secret_len;
	const struct aws_transport *transport;
};

/*
 * POSTs body (len bytes, Content-Type application/json) to t, signed at now_ms when t
 * has a secret, with X-Italic-Event: event and X-Italic-Delivery: delivery_id (omitted
 * when 0), and classifies the answer into *ret (always written). Returns IT_OK when the
 * attempt was made (see ret->outcome), IT_EINVAL/IT_ENOMEM when it could not be.
 */
int webhook_post(const struct webhook_target *t, const char *event, int64_t delivery_id, const char *body,
		 size_t len, int64_t now_ms, struct webhook_result *ret) WARN_UNUSED;

#endif
