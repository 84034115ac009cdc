/*
 * simulate.h: the fleet-wide what-if behind `POST /v1/simulations` (docs/rules.md, "Simulations"): judge
 * every known instance under the current allow-list and under a proposed one, at the
 * same instant and with the same facts, and report whose compliance would change.
 *
 * Nothing is written: the instances are read inside one read transaction (a consistent
 * snapshot, which never blocks writers in WAL mode), and judging is policy_evaluate,
 * which is pure.
 *
 * Facts: the stored image id, state and tags of each instance, and the image's
 * registered facts (store_image_get); an image with none is judged as unreadable
 * (IMAGE_UNKNOWN), which only an image_ids criterion can allow. Facts that the
 * evaluator read from AWS are not stored, so in AWS mode a simulation can differ from
 * the live verdicts for images nobody registered; both sides of the comparison use the
 * same facts, so every reported change comes from the rules alone. Instances whose
 * current verdict is NOT_APPLICABLE (terminated, deleted) are skipped and counted.
 * An instance without a known image is INSUFFICIENT_DATA on both sides.
 *
 * Cost at fleet size: instances are read SIM_PAGE at a time by keyset, so memory does
 * not grow with the fleet (a page of rows, at most IT_SIM_FACTS_CACHE image facts, at
 * most max_changes listed changes); each (region, image) is read and parsed once, and
 * instance tags only when an exemption by tag needs them. bench/RESULTS.md: about 3 s
 * and 36 MiB of RSS over 1 million instances (15 s when the facts were read per
 * instance). The read transaction lasts that long, so the WAL cannot be checkpointed
 * past its snapshot meanwhile (service/checkpointer.h).
 */
#ifndef ITALIC_SIMULATE_H
#define ITALIC_SIMULATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "rule.h"

struct store;   /* store.h: the caller's connection; this header needs no SQLite */

/*
 * Runs the comparison and renders it into *ret (a new reference):
 *   {"evaluated": N, "changed": M, "skipped_not_applicable": K,
 *    "counts": {"from": {"COMPLIANT": n, ...all four...}, "to": {...}},
 *    "changes": [{"account", "region", "instance_id", "image_id", "from", "to",
 *                 "reasons": [...under the proposed set], "matched_rule", "exemption"}],
 *    "truncated": bool}
 * "changes" holds at most max_changes entries (in (account, region, instance_id)
 * order); "changed" counts them all and "truncated" says some were left out. current
 * and proposed are borrowed. Errors: IT_ENOMEM, IT_EDB / IT_EBUSY from SQLite; *ret is
 * written only on success.
 */
int simulate_run(struct store *s, const struct rule_set *current, const struct rule_set *proposed, int64_t now_ms,
		 size_t max_changes, json_t **ret) WARN_UNUSED;

#endif
