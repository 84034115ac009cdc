/* aws_http.c: client context, endpoints, libcurl transport, retries (see aws_http.h). */
#include "aws_http.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws_creds.h"
#include "aws_xml.h"
#include "parse.h"
#include "partition.h"
#include "status.h"

const char *const aws_env_names[AWS_ENV__MAX] = {
	[AWS_ENV_ACCESS_KEY_ID] = "AWS_ACCESS_KEY_ID",
	[AWS_ENV_SECRET_ACCESS_KEY] = "AWS_SECRET_ACCESS_KEY",
	[AWS_ENV_SESSION_TOKEN] = "AWS_SESSION_TOKEN",
	[AWS_ENV_REGION] = "AWS_REGION",
	[AWS_ENV_DEFAULT_REGION] = "AWS_DEFAULT_REGION",
	[AWS_ENV_PROFILE] = "AWS_PROFILE",
	[AWS_ENV_SHARED_CREDENTIALS_FILE] = "AWS_SHARED_CREDENTIALS_FILE",
	[AWS_ENV_HOME] = "HOME",
	[AWS_ENV_WEB_IDENTITY_TOKEN_FILE] = "AWS_WEB_IDENTITY_TOKEN_FILE",
	[AWS_ENV_ROLE_ARN] = "AWS_ROLE_ARN",
	[AWS_ENV_ROLE_SESSION_NAME] = "AWS_ROLE_SESSION_NAME",
	[AWS_ENV_CONTAINER_RELATIVE_URI] = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	[AWS_ENV_CONTAINER_FULL_URI] = "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	[AWS_ENV_CONTAINER_AUTH_TOKEN] = "AWS_CONTAINER_AUTHORIZATION_TOKEN",
	[AWS_ENV_CONTAINER_AUTH_TOKEN_FILE] = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	[AWS_ENV_EC2_METADATA_DISABLED] = "AWS_EC2_METADATA_DISABLED",
	[AWS_ENV_EC2_METADATA_ENDPOINT] = "AWS_EC2_METADATA_SERVICE_ENDPOINT",
	[AWS_ENV_ENDPOINT_URL] = "AWS_ENDPOINT_URL",
	[AWS_ENV_ENDPOINT_URL_STS] = "AWS_ENDPOINT_URL_STS",
	[AWS_ENV_ENDPOINT_URL_EC2] = "AWS_ENDPOINT_URL_EC2",
	[AWS_ENV_ENDPOINT_URL_CONFIG_SERVICE] = "AWS_ENDPOINT_URL_CONFIG_SERVICE",
	[AWS_ENV_ENDPOINT_URL_SECURITYHUB] = "AWS_ENDPOINT_URL_SECURITYHUB",
	[AWS_ENV_ENDPOINT_URL_S3] = "AWS_ENDPOINT_URL_S3",
};

const char *const aws_service_names[AWS_SVC__MAX] = {
	[AWS_SVC_STS] = "sts",
	[AWS_SVC_EC2] = "ec2",
	[AWS_SVC_CONFIG] = "config",
	[AWS_SVC_SECURITYHUB] = "securityhub",
	[AWS_SVC_S3] = "s3",
};

static const enum aws_env_var service_override[AWS_SVC__MAX] = {
	[AWS_SVC_STS] = AWS_ENV_ENDPOINT_URL_STS,
	[AWS_SVC_EC2] = AWS_ENV_ENDPOINT_URL_EC2,
	[AWS_SVC_CONFIG] = AWS_ENV_ENDPOINT_URL_CONFIG_SERVICE,
	[AWS_SVC_SECURITYHUB] = AWS_ENV_ENDPOINT_URL_SECURITYHUB,
	[AWS_SVC_S3] = AWS_ENV_ENDPOINT_URL_S3,
};

struct aws_ctx {
	struct aws_ctx_config cfg;       /* string members point into the copies below */
	struct aws_env env;
	struct aws_transport transport;
	struct aws_creds *creds;
	char *member_role;
	char *external_id;
	char *container_host;
	char home_region[32];
	CURLSH *share;
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
	int curl_inited;
};

/* ---- environment ---- */

int aws_env_load(struct aws_env *env, const char *(*get)(void *, const char *), void *get_ctx)
{
	struct aws_env tmp;
	int rc = IT_OK;

	memset(&tmp, 0, sizeof(tmp));
	for (int i = 0; i < AWS_ENV__MAX && rc == 0; i++) {
		const char *v = get ? get(get_ctx, aws_env_names[i]) : NULL;
		if (!v || !*v)
			continue;
		if (strlen(v) > IT_AWS_MAX_ENV) {
			rc = IT_ETOOBIG;
			break;
		}
		tmp.v[i] = strdup(v);
		if (!tmp.v[i])
			rc = IT_ENOMEM;
	}
	if (rc) {
		aws_env_finish(&tmp);
		return rc;
	}
	*env = tmp;
	return IT_OK;
}

void aws_env_finish(struct aws_env *env)
{
	if (!env)
		return;
	for (int i = 0; i < AWS_ENV__MAX; i++) {
		free(env->v[i]);
		env->v[i] = NULL;
	}
}

const char *aws_env_get(const struct aws_env *env, enum aws_env_var var)
{
	if (!env || var < 0 || var >= AWS_ENV__MAX)
		return NULL;
	return env->v[var];
}

const char *aws_env_getenv(void *get_ctx, const char *name)
{
	(void)get_ctx;
	return getenv(name);
}

/* ---- endpoints ---- */

/* The partition table lives in partition.c (a pure domain module). */
const char *aws_partition(const char *region)
{
	return partition_of(region);
}

static int parse_endpoint_url(const char *url, struct aws_endpoint *ep)
{
	const char *rest, *slash;
	size_t hl;

	if (!strncmp(url, "https://", 8)) {
		snprintf(ep->scheme, sizeof(ep->scheme), "https");
		rest = url + 8;
	} else if (!strncmp(url, "http://", 7)) {
		snprintf(ep->scheme, sizeof(ep->scheme), "http");
		rest = url + 7;
	} else {
		return IT_EINVAL;
	}
	slash = strchr(rest, '/');
	hl = slash ? (size_t)(slash - rest) : strlen(rest);
	if (hl == 0 || hl >= sizeof(ep->host) || memchr(rest, '@', hl) || memchr(rest, '?', hl))
		return IT_EINVAL;
	memcpy(ep->host, rest, hl);
	ep->host[hl] = '\0';
	ep->base_path[0] = '\0';
	if (slash) {
		size_t pl = strlen(slash);
		while (pl > 0 && slash[pl - 1] == '/')
			pl--;
		if (pl >= sizeof(ep->base_path) || memchr(slash, '?', pl) || memchr(slash, '#', pl))
			return IT_EINVAL;
		memcpy(ep->base_path, slash, pl);
		ep->base_path[pl] = '\0';
	}
	return IT_OK;
}

int aws_endpoint_resolve(const struct aws_env *env, enum aws_service svc, const char *region,
			 struct aws_endpoint *ret)
{
	struct aws_endpoint ep;
	const char *partition = aws_partition(region), *url;
	int n;

	if (svc < 0 || svc >= AWS_SVC__MAX || !partition)
		return IT_EINVAL;
	memset(&ep, 0, sizeof(ep));
	url = aws_env_get(env, service_override[svc]);
	if (!url)
		url = aws_env_get(env, AWS_ENV_ENDPOINT_URL);
	if (url) {
		if (parse_endpoint_url(url, &ep) != IT_OK)
			return IT_EINVAL;
		ep.overridden = 1;
		*ret = ep;
		return IT_OK;
	}
	snprintf(ep.scheme, sizeof(ep.scheme), "https");
	n = snprintf(ep.host, sizeof(ep.host), "%s.%s.%s", aws_service_names[svc], region,
		     !strcmp(partition, "aws-cn") ? "amazonaws.com.cn" : "amazonaws.com");
	if (n < 0 || (size_t)n >= sizeof(ep.host))
		return IT_EINVAL;
	*ret = ep;
	return IT_OK;
}

/* ---- libcurl transport ---- */

struct curl_sink {
	struct aws_http_response *resp;
	size_t max;
	int too_big;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct curl_sink *s = ud;
	size_t n = size * nmemb;
	if (s->resp->body.len + n > s->max || buf_append(&s->resp->body, data, n) != IT_OK) {
		s->too_big = 1;
		return 0;
	}
	return n;
}

static void header_value(const char *line, size_t len, size_t name_len, char *out, size_t size,
			 int cut_colon)
{
	const char *v = line + name_len;
	size_t n = len - name_len;
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	if (cut_colon) {
		const char *c = memchr(v, ':', n);
		if (c)
			n = (size_t)(c - v);
	}
	if (n >= size)
		n = size - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
	struct curl_sink *s = ud;
	size_t n = size * nmemb;
	static const char rid1[] = "x-amzn-requestid:", rid2[] = "x-amz-request-id:",
			  et[] = "x-amzn-errortype:";

	if (n > sizeof(rid1) - 1 && !strncasecmp(line, rid1, sizeof(rid1) - 1))
		header_value(line, n, sizeof(rid1) - 1, s->resp->request_id,
			     sizeof(s->resp->request_id), 0);
	else if (n > sizeof(rid2) - 1 && !strncasecmp(line, rid2, sizeof(rid2) - 1))
		header_value(line, n, sizeof(rid2) - 1, s->resp->request_id,
			     sizeof(s->resp->request_id), 0);
	else if (n > sizeof(et) - 1 && !strncasecmp(line, et, sizeof(et) - 1))
		header_value(line, n, sizeof(et) - 1, s->resp->error_type,
			     sizeof(s->resp->error_type), 1);
	return n;
}

static int curl_send(void *vctx, const struct aws_http_request *req, struct aws_http_response *resp)
{
	struct aws_ctx *ctx = vctx;
	struct curl_sink sink = {resp, req->max_response ? req->max_response : IT_MAX_AWS_RESPONSE, 0};
	struct curl_slist *list = NULL, *tmp;
	CURL *h;
	CURLcode cc;
	long status = 0;
	int rc = IT_OK, has_ct = 0;

	h = curl_easy_init();
	if (!h)
		return IT_ENOMEM;
	for (size_t i = 0; i < req->n_headers; i++) {
		has_ct |= !strncasecmp(req->headers[i], "content-type:", 13);
		tmp = curl_slist_append(list, req->headers[i]);
		if (!tmp) {
			rc = IT_ENOMEM;
			goto out;
		}
		list = tmp;
	}
	/* no 100-continue round trip, and no Content-Type libcurl would invent */
	tmp = curl_slist_append(list, "Expect:");
	if (tmp)
		list = tmp;
	if (!has_ct && tmp) {
		tmp = curl_slist_append(list, "Content-Type:");
		if (tmp)
			list = tmp;
	}
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 10000L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 3000L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "italic");
	if (ctx->share)
		curl_easy_setopt(h, CURLOPT_SHARE, ctx->share);
	if (!strcmp(req->method, "GET")) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : (const void *)"");
		if (strcmp(req->method, "POST") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	}
	cc = curl_easy_perform(h);
	if (sink.too_big) {
		rc = IT_ETOOBIG;
	} else if (cc != CURLE_OK) {
		rc = cc == CURLE_OUT_OF_MEMORY ? IT_ENOMEM : IT_ENETWORK;
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		resp->status = status;
	}
out:
	curl_slist_free_all(list);
	curl_easy_cleanup(h);
	return rc;
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud)
{
	struct aws_ctx *ctx = ud;
	(void)h;
	(void)access;
	if (data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&ctx->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
	struct aws_ctx *ctx = ud;
	(void)h;
	if (data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&ctx->share_locks[data]);
}

/* ---- context ---- */

static void default_sleep(void *ud, int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	(void)ud;
	while (nanosleep(&ts, &ts) != 0)
		;
}

static uint64_t default_random(void *ud)
{
	uint64_t r = 0;
	(void)ud;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (uint64_t)clock_mono_us();
	return r;
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
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&ctx->share_locks[i], NULL);
	ctx->cfg = *cfg;
	rc = IT_OK;
	for (int i = 0; i < AWS_ENV__MAX && rc == 0 && cfg->env; i++)
		rc = dup_opt(cfg->env->v[i], &ctx->env.v[i]);
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
		ctx->cfg.random = default_random;
	region = aws_env_get(&ctx->env, AWS_ENV_REGION);
	if (!region)
		region = aws_env_get(&ctx->env, AWS_ENV_DEFAULT_REGION);
	if (!region || !valid_region(region))
		region = "us-east-1";
	snprintf(ctx->home_region, sizeof(ctx->home_region), "%s", region);

	if (cfg->transport) {
		ctx->transport = *cfg->transport;
	} else {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			rc = IT_ENOMEM;
			goto fail;
		}
		ctx->curl_inited = 1;
		ctx->share = curl_share_init();
		if (ctx->share) {
			curl_share_setopt(ctx->share, CURLSHOPT_LOCKFUNC, share_lock);
			curl_share_setopt(ctx->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
			curl_share_setopt(ctx->share, CURLSHOPT_USERDATA, ctx);
			curl_share_setopt(ctx->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
			curl_share_setopt(ctx->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
			curl_share_setopt(ctx->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
		}
		ctx->transport.send = curl_send;
		ctx->transport.ctx = ctx;
	}
	rc = aws_creds_new(ctx, &ctx->creds);
	if (rc)
		goto fail;
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
	aws_creds_free(ctx->creds);
	if (ctx->share)
		curl_share_cleanup(ctx->share);
	if (ctx->curl_inited)
		curl_global_cleanup();
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&ctx->share_locks[i]);
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

struct aws_creds *aws_ctx_creds(const struct aws_ctx *ctx)
{
	return ctx->creds;
}

const struct aws_ctx_config *aws_ctx_config(const struct aws_ctx *ctx)
{
	return &ctx->cfg;
}

const char *aws_ctx_home_region(const struct aws_ctx *ctx)
{
	return ctx->home_region;
}

/* ---- pure helpers ---- */

int aws_error_set(struct aws_error *err, int status, const char *fmt, ...)
{
	va_list ap;
	if (!err)
		return status;
	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return status;
}

static int code_in(const char *code, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(code, *list))
			return 1;
	return 0;
}

int aws_classify(long http_status, const char *code)
{
	static const char *const throttle[] = {
		"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
		"TooManyRequestsException", "ProvisionedThroughputExceededException",
		"TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
		"LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
		"EC2ThrottledException", NULL};
	static const char *const server[] = {
		"InternalError", "InternalFailure", "InternalServerError", "InternalException",
		"ServiceUnavailable", "ServiceUnavailableException", "Unavailable",
		"RequestTimeout", "RequestTimeoutException", "IDPCommunicationError", NULL};
	static const char *const denied[] = {
		"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
		"UnrecognizedClientException", "InvalidClientTokenId", "SignatureDoesNotMatch",
		"IncompleteSignature", "MissingAuthenticationToken", "AuthFailure", "ExpiredToken",
		"ExpiredTokenException", "RequestExpired", "InvalidAccessException",
		"InvalidIdentityToken", "OptInRequired", "RegionDisabledException", NULL};
	size_t n;

	if (!code)
		code = "";
	if (code[0] == '\0' && http_status >= 200 && http_status < 300)
		return IT_OK;
	if (code_in(code, throttle) || http_status == 429)
		return IT_ETHROTTLE;
	if (code_in(code, server) || http_status >= 500)
		return IT_ESERVER;
	if (code_in(code, denied) || http_status == 401 || http_status == 403)
		return IT_EDENIED;
	n = strlen(code);
	if ((n > 9 && !strcmp(code + n - 9, ".NotFound")) || !strncmp(code, "NoSuch", 6) ||
	    !strcmp(code, "ResourceNotFoundException") || http_status == 404)
		return IT_ENOTFOUND;
	return IT_EREMOTE;
}

int64_t aws_backoff_ms(int retry, int64_t base_ms, int64_t cap_ms, uint64_t random)
{
	int64_t ceiling;

	if (base_ms < 0)
		base_ms = 0;
	if (cap_ms < 0)
		cap_ms = 0;
	if (retry < 0)
		retry = 0;
	/* base << retry without overflow: stop doubling once the cap is reached */
	ceiling = base_ms;
	for (int i = 0; i < retry && ceiling < cap_ms; i++)
		ceiling *= 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	return (int64_t)(random % ((uint64_t)ceiling + 1));
}

int aws_form_add(struct buf *b, const char *name, const char *value)
{
	int rc = IT_OK;
	if (b->len > 0)
		rc = buf_puts(b, "&");
	if (rc == 0)
		rc = sigv4_uri_encode(b, name, strlen(name), 0);
	if (rc == 0)
		rc = buf_puts(b, "=");
	if (rc == 0)
		rc = sigv4_uri_encode(b, value, strlen(value), 0);
	return rc;
}

void aws_parse_error_body(enum aws_body_kind kind, const char *body, size_t len,
			  const char *error_type_header, struct aws_error *err)
{
	if (!err)
		return;
	if (kind == AWS_BODY_XML) {
		struct aws_xml_error xe;
		if (body && len && aws_xml_parse_error(body, len, &xe) == IT_OK) {
			snprintf(err->code, sizeof(err->code), "%s", xe.code);
			snprintf(err->message, sizeof(err->message), "%s", xe.message);
			if (xe.request_id[0])
				snprintf(err->request_id, sizeof(err->request_id), "%s", xe.request_id);
		}
		return;
	}
	if (body && len && len <= IT_MAX_AWS_RESPONSE) {
		json_error_t je;
		json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
		if (json_is_object(doc)) {
			const char *t = json_string_value(json_object_get(doc, "__type"));
			const char *m = json_string_value(json_object_get(doc, "message"));
			if (!t)
				t = json_string_value(json_object_get(doc, "code"));
			if (!t)
				t = json_string_value(json_object_get(doc, "Code"));
			if (!m)
				m = json_string_value(json_object_get(doc, "Message"));
			if (t) {
				/* "com.amazon.coral.service#ThrottlingException" -> the part after '#' */
				const char *hash = strrchr(t, '#');
				snprintf(err->code, sizeof(err->code), "%s", hash ? hash + 1 : t);
			}
			if (m)
				snprintf(err->message, sizeof(err->message), "%s", m);
		}
		json_decref(doc);
	}
	if (error_type_header && *error_type_header)
		snprintf(err->code, sizeof(err->code), "%s", error_type_header);
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

static int expired_code(const char *code)
{
	return !strcmp(code, "ExpiredToken") || !strcmp(code, "ExpiredTokenException") ||
	       !strcmp(code, "RequestExpired");
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
			if (call->creds) {
				creds = *call->creds;
			} else {
				rc = aws_creds_for(ctx->creds, call->account, call->region, &creds, &e);
				if (rc)
					goto out;
			}
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
		log_kv(cfg->log, LOG_DEBUG, NULL, "aws call failed", "service",
		       aws_service_names[call->service], "region", call->region ? call->region : "",
		       "status", status_str(rc), "code", e.code, "request_id", e.request_id, NULL);
		/* an assumed-role set can expire between cache check and use: refresh once */
		if (rc == IT_EDENIED && expired_code(e.code) && !refreshed && !call->creds &&
		    !call->unsigned_call) {
			aws_creds_invalidate(ctx->creds, call->account);
			refreshed = 1;
			continue;
		}
		if (!status_retryable(rc) || rc == IT_EIO || tries >= cfg->max_attempts)
			goto out;
		cfg->sleep_ms(cfg->sleep_ctx,
			      aws_backoff_ms(tries, cfg->backoff_base_ms, cfg->backoff_cap_ms,
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
