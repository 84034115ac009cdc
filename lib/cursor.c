/* cursor.c: keyset cursors, base64url + HMAC-SHA256 (see cursor.h). */
#include "cursor.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "status.h"

#define CURSOR_VERSION 1
#define FIXED_LEN (1 + 1 + CURSOR_SCOPE_LEN + 8 + 8 + 8)
#define RAW_MAX (FIXED_LEN + 3 + (IT_ACCOUNT_ID_SIZE - 1) + (IT_REGION_SIZE - 1) + (IT_INSTANCE_ID_SIZE - 1) + CURSOR_MAC_LEN)
#define CLOCK_SKEW_MS 60000

_Static_assert(((RAW_MAX + 2) / 3) * 4 <= CURSOR_TEXT_MAX, "cursor text bound");

static void put_i64(uint8_t *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(u & 0xff);
		u >>= 8;
	}
}

static int64_t get_i64(const uint8_t *p)
{
	uint64_t u = 0;
	for (int i = 0; i < 8; i++)
		u = (u << 8) | p[i];
	return (int64_t)u;
}

static int put_str(uint8_t *raw, size_t *len, const char *s, size_t field_size)
{
	size_t n = strnlen(s, field_size);
	if (n >= field_size || n > 255)
		return IT_EINVAL;
	raw[(*len)++] = (uint8_t)n;
	memcpy(raw + *len, s, n);
	*len += n;
	return IT_OK;
}

static int mac(const uint8_t *key, size_t keylen, const uint8_t *data, size_t len,
	       uint8_t out[CURSOR_MAC_LEN])
{
	uint8_t full[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!HMAC(EVP_sha256(), key, (int)keylen, data, len, full, &n) || n < CURSOR_MAC_LEN)
		return IT_EINVAL;
	memcpy(out, full, CURSOR_MAC_LEN);
	OPENSSL_cleanse(full, sizeof(full));
	return IT_OK;
}

int cursor_encode(const struct cursor *c, const uint8_t *key, size_t keylen, char *out, size_t outlen)
{
	uint8_t raw[RAW_MAX];
	unsigned char b64[((RAW_MAX + 2) / 3) * 4 + 1];
	size_t len = 0, n;
	int rc;

	if (!key || keylen == 0 || keylen > 1024)
		return IT_EINVAL;
	raw[len++] = CURSOR_VERSION;
	raw[len++] = c->kind;
	memcpy(raw + len, c->scope, CURSOR_SCOPE_LEN);
	len += CURSOR_SCOPE_LEN;
	put_i64(raw + len, c->issued_ms);
	put_i64(raw + len + 8, c->sort);
	put_i64(raw + len + 16, c->id);
	len += 24;
	rc = put_str(raw, &len, c->account, sizeof(c->account));
	if (rc == IT_OK)
		rc = put_str(raw, &len, c->region, sizeof(c->region));
	if (rc == IT_OK)
		rc = put_str(raw, &len, c->instance_id, sizeof(c->instance_id));
	if (rc)
		return rc;
	rc = mac(key, keylen, raw, len, raw + len);
	if (rc)
		return rc;
	len += CURSOR_MAC_LEN;
	n = (size_t)EVP_EncodeBlock(b64, raw, (int)len);
	while (n > 0 && b64[n - 1] == '=')
		n--;
	if (n + 1 > outlen)
		return IT_ETOOBIG;
	for (size_t i = 0; i < n; i++)
		out[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : (char)b64[i];
	out[n] = '\0';
	return IT_OK;
}

static int get_str(const uint8_t *raw, size_t len, size_t *pos, char *dst, size_t dstsize)
{
	size_t n;

	if (*pos >= len)
		return IT_EINVAL;
	n = raw[(*pos)++];
	if (n >= dstsize || *pos + n > len)
		return IT_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (raw[*pos + i] < 0x21 || raw[*pos + i] > 0x7e)
			return IT_EINVAL;
	memcpy(dst, raw + *pos, n);
	dst[n] = '\0';
	*pos += n;
	return IT_OK;
}

int cursor_decode(const char *text, const uint8_t *key, size_t keylen, struct cursor *ret)
{
	unsigned char b64[CURSOR_TEXT_MAX + 4];
	uint8_t raw[((CURSOR_TEXT_MAX + 4) / 4) * 3], want[CURSOR_MAC_LEN];
	struct cursor c;
	size_t n, pad, len, pos;
	int dec;

	if (!text || !key || keylen == 0 || keylen > 1024)
		return IT_EINVAL;
	n = strnlen(text, CURSOR_TEXT_MAX + 1);
	if (n == 0 || n > CURSOR_TEXT_MAX || n % 4 == 1)
		return IT_EINVAL;
	for (size_t i = 0; i < n; i++) {
		char ch = text[i];
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			b64[i] = (unsigned char)ch;
		else if (ch == '-')
			b64[i] = '+';
		else if (ch == '_')
			b64[i] = '/';
		else
			return IT_EINVAL;
	}
	pad = (4 - n % 4) % 4;
	for (size_t i = 0; i < pad; i++)
		b64[n + i] = '=';
	dec = EVP_DecodeBlock(raw, b64, (int)(n + pad));
	if (dec < 0 || (size_t)dec < pad)
		return IT_EINVAL;
	len = (size_t)dec - pad;
	if (len < FIXED_LEN + 3 + CURSOR_MAC_LEN || len > RAW_MAX)
		return IT_EINVAL;
	if (raw[0] != CURSOR_VERSION)
		return IT_EINVAL;
	if (mac(key, keylen, raw, len - CURSOR_MAC_LEN, want))
		return IT_EINVAL;
	if (CRYPTO_memcmp(want, raw + len - CURSOR_MAC_LEN, CURSOR_MAC_LEN) != 0)
		return IT_EAUTH;
	len -= CURSOR_MAC_LEN;

	memset(&c, 0, sizeof(c));
	c.kind = raw[1];
	if (c.kind == 0 || c.kind >= CURSOR__MAX)
		return IT_EINVAL;
	memcpy(c.scope, raw + 2, CURSOR_SCOPE_LEN);
	pos = 2 + CURSOR_SCOPE_LEN;
	c.issued_ms = get_i64(raw + pos);
	c.sort = get_i64(raw + pos + 8);
	c.id = get_i64(raw + pos + 16);
	pos += 24;
	if (get_str(raw, len, &pos, c.account, sizeof(c.account)) ||
	    get_str(raw, len, &pos, c.region, sizeof(c.region)) ||
	    get_str(raw, len, &pos, c.instance_id, sizeof(c.instance_id)) || pos != len)
		return IT_EINVAL;
	*ret = c;
	return IT_OK;
}

int cursor_check(const struct cursor *c, enum cursor_kind kind, const uint8_t scope[CURSOR_SCOPE_LEN],
		 int64_t now_ms, int64_t max_age_ms)
{
	if (c->kind != kind || CRYPTO_memcmp(c->scope, scope, CURSOR_SCOPE_LEN) != 0)
		return IT_ECONFLICT;
	if (c->issued_ms > now_ms + CLOCK_SKEW_MS || now_ms - c->issued_ms > max_age_ms)
		return IT_ETOOBIG;
	return IT_OK;
}

int cursor_scope(const char *const *parts, size_t n, uint8_t out[CURSOR_SCOPE_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int rc = IT_ENOMEM;

	if (!ctx)
		return IT_ENOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
		for (size_t i = 0; i < n; i++) {
			uint8_t hdr[9];
			size_t l = parts[i] ? strlen(parts[i]) : 0;
			hdr[0] = parts[i] ? 1 : 0;
			put_i64(hdr + 1, (int64_t)l);
			EVP_DigestUpdate(ctx, hdr, sizeof(hdr));
			if (l)
				EVP_DigestUpdate(ctx, parts[i], l);
		}
		if (EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen >= CURSOR_SCOPE_LEN) {
			memcpy(out, md, CURSOR_SCOPE_LEN);
			rc = IT_OK;
		}
	}
	EVP_MD_CTX_free(ctx);
	return rc;
}
