/*
 * aws_http.h: the AWS client context and the one place AWS requests are sent.
 *
 * struct aws_ctx (opaque) holds what every AWS call needs and nothing else: a
 * snapshot of the AWS_* environment (aws_env.h) taken once, the transport
 * (aws_transport.h: libcurl by default, a test double when given), the credentials
 * provider, the clock, the logger, the retry policy and the member-role settings.
 *
 * Credentials are a provider the context is given, not something it knows how to
 * find: struct aws_credentials_provider is a get/invalidate pair (the backend shape
 * of OpenSMTPD's table and queue backends). The default provider is the credential
 * chain of aws_creds.h, installed by passing aws_creds_provider_new as
 * cfg.credentials; a test may pass its own. The provider is made by aws_ctx_new()
 * (so it can keep the ctx to make its own calls: STS, IMDS, the container endpoint)
 * and freed by aws_ctx_free(). The calls a provider makes through the ctx carry
 * explicit credentials or none (aws_call.creds / .unsigned_call), so a lookup never
 * asks the provider again.
 *
 * aws_call() resolves the endpoint (aws_endpoint.h), obtains credentials (call.creds,
 * or the provider's for call.account), signs with SigV4, sends, and retries
 * throttling, 5xx and network failures after backoff_ms() (backoff.h: full jitter,
 * uniform(0, min(cap, base * 2^retry))). Outcomes are classified by aws_classify()
 * (aws_error.h); the AWS error code, message and request id go back in struct
 * aws_error for the caller to log. An expired-token answer makes the provider drop
 * that account's set and the call is tried once more. lib/ logs at debug only and
 * never logs a credential, a signature or a body.
 *
 * The per-protocol skeletons over aws_call() are aws_json.h (JSON 1.1 and rest-json:
 * Config, Security Hub) and aws_query.h (the Query API: EC2, STS).
 *
 * Thread-safety: a ctx is created before worker threads start and freed after they
 * stop. Everything it holds is read-only after creation; the provider and the
 * transport are required to be thread-safe. Each aws_call() has its own state, so any
 * number of threads may call into one ctx at once.
 */
#ifndef ITALIC_AWS_HTTP_H
#define ITALIC_AWS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "aws_endpoint.h"
#include "aws_env.h"
#include "aws_error.h"
#include "aws_sigv4.h"
#include "aws_transport.h"
#include "buf.h"
#include "clock.h"
#include "compiler.h"
#include "limits.h"
#include "log.h"

struct aws_ctx;

/* ---- credentials provider ---- */

struct aws_credentials_provider {
	/* Credentials (a copy the caller wipes) for a call into account in region; account
	 * NULL means the service's own. IT_EAUTH when there are none, the source's error
	 * otherwise, with err filled. *ret written only on success. Any thread. */
	int (*get)(void *ctx, const char *account, const char *region,
		   struct sigv4_credentials *ret, struct aws_error *err);
	/* Forgets the cached set of account (NULL: the service's own). Any thread. */
	void (*invalidate)(void *ctx, const char *account);
	/* Releases ctx; called once by aws_ctx_free(). May be NULL. */
	void (*free)(void *ctx);
	void *ctx;
};

/* ---- client context ---- */

struct aws_ctx_config {
	const struct aws_env *env;            /* copied; NULL: empty environment */
	const struct aws_transport *transport;/* copied, borrowed for the ctx's life; NULL: libcurl */
	const struct clock *clock;            /* borrowed for the ctx's life; NULL: system */
	const struct logger *log;             /* borrowed; NULL: silent */
	const char *member_role;              /* ITALIC_MEMBER_ROLE; NULL: own credentials */
	const char *external_id;              /* ITALIC_EXTERNAL_ID; NULL: none */
	int role_duration_s;                  /* AssumeRole DurationSeconds; 0: 3600 */
	int max_attempts;                     /* per call, first try included; 0: 4 */
	int64_t backoff_base_ms;              /* 0: 100 */
	int64_t backoff_cap_ms;               /* 0: 20000 */
	long timeout_ms;                      /* whole request; 0: 10000 */
	long connect_timeout_ms;              /* 0: 3000 */
	void (*sleep_ms)(void *ctx, int64_t ms); /* NULL: nanosleep */
	void *sleep_ctx;
	uint64_t (*random)(void *ctx);        /* backoff draw; NULL: backoff_random (RAND_bytes) */
	void *random_ctx;
	const char *container_host;           /* base for RELATIVE_URI; NULL: http://169.254.170.2 */
	/* Makes the credentials provider of the new ctx, which it may keep (borrowed for
	 * the provider's life). aws_creds_provider_new: the default chain. NULL: none, and
	 * every call without explicit credentials fails with IT_EAUTH. */
	int (*credentials)(struct aws_ctx *ctx, struct aws_credentials_provider *ret);
};

/* Creates a ctx, then its credentials provider (cfg->credentials). IT_EINVAL for a bad
 * setting (a role name outside [\w+=,.@-]{1,64}, an external id over 1224 bytes),
 * IT_ENOMEM, or the provider's error. *ret written only on success. Call before
 * starting threads. */
int aws_ctx_new(const struct aws_ctx_config *cfg, struct aws_ctx **ret) WARN_UNUSED;
/* After every thread using it has stopped: frees the provider, then the ctx. NULL is
 * a no-op. */
void aws_ctx_free(struct aws_ctx *ctx);

/* Accessors for the other aws_* modules. Borrowed for the ctx's life. */
const struct aws_env *aws_ctx_env(const struct aws_ctx *ctx);
const struct logger *aws_ctx_log(const struct aws_ctx *ctx);
int64_t aws_ctx_now_ms(const struct aws_ctx *ctx);
/* The provider, or NULL when the ctx has none. */
const struct aws_credentials_provider *aws_ctx_credentials(const struct aws_ctx *ctx);
/* The settings with defaults filled in; env, transport and credentials read NULL. */
const struct aws_ctx_config *aws_ctx_config(const struct aws_ctx *ctx);
/* The region of the service itself: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1. */
const char *aws_ctx_home_region(const struct aws_ctx *ctx);

/* ---- calls ---- */

struct aws_call {
	enum aws_service service;
	const char *region;
	const char *account;          /* NULL: own credentials; else the member role there */
	const char *method;           /* "POST", "PUT", "GET" */
	const char *path;             /* "/" or "/findings/import"; S3: the raw "/key" */
	const char *bucket;           /* S3 only: virtual-hosted, path style when overridden */
	const char *query;            /* without '?'; NULL for none */
	const char *content_type;     /* NULL: none */
	const char *target;           /* X-Amz-Target or NULL */
	const struct sigv4_header *extra;  /* more signed headers (Content-Encoding, ...) */
	size_t n_extra;
	const void *body;
	size_t body_len;
	enum aws_body_kind kind;
	int content_sha256;           /* S3: send and sign x-amz-content-sha256 */
	int unsigned_call;            /* AssumeRoleWithWebIdentity: no credentials */
	const struct sigv4_credentials *creds;  /* explicit credentials, or NULL to resolve */
	size_t max_response;          /* 0: IT_MAX_AWS_RESPONSE */
};

/*
 * Performs call with retries. IT_OK: *ret_body holds the 2xx body (caller finishes it;
 * it must be a zeroed or finished buf). Errors: the classification of aws_error.h, or
 * IT_EAUTH (no credentials found), IT_EINVAL (bad call), IT_ETOOBIG (response cap);
 * err (may be NULL) is filled on failure, with the last attempt's code and request id.
 */
int aws_call(struct aws_ctx *ctx, const struct aws_call *call, struct buf *ret_body,
	     struct aws_error *err) WARN_UNUSED;

/* Sends one unsigned request through the ctx's transport, no retries (IMDS,
 * container credentials). resp->body must be initialised by the caller. */
int aws_http_send(struct aws_ctx *ctx, const struct aws_http_request *req,
		  struct aws_http_response *resp) WARN_UNUSED;

#endif
