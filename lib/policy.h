/*
 * policy.h: the pure allow-list evaluator: (rules, exemptions, instance, image facts,
 * now) -> verdict. No I/O, no allocation, no clock, no globals: the same inputs give
 * the same verdict, so the HTTP workers, simulations and `italic evaluate` share it.
 *
 * Cost: one verdict indexes the image once (its tags and product codes
 * sorted, its name and watermark keys indexed for globs, about 20 KiB of stack), then
 * each rule costs binary searches and merges over its sorted lists (rule.h) and one
 * glob walk per name pattern and per (watermark entry, image watermark) pair. At every
 * limit of limits.h that is about 30 ms a verdict on one core (bench/policy_bench
 * --worst); the limits on watermarks and tag keys are set for that.
 *
 * Semantics (docs/rules.md):
 *  - A rule allows an image when every given criterion holds (AND); within a list any
 *    value may match (OR); the allow-list allows when any enabled enforce rule in scope
 *    allows (OR). Disabled rules are skipped. Scope lists empty = everything.
 *  - owners: 12-digit id = image owner; amazon / aws-marketplace / aws-backup-vault =
 *    image owner alias; self = the instance's own account owns the image.
 *  - tags (image tags): every key present with one of the values, "*" = any value.
 *    Unreadable tags fail the criterion with "tags unavailable", never "tag missing".
 *  - max_age_days N: allowed while now <= creation + N days. An image exactly N days old
 *    is allowed; one millisecond later it is not. Unknown creation date: not allowed.
 *  - max_days_since_deprecated: 0 = allowed only while not deprecated (now <
 *    deprecation time); N > 0 = allowed while now <= deprecation + N days. No deprecation
 *    time = never deprecated. A future deprecation time is "not yet deprecated".
 *  - watermarks: one entry must hold as a whole for one watermark of the image (key and
 *    source_region globs; max_days_since_source_created / _watermark_created as for age).
 *  - Audit rules never change the verdict; they add "rule X (audit) would allow" or
 *    "rule X (audit): <why not>".
 *  - A NOT_FOUND image has no attributes, so only a rule whose sole criterion is
 *    image_ids naming it can allow it. An UNKNOWN image (facts unreadable) that nothing
 *    allows gives INSUFFICIENT_DATA rather than NON_COMPLIANT.
 *  - An exemption applies while now < expires_at (it stops AT its expiry instant) and
 *    when all its given scope fields match (account, instance_id, image_id, instance tag
 *    key=value, value "*" = any). If no rule allows but an exemption applies the verdict
 *    is COMPLIANT with `exemption` set; a rule's allowance takes precedence.
 *  - An empty allow-list (no enabled enforce rule) allows nothing.
 *
 * next_change_at: every time-dependent allowance above is true up to some instant and
 * false after it (monotone), so time can only take allowances away. next_change_at is
 * the earliest instant > now at which any allowance that holds now ends: an enforce or
 * audit rule's age / deprecation / watermark window closing, or an exemption expiring.
 * The verdict, its matched_rule or its audit reasons may change then; if another
 * allowance still holds the re-evaluation finds the same compliance, which is harmless
 * (a safe over-approximation: never later than a real change). VERDICT_NEVER otherwise.
 *
 * Reasons: COMPLIANT by a rule says "allowed by rule X"; otherwise each rule in order
 * says why it did not allow, naming its first failing criterion ("rule golden-linux:
 * owner 999999999999 not in owners"). At most IT_VERDICT_MAX_REASONS are kept.
 */
#ifndef ITALIC_POLICY_H
#define ITALIC_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "image_facts.h"
#include "rule.h"
#include "verdict.h"

/* The instance being judged. All pointers are borrowed for the call. */
struct policy_instance {
	const char *account;             /* 12 digits */
	const char *region;
	const char *instance_id;
	const char *state;               /* informational: the caller handles terminated */
	const struct image_tag *tags;    /* instance tags (exemption tag scope) */
	size_t n_tags;
	int tags_known;
};

/*
 * Judges inst running img against set at now_ms into *ret (always written; cannot
 * fail). img->image_id must be set even when img->status is not IMAGE_FOUND.
 */
void policy_evaluate(const struct rule_set *set, const struct policy_instance *inst,
		     const struct image_facts *img, int64_t now_ms, struct verdict *ret);

/* Whether one rule allows the image now, ignoring its mode and enabled flag; the
 * outcome for `GET /v1/images/...` "which rules allow it". */
int policy_rule_allows(const struct rule *r, const struct policy_instance *inst,
		       const struct image_facts *img, int64_t now_ms);

#endif
