/*
 * aws_sigv4.h: AWS Signature Version 4 for the Authorization header, pure.
 *
 * No I/O, no clock, no globals: everything the signature depends on (time, keys,
 * headers, payload) comes in through struct sigv4_input, and the exact canonical
 * request, string to sign and signature come out, so the unit test can compare them
 * byte for byte with the aws-c-auth suite (tests/unit/test_aws_sigv4.c).
 *
 * Rules implemented (docs/aws-facts.md §8-§9):
 *  - canonical headers: lower-case names, values trimmed with inner runs of spaces
 *    collapsed, repeated names joined by ',', sorted by name; every header handed in
 *    is signed, plus x-amz-date, x-amz-security-token (when a session token is given)
 *    and x-amz-content-sha256 (with SIGV4_CONTENT_SHA256);
 *  - canonical query: each name and value percent-decoded then re-encoded with the
 *    RFC 3986 unreserved set, pairs sorted by encoded name then value;
 *  - path: non-S3 services remove '.'/'..'/empty segments and URI-encode the given
 *    path (so an already-encoded wire path is encoded a second time, as AWS expects);
 *    with SIGV4_S3 the path is neither normalised nor encoded twice: the caller passes
 *    the raw key path, sends sigv4_encode_path() of it, and it is encoded once here.
 *
 * The secret is only used inside sigv4_sign(); derived keys are wiped before return.
 */
#ifndef ITALIC_AWS_SIGV4_H
#define ITALIC_AWS_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "compiler.h"
#include "limits.h"

/* A set of credentials. Value record; wipe with sigv4_credentials_wipe(). */
struct sigv4_credentials {
	char access_key_id[IT_AWS_MAX_KEY_ID + 1];
	char secret_access_key[IT_AWS_MAX_SECRET + 1];
	char session_token[IT_AWS_MAX_SESSION + 1];  /* "" for long-term keys */
	int64_t expiration_ms;                        /* 0: does not expire */
};

/* Sets every byte of c to zero in a way the compiler cannot drop. NULL is a no-op. */
void sigv4_credentials_wipe(struct sigv4_credentials *c);

/* Fills c from the three strings (session_token may be NULL). IT_EINVAL when a key is
 * empty, IT_ETOOBIG when one exceeds its buffer; c untouched then. */
int sigv4_credentials_set(struct sigv4_credentials *c, const char *access_key_id,
			  const char *secret_access_key, const char *session_token,
			  int64_t expiration_ms) WARN_UNUSED;

struct sigv4_header {
	const char *name;
	const char *value;
};

enum {
	SIGV4_S3 = 1 << 0,              /* S3 path rules: no normalisation, one encoding */
	SIGV4_CONTENT_SHA256 = 1 << 1,  /* add and sign x-amz-content-sha256 */
};

struct sigv4_input {
	const char *method;                  /* "GET", "POST", "PUT" */
	const char *path;                    /* begins with '/'; see the top comment */
	const char *query;                   /* without '?'; NULL or "" for none */
	const struct sigv4_header *headers;  /* headers to sign; must include host */
	size_t n_headers;
	const void *payload;
	size_t payload_len;
	const char *payload_hash;            /* NULL: hex sha256(payload); or "UNSIGNED-PAYLOAD" */
	const struct sigv4_credentials *creds;
	const char *region;                  /* credential scope region */
	const char *service;                 /* signing name: "ec2", "sts", "s3", ... */
	int64_t time_ms;                     /* signing time, Unix ms */
	unsigned flags;                      /* SIGV4_* */
};

struct sigv4_output {
	char amz_date[17];            /* X-Amz-Date value: YYYYMMDDTHHMMSSZ */
	char payload_hash[65];        /* HashedPayload (also the x-amz-content-sha256 value) */
	char signature[65];           /* lower-case hex */
	char *canonical_request;      /* owned by the output */
	char *string_to_sign;         /* owned by the output */
	char *authorization;          /* the Authorization header value, owned */
};

/*
 * Signs in. On success *ret holds the results (release with sigv4_output_finish());
 * the caller then sends X-Amz-Date, X-Amz-Security-Token (if a session token was
 * given), x-amz-content-sha256 (with SIGV4_CONTENT_SHA256) and Authorization, with the
 * header values exactly as handed in. Fails with IT_EINVAL (missing host, bad path,
 * malformed percent-encoding), IT_ETOOBIG (over IT_AWS_MAX_CANONICAL or
 * IT_AWS_MAX_HEADERS), IT_ENOMEM; *ret is untouched on failure.
 */
int sigv4_sign(const struct sigv4_input *in, struct sigv4_output *ret) WARN_UNUSED;

/* Releases what sigv4_sign() allocated. Safe on a zeroed output and twice. */
void sigv4_output_finish(struct sigv4_output *out);

/* Appends s URI-encoded with the unreserved set; '/' is kept when keep_slash. */
int sigv4_uri_encode(struct buf *out, const char *s, size_t len, int keep_slash) WARN_UNUSED;

/* Hex SHA-256 of data into out (65 bytes with the NUL). */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);

/* Formats time_ms as the X-Amz-Date form into out[17]. */
void sigv4_amz_date(int64_t time_ms, char out[17]);

#endif
