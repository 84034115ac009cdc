/*
 * store_rule.h: rules, exemptions, registered images, the audit log and the
 * re-evaluation signal, in SQLite (migrations/0002_policy.sql).
 *
 * Every change to a rule, an exemption or a registered image is one transaction that
 * also appends its audit_log row (who, when, before, after) and a reeval_requests row,
 * so a change is never visible without its audit entry and never misses the
 * re-evaluation it calls for. The audit log is append-only (SQLite triggers refuse
 * UPDATE and DELETE).
 *
 * Rules carry a version: 1 on create, +1 on each update. Updates and deletes may name
 * the version they expect (the HTTP If-Match); a mismatch is IT_ECONFLICT and changes
 * nothing. Times are Unix ms supplied by the caller (injectable clock).
 *
 * All functions take a connection used by one thread at a time and return IT_OK or a
 * negative IT_E* code (IT_EDB / IT_EBUSY / IT_EFULL from SQLite, as store_status maps
 * them). Out-params are written only on success. `actor` is valid text of at most
 * IT_MAX_ACTOR bytes (IT_EINVAL otherwise), e.g. "token:ops-admin" or "cli:root".
 */
#ifndef ITALIC_STORE_RULE_H
#define ITALIC_STORE_RULE_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "image_facts.h"
#include "rule.h"
#include "store.h"

/* ---- rules ---- */

/* Appends every rule, ordered by id, to set (rule_set_init'ed by the caller; on error
 * the set may hold the rules read so far and is still the caller's to finish). */
int store_rule_list(struct store *s, struct rule_set *set) WARN_UNUSED;

/* The rule with this id (*ret owned by the caller), or IT_ENOTFOUND. */
int store_rule_get(struct store *s, const char *id, struct rule **ret) WARN_UNUSED;

/*
 * Inserts r (r->id must be set). On success r->version = 1 and its created/updated
 * times = now_ms. IT_EEXIST when the id is taken.
 */
int store_rule_create(struct store *s, struct rule *r, const char *actor, int64_t now_ms) WARN_UNUSED;

/*
 * Replaces the rule r->id with r. expected_version > 0 must equal the stored version
 * (IT_ECONFLICT otherwise); 0 means unconditional. On success r->version, created and
 * updated times reflect the stored row. IT_ENOTFOUND when there is no such rule.
 */
int store_rule_update(struct store *s, struct rule *r, int64_t expected_version, const char *actor,
		      int64_t now_ms) WARN_UNUSED;

/* Deletes rule id (expected_version as for update). IT_ENOTFOUND, IT_ECONFLICT. */
int store_rule_delete(struct store *s, const char *id, int64_t expected_version, const char *actor,
		      int64_t now_ms) WARN_UNUSED;

struct store_replace_counts {
	size_t added, changed, removed, unchanged;
};

/*
 * Makes the stored rules exactly set->rules (every rule needs an id; duplicates are
 * IT_EINVAL) in one transaction: new ids are created, rules whose JSON differs are
 * updated (version + 1), missing ones deleted, identical ones left alone (version
 * kept). One audit row per change, one reeval row when anything changed. Exemptions
 * in set are ignored. *ret_counts (optional) says what happened.
 */
int store_rules_replace(struct store *s, const struct rule_set *set, const char *actor, int64_t now_ms,
			struct store_replace_counts *ret_counts) WARN_UNUSED;

/* ---- exemptions ---- */

/* Appends exemptions ordered by id to set->exemptions: all of them when include_expired,
 * otherwise only those with expires_at > now_ms. */
int store_exemption_list(struct store *s, int include_expired, int64_t now_ms, struct rule_set *set)
	WARN_UNUSED;
int store_exemption_get(struct store *s, const char *id, struct exemption **ret) WARN_UNUSED;
/* Inserts e (e->id must be set); records actor as created_by and now_ms as created_at
 * in e. IT_EEXIST when the id is taken. */
int store_exemption_create(struct store *s, struct exemption *e, const char *actor, int64_t now_ms)
	WARN_UNUSED;
int store_exemption_delete(struct store *s, const char *id, const char *actor, int64_t now_ms) WARN_UNUSED;

/* ---- registered images ---- */

/* Inserts or replaces the facts of (region, f->image_id); audited, re-evaluates. */
int store_image_put(struct store *s, const char *region, const struct image_facts *f, const char *actor,
		    int64_t now_ms) WARN_UNUSED;
/* The registered facts (*ret owned by the caller) and when they were last put
 * (ret_updated_at_ms optional). IT_ENOTFOUND when none. */
int store_image_get(struct store *s, const char *region, const char *image_id, struct image_facts **ret,
		    int64_t *ret_updated_at_ms) WARN_UNUSED;

/* ---- audit log ---- */

struct audit_entry {
	int64_t id;
	int64_t at_ms;
	char actor[IT_MAX_ACTOR + 1];
	char action[16];        /* create, update, delete */
	char kind[16];          /* rule, exemption, image */
	char object_id[IT_MAX_ID + 32];
	char *before;           /* JSON text or NULL */
	char *after;            /* JSON text or NULL */
};

/*
 * Newest first. before_id > 0 continues a listing: only entries with id < before_id
 * (keyset paging: the next page starts before the last id of this one). limit is
 * 1..IT_LIST_MAX (IT_EINVAL otherwise). *ret (free with audit_entries_free) and *ret_n
 * may be NULL/0 when there is nothing.
 */
int store_audit_list(struct store *s, int64_t before_id, size_t limit, struct audit_entry **ret,
		     size_t *ret_n) WARN_UNUSED;
void audit_entries_free(struct audit_entry *e, size_t n);

/* ---- re-evaluation signal ---- */

/* Highest pending reeval_requests id (0 when none) and how many are pending. */
int store_reeval_pending(struct store *s, int64_t *ret_max_id, int64_t *ret_count) WARN_UNUSED;
/* Deletes requests with id <= upto_id (after a full re-evaluation started after them). */
int store_reeval_ack(struct store *s, int64_t upto_id) WARN_UNUSED;

#endif
