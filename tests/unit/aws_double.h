/*
 * aws_double.h: a scripted struct aws_transport for the AWS unit tests.
 *
 * Each send() records the request (method, URL, header lines, body) and answers with
 * the next scripted response; a response may instead fail with a status (network).
 * When the script runs out, a route function may answer by URL. A fake clock and a
 * recording sleep make backoff and expiry exact.
 */
#ifndef ITALIC_TEST_AWS_DOUBLE_H
#define ITALIC_TEST_AWS_DOUBLE_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_creds.h"
#include "aws_http.h"
#include "status.h"

#define DOUBLE_MAX 64

struct double_resp {
	int rc;               /* IT_OK: answer with status/body; else fail with rc */
	long status;
	const char *body;
	const char *error_type;
	const char *request_id;
	const char *retry_after;  /* Retry-After header; NULL: none */
};

struct double_req {
	char method[8];
	char url[1024];
	char headers[16384];  /* lines joined with '\n' */
	char body[8192];      /* as text: cut at a NUL byte */
	size_t body_len;      /* what was sent */
};

struct aws_double {
	pthread_mutex_t mu;
	struct double_resp script[DOUBLE_MAX];
	size_t n_script, next;
	struct double_req reqs[DOUBLE_MAX];
	size_t n_reqs;
	/* fallback when the script is spent: answers by URL substring */
	int (*route)(struct aws_double *d, const struct aws_http_request *req,
		     struct double_resp *ret);
	int64_t now_ms;
	int64_t slept[DOUBLE_MAX];
	size_t n_slept;
	int send_delay_ms;
};

static inline void double_init(struct aws_double *d)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->mu, NULL);
	d->now_ms = 1768478400000LL;  /* 2026-01-15T12:00:00Z */
}

static inline void double_push(struct aws_double *d, long status, const char *body,
			       const char *error_type)
{
	struct double_resp r = {IT_OK, status, body, error_type, "req-double"};
	d->script[d->n_script++] = r;
}

static inline void double_fail(struct aws_double *d, int rc)
{
	struct double_resp r = {rc, 0, NULL, NULL, NULL};
	d->script[d->n_script++] = r;
}

static inline int double_send(void *ctx, const struct aws_http_request *req,
			      struct aws_http_response *resp)
{
	struct aws_double *d = ctx;
	struct double_resp r = {IT_ENETWORK, 0, NULL, NULL, NULL, NULL};
	struct double_req *q = NULL;
	int have = 0;

	if (d->send_delay_ms) {
		struct timespec ts = {0, d->send_delay_ms * 1000000L};
		nanosleep(&ts, NULL);
	}
	pthread_mutex_lock(&d->mu);
	if (d->n_reqs < DOUBLE_MAX) {
		size_t o = 0;
		q = &d->reqs[d->n_reqs++];
		snprintf(q->method, sizeof(q->method), "%s", req->method);
		snprintf(q->url, sizeof(q->url), "%s", req->url);
		q->headers[0] = '\0';
		for (size_t i = 0; i < req->n_headers; i++) {
			int n = snprintf(q->headers + o, sizeof(q->headers) - o, "%s\n", req->headers[i]);
			if (n > 0 && (size_t)n < sizeof(q->headers) - o)
				o += (size_t)n;
		}
		q->body_len = req->body_len;
		snprintf(q->body, sizeof(q->body), "%.*s", (int)req->body_len,
			 req->body ? (const char *)req->body : "");
	}
	if (d->next < d->n_script) {
		r = d->script[d->next++];
		have = 1;
	}
	pthread_mutex_unlock(&d->mu);
	if (!have && d->route)
		d->route(d, req, &r);
	if (r.rc)
		return r.rc;
	resp->status = r.status;
	if (r.body && buf_puts(&resp->body, r.body) != IT_OK)
		return IT_ETOOBIG;
	snprintf(resp->error_type, sizeof(resp->error_type), "%s", r.error_type ? r.error_type : "");
	snprintf(resp->request_id, sizeof(resp->request_id), "%s", r.request_id ? r.request_id : "");
	snprintf(resp->retry_after, sizeof(resp->retry_after), "%s", r.retry_after ? r.retry_after : "");
	return IT_OK;
}

static inline int64_t double_now(void *ctx)
{
	struct aws_double *d = ctx;
	int64_t t;
	pthread_mutex_lock(&d->mu);
	t = d->now_ms;
	pthread_mutex_unlock(&d->mu);
	return t;
}

static inline void double_sleep(void *ctx, int64_t ms)
{
	struct aws_double *d = ctx;
	pthread_mutex_lock(&d->mu);
	if (d->n_slept < DOUBLE_MAX)
		d->slept[d->n_slept++] = ms;
	pthread_mutex_unlock(&d->mu);
}

static inline uint64_t double_random(void *ctx)
{
	(void)ctx;
	return UINT64_MAX;  /* a fixed draw: the delay is UINT64_MAX % (window + 1) */
}

/* env from a NULL-terminated list of "NAME=value" strings */
static inline const char *double_getenv(void *ctx, const char *name)
{
	const char *const *kv = ctx;
	size_t n = strlen(name);
	for (; kv && *kv; kv++)
		if (!strncmp(*kv, name, n) && (*kv)[n] == '=')
			return *kv + n + 1;
	return NULL;
}

/* A ctx over the double with env given as "NAME=value" strings. */
static inline struct aws_ctx *double_ctx(struct aws_double *d, const char *const *env,
					 const char *member_role, const char *external_id,
					 struct clock *clk)
{
	struct aws_env e;
	struct aws_transport t = {double_send, d};
	struct aws_ctx_config cfg;
	struct aws_ctx *ctx = NULL;

	clk->now_ms = double_now;
	clk->ctx = d;
	if (aws_env_load(&e, double_getenv, (void *)env) != IT_OK)
		return NULL;
	memset(&cfg, 0, sizeof(cfg));
	cfg.env = &e;
	cfg.transport = &t;
	cfg.clock = clk;
	cfg.member_role = member_role;
	cfg.external_id = external_id;
	cfg.sleep_ms = double_sleep;
	cfg.sleep_ctx = d;
	cfg.random = double_random;
	cfg.credentials = aws_creds_provider_new;  /* the real chain, over the double */
	if (aws_ctx_new(&cfg, &ctx) != IT_OK)
		ctx = NULL;
	aws_env_finish(&e);
	return ctx;
}

#endif
