/* aws_http.c: the client context and aws_call(), the retry loop (see aws_http.h). */
#include "aws_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "parse.h"
#include "partition.h"
#include "status.h"

struct aws_ctx {
	struct aws_ctx_config cfg;       /* string members point into the copies below */
	struct aws_env env;
	struct aws_transport transport;
	int own_transport;               /* made here (libcurl): freed here */
	struct aws_credentials_provider creds;
	int have_creds;
	char *member_role;
	char *external_id;
	char *container_host;
	char home_region[IT_REGION_SIZE];
};

/* ---- context ---- */

static void default_sleep(void *ud, int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	(void)ud;
	while (nanosleep(&ts, &ts) != 0)
		;
}

static int dup_opt(const char *s, char **ret)
{
	*ret = NULL;
	if (!s || !*s)
		return IT_OK;
	*ret = strdup(s);
	return *ret ? IT_OK : IT_ENOMEM;
}

static int valid_role_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("_+=,.@-", c)))
			return 0;
	}
	return 1;
}

int aws_ctx_new(const struct aws_ctx_config *cfg, struct aws_ctx **ret)
{
	struct aws_ctx *ctx;
	const char *region;
	int rc;

	if (!cfg)
		return IT_EINVAL;
	if (cfg->member_role && *cfg->member_role && !valid_role_name(cfg->member_role))
		return IT_EINVAL;
	if (cfg->external_id && strlen(cfg->external_id) > 1224)
		return IT_EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return IT_ENOMEM;
	ctx->cfg = *cfg;
	rc = aws_env_copy(cfg->env, &ctx->env);
	if (rc == 0)
		rc = dup_opt(cfg->member_role, &ctx->member_role);
	if (rc == 0)
		rc = dup_opt(cfg->external_id, &ctx->external_id);
	if (rc == 0)
		rc = dup_opt(cfg->container_host ? cfg->container_host : "http://169.254.170.2",
			     &ctx->container_host);
	if (rc)
		goto fail;
	ctx->cfg.env = &ctx->env;
	ctx->cfg.member_role = ctx->member_role;
	ctx->cfg.external_id = ctx->external_id;
	ctx->cfg.container_host = ctx->container_host;
	ctx->cfg.transport = NULL;
	ctx->cfg.credentials = NULL;
	if (ctx->cfg.role_duration_s <= 0)
		ctx->cfg.role_duration_s = 3600;
	if (ctx->cfg.max_attempts <= 0)
		ctx->cfg.max_attempts = 4;
	if (ctx->cfg.backoff_base_ms <= 0)
		ctx->cfg.backoff_base_ms = 100;
	if (ctx->cfg.backoff_cap_ms <= 0)
		ctx->cfg.backoff_cap_ms = 20000;
	if (ctx->cfg.timeout_ms <= 0)
		ctx->cfg.timeout_ms = 10000;
	if (ctx->cfg.connect_timeout_ms <= 0)
		ctx->cfg.connect_timeout_ms = 3000;
	if (!ctx->cfg.sleep_ms)
		ctx->cfg.sleep_ms = default_sleep;
	if (!ctx->cfg.random)
		ctx->cfg.random = backoff_random;
	region = aws_env_get(&ctx->env, AWS_ENV_REGION);
	if (!region)
		region = aws_env_get(&ctx->env, AWS_ENV_DEFAULT_REGION);
	if (!region || !valid_region(region))
		region = "us-east-1";
	snprintf(ctx->home_region, sizeof(ctx->home_region), "%s", region);

	if (cfg->transport) {
		ctx->transport = *cfg->transport;
	} else {
		rc = aws_transport_curl_new(&ctx->transport);
		if (rc)
			goto fail;
		ctx->own_transport = 1;
	}
	/* last: the provider may keep ctx and read its settings */
	if (cfg->credentials) {
		rc = cfg->credentials(ctx, &ctx->creds);
		if (rc)
			goto fail;
		ctx->have_creds = 1;
	}
	*ret = ctx;
	return IT_OK;
fail:
	aws_ctx_free(ctx);
	return rc;
}

void aws_ctx_free(struct aws_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->have_creds && ctx->creds.free)
		ctx->creds.free(ctx->creds.ctx);
	if (ctx->own_transport)
		aws_transport_curl_free(&ctx->transport);
	aws_env_finish(&ctx->env);
	free(ctx->member_role);
	if (ctx->external_id)
		memset(ctx->external_id, 0, strlen(ctx->external_id));
	free(ctx->external_id);
	free(ctx->container_host);
	free(ctx);
}

const struct aws_env *aws_ctx_env(const struct aws_ctx *ctx)
{
	return &ctx->env;
}

const struct logger *aws_ctx_log(const struct aws_ctx *ctx)
{
	return ctx->cfg.log;
}

int64_t aws_ctx_now_ms(const struct aws_ctx *ctx)
{
	return clock_now_ms(ctx->cfg.clock);
}

const struct aws_credentials_provider *aws_ctx_credentials(const struct aws_ctx *ctx)
{
	return ctx->have_creds ? &ctx->creds : NULL;
}

const struct aws_ctx_config *aws_ctx_config(const struct aws_ctx *ctx)
{
	return &ctx->cfg;
}

const char *aws_ctx_home_region(const struct aws_ctx *ctx)
{
	return ctx->home_region;
}

/* ---- calls ---- */

int aws_http_send(struct aws_ctx *ctx, const struct aws_http_request *req,
		  struct aws_http_response *resp)
{
	resp->status = 0;
	resp->request_id[0] = resp->error_type[0] = '\0';
	buf_reset(&resp->body);
	return ctx->transport.send(ctx->transport.ctx, req, resp);
}

#define CALL_HEADERS (IT_AWS_MAX_HEADERS + 8)

struct wire {
	char *lines[CALL_HEADERS];
	size_t n;
};

static void wire_finish(struct wire *w)
{
	for (size_t i = 0; i < w->n; i++) {
		/* the Authorization and token lines are credentials-derived: wipe them */
		memset(w->lines[i], 0, strlen(w->lines[i]));
		free(w->lines[i]);
	}
	w->n = 0;
}

static int wire_add(struct wire *w, const char *name, const char *value)
{
	struct buf b;
	int rc;
	if (w->n >= CALL_HEADERS)
		return IT_ETOOBIG;
	buf_init(&b, IT_AWS_MAX_HEADER_LEN);
	rc = buf_printf(&b, "%s: %s", name, value);
	if (rc == 0) {
		w->lines[w->n] = buf_take(&b, NULL);
		if (!w->lines[w->n])
			rc = IT_ENOMEM;
		else
			w->n++;
	}
	buf_finish(&b);
	return rc;
}

/* Host, path on the wire, and the path to sign, per service and style. */
static int call_target(const struct aws_endpoint *ep, const struct aws_call *call, char *host,
		       size_t host_size, struct buf *sign_path, struct buf *url)
{
	int rc, n;
	/* dotted bucket names break the *.s3 wildcard certificate: path style for them */
	int path_style = call->bucket && (ep->overridden || strchr(call->bucket, '.'));

	if (call->bucket && !path_style)
		n = snprintf(host, host_size, "%s.%s", call->bucket, ep->host);
	else
		n = snprintf(host, host_size, "%s", ep->host);
	if (n < 0 || (size_t)n >= host_size)
		return IT_EINVAL;
	rc = buf_puts(sign_path, ep->base_path);
	if (rc == 0 && path_style)
		rc = buf_printf(sign_path, "/%s", call->bucket);
	if (rc == 0)
		rc = buf_puts(sign_path, call->path);
	if (rc == 0)
		rc = buf_printf(url, "%s://%s", ep->scheme, host);
	/* S3 keys are encoded once on the wire and signed raw (SIGV4_S3); the other
	 * services' paths are fixed ASCII and go out as they are */
	if (rc == 0 && call->service == AWS_SVC_S3)
		rc = sigv4_uri_encode(url, sign_path->data, sign_path->len, 1);
	else if (rc == 0)
		rc = buf_append(url, sign_path->data, sign_path->len);
	if (rc == 0 && call->query && *call->query)
		rc = buf_printf(url, "?%s", call->query);
	return rc;
}

static int attempt(struct aws_ctx *ctx, const struct aws_call *call, const char *host,
		   const char *sign_path, const char *url, const struct sigv4_credentials *creds,
		   struct aws_http_response *resp)
{
	struct sigv4_header sh[IT_AWS_MAX_HEADERS];
	struct sigv4_input in;
	struct sigv4_output out;
	struct aws_http_request req;
	struct wire w;
	size_t n = 0;
	int rc;

	memset(&out, 0, sizeof(out));
	memset(&w, 0, sizeof(w));
	if (call->n_extra + 3 > IT_AWS_MAX_HEADERS)
		return IT_EINVAL;
	sh[n++] = (struct sigv4_header){"Host", host};
	if (call->content_type)
		sh[n++] = (struct sigv4_header){"Content-Type", call->content_type};
	if (call->target)
		sh[n++] = (struct sigv4_header){"X-Amz-Target", call->target};
	for (size_t i = 0; i < call->n_extra; i++)
		sh[n++] = call->extra[i];

	rc = IT_OK;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = wire_add(&w, sh[i].name, sh[i].value);
	if (rc == 0 && !call->unsigned_call) {
		memset(&in, 0, sizeof(in));
		in.method = call->method;
		in.path = sign_path;
		in.query = call->query;
		in.headers = sh;
		in.n_headers = n;
		in.payload = call->body;
		in.payload_len = call->body_len;
		in.creds = creds;
		in.region = call->region;
		in.service = aws_service_names[call->service];
		in.time_ms = aws_ctx_now_ms(ctx);
		in.flags = (call->service == AWS_SVC_S3 ? SIGV4_S3 : 0) |
			   (call->content_sha256 ? SIGV4_CONTENT_SHA256 : 0);
		rc = sigv4_sign(&in, &out);
		if (rc == 0)
			rc = wire_add(&w, "X-Amz-Date", out.amz_date);
		if (rc == 0 && creds->session_token[0])
			rc = wire_add(&w, "X-Amz-Security-Token", creds->session_token);
		if (rc == 0 && call->content_sha256)
			rc = wire_add(&w, "x-amz-content-sha256", out.payload_hash);
		if (rc == 0)
			rc = wire_add(&w, "Authorization", out.authorization);
	}
	if (rc == 0) {
		memset(&req, 0, sizeof(req));
		req.method = call->method;
		req.url = url;
		req.headers = (const char *const *)w.lines;
		req.n_headers = w.n;
		req.body = call->body;
		req.body_len = call->body_len;
		req.timeout_ms = aws_ctx_config(ctx)->timeout_ms;
		req.connect_timeout_ms = aws_ctx_config(ctx)->connect_timeout_ms;
		req.max_response = call->max_response ? call->max_response : IT_MAX_AWS_RESPONSE;
		rc = aws_http_send(ctx, &req, resp);
	}
	sigv4_output_finish(&out);
	wire_finish(&w);
	return rc;
}

/* The credentials of one attempt: the call's own, or the provider's. */
static int call_creds(struct aws_ctx *ctx, const struct aws_call *call,
		      struct sigv4_credentials *ret, struct aws_error *err)
{
	if (call->creds) {
		*ret = *call->creds;
		return IT_OK;
	}
	if (!ctx->have_creds)
		return aws_error_set(err, IT_EAUTH, "no credentials provider");
	return ctx->creds.get(ctx->creds.ctx, call->account, call->region, ret, err);
}

int aws_call(struct aws_ctx *ctx, const struct aws_call *call, struct buf *ret_body,
	     struct aws_error *err)
{
	const struct aws_ctx_config *cfg = aws_ctx_config(ctx);
	struct aws_endpoint ep;
	struct aws_error e;
	struct aws_http_response resp;
	struct sigv4_credentials creds;
	struct buf sign_path, url;
	char host[512];
	int rc, refreshed = 0, tries = 0;

	memset(&e, 0, sizeof(e));
	memset(&creds, 0, sizeof(creds));
	buf_init(&sign_path, IT_AWS_MAX_URL);
	buf_init(&url, IT_AWS_MAX_URL);
	buf_init(&resp.body, call->max_response ? call->max_response : IT_MAX_AWS_RESPONSE);

	if (!call->method || !call->path || call->path[0] != '/' || call->service < 0 ||
	    call->service >= AWS_SVC__MAX) {
		rc = aws_error_set(&e, IT_EINVAL, "bad call");
		goto out;
	}
	rc = aws_endpoint_resolve(&ctx->env, call->service, call->region, &ep);
	if (rc) {
		aws_error_set(&e, rc, "no endpoint for %s in region", aws_service_names[call->service]);
		goto out;
	}
	rc = call_target(&ep, call, host, sizeof(host), &sign_path, &url);
	if (rc) {
		aws_error_set(&e, rc, "request target too long");
		goto out;
	}
	for (;;) {
		tries++;
		e.attempts = tries;
		if (!call->unsigned_call) {
			rc = call_creds(ctx, call, &creds, &e);
			if (rc)
				goto out;
		}
		e.code[0] = e.message[0] = e.request_id[0] = '\0';
		e.http_status = 0;
		rc = attempt(ctx, call, host, buf_str(&sign_path), buf_str(&url), &creds, &resp);
		if (rc == IT_OK) {
			e.http_status = resp.status;
			snprintf(e.request_id, sizeof(e.request_id), "%s", resp.request_id);
			if (resp.status >= 200 && resp.status < 300) {
				*ret_body = resp.body;
				buf_init(&resp.body, 0);
				break;
			}
			aws_parse_error_body(call->kind, resp.body.data, resp.body.len,
					     resp.error_type, &e);
			if (!e.request_id[0])
				snprintf(e.request_id, sizeof(e.request_id), "%s", resp.request_id);
			rc = aws_classify(resp.status, e.code[0] ? e.code : NULL);
			if (rc == IT_OK)
				rc = IT_EREMOTE;
		} else if (rc == IT_ENETWORK) {
			snprintf(e.message, sizeof(e.message), "no response from %.200s", host);
		}
		log_kv(cfg->log, LOG_DEBUG, NULL, "An AWS call failed.", "italic.aws_service",
		       aws_service_names[call->service], "cloud.region", call->region ? call->region : "",
		       "error.code", e.code[0] ? e.code : status_str(rc), "error.message", e.message,
		       "italic.aws_request_id", e.request_id, NULL);
		/* an assumed-role set can expire between cache check and use: refresh once */
		if (rc == IT_EDENIED && aws_error_expired(e.code) && !refreshed && !call->creds &&
		    !call->unsigned_call && ctx->have_creds) {
			ctx->creds.invalidate(ctx->creds.ctx, call->account);
			refreshed = 1;
			continue;
		}
		if (!status_retryable(rc) || rc == IT_EIO || tries >= cfg->max_attempts)
			goto out;
		cfg->sleep_ms(cfg->sleep_ctx,
			      backoff_ms(tries, cfg->backoff_base_ms, cfg->backoff_cap_ms,
					 cfg->random(cfg->random_ctx)));
	}
	rc = IT_OK;
out:
	sigv4_credentials_wipe(&creds);
	buf_finish(&resp.body);
	buf_finish(&sign_path);
	buf_finish(&url);
	e.status = rc;
	if (rc && err)
		*err = e;
	return rc;
}
