/* test_policy: the evaluator, one row per criterion outcome, combination and time
 * boundary; then reason caps and the verdict renderings (JSON, annotation). */
#include "image_facts.h"
#include "json_io.h"
#include "limits.h"
#include "policy.h"
#include "rule.h"
#include "status.h"
#include "tap.h"
#include "verdict.h"

#include <stdlib.h>
#include <string.h>

#define DAY ((int64_t)86400000)
#define NOW ((int64_t)1767225600000)      /* 2026-01-01T00:00:00Z */
#define NEVER VERDICT_NEVER
#define C COMPLIANCE_COMPLIANT
#define NC COMPLIANCE_NON_COMPLIANT
#define ID COMPLIANCE_INSUFFICIENT_DATA

/* Created exactly 31 days before NOW; watermark source created 61 days before NOW. */
static const char *base_facts =
	"{\"image_id\":\"ami-0123456789abcdef0\",\"owner_id\":\"123456789012\",\"name\":\"golden-al2023-2025.12.01\","
	"\"creation_date\":\"2025-12-01T00:00:00Z\",\"platform\":\"Linux/UNIX\",\"tags\":{\"Approved\":\"true\",\"Team\":\"core\"},"
	"\"product_codes\":[\"abc123\"],\"source\":\"registered\","
	"\"watermarks\":[{\"key\":\"111122223333:golden\",\"source_region\":\"us-east-1\",\"source_created\":\"2025-11-01T00:00:00Z\"},"
	"{\"key\":\"444455556666:other\",\"source_region\":\"eu-west-1\"}]}";

struct pcase {
	const char *name;
	const char *rules;        /* JSON array of rules */
	const char *exemptions;   /* JSON array (stored form) or NULL */
	const char *facts_patch;  /* merged onto base_facts; null values delete */
	const char *account;      /* NULL: 111122223333 */
	int64_t now;              /* 0: NOW */
	int inst_tags_unknown;
	enum compliance want;
	const char *matched;      /* NULL: none */
	const char *exemption;    /* NULL: none */
	int64_t next;             /* 0: NEVER (time alone never changes it); else the instant */
	const char *reason;       /* a reason that must be present verbatim, or NULL */
};

#define R1(crit) "[{\"id\":\"r1\",\"criteria\":" crit "}]"

static const struct pcase cases[] = {
	/* empty and disabled allow-lists */
	{.name = "empty allow-list", .rules = "[]", .want = NC,
	 .reason = "allow-list is empty: no enabled enforce rule, so nothing is allowed"},
	{.name = "only disabled rule",
	 .rules = "[{\"id\":\"r1\",\"enabled\":false,\"criteria\":{\"owners\":[\"123456789012\"]}}]", .want = NC,
	 .reason = "allow-list is empty: no enabled enforce rule, so nothing is allowed"},
	{.name = "only audit rule would allow",
	 .rules = "[{\"id\":\"a1\",\"mode\":\"audit\",\"criteria\":{\"owners\":[\"123456789012\"]}}]", .want = NC,
	 .reason = "rule a1 (audit) would allow"},
	/* image_ids */
	{.name = "image_ids match", .rules = R1("{\"image_ids\":[\"ami-11111111\",\"ami-0123456789abcdef0\"]}"), .want = C,
	 .matched = "r1", .reason = "allowed by rule r1"},
	{.name = "image_ids mismatch", .rules = R1("{\"image_ids\":[\"ami-11111111\"]}"), .want = NC,
	 .reason = "rule r1: image ami-0123456789abcdef0 not in image_ids"},
	/* owners */
	{.name = "owner id match", .rules = R1("{\"owners\":[\"123456789012\"]}"), .want = C, .matched = "r1"},
	{.name = "owner id mismatch", .rules = R1("{\"owners\":[\"999999999999\"]}"), .want = NC,
	 .reason = "rule r1: owner 123456789012 not in owners"},
	{.name = "owner self match", .rules = R1("{\"owners\":[\"self\"]}"), .account = "123456789012", .want = C,
	 .matched = "r1"},
	{.name = "owner self other account", .rules = R1("{\"owners\":[\"self\"]}"), .want = NC,
	 .reason = "rule r1: owner 123456789012 not in owners"},
	{.name = "owner alias amazon", .rules = R1("{\"owners\":[\"amazon\"]}"),
	 .facts_patch = "{\"owner_alias\":\"amazon\"}", .want = C, .matched = "r1"},
	{.name = "owner alias mismatch", .rules = R1("{\"owners\":[\"aws-marketplace\"]}"),
	 .facts_patch = "{\"owner_alias\":\"amazon\"}", .want = NC,
	 .reason = "rule r1: owner 123456789012 (amazon) not in owners"},
	{.name = "owner unknown", .rules = R1("{\"owners\":[\"123456789012\"]}"), .facts_patch = "{\"owner_id\":null}",
	 .want = NC, .reason = "rule r1: image owner unknown"},
	/* name_patterns */
	{.name = "name glob match", .rules = R1("{\"name_patterns\":[\"other-*\",\"golden-al2023-*\"]}"), .want = C,
	 .matched = "r1"},
	{.name = "name case-sensitive", .rules = R1("{\"name_patterns\":[\"Golden-*\"]}"), .want = NC,
	 .reason = "rule r1: name \"golden-al2023-2025.12.01\" matches no name_patterns"},
	{.name = "name unknown", .rules = R1("{\"name_patterns\":[\"*\"]}"), .facts_patch = "{\"name\":null}", .want = NC,
	 .reason = "rule r1: image name unknown"},
	/* tags */
	{.name = "tags match", .rules = R1("{\"tags\":{\"Approved\":[\"true\"],\"Team\":[\"*\"]}}"), .want = C,
	 .matched = "r1"},
	{.name = "tag missing", .rules = R1("{\"tags\":{\"Approved\":[\"true\"],\"Owner\":[\"*\"]}}"), .want = NC,
	 .reason = "rule r1: tag Owner missing"},
	{.name = "tag wrong value", .rules = R1("{\"tags\":{\"Approved\":[\"yes\",\"1\"]}}"), .want = NC,
	 .reason = "rule r1: tag Approved=\"true\" not an allowed value"},
	{.name = "tags unavailable", .rules = R1("{\"tags\":{\"Approved\":[\"true\"]}}"), .facts_patch = "{\"tags\":null}",
	 .want = NC, .reason = "rule r1: tags unavailable (needs tag Approved)"},
	{.name = "no tags at all is missing", .rules = R1("{\"tags\":{\"Approved\":[\"*\"]}}"),
	 .facts_patch = "{\"tags\":{}}", .want = NC, .reason = "rule r1: tag Approved missing"},
	/* product codes, platforms */
	{.name = "product code match", .rules = R1("{\"product_codes\":[\"zzz\",\"abc123\"]}"), .want = C, .matched = "r1"},
	{.name = "product code mismatch", .rules = R1("{\"product_codes\":[\"zzz\"]}"), .want = NC,
	 .reason = "rule r1: product code abc123 not in product_codes"},
	{.name = "no product code", .rules = R1("{\"product_codes\":[\"zzz\"]}"), .facts_patch = "{\"product_codes\":null}",
	 .want = NC, .reason = "rule r1: image has no product code"},
	{.name = "platform match", .rules = R1("{\"platforms\":[\"Linux/UNIX\"]}"), .want = C, .matched = "r1"},
	{.name = "platform mismatch", .rules = R1("{\"platforms\":[\"Windows\"]}"), .want = NC,
	 .reason = "rule r1: platform Linux/UNIX not in platforms"},
	{.name = "platform unknown", .rules = R1("{\"platforms\":[\"Windows\"]}"), .facts_patch = "{\"platform\":null}",
	 .want = NC, .reason = "rule r1: platform unknown"},
	/* max_age_days: the image is exactly 31 days old at NOW */
	{.name = "age exactly N days allowed", .rules = R1("{\"max_age_days\":31}"), .want = C, .matched = "r1",
	 .next = NOW + 1},
	{.name = "age N days + 1 ms refused", .rules = R1("{\"max_age_days\":31}"), .now = NOW + 1, .want = NC,
	 .reason = "rule r1: image is 31 days old, over max_age_days 31"},
	{.name = "age over", .rules = R1("{\"max_age_days\":30}"), .want = NC,
	 .reason = "rule r1: image is 31 days old, over max_age_days 30"},
	{.name = "age well within", .rules = R1("{\"max_age_days\":90}"), .want = C, .matched = "r1",
	 .next = NOW - 31 * DAY + 90 * DAY + 1},
	{.name = "age 0 same ms", .rules = R1("{\"max_age_days\":0}"),
	 .facts_patch = "{\"creation_date\":\"2026-01-01T00:00:00Z\"}", .want = C, .matched = "r1", .next = NOW + 1},
	{.name = "creation unknown", .rules = R1("{\"max_age_days\":90}"), .facts_patch = "{\"creation_date\":null}",
	 .want = NC, .reason = "rule r1: creation date unknown (max_age_days 90)"},
	/* max_days_since_deprecated */
	{.name = "never deprecated, 0", .rules = R1("{\"max_days_since_deprecated\":0}"), .want = C, .matched = "r1"},
	{.name = "deprecated exactly now, 0", .rules = R1("{\"max_days_since_deprecated\":0}"),
	 .facts_patch = "{\"deprecation_time\":\"2026-01-01T00:00:00Z\"}", .want = NC,
	 .reason = "rule r1: deprecated since 2026-01-01T00:00:00Z (max_days_since_deprecated 0)"},
	{.name = "deprecated in 1 ms, 0", .rules = R1("{\"max_days_since_deprecated\":0}"),
	 .facts_patch = "{\"deprecation_time\":\"2026-01-01T00:00:00.001Z\"}", .want = C, .matched = "r1", .next = NOW + 1},
	{.name = "future deprecation sets next change", .rules = R1("{\"max_days_since_deprecated\":0}"),
	 .facts_patch = "{\"deprecation_time\":\"2026-03-01T00:00:00Z\"}", .want = C, .matched = "r1",
	 .next = NOW + 59 * DAY},
	{.name = "deprecated exactly N days ago", .rules = R1("{\"max_days_since_deprecated\":5}"),
	 .facts_patch = "{\"deprecation_time\":\"2025-12-27T00:00:00Z\"}", .want = C, .matched = "r1", .next = NOW + 1},
	{.name = "deprecated N days + 1 ms ago", .rules = R1("{\"max_days_since_deprecated\":5}"),
	 .facts_patch = "{\"deprecation_time\":\"2025-12-27T00:00:00Z\"}", .now = NOW + 1, .want = NC,
	 .reason = "rule r1: deprecated 5 days ago, over max_days_since_deprecated 5"},
	{.name = "future deprecation, N days", .rules = R1("{\"max_days_since_deprecated\":3}"),
	 .facts_patch = "{\"deprecation_time\":\"2026-01-10T00:00:00Z\"}", .want = C, .matched = "r1",
	 .next = NOW + 12 * DAY + 1},
	/* watermarks */
	{.name = "watermark key glob", .rules = R1("{\"watermarks\":[{\"key\":\"111122223333:gold*\"}]}"), .want = C,
	 .matched = "r1"},
	{.name = "watermark key mismatch", .rules = R1("{\"watermarks\":[{\"key\":\"999*\"}]}"), .want = NC,
	 .reason = "rule r1: no watermark of the image matches watermarks"},
	{.name = "watermark fields on different watermarks",
	 .rules = R1("{\"watermarks\":[{\"key\":\"444455556666:*\",\"source_region\":\"us-*\"}]}"), .want = NC},
	{.name = "watermark both fields one watermark",
	 .rules = R1("{\"watermarks\":[{\"key\":\"444455556666:*\",\"source_region\":\"eu-*\"}]}"), .want = C,
	 .matched = "r1"},
	{.name = "watermark source age exactly N",
	 .rules = R1("{\"watermarks\":[{\"source_region\":\"us-east-1\",\"max_days_since_source_created\":61}]}"), .want = C,
	 .matched = "r1", .next = NOW + 1},
	{.name = "watermark source age over", .rules = R1("{\"watermarks\":[{\"max_days_since_source_created\":60}]}"),
	 .want = NC},
	{.name = "watermark OR across entries",
	 .rules = R1("{\"watermarks\":[{\"key\":\"nope\"},{\"source_region\":\"eu-west-1\"}]}"), .want = C, .matched = "r1"},
	{.name = "image without watermarks", .rules = R1("{\"watermarks\":[{\"key\":\"*\"}]}"),
	 .facts_patch = "{\"watermarks\":null}", .want = NC, .reason = "rule r1: image has no watermark"},
	/* scope */
	{.name = "account out of scope",
	 .rules = "[{\"id\":\"r1\",\"scope\":{\"accounts\":[\"222233334444\"]},\"criteria\":{\"owners\":[\"123456789012\"]}}]",
	 .want = NC, .reason = "rule r1: account 111122223333 not in scope"},
	{.name = "region out of scope",
	 .rules = "[{\"id\":\"r1\",\"scope\":{\"regions\":[\"eu-west-1\"]},\"criteria\":{\"owners\":[\"123456789012\"]}}]",
	 .want = NC, .reason = "rule r1: region us-east-1 not in scope"},
	{.name = "in scope",
	 .rules = "[{\"id\":\"r1\",\"scope\":{\"accounts\":[\"111122223333\"],\"regions\":[\"us-east-1\",\"eu-west-1\"]},\"criteria\":{\"owners\":[\"123456789012\"]}}]",
	 .want = C, .matched = "r1"},
	/* combinations */
	{.name = "AND: first failing criterion named",
	 .rules = R1("{\"owners\":[\"123456789012\"],\"name_patterns\":[\"x*\"],\"platforms\":[\"Windows\"]}"), .want = NC,
	 .reason = "rule r1: name \"golden-al2023-2025.12.01\" matches no name_patterns"},
	{.name = "AND: all hold",
	 .rules = R1("{\"owners\":[\"123456789012\"],\"name_patterns\":[\"golden-*\"],\"platforms\":[\"Linux/UNIX\"],\"tags\":{\"Team\":[\"core\"]},\"max_age_days\":31,\"product_codes\":[\"abc123\"],\"max_days_since_deprecated\":0,\"watermarks\":[{\"key\":\"*:golden\"}]}"),
	 .want = C, .matched = "r1", .next = NOW + 1},
	{.name = "OR across rules",
	 .rules = "[{\"id\":\"r1\",\"criteria\":{\"owners\":[\"999999999999\"]}},{\"id\":\"r2\",\"criteria\":{\"name_patterns\":[\"golden-*\"]}}]",
	 .want = C, .matched = "r2", .reason = "allowed by rule r2"},
	{.name = "first allowing rule is matched, earliest window is next",
	 .rules = "[{\"id\":\"r1\",\"criteria\":{\"max_age_days\":40}},{\"id\":\"r2\",\"criteria\":{\"max_age_days\":35}}]",
	 .want = C, .matched = "r1", .next = NOW + 4 * DAY + 1, .reason = "allowed by rule r1"},
	{.name = "audit allows alongside enforce",
	 .rules = "[{\"id\":\"a1\",\"mode\":\"audit\",\"criteria\":{\"name_patterns\":[\"golden-*\"]}},{\"id\":\"r1\",\"criteria\":{\"owners\":[\"123456789012\"]}}]",
	 .want = C, .matched = "r1", .reason = "rule a1 (audit) would allow"},
	{.name = "audit rule failing reported",
	 .rules = "[{\"id\":\"a1\",\"mode\":\"audit\",\"criteria\":{\"owners\":[\"999999999999\"]}},{\"id\":\"r1\",\"criteria\":{\"owners\":[\"888888888888\"]}}]",
	 .want = NC, .reason = "rule a1 (audit): owner 123456789012 not in owners"},
	/* missing facts */
	{.name = "not found: image_ids rule allows", .rules = R1("{\"image_ids\":[\"ami-0123456789abcdef0\"]}"),
	 .facts_patch = "{\"status\":\"not_found\"}", .want = C, .matched = "r1"},
	{.name = "not found: attribute rule refuses", .rules = R1("{\"owners\":[\"123456789012\"]}"),
	 .facts_patch = "{\"status\":\"not_found\"}", .want = NC,
	 .reason = "rule r1: image ami-0123456789abcdef0 not found (deregistered or not shared); only a rule naming its ID can allow it"},
	{.name = "not found: ID plus attribute refuses",
	 .rules = R1("{\"image_ids\":[\"ami-0123456789abcdef0\"],\"owners\":[\"123456789012\"]}"),
	 .facts_patch = "{\"status\":\"not_found\"}", .want = NC},
	{.name = "unknown facts: insufficient data", .rules = R1("{\"owners\":[\"123456789012\"]}"),
	 .facts_patch = "{\"status\":\"unknown\"}", .want = ID,
	 .reason = "facts of image ami-0123456789abcdef0 could not be read"},
	{.name = "unknown facts, empty allow-list: fail closed", .rules = "[]", .facts_patch = "{\"status\":\"unknown\"}",
	 .want = NC, .reason = "allow-list is empty: no enabled enforce rule, so nothing is allowed"},
	{.name = "unknown facts: image_ids still allows", .rules = R1("{\"image_ids\":[\"ami-0123456789abcdef0\"]}"),
	 .facts_patch = "{\"status\":\"unknown\"}", .want = C, .matched = "r1"},
	/* exemptions */
	{.name = "exemption by account", .rules = "[]",
	 .exemptions = "[{\"id\":\"ex1\",\"account\":\"111122223333\",\"reason\":\"migration\",\"expires_at\":\"2026-01-02T00:00:00Z\"}]",
	 .want = C, .exemption = "ex1", .next = NOW + DAY,
	 .reason = "exempted by ex1 until 2026-01-02T00:00:00Z: migration"},
	{.name = "exemption expiring this instant", .rules = "[]",
	 .exemptions = "[{\"id\":\"ex1\",\"account\":\"111122223333\",\"reason\":\"m\",\"expires_at\":\"2026-01-01T00:00:00Z\"}]",
	 .want = NC},
	{.name = "exemption 1 ms before expiry", .rules = "[]",
	 .exemptions = "[{\"id\":\"ex1\",\"account\":\"111122223333\",\"reason\":\"m\",\"expires_at\":\"2026-01-01T00:00:00Z\"}]",
	 .now = NOW - 1, .want = C, .exemption = "ex1", .next = NOW},
	{.name = "exemption other account", .rules = "[]",
	 .exemptions = "[{\"id\":\"ex1\",\"account\":\"222233334444\",\"reason\":\"m\",\"expires_at\":\"2026-02-01T00:00:00Z\"}]",
	 .want = NC},
	{.name = "exemption instance and image", .rules = "[]",
	 .exemptions = "[{\"id\":\"ex1\",\"instance_id\":\"i-0123456789abcdef0\",\"image_id\":\"ami-0123456789abcdef0\",\"reason\":\"m\",\"expires_at\":\"2026-02-01T00:00:00Z\"}]",
	 .want = C, .exemption = "ex1", .next = NOW + 31 * DAY},
	{.name = "exemption image mismatch", .rules = "[]",
	 .exemptions = "[{\"id\":\"ex1\",\"instance_id\":\"i-0123456789abcdef0\",\"image_id\":\"ami-11111111\",\"reason\":\"m\",\"expires_at\":\"2026-02-01T00:00:00Z\"}]",
	 .want = NC},
	{.name = "exemption instance tag", .rules = "[]",
	 .exemptions = "[{\"id\":\"ex1\",\"tag\":{\"key\":\"Env\",\"value\":\"lab\"},\"reason\":\"m\",\"expires_at\":\"2026-02-01T00:00:00Z\"}]",
	 .want = C, .exemption = "ex1", .next = NOW + 31 * DAY},
	{.name = "exemption tag any value", .rules = "[]",
	 .exemptions = "[{\"id\":\"ex1\",\"tag\":{\"key\":\"Env\",\"value\":\"*\"},\"reason\":\"m\",\"expires_at\":\"2026-02-01T00:00:00Z\"}]",
	 .want = C, .exemption = "ex1", .next = NOW + 31 * DAY},
	{.name = "exemption tag wrong value", .rules = "[]",
	 .exemptions = "[{\"id\":\"ex1\",\"tag\":{\"key\":\"Env\",\"value\":\"prod\"},\"reason\":\"m\",\"expires_at\":\"2026-02-01T00:00:00Z\"}]",
	 .want = NC},
	{.name = "exemption tag, instance tags unknown", .rules = "[]",
	 .exemptions = "[{\"id\":\"ex1\",\"tag\":{\"key\":\"Env\",\"value\":\"lab\"},\"reason\":\"m\",\"expires_at\":\"2026-02-01T00:00:00Z\"}]",
	 .inst_tags_unknown = 1, .want = NC},
	{.name = "rule wins over exemption, both bound next change", .rules = R1("{\"max_age_days\":40}"),
	 .exemptions = "[{\"id\":\"ex1\",\"account\":\"111122223333\",\"reason\":\"m\",\"expires_at\":\"2026-01-03T00:00:00Z\"}]",
	 .want = C, .matched = "r1", .next = NOW + 2 * DAY},
	{.name = "longest exemption reported", .rules = "[]",
	 .exemptions = "[{\"id\":\"ex1\",\"account\":\"111122223333\",\"reason\":\"m\",\"expires_at\":\"2026-01-03T00:00:00Z\"},{\"id\":\"ex2\",\"account\":\"111122223333\",\"reason\":\"m\",\"expires_at\":\"2026-01-09T00:00:00Z\"}]",
	 .want = C, .exemption = "ex2", .next = NOW + 2 * DAY},
	{.name = "exemption covers not-found image", .rules = R1("{\"owners\":[\"123456789012\"]}"),
	 .exemptions = "[{\"id\":\"ex1\",\"image_id\":\"ami-0123456789abcdef0\",\"reason\":\"m\",\"expires_at\":\"2026-02-01T00:00:00Z\"}]",
	 .facts_patch = "{\"status\":\"not_found\"}", .want = C, .exemption = "ex1", .next = NOW + 31 * DAY},
};

static int build_set(const char *rules, const char *exemptions, struct rule_set *set)
{
	json_t *a = NULL, *it;
	struct json_err err;
	size_t i;

	rule_set_init(set);
	if (json_load_bounded(rules, strlen(rules), IT_MAX_BODY, 32, &a, &err))
		return -1;
	json_array_foreach(a, i, it) {
		struct rule *r = NULL;
		if (rule_from_json(it, &r, &err) || rule_set_add_rule(set, r)) {
			fprintf(stderr, "rule %zu: %s %s\n", i, err.field, err.message);
			json_decref(a);
			return -1;
		}
	}
	json_decref(a);
	if (!exemptions)
		return 0;
	if (json_load_bounded(exemptions, strlen(exemptions), IT_MAX_BODY, 32, &a, &err))
		return -1;
	json_array_foreach(a, i, it) {
		struct exemption *e = NULL;
		if (exemption_from_json(it, 0, EXEMPTION_STORED, &e, &err) || rule_set_add_exemption(set, e)) {
			json_decref(a);
			return -1;
		}
	}
	json_decref(a);
	return 0;
}

static struct image_facts *build_facts(const char *patch)
{
	json_t *base = NULL, *p = NULL, *v;
	struct image_facts *f = NULL;
	struct json_err err;
	const char *k;
	void *tmp;

	if (json_load_bounded(base_facts, strlen(base_facts), IT_MAX_BODY, 32, &base, &err))
		return NULL;
	if (patch && json_load_bounded(patch, strlen(patch), IT_MAX_BODY, 32, &p, &err) == 0) {
		json_object_foreach_safe(p, tmp, k, v) {
			if (json_is_null(v))
				json_object_del(base, k);
			else
				json_object_set(base, k, v);
		}
	}
	if (image_facts_from_json(base, &f, &err))
		fprintf(stderr, "facts: %s %s\n", err.field, err.message);
	json_decref(p);
	json_decref(base);
	return f;
}

static int has_reason(const struct verdict *v, const char *want)
{
	for (size_t i = 0; i < v->n_reasons; i++)
		if (strcmp(v->reasons[i], want) == 0)
			return 1;
	return 0;
}

static void dump(const struct verdict *v)
{
	fprintf(stderr, "  got %s matched=%s exemption=%s next=%lld\n", compliance_names[v->compliance],
		v->matched_rule, v->exemption, (long long)v->next_change_at_ms);
	for (size_t i = 0; i < v->n_reasons; i++)
		fprintf(stderr, "  reason: %s\n", v->reasons[i]);
}

static void test_cases(void)
{
	static const struct image_tag itags[] = {{(char *)"Env", (char *)"lab"}, {(char *)"Name", (char *)"web"}};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct pcase *t = &cases[i];
		struct rule_set set;
		struct image_facts *f = build_facts(t->facts_patch);
		struct policy_instance inst = {t->account ? t->account : "111122223333", "us-east-1",
					       "i-0123456789abcdef0", "running", itags, 2, !t->inst_tags_unknown};
		struct verdict v;
		int ok;

		if (build_set(t->rules, t->exemptions, &set) != 0 || !f) {
			CHECK(0, "%s: fixture does not build", t->name);
			rule_set_finish(&set);
			image_facts_free(f);
			continue;
		}
		policy_evaluate(&set, &inst, f, t->now ? t->now : NOW, &v);
		ok = v.compliance == t->want && strcmp(v.matched_rule, t->matched ? t->matched : "") == 0 &&
		     strcmp(v.exemption, t->exemption ? t->exemption : "") == 0 &&
		     v.next_change_at_ms == (t->next ? t->next : NEVER) && (!t->reason || has_reason(&v, t->reason));
		CHECK(ok, "%s: want %s matched=%s exemption=%s next=%lld reason=%s", t->name,
		      compliance_names[t->want], t->matched ? t->matched : "", t->exemption ? t->exemption : "",
		      (long long)(t->next ? t->next : NEVER), t->reason ? t->reason : "-");
		if (!ok)
			dump(&v);
		CHECK(v.n_reasons >= 1, "%s: at least one reason", t->name);
		rule_set_finish(&set);
		image_facts_free(f);
	}
}

static void test_reason_cap(void)
{
	struct buf_s { char s[64 * 1024]; } *b = malloc(sizeof(*b));
	struct rule_set set;
	struct image_facts *f = build_facts(NULL);
	struct policy_instance inst = {"111122223333", "us-east-1", "i-0123456789abcdef0", "running", NULL, 0, 0};
	struct verdict v;
	json_t *j = NULL;
	size_t len = 0;

	len += (size_t)snprintf(b->s, sizeof(b->s), "[");
	for (int i = 0; i < 20; i++)
		len += (size_t)snprintf(b->s + len, sizeof(b->s) - len,
					"%s{\"id\":\"r%02d\",\"criteria\":{\"owners\":[\"999999999999\"]}}", i ? "," : "", i);
	snprintf(b->s + len, sizeof(b->s) - len, "]");
	CHECK(build_set(b->s, NULL, &set) == 0 && f, "20 rules");
	policy_evaluate(&set, &inst, f, NOW, &v);
	CHECK(v.compliance == NC && v.n_reasons == IT_VERDICT_MAX_REASONS && v.n_omitted == 4,
	      "capped: %zu reasons, %zu omitted", v.n_reasons, v.n_omitted);
	CHECK(verdict_to_json(&v, &j) == IT_OK, "json");
	CHECK(json_array_size(json_object_get(j, "reasons")) == IT_VERDICT_MAX_REASONS + 1, "omitted note");
	CHECK_STR(json_string_value(json_array_get(json_object_get(j, "reasons"), IT_VERDICT_MAX_REASONS)),
		  "(4 more reasons omitted)", "omitted text");
	json_decref(j);
	/* Notes about the event itself survive the cap: the last ordinary reasons make room. */
	verdict_note(&v, "note one");
	verdict_note(&v, "note two");
	CHECK(v.n_reasons == IT_VERDICT_MAX_REASONS && v.n_omitted == 6 && v.n_notes == 2, "notes: %zu %zu %zu",
	      v.n_reasons, v.n_omitted, v.n_notes);
	CHECK_STR(v.reasons[IT_VERDICT_MAX_REASONS - 2], "note one", "first note kept");
	CHECK_STR(v.reasons[IT_VERDICT_MAX_REASONS - 1], "note two", "second note last");
	CHECK(strstr(v.reasons[IT_VERDICT_MAX_REASONS - 3], "rule r13") != NULL, "ordinary reasons before them: %s",
	      v.reasons[IT_VERDICT_MAX_REASONS - 3]);
	CHECK(policy_rule_allows(set.rules[0], &inst, f, NOW) == 0, "rule_allows no");
	rule_set_finish(&set);
	image_facts_free(f);
	free(b);
}

static void test_verdict_json(void)
{
	struct verdict v;
	json_t *j = NULL;
	char *s;
	enum compliance c = COMPLIANCE_NOT_APPLICABLE;

	verdict_init(&v, COMPLIANCE_COMPLIANT);
	snprintf(v.matched_rule, sizeof(v.matched_rule), "r1");
	v.next_change_at_ms = NOW + 1;
	verdict_add_reason(&v, "allowed by rule %s", "r1");
	verdict_add_reason(&v, "bad \x01 byte \xff and cut \xe2\x80");
	CHECK(verdict_to_json(&v, &j) == IT_OK, "json");
	s = json_dumps(j, JSON_COMPACT);
	CHECK_STR(s, "{\"compliance\":\"COMPLIANT\",\"reasons\":[\"allowed by rule r1\",\"bad ? byte ? and cut \"],"
		     "\"matched_rule\":\"r1\",\"exemption\":null,\"next_change_at\":\"2026-01-01T00:00:00.001Z\"}",
		  "verdict json");
	free(s);
	json_decref(j);
	verdict_init(&v, COMPLIANCE_NON_COMPLIANT);
	CHECK(verdict_to_json(&v, &j) == IT_OK && json_is_null(json_object_get(j, "next_change_at")) &&
	      json_array_size(json_object_get(j, "reasons")) == 0, "never, no reasons");
	json_decref(j);
	CHECK(compliance_from_name("NON_COMPLIANT", &c) == IT_OK && c == COMPLIANCE_NON_COMPLIANT, "from name");
	CHECK(compliance_from_name("compliant", &c) == IT_EINVAL && c == COMPLIANCE_NON_COMPLIANT, "case-sensitive, untouched");
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void test_annotation(void)
{
	static const char *path = "/v1/instances/123456789012/us-east-1/i-0123456789abcdef0";
	struct verdict v;
	char out[IT_ANNOTATION_MAX + 1], small[100], longpath[300];
	size_t plen = strlen(path), n;

	verdict_init(&v, COMPLIANCE_COMPLIANT);
	verdict_add_reason(&v, "allowed by rule r1");
	CHECK(verdict_annotation(&v, path, out, sizeof(out)) == IT_OK, "short");
	CHECK_STR(out, "allowed by rule r1. See /v1/instances/123456789012/us-east-1/i-0123456789abcdef0", "short text");

	verdict_init(&v, COMPLIANCE_NON_COMPLIANT);
	CHECK(verdict_annotation(&v, path, out, sizeof(out)) == IT_OK, "no reasons");
	CHECK_STR(out, "NON_COMPLIANT. See /v1/instances/123456789012/us-east-1/i-0123456789abcdef0", "never empty");

	for (int i = 0; i < 10; i++)
		verdict_add_reason(&v, "rule rule-%d: name \"caf\xc3\xa9-image\" matches no name_patterns", i);
	CHECK(verdict_annotation(&v, path, out, sizeof(out)) == IT_OK, "long");
	n = strlen(out);
	CHECK(n <= IT_ANNOTATION_MAX && utf8_chars(out) <= 256, "at most 256 (%zu bytes)", n);
	CHECK(n >= plen && strcmp(out + n - plen, path) == 0, "ends with the path: %s", out);
	CHECK(strstr(out, "\xe2\x80\xa6 See /v1/") != NULL, "cut with an ellipsis");
	CHECK(strncmp(out, "rule rule-0: name", 17) == 0, "starts with the first reason");

	memcpy(small, "untouched", 10);
	CHECK(verdict_annotation(&v, path, small, sizeof(small)) == IT_EINVAL && strcmp(small, "untouched") == 0,
	      "small buffer refused");
	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	CHECK(verdict_annotation(&v, longpath, out, sizeof(out)) == IT_ETOOBIG, "path too long");
}

static void test_facts_json(void)
{
	struct image_facts *f = build_facts(NULL), *g = NULL;
	json_t *j = NULL, *k = NULL, *bad;
	struct json_err err;
	char *a, *b;

	CHECK(f && f->tags_known && f->n_tags == 2 && f->n_watermarks == 2 &&
	      f->watermarks[1].source_created_ms == IMAGE_NO_TIME, "facts parsed");
	CHECK(f && image_facts_to_json(f, &j) == IT_OK && image_facts_from_json(j, &g, &err) == IT_OK &&
	      image_facts_to_json(g, &k) == IT_OK, "facts round trip");
	a = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	b = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(a && b && strcmp(a, b) == 0, "facts stable");
	free(a);
	free(b);
	bad = json_pack("{s:s, s:s}", "image_id", "ami-0123456789abcdef0", "platform", "linux");
	CHECK(image_facts_from_json(bad, &g, &err) == IT_EINVAL, "bad platform");
	CHECK_STR(err.field, "platform", "bad platform field");
	json_decref(bad);
	bad = json_pack("{s:s}", "owner_id", "123456789012");
	CHECK(image_facts_from_json(bad, &g, &err) == IT_EINVAL, "image_id required");
	CHECK_STR(err.field, "image_id", "image_id field");
	json_decref(bad);
	{
		/* at most IT_MAX_IMAGE_WATERMARKS watermarks per registered image (issue 13 §6) */
		json_t *wms = json_array();
		for (int n = 0; n <= IT_MAX_IMAGE_WATERMARKS; n++)
			json_array_append_new(wms, json_pack("{s:s}", "key", "111122223333:golden"));
		bad = json_pack("{s:s,s:o}", "image_id", "ami-0123456789abcdef0", "watermarks", wms);
		CHECK(image_facts_from_json(bad, &g, &err) == IT_EINVAL, "6 watermarks refused");
		CHECK_STR(err.field, "watermarks", "watermarks field");
		json_array_remove(json_object_get(bad, "watermarks"), 0);
		struct image_facts *five = NULL;
		CHECK(image_facts_from_json(bad, &five, &err) == IT_OK && five && five->n_watermarks == 5,
		      "5 accepted");
		image_facts_free(five);
		json_decref(bad);
	}
	CHECK_STR(image_platform_from_ec2("windows", NULL), "Windows", "platform windows");
	CHECK_STR(image_platform_from_ec2(NULL, "Windows with SQL Server Standard"), "Windows", "details windows");
	CHECK_STR(image_platform_from_ec2(NULL, "Red Hat Enterprise Linux"), "Linux/UNIX", "rhel");
	json_decref(j);
	json_decref(k);
	image_facts_free(f);
	image_facts_free(g);
}

/* The lookups behind tags, product codes and owners use sorted copies and merges
 * (issue 13 §6): random rules and images, judged against the criterion's definition
 * computed here directly. */
static void test_lookups_random(void)
{
	unsigned seed = 777;
	size_t wrong = 0, allowed = 0, n = 0;

	for (int round = 0; round < 3000; round++) {
		json_t *itags = json_object(), *rtags = json_object(), *icodes = json_array(), *rcodes = json_array();
		json_t *facts, *doc, *jt;
		struct image_facts *img = NULL;
		struct rule *r = NULL;
		struct json_err err;
		struct policy_instance inst = {"111122223333", "us-east-1", "i-0123456789abcdef0", "running", NULL, 0, 0};
		const char *ik;
		int want = 1, tags_known = rand_r(&seed) % 8 != 0, got;
		char k[8], v[8];
		size_t nk = 2 + (size_t)(rand_r(&seed) % 5), nrk = 1 + (size_t)(rand_r(&seed) % 2);
		size_t nic = (size_t)(rand_r(&seed) % 4), nrc = rand_r(&seed) % 2 ? 0 : 1 + (size_t)(rand_r(&seed) % 3);

		for (size_t i = 0; i < nk; i++) {
			snprintf(k, sizeof(k), "k%d", rand_r(&seed) % 5);
			snprintf(v, sizeof(v), "v%d", rand_r(&seed) % 2);
			json_object_set_new(itags, k, json_string(v));
		}
		for (size_t i = 0; i < nrk; i++) {
			json_t *vals = json_array();
			size_t nv = 1 + (size_t)(rand_r(&seed) % 3);
			snprintf(k, sizeof(k), "k%d", rand_r(&seed) % 5);
			for (size_t j = 0; j < nv; j++) {
				int x = rand_r(&seed) % 5;
				snprintf(v, sizeof(v), "v%d", x);
				json_array_append_new(vals, json_string(x == 4 ? "*" : v));
			}
			json_object_set_new(rtags, k, vals);
		}
		for (size_t i = 0; i < nic; i++) {
			snprintf(v, sizeof(v), "pc%d", rand_r(&seed) % 3);
			json_array_append_new(icodes, json_string(v));
		}
		for (size_t i = 0; i < nrc; i++) {
			snprintf(v, sizeof(v), "pc%d", rand_r(&seed) % 3);
			json_array_append_new(rcodes, json_string(v));
		}
		/* the definition: every rule key present with one of its values ("*": any) */
		json_object_foreach(rtags, ik, jt) {
			const json_t *have = json_object_get(itags, ik);
			int ok = 0;
			size_t j;
			json_t *x;
			if (!tags_known || !have) {
				want = 0;
				continue;
			}
			json_array_foreach(jt, j, x)
				if (strcmp(json_string_value(x), "*") == 0 ||
				    strcmp(json_string_value(x), json_string_value(have)) == 0)
					ok = 1;
			want &= ok;
		}
		if (nrc) {
			int any = 0;
			for (size_t i = 0; i < json_array_size(icodes); i++)
				for (size_t j = 0; j < json_array_size(rcodes); j++)
					any |= strcmp(json_string_value(json_array_get(icodes, i)),
						      json_string_value(json_array_get(rcodes, j))) == 0;
			want &= any;
		}
		facts = json_pack("{s:s,s:s,s:o,s:o}", "image_id", "ami-0123456789abcdef0", "owner_id", "123456789012",
				  "tags", tags_known ? itags : json_null(), "product_codes", icodes);
		if (!tags_known)
			json_decref(itags);
		doc = nrc ? json_pack("{s:s,s:{s:o,s:o,s:[s]}}", "id", "r", "criteria", "tags", rtags, "product_codes",
				      rcodes, "owners", "self")
			  : json_pack("{s:s,s:{s:o,s:[s]}}", "id", "r", "criteria", "tags", rtags, "owners", "self");
		if (!nrc)
			json_decref(rcodes);
		if (image_facts_from_json(facts, &img, &err) || rule_from_json(doc, &r, &err)) {
			CHECK(0, "build: %s %s", err.field, err.message);
		} else {
			inst.account = "123456789012";   /* self: the instance's account owns the image */
			got = policy_rule_allows(r, &inst, img, NOW);
			if (got != want && wrong++ < 3)
				CHECK(0, "round %d: allows %d, definition %d", round, got, want);
			allowed += (size_t)want;
			n++;
		}
		rule_free(r);
		image_facts_free(img);
		json_decref(facts);
		json_decref(doc);
	}
	CHECK(wrong == 0, "%zu of %zu random rules judged against the definition wrongly", wrong, n);
	CHECK(allowed > n / 20 && allowed < n - n / 20, "both outcomes exercised (%zu of %zu)", allowed, n);
}

int main(void)
{
	test_lookups_random();
	test_cases();
	test_reason_cap();
	test_verdict_json();
	test_annotation();
	test_facts_json();
	return tap_done();
}
