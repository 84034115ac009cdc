/*
 * policy_bench: evaluations per second of one instance against 10, 100 and 1000 rules
 * (single thread). The rules mix every criterion kind and none allows the image, the
 * slowest path (every rule checked, reasons formatted up to the cap).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "image_facts.h"
#include "json_io.h"
#include "policy.h"
#include "rule.h"

static const char *kinds[] = {
	"{\"owners\":[\"amazon\",\"999999999999\",\"self\"]}",
	"{\"name_patterns\":[\"web-*-x86_64\",\"golden-al2023-*-arm64\"]}",
	"{\"owners\":[\"123456789012\"],\"tags\":{\"Approved\":[\"yes\"],\"Team\":[\"*\"]}}",
	"{\"owners\":[\"123456789012\"],\"max_age_days\":10}",
	"{\"image_ids\":[\"ami-11111111\",\"ami-22222222\",\"ami-33333333\"]}",
	"{\"owners\":[\"123456789012\"],\"watermarks\":[{\"key\":\"999999999999:*\",\"source_region\":\"us-*\"}]}",
	"{\"platforms\":[\"Windows\"],\"product_codes\":[\"abc\"]}",
};

static const char *facts =
	"{\"image_id\":\"ami-0123456789abcdef0\",\"owner_id\":\"123456789012\",\"name\":\"golden-al2023-2025.12.01-x86_64\","
	"\"creation_date\":\"2025-12-01T00:00:00Z\",\"platform\":\"Linux/UNIX\",\"tags\":{\"Approved\":\"true\",\"Team\":\"core\"},"
	"\"watermarks\":[{\"key\":\"111122223333:golden\",\"source_region\":\"us-east-1\"}]}";

static int build(size_t n, struct rule_set *set)
{
	char doc[512], id[32];
	struct json_err err;

	rule_set_init(set);
	for (size_t i = 0; i < n; i++) {
		json_t *j = NULL;
		struct rule *r = NULL;
		snprintf(id, sizeof(id), "rule-%04zu", i);
		snprintf(doc, sizeof(doc), "{\"id\":\"%s\",\"criteria\":%s}", id, kinds[i % (sizeof(kinds) / sizeof(kinds[0]))]);
		if (json_load_bounded(doc, strlen(doc), 4096, 16, &j, &err) || rule_from_json(j, &r, &err) ||
		    rule_set_add_rule(set, r)) {
			json_decref(j);
			return -1;
		}
		json_decref(j);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = {10, 100, 1000};
	struct image_facts *img = NULL;
	struct json_err err;
	json_t *j = NULL;
	double min_secs = argc > 1 ? atof(argv[1]) : 1.0;

	if (json_load_bounded(facts, strlen(facts), 4096, 16, &j, &err) || image_facts_from_json(j, &img, &err))
		return 1;
	json_decref(j);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct rule_set set;
		struct policy_instance inst = {"111122223333", "us-east-1", "i-0123456789abcdef0", "running", NULL, 0, 1};
		struct verdict v;
		int64_t t0, t1;
		long iters = 0, batch = 1000;
		volatile int sink = 0;

		if (build(sizes[s], &set))
			return 1;
		t0 = clock_mono_us();
		do {
			for (long i = 0; i < batch; i++) {
				policy_evaluate(&set, &inst, img, 1767225600000LL, &v);
				sink += (int)v.compliance;
			}
			iters += batch;
			t1 = clock_mono_us();
		} while ((double)(t1 - t0) < min_secs * 1e6);
		printf("rules=%-5zu evaluations/s=%.0f  (%.2f us each, verdict %s)\n", sizes[s],
		       (double)iters * 1e6 / (double)(t1 - t0), (double)(t1 - t0) / (double)iters,
		       compliance_names[v.compliance]);
		(void)sink;
		rule_set_finish(&set);
	}
	image_facts_free(img);
	return 0;
}
