/*
 * alert.h: what an alert is (docs/alerts.md): which verdicts cause one, the storm rule that
 * turns a launch storm into one digest, and the payloads every destination is built
 * from. Pure: no I/O, no clock (now is passed in), no SQLite; store_alert.h keeps the
 * windows and digests durable, outbox.h enqueues, service/deliver_alerts.c sends.
 *
 * Which changes alert (alert_triggered). An alert is a change of compliance as the
 * verdict writes it: from the compliance stored before ("" for an instance seen for
 * the first time, which counts as a change from nothing) to the new one. A verdict
 * that keeps the compliance (any re-evaluation, a sweep, a timer that changed nothing)
 * never alerts. ITALIC_ALERT_ON:
 *   noncompliant (default)  a change into NON_COMPLIANT or out of it: a new instance
 *                           judged NON_COMPLIANT, COMPLIANT -> NON_COMPLIANT, and back;
 *                           NON_COMPLIANT -> INSUFFICIENT_DATA or NOT_APPLICABLE also
 *                           (the instance left the state that paged, and the receiver
 *                           should learn it); a new instance judged COMPLIANT does not.
 *   all                     every change, a first verdict of any compliance included.
 * An instance that flaps alerts at each change; the storm rule bounds how often.
 *
 * The storm rule (alert_storm_route), per destination. A window opens with the first
 * alert that finds no open window and lasts IT_ALERT_WINDOW_MS (a minute): its first
 * ITALIC_ALERT_MAX_PER_MINUTE alerts go out singly, at once; every later alert of the
 * window joins the window's one digest, which goes out when the window closes. The
 * next alert after that opens the next window. So any one window sends at most
 * max + 1 messages (max = 0: only digests), and an alert is never dropped: it is
 * either single or counted in a digest. Windows are anchored at their first alert, not
 * at wall-clock minutes, so a storm is not split in two by a minute boundary.
 *
 * Payloads. A change's detail (alert_change_detail), the same JSON for EventBridge's
 * Detail and the webhook's body:
 *   {"kind":"change", "account", "region", "instance_id", "image_id"|null,
 *    "from": compliance|null (null: a new instance), "to", "reasons": [...],
 *    "matched_rule"|null, "exemption"|null, "observed_at", "evaluated_at" (RFC 3339),
 *    "url": the instance in Italic's API}
 * A digest's detail (alert_digest_detail):
 *   {"kind":"digest", "window_start", "window_end", "count": alerts in it,
 *    "by_to": {compliance: n}, "by_account": {account: n}, "by_image": {image: n},
 *    "by_account_others": n, "by_image_others": n (alerts under accounts / images past
 *    the IT_ALERT_DIGEST_KEYS largest), "instances": [the first IT_ALERT_DIGEST_FIRST
 *    change details], "instances_not_listed": n, "url": <base>/v1/instances?compliance=NON_COMPLIANT}
 * A test alert (alert_test_detail) has the change shape with "kind":"test",
 * "instance_id":"italic-test-alert" and a reason saying no instance changed, so rules
 * that route changes route it too. url is the instance's path alone unless
 * ITALIC_PUBLIC_URL gives the base to put in front of it.
 */
#ifndef ITALIC_ALERT_H
#define ITALIC_ALERT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "limits.h"

#define ALERT_SOURCE "italic"                       /* PutEvents Source */
#define ALERT_TEST_INSTANCE "italic-test-alert"
#define ALERT_TEST_ACCOUNT "000000000000"
#define ALERT_URL_MAX 511                          /* ITALIC_PUBLIC_URL, at most (a setting holds 511) */

enum alert_on { ALERT_ON_NONCOMPLIANT, ALERT_ON_ALL, ALERT_ON__MAX };
extern const char *const alert_on_names[ALERT_ON__MAX];          /* "noncompliant", "all" */

enum alert_kind { ALERT_KIND_CHANGE, ALERT_KIND_DIGEST, ALERT_KIND_TEST, ALERT_KIND__MAX };
extern const char *const alert_kind_names[ALERT_KIND__MAX];      /* "change", "digest", "test" */
/* PutEvents DetailType per kind: "Italic Compliance Change" (change and test),
 * "Italic Compliance Digest". */
extern const char *const alert_detail_types[ALERT_KIND__MAX];

/* The kind named by detail's "kind" member; IT_EINVAL when absent or unknown. */
int alert_kind_of(const json_t *detail, enum alert_kind *ret) WARN_UNUSED;

/* 1 when a verdict moving an instance from `from` (NULL or "": first verdict) to `to`
 * alerts under on (see above); 0 otherwise, also for from == to. */
int alert_triggered(enum alert_on on, const char *from, const char *to);

/* ---- storm rule ---- */

/* One destination's window. opened_at 0: none yet. digest_id: the delivery row of the
 * window's digest, 0 before the window has one. */
struct alert_window {
	int64_t opened_at;
	int64_t singles;
	int64_t digest_id;
};

enum alert_route { ALERT_ROUTE_SINGLE, ALERT_ROUTE_DIGEST };

/* Routes an alert at now: *ret_w is the window afterwards (a new one when w is closed or
 * none, now before its opening included: a clock set back opens a new window rather
 * than extending an old one; singles counted), *ret_route says single or digest. */
void alert_storm_route(const struct alert_window *w, int64_t now, uint64_t max_per_minute,
		       struct alert_window *ret_w, enum alert_route *ret_route);
/* When w closes, so its digest is due: opened_at + IT_ALERT_WINDOW_MS. */
int64_t alert_window_end(const struct alert_window *w);

/* ---- payloads ---- */

struct alert_change {
	const char *account, *region, *instance_id;
	const char *image_id;       /* NULL or "": unknown */
	const char *from;           /* NULL or "": a new instance */
	const char *to;
	const char *reasons_json;   /* a JSON array of strings; NULL or unparsable: [] */
	const char *matched_rule, *exemption;   /* NULL or "": none */
	int64_t observed_at, evaluated_at;      /* Unix ms */
	/* set: the change is a launch template's (its default version's); instance_id then
	 * holds the template id too, and the detail says resource_type AwsEc2LaunchTemplate,
	 * launch_template_id, instance_id null, and links the template */
	const char *launch_template_id;
};

/* The change's detail into *ret (a new reference); base_url ("" or NULL for none) goes
 * in front of the instance's path. IT_EINVAL for a missing account/region/instance/to,
 * IT_ENOMEM. */
int alert_change_detail(const struct alert_change *c, const char *base_url, json_t **ret) WARN_UNUSED;

/* The test alert at now, for region (the service's home region; NULL: "us-east-1"). */
int alert_test_detail(int64_t now, const char *region, const char *base_url, json_t **ret) WARN_UNUSED;

/* "<base>/v1/instances?compliance=NON_COMPLIANT" (base may be "" or NULL) into out. */
void alert_digest_url(const char *base_url, char *out, size_t n);

struct alert_count {
	const char *key;
	int64_t n;
};

/* What a digest holds when it is sealed (store_alert.h collects it). accounts, images
 * and to are in any order; instances (borrowed) is an array of change details, oldest
 * first, at most IT_ALERT_DIGEST_FIRST used. count is the number of alerts in it. */
struct alert_digest {
	int64_t window_start, window_end;
	int64_t count;
	const struct alert_count *accounts, *images, *to;
	size_t n_accounts, n_images, n_to;
	const json_t *instances;
	const char *url;
};

/* The digest's detail (see above): counts largest first (ties by key), at most
 * IT_ALERT_DIGEST_KEYS per dimension, the rest summed into by_*_others. */
int alert_digest_detail(const struct alert_digest *d, json_t **ret) WARN_UNUSED;

/*
 * Serialises detail compactly into *ret_text (malloc'd) in at most max bytes, cutting
 * when it must, in this order until it fits: every reason to 120 bytes (on a UTF-8
 * boundary, ending in "…"); only the first reason of each change, with "(+N more)";
 * a digest's listed instances from the last one (counted in instances_not_listed);
 * no reasons at all. A cut detail carries "cut": true. IT_ETOOBIG when even that does
 * not fit; detail itself is never changed.
 */
int alert_fit(const json_t *detail, size_t max, char **ret_text) WARN_UNUSED;

/* A Slack incoming-webhook body {"text": "..."} for detail, one line per alert ("&",
 * "<" and ">" in any text from the instance escaped as Slack requires, so a name in a
 * reason cannot mention a channel or forge a link). IT_EINVAL for an unknown kind. */
int alert_slack_body(const json_t *detail, char **ret) WARN_UNUSED;

/* "arn:<partition>:ec2:<region>:<account>:instance/<id>" into out; IT_EINVAL for an
 * invalid account or region, IT_ETOOBIG when out is short. */
int alert_instance_arn(const char *account, const char *region, const char *instance_id, char *out, size_t n)
	WARN_UNUSED;

/* The ARN of an alert's resource (a change's detail or a digest's listed change): the
 * launch template's (arn:<partition>:ec2:<region>:<account>:launch-template/<id>) when
 * it names launch_template_id, else the instance's. Errors as alert_instance_arn. */
int alert_resource_arn(const json_t *change, char *out, size_t n) WARN_UNUSED;

#endif
