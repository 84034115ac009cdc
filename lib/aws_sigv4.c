/* aws_sigv4.c: SigV4 header signing (see aws_sigv4.h). */
#include "aws_sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "status.h"

/* Sorting needs (name, value) pairs that own their storage: names are lower-cased
 * and values trimmed, so neither can point into the caller's strings. */
struct kv {
	char *name;
	char *value;
};

void sigv4_credentials_wipe(struct sigv4_credentials *c)
{
	if (c)
		OPENSSL_cleanse(c, sizeof(*c));
}

static int copy_field(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= size)
		return IT_ETOOBIG;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
	return IT_OK;
}

int sigv4_credentials_set(struct sigv4_credentials *c, const char *access_key_id,
			  const char *secret_access_key, const char *session_token,
			  int64_t expiration_ms)
{
	struct sigv4_credentials tmp;
	int rc;

	if (!access_key_id || !*access_key_id || !secret_access_key || !*secret_access_key)
		return IT_EINVAL;
	rc = copy_field(tmp.access_key_id, sizeof(tmp.access_key_id), access_key_id);
	if (rc == 0)
		rc = copy_field(tmp.secret_access_key, sizeof(tmp.secret_access_key),
				secret_access_key);
	if (rc == 0)
		rc = copy_field(tmp.session_token, sizeof(tmp.session_token), session_token);
	if (rc == 0) {
		tmp.expiration_ms = expiration_ms;
		memcpy(c, &tmp, sizeof(tmp));
	}
	OPENSSL_cleanse(&tmp, sizeof(tmp));
	return rc;
}

static void hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(data ? data : (const void *)"", len, md);
	hex(md, sizeof(md), out);
}

void sigv4_amz_date(int64_t time_ms, char out[17])
{
	time_t t = (time_t)(time_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	if (strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
		memcpy(out, "19700101T000000Z", 17);
}

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

int sigv4_uri_encode(struct buf *out, const char *s, size_t len, int keep_slash)
{
	static const char digits[] = "0123456789ABCDEF";
	int rc = IT_OK;

	for (size_t i = 0; i < len && rc == 0; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c) || (keep_slash && c == '/')) {
			rc = buf_append(out, &s[i], 1);
		} else {
			char e[3] = {'%', digits[c >> 4], digits[c & 15]};
			rc = buf_append(out, e, 3);
		}
	}
	return rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes [s, s+len) into out; a malformed escape is IT_EINVAL. */
static int uri_decode(struct buf *out, const char *s, size_t len)
{
	int rc = IT_OK;
	for (size_t i = 0; i < len && rc == 0; i++) {
		if (s[i] == '%') {
			int hi, lo;
			if (i + 2 >= len)
				return IT_EINVAL;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return IT_EINVAL;
			char c = (char)(hi * 16 + lo);
			rc = buf_append(out, &c, 1);
			i += 2;
		} else {
			rc = buf_append(out, &s[i], 1);
		}
	}
	return rc;
}

/* RFC 3986 remove_dot_segments plus merging of empty segments, as AWS does for every
 * service but S3. A trailing '/' is kept. */
static int normalize_path(struct buf *out, const char *path)
{
	size_t n = strlen(path);
	size_t *stack = NULL, depth = 0, cap = n / 2 + 2;
	const char *p = path;
	int rc = IT_OK;
	int trailing = n > 0 && path[n - 1] == '/';

	stack = calloc(cap, sizeof(*stack));
	if (!stack)
		return IT_ENOMEM;
	while (*p && rc == 0) {
		const char *seg, *end;
		size_t len;
		while (*p == '/')
			p++;
		seg = p;
		end = strchr(seg, '/');
		len = end ? (size_t)(end - seg) : strlen(seg);
		p = seg + len;
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			if (depth > 0)
				out->len = stack[--depth];
			if (out->data)
				out->data[out->len] = '\0';
			continue;
		}
		stack[depth++] = out->len;
		rc = buf_puts(out, "/");
		if (rc == 0)
			rc = buf_append(out, seg, len);
	}
	if (rc == 0 && (out->len == 0 || trailing))
		rc = buf_puts(out, "/");
	free(stack);
	return rc;
}

static int canonical_uri(struct buf *out, const char *path, unsigned flags)
{
	struct buf norm;
	int rc;

	if (!path || path[0] != '/')
		return IT_EINVAL;
	if (flags & SIGV4_S3)
		return sigv4_uri_encode(out, path, strlen(path), 1);
	buf_init(&norm, IT_AWS_MAX_CANONICAL);
	rc = normalize_path(&norm, path);
	if (rc == 0)
		rc = sigv4_uri_encode(out, buf_str(&norm), norm.len, 1);
	buf_finish(&norm);
	return rc;
}

static int kv_cmp(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->value, y->value);
}

static void kv_free(struct kv *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

/* Decodes then re-encodes one query component so raw and encoded input agree. */
static int query_component(const char *s, size_t len, char **ret)
{
	struct buf dec, enc;
	int rc;

	buf_init(&dec, IT_AWS_MAX_CANONICAL);
	buf_init(&enc, IT_AWS_MAX_CANONICAL);
	rc = uri_decode(&dec, s, len);
	if (rc == 0)
		rc = sigv4_uri_encode(&enc, buf_str(&dec), dec.len, 0);
	if (rc == 0 && !enc.data)
		rc = buf_puts(&enc, "");
	if (rc == 0)
		*ret = buf_take(&enc, NULL);
	buf_finish(&dec);
	buf_finish(&enc);
	return rc;
}

static int canonical_query(struct buf *out, const char *query)
{
	struct kv *pairs = NULL;
	size_t n = 0, cap = 1;
	const char *p;
	int rc = IT_OK;

	if (!query || !*query)
		return IT_OK;
	for (p = query; *p; p++)
		cap += *p == '&';
	pairs = calloc(cap, sizeof(*pairs));
	if (!pairs)
		return IT_ENOMEM;
	p = query;
	while (*p && rc == 0) {
		const char *end = strchr(p, '&'), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > 0) {
			eq = memchr(p, '=', len);
			size_t nlen = eq ? (size_t)(eq - p) : len;
			rc = query_component(p, nlen, &pairs[n].name);
			if (rc == 0)
				rc = query_component(eq ? eq + 1 : "", eq ? len - nlen - 1 : 0,
						     &pairs[n].value);
			n++;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	if (rc == 0) {
		qsort(pairs, n, sizeof(*pairs), kv_cmp);
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = buf_printf(out, "%s%s=%s", i ? "&" : "", pairs[i].name, pairs[i].value);
	}
	kv_free(pairs, n);
	return rc;
}

/* Lower-cased name and a value trimmed with inner whitespace runs collapsed. */
static int header_kv(const char *name, const char *value, struct kv *ret)
{
	size_t nl = strlen(name), vl = strlen(value), o = 0;
	char *n = malloc(nl + 1), *v = malloc(vl + 1);
	int space = 0;

	if (!n || !v) {
		free(n);
		free(v);
		return IT_ENOMEM;
	}
	for (size_t i = 0; i < nl; i++)
		n[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] + 32) : name[i];
	n[nl] = '\0';
	for (size_t i = 0; i < vl; i++) {
		char c = value[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = 1;
			continue;
		}
		if (space && o > 0)
			v[o++] = ' ';
		space = 0;
		v[o++] = c;
	}
	v[o] = '\0';
	ret->name = n;
	ret->value = v;
	return IT_OK;
}

static int kv_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->name, ((const struct kv *)b)->name);
}

/* Canonical headers block and the SignedHeaders list. Stable order for repeated
 * names: values are joined in the order given, as AWS requires. */
static int canonical_headers(const struct sigv4_input *in, const char *amz_date,
			     const char *payload_hash, struct buf *headers, struct buf *signed_list)
{
	size_t total = in->n_headers + 3, n = 0;
	struct kv *h;
	int rc = IT_OK, have_host = 0;

	if (in->n_headers > IT_AWS_MAX_HEADERS)
		return IT_ETOOBIG;
	h = calloc(total, sizeof(*h));
	if (!h)
		return IT_ENOMEM;
	for (size_t i = 0; i < in->n_headers && rc == 0; i++) {
		if (!in->headers[i].name || !in->headers[i].value || !*in->headers[i].name) {
			rc = IT_EINVAL;
			break;
		}
		rc = header_kv(in->headers[i].name, in->headers[i].value, &h[n]);
		if (rc == 0) {
			/* the signer owns these three; a caller copy would be signed twice */
			if (!strcmp(h[n].name, "x-amz-date") ||
			    !strcmp(h[n].name, "x-amz-security-token") ||
			    ((in->flags & SIGV4_CONTENT_SHA256) &&
			     !strcmp(h[n].name, "x-amz-content-sha256"))) {
				free(h[n].name);
				free(h[n].value);
				continue;
			}
			have_host |= !strcmp(h[n].name, "host");
			n++;
		}
	}
	if (rc == 0 && !have_host)
		rc = IT_EINVAL;
	if (rc == 0)
		rc = header_kv("x-amz-date", amz_date, &h[n]);
	if (rc == 0) {
		n++;
		if (in->creds->session_token[0]) {
			rc = header_kv("x-amz-security-token", in->creds->session_token, &h[n]);
			if (rc == 0)
				n++;
		}
	}
	if (rc == 0 && (in->flags & SIGV4_CONTENT_SHA256)) {
		rc = header_kv("x-amz-content-sha256", payload_hash, &h[n]);
		if (rc == 0)
			n++;
	}
	if (rc == 0) {
		/* insertion sort: stable, so repeated names keep their order */
		for (size_t i = 1; i < n; i++) {
			struct kv t = h[i];
			size_t j = i;
			while (j > 0 && kv_name_cmp(&h[j - 1], &t) > 0) {
				h[j] = h[j - 1];
				j--;
			}
			h[j] = t;
		}
		for (size_t i = 0; i < n && rc == 0; i++) {
			int repeat = i > 0 && !strcmp(h[i].name, h[i - 1].name);
			int last = i + 1 == n || strcmp(h[i].name, h[i + 1].name) != 0;
			if (repeat)
				rc = buf_printf(headers, ",%s", h[i].value);
			else
				rc = buf_printf(headers, "%s:%s", h[i].name, h[i].value);
			if (rc == 0 && last)
				rc = buf_puts(headers, "\n");
			if (rc == 0 && !repeat)
				rc = buf_printf(signed_list, "%s%s", i ? ";" : "", h[i].name);
		}
	}
	kv_free(h, n);
	return rc;
}

static int hmac(const void *key, size_t key_len, const char *msg, size_t msg_len,
		unsigned char out[32])
{
	unsigned int len = 32;
	if (!HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, msg_len, out, &len))
		return IT_ENOMEM;
	return IT_OK;
}

void sigv4_output_finish(struct sigv4_output *out)
{
	if (!out)
		return;
	free(out->canonical_request);
	free(out->string_to_sign);
	free(out->authorization);
	out->canonical_request = out->string_to_sign = out->authorization = NULL;
}

int sigv4_sign(const struct sigv4_input *in, struct sigv4_output *ret)
{
	struct sigv4_output o;
	struct buf creq, hdrs, signed_list, sts, auth;
	char date[9], creq_hash[65], scope[256];
	unsigned char k[32], sig[32];
	char secret[IT_AWS_MAX_SECRET + 8];
	int rc, n;

	memset(&o, 0, sizeof(o));
	if (!in || !in->method || !in->creds || !in->region || !in->service ||
	    !in->creds->access_key_id[0] || !in->creds->secret_access_key[0])
		return IT_EINVAL;
	buf_init(&creq, IT_AWS_MAX_CANONICAL);
	buf_init(&hdrs, IT_AWS_MAX_CANONICAL);
	buf_init(&signed_list, IT_AWS_MAX_CANONICAL);
	buf_init(&sts, IT_AWS_MAX_CANONICAL);
	buf_init(&auth, IT_AWS_MAX_CANONICAL);

	sigv4_amz_date(in->time_ms, o.amz_date);
	memcpy(date, o.amz_date, 8);
	date[8] = '\0';
	if (in->payload_hash) {
		if (strlen(in->payload_hash) >= sizeof(o.payload_hash)) {
			rc = IT_EINVAL;
			goto fail;
		}
		memcpy(o.payload_hash, in->payload_hash, strlen(in->payload_hash) + 1);
	} else {
		sigv4_sha256_hex(in->payload, in->payload_len, o.payload_hash);
	}

	rc = buf_printf(&creq, "%s\n", in->method);
	if (rc == 0)
		rc = canonical_uri(&creq, in->path, in->flags);
	if (rc == 0)
		rc = buf_puts(&creq, "\n");
	if (rc == 0)
		rc = canonical_query(&creq, in->query);
	if (rc == 0)
		rc = buf_puts(&creq, "\n");
	if (rc == 0)
		rc = canonical_headers(in, o.amz_date, o.payload_hash, &hdrs, &signed_list);
	if (rc == 0)
		rc = buf_printf(&creq, "%s\n%s\n%s", buf_str(&hdrs), buf_str(&signed_list),
				o.payload_hash);
	if (rc)
		goto fail;

	sigv4_sha256_hex(creq.data, creq.len, creq_hash);
	n = snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", date, in->region, in->service);
	if (n < 0 || (size_t)n >= sizeof(scope)) {
		rc = IT_ETOOBIG;
		goto fail;
	}
	rc = buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", o.amz_date, scope, creq_hash);
	if (rc)
		goto fail;

	n = snprintf(secret, sizeof(secret), "AWS4%s", in->creds->secret_access_key);
	if (n < 0 || (size_t)n >= sizeof(secret)) {
		rc = IT_ETOOBIG;
		goto fail;
	}
	rc = hmac(secret, (size_t)n, date, 8, k);
	if (rc == 0)
		rc = hmac(k, 32, in->region, strlen(in->region), k);
	if (rc == 0)
		rc = hmac(k, 32, in->service, strlen(in->service), k);
	if (rc == 0)
		rc = hmac(k, 32, "aws4_request", 12, k);
	if (rc == 0)
		rc = hmac(k, 32, sts.data, sts.len, sig);
	if (rc)
		goto fail;
	hex(sig, sizeof(sig), o.signature);
	rc = buf_printf(&auth, "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
			in->creds->access_key_id, scope, buf_str(&signed_list), o.signature);
	if (rc)
		goto fail;
	o.canonical_request = buf_take(&creq, NULL);
	o.string_to_sign = buf_take(&sts, NULL);
	o.authorization = buf_take(&auth, NULL);
	if (!o.canonical_request || !o.string_to_sign || !o.authorization) {
		sigv4_output_finish(&o);
		rc = IT_ENOMEM;
		goto fail;
	}
	*ret = o;
fail:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(k, sizeof(k));
	buf_finish(&creq);
	buf_finish(&hdrs);
	buf_finish(&signed_list);
	buf_finish(&sts);
	buf_finish(&auth);
	return rc;
}
