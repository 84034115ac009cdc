/*
 * outbox.h: which deliveries a new verdict causes, written in its transaction.
 *
 * Rules (docs/outputs.md):
 *  - config: a verdict that carries a Config rule resultToken (trigger "event" or
 *    "schedule": the invocation itself, or a later re-evaluation ("reevaluate",
 *    "timer") of an instance whose invocation found INSUFFICIENT_DATA)
 *    is answered with PutEvaluations — but never with INSUFFICIENT_DATA, which Config
 *    rejects: such an instance waits until it has a definite verdict. Grouped by token.
 *  - securityhub: one finding per instance, sent when the compliance changes (a first
 *    verdict counts as a change); NOT_APPLICABLE archives it. Grouped by account+region.
 *  - siem: every evaluation written (stale ones are not), one JSON line each.
 *  - eventbridge, webhook (docs/alerts.md): an alert for each change of compliance that
 *    alert_triggered() selects (ITALIC_ALERT_ON), routed by the storm rule of each
 *    destination (lib/alert.h, state in store_alert.h): a single alert, due now, or a
 *    count in the window's digest, due when the window closes. Grouped as "alert".
 *
 * Payloads are JSON objects; their members are listed at outbox_enqueue_verdict().
 */
#ifndef ITALIC_OUTBOX_H
#define ITALIC_OUTBOX_H

#include <stdint.h>

#include "alert.h"
#include "compiler.h"
#include "config.h"
#include "store.h"
#include "store_verdict.h"

struct outbox_settings {
	int config_report;   /* ITALIC_CONFIG_REPORT */
	int securityhub;     /* ITALIC_SECURITYHUB */
	int siem;            /* ITALIC_SIEM_BUCKET set */
	int alert_eventbridge;            /* ITALIC_ALERT_EVENTBUS set */
	int alert_webhook;                /* ITALIC_ALERT_WEBHOOK_URL set */
	enum alert_on alert_on;           /* ITALIC_ALERT_ON */
	uint64_t alert_max_per_minute;    /* ITALIC_ALERT_MAX_PER_MINUTE */
	const char *public_url;           /* ITALIC_PUBLIC_URL, borrowed; NULL or "": paths */
};

/* The settings of c (borrowed for public_url: c must outlive *ret). */
void outbox_settings_init(struct outbox_settings *ret, const struct config *c);

/*
 * Enqueues the deliveries caused by row (already applied with outcome how; prev is the
 * compliance before it, "" for a new instance), inside the caller's transaction.
 * row->result_token is the token of the invocation that caused this verdict, or the
 * stored one for a re-evaluation (NULL when none).
 *
 * Payload members:
 *  config:      result_token, resource_id, compliance, reasons (array), ordering_timestamp
 *               (epoch seconds, from observed_at), instance_path
 *  securityhub: account, region, instance_id, image_id, compliance, previous_compliance,
 *               reasons, matched_rule, exemption, observed_at, evaluated_at (RFC 3339),
 *               record_state (ACTIVE | ARCHIVED)
 *  siem:        time, account, region, instance_id, image_id, state, compliance,
 *               previous_compliance, matched_rule, exemption, reasons, facts_source,
 *               trigger, trigger_event_id
 *  eventbridge, webhook: a single alert is the change's detail (alert_change_detail);
 *               a digest row holds store_alert.h's placeholder until it is sealed.
 * now is the time the storm rule counts the alert at.
 */
int outbox_enqueue_verdict(struct store *s, const struct outbox_settings *cfg, const struct verdict_row *row,
			   const char *prev, enum verdict_apply how, int64_t now) WARN_UNUSED;

/* What the outbox needs of a launch template whose verdict (its default version's)
 * was just settled (store_template.h); borrowed. */
struct outbox_template {
	const char *account, *region, *template_id, *name;
	int64_t default_version, latest_version;     /* 0 unknown */
	const char *image_ref, *image_id;            /* the default version's, as written / the AMI */
	const char *compliance, *reasons_json, *matched_rule, *exemption, *facts_source;
	int64_t observed_at, evaluated_at;
	const char *trigger, *trigger_event_id;
	const char *result_token;                    /* a Config invocation's, or NULL */
};

/*
 * The deliveries of a settled template (docs/launch-templates.md), by the rules above:
 * config (ComplianceResourceType AWS::EC2::LaunchTemplate, resource the template id),
 * securityhub (resource type AwsEc2LaunchTemplate, when the compliance changed), siem
 * (resource_type AwsEc2LaunchTemplate), alerts (a change of the default version's
 * compliance that ITALIC_ALERT_ON selects). prev is the compliance before ("" for a
 * new template). Payload members are the instance ones with launch_template_id, name,
 * default_version, latest_version and image beside image_id, and resource_type.
 */
int outbox_enqueue_template(struct store *s, const struct outbox_settings *cfg, const struct outbox_template *t,
			    const char *prev, int64_t now) WARN_UNUSED;

/* "/v1/launch-templates/<account>/<region>/<template_id>" into out. */
void outbox_template_path(const char *account, const char *region, const char *template_id, char *out, size_t n);

/* "/v1/instances/<account>/<region>/<instance_id>" into out (at least 96 bytes). */
void outbox_instance_path(const char *account, const char *region, const char *instance_id, char *out, size_t n);

#endif
