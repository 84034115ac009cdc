/* aws_transport.c: the libcurl transport (see aws_transport.h). */
#include "aws_transport.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "status.h"

/* The transport's state: the share object and the locks libcurl asks for. */
struct curl_transport {
	CURLSH *share;
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
};

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
			  et[] = "x-amzn-errortype:", ra[] = "retry-after:";

	if (n > sizeof(rid1) - 1 && !strncasecmp(line, rid1, sizeof(rid1) - 1))
		header_value(line, n, sizeof(rid1) - 1, s->resp->request_id,
			     sizeof(s->resp->request_id), 0);
	else if (n > sizeof(rid2) - 1 && !strncasecmp(line, rid2, sizeof(rid2) - 1))
		header_value(line, n, sizeof(rid2) - 1, s->resp->request_id,
			     sizeof(s->resp->request_id), 0);
	else if (n > sizeof(et) - 1 && !strncasecmp(line, et, sizeof(et) - 1))
		header_value(line, n, sizeof(et) - 1, s->resp->error_type,
			     sizeof(s->resp->error_type), 1);
	else if (n > sizeof(ra) - 1 && !strncasecmp(line, ra, sizeof(ra) - 1))
		header_value(line, n, sizeof(ra) - 1, s->resp->retry_after,
			     sizeof(s->resp->retry_after), 0);
	return n;
}

static int curl_send(void *vctx, const struct aws_http_request *req, struct aws_http_response *resp)
{
	struct curl_transport *ct = vctx;
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
	if (ct->share)
		curl_easy_setopt(h, CURLOPT_SHARE, ct->share);
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
	struct curl_transport *ct = ud;
	(void)h;
	(void)access;
	if (data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&ct->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
	struct curl_transport *ct = ud;
	(void)h;
	if (data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&ct->share_locks[data]);
}

int aws_transport_curl_new(struct aws_transport *ret)
{
	struct curl_transport *ct;

	ct = calloc(1, sizeof(*ct));
	if (!ct)
		return IT_ENOMEM;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(ct);
		return IT_ENOMEM;
	}
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&ct->share_locks[i], NULL);
	/* without a share object each request still works, only without reuse */
	ct->share = curl_share_init();
	if (ct->share) {
		curl_share_setopt(ct->share, CURLSHOPT_LOCKFUNC, share_lock);
		curl_share_setopt(ct->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
		curl_share_setopt(ct->share, CURLSHOPT_USERDATA, ct);
		curl_share_setopt(ct->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
		curl_share_setopt(ct->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
		curl_share_setopt(ct->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	}
	ret->send = curl_send;
	ret->ctx = ct;
	return IT_OK;
}

void aws_transport_curl_free(struct aws_transport *t)
{
	struct curl_transport *ct;

	if (!t || !t->ctx)
		return;
	ct = t->ctx;
	if (ct->share)
		curl_share_cleanup(ct->share);
	curl_global_cleanup();
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&ct->share_locks[i]);
	free(ct);
	t->send = NULL;
	t->ctx = NULL;
}
