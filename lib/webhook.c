/* webhook.c: signed alert POSTs (see webhook.h). */
#include "webhook.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "parse.h"
#include "status.h"

const char *const webhook_format_names[WEBHOOK_FORMAT__MAX] = {"json", "slack"};
_Static_assert(ARRAY_LEN(webhook_format_names) == WEBHOOK_FORMAT__MAX, "webhook_format_names");

/* ---- URL ---- */

static int host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static int loopback(const char *host)
{
	unsigned char a[16];

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, host, a) == 1) {
		static const unsigned char one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		return memcmp(a, one, 16) == 0 || (memcmp(a, mapped, 12) == 0 && a[12] == 127);
	}
	return 0;
}

int webhook_url_check(const char *url, struct webhook_url *ret, const char **ret_why)
{
	struct webhook_url u;
	const char *p, *auth, *end, *hs, *he, *why = NULL;
	char host[256];
	size_t n;
	int https;

	memset(&u, 0, sizeof(u));
	if (!url || !*url || strlen(url) > IT_WEBHOOK_MAX_URL) {
		why = "must be an https URL of at most 511 bytes";
		goto bad;
	}
	for (p = url; *p; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			why = "must be ASCII without spaces or control characters";
			goto bad;
		}
	}
	if (strchr(url, '#')) {
		why = "must not have a fragment";
		goto bad;
	}
	if (strncmp(url, "https://", 8) == 0) {
		https = 1;
		auth = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		https = 0;
		auth = url + 7;
	} else {
		why = "must start with https:// (http:// only for a loopback address)";
		goto bad;
	}
	end = auth + strcspn(auth, "/?");
	if (memchr(auth, '@', (size_t)(end - auth))) {
		why = "must not carry a user name or password";
		goto bad;
	}
	if (*auth == '[') {
		hs = auth + 1;
		he = memchr(hs, ']', (size_t)(end - hs));
		if (!he) {
			why = "has an unterminated [IPv6] host";
			goto bad;
		}
		p = he + 1;
	} else {
		hs = auth;
		he = memchr(auth, ':', (size_t)(end - auth));
		if (!he)
			he = end;
		for (const char *c = hs; c < he; c++)
			if (!host_char(*c)) {
				why = "has an invalid host name";
				goto bad;
			}
		p = he;
	}
	n = (size_t)(he - hs);
	if (n == 0 || n >= sizeof(host)) {
		why = "has no host";
		goto bad;
	}
	memcpy(host, hs, n);
	host[n] = '\0';
	if (p < end) {
		uint64_t port;
		char digits[8];
		size_t dl = (size_t)(end - p - 1);
		if (*p != ':' || dl == 0 || dl >= sizeof(digits)) {
			why = "has an invalid port";
			goto bad;
		}
		memcpy(digits, p + 1, dl);
		digits[dl] = '\0';
		if (parse_u64(digits, 1, 65535, &port) != IT_OK) {
			why = "has an invalid port";
			goto bad;
		}
	}
	if (!https && !loopback(host)) {
		why = "must use https (plain http is allowed only for a loopback address)";
		goto bad;
	}
	snprintf(u.url, sizeof(u.url), "%s", url);
	snprintf(u.origin, sizeof(u.origin), "%.*s", (int)(end - url), url);
	u.plain_http = !https;
	*ret = u;
	return IT_OK;
bad:
	if (ret_why)
		*ret_why = why;
	return IT_EINVAL;
}

/* ---- signature ---- */

int webhook_sign(const unsigned char *secret, size_t secret_len, int64_t ts, const char *body, size_t len,
		 char out[WEBHOOK_SIG_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	char stamp[24];
	size_t mdlen = 0;
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	int n, rc = IT_ENOMEM;

	if (!secret || secret_len == 0 || ts < 0 || (!body && len))
		return IT_EINVAL;
	n = snprintf(stamp, sizeof(stamp), "%lld.", (long long)ts);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	if (ctx && EVP_MAC_init(ctx, secret, secret_len, params) && EVP_MAC_update(ctx, (unsigned char *)stamp, (size_t)n) &&
	    (len == 0 || EVP_MAC_update(ctx, (const unsigned char *)body, len)) &&
	    EVP_MAC_final(ctx, md, &mdlen, sizeof(md)) && mdlen == 32) {
		memcpy(out, "sha256=", 7);
		for (size_t i = 0; i < 32; i++) {
			out[7 + 2 * i] = hex[md[i] >> 4];
			out[8 + 2 * i] = hex[md[i] & 15];
		}
		out[WEBHOOK_SIG_LEN] = '\0';
		rc = IT_OK;
	}
	OPENSSL_cleanse(md, sizeof(md));
	EVP_MAC_CTX_free(ctx);   /* frees the keyed state, which OpenSSL cleanses */
	EVP_MAC_free(mac);
	return rc;
}

/* ---- answers ---- */

int webhook_retry_after(const char *value, int64_t now_ms, int64_t *ret_at_ms)
{
	uint64_t secs;
	int64_t at;

	if (!value || !*value || strlen(value) > IT_HTTP_MAX_RETRY_AFTER)
		return IT_EINVAL;
	if (value[0] >= '0' && value[0] <= '9') {
		if (parse_u64(value, 0, UINT32_MAX, &secs) != IT_OK)
			return IT_EINVAL;
		at = now_ms + (int64_t)secs * 1000;
	} else {
		/* an HTTP-date: "Sun, 06 Nov 1994 08:49:37 GMT" (libcurl reads all three forms) */
		time_t t = curl_getdate(value, NULL);
		if (t < 0)
			return IT_EINVAL;
		at = (int64_t)t * 1000;
	}
	if (at < now_ms + 1000)
		at = now_ms + 1000;
	if (at > now_ms + IT_WEBHOOK_RETRY_AFTER_MAX_MS)
		at = now_ms + IT_WEBHOOK_RETRY_AFTER_MAX_MS;
	*ret_at_ms = at;
	return IT_OK;
}

/* The first bytes of an answer, with anything but printable ASCII made '?'. */
static void answer_of(const char *body, size_t len, char *out, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; body && i < len && k + 1 < n; i++) {
		unsigned char c = (unsigned char)body[i];
		out[k++] = c >= 0x20 && c < 0x7f ? (char)c : (c == '\n' || c == '\r' || c == '\t') ? ' ' : '?';
	}
	out[k] = '\0';
}

void webhook_classify(int send_rc, long status, const char *retry_after, const char *body, size_t len,
		      int64_t now_ms, struct webhook_result *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (send_rc != IT_OK) {
		ret->outcome = WEBHOOK_RETRY;
		snprintf(ret->error, sizeof(ret->error), "no answer: %s",
			 send_rc == IT_ETOOBIG	  ? "answer over the size limit"
			 : send_rc == IT_ENETWORK ? "connection failed or timed out"
						  : status_str(send_rc));
		return;
	}
	ret->status = status;
	answer_of(body, len, ret->answer, sizeof(ret->answer));
	if (status >= 200 && status < 300) {
		ret->outcome = WEBHOOK_DONE;
		return;
	}
	if (status == 408 || status == 429 || (status >= 500 && status < 600)) {
		ret->outcome = WEBHOOK_RETRY;
		if (webhook_retry_after(retry_after, now_ms, &ret->retry_at) != IT_OK)
			ret->retry_at = 0;
	} else {
		ret->outcome = WEBHOOK_FAILED;
	}
	snprintf(ret->error, sizeof(ret->error), "HTTP %ld%s%s", status, ret->answer[0] ? ": " : "", ret->answer);
}

int webhook_post(const struct webhook_target *t, const char *event, int64_t delivery_id, const char *body,
		 size_t len, int64_t now_ms, struct webhook_result *ret)
{
	char sig[WEBHOOK_SIG_LEN + 1], h_ts[48], h_sig[40 + WEBHOOK_SIG_LEN], h_event[48], h_id[48];
	const char *headers[6];
	struct aws_http_request req;
	struct aws_http_response resp;
	size_t nh = 0;
	int64_t ts = now_ms / 1000;
	int rc;

	memset(ret, 0, sizeof(*ret));
	if (!t || !t->url || !t->transport || !t->transport->send || !body || !event || strlen(event) > 16)
		return IT_EINVAL;
	headers[nh++] = "Content-Type: application/json";
	if (t->secret) {
		rc = webhook_sign(t->secret, t->secret_len, ts, body, len, sig);
		if (rc)
			return rc;
		snprintf(h_ts, sizeof(h_ts), "X-Italic-Timestamp: %lld", (long long)ts);
		snprintf(h_sig, sizeof(h_sig), "X-Italic-Signature: %s", sig);
		headers[nh++] = h_ts;
		headers[nh++] = h_sig;
	}
	snprintf(h_event, sizeof(h_event), "X-Italic-Event: %s", event);
	headers[nh++] = h_event;
	if (delivery_id > 0) {
		snprintf(h_id, sizeof(h_id), "X-Italic-Delivery: %lld", (long long)delivery_id);
		headers[nh++] = h_id;
	}
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = t->url->url;
	req.headers = headers;
	req.n_headers = nh;
	req.body = body;
	req.body_len = len;
	req.timeout_ms = IT_WEBHOOK_TIMEOUT_MS;
	req.connect_timeout_ms = 3000;
	req.max_response = IT_WEBHOOK_MAX_RESPONSE;
	memset(&resp, 0, sizeof(resp));
	buf_init(&resp.body, IT_WEBHOOK_MAX_RESPONSE);
	rc = t->transport->send(t->transport->ctx, &req, &resp);
	if (rc == IT_ENOMEM) {
		buf_finish(&resp.body);
		return rc;
	}
	webhook_classify(rc, resp.status, resp.retry_after, resp.body.data, resp.body.len, now_ms, ret);
	buf_finish(&resp.body);
	return IT_OK;
}
