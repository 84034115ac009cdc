/* test_rule_import: rejected inputs per format first, then detection, the AWS sample
 * round trip, Italic and CSV imports, export skip reasons, and the diff. */
#include "buf.h"
#include "fixture_files.h"
#include "json_io.h"
#include "limits.h"
#include "rule.h"
#include "rule_import.h"
#include "status.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The AWS sample is committed under tests/data/aws/; it is found next to this source
 * file (meson compiles with a path relative to the build directory, where tests run). */
#define SAMPLE_NAME "ec2-allowed-amis-get-allowed-images-settings-output.json"

struct bad {
	enum rule_format fmt;
	const char *name, *doc, *field;
};

static const struct bad bad_docs[] = {
	{RULE_FORMAT_AMI_CSV, "malformed id", "ami-12345678, ami-XYZ", "amiIds[1]"},
	{RULE_FORMAT_AMI_CSV, "empty item", "ami-12345678,,ami-87654321", "amiIds[1]"},
	{RULE_FORMAT_AMI_CSV, "trailing comma", "ami-12345678,", "amiIds[1]"},
	{RULE_FORMAT_AMI_CSV, "22 ids",
	 "ami-00000001,ami-00000002,ami-00000003,ami-00000004,ami-00000005,ami-00000006,ami-00000007,"
	 "ami-00000008,ami-00000009,ami-00000010,ami-00000011,ami-00000012,ami-00000013,ami-00000014,"
	 "ami-00000015,ami-00000016,ami-00000017,ami-00000018,ami-00000019,ami-00000020,ami-00000021,ami-00000022",
	 "amiIds"},
	{RULE_FORMAT_ALLOWED_AMIS, "none with others", "[{\"ImageProviders\":[\"none\",\"amazon\"]}]", "ImageCriteria[0].ImageProviders"},
	{RULE_FORMAT_ALLOWED_AMIS, "unknown criterion key", "[{\"ImageProviders\":[\"amazon\"],\"Colour\":1}]", "ImageCriteria[0].Colour"},
	{RULE_FORMAT_ALLOWED_AMIS, "unknown settings key", "{\"ImageCriteria\":[],\"Extra\":1}", "Extra"},
	{RULE_FORMAT_ALLOWED_AMIS, "bad provider", "[{\"ImageProviders\":[\"amazon\",\"12345\"]}]", "ImageCriteria[0].criteria.owners[1]"},
	{RULE_FORMAT_ALLOWED_AMIS, "bad name", "[{\"ImageNames\":[\"a:b\"]}]", "ImageCriteria[0].criteria.name_patterns[0]"},
	{RULE_FORMAT_ALLOWED_AMIS, "negative days", "[{\"CreationDateCondition\":{\"MaximumDaysSinceCreated\":-1}}]", "ImageCriteria[0].criteria.max_age_days"},
	{RULE_FORMAT_ALLOWED_AMIS, "unknown condition key", "[{\"DeprecationTimeCondition\":{\"Days\":1}}]", "ImageCriteria[0].DeprecationTimeCondition.Days"},
	{RULE_FORMAT_ALLOWED_AMIS, "unknown watermark key", "[{\"ImageWatermarks\":[{\"Key\":\"x\"}]}]", "ImageCriteria[0].ImageWatermarks[0].Key"},
	{RULE_FORMAT_ALLOWED_AMIS, "empty criterion", "[{}]", "ImageCriteria[0].criteria"},
	{RULE_FORMAT_ALLOWED_AMIS, "not a list", "\"x\"", ""},
	{RULE_FORMAT_ITALIC, "rule without id", "{\"rules\":[{\"criteria\":{\"owners\":[\"self\"]}}]}", "rules[0]"},
	{RULE_FORMAT_ITALIC, "duplicate id", "{\"rules\":[{\"id\":\"a\",\"criteria\":{\"owners\":[\"self\"]}},{\"id\":\"a\",\"criteria\":{\"owners\":[\"self\"]}}]}", "rules[1]"},
	{RULE_FORMAT_ITALIC, "bad rule field", "{\"rules\":[{\"id\":\"a\",\"criteria\":{\"owners\":[\"x\"]}}]}", "rules[0].criteria.owners[0]"},
	{RULE_FORMAT_ITALIC, "unknown top key", "{\"rules\":[],\"policies\":[]}", "policies"},
	{RULE_FORMAT_ITALIC, "bad exemption", "{\"exemptions\":[{\"reason\":\"r\",\"expires_at\":\"2026-01-01T00:00:00Z\"}]}", "exemptions[0]"},
	{RULE_FORMAT_ITALIC, "bad json", "{\"rules\":[", ""},
};

static void test_bad(void)
{
	for (size_t i = 0; i < ARRAY_LEN(bad_docs); i++) {
		struct rule_set set;
		struct json_err err = {{0}, {0}};
		int rc;
		rule_set_init(&set);
		rc = rule_import(bad_docs[i].doc, strlen(bad_docs[i].doc), bad_docs[i].fmt, &set, &err);
		CHECK(rc == IT_EINVAL, "%s: rc %d", bad_docs[i].name, rc);
		CHECK_STR(err.field, bad_docs[i].field, bad_docs[i].name);
		rule_set_finish(&set);
	}
	{
		/* over 1024 characters with 21 valid-looking ids is refused by length */
		char big[1100];
		struct rule_set set;
		struct json_err err;
		memset(big, ' ', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		memcpy(big, "ami-12345678", 12);
		memcpy(big + 1050, "ami-12345678", 12);
		big[1049] = ',';
		rule_set_init(&set);
		CHECK(rule_import(big, strlen(big), RULE_FORMAT_AMI_CSV, &set, &err) == IT_EINVAL, "over 1024 chars");
		rule_set_finish(&set);
	}
}

static void test_detect(void)
{
	enum rule_format f = RULE_FORMAT__MAX;
	static const struct {
		const char *doc;
		int ok;
		enum rule_format want;
	} d[] = {
		{"", 0, RULE_FORMAT_ITALIC},
		{"hello", 0, RULE_FORMAT_ITALIC},
		{"{\"x\":1}", 0, RULE_FORMAT_ITALIC},
		{"  ami-12345678, ami-87654321\n", 1, RULE_FORMAT_AMI_CSV},
		{"[{\"ImageProviders\":[\"amazon\"]}]", 1, RULE_FORMAT_ALLOWED_AMIS},
		{"{\"State\":\"enabled\",\"ImageCriteria\":[]}", 1, RULE_FORMAT_ALLOWED_AMIS},
		{"{\"rules\":[]}", 1, RULE_FORMAT_ITALIC},
	};
	for (size_t i = 0; i < ARRAY_LEN(d); i++) {
		int rc = rule_import_detect(d[i].doc, strlen(d[i].doc), &f);
		CHECK((rc == IT_OK) == d[i].ok && (!d[i].ok || f == d[i].want), "detect \"%s\"", d[i].doc);
	}
	CHECK(rule_format_from_name("allowed-amis", &f) == IT_OK && f == RULE_FORMAT_ALLOWED_AMIS, "format name");
	CHECK(rule_format_from_name("csv", &f) == IT_EINVAL, "bad format name");
}

static void test_allowed_amis_sample(void)
{
	size_t len = 0, n_skip = 99;
	char path[4096];
	const char *src = __FILE__, *cut = strstr(src, "unit/test_rule_import.c");
	char *data;

	snprintf(path, sizeof(path), "%.*sdata/aws/" SAMPLE_NAME, cut ? (int)(cut - src) : 0, src);
	data = fixture_read(path, &len);
	if (!data)
		data = fixture_read("tests/data/aws/" SAMPLE_NAME, &len);
	struct rule_set set;
	struct json_err err;
	struct rule_skip *skip = NULL;
	json_t *orig = NULL, *out = NULL;
	enum rule_format f;

	CHECK(data != NULL, "sample readable");
	if (!data)
		return;
	CHECK(rule_import_detect(data, len, &f) == IT_OK && f == RULE_FORMAT_ALLOWED_AMIS, "sample detected");
	rule_set_init(&set);
	CHECK(rule_import(data, len, RULE_FORMAT_ALLOWED_AMIS, &set, &err) == IT_OK, "sample imports: %s %s",
	      err.field, err.message);
	CHECK(set.n_rules == 4, "4 criteria -> 4 rules");
	if (set.n_rules == 4) {
		CHECK_STR(set.rules[0]->id, "allowed-amis-1", "id 1");
		CHECK_STR(set.rules[0]->criteria.product_codes.v[0], "abcdefg1234567890", "product code");
		CHECK(set.rules[1]->criteria.owners.n == 2 && set.rules[1]->criteria.max_age_days == 300, "providers + age");
		CHECK_STR(set.rules[2]->criteria.name_patterns.v[0], "golden-ami-*", "names");
		CHECK(set.rules[3]->criteria.max_days_since_deprecated == 0 && set.rules[3]->mode == RULE_ENFORCE,
		      "deprecation 0, enforce (State ignored)");
	}
	CHECK(rule_export_allowed_amis(&set, &out, &skip, &n_skip) == IT_OK && n_skip == 0 && !skip, "export all");
	CHECK(json_load_bounded(data, len, IT_MAX_BODY, 32, &orig, &err) == IT_OK, "reload sample");
	CHECK(out && orig && json_equal(json_object_get(out, "ImageCriteria"), json_object_get(orig, "ImageCriteria")),
	      "ImageCriteria round trip is exact");
	json_decref(out);
	json_decref(orig);
	rule_set_finish(&set);
	free(data);

	/* bare array with none and watermarks */
	{
		const char *doc = "[{\"ImageProviders\":[\"none\"]},{\"ImageWatermarks\":[{\"WatermarkKey\":\"111122223333:golden-*\","
				  "\"SourceImageRegion\":\"us-*\",\"MaximumDaysSinceSourceImageCreated\":180,"
				  "\"MaximumDaysSinceWatermarkCreated\":30}]}]";
		json_t *want = NULL;
		rule_set_init(&set);
		CHECK(rule_import(doc, strlen(doc), RULE_FORMAT_ALLOWED_AMIS, &set, &err) == IT_OK && set.n_rules == 2,
		      "bare array: %s %s", err.field, err.message);
		if (set.n_rules == 2) {
			CHECK_STR(set.rules[0]->criteria.owners.v[0], "self", "none -> self");
			CHECK(set.rules[1]->criteria.n_watermarks == 1 &&
			      set.rules[1]->criteria.watermarks[0].max_days_since_source_created == 180 &&
			      set.rules[1]->criteria.watermarks[0].max_days_since_watermark_created == 30 &&
			      strcmp(set.rules[1]->criteria.watermarks[0].source_region, "us-*") == 0, "watermark mapped");
		}
		CHECK(rule_export_allowed_amis(&set, &out, &skip, &n_skip) == IT_OK && n_skip == 0, "export");
		CHECK(json_load_bounded(doc, strlen(doc), 4096, 32, &want, &err) == IT_OK &&
		      json_equal(json_object_get(out, "ImageCriteria"), want), "none + watermarks round trip");
		json_decref(want);
		json_decref(out);
		rule_set_finish(&set);
	}
}

static void test_csv(void)
{
	const char *doc = " ami-0123456789abcdef0 ,ami-12345678,\tami-87654321\n";
	struct rule_set set;
	struct json_err err;

	rule_set_init(&set);
	CHECK(rule_import(doc, strlen(doc), RULE_FORMAT_AMI_CSV, &set, &err) == IT_OK && set.n_rules == 1, "csv");
	if (set.n_rules == 1) {
		CHECK_STR(set.rules[0]->id, "approved-amis-by-id", "csv id");
		CHECK(set.rules[0]->criteria.image_ids.n == 3 && rule_criteria_count(set.rules[0]) == 1, "3 ids only");
		CHECK_STR(set.rules[0]->criteria.image_ids.v[0], "ami-0123456789abcdef0", "trimmed");
		CHECK_STR(set.rules[0]->criteria.image_ids.v[2], "ami-87654321", "tab trimmed");
	}
	rule_set_finish(&set);
}

static void test_italic_and_skips(void)
{
	const char *doc =
		"{\"rules\":["
		"{\"id\":\"a-ids\",\"criteria\":{\"image_ids\":[\"ami-12345678\"]}},"
		"{\"id\":\"b-owners\",\"version\":3,\"created_at\":\"2026-01-01T00:00:00Z\",\"criteria\":{\"owners\":[\"amazon\"],\"max_age_days\":30}},"
		"{\"id\":\"c-audit\",\"mode\":\"audit\",\"criteria\":{\"owners\":[\"amazon\"]}},"
		"{\"id\":\"d-scope\",\"scope\":{\"regions\":[\"us-east-1\"]},\"criteria\":{\"owners\":[\"amazon\"]}},"
		"{\"id\":\"e-tags\",\"criteria\":{\"tags\":{\"A\":[\"*\"]}}},"
		"{\"id\":\"f-platform\",\"criteria\":{\"platforms\":[\"Windows\"]}},"
		"{\"id\":\"g-self-mix\",\"criteria\":{\"owners\":[\"self\",\"amazon\"]}},"
		"{\"id\":\"h-off\",\"enabled\":false,\"criteria\":{\"owners\":[\"amazon\"]}}"
		"],\"exemptions\":[{\"id\":\"x1\",\"account\":\"111122223333\",\"reason\":\"r\",\"expires_at\":\"2020-01-01T00:00:00Z\",\"created_by\":\"me\"}]}";
	static const char *skipped_ids[] = {"a-ids", "c-audit", "d-scope", "e-tags", "f-platform", "g-self-mix", "h-off"};
	struct rule_set set, again;
	struct json_err err;
	struct rule_skip *skip = NULL;
	size_t n_skip = 0;
	json_t *out = NULL, *out2 = NULL, *aa = NULL;
	char *s1, *s2;

	rule_set_init(&set);
	rule_set_init(&again);
	CHECK(rule_import(doc, strlen(doc), RULE_FORMAT_ITALIC, &set, &err) == IT_OK, "italic: %s %s", err.field, err.message);
	CHECK(set.n_rules == 8 && set.n_exemptions == 1, "8 rules, 1 exemption (expired ones are records too)");
	CHECK(rule_export_italic(&set, &out) == IT_OK, "export italic");
	s1 = json_dumps(out, JSON_COMPACT);
	CHECK(s1 && rule_import(s1, strlen(s1), RULE_FORMAT_ITALIC, &again, &err) == IT_OK, "re-import");
	CHECK(rule_export_italic(&again, &out2) == IT_OK, "export again");
	s2 = json_dumps(out2, JSON_COMPACT);
	CHECK(s1 && s2 && strcmp(s1, s2) == 0, "italic round trip exact");
	CHECK(s1 && strstr(s1, "\"version\":3") != NULL, "version carried");
	free(s1);
	free(s2);

	CHECK(rule_export_allowed_amis(&set, &aa, &skip, &n_skip) == IT_OK, "export allowed-amis");
	CHECK(json_array_size(json_object_get(aa, "ImageCriteria")) == 1, "only b-owners expressible");
	CHECK(n_skip == ARRAY_LEN(skipped_ids), "%zu skipped", n_skip);
	for (size_t i = 0; i < n_skip && i < ARRAY_LEN(skipped_ids); i++)
		CHECK(strcmp(skip[i].rule_id, skipped_ids[i]) == 0 && skip[i].reason[0], "skip %zu: %s (%s)", i,
		      skip[i].rule_id, skip[i].reason);
	if (n_skip > 0)
		CHECK_STR(skip[0].reason, "image_ids have no Allowed AMIs equivalent", "reason text");
	free(skip);
	json_decref(aa);
	json_decref(out);
	json_decref(out2);
	rule_set_finish(&set);
	rule_set_finish(&again);
}

static void test_too_many_criteria(void)
{
	struct rule_set set;
	struct rule_skip *skip = NULL;
	size_t n_skip = 0;
	json_t *out = NULL, *j;
	struct json_err err;

	rule_set_init(&set);
	for (int i = 0; i < 12; i++) {
		struct rule *r = NULL;
		char id[16];
		j = json_pack("{s:{s:[s]}}", "criteria", "owners", "amazon");
		snprintf(id, sizeof(id), "r%02d", i);
		if (rule_from_json(j, &r, &err) == 0 && rule_set_id(r, id) == 0 && rule_set_add_rule(&set, r) == 0)
			r = NULL;
		rule_free(r);
		json_decref(j);
	}
	CHECK(rule_export_allowed_amis(&set, &out, &skip, &n_skip) == IT_OK &&
	      json_array_size(json_object_get(out, "ImageCriteria")) == 10 && n_skip == 2, "10 criteria max");
	if (n_skip == 2)
		CHECK_STR(skip[1].rule_id, "r11", "last skipped");
	free(skip);
	json_decref(out);
	rule_set_finish(&set);
}

static void test_diff(void)
{
	const char *a = "{\"rules\":[{\"id\":\"keep\",\"criteria\":{\"owners\":[\"self\"]}},"
			"{\"id\":\"change\",\"criteria\":{\"max_age_days\":1}},{\"id\":\"drop\",\"criteria\":{\"owners\":[\"amazon\"]}}]}";
	const char *b = "{\"rules\":[{\"id\":\"add\",\"criteria\":{\"owners\":[\"self\"]}},{\"id\":\"change\",\"criteria\":{\"max_age_days\":2}},"
			"{\"id\":\"keep\",\"version\":9,\"criteria\":{\"owners\":[\"self\"]}}]}";
	struct rule_set before, after;
	struct rule_diff_counts n = {0, 0, 0, 0};
	struct json_err err;
	struct buf out;

	rule_set_init(&before);
	rule_set_init(&after);
	buf_init(&out, 4096);
	CHECK(rule_import(a, strlen(a), RULE_FORMAT_ITALIC, &before, &err) == IT_OK &&
	      rule_import(b, strlen(b), RULE_FORMAT_ITALIC, &after, &err) == IT_OK, "fixtures");
	CHECK(rule_diff(&before, &after, &out, &n) == IT_OK, "diff");
	CHECK_STR(buf_str(&out), "+ add\n~ change\n- drop\n", "diff lines");
	CHECK(n.added == 1 && n.changed == 1 && n.removed == 1 && n.unchanged == 1, "counts (version is not a change)");
	buf_finish(&out);
	rule_set_finish(&before);
	rule_set_finish(&after);
}

int main(void)
{
	test_bad();
	test_detect();
	test_allowed_amis_sample();
	test_csv();
	test_italic_and_skips();
	test_too_many_criteria();
	test_diff();
	return tap_done();
}
