/*
 * fuzz_auth_header: token_from_headers() on arbitrary header values. The input is
 * split at the first NUL: the part before is the Authorization value, the part after
 * (if any, NULs included) is x-api-key, passed with its full length. Checks the
 * contract, not just absence of crashes: on success the token is non-empty, bounded
 * and visible ASCII, and the x-api-key value held no NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "status.h"
#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 2), out[IT_MAX_TOKEN_LEN + 1];
	const char *auth, *key = NULL;
	size_t alen, klen = 0;
	int rc;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	copy[size + 1] = '\0';
	auth = copy;
	alen = strlen(copy);
	if (alen < size) {
		key = copy + alen + 1;
		klen = size - alen - 1;
	}
	rc = token_from_headers(auth, alen, key, klen, out, sizeof(out));
	if (rc == IT_OK) {
		size_t n = strlen(out);
		if (key && memchr(key, '\0', klen))
			abort();
		if (n == 0 || n > IT_MAX_TOKEN_LEN)
			abort();
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)out[i] <= 0x20 || (unsigned char)out[i] >= 0x7f)
				abort();
	} else if (rc != IT_EAUTH && rc != IT_EINVAL) {
		abort();
	}
	free(copy);
	return 0;
}
