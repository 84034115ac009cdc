/*
 * test_store_cursor_key: a per-database secret is created once, stable afterwards,
 * refused at another length and distinct per name (moved unchanged from
 * test_store_query when the cursor key got its own module).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "limits.h"
#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_cursor_key.h"
#include "tap.h"

#define NOW (1750000000000LL)

static void check_secret(struct store *s)
{
	uint8_t a[32], b[32], c[16];

	memset(c, 0, sizeof(c));
	CHECK(store_cursor_key_get(s, "cursor_hmac", 0, NOW, a) == IT_EINVAL, "zero length");
	CHECK(store_cursor_key_get(s, "cursor_hmac", 32, NOW, a) == IT_OK, "create");
	CHECK(store_cursor_key_get(s, "cursor_hmac", 32, NOW, b) == IT_OK && memcmp(a, b, 32) == 0, "stable");
	CHECK(store_cursor_key_get(s, "cursor_hmac", 16, NOW, c) == IT_EDB && c[0] == 0 && c[15] == 0, "length mismatch");
	CHECK(store_cursor_key_get(s, "other", 32, NOW, b) == IT_OK && memcmp(a, b, 32) != 0, "distinct names");
}

int main(void)
{
	char path[] = "/tmp/italic-test-cursor-key-XXXXXX", err[256];
	struct store *s = NULL;
	int fd = mkstemp(path);

	close(fd);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate: %s", err);
	check_secret(s);
	store_close(s);
	unlink(path);
	return tap_done();
}
