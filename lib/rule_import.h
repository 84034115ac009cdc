/*
 * rule_import.h: rule sets in and out of other formats, in memory (no I/O).
 *
 * Formats read:
 *  - "italic": {"rules": [...], "exemptions": [...]}, each item as rule.h parses it
 *    (every rule needs an id; exemptions are read in their stored form, expiry not
 *    judged, because an export carries created_by).
 *  - "approved-amis-by-id": the amiIds parameter of the AWS Config managed rule, a
 *    comma-separated AMI ID list (whitespace around items tolerated; at most 21 IDs and
 *    1024 characters, as AWS documents) -> one rule "approved-amis-by-id" with image_ids.
 *  - "allowed-amis": EC2 Allowed AMIs image criteria, either the whole
 *    GetAllowedImagesSettings output ({"State", "ImageCriteria", "ManagedBy"}) or a bare
 *    ImageCriteria array -> one enforce rule "allowed-amis-<n>" per criterion (n from 1).
 *    ImageProviders -> owners ("none" -> ["self"]; "none" with other values is refused
 *    as AWS refuses it), ImageNames -> name_patterns, MarketplaceProductCodes ->
 *    product_codes, CreationDateCondition.MaximumDaysSinceCreated -> max_age_days,
 *    DeprecationTimeCondition.MaximumDaysSinceDeprecated -> max_days_since_deprecated,
 *    ImageWatermarks[] {WatermarkKey, SourceImageRegion, MaximumDaysSinceSourceImageCreated,
 *    MaximumDaysSinceWatermarkCreated} -> watermarks[] {key, source_region,
 *    max_days_since_source_created, max_days_since_watermark_created} (the shape of the
 *    EC2 API's ImageWatermarkFilterRequest). "State" is the account's enforcement switch,
 *    not part of the criteria, and is ignored: Italic detects whatever AWS enforces.
 *    Note AWS always allows an account's own AMIs; add a rule with owners ["self"] for
 *    the same behaviour in Italic.
 *
 * Formats written: "italic" (rules with versions and timestamps, exemptions), and
 * "allowed-amis" ({"ImageCriteria": [...]}, the input of
 * ReplaceImageCriteriaInAllowedImagesSettings) for the rules it can express. A rule
 * that uses anything Allowed AMIs cannot express (image_ids, tags, platforms, scope,
 * audit mode, owners mixing self with others) is skipped whole and named with the
 * reason, because converting only part of it would allow more than the rule does.
 */
#ifndef ITALIC_RULE_IMPORT_H
#define ITALIC_RULE_IMPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "compiler.h"
#include "json_io.h"
#include "rule.h"

enum rule_format {
	RULE_FORMAT_ITALIC,
	RULE_FORMAT_AMI_CSV,        /* approved-amis-by-id */
	RULE_FORMAT_ALLOWED_AMIS,
	RULE_FORMAT__MAX
};
/* "italic", "approved-amis-by-id", "allowed-amis" */
extern const char *const rule_format_names[RULE_FORMAT__MAX];
int rule_format_from_name(const char *s, enum rule_format *ret) WARN_UNUSED;

/* Guesses the format: a JSON object with "rules" or "exemptions" is italic; one with
 * "ImageCriteria", or a JSON array, is allowed-amis; text starting with "ami-" is the
 * CSV. IT_EINVAL when none fits. */
int rule_import_detect(const char *data, size_t len, enum rule_format *ret) WARN_UNUSED;

/*
 * Parses len bytes (at most IT_MAX_RULES_DOC) of fmt into set (rule_set_init'ed by
 * the caller, normally empty). Errors: IT_EINVAL with err naming the place
 * ("rules[2].criteria.owners[0]", "ImageCriteria[1].ImageNames[0]", "amiIds[3]"),
 * IT_ETOOBIG, IT_ENOMEM. On error set may hold part of the input; finish it.
 */
int rule_import(const char *data, size_t len, enum rule_format fmt, struct rule_set *set,
		struct json_err *err) WARN_UNUSED;

/* {"rules": [...], "exemptions": [...]}; *ret is a new reference. IT_ENOMEM. */
int rule_export_italic(const struct rule_set *set, json_t **ret) WARN_UNUSED;

struct rule_skip {
	char rule_id[IT_MAX_ID + 1];
	char reason[160];
};

/*
 * {"ImageCriteria": [...]} for the enabled rules Allowed AMIs can express (at most
 * IT_MAX_ALLOWED_CRITERIA; further ones are skipped with that reason). *ret_skipped
 * (free()) lists every enabled or disabled rule left out and why; *ret_n_skipped may be 0
 * with *ret_skipped NULL. IT_ENOMEM.
 */
int rule_export_allowed_amis(const struct rule_set *set, json_t **ret, struct rule_skip **ret_skipped,
			     size_t *ret_n_skipped) WARN_UNUSED;

struct rule_diff_counts {
	size_t added, changed, removed, unchanged;
};

/*
 * What replacing the rules of before with those of after does, one line per rule id
 * ("+ id" added, "~ id" changed, "- id" removed; unchanged ones are not listed), in id
 * order of after then before, appended to out. Versions and timestamps do not count as
 * changes. *ret (optional) gets the counts. IT_ENOMEM / IT_ETOOBIG from out.
 */
int rule_diff(const struct rule_set *before, const struct rule_set *after, struct buf *out,
	      struct rule_diff_counts *ret) WARN_UNUSED;

#endif
