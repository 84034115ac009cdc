/*
 * rule.h: the allow-list rule and exemption model (docs/rules.md): JSON in, validated structs,
 * JSON out.
 *
 * A rule allows an image when all of its given criteria hold; within a criterion any
 * listed value may match (lib/policy.c does the judging). This module only says what
 * a well-formed rule is. Parsing is two-phase: the document is first checked against
 * declarative field tables (json_check_fields) whose per-field checks validate every
 * list item, so a rejection names the exact field path ("criteria.image_ids[3]") for
 * a 422; only a document that passed is then converted, so conversion cannot fail
 * except for memory.
 *
 * Invariants of a struct rule from rule_from_json(): every string is valid UTF-8 text
 * within its limits.h bound; every list is non-empty when present (an absent criterion
 * is a list with n == 0) and within its bound; at least one criterion is given; ids,
 * accounts, regions and owners are well-formed; globs passed glob_valid().
 *
 * Read-only fields: rule_to_json() renders "version", "created_at" and "updated_at"
 * when known, and rule_from_json() accepts them back (so GET-edit-PUT round-trips) into
 * the struct; the store, not the client, decides their stored values.
 *
 * Adding a criterion (say "architectures") touches these places, and no others:
 *  1. here: a member of struct rule_criteria (an absent one is n == 0 or RULE_NONE);
 *  2. lib/limits.h: its bound (IT_MAX_...);
 *  3. lib/rule.c: its row in criteria_fields (type, bound, item check), its
 *     conversion in criteria_from_json() and rendering in criteria_to_json(), its
 *     default in rule_alloc(), and a term in rule_criteria_count();
 *  4. lib/policy.c rule_check(): the test and its "why not" reason (and, for a time
 *     limit, its next_change_at); an image fact it needs goes into lib/image_facts.h;
 *  5. lib/rule_import.c, when AWS's Allowed AMIs has the same criterion (both ways);
 *  6. tests/unit/test_rule.c (a rejection row per check) and test_policy.c (a row per
 *     outcome), openapi.yaml (the Rule schema) and docs/rules.md.
 * The store keeps a rule as its JSON text, so no migration is needed.
 */
#ifndef ITALIC_RULE_H
#define ITALIC_RULE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "glob.h"
#include "json_io.h"
#include "limits.h"

/* An absent integer criterion or time. */
#define RULE_NONE (-1)

enum rule_mode {
	RULE_ENFORCE,   /* counts for the verdict */
	RULE_AUDIT,     /* evaluated and reported ("would allow"), never changes a verdict */
	RULE_MODE__MAX
};
extern const char *const rule_mode_names[RULE_MODE__MAX];

/* An owned list of owned strings, in the document's order (v), and the same strings
 * sorted by strcmp (sorted: borrowed pointers into v, owned array; NULL when n == 0 or
 * for a list not built by this module) so the evaluator finds a value with a binary
 * search instead of walking up to 1000 entries per rule. */
struct rule_list {
	char **v;
	size_t n;
	char **sorted;
	struct glob_shape *shapes;   /* name_patterns only: the glob shape of each v[i] */
};

/* 1 when s is in l (binary search over l->sorted, a scan when it is NULL); NULL s: 0. */
int rule_list_has(const struct rule_list *l, const char *s);

struct rule_tag {
	char *key;
	struct rule_list values;     /* "*" = any value */
	int any_value;               /* values holds "*" */
};

/* One ImageWatermarks filter entry: every given field must hold for one watermark. */
struct rule_watermark {
	char *key;                   /* glob on "accountId:name", or NULL */
	char *source_region;         /* glob, or NULL */
	struct glob_shape key_shape; /* of key, when set */
	int64_t max_days_since_source_created;    /* RULE_NONE when absent */
	int64_t max_days_since_watermark_created; /* RULE_NONE when absent */
};

struct rule_criteria {
	struct rule_list image_ids;
	struct rule_list owners;         /* 12-digit ids, amazon, aws-marketplace, aws-backup-vault, self */
	struct rule_list name_patterns;
	struct rule_list product_codes;
	struct rule_list platforms;      /* "Linux/UNIX", "Windows" */
	struct rule_tag *tags;
	size_t n_tags;
	struct rule_tag **tags_by_key;   /* the same tags sorted by key (owned array; NULL when
					    n_tags == 0 or not built by this module) */
	struct rule_watermark *watermarks;
	size_t n_watermarks;
	int64_t max_age_days;                /* RULE_NONE when absent */
	int64_t max_days_since_deprecated;   /* RULE_NONE when absent */
};

struct rule_scope {
	struct rule_list accounts;       /* empty: all accounts */
	struct rule_list regions;        /* empty: all regions */
};

struct rule {
	char id[IT_MAX_ID + 1];          /* "" when the document had none (caller assigns) */
	char *name;                      /* NULL when absent */
	char *description;               /* NULL when absent */
	int enabled;                     /* default 1 */
	enum rule_mode mode;             /* default RULE_ENFORCE */
	struct rule_scope scope;
	struct rule_criteria criteria;
	int64_t version;                 /* 0: unknown */
	int64_t created_at_ms;           /* RULE_NONE: unknown */
	int64_t updated_at_ms;           /* RULE_NONE: unknown */
};

/*
 * Validates obj as a rule and builds it. On success *ret is a new rule owned by the
 * caller (rule_free). Errors: IT_EINVAL with err naming the field and the reason;
 * IT_ENOMEM. *ret is untouched on failure.
 */
int rule_from_json(const json_t *obj, struct rule **ret, struct json_err *err) WARN_UNUSED;

/*
 * The size bound of a rule that is written (POST/PUT /v1/rules, imports, simulations):
 * its compact rendering is at most IT_MAX_RULE_BYTES. Not part of rule_from_json(), so
 * rules stored by an older version, before the bound, still load. IT_EINVAL with err
 * naming the rule (field "" for a body, prefixed by callers); IT_ENOMEM.
 */
int rule_check_size(const struct rule *r, struct json_err *err) WARN_UNUSED;

/* Renders r; *ret is a new reference. Errors: IT_ENOMEM. Keys appear in a fixed order
 * and absent criteria are omitted, so equal rules render to equal text. */
int rule_to_json(const struct rule *r, json_t **ret) WARN_UNUSED;

/* Sets the id (must pass valid_object_id: IT_EINVAL otherwise). */
int rule_set_id(struct rule *r, const char *id) WARN_UNUSED;

/* Number of criteria given (>= 1 for a parsed rule). */
int rule_criteria_count(const struct rule *r);

/* Deep copy; *ret owned by the caller. IT_ENOMEM on failure. */
int rule_clone(const struct rule *r, struct rule **ret) WARN_UNUSED;

void rule_free(struct rule *r);

/*
 * Exemption: lets one instance (or all of an account, an image, or instances with a
 * tag) pass until expires_at, with a reason. Every given scope field must match; at
 * least one is required. It applies while now < expires_at, so it stops applying at its
 * expiry instant without anyone acting.
 */
struct exemption {
	char id[IT_MAX_ID + 1];          /* "" when the document had none */
	char account[IT_ACCOUNT_ID_SIZE];       /* "" when not given */
	char instance_id[IT_INSTANCE_ID_SIZE];  /* "" when not given */
	char image_id[IT_IMAGE_ID_SIZE];        /* "" when not given */
	char *tag_key;                   /* instance tag; NULL when not given */
	char *tag_value;                 /* "*" = any value; set iff tag_key is */
	char *reason;
	int64_t expires_at_ms;
	char *created_by;                /* set by the server; NULL until then */
	int64_t created_at_ms;           /* RULE_NONE: unknown */
};

enum exemption_flags {
	/* A document read back from the store: accepts created_by/created_at and does not
	 * judge expires_at against now (an expired exemption is still a valid record). */
	EXEMPTION_STORED = 1 << 0,
};

/*
 * Validates obj as an exemption and builds it. Without EXEMPTION_STORED, created_by and
 * created_at are unknown fields (the server sets them) and expires_at must be after
 * now_ms and at most IT_MAX_EXEMPTION_DAYS days ahead of it. On success *ret is owned
 * by the caller (exemption_free). Errors: IT_EINVAL with err, IT_ENOMEM.
 */
int exemption_from_json(const json_t *obj, int64_t now_ms, int flags, struct exemption **ret,
			struct json_err *err) WARN_UNUSED;
int exemption_to_json(const struct exemption *e, json_t **ret) WARN_UNUSED;
int exemption_set_id(struct exemption *e, const char *id) WARN_UNUSED;
/* Records who created it (valid text up to IT_MAX_ACTOR bytes) and when. */
int exemption_set_created(struct exemption *e, const char *actor, int64_t at_ms) WARN_UNUSED;
int exemption_clone(const struct exemption *e, struct exemption **ret) WARN_UNUSED;
void exemption_free(struct exemption *e);

/* A whole allow-list: what the evaluator judges with, what imports produce. */
struct rule_set {
	struct rule **rules;
	size_t n_rules;
	struct exemption **exemptions;
	size_t n_exemptions;
};

void rule_set_init(struct rule_set *set);
/* Frees every rule and exemption; the set is empty and reusable afterwards. */
void rule_set_finish(struct rule_set *set);
/* Appends r; takes ownership on success only. IT_ETOOBIG past IT_MAX_RULES, IT_ENOMEM. */
int rule_set_add_rule(struct rule_set *set, struct rule *r) WARN_UNUSED;
/* Appends e; takes ownership on success only. IT_ETOOBIG past IT_MAX_EXEMPTIONS. */
int rule_set_add_exemption(struct rule_set *set, struct exemption *e) WARN_UNUSED;
/* The rule with this id, or NULL. */
const struct rule *rule_set_find(const struct rule_set *set, const char *id);

/* Validators shared with importers: 1 when valid. */
int rule_valid_owner(const char *s);          /* 12 digits or amazon / aws-marketplace / aws-backup-vault / self */
/* product codes and platforms: valid_product_code(), valid_platform() (parse.h) */

#endif
