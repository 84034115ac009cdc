/*
 * fuzz_image_facts: arbitrary bytes as the image facts JSON (the body of
 * PUT /v1/images/{region}/{image_id} and `italic evaluate --image`). Accepted facts must
 * render and parse back to the same JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image_facts.h"
#include "json_io.h"
#include "limits.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_err err;
	struct image_facts *f = NULL, *g = NULL;
	json_t *doc = NULL, *a = NULL, *b = NULL;
	char *sa = NULL, *sb = NULL;

	if (json_load_bounded((const char *)data, size, IT_MAX_BODY, IT_MAX_JSON_DEPTH, &doc, &err) != IT_OK)
		return 0;
	if (image_facts_from_json(doc, &f, &err) == IT_OK) {
		if (image_facts_to_json(f, &a) != IT_OK)
			abort();
		if (image_facts_from_json(a, &g, &err) != IT_OK)
			abort();   /* what we render we must accept */
		if (image_facts_to_json(g, &b) != IT_OK)
			abort();
		sa = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
		sb = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
		if (sa && sb && strcmp(sa, sb) != 0)
			abort();
	}
	free(sa);
	free(sb);
	json_decref(a);
	json_decref(b);
	image_facts_free(f);
	image_facts_free(g);
	json_decref(doc);
	return 0;
}
