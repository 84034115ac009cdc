/*
 * fuzz_http_target: the request-line and framing judgements of http_syntax on arbitrary
 * bytes. The input up to its first NUL is a raw request target for http_target_judge
 * and http_target_path; the rest, split at '\n', is Transfer-Encoding field lines for
 * http_te_judge (and each line a Host value for http_host_valid). Contract checks: an
 * accepted target holds no %00 and no byte outside visible ASCII; a path is a suffix
 * of the target or "/"; the judgements are one of their documented values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_syntax.h"
#include "limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	const char *why = NULL, *path, *lines[16];
	size_t tlen, lens[16], n = 0, pos;
	unsigned st;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	tlen = strlen(copy);

	st = http_target_judge(copy, IT_MAX_TARGET, IT_MAX_QUERY_PARAMS, &why);
	if (st != 0 && st != 400 && st != 414)
		abort();
	if (st != 0 && !why)
		abort();
	if (st == 0) {
		if (strstr(copy, "%00"))
			abort();
		for (size_t i = 0; i < tlen; i++)
			if ((unsigned char)copy[i] <= 0x20 || (unsigned char)copy[i] >= 0x7f)
				abort();
	}
	path = http_target_path(copy);
	if (path && strcmp(path, "/") != 0 && (path < copy || path > copy + tlen || path[0] != '/'))
		abort();

	pos = tlen < size ? tlen + 1 : size;
	while (pos < size && n < 16) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t end = nl ? (size_t)(nl - data) : size;
		lines[n] = (const char *)data + pos;
		lens[n] = end - pos;
		(void)http_host_valid(lines[n], lens[n]);
		(void)http_value_valid(lines[n], lens[n]);
		(void)http_token_valid(lines[n], lens[n]);
		n++;
		pos = end + 1;
	}
	if ((unsigned)http_te_judge(lines, lens, n) >= HTTP_TE__MAX)
		abort();
	if (n == 0 && http_te_judge(lines, lens, 0) != HTTP_TE_NONE)
		abort();
	free(copy);
	return 0;
}
