/*
 * simulate_template.h: the launch templates' part of `POST /v1/simulations`
 * (docs/launch-templates.md, docs/rules.md "Simulations"): every known template judged
 * by its default version under the current allow-list and under a proposed one, at one
 * instant with the same facts, and the templates whose compliance would change.
 *
 * As for instances (simulate.h): nothing is written, the templates are read in one read
 * transaction, judging is policy_evaluate with the image's registered facts (an image
 * with none is IMAGE_UNKNOWN). The subject is the template: its account and Region scope
 * the rules and are "self", the id is "<template id>:<default version>". The image is
 * the default version's AMI, an alias as it was last resolved; an alias never resolved
 * is INSUFFICIENT_DATA on both sides. Deleted templates and defaults that name no image
 * (NOT_APPLICABLE) are skipped and counted.
 */
#ifndef ITALIC_SIMULATE_TEMPLATE_H
#define ITALIC_SIMULATE_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "rule.h"

struct store;

/*
 * Renders into *ret (a new reference):
 *   {"evaluated": N, "changed": M, "skipped_not_applicable": K,
 *    "changes": [{"account", "region", "launch_template_id", "version", "image",
 *                 "image_id", "from", "to", "reasons", "matched_rule", "exemption"}],
 *    "truncated": bool}
 * with at most max_changes changes, newest evaluated first. Errors: IT_ENOMEM, the
 * store's; *ret is written only on success.
 */
int simulate_templates(struct store *s, const struct rule_set *current, const struct rule_set *proposed,
		       int64_t now_ms, size_t max_changes, json_t **ret) WARN_UNUSED;

#endif
