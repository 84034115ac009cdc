/*
 * aws_error.h: what an AWS call's outcome means, and what the caller is told.
 *
 * Every AWS outcome is one IT_* status (aws_classify): IT_OK for a 2xx without an
 * error code; IT_ETHROTTLE, IT_ESERVER, IT_ENETWORK are retryable (aws_call() retries
 * them and returns them once its attempts are spent); IT_EDENIED, IT_ENOTFOUND and
 * IT_EREMOTE are final. The AWS error code, message and request id go back to the
 * caller in struct aws_error, read from the error body of either wire format
 * (aws_parse_error_body): Query/S3 XML (<Error><Code>) or JSON ({"__type"} and the
 * x-amzn-ErrorType header).
 *
 * Pure: no I/O. Messages are for logs and delivery records; none of them carries a
 * credential, a signature or a request body.
 */
#ifndef ITALIC_AWS_ERROR_H
#define ITALIC_AWS_ERROR_H

#include <stddef.h>

#include "compiler.h"
#include "limits.h"

/* What went wrong, for the caller to log and to record on a delivery. */
struct aws_error {
	int status;                     /* the IT_E* code returned */
	long http_status;               /* 0 when no response arrived */
	int attempts;
	char code[IT_AWS_MAX_CODE + 1];         /* AWS error code ("Throttling", ...) */
	char message[IT_AWS_MAX_MESSAGE + 1];
	char request_id[IT_AWS_MAX_REQUEST_ID + 1];
};

/* Fills err (if not NULL) with status and a message; returns status. */
int aws_error_set(struct aws_error *err, int status, const char *fmt, ...) PRINTF_LIKE(3, 4);

enum aws_body_kind {
	AWS_BODY_XML,      /* Query API, S3: errors are <Error><Code> */
	AWS_BODY_JSON,     /* json 1.1 / rest-json: errors are {"__type"} + x-amzn-ErrorType */
};

/* Status for an HTTP status and AWS error code: IT_OK for 2xx without a code, then
 * throttling codes or 429 -> IT_ETHROTTLE; 5xx or internal codes -> IT_ESERVER;
 * denied/auth codes, 401, 403 -> IT_EDENIED; *.NotFound / NoSuch* codes, 404 ->
 * IT_ENOTFOUND; anything else -> IT_EREMOTE. code may be NULL or "". */
int aws_classify(long http_status, const char *code);

/* 1 for the codes that mean the credentials used have expired (ExpiredToken,
 * ExpiredTokenException, RequestExpired): worth one retry with a fresh set. */
int aws_error_expired(const char *code);

/* Error code, message and request id from an error body of the given kind (and the
 * x-amzn-ErrorType header value, which wins for JSON). Best effort: fields stay ""
 * when the body says nothing. */
void aws_parse_error_body(enum aws_body_kind kind, const char *body, size_t len,
			  const char *error_type_header, struct aws_error *err);

#endif
