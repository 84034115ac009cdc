/* token.c: token generation, hashing and header parsing (see token.h). */
#include "token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "limits.h"
#include "status.h"

const char *const role_names[ROLE__MAX] = {"none", "ingest", "reader", "admin"};

int role_parse(const char *s, enum role *ret)
{
	for (int i = ROLE_INGEST; i < ROLE__MAX; i++) {
		if (s && strcmp(s, role_names[i]) == 0) {
			*ret = (enum role)i;
			return IT_OK;
		}
	}
	return IT_EINVAL;
}

int role_allows(enum role have, enum role need)
{
	if (need == ROLE_NONE)
		return 1;
	if (have == ROLE_ADMIN)
		return 1;
	return have == need && have != ROLE_NONE;
}

static int fill_random(uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0)
			return IT_EIO;
		p += r;
		n -= (size_t)r;
	}
	return IT_OK;
}

int token_generate(char ret_token[TOKEN_TEXT_LEN + 1], char ret_id[TOKEN_ID_LEN + 1])
{
	static const char b64url[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	static const char hex[] = "0123456789abcdef";
	uint8_t raw[IT_TOKEN_RAW_BYTES + 6];
	char tok[TOKEN_TEXT_LEN + 1], id[TOKEN_ID_LEN + 1];
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0, rc;

	_Static_assert(IT_TOKEN_RAW_BYTES == 32, "token length assumes 32 bytes");
	rc = fill_random(raw, sizeof(raw));
	if (rc)
		return rc;
	memcpy(tok, "itk_", 4);
	o = 4;
	for (size_t i = 0; i < IT_TOKEN_RAW_BYTES; i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			tok[o++] = b64url[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		tok[o++] = b64url[(acc << (6 - bits)) & 63];
	tok[o] = '\0';
	memcpy(id, "tok_", 4);
	for (int i = 0; i < 6; i++) {
		id[4 + 2 * i] = hex[raw[IT_TOKEN_RAW_BYTES + i] >> 4];
		id[5 + 2 * i] = hex[raw[IT_TOKEN_RAW_BYTES + i] & 15];
	}
	id[TOKEN_ID_LEN] = '\0';
	memcpy(ret_token, tok, sizeof(tok));
	memcpy(ret_id, id, sizeof(id));
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(tok, sizeof(tok));
	return IT_OK;
}

int token_digest(const char *token, size_t len, uint8_t ret[TOKEN_DIGEST_LEN])
{
	unsigned int n = 0;
	uint8_t md[EVP_MAX_MD_SIZE];

	if (!EVP_Digest(token, len, md, &n, EVP_sha256(), NULL) || n != TOKEN_DIGEST_LEN)
		return IT_EINVAL;
	memcpy(ret, md, TOKEN_DIGEST_LEN);
	return IT_OK;
}

int token_digest_equal(const uint8_t a[TOKEN_DIGEST_LEN], const uint8_t b[TOKEN_DIGEST_LEN])
{
	return CRYPTO_memcmp(a, b, TOKEN_DIGEST_LEN) == 0;
}

/* Visible ASCII only: a token never contains spaces or control characters. */
static int token_chars_ok(const char *s, size_t n)
{
	if (n == 0 || n > IT_MAX_TOKEN_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

static const char *skip_spaces(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static size_t trimmed_len(const char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

static int copy_out(const char *s, size_t n, char *out, size_t outlen)
{
	if (!token_chars_ok(s, n) || n >= outlen)
		return IT_EINVAL;
	memcpy(out, s, n);
	out[n] = '\0';
	return IT_OK;
}

static int from_basic(const char *b64, char *out, size_t outlen)
{
	unsigned char dec[IT_MAX_AUTH_HEADER];
	size_t n = trimmed_len(b64), pad = 0;
	int dn, rc;
	const unsigned char *colon;

	if (n == 0 || n % 4 != 0 || n > (sizeof(dec) / 3) * 4)
		return IT_EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = b64[i];
		int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			 c == '+' || c == '/' || (c == '=' && i >= n - 2);
		if (!ok)
			return IT_EINVAL;
	}
	if (b64[n - 1] == '=')
		pad++;
	if (b64[n - 2] == '=')
		pad++;
	if (pad == 1 && b64[n - 2] == '=')
		return IT_EINVAL;
	dn = EVP_DecodeBlock(dec, (const unsigned char *)b64, (int)n);
	if (dn < 0 || (size_t)dn < pad)
		return IT_EINVAL;
	dn -= (int)pad;
	colon = memchr(dec, ':', (size_t)dn);
	if (!colon) {
		OPENSSL_cleanse(dec, sizeof(dec));
		return IT_EINVAL;
	}
	rc = copy_out((const char *)colon + 1, (size_t)dn - (size_t)(colon + 1 - dec), out, outlen);
	OPENSSL_cleanse(dec, sizeof(dec));
	return rc;
}

int token_from_headers(const char *authorization, size_t auth_len, const char *x_api_key, size_t key_len,
		       char *out, size_t outlen)
{
	/* A NUL inside a value would end the C string early: the token read would be a
	 * cut one ("Bearer <token>\0junk"), so such a credential is malformed. */
	if ((authorization && memchr(authorization, '\0', auth_len)) ||
	    (x_api_key && memchr(x_api_key, '\0', key_len)))
		return IT_EINVAL;
	if (authorization && *authorization) {
		const char *a = skip_spaces(authorization);
		if (strlen(a) > IT_MAX_AUTH_HEADER)
			return IT_EINVAL;
		if (strncasecmp(a, "Bearer ", 7) == 0) {
			a = skip_spaces(a + 7);
			return copy_out(a, trimmed_len(a), out, outlen);
		}
		if (strncasecmp(a, "Basic ", 6) == 0)
			return from_basic(skip_spaces(a + 6), out, outlen);
		return IT_EINVAL;
	}
	if (x_api_key && *x_api_key) {
		const char *k = skip_spaces(x_api_key);
		if (strlen(k) > IT_MAX_AUTH_HEADER)
			return IT_EINVAL;
		return copy_out(k, trimmed_len(k), out, outlen);
	}
	return IT_EAUTH;
}
