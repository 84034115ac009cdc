/*
 * aws_http.h: the AWS client context and the one place AWS requests are sent.
 *
 * struct aws_ctx (opaque) holds what every AWS call needs: a snapshot of the AWS_*
 * environment taken once at creation (struct aws_env; nothing in lib/ reads the
 * process environment after that), the transport (libcurl by default, a test double
 * through struct aws_transport), the credential provider (aws_creds.h), the clock,
 * the logger, the retry policy and the member-role settings.
 *
 * aws_call() resolves the endpoint (region, partition, AWS_ENDPOINT_URL[_<SVC>]),
 * obtains credentials (own, or the member role assumed in an account), signs with
 * SigV4, sends, and retries throttling, 5xx and network failures with full-jitter
 * exponential backoff: sleep = uniform(0, min(cap, base * 2^retry)). Outcomes are
 * classified into IT_ETHROTTLE / IT_ESERVER / IT_ENETWORK (retryable, returned once
 * the attempts are spent), IT_EDENIED, IT_ENOTFOUND, IT_EREMOTE (final). The AWS
 * error code, message and request id go back in struct aws_error for the caller to
 * log; lib/ logs at debug only and never logs a credential, a signature or a body.
 *
 * Thread-safety: a ctx is created before worker threads start and freed after they
 * stop (curl_global_init happens in aws_ctx_new). Everything it holds is read-only
 * after creation except the credential caches (mutex-protected in aws_creds.c) and
 * the libcurl share object (DNS, TLS sessions, connections; locked with its own
 * mutexes). Each aws_call() uses its own easy handle, so any number of threads may
 * call into one ctx at once.
 */
#ifndef ITALIC_AWS_HTTP_H
#define ITALIC_AWS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "aws_sigv4.h"
#include "buf.h"
#include "clock.h"
#include "compiler.h"
#include "limits.h"
#include "log.h"

/* ---- environment snapshot ---- */

enum aws_env_var {
	AWS_ENV_ACCESS_KEY_ID,
	AWS_ENV_SECRET_ACCESS_KEY,
	AWS_ENV_SESSION_TOKEN,
	AWS_ENV_REGION,
	AWS_ENV_DEFAULT_REGION,
	AWS_ENV_PROFILE,
	AWS_ENV_SHARED_CREDENTIALS_FILE,
	AWS_ENV_HOME,
	AWS_ENV_WEB_IDENTITY_TOKEN_FILE,
	AWS_ENV_ROLE_ARN,
	AWS_ENV_ROLE_SESSION_NAME,
	AWS_ENV_CONTAINER_RELATIVE_URI,
	AWS_ENV_CONTAINER_FULL_URI,
	AWS_ENV_CONTAINER_AUTH_TOKEN,
	AWS_ENV_CONTAINER_AUTH_TOKEN_FILE,
	AWS_ENV_EC2_METADATA_DISABLED,
	AWS_ENV_EC2_METADATA_ENDPOINT,
	AWS_ENV_ENDPOINT_URL,
	AWS_ENV_ENDPOINT_URL_STS,
	AWS_ENV_ENDPOINT_URL_EC2,
	AWS_ENV_ENDPOINT_URL_CONFIG_SERVICE,
	AWS_ENV_ENDPOINT_URL_SECURITYHUB,
	AWS_ENV_ENDPOINT_URL_S3,
	AWS_ENV__MAX
};

/* The variable names, e.g. "AWS_ACCESS_KEY_ID", "HOME". */
extern const char *const aws_env_names[AWS_ENV__MAX];

/* Value record: one owned copy per variable, NULL when unset or empty. */
struct aws_env {
	char *v[AWS_ENV__MAX];
};

/* Reads every variable through get(get_ctx, name) (aws_env_getenv for the process
 * environment, a table in tests). Values over IT_AWS_MAX_ENV are IT_ETOOBIG. *env is
 * written only on success; release with aws_env_finish(). */
int aws_env_load(struct aws_env *env, const char *(*get)(void *get_ctx, const char *name),
		 void *get_ctx) WARN_UNUSED;
void aws_env_finish(struct aws_env *env);
/* Borrowed value or NULL. */
const char *aws_env_get(const struct aws_env *env, enum aws_env_var var);
/* getenv() adapter for aws_env_load(); get_ctx is ignored. */
const char *aws_env_getenv(void *get_ctx, const char *name);

/* ---- endpoints ---- */

enum aws_service {
	AWS_SVC_STS,
	AWS_SVC_EC2,
	AWS_SVC_CONFIG,        /* AWS Config; env suffix CONFIG_SERVICE, signing name "config" */
	AWS_SVC_SECURITYHUB,
	AWS_SVC_S3,
	AWS_SVC__MAX
};

/* SigV4 signing names: "sts", "ec2", "config", "securityhub", "s3". */
extern const char *const aws_service_names[AWS_SVC__MAX];

/* The region's partition, partition_of() in partition.h (NULL when region is not a
 * valid region name). */
const char *aws_partition(const char *region);

struct aws_endpoint {
	char scheme[8];                 /* "https" or "http" */
	char host[256];                 /* host[:port], the signed Host header */
	char base_path[256];            /* "" or an override's path without trailing '/' */
	int overridden;                 /* came from AWS_ENDPOINT_URL[_<SVC>] */
};

/* Endpoint of svc in region: AWS_ENDPOINT_URL_<SVC>, else AWS_ENDPOINT_URL, else
 * https://<svc>.<region>.<dns suffix> (amazonaws.com, amazonaws.com.cn). IT_EINVAL for
 * an invalid region or override URL. *ret written only on success. */
int aws_endpoint_resolve(const struct aws_env *env, enum aws_service svc, const char *region,
			 struct aws_endpoint *ret) WARN_UNUSED;

/* ---- transport ---- */

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
};

/* The plug-in point: send one request and fill resp. IT_OK when an HTTP response
 * arrived (any status), IT_ENETWORK on connect/timeout/TLS failure, IT_ETOOBIG when
 * the body passed max_response. */
struct aws_transport {
	int (*send)(void *ctx, const struct aws_http_request *req, struct aws_http_response *resp);
	void *ctx;
};

/* ---- client context ---- */

struct aws_ctx;

struct aws_ctx_config {
	const struct aws_env *env;            /* copied; NULL: empty environment */
	const struct aws_transport *transport;/* copied; NULL: libcurl */
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
	uint64_t (*random)(void *ctx);        /* backoff jitter; NULL: OpenSSL RAND_bytes */
	void *random_ctx;
	const char *container_host;           /* base for RELATIVE_URI; NULL: http://169.254.170.2 */
};

/* Creates a ctx (and its credential provider). IT_EINVAL for a bad setting (a role
 * name outside [\w+=,.@-]{1,64}), IT_ENOMEM. Call before starting threads. */
int aws_ctx_new(const struct aws_ctx_config *cfg, struct aws_ctx **ret) WARN_UNUSED;
/* After every thread using it has stopped. NULL is a no-op. */
void aws_ctx_free(struct aws_ctx *ctx);

/* Accessors for the other aws_* modules. Borrowed for the ctx's life. */
const struct aws_env *aws_ctx_env(const struct aws_ctx *ctx);
const struct logger *aws_ctx_log(const struct aws_ctx *ctx);
int64_t aws_ctx_now_ms(const struct aws_ctx *ctx);
struct aws_creds *aws_ctx_creds(const struct aws_ctx *ctx);
const struct aws_ctx_config *aws_ctx_config(const struct aws_ctx *ctx);
/* The region of the service itself: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1. */
const char *aws_ctx_home_region(const struct aws_ctx *ctx);

/* ---- calls ---- */

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
 * it must be a zeroed or finished buf). Errors: the classification above, or
 * IT_EAUTH (no credentials found), IT_EINVAL (bad call), IT_ETOOBIG (response cap);
 * err (may be NULL) is filled on failure, with the last attempt's code and request id.
 */
int aws_call(struct aws_ctx *ctx, const struct aws_call *call, struct buf *ret_body,
	     struct aws_error *err) WARN_UNUSED;

/* Sends one unsigned request through the ctx's transport, no retries (IMDS,
 * container credentials). resp->body must be initialised by the caller. */
int aws_http_send(struct aws_ctx *ctx, const struct aws_http_request *req,
		  struct aws_http_response *resp) WARN_UNUSED;

/* ---- pure pieces, tested directly ---- */

/* Status for an HTTP status and AWS error code: IT_OK for 2xx without a code, then
 * throttling codes or 429 -> IT_ETHROTTLE; 5xx or internal codes -> IT_ESERVER;
 * denied/auth codes, 401, 403 -> IT_EDENIED; *.NotFound / NoSuch* codes, 404 ->
 * IT_ENOTFOUND; anything else -> IT_EREMOTE. code may be NULL or "". */
int aws_classify(long http_status, const char *code);

/* Full-jitter delay before retry number retry (1 = the first retry):
 * random % (min(cap, base << retry) + 1). Never negative, never above cap. */
int64_t aws_backoff_ms(int retry, int64_t base_ms, int64_t cap_ms, uint64_t random);

/* Appends "&name=value" (no '&' when b is empty), both form-encoded. */
int aws_form_add(struct buf *b, const char *name, const char *value) WARN_UNUSED;

/* Error code, message and request id from an error body of the given kind (and the
 * x-amzn-ErrorType header value, which wins for JSON). Best effort: fields stay ""
 * when the body says nothing. */
void aws_parse_error_body(enum aws_body_kind kind, const char *body, size_t len,
			  const char *error_type_header, struct aws_error *err);

#endif
