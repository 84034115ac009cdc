/* test_store_rule: rules CRUD with versions, replace-all, exemptions, images, the
 * append-only audit log with keyset paging, and reeval rows, on a fresh database. */
#include "json_io.h"
#include "limits.h"
#include "rule.h"
#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_rule.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW ((int64_t)1767225600000)

static struct rule *mk_rule(const char *doc)
{
	json_t *j = NULL;
	struct json_err err;
	struct rule *r = NULL;

	if (json_load_bounded(doc, strlen(doc), IT_MAX_BODY, 32, &j, &err) == 0) {
		if (rule_from_json(j, &r, &err))
			fprintf(stderr, "mk_rule: %s %s\n", err.field, err.message);
	}
	json_decref(j);
	return r;
}

static int64_t count(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void test_rules(struct store *s)
{
	struct rule *r = mk_rule("{\"id\":\"golden\",\"criteria\":{\"owners\":[\"self\"]}}");
	struct rule *dup = mk_rule("{\"id\":\"golden\",\"criteria\":{\"owners\":[\"amazon\"]}}");
	struct rule *noid = mk_rule("{\"criteria\":{\"owners\":[\"amazon\"]}}");
	struct rule *got = NULL, *sentinel = (struct rule *)&got;
	struct rule_set set;

	CHECK(r && dup && noid, "fixtures");
	if (!r || !dup || !noid)
		return;
	CHECK(store_rule_create(s, noid, "cli:test", NOW) == IT_EINVAL, "create without id");
	CHECK(store_rule_create(s, r, "bad\nactor", NOW) == IT_EINVAL && r->version == 0, "bad actor");
	got = sentinel;
	CHECK(store_rule_get(s, "golden", &got) == IT_ENOTFOUND && got == sentinel, "absent, untouched");
	CHECK(store_rule_create(s, r, "cli:test", NOW) == IT_OK, "create");
	CHECK(r->version == 1 && r->created_at_ms == NOW && r->updated_at_ms == NOW, "version 1, times set");
	CHECK(store_rule_create(s, dup, "cli:test", NOW) == IT_EEXIST && dup->version == 0, "duplicate id");
	CHECK(store_rule_get(s, "golden", &got) == IT_OK && got && got->version == 1 &&
	      strcmp(got->criteria.owners.v[0], "self") == 0 && got->created_at_ms == NOW, "get");
	rule_free(got);

	/* update with If-Match semantics */
	CHECK(store_rule_update(s, dup, 7, "cli:test", NOW + 1000) == IT_ECONFLICT && dup->version == 0, "stale version");
	CHECK(store_rule_update(s, dup, 1, "cli:test", NOW + 1000) == IT_OK, "update at version 1");
	CHECK(dup->version == 2 && dup->created_at_ms == NOW && dup->updated_at_ms == NOW + 1000, "version 2");
	CHECK(store_rule_update(s, dup, 1, "cli:test", NOW + 2000) == IT_ECONFLICT, "version 1 is now stale");
	CHECK(store_rule_update(s, dup, 0, "cli:test", NOW + 2000) == IT_OK && dup->version == 3, "unconditional");
	noid->id[0] = '\0';
	CHECK(rule_set_id(noid, "nosuch") == IT_OK && store_rule_update(s, noid, 0, "cli:test", NOW) == IT_ENOTFOUND,
	      "update missing");
	CHECK(store_rule_delete(s, "nosuch", 0, "cli:test", NOW) == IT_ENOTFOUND, "delete missing");
	CHECK(store_rule_delete(s, "golden", 2, "cli:test", NOW) == IT_ECONFLICT, "delete stale");

	rule_set_init(&set);
	CHECK(store_rule_list(s, &set) == IT_OK && set.n_rules == 1 && set.rules[0]->version == 3 &&
	      strcmp(set.rules[0]->criteria.owners.v[0], "amazon") == 0, "list");
	rule_set_finish(&set);
	CHECK(store_rule_delete(s, "golden", 3, "cli:test", NOW + 3000) == IT_OK, "delete at version");
	CHECK(store_rule_get(s, "golden", &got) == IT_ENOTFOUND, "deleted");
	/* audit: create, update, update, delete; reeval: one per change */
	CHECK(count(s, "SELECT COUNT(*) FROM audit_log WHERE kind='rule' AND object_id='golden'") == 4, "4 audit rows");
	CHECK(count(s, "SELECT COUNT(*) FROM reeval_requests") == 4, "4 reeval rows");
	CHECK(count(s, "SELECT COUNT(*) FROM audit_log WHERE action='delete' AND after IS NULL AND "
		       "json_extract(before, '$.version') = 3") == 1, "delete audit has the before image");
	rule_free(r);
	rule_free(dup);
	rule_free(noid);
}

static void test_replace(struct store *s)
{
	struct rule_set want, got;
	struct store_replace_counts n = {9, 9, 9, 9};
	const char *docs[] = {
		"{\"id\":\"a\",\"criteria\":{\"owners\":[\"amazon\"]}}",
		"{\"id\":\"b\",\"criteria\":{\"owners\":[\"self\"]}}",
		"{\"id\":\"c\",\"criteria\":{\"max_age_days\":30}}",
	};
	int64_t audit_before, reeval_before;

	rule_set_init(&want);
	for (size_t i = 0; i < ARRAY_LEN(docs); i++)
		CHECK(rule_set_add_rule(&want, mk_rule(docs[i])) == IT_OK, "add %zu", i);
	CHECK(store_rules_replace(s, &want, "cli:import", NOW, &n) == IT_OK, "replace into empty");
	CHECK(n.added == 3 && n.changed == 0 && n.removed == 0 && n.unchanged == 0, "3 added");
	/* same set again: nothing changes, no audit, no reeval */
	audit_before = count(s, "SELECT COUNT(*) FROM audit_log");
	reeval_before = count(s, "SELECT COUNT(*) FROM reeval_requests");
	CHECK(store_rules_replace(s, &want, "cli:import", NOW + 1, &n) == IT_OK && n.unchanged == 3 && n.added == 0,
	      "idempotent");
	CHECK(count(s, "SELECT COUNT(*) FROM audit_log") == audit_before &&
	      count(s, "SELECT COUNT(*) FROM reeval_requests") == reeval_before, "no rows for no change");
	/* drop a, change c, add d */
	rule_set_finish(&want);
	rule_set_init(&want);
	CHECK(rule_set_add_rule(&want, mk_rule(docs[1])) == IT_OK, "b");
	CHECK(rule_set_add_rule(&want, mk_rule("{\"id\":\"c\",\"criteria\":{\"max_age_days\":60}}")) == IT_OK, "c'");
	CHECK(rule_set_add_rule(&want, mk_rule("{\"id\":\"d\",\"criteria\":{\"platforms\":[\"Windows\"]}}")) == IT_OK, "d");
	CHECK(store_rules_replace(s, &want, "cli:import", NOW + 2, &n) == IT_OK, "replace");
	CHECK(n.added == 1 && n.changed == 1 && n.removed == 1 && n.unchanged == 1, "1/1/1/1");
	CHECK(count(s, "SELECT COUNT(*) FROM audit_log") == audit_before + 3, "3 audit rows");
	CHECK(count(s, "SELECT COUNT(*) FROM reeval_requests") == reeval_before + 1, "one reeval row");
	rule_set_init(&got);
	CHECK(store_rule_list(s, &got) == IT_OK && got.n_rules == 3, "3 rules");
	CHECK(got.n_rules == 3 && strcmp(got.rules[0]->id, "b") == 0 && got.rules[0]->version == 1 &&
	      strcmp(got.rules[1]->id, "c") == 0 && got.rules[1]->version == 2 &&
	      got.rules[1]->criteria.max_age_days == 60, "versions and bodies");
	rule_set_finish(&got);
	/* duplicate ids refused before anything is written */
	CHECK(rule_set_add_rule(&want, mk_rule(docs[1])) == IT_OK, "dup b");
	CHECK(store_rules_replace(s, &want, "cli:import", NOW + 3, &n) == IT_EINVAL, "duplicate ids");
	rule_set_finish(&want);
	/* empty set removes all */
	rule_set_init(&want);
	CHECK(store_rules_replace(s, &want, "cli:import", NOW + 4, &n) == IT_OK && n.removed == 3, "replace with empty");
	CHECK(count(s, "SELECT COUNT(*) FROM rules") == 0, "no rules");
	rule_set_finish(&want);
}

static void test_exemptions(struct store *s)
{
	const char *doc = "{\"id\":\"ex1\",\"account\":\"111122223333\",\"reason\":\"migration\",\"expires_at\":\"2026-01-02T00:00:00Z\"}";
	json_t *j = NULL;
	struct json_err err;
	struct exemption *e = NULL, *got = NULL;
	struct rule_set set;

	CHECK(json_load_bounded(doc, strlen(doc), 4096, 8, &j, &err) == 0 &&
	      exemption_from_json(j, NOW, 0, &e, &err) == 0, "fixture");
	json_decref(j);
	if (!e)
		return;
	CHECK(store_exemption_create(s, e, "token:alice", NOW) == IT_OK, "create");
	CHECK(e->created_by && strcmp(e->created_by, "token:alice") == 0 && e->created_at_ms == NOW, "created_by set");
	CHECK(store_exemption_create(s, e, "token:alice", NOW) == IT_EEXIST, "duplicate");
	CHECK(strcmp(e->created_by, "token:alice") == 0, "created_by kept after failure");
	CHECK(store_exemption_get(s, "ex1", &got) == IT_OK && got && strcmp(got->created_by, "token:alice") == 0 &&
	      got->expires_at_ms == NOW + 86400000, "get");
	exemption_free(got);
	rule_set_init(&set);
	CHECK(store_exemption_list(s, 0, NOW, &set) == IT_OK && set.n_exemptions == 1, "live at NOW");
	rule_set_finish(&set);
	rule_set_init(&set);
	CHECK(store_exemption_list(s, 0, NOW + 86400000, &set) == IT_OK && set.n_exemptions == 0, "expired at its instant");
	rule_set_finish(&set);
	rule_set_init(&set);
	CHECK(store_exemption_list(s, 1, NOW + 86400000, &set) == IT_OK && set.n_exemptions == 1, "include expired");
	rule_set_finish(&set);
	CHECK(store_exemption_delete(s, "ex1", "token:bob", NOW) == IT_OK, "delete");
	CHECK(store_exemption_delete(s, "ex1", "token:bob", NOW) == IT_ENOTFOUND, "delete again");
	CHECK(count(s, "SELECT COUNT(*) FROM audit_log WHERE kind='exemption'") == 2, "2 audit rows");
	exemption_free(e);
}

static void test_images(struct store *s)
{
	struct image_facts *f = image_facts_new("ami-0123456789abcdef0"), *got = NULL;
	int64_t at = 0;

	if (!f)
		return;
	f->name = strdup("golden-1");
	snprintf(f->owner_id, sizeof(f->owner_id), "123456789012");
	CHECK(store_image_get(s, "us-east-1", "ami-0123456789abcdef0", &got, &at) == IT_ENOTFOUND && !got, "absent");
	CHECK(store_image_put(s, "US", f, "token:pipeline", NOW) == IT_EINVAL, "bad region");
	CHECK(store_image_put(s, "us-east-1", f, "token:pipeline", NOW) == IT_OK, "put");
	free(f->name);
	f->name = strdup("golden-2");
	CHECK(store_image_put(s, "us-east-1", f, "token:pipeline", NOW + 5) == IT_OK, "put again");
	CHECK(store_image_get(s, "us-east-1", "ami-0123456789abcdef0", &got, &at) == IT_OK && got &&
	      strcmp(got->name, "golden-2") == 0 && at == NOW + 5 && strcmp(got->owner_id, "123456789012") == 0, "get");
	{
		struct image_facts *other = NULL;
		CHECK(store_image_get(s, "eu-west-1", "ami-0123456789abcdef0", &other, NULL) == IT_ENOTFOUND && !other,
		      "per region");
	}
	CHECK(count(s, "SELECT COUNT(*) FROM audit_log WHERE kind='image' AND object_id='us-east-1/ami-0123456789abcdef0'") == 2,
	      "image audited");
	CHECK(count(s, "SELECT COUNT(*) FROM audit_log WHERE kind='image' AND action='update' AND before IS NOT NULL") == 1,
	      "second put is an update with before");
	image_facts_free(got);
	image_facts_free(f);
}

static void test_audit(struct store *s)
{
	struct audit_entry *e = NULL, *sentinel = (struct audit_entry *)&e;
	size_t n = 99, total;
	int64_t last = 0, all = count(s, "SELECT COUNT(*) FROM audit_log");
	int desc = 1;

	e = sentinel;
	CHECK(store_audit_list(s, 0, 0, &e, &n) == IT_EINVAL && e == sentinel && n == 99, "limit 0");
	CHECK(store_audit_list(s, 0, IT_LIST_MAX + 1, &e, &n) == IT_EINVAL, "limit over max");
	/* page through 3 at a time, newest first */
	total = 0;
	for (int page = 0; page < 100; page++) {
		e = NULL;
		CHECK(store_audit_list(s, last, 3, &e, &n) == IT_OK, "page %d", page);
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++) {
			if (last && e[i].id >= last)
				desc = 0;
			last = e[i].id;
		}
		total += n;
		audit_entries_free(e, n);
	}
	CHECK(desc, "strictly newest first across pages");
	CHECK((int64_t)total == all && all > 10, "pages cover all %lld entries (%zu)", (long long)all, total);
	CHECK(store_audit_list(s, 0, 1, &e, &n) == IT_OK && n == 1 && strcmp(e[0].kind, "image") == 0 &&
	      strcmp(e[0].actor, "token:pipeline") == 0 && e[0].at_ms == NOW + 5, "newest is the last image put");
	audit_entries_free(e, n);
	/* append-only */
	CHECK(store_exec(s, "UPDATE audit_log SET actor = 'mallory'") != IT_OK, "UPDATE refused");
	CHECK(store_exec(s, "DELETE FROM audit_log") != IT_OK, "DELETE refused");
	CHECK(count(s, "SELECT COUNT(*) FROM audit_log") == all &&
	      count(s, "SELECT COUNT(*) FROM audit_log WHERE actor = 'mallory'") == 0, "log intact");
}

static void test_reeval(struct store *s)
{
	int64_t max = 0, n = 0;

	CHECK(store_reeval_pending(s, &max, &n) == IT_OK && n > 0 && max > 0, "pending");
	CHECK(store_reeval_ack(s, max - 1) == IT_OK && store_reeval_pending(s, &max, &n) == IT_OK && n == 1, "ack all but one");
	CHECK(store_reeval_ack(s, max) == IT_OK && store_reeval_pending(s, &max, &n) == IT_OK && n == 0 && max == 0, "ack all");
}

int main(void)
{
	char path[] = "/tmp/italic-test-store-rule-XXXXXX";
	char dbpath[64], wal[80], shm[80], errbuf[256];
	struct store *s = NULL;
	int fd = mkstemp(path);

	if (fd < 0)
		return 1;
	close(fd);
	unlink(path);
	snprintf(dbpath, sizeof(dbpath), "%s", path);
	if (store_open(dbpath, 0, &s, errbuf, sizeof(errbuf)) != IT_OK ||
	    store_migrate(s, italic_migrations, NULL, errbuf, sizeof(errbuf)) != IT_OK) {
		fprintf(stderr, "setup: %s\n", errbuf);
		return 1;
	}
	test_rules(s);
	test_replace(s);
	test_exemptions(s);
	test_images(s);
	test_audit(s);
	test_reeval(s);
	store_close(s);
	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	snprintf(shm, sizeof(shm), "%s-shm", dbpath);
	unlink(dbpath);
	unlink(wal);
	unlink(shm);
	return tap_done();
}
