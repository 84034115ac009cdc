/*
 * verdict.h: the outcome of judging one instance, as a value record, and its two
 * renderings: JSON for the API and history, and the ≤256-character annotation of an
 * AWS Config PutEvaluations call.
 *
 * A struct verdict owns no heap memory (reasons live in fixed arrays), so it can be
 * copied, kept on the stack, and needs no free. Reasons are bounded in count
 * (IT_VERDICT_MAX_REASONS; further ones are counted in n_omitted) and in length
 * (IT_VERDICT_REASON_LEN; longer ones are cut on a UTF-8 boundary), and are always
 * valid UTF-8 without control characters, whatever text went in.
 */
#ifndef ITALIC_VERDICT_H
#define ITALIC_VERDICT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "limits.h"

enum compliance {
	COMPLIANCE_COMPLIANT,          /* an enforce rule allows it, or an exemption covers it */
	COMPLIANCE_NON_COMPLIANT,      /* nothing allows it */
	COMPLIANCE_NOT_APPLICABLE,     /* terminated / configuration item deleted (caller decides) */
	COMPLIANCE_INSUFFICIENT_DATA,  /* facts unreadable; retried, never sent to AWS Config */
	COMPLIANCE__MAX
};
/* "COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA": AWS Config's names. */
extern const char *const compliance_names[COMPLIANCE__MAX];

/* Name -> enum; IT_EINVAL for anything else. */
int compliance_from_name(const char *s, enum compliance *ret) WARN_UNUSED;

#define VERDICT_NEVER (-1)   /* next_change_at_ms when time alone never changes it */

struct verdict {
	enum compliance compliance;
	char reasons[IT_VERDICT_MAX_REASONS][IT_VERDICT_REASON_LEN];
	size_t n_reasons;
	size_t n_omitted;                 /* reasons that did not fit */
	size_t n_notes;                   /* the last n_notes reasons came from verdict_note() */
	char matched_rule[IT_MAX_ID + 1]; /* "" when none */
	char exemption[IT_MAX_ID + 1];    /* "" when none */
	int64_t next_change_at_ms;        /* VERDICT_NEVER or a Unix ms instant */
};

/* Empty verdict of the given compliance: no reasons, no rule, no exemption, never. */
void verdict_init(struct verdict *v, enum compliance c);

/* Appends a formatted reason (cut and sanitised as described above). */
void verdict_add_reason(struct verdict *v, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Appends a reason that must not be lost to the cap: something about the event itself
 * (a clamped time, a claim AWS contradicted). When the verdict is full, the last
 * ordinary reason makes room (and is counted in n_omitted). Notes go after every
 * ordinary reason: verdict_add_reason() after a note is not allowed. */
void verdict_note(struct verdict *v, const char *fmt, ...) PRINTF_LIKE(2, 3);

/*
 * {"compliance": "...", "reasons": [...], "matched_rule": "id"|null,
 *  "exemption": "id"|null, "next_change_at": "RFC 3339"|null}
 * When reasons were omitted, a last reason says how many. *ret is a new reference.
 * Errors: IT_ENOMEM.
 */
int verdict_to_json(const struct verdict *v, json_t **ret) WARN_UNUSED;

/*
 * The PutEvaluations annotation: the reasons joined by "; ", then " See " and
 * instance_path (e.g. "/v1/instances/123456789012/us-east-1/i-0abc..."), at most
 * IT_ANNOTATION_MAX (256) bytes — hence at most 256 characters — and never empty. When
 * the reasons do not fit they are cut on a UTF-8 boundary and end with "…"; the path is
 * never cut. out must hold at least IT_ANNOTATION_MAX + 1 bytes (IT_EINVAL otherwise);
 * IT_ETOOBIG when the path alone leaves no room. out is written only on success.
 */
int verdict_annotation(const struct verdict *v, const char *instance_path, char *out, size_t outlen)
	WARN_UNUSED;

/*
 * One verdict with what it was about, as Italic stores it (table instances, history
 * evaluations) and hands it to the deliveries: the instance, the facts judged, the
 * verdict's JSON reasons and when and why it was made. Fixed-size strings; the three
 * pointers are owned (verdict_row_finish frees them). lib/assess.h makes these,
 * lib/store_verdict.h stores them.
 */
struct verdict_row {
	char account[IT_ACCOUNT_ID_SIZE];
	char region[IT_REGION_SIZE];
	char instance_id[IT_INSTANCE_ID_SIZE];
	char image_id[IT_IMAGE_ID_SIZE];   /* "" when unknown */
	char state[IT_STATE_SIZE];         /* "" when unknown */
	char compliance[IT_COMPLIANCE_SIZE];
	char matched_rule[IT_MAX_ID + 1];
	char exemption[IT_MAX_ID + 1];
	char facts_source[40];
	char trigger[16];            /* event, reevaluate, timer, schedule, sweep */
	char trigger_event_id[160];
	int64_t observed_at;
	int64_t evaluated_at;
	int64_t next_change_at;      /* 0: none */
	char *tags_json;             /* owned; NULL when tags are unknown */
	char *reasons_json;          /* owned; JSON array */
	char *result_token;          /* owned; NULL to keep the stored one */
	int repair_future;           /* applied even over a newer stored verdict when that one's
					observed_at is pinned in the future (reconcile_pinned()
					against this row's observed_at); the sweep sets it */
	int aws_answered;            /* not stored: DescribeInstances answered for the instance
					while it was judged (the pair is real and reachable) */
};

void verdict_row_finish(struct verdict_row *v);

#endif
