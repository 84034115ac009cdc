/* test_store_token: create, find by digest, account binding, revoke, list. */
#include <stdlib.h>
#include <unistd.h>

#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_token.h"
#include "tap.h"

static int count;
static void counter(const struct token_record *r, void *ctx)
{
	(void)r;
	(void)ctx;
	count++;
}

int main(void)
{
	char path[] = "/tmp/italic-test-token-XXXXXX", tok[TOKEN_TEXT_LEN + 1], err[256];
	struct token_record rec, got;
	uint8_t digest[TOKEN_DIGEST_LEN], other[TOKEN_DIGEST_LEN];
	struct store *s;
	int fd = mkstemp(path);

	close(fd);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate: %s", err);

	memset(&rec, 0, sizeof(rec));
	CHECK(token_generate(tok, rec.id) == IT_OK, "gen");
	CHECK(token_digest(tok, strlen(tok), digest) == IT_OK, "digest");
	snprintf(rec.name, sizeof(rec.name), "eventbridge");
	rec.role = ROLE_INGEST;
	rec.created_at = 1000;
	rec.n_accounts = 3;
	snprintf(rec.accounts[0], sizeof(rec.accounts[0]), "%s", "111122223333");
	snprintf(rec.accounts[1], sizeof(rec.accounts[1]), "%s", "444455556666");
	snprintf(rec.accounts[2], sizeof(rec.accounts[2]), "%s", "111122223333");
	CHECK(store_token_create(s, &rec, digest) == IT_OK, "create (duplicate account tolerated)");
	CHECK(store_token_create(s, &rec, digest) == IT_EEXIST, "same id again");

	memset(other, 7, sizeof(other));
	got.role = ROLE_ADMIN;
	CHECK(store_token_find(s, other, &got) == IT_ENOTFOUND && got.role == ROLE_ADMIN, "unknown digest");
	CHECK(store_token_find(s, digest, &got) == IT_OK, "find");
	CHECK(got.role == ROLE_INGEST && strcmp(got.name, "eventbridge") == 0 && got.n_accounts == 2,
	      "record: role %d accounts %zu", got.role, got.n_accounts);
	CHECK(token_record_allows_account(&got, "444455556666"), "bound account");
	CHECK(!token_record_allows_account(&got, "999999999999"), "other account");
	CHECK(!token_record_allows_account(&got, NULL), "no account");

	CHECK(store_token_touch(s, rec.id, 5000) == IT_OK, "touch");
	CHECK(store_token_find(s, digest, &got) == IT_OK && got.last_used_at == 5000, "last used");
	CHECK(store_token_touch(s, rec.id, 6000) == IT_OK, "touch within a minute");
	CHECK(store_token_find(s, digest, &got) == IT_OK && got.last_used_at == 5000, "not rewritten");

	count = 0;
	CHECK(store_token_list(s, counter, NULL) == IT_OK && count == 1, "list %d", count);
	CHECK(store_token_revoke(s, "tok_nosuch", 7000) == IT_ENOTFOUND, "revoke unknown");
	CHECK(store_token_revoke(s, rec.id, 7000) == IT_OK, "revoke");
	CHECK(store_token_revoke(s, rec.id, 8000) == IT_ENOTFOUND, "revoke twice");
	CHECK(store_token_find(s, digest, &got) == IT_ENOTFOUND, "revoked token does not authenticate");
	count = 0;
	CHECK(store_token_list(s, counter, NULL) == IT_OK && count == 1, "revoked still listed");

	store_close(s);
	unlink(path);
	return tap_done();
}
