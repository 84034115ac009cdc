/*
 * policy_bench: evaluations per second of one instance against 10, 100 and 1000 rules
 * (single thread). The rules mix every criterion kind and none allows the image, the
 * slowest path (every rule checked, reasons formatted up to the cap).
 *
 * --worst [RULES NAMES RULE_WM IMAGE_WM [SECONDS]]: the worst case at the documented maxima
 * (issue 13 §6), milliseconds per verdict on one core. Every rule is enabled, in
 * scope, and passes every criterion but its last (watermarks), each list at its limit
 * with the matching value last: scope 1000 accounts and 1000 regions, 1000 image_ids,
 * 200 owners, NAMES name_patterns (all but the last built to make a backtracking glob
 * matcher work hardest: '*' then a long run that almost matches), both platforms, 50
 * product codes against the image's 50, IT_MAX_RULE_TAGS tag keys of IT_MAX_TAG_VALUES
 * values against the image's 64 tags, and RULE_WM watermark entries whose key globs almost match each of the
 * image's IMAGE_WM watermark keys (144 bytes). All patterns differ, so nothing can be
 * shared between rules. Defaults: the maxima in limits.h. The reference measured
 * beside it in the same run is the mixed 1000-rule set above.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "limits.h"
#include "image_facts.h"
#include "json_io.h"
#include "policy.h"
#include "rule.h"

#ifndef IT_MAX_IMAGE_WATERMARKS   /* trees before issue 13 had one limit for both */
#define IT_MAX_IMAGE_WATERMARKS IT_MAX_WATERMARKS
#endif

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

/* ---- worst case at the limits ---- */

enum list_kind { L_ACCOUNT, L_OWNER, L_AMI, L_CODE, L_VALUE };

/* n distinct values of a kind for rule salt, the one that matches (last) at the end. */
static json_t *strs(size_t n, enum list_kind kind, size_t salt, const char *last)
{
	json_t *a = json_array();
	char b[160];

	for (size_t i = 0; a && i + 1 < n; i++) {
		switch (kind) {
		case L_ACCOUNT: snprintf(b, sizeof(b), "9%02zu%09zu", salt % 100, i); break;
		case L_OWNER: snprintf(b, sizeof(b), "8%02zu%09zu", salt % 100, i); break;
		case L_AMI: snprintf(b, sizeof(b), "ami-%05zu%012zx", salt % 100000, i); break;
		case L_CODE: snprintf(b, sizeof(b), "p%04zuc%03zu", salt % 10000, i); break;
		case L_VALUE: default: snprintf(b, sizeof(b), "v%zu-%zu", salt, i); break;
		}
		json_array_append_new(a, json_string(b));
	}
	if (a && n)
		json_array_append_new(a, json_string(last));
	return a;
}

/* "<region-like>" names that pass valid_region and differ per (salt, i). */
static json_t *regions(size_t n, size_t salt, const char *last)
{
	json_t *a = json_array();
	char b[40];

	for (size_t i = 0; a && i + 1 < n; i++) {
		snprintf(b, sizeof(b), "z%c%c-x%c%c-%zu", 'a' + (int)(salt % 26), 'a' + (int)(salt / 26 % 26),
			 'a' + (int)(i % 26), 'a' + (int)(i / 26 % 26), 1 + i / 676);
		json_array_append_new(a, json_string(b));
	}
	if (a && n)
		json_array_append_new(a, json_string(last));
	return a;
}

/* A pattern that passes every cheap check (literal prefix, no literal suffix, short
 * enough) and fails only after the whole middle is matched against a run of 'a's:
 * prefix, "*", len 'a's, a byte that is not there, "*". A one-star backtracking matcher
 * retries it at every position; the bit-parallel one walks every byte of it. */
static void almost(char *out, size_t size, const char *prefix, size_t len, char tail)
{
	size_t n = (size_t)snprintf(out, size, "%s*", prefix);
	for (size_t i = 0; i < len && n + 3 < size; i++)
		out[n++] = 'a';
	out[n++] = tail;
	out[n++] = '*';
	out[n] = '\0';
}

static int build_worst(size_t n_rules, size_t n_names, size_t n_wm, struct rule_set *set)
{
	struct json_err err;

	rule_set_init(set);
	for (size_t r = 0; r < n_rules; r++) {
		json_t *names = json_array(), *wms = json_array(), *tags = json_object(), *doc;
		struct rule *rule = NULL;
		char b[160], id[32];
		for (size_t i = 0; i + 1 < n_names; i++) {
			almost(b, sizeof(b), "", 40 + (r * 7 + i) % 50, (char)('b' + (r + i) % 20));
			json_array_append_new(names, json_string(b));
		}
		if (n_names)
			json_array_append_new(names, json_string("a*"));
		for (size_t i = 0; i < n_wm; i++) {
			almost(b, sizeof(b), "111122223333:", 40 + (r * 3 + i) % 60, (char)('b' + (r + i) % 20));
			json_array_append_new(wms, json_pack("{s:s,s:s}", "key", b, "source_region", "us-*"));
		}
		for (size_t k = 0; k < IT_MAX_RULE_TAGS; k++) {
			snprintf(b, sizeof(b), "k%02zu", 63 - k);
			json_object_set_new(tags, b, strs(IT_MAX_TAG_VALUES, L_VALUE, r, "v"));
		}
		snprintf(id, sizeof(id), "worst-%04zu", r);
		if (n_wm == 0) {   /* no watermark criterion: then the rule fails on its age instead */
			json_decref(wms);
			wms = json_null();
		}
		doc = json_pack("{s:s,s:{s:o,s:o},s:{s:o,s:o,s:o,s:[s,s],s:o,s:o,s:i,s:o}}", "id", id, "scope",
				"accounts", strs(1000, L_ACCOUNT, r, "111122223333"), "regions",
				regions(1000, r, "us-east-1"), "criteria", "image_ids",
				strs(1000, L_AMI, r, "ami-0123456789abcdef0"), "owners",
				strs(200, L_OWNER, r, "123456789012"), "name_patterns", names, "platforms",
				"Windows", "Linux/UNIX", "product_codes", strs(50, L_CODE, r, "pc49"), "tags", tags,
				"max_age_days", n_wm ? 3650 : 1, "watermarks", wms);
		if (!doc || rule_from_json(doc, &rule, &err) || rule_set_add_rule(set, rule)) {
			fprintf(stderr, "worst rule %zu: %s: %s\n", r, err.field, err.message);
			json_decref(doc);
			return -1;
		}
		json_decref(doc);
	}
	return 0;
}

static struct image_facts *worst_image(size_t n_wm)
{
	json_t *codes = json_array(), *tags = json_object(), *wms = json_array(), *doc;
	struct image_facts *img = NULL;
	struct json_err err;
	char name[IT_MAX_IMAGE_NAME + 1], key[IT_MAX_GLOB + 17], b[16];

	memset(name, 'a', IT_MAX_IMAGE_NAME);
	name[IT_MAX_IMAGE_NAME] = '\0';
	for (size_t i = 0; i < 50; i++) {
		snprintf(b, sizeof(b), "pc%02zu", i);
		json_array_append_new(codes, json_string(b));
	}
	for (size_t i = 0; i < 64; i++) {
		snprintf(b, sizeof(b), "k%02zu", i);
		json_object_set_new(tags, b, json_string("v"));
	}
	for (size_t i = 0; i < n_wm; i++) {
		size_t n = (size_t)snprintf(key, sizeof(key), "111122223333:");
		memset(key + n, 'a', sizeof(key) - 1 - n);
		key[sizeof(key) - 1] = '\0';
		key[sizeof(key) - 2] = (char)('0' + i % 10);   /* 144 bytes, distinct */
		key[sizeof(key) - 3] = (char)('0' + i / 10);
		json_array_append_new(wms, json_pack("{s:s,s:s}", "key", key, "source_region", "eu-west-1"));
	}
	doc = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "image_id", "ami-0123456789abcdef0", "owner_id",
			"123456789012", "name", name, "creation_date", "2025-12-01T00:00:00Z", "platform", "Linux/UNIX",
			"product_codes", codes, "tags", tags, "watermarks", wms);
	if (!doc || image_facts_from_json(doc, &img, &err)) {
		fprintf(stderr, "worst image: %s: %s\n", err.field, err.message);
		img = NULL;
	}
	json_decref(doc);
	return img;
}

/* Milliseconds per policy_evaluate(), best of the timed runs (at least min_secs, at
 * least 3 verdicts). */
static double time_verdicts(const struct rule_set *set, const struct image_facts *img, double min_secs,
			    struct verdict *v)
{
	struct policy_instance inst = {"111122223333", "us-east-1", "i-0123456789abcdef0", "running", NULL, 0, 1};
	int64_t start = clock_mono_us(), t0, t1;
	double best = 1e30;
	long runs = 0;

	do {
		t0 = clock_mono_us();
		policy_evaluate(set, &inst, img, 1767225600000LL, v);
		t1 = clock_mono_us();
		if ((double)(t1 - t0) / 1000.0 < best)
			best = (double)(t1 - t0) / 1000.0;
		runs++;
	} while (runs < 3 || (double)(t1 - start) < min_secs * 1e6);
	return best;
}

static int worst_main(int argc, char **argv, double min_secs)
{
	size_t n_rules = argc > 0 ? (size_t)strtoul(argv[0], NULL, 10) : IT_MAX_RULES;
	size_t n_names = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : IT_MAX_NAME_PATTERNS;
	size_t n_rwm = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : IT_MAX_WATERMARKS;
	size_t n_iwm = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : IT_MAX_IMAGE_WATERMARKS;
	if (argc > 4)
		min_secs = atof(argv[4]);
	struct rule_set worst, mixed;
	struct image_facts *img = worst_image(n_iwm), *mimg = NULL;
	struct verdict v;
	struct json_err err;
	json_t *j = NULL;
	double w, ref;

	if (!img || build_worst(n_rules, n_names, n_rwm, &worst) || build(1000, &mixed))
		return 1;
	if (json_load_bounded(facts, strlen(facts), 4096, 16, &j, &err) || image_facts_from_json(j, &mimg, &err))
		return 1;
	json_decref(j);
	ref = time_verdicts(&mixed, mimg, min_secs, &v);
	w = time_verdicts(&worst, img, min_secs, &v);
	printf("worst case: rules=%zu name_patterns=%zu rule_watermarks=%zu image_watermarks=%zu: %.2f ms per verdict "
	       "(verdict %s, %zu reasons)\n", n_rules, n_names, n_rwm, n_iwm, w, compliance_names[v.compliance],
	       v.n_reasons);
	printf("first reason: %s\n", v.n_reasons ? v.reasons[0] : "(none)");
	printf("reference:  1000 mixed rules (above): %.3f ms per verdict; worst / reference = %.0f\n", ref, w / ref);
	rule_set_finish(&worst);
	rule_set_finish(&mixed);
	image_facts_free(img);
	image_facts_free(mimg);
	return w <= 50.0 ? 0 : 3;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = {10, 100, 1000};
	struct image_facts *img = NULL;
	struct json_err err;
	json_t *j = NULL;
	double min_secs = argc > 1 && strcmp(argv[1], "--worst") != 0 ? atof(argv[1]) : 1.0;

	if (argc > 1 && strcmp(argv[1], "--worst") == 0)
		return worst_main(argc - 2, argv + 2, 1.0);

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
