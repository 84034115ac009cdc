/*
 * finding.h: the AWS Security Finding Format (ASFF) finding Italic imports into
 * Security Hub for one instance, built from a "securityhub" delivery payload
 * (outbox.h lists its members).
 *
 * Pure: no I/O, no clock. Invariants of every finding built here (docs/aws-facts.md §7):
 *  - Id "italic/<account>/<region>/<instance_id>" is stable across verdicts, so a
 *    later import updates the same finding instead of adding one;
 *  - ProductArn is the account's default product
 *    (arn:<partition>:securityhub:<region>:<account>:product/<account>/default), so the
 *    import must be made in the finding's own account and region;
 *  - CreatedAt is when Italic first saw the instance (stable across updates) and never
 *    later than UpdatedAt, which is the verdict's evaluated_at (newer verdicts have
 *    newer times, which Security Hub requires of an update);
 *  - Title ≤ 256 and Description 1..1024 characters, cut on a UTF-8 boundary;
 *  - Severity and Types are sent top-level and in FindingProviderFields;
 *  - NOT_APPLICABLE (the instance is gone) archives the finding (RecordState ARCHIVED).
 */
#ifndef ITALIC_FINDING_H
#define ITALIC_FINDING_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

#define FINDING_GENERATOR_ID "italic-approved-ami"
#define FINDING_TYPE "Software and Configuration Checks/AWS Security Best Practices/Approved AMIs"
#define FINDING_TITLE_MAX 256
#define FINDING_DESCRIPTION_MAX 1024
#define FINDING_ID_MAX 96

/* "italic/<account>/<region>/<instance_id>" into out (FINDING_ID_MAX bytes). */
void finding_id(const char *account, const char *region, const char *instance_id, char out[FINDING_ID_MAX]);

/*
 * Builds the finding for payload (a securityhub payload object, borrowed).
 * created_at_ms is instances.first_seen_at (0 or later than evaluated_at: evaluated_at
 * is used). IT_EINVAL when a required member is missing or invalid (account, region,
 * instance_id, compliance, evaluated_at), IT_ENOMEM. *ret (a new reference) is written
 * only on success.
 */
int finding_build(const json_t *payload, int64_t created_at_ms, json_t **ret) WARN_UNUSED;

/* Copies at most max bytes of s into a new string, cut on a UTF-8 boundary (pure
 * helper shared with the SIEM and Config paths). NULL on ENOMEM. */
char *finding_cut_utf8(const char *s, size_t max);

#endif
