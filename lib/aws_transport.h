/*
 * aws_transport.h: the one plug-in point between the AWS client layer and the
 * network, and its libcurl implementation.
 *
 * A transport sends one fully formed request (URL, header lines, body: signing has
 * already happened) and fills in the response: status, body up to a cap, and the
 * headers its callers need (the request id, x-amzn-ErrorType, and Retry-After, which
 * the webhook sender of lib/webhook.h honours). It never retries,
 * never follows a redirect, and never looks at credentials beyond passing the header
 * lines through. Two implementations exist: libcurl (below) and the unit tests'
 * scripted double (tests/unit/aws_double.h).
 *
 * The libcurl transport speaks http and https only, sends no Expect: 100-continue and
 * no Content-Type it was not given, and shares DNS, TLS sessions and connections
 * between threads through one curl share object (locked per data kind). Each send
 * uses its own easy handle, so any number of threads may send at once.
 */
#ifndef ITALIC_AWS_TRANSPORT_H
#define ITALIC_AWS_TRANSPORT_H

#include <stddef.h>

#include "buf.h"
#include "compiler.h"
#include "limits.h"

struct aws_http_request {
	const char *method;
	const char *url;
	const char *const *headers;     /* "Name: value" lines */
	size_t n_headers;
	const void *body;
	size_t body_len;
	long timeout_ms;
	long connect_timeout_ms;
	size_t max_response;            /* body cap; over it: IT_ETOOBIG */
};

struct aws_http_response {
	long status;                    /* HTTP status */
	struct buf body;                /* initialised by the caller with its cap */
	char request_id[IT_AWS_MAX_REQUEST_ID + 1];  /* x-amzn-RequestId / x-amz-request-id */
	char error_type[IT_AWS_MAX_CODE + 1];        /* x-amzn-ErrorType, up to ':' */
	char retry_after[IT_HTTP_MAX_RETRY_AFTER + 1]; /* Retry-After as sent ("" when absent) */
};

/* send(): one request, filling resp. IT_OK when an HTTP response arrived (any
 * status), IT_ENETWORK on connect/timeout/TLS failure, IT_ETOOBIG when the body passed
 * max_response, IT_ENOMEM. Must be safe to call from several threads at once. */
struct aws_transport {
	int (*send)(void *ctx, const struct aws_http_request *req, struct aws_http_response *resp);
	void *ctx;
};

/* Makes the libcurl transport into *ret (curl_global_init happens here: call before
 * starting threads). IT_ENOMEM when libcurl cannot initialise. *ret written only on
 * success; release with aws_transport_curl_free(). */
int aws_transport_curl_new(struct aws_transport *ret) WARN_UNUSED;
/* Releases what aws_transport_curl_new() made, after every thread using it stopped;
 * zeroes *t. A zeroed transport is a no-op. */
void aws_transport_curl_free(struct aws_transport *t);

#endif
