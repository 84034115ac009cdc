/* test_rule: one rejected document per 422 reason (with the field it must name), then
 * accepted rules, defaults, rendering round trips, exemptions and their time bounds. */
#include "json_io.h"
#include "limits.h"
#include "rule.h"
#include "status.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL
#define NOW 1767225600000LL   /* 2026-01-01T00:00:00Z */

struct bad_case {
	const char *name;
	const char *doc;
	const char *field;
};

static const struct bad_case bad_rules[] = {
	{"not an object", "[]", ""},
	{"unknown top-level field", "{\"criteria\":{\"owners\":[\"amazon\"]},\"colour\":1}", "colour"},
	{"missing criteria", "{\"id\":\"r1\"}", "criteria"},
	{"criteria not object", "{\"criteria\":[]}", "criteria"},
	{"empty criteria", "{\"criteria\":{}}", "criteria"},
	{"only null criteria", "{\"criteria\":{\"owners\":null}}", "criteria"},
	{"unknown criteria field", "{\"criteria\":{\"owner\":[\"amazon\"]}}", "criteria.owner"},
	{"unknown scope field", "{\"scope\":{\"account\":[]},\"criteria\":{\"owners\":[\"self\"]}}", "scope.account"},
	{"bad scope account", "{\"scope\":{\"accounts\":[\"111122223333\",\"1234\"]},\"criteria\":{\"owners\":[\"self\"]}}", "scope.accounts[1]"},
	{"bad scope region", "{\"scope\":{\"regions\":[\"US-EAST-1\"]},\"criteria\":{\"owners\":[\"self\"]}}", "scope.regions[0]"},
	{"bad id", "{\"id\":\"-bad\",\"criteria\":{\"owners\":[\"self\"]}}", "id"},
	{"id too long", "{\"id\":\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "\",\"criteria\":{\"owners\":[\"self\"]}}", "id"},
	{"id wrong type", "{\"id\":7,\"criteria\":{\"owners\":[\"self\"]}}", "id"},
	{"name control char", "{\"name\":\"a\\u0001\",\"criteria\":{\"owners\":[\"self\"]}}", "name"},
	{"enabled not bool", "{\"enabled\":\"yes\",\"criteria\":{\"owners\":[\"self\"]}}", "enabled"},
	{"bad mode", "{\"mode\":\"warn\",\"criteria\":{\"owners\":[\"self\"]}}", "mode"},
	{"bad version", "{\"version\":0,\"criteria\":{\"owners\":[\"self\"]}}", "version"},
	{"bad created_at", "{\"created_at\":\"yesterday\",\"criteria\":{\"owners\":[\"self\"]}}", "created_at"},
	{"malformed ami id", "{\"criteria\":{\"image_ids\":[\"ami-0123456789abcdef0\",\"ami-0123456789abcdef0\",\"ami-0123456789abcdef0\",\"ami-XYZ\"]}}", "criteria.image_ids[3]"},
	{"upper-case ami id", "{\"criteria\":{\"image_ids\":[\"ami-0123456789ABCDEF0\"]}}", "criteria.image_ids[0]"},
	{"ami id not string", "{\"criteria\":{\"image_ids\":[5]}}", "criteria.image_ids[0]"},
	{"empty image_ids", "{\"criteria\":{\"image_ids\":[]}}", "criteria.image_ids"},
	{"bad owner", "{\"criteria\":{\"owners\":[\"amazon\",\"microsoft\"]}}", "criteria.owners[1]"},
	{"owner 11 digits", "{\"criteria\":{\"owners\":[\"12345678901\"]}}", "criteria.owners[0]"},
	{"bad glob char", "{\"criteria\":{\"name_patterns\":[\"golden:*\"]}}", "criteria.name_patterns[0]"},
	{"empty glob", "{\"criteria\":{\"name_patterns\":[\"\"]}}", "criteria.name_patterns[0]"},
	{"negative max_age_days", "{\"criteria\":{\"max_age_days\":-1}}", "criteria.max_age_days"},
	{"max_age_days real", "{\"criteria\":{\"max_age_days\":1.5}}", "criteria.max_age_days"},
	{"max_age_days too big", "{\"criteria\":{\"max_age_days\":2147483648}}", "criteria.max_age_days"},
	{"negative deprecated", "{\"criteria\":{\"max_days_since_deprecated\":-5}}", "criteria.max_days_since_deprecated"},
	{"bad product code", "{\"criteria\":{\"product_codes\":[\"abc-def\"]}}", "criteria.product_codes[0]"},
	{"product code too long", "{\"criteria\":{\"product_codes\":[\"abcdefghijklmnopqrstuvwxyz\"]}}", "criteria.product_codes[0]"},
	{"bad platform", "{\"criteria\":{\"platforms\":[\"linux\"]}}", "criteria.platforms[0]"},
	{"tags not object", "{\"criteria\":{\"tags\":[\"a\"]}}", "criteria.tags"},
	{"tags empty", "{\"criteria\":{\"tags\":{}}}", "criteria.tags"},
	{"tag values not array", "{\"criteria\":{\"tags\":{\"Team\":\"x\"}}}", "criteria.tags.Team"},
	{"tag values empty", "{\"criteria\":{\"tags\":{\"Team\":[]}}}", "criteria.tags.Team"},
	{"tag value not string", "{\"criteria\":{\"tags\":{\"Team\":[\"a\",1]}}}", "criteria.tags.Team[1]"},
	{"unknown watermark field", "{\"criteria\":{\"watermarks\":[{\"key\":\"1:*\",\"colour\":1}]}}", "criteria.watermarks[0].colour"},
	{"empty watermark entry", "{\"criteria\":{\"watermarks\":[{}]}}", "criteria.watermarks[0]"},
	{"watermark entry of nulls only", "{\"criteria\":{\"watermarks\":[{\"key\":null,\"max_days_since_source_created\":null}]}}", "criteria.watermarks[0]"},
	{"bad watermark key", "{\"criteria\":{\"watermarks\":[{\"key\":\"a\\\"b\"}]}}", "criteria.watermarks[0].key"},
	{"bad watermark region", "{\"criteria\":{\"watermarks\":[{\"source_region\":\"US-*\"}]}}", "criteria.watermarks[0].source_region"},
	{"negative watermark days", "{\"criteria\":{\"watermarks\":[{\"max_days_since_source_created\":-1}]}}", "criteria.watermarks[0].max_days_since_source_created"},
	{"watermark not object", "{\"criteria\":{\"watermarks\":[\"k\"]}}", "criteria.watermarks[0]"},
};

static json_t *load(const char *doc)
{
	json_t *j = NULL;
	struct json_err e;
	if (json_load_bounded(doc, strlen(doc), IT_MAX_BODY, IT_MAX_JSON_DEPTH, &j, &e) != IT_OK)
		return NULL;
	return j;
}

static json_t *list_of(const char *item, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(item));
	return a;
}

static void test_bad_rules(void)
{
	for (size_t i = 0; i < ARRAY_LEN(bad_rules); i++) {
		json_t *j = load(bad_rules[i].doc);
		struct rule *r = (struct rule *)&r;   /* sentinel: must stay */
		struct rule *sentinel = r;
		struct json_err err = {{0}, {0}};
		int rc;
		if (!j) {
			CHECK(0, "%s: test document does not parse", bad_rules[i].name);
			continue;
		}
		rc = rule_from_json(j, &r, &err);
		CHECK(rc == IT_EINVAL, "%s: rc %d", bad_rules[i].name, rc);
		CHECK(r == sentinel, "%s: out-param untouched", bad_rules[i].name);
		CHECK_STR(err.field, bad_rules[i].field, bad_rules[i].name);
		CHECK(err.message[0] != '\0', "%s: message set", bad_rules[i].name);
		json_decref(j);
	}
}

/* Oversize lists, one per bounded list: IT_MAX_* + 1 items must be refused. */
static void test_oversize(void)
{
	static const struct {
		const char *field, *item;
		size_t max;
		int scope;
	} over[] = {
		{"image_ids", "ami-12345678", IT_MAX_IMAGE_IDS, 0},
		{"owners", "amazon", IT_MAX_OWNERS, 0},
		{"name_patterns", "a*", IT_MAX_NAME_PATTERNS, 0},
		{"product_codes", "abc", IT_MAX_PRODUCT_CODES, 0},
		{"platforms", "Windows", IT_MAX_PLATFORMS, 0},
		{"accounts", "111122223333", IT_MAX_SCOPE_ITEMS, 1},
		{"regions", "us-east-1", IT_MAX_SCOPE_ITEMS, 1},
	};
	char want[160];

	/* issue 13 §6: watermark entries are bounded at 10 (Allowed AMIs has 50): each is a
	 * glob against every image watermark, for each of 1000 rules. */
	CHECK(IT_MAX_WATERMARKS == 10 && IT_MAX_IMAGE_WATERMARKS == 5, "watermark limits");
	for (size_t n = IT_MAX_WATERMARKS; n <= IT_MAX_WATERMARKS + 1; n++) {
		json_t *wms = json_array(), *doc;
		struct rule *r = NULL;
		struct json_err err = {{0}, {0}};
		for (size_t k = 0; k < n; k++)
			json_array_append_new(wms, json_pack("{s:s}", "key", "111122223333:golden-*"));
		doc = json_pack("{s:{s:o}}", "criteria", "watermarks", wms);
		if (n == IT_MAX_WATERMARKS) {
			CHECK(rule_from_json(doc, &r, &err) == IT_OK, "10 watermark entries: %s", err.message);
		} else {
			CHECK(rule_from_json(doc, &r, &err) == IT_EINVAL && r == NULL, "11 watermark entries refused");
			CHECK_STR(err.field, "criteria.watermarks", "watermarks field");
		}
		rule_free(r);
		json_decref(doc);
	}

	CHECK(IT_MAX_RULE_TAGS == 10, "tag key limit");
	for (size_t n = IT_MAX_RULE_TAGS; n <= IT_MAX_RULE_TAGS + 1; n++) {
		json_t *tags = json_object(), *doc;
		struct rule *r = NULL;
		struct json_err err = {{0}, {0}};
		char key[16];
		for (size_t k = 0; k < n; k++) {
			snprintf(key, sizeof(key), "Key%zu", k);
			json_object_set_new(tags, key, json_pack("[s]", "*"));
		}
		doc = json_pack("{s:{s:o}}", "criteria", "tags", tags);
		CHECK((rule_from_json(doc, &r, &err) == IT_OK) == (n == IT_MAX_RULE_TAGS), "%zu tag keys", n);
		if (n > IT_MAX_RULE_TAGS)
			CHECK_STR(err.field, "criteria.tags", "tags field");
		rule_free(r);
		json_decref(doc);
	}

	for (size_t i = 0; i < ARRAY_LEN(over); i++) {
		json_t *doc = json_pack("{s:{s:[s]}}", "criteria", "owners", "self");
		json_t *parent = over[i].scope ? json_object() : json_object_get(doc, "criteria");
		struct rule *r = NULL;
		struct json_err err = {{0}, {0}};
		json_object_set_new(parent, over[i].field, list_of(over[i].item, over[i].max + 1));
		if (over[i].scope)
			json_object_set_new(doc, "scope", parent);
		CHECK(rule_from_json(doc, &r, &err) == IT_EINVAL && r == NULL, "%s over max", over[i].field);
		snprintf(want, sizeof(want), "%s.%s", over[i].scope ? "scope" : "criteria", over[i].field);
		CHECK_STR(err.field, want, over[i].field);
		/* exactly at the bound is fine */
		json_object_set_new(parent, over[i].field, list_of(over[i].item, over[i].max));
		CHECK(rule_from_json(doc, &r, &err) == IT_OK, "%s at max: %s %s", over[i].field, err.field, err.message);
		rule_free(r);
		json_decref(doc);
	}
	{
		/* oversize strings: name, description, tag key, tag value, glob */
		char big[IT_MAX_DESCRIPTION + 2];
		struct rule *r = NULL;
		struct json_err err = {{0}, {0}};
		json_t *doc;
		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		doc = json_pack("{s:s, s:{s:[s]}}", "description", big, "criteria", "owners", "self");
		CHECK(rule_from_json(doc, &r, &err) == IT_EINVAL, "long description");
		CHECK_STR(err.field, "description", "long description");
		json_decref(doc);
		big[IT_MAX_NAME + 1] = '\0';
		doc = json_pack("{s:s, s:{s:[s]}}", "name", big, "criteria", "owners", "self");
		CHECK(rule_from_json(doc, &r, &err) == IT_EINVAL, "long name");
		CHECK_STR(err.field, "name", "long name");
		json_decref(doc);
		big[IT_MAX_GLOB + 1] = '\0';
		doc = json_pack("{s:{s:[s]}}", "criteria", "name_patterns", big);
		CHECK(rule_from_json(doc, &r, &err) == IT_EINVAL, "long glob");
		CHECK_STR(err.field, "criteria.name_patterns[0]", "long glob");
		json_decref(doc);
		memset(big, 'x', sizeof(big) - 1);
		big[IT_MAX_TAG_VALUE + 1] = '\0';
		doc = json_pack("{s:{s:{s:[s]}}}", "criteria", "tags", "T", big);
		CHECK(rule_from_json(doc, &r, &err) == IT_EINVAL, "long tag value");
		CHECK_STR(err.field, "criteria.tags.T[0]", "long tag value");
		json_decref(doc);
		big[IT_MAX_TAG_KEY + 1] = '\0';
		doc = json_pack("{s:{s:{s:[s]}}}", "criteria", "tags", big, "v");
		CHECK(rule_from_json(doc, &r, &err) == IT_EINVAL, "long tag key");
		json_decref(doc);
	}
}

/* The example of docs/rules.md: every criterion at once. */
static const char *full_rule =
	"{\"id\":\"golden-linux\",\"name\":\"Golden Linux images\",\"description\":\"Built by the image pipeline\","
	"\"enabled\":true,\"scope\":{\"accounts\":[\"111122223333\"],\"regions\":[\"us-east-1\"]},"
	"\"criteria\":{\"image_ids\":[\"ami-0123456789abcdef0\"],\"owners\":[\"amazon\",\"aws-marketplace\",\"self\",\"123456789012\"],"
	"\"name_patterns\":[\"golden-al2023-*\"],\"tags\":{\"Approved\":[\"true\"],\"Team\":[\"*\"]},\"max_age_days\":90,"
	"\"max_days_since_deprecated\":0,\"product_codes\":[\"abcdefghijklmnopqrstuvw\"],\"platforms\":[\"Linux/UNIX\"],"
	"\"watermarks\":[{\"key\":\"111122223333:golden-*\",\"source_region\":\"us-*\",\"max_days_since_source_created\":180}]},"
	"\"mode\":\"enforce\"}";

static void test_good_rule(void)
{
	json_t *j = load(full_rule), *out = NULL, *again_j = NULL;
	struct rule *r = NULL, *again = NULL, *clone = NULL;
	struct json_err err = {{0}, {0}};
	char *a, *b;

	CHECK(rule_from_json(j, &r, &err) == IT_OK, "docs/rules.md example parses: %s %s", err.field, err.message);
	if (!r) {
		json_decref(j);
		return;
	}
	CHECK_STR(r->id, "golden-linux", "id");
	CHECK_STR(r->name, "Golden Linux images", "name");
	CHECK(r->enabled == 1 && r->mode == RULE_ENFORCE, "enabled enforce");
	CHECK(r->scope.accounts.n == 1 && r->scope.regions.n == 1, "scope");
	CHECK(r->criteria.owners.n == 4, "owners");
	CHECK_STR(r->criteria.owners.v[3], "123456789012", "owner 3");
	CHECK(r->criteria.n_tags == 2, "tags");
	CHECK_STR(r->criteria.tags[1].key, "Team", "tag key order kept");
	CHECK(r->criteria.max_age_days == 90 && r->criteria.max_days_since_deprecated == 0, "days");
	CHECK(r->criteria.n_watermarks == 1 && r->criteria.watermarks[0].max_days_since_source_created == 180 &&
	      r->criteria.watermarks[0].max_days_since_watermark_created == RULE_NONE, "watermark");
	CHECK(rule_criteria_count(r) == 9, "9 criteria, got %d", rule_criteria_count(r));
	CHECK(r->version == 0 && r->created_at_ms == RULE_NONE, "no version yet");

	r->version = 3;
	r->created_at_ms = NOW;
	r->updated_at_ms = NOW + 1500;
	CHECK(rule_to_json(r, &out) == IT_OK, "render");
	CHECK(json_integer_value(json_object_get(out, "version")) == 3, "version rendered");
	CHECK_STR(json_str(out, "created_at"), "2026-01-01T00:00:00Z", "created_at rendered");
	CHECK_STR(json_str(out, "updated_at"), "2026-01-01T00:00:01.500Z", "updated_at rendered");
	CHECK(rule_from_json(out, &again, &err) == IT_OK, "rendered form parses back");
	CHECK(again && again->version == 3 && again->updated_at_ms == NOW + 1500, "read-only fields read back");
	CHECK(rule_to_json(again, &again_j) == IT_OK, "render again");
	a = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	b = json_dumps(again_j, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(a && b && strcmp(a, b) == 0, "round trip stable");
	free(a);
	free(b);
	CHECK(rule_clone(r, &clone) == IT_OK && clone && clone->version == 3 &&
	      strcmp(clone->criteria.watermarks[0].key, "111122223333:golden-*") == 0, "clone");
	CHECK(rule_set_id(r, "bad id") == IT_EINVAL && strcmp(r->id, "golden-linux") == 0, "set_id rejects");
	CHECK(rule_set_id(r, "new.id") == IT_OK && strcmp(r->id, "new.id") == 0, "set_id");
	rule_free(clone);
	json_decref(again_j);
	rule_free(again);
	json_decref(out);
	rule_free(r);
	json_decref(j);
}

static void test_defaults(void)
{
	json_t *j = load("{\"criteria\":{\"max_age_days\":0},\"scope\":{\"accounts\":[]}}"), *out = NULL;
	struct rule *r = NULL;
	struct json_err err = {{0}, {0}};

	CHECK(rule_from_json(j, &r, &err) == IT_OK, "minimal rule: %s %s", err.field, err.message);
	if (r) {
		CHECK(r->id[0] == '\0', "no id: caller assigns");
		CHECK(r->enabled == 1, "enabled by default");
		CHECK(r->mode == RULE_ENFORCE, "enforce by default");
		CHECK(r->criteria.max_age_days == 0 && r->criteria.max_days_since_deprecated == RULE_NONE, "0 is a value");
		CHECK(r->scope.accounts.n == 0, "empty scope list = all");
		CHECK(rule_criteria_count(r) == 1, "one criterion");
		CHECK(rule_to_json(r, &out) == IT_OK && !json_object_get(out, "id") && !json_object_get(out, "scope") &&
		      !json_object_get(out, "version"), "absent fields not rendered");
		CHECK_STR(json_str(out, "mode"), "enforce", "mode rendered");
	}
	json_decref(out);
	rule_free(r);
	json_decref(j);
	j = load("{\"criteria\":{\"owners\":[\"self\"]},\"mode\":\"audit\",\"enabled\":false}");
	r = NULL;
	CHECK(rule_from_json(j, &r, &err) == IT_OK && r && r->mode == RULE_AUDIT && r->enabled == 0, "audit disabled");
	rule_free(r);
	json_decref(j);
}

static const struct bad_case bad_ex[] = {
	{"unknown field", "{\"account\":\"111122223333\",\"reason\":\"r\",\"expires_at\":\"2026-02-01T00:00:00Z\",\"x\":1}", "x"},
	{"created_by from input", "{\"account\":\"111122223333\",\"reason\":\"r\",\"expires_at\":\"2026-02-01T00:00:00Z\",\"created_by\":\"me\"}", "created_by"},
	{"no scope", "{\"reason\":\"r\",\"expires_at\":\"2026-02-01T00:00:00Z\"}", ""},
	{"missing reason", "{\"account\":\"111122223333\",\"expires_at\":\"2026-02-01T00:00:00Z\"}", "reason"},
	{"empty reason", "{\"account\":\"111122223333\",\"reason\":\"\",\"expires_at\":\"2026-02-01T00:00:00Z\"}", "reason"},
	{"missing expires_at", "{\"account\":\"111122223333\",\"reason\":\"r\"}", "expires_at"},
	{"bad expires_at", "{\"account\":\"111122223333\",\"reason\":\"r\",\"expires_at\":\"soon\"}", "expires_at"},
	{"past expires_at", "{\"account\":\"111122223333\",\"reason\":\"r\",\"expires_at\":\"2025-12-31T23:59:59Z\"}", "expires_at"},
	{"expires now", "{\"account\":\"111122223333\",\"reason\":\"r\",\"expires_at\":\"2026-01-01T00:00:00Z\"}", "expires_at"},
	{"expires too far", "{\"account\":\"111122223333\",\"reason\":\"r\",\"expires_at\":\"2027-01-01T00:00:00.001Z\"}", "expires_at"},
	{"bad account", "{\"account\":\"1111\",\"reason\":\"r\",\"expires_at\":\"2026-02-01T00:00:00Z\"}", "account"},
	{"bad instance", "{\"instance_id\":\"i-XYZ\",\"reason\":\"r\",\"expires_at\":\"2026-02-01T00:00:00Z\"}", "instance_id"},
	{"bad image", "{\"image_id\":\"ami-1\",\"reason\":\"r\",\"expires_at\":\"2026-02-01T00:00:00Z\"}", "image_id"},
	{"tag without value", "{\"tag\":{\"key\":\"k\"},\"reason\":\"r\",\"expires_at\":\"2026-02-01T00:00:00Z\"}", "tag.value"},
	{"tag unknown field", "{\"tag\":{\"key\":\"k\",\"value\":\"v\",\"x\":1},\"reason\":\"r\",\"expires_at\":\"2026-02-01T00:00:00Z\"}", "tag.x"},
	{"bad id", "{\"id\":\"a b\",\"account\":\"111122223333\",\"reason\":\"r\",\"expires_at\":\"2026-02-01T00:00:00Z\"}", "id"},
};

static void test_exemptions(void)
{
	struct exemption *e = NULL, *c = NULL;
	struct json_err err = {{0}, {0}};
	json_t *j, *out = NULL;

	for (size_t i = 0; i < ARRAY_LEN(bad_ex); i++) {
		j = load(bad_ex[i].doc);
		e = NULL;
		CHECK(j && exemption_from_json(j, NOW, 0, &e, &err) == IT_EINVAL && e == NULL, "%s", bad_ex[i].name);
		CHECK_STR(err.field, bad_ex[i].field, bad_ex[i].name);
		json_decref(j);
	}
	/* exactly 365 days ahead is the last accepted instant */
	j = load("{\"id\":\"ex-1\",\"instance_id\":\"i-0123456789abcdef0\",\"tag\":{\"key\":\"Env\",\"value\":\"lab\"},"
		 "\"reason\":\"vendor appliance, ticket SEC-42\",\"expires_at\":\"2027-01-01T00:00:00Z\"}");
	CHECK(exemption_from_json(j, NOW, 0, &e, &err) == IT_OK && e, "365 days ahead accepted: %s", err.message);
	if (e) {
		CHECK(e->expires_at_ms == NOW + 365 * DAY_MS, "expires_at");
		CHECK_STR(e->instance_id, "i-0123456789abcdef0", "instance");
		CHECK_STR(e->tag_key, "Env", "tag key");
		CHECK(e->account[0] == '\0' && e->created_by == NULL, "absent fields");
		CHECK(exemption_set_created(e, "admin:alice", NOW) == IT_OK, "set created");
		CHECK(exemption_to_json(e, &out) == IT_OK, "render");
		CHECK_STR(json_str(out, "created_by"), "admin:alice", "created_by rendered");
		CHECK_STR(json_str(out, "expires_at"), "2027-01-01T00:00:00Z", "expires rendered");
		/* stored form: created_by accepted, expiry not judged */
		c = NULL;
		CHECK(exemption_from_json(out, NOW + 400 * DAY_MS, EXEMPTION_STORED, &c, &err) == IT_OK && c &&
		      strcmp(c->created_by, "admin:alice") == 0 && c->created_at_ms == NOW, "stored form reads back");
		exemption_free(c);
		CHECK(exemption_from_json(out, NOW, 0, &c, &err) == IT_EINVAL, "stored form refused as input");
		CHECK_STR(err.field, "created_by", "created_by refused");
	}
	json_decref(out);
	exemption_free(e);
	json_decref(j);
	exemption_free(NULL);
	rule_free(NULL);
}

static void test_set(void)
{
	struct rule_set set;
	struct json_err err;
	json_t *j = load("{\"criteria\":{\"owners\":[\"self\"]}}");
	char id[32];
	int ok = 1;

	rule_set_init(&set);
	for (int i = 0; i < IT_MAX_RULES + 1; i++) {
		struct rule *r = NULL;
		if (rule_from_json(j, &r, &err) != IT_OK) {
			ok = 0;
			break;
		}
		snprintf(id, sizeof(id), "r%d", i);
		if (rule_set_id(r, id) != IT_OK)
			ok = 0;
		if (rule_set_add_rule(&set, r) != IT_OK) {
			CHECK(i == IT_MAX_RULES, "refused only past the limit (at %d)", i);
			rule_free(r);
		}
	}
	CHECK(ok && set.n_rules == IT_MAX_RULES, "set holds %zu", set.n_rules);
	CHECK(rule_set_find(&set, "r999") == set.rules[999], "find");
	CHECK(rule_set_find(&set, "nope") == NULL, "find missing");
	rule_set_finish(&set);
	CHECK(set.n_rules == 0 && set.rules == NULL, "finished");
	json_decref(j);
}

/* Compact rendering size of r, 0 on failure. */
static size_t rendered_size(const struct rule *r)
{
	json_t *j = NULL;
	size_t n = 0;

	if (rule_to_json(r, &j) == IT_OK)
		n = json_dumpb(j, NULL, 0, JSON_COMPACT);
	json_decref(j);
	return n;
}

/* A rule's compact rendering may take IT_MAX_RULE_BYTES when written, not a byte more:
 * tag values are added one by one to 1000 image ids until the rendering passes the
 * bound; the last rule under it is accepted, the first over it refused. */
static void test_size_bound(void)
{
	json_t *ids = json_array(), *tags = json_object();
	struct rule *under = NULL, *over = NULL;
	struct json_err err = {{0}, {0}};
	char v[256];

	for (int i = 0; i < IT_MAX_IMAGE_IDS; i++) {
		snprintf(v, sizeof(v), "ami-%017x", i);
		json_array_append_new(ids, json_string(v));
	}
	for (int i = 0; i < IT_MAX_RULE_TAGS * IT_MAX_TAG_VALUES && !over; i++) {
		char key[8];
		json_t *vals, *doc;
		struct rule *r = NULL;

		snprintf(key, sizeof(key), "t%d", i / IT_MAX_TAG_VALUES);
		if (!(vals = json_object_get(tags, key)))
			json_object_set_new(tags, key, vals = json_array());
		snprintf(v, sizeof(v), "%04d-%0200d", i, 0);
		json_array_append_new(vals, json_string(v));
		doc = json_pack("{s:s,s:{s:O,s:O}}", "id", "sized", "criteria", "image_ids", ids, "tags", tags);
		if (rule_from_json(doc, &r, &err) != IT_OK) {
			json_decref(doc);
			break;
		}
		json_decref(doc);
		if (rendered_size(r) > IT_MAX_RULE_BYTES) {
			over = r;
		} else {
			rule_free(under);
			under = r;
		}
	}
	json_decref(ids);
	json_decref(tags);
	CHECK(under && over, "the bound is reachable within the list limits");
	if (under && over) {
		CHECK(rule_check_size(under, &err) == IT_OK, "%zu bytes (bound %d) accepted", rendered_size(under),
		      IT_MAX_RULE_BYTES);
		CHECK(rule_check_size(over, &err) == IT_EINVAL && strstr(err.message, "bytes"),
		      "%zu bytes refused: %s", rendered_size(over), err.message);
	}
	rule_free(under);
	rule_free(over);
}

int main(void)
{
	test_bad_rules();
	test_oversize();
	test_good_rule();
	test_defaults();
	test_exemptions();
	test_set();
	test_size_bound();
	return tap_done();
}
