/*
 * test_simulate_template: current vs proposed allow-list over stored launch templates,
 * each judged by its default version's image; "self" is the template's account; deleted
 * templates and defaults without an image are skipped; an alias never resolved changes
 * nothing; truncation; nothing written.
 */
#include <stdlib.h>
#include <unistd.h>

#include "image_facts.h"
#include "json_io.h"
#include "rule.h"
#include "simulate_template.h"
#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_rule.h"
#include "store_template.h"
#include "tap.h"

#define NOW 1767225600000LL   /* 2026-01-01T00:00:00Z */
#define ACCT "111122223333"
#define R "us-east-1"
#define AMZ "ami-0aaaaaaaaaaaaaaaa"
#define OWN "ami-0bbbbbbbbbbbbbbbb"   /* owned by ACCT itself */

/* A template whose default version 1 names image (as written) meaning image_id. */
static void put(struct store *s, const char *id, const char *image, const char *image_id, const char *compliance,
		int deleted)
{
	struct template_meta m = {ACCT, R, id, "t", 1, 1, deleted, 1000, NULL, NULL};
	struct template_version_verdict v;

	memset(&v, 0, sizeof(v));
	v.account = ACCT;
	v.region = R;
	v.template_id = id;
	v.version = 1;
	v.image_ref = image;
	v.image_id = image_id;
	v.compliance = compliance;
	v.reasons_json = "[]";
	v.observed_at = 1000;
	v.evaluated_at = 1001;
	v.trigger = "event";
	CHECK(store_template_put_meta(s, &m, 1002, NULL) == IT_OK && store_template_put_version(s, &v, NULL) == IT_OK &&
		      store_template_settle(s, ACCT, R, id, 1003, "event", NULL, NULL) == IT_OK,
	      "template %s", id);
}

static void add_rule(struct rule_set *set, const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	struct rule *r = NULL;
	struct json_err err;

	CHECK(j && rule_from_json(j, &r, &err) == IT_OK && rule_set_add_rule(set, r) == IT_OK, "rule %s", text);
	json_decref(j);
}

static json_t *change_of(json_t *res, const char *id)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(res, "changes"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "launch_template_id")), id) == 0)
			return c;
	return NULL;
}

static void reg(struct store *s, const char *image, const char *owner_id, const char *alias)
{
	struct image_facts *f = image_facts_new(image);

	snprintf(f->owner_id, sizeof(f->owner_id), "%s", owner_id);
	snprintf(f->owner_alias, sizeof(f->owner_alias), "%s", alias);
	f->tags_known = 1;
	CHECK(store_image_put(s, R, f, "test", NOW - 1000) == IT_OK, "register %s", image);
	image_facts_free(f);
}

int main(void)
{
	char path[] = "/tmp/italic-test-simtemplate-XXXXXX", err[256];
	struct rule_set current, proposed;
	struct store *s;
	json_t *res = NULL, *c;
	int fd = mkstemp(path);

	close(fd);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate");
	rule_set_init(&current);
	rule_set_init(&proposed);

	CHECK(simulate_templates(s, &current, &proposed, NOW, 10, &res) == IT_OK, "no templates");
	CHECK(json_integer_value(json_object_get(res, "evaluated")) == 0 && json_is_false(json_object_get(res, "truncated")),
	      "nothing evaluated");
	json_decref(res);

	reg(s, AMZ, "137112412989", "amazon");
	reg(s, OWN, ACCT, "");
	put(s, "lt-00000000000000001", AMZ, AMZ, "COMPLIANT", 0);
	put(s, "lt-00000000000000002", OWN, OWN, "NON_COMPLIANT", 0);
	put(s, "lt-00000000000000003", "resolve:ssm:never-resolved", NULL, "INSUFFICIENT_DATA", 0);
	put(s, "lt-00000000000000004", AMZ, AMZ, "COMPLIANT", 1);            /* deleted */
	put(s, "lt-00000000000000005", NULL, NULL, "NOT_APPLICABLE", 0);     /* names no image */

	/* today: amazon's images; proposed: the account's own ("self") and not amazon's */
	add_rule(&current, "{\"id\":\"amazon\",\"criteria\":{\"owners\":[\"amazon\"]}}");
	add_rule(&proposed, "{\"id\":\"own\",\"criteria\":{\"owners\":[\"self\"]}}");
	CHECK(simulate_templates(s, &current, &proposed, NOW, 10, &res) == IT_OK, "run");
	CHECK(json_integer_value(json_object_get(res, "evaluated")) == 3, "three judged");
	CHECK(json_integer_value(json_object_get(res, "skipped_not_applicable")) == 2, "deleted and imageless skipped");
	CHECK(json_integer_value(json_object_get(res, "changed")) == 2, "two change");
	c = change_of(res, "lt-00000000000000001");
	CHECK(c && !strcmp(json_string_value(json_object_get(c, "from")), "COMPLIANT") &&
		      !strcmp(json_string_value(json_object_get(c, "to")), "NON_COMPLIANT") &&
		      json_integer_value(json_object_get(c, "version")) == 1 &&
		      !strcmp(json_string_value(json_object_get(c, "image_id")), AMZ),
	      "amazon's image no longer allowed");
	c = change_of(res, "lt-00000000000000002");
	CHECK(c && !strcmp(json_string_value(json_object_get(c, "to")), "COMPLIANT") &&
		      !strcmp(json_string_value(json_object_get(c, "matched_rule")), "own"),
	      "self is the template's account");
	CHECK(!change_of(res, "lt-00000000000000003"), "an unresolved alias changes nothing");
	json_decref(res);

	CHECK(simulate_templates(s, &current, &proposed, NOW, 1, &res) == IT_OK, "run capped");
	CHECK(json_array_size(json_object_get(res, "changes")) == 1 && json_is_true(json_object_get(res, "truncated")) &&
		      json_integer_value(json_object_get(res, "changed")) == 2,
	      "at most max_changes, truncated said");
	json_decref(res);

	rule_set_finish(&current);
	rule_set_finish(&proposed);
	store_close(s);
	unlink(path);
	return tap_done();
}
