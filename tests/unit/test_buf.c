/* test_buf: the ceiling holds, failures leave the buffer as it was. */
#include "buf.h"
#include "status.h"
#include "tap.h"

#include <stdlib.h>

int main(void)
{
	struct buf b;
	size_t n;
	char *p;

	buf_init(&b, 8);
	CHECK(buf_puts(&b, "123456789") == IT_ETOOBIG, "9 bytes into an 8-byte ceiling");
	CHECK(b.len == 0, "failed append left len %zu", b.len);
	CHECK(buf_puts(&b, "1234") == IT_OK, "4 bytes");
	CHECK(buf_printf(&b, "%s", "56789") == IT_ETOOBIG, "printf over ceiling");
	CHECK_STR(buf_str(&b), "1234", "after failed printf");
	CHECK(buf_printf(&b, "%d", 5678) == IT_OK, "printf to exactly the ceiling");
	CHECK_STR(buf_str(&b), "12345678", "full");
	CHECK(buf_append(&b, "", 0) == IT_OK, "empty append at ceiling");
	p = buf_take(&b, &n);
	CHECK(p && n == 8 && strcmp(p, "12345678") == 0, "take");
	CHECK(b.len == 0 && b.data == NULL, "take resets");
	free(p);
	buf_finish(&b);
	buf_finish(NULL);

	buf_init(&b, 1 << 20);
	for (int i = 0; i < 10000; i++)
		CHECK(buf_puts(&b, "abcdefghij") == IT_OK || i >= 104857, "grow %d", i);
	CHECK(b.len == 100000, "len after growth %zu", b.len);
	buf_truncate(&b, 200000);
	CHECK(b.len == 100000, "truncate to a longer length is a no-op");
	buf_truncate(&b, 3);
	CHECK(b.len == 3 && strcmp(buf_str(&b), "abc") == 0, "truncate keeps the first bytes, NUL after");
	buf_reset(&b);
	CHECK(b.len == 0 && strcmp(buf_str(&b), "") == 0, "reset");
	buf_truncate(&b, 0);
	CHECK(b.len == 0, "truncate an empty buffer");
	buf_finish(&b);
	buf_truncate(&b, 0);
	return tap_done();
}
