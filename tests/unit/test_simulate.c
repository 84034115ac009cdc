/* test_simulate: current vs proposed allow-list over stored instances; nothing written. */
#include <stdlib.h>
#include <unistd.h>

#include "image_facts.h"
#include "json_io.h"
#include "limits.h"
#include "rule.h"
#include "simulate.h"
#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_rule.h"
#include "store_verdict.h"
#include "tap.h"

#define NOW 1767225600000LL   /* 2026-01-01T00:00:00Z */

static void put_in(struct store *s, const char *region, const char *inst, const char *image, const char *state,
		   const char *compliance, const char *tags)
{
	struct verdict_row v;
	enum verdict_apply how;

	memset(&v, 0, sizeof(v));
	snprintf(v.account, sizeof(v.account), "111122223333");
	snprintf(v.region, sizeof(v.region), "%s", region);
	snprintf(v.instance_id, sizeof(v.instance_id), "%s", inst);
	snprintf(v.image_id, sizeof(v.image_id), "%s", image);
	snprintf(v.state, sizeof(v.state), "%s", state);
	snprintf(v.compliance, sizeof(v.compliance), "%s", compliance);
	snprintf(v.trigger, sizeof(v.trigger), "event");
	v.observed_at = 1000;
	v.evaluated_at = 1001;
	v.reasons_json = strdup("[]");
	v.tags_json = tags ? strdup(tags) : NULL;
	CHECK(store_verdict_apply(s, &v, &how, NULL) == IT_OK, "apply %s", inst);
	verdict_row_finish(&v);
}

/* put_in without a check per row (for thousands of rows). */
static int put_quiet(struct store *s, const char *region, const char *inst, const char *image, const char *compliance)
{
	struct verdict_row v;
	enum verdict_apply how;
	int rc;

	memset(&v, 0, sizeof(v));
	snprintf(v.account, sizeof(v.account), "111122223333");
	snprintf(v.region, sizeof(v.region), "%s", region);
	snprintf(v.instance_id, sizeof(v.instance_id), "%s", inst);
	snprintf(v.image_id, sizeof(v.image_id), "%s", image);
	snprintf(v.state, sizeof(v.state), "running");
	snprintf(v.compliance, sizeof(v.compliance), "%s", compliance);
	snprintf(v.trigger, sizeof(v.trigger), "event");
	v.observed_at = 1000;
	v.evaluated_at = 1001;
	v.reasons_json = strdup("[]");
	rc = store_verdict_apply(s, &v, &how, NULL);
	verdict_row_finish(&v);
	return rc;
}

static void put(struct store *s, const char *inst, const char *image, const char *state, const char *compliance,
		const char *tags)
{
	put_in(s, "us-east-1", inst, image, state, compliance, tags);
}

static void add_rule(struct rule_set *set, const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	struct rule *r = NULL;
	struct json_err err;

	CHECK(j && rule_from_json(j, &r, &err) == IT_OK && rule_set_add_rule(set, r) == IT_OK, "rule %s", text);
	json_decref(j);
}

static void add_exemption(struct rule_set *set, const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	struct exemption *e = NULL;
	struct json_err err;

	CHECK(j && exemption_from_json(j, NOW, EXEMPTION_STORED, &e, &err) == IT_OK &&
	      rule_set_add_exemption(set, e) == IT_OK, "exemption %s", text);
	json_decref(j);
}

static int64_t count(json_t *res, const char *side, const char *c)
{
	return json_integer_value(json_object_get(json_object_get(json_object_get(res, "counts"), side), c));
}

static json_t *change_of(json_t *res, const char *inst)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(res, "changes"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "instance_id")), inst) == 0)
			return c;
	return NULL;
}

static int64_t rows(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int main(void)
{
	char path[] = "/tmp/italic-test-simulate-XXXXXX", err[256];
	struct rule_set current, proposed;
	struct image_facts *amz = image_facts_new("ami-aaaaaaaa");
	struct store *s;
	json_t *res = NULL, *c;
	int fd = mkstemp(path);

	close(fd);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate");
	rule_set_init(&current);
	rule_set_init(&proposed);

	/* An empty fleet: nothing evaluated, nothing changed. */
	CHECK(simulate_run(s, &current, &proposed, NOW, 10, &res) == IT_OK, "empty run");
	CHECK(json_integer_value(json_object_get(res, "evaluated")) == 0 &&
	      json_array_size(json_object_get(res, "changes")) == 0 &&
	      json_is_false(json_object_get(res, "truncated")), "empty result");
	json_decref(res);

	snprintf(amz->owner_alias, sizeof(amz->owner_alias), "amazon");
	snprintf(amz->owner_id, sizeof(amz->owner_id), "137112412989");
	amz->tags_known = 1;
	CHECK(store_image_put(s, "us-east-1", amz, "test", NOW - 1000) == IT_OK, "register");
	image_facts_free(amz);

	put(s, "i-00000001", "ami-aaaaaaaa", "running", "COMPLIANT", "{}");
	put(s, "i-00000002", "ami-bbbbbbbb", "running", "INSUFFICIENT_DATA", "{\"Vendor\":\"acme\"}");
	put(s, "i-00000003", "ami-aaaaaaaa", "terminated", "NOT_APPLICABLE", NULL);
	put(s, "i-00000004", "", "pending", "INSUFFICIENT_DATA", NULL);
	put(s, "i-00000005", "ami-aaaaaaaa", "running", "COMPLIANT", NULL);

	add_rule(&current, "{\"id\":\"amazon\",\"criteria\":{\"owners\":[\"amazon\"]}}");
	add_rule(&proposed, "{\"id\":\"bbb\",\"criteria\":{\"image_ids\":[\"ami-bbbbbbbb\"]}}");
	add_exemption(&proposed, "{\"id\":\"vendor\",\"tag\":{\"key\":\"Vendor\",\"value\":\"*\"},\"reason\":\"r\","
				 "\"expires_at\":\"2026-02-01T00:00:00Z\"}");

	CHECK(simulate_run(s, &current, &proposed, NOW, 1, &res) == IT_OK, "run");
	CHECK(json_integer_value(json_object_get(res, "evaluated")) == 4, "evaluated skips terminated");
	CHECK(json_integer_value(json_object_get(res, "skipped_not_applicable")) == 1, "skipped");
	CHECK(json_integer_value(json_object_get(res, "changed")) == 3, "changed %lld",
	      (long long)json_integer_value(json_object_get(res, "changed")));
	CHECK(json_is_true(json_object_get(res, "truncated")), "truncated at 1");
	CHECK(json_array_size(json_object_get(res, "changes")) == 1, "one listed");
	c = change_of(res, "i-00000001");
	CHECK(c != NULL, "first in key order is listed");
	CHECK_STR(json_string_value(json_object_get(c, "from")), "COMPLIANT", "from");
	CHECK_STR(json_string_value(json_object_get(c, "to")), "NON_COMPLIANT", "to");
	CHECK(count(res, "from", "COMPLIANT") == 2 && count(res, "from", "INSUFFICIENT_DATA") == 2, "from counts");
	CHECK(count(res, "to", "COMPLIANT") == 1 && count(res, "to", "NON_COMPLIANT") == 2 &&
	      count(res, "to", "INSUFFICIENT_DATA") == 1 && count(res, "to", "NOT_APPLICABLE") == 0, "to counts");
	json_decref(res);

	CHECK(simulate_run(s, &current, &proposed, NOW, 10, &res) == IT_OK, "run uncapped");
	CHECK(json_is_false(json_object_get(res, "truncated")), "not truncated");
	c = change_of(res, "i-00000002");
	CHECK(c && strcmp(json_string_value(json_object_get(c, "to")), "COMPLIANT") == 0, "rule by id allows");
	CHECK(c && json_is_null(json_object_get(c, "exemption")), "a rule's allowance takes precedence");
	CHECK(change_of(res, "i-00000004") == NULL, "no image: unchanged");
	json_decref(res);

	/* The exemption by tag needs the stored instance tags. */
	rule_set_finish(&proposed);
	add_exemption(&proposed, "{\"id\":\"vendor\",\"tag\":{\"key\":\"Vendor\",\"value\":\"acme\"},\"reason\":\"r\","
				 "\"expires_at\":\"2026-02-01T00:00:00Z\"}");
	CHECK(simulate_run(s, &current, &proposed, NOW, 10, &res) == IT_OK, "run exemption");
	c = change_of(res, "i-00000002");
	CHECK(c && strcmp(json_string_value(json_object_get(c, "exemption")), "vendor") == 0, "exempt by tag");
	json_decref(res);

	CHECK(rows(s, "SELECT count(*) FROM evaluations") == 5, "no history written");
	CHECK(rows(s, "SELECT count(*) FROM audit_log") == 1, "no audit written");

	/* Facts are cached by region and image: one image id registered differently in two
	 * regions is judged by each region's facts. */
	{
		struct image_facts *f = image_facts_new("ami-cccccccc");
		snprintf(f->owner_alias, sizeof(f->owner_alias), "amazon");
		snprintf(f->owner_id, sizeof(f->owner_id), "137112412989");
		f->tags_known = 1;
		CHECK(store_image_put(s, "eu-west-1", f, "test", NOW - 1000) == IT_OK, "register in eu-west-1");
		snprintf(f->owner_alias, sizeof(f->owner_alias), "%s", "");
		snprintf(f->owner_id, sizeof(f->owner_id), "999988887777");
		CHECK(store_image_put(s, "us-west-2", f, "test", NOW - 1000) == IT_OK, "and in us-west-2, not Amazon's");
		image_facts_free(f);
	}
	put_in(s, "eu-west-1", "i-0000000e1", "ami-cccccccc", "running", "COMPLIANT", NULL);
	put_in(s, "us-west-2", "i-0000000e2", "ami-cccccccc", "running", "COMPLIANT", NULL);
	rule_set_finish(&proposed);
	CHECK(simulate_run(s, &current, &proposed, NOW, 100, &res) == IT_OK, "run two regions");
	c = change_of(res, "i-0000000e1");
	CHECK(c && strcmp(json_string_value(json_object_get(c, "from")), "COMPLIANT") == 0, "Amazon's in eu-west-1");
	c = change_of(res, "i-0000000e2");
	CHECK(!c, "not Amazon's in us-west-2: NON_COMPLIANT on both sides, no change");
	json_decref(res);

	/* More images than the facts cache holds (it is emptied and refilled): every
	 * verdict is still judged by its own image's facts. Odd images are Amazon's. */
	CHECK(store_exec(s, "BEGIN") == IT_OK, "begin many");
	{
		int bad = 0;
		for (int i = 0; i < IT_SIM_FACTS_CACHE; i++) {
			char img[32], inst[32], sql[512];

			snprintf(img, sizeof(img), "ami-%08x", 0x10000000 + i);
			snprintf(inst, sizeof(inst), "i-1%08x", i);
			snprintf(sql, sizeof(sql),
				 "INSERT INTO images(region, image_id, facts, updated_at, updated_by) VALUES ('ap-south-1',"
				 " '%s', '{\"image_id\":\"%s\",\"owner_id\":\"%s\"%s,\"tags\":{}}', 0, 'test')", img,
				 img, i % 2 ? "137112412989" : "999988887777", i % 2 ? ",\"owner_alias\":\"amazon\"" : "");
			bad += store_exec(s, sql) != IT_OK;
			bad += put_quiet(s, "ap-south-1", inst, img, i % 2 ? "COMPLIANT" : "NON_COMPLIANT") != IT_OK;
		}
		CHECK(bad == 0, "%d instances and their images registered (%d failures)", IT_SIM_FACTS_CACHE, bad);
	}
	CHECK(store_exec(s, "COMMIT") == IT_OK, "commit many");
	CHECK(simulate_run(s, &current, &proposed, NOW, 10, &res) == IT_OK, "run many images");
	/* The proposed set is empty now (fail closed: NON_COMPLIANT whatever the facts): of
	 * the earlier fleet the three Amazon-allowed instances and the one with unknown
	 * facts change; of the new ones, exactly the Amazon-owned half. */
	CHECK(json_integer_value(json_object_get(res, "changed")) == 4 + IT_SIM_FACTS_CACHE / 2, "changed %lld",
	      (long long)json_integer_value(json_object_get(res, "changed")));
	CHECK(count(res, "from", "COMPLIANT") == 3 + IT_SIM_FACTS_CACHE / 2, "from COMPLIANT %lld",
	      (long long)count(res, "from", "COMPLIANT"));
	json_decref(res);

	rule_set_finish(&current);
	rule_set_finish(&proposed);
	store_close(s);
	unlink(path);
	return tap_done();
}
