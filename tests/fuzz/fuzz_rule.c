/*
 * fuzz_rule: arbitrary bytes through the bounded JSON loader into rule_from_json (and
 * exemption_from_json); an accepted rule must render and parse back to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_io.h"
#include "limits.h"
#include "rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct rule *r)
{
	json_t *a = NULL, *b = NULL;
	struct rule *again = NULL;
	char *sa, *sb;

	if (rule_to_json(r, &a) != 0)
		return;
	if (rule_from_json(a, &again, NULL) != 0)
		abort();   /* what we render we must accept */
	if (rule_to_json(again, &b) != 0) {
		rule_free(again);
		json_decref(a);
		return;
	}
	sa = json_dumps(a, JSON_COMPACT);
	sb = json_dumps(b, JSON_COMPACT);
	if (sa && sb && strcmp(sa, sb) != 0)
		abort();
	free(sa);
	free(sb);
	json_decref(b);
	rule_free(again);
	json_decref(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = NULL;
	struct json_err err;
	struct rule *r = NULL;
	struct exemption *e = NULL;

	if (json_load_bounded((const char *)data, size, IT_MAX_BODY, IT_MAX_JSON_DEPTH, &j, &err) != 0)
		return 0;
	if (rule_from_json(j, &r, &err) == 0) {
		if (rule_criteria_count(r) < 1)
			abort();
		roundtrip(r);
		rule_free(r);
	}
	if (exemption_from_json(j, 1767225600000LL, 0, &e, &err) == 0)
		exemption_free(e);
	json_decref(j);
	return 0;
}
