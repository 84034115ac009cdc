/*
 * event.h: what one body posted to /v1/events says about EC2 instances.
 *
 * event_parse() takes the raw body and returns a struct event: a value record that
 * owns every string and array reachable from it. Two shapes of body are accepted:
 *
 *  - an EventBridge event (envelope: version?, id, detail-type, source, account,
 *    time, region, resources, detail), dispatched on source + detail-type to
 *    event_config.c (Config Configuration Item Change) or event_ec2.c (EC2 Instance
 *    State-change Notification, CloudTrail RunInstances);
 *  - an AWS Config custom-rule invocation (invokingEvent, ruleParameters, resultToken,
 *    configRuleArn, ...) forwarded as is, parsed by event_config.c.
 *
 * A well-formed event Italic does not handle (another detail-type, another CloudTrail
 * eventName, a failed RunInstances, a Config item of another resource type) is not an
 * error: it comes back as EVENT_IGNORED with a short reason, so the route answers
 * 202 "ignored" and EventBridge does not retry it. Malformed input is IT_EINVAL with a
 * json_err naming the field path ("detail.responseElements.instancesSet.items[2]
 * .instanceId"); a body over IT_EVENT_MAX_BODY or nested deeper than
 * IT_EVENT_MAX_DEPTH is IT_ETOOBIG.
 *
 * Invariants of a parsed event (the route and the evaluator rely on them):
 *  - ev->id, ev->account (12 digits) and ev->region (valid_region) are always set,
 *    also for EVENT_IGNORED;
 *  - every observation's account equals ev->account, so checking ev->account against
 *    an ingest token's accounts covers everything the event can change;
 *  - instance ids are valid_instance_id, image ids valid_image_id, with surrounding
 *    ASCII whitespace trimmed (AWS's own state-change sample has " i-..."), never
 *    taken from RunInstances requestParameters;
 *  - ev->rule is non-NULL exactly when kind == EVENT_CONFIG_RULE_INVOCATION and
 *    ev->ignored_reason exactly when kind == EVENT_IGNORED.
 *
 * Unknown fields are tolerated everywhere: AWS adds fields to its events over time
 * ("replay-name", "evaluationMode"), and a 400 is never retried, so rejecting them
 * would silently drop real events. What Italic reads is checked strictly.
 *
 * Nothing here does I/O, SQLite or HTTP; it is a pure function of the bytes. The files
 * that make up the parser share lib/event_extern.h, which no other module includes.
 */
#ifndef ITALIC_EVENT_H
#define ITALIC_EVENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "json_io.h"
#include "launch_template.h"

enum event_kind {
	EVENT_CONFIG_ITEM_CHANGE,       /* aws.config item change, full configuration item */
	EVENT_CONFIG_ITEM_OVERSIZED,    /* aws.config item change, summary only */
	EVENT_EC2_STATE_CHANGE,         /* aws.ec2 state-change: instance + state, no image */
	EVENT_CLOUDTRAIL_RUN_INSTANCES, /* aws.ec2 CloudTrail RunInstances: every instance */
	EVENT_CONFIG_RULE_INVOCATION,   /* Config custom-rule payload: ev->rule is set */
	EVENT_IGNORED,                  /* well formed, not handled: ev->ignored_reason */
	EVENT_LAUNCH_TEMPLATE,          /* a launch template call or Config item: ev->lt
					   (event_lt.h), no observations */
	EVENT__MAX
};

/* Stable snake_case name ("config_item_change", ...); "unknown" out of range. */
const char *event_kind_str(enum event_kind kind);

/* EC2 instance states (EC2 InstanceStateName); EVENT_STATE_UNKNOWN when not said. */
enum event_state {
	EVENT_STATE_UNKNOWN,
	EVENT_STATE_PENDING,
	EVENT_STATE_RUNNING,
	EVENT_STATE_STOPPING,
	EVENT_STATE_STOPPED,
	EVENT_STATE_SHUTTING_DOWN,
	EVENT_STATE_TERMINATED,
	EVENT_STATE__MAX
};

/* AWS spelling ("shutting-down"); NULL for EVENT_STATE_UNKNOWN or out of range. */
const char *event_state_str(enum event_state state);
/* Maps an AWS state name to the enum; IT_EINVAL for anything else. */
int event_state_parse(const char *name, enum event_state *ret) WARN_UNUSED;

struct event_tag {
	char *key;
	char *value;
};

/* One instance as the event saw it. All strings owned by the enclosing event. */
struct event_observation {
	char *account;              /* 12 digits, == event account */
	char *region;
	char *instance_id;          /* i-..., trimmed */
	char *image_id;             /* ami-..., NULL when the event does not say */
	enum event_state state;     /* EVENT_STATE_UNKNOWN when the event does not say */
	struct event_tag *tags;     /* n_tags entries (<= IT_EVENT_MAX_TAGS) */
	size_t n_tags;
	int tags_known;             /* 1: tags is the instance's full tag set (maybe empty);
				       0: the event does not carry tags at all */
	int64_t observed_at_ms;     /* ordering time from the event itself: Config capture
				       time, CloudTrail eventTime, envelope time */
	int64_t launch_time_ms;     /* 0 when the event does not say */
	int64_t claimed_observed_ms;/* what the event said observed_at was, when
				       event_bound_times() clamped it; 0 otherwise */
	int64_t claimed_launch_ms;  /* the same for launch_time_ms */
	int deleted;                /* Config item deleted or eventLeftScope: NOT_APPLICABLE */
	int needs_lookup;           /* image not in the event (oversized item, state change,
				       status ResourceNotRecorded) and the instance is neither
				       deleted nor terminated: read it from AWS */
	/* The launch template it was launched from (event_lt.h): lt_id NULL when unknown;
	 * lt_version the number (0 unknown) or lt_version_kind $Default/$Latest as the
	 * launch request named it; lt_name when the request named the template by name. */
	char *lt_id;
	char *lt_name;
	int64_t lt_version;
	enum lt_version_kind lt_version_kind;
	int lt_image_override;      /* the launch request named an image over the template's */
};

/* What made Config invoke the rule (invokingEvent.messageType). */
enum event_trigger {
	EVENT_TRIGGER_CHANGE,      /* ConfigurationItemChangeNotification */
	EVENT_TRIGGER_OVERSIZED,   /* OversizedConfigurationItemChangeNotification */
	EVENT_TRIGGER_SCHEDULED,   /* ScheduledNotification */
	EVENT_TRIGGER__MAX
};
const char *event_trigger_str(enum event_trigger trigger);

enum event_scope {
	EVENT_SCOPE_RESOURCE,      /* evaluate obs[0] (exactly one observation) */
	EVENT_SCOPE_SCHEDULED,     /* evaluate every instance of ev->account + ev->region;
				      no observations */
	EVENT_SCOPE__MAX
};
const char *event_scope_str(enum event_scope scope);

/* A Config custom-rule invocation: what PutEvaluations needs to answer it. */
struct event_rule_invocation {
	char *result_token;        /* <= IT_EVENT_MAX_RESULT_TOKEN bytes, secret-ish: do not log */
	char *config_rule_arn;     /* arn:<partition>:config:<region>:<account>:config-rule/... */
	char *config_rule_name;
	char *rule_parameters;     /* ruleParameters re-serialised compactly; "{}" when absent */
	enum event_trigger trigger;
	enum event_scope scope;
	int left_scope;            /* eventLeftScope: obs[0].deleted is set too */
	int64_t ordering_ms;       /* OrderingTimestamp for PutEvaluations: capture time for
				      change triggers, notificationCreationTime for scheduled */
};

struct event {
	enum event_kind kind;
	char *id;                  /* envelope id; for a rule invocation, lower-case hex
				      SHA-256 of resultToken (stable across redelivery) */
	char *account;             /* envelope account / invocation accountId */
	char *region;              /* envelope region / region of configRuleArn */
	char *source;              /* envelope source; "aws.config" for a rule invocation */
	char *detail_type;         /* envelope detail-type; "Config Rule Invocation" */
	int64_t time_ms;           /* envelope time / invokingEvent.notificationCreationTime */
	int64_t claimed_time_ms;   /* what the event said time_ms was, when
				      event_bound_times() clamped it; 0 otherwise */
	struct event_observation *obs;
	size_t n_obs;              /* <= IT_EVENT_MAX_INSTANCES */
	struct event_rule_invocation *rule;  /* set iff kind == EVENT_CONFIG_RULE_INVOCATION */
	char *ignored_reason;      /* set iff kind == EVENT_IGNORED, <= IT_EVENT_MAX_REASON */
	struct event_lt *lt;       /* a launch template (event_lt.h): set iff kind ==
				      EVENT_LAUNCH_TEMPLATE, or a rule invocation about one */
};

/*
 * Parses one request body (len bytes, need not be NUL-terminated). On IT_OK *ret is a
 * new event the caller frees with event_free(). Errors: IT_ETOOBIG (body over
 * IT_EVENT_MAX_BODY, nesting over IT_EVENT_MAX_DEPTH), IT_EINVAL (malformed; err names
 * the field path, "" for the document itself), IT_ENOMEM. On failure *ret is untouched
 * and err (if not NULL) is filled.
 */
int event_parse(const char *body, size_t len, struct event **ret, struct json_err *err)
	WARN_UNUSED;

/*
 * The same for a document already loaded (by the batch reader, lib/event_batch.h, which
 * bounds its size and depth itself): root is borrowed. Errors as event_parse() but
 * never IT_ETOOBIG, since nothing is loaded here.
 */
int event_parse_json(const json_t *root, struct event **ret, struct json_err *err) WARN_UNUSED;

/* Frees ev and everything it owns. NULL is a no-op; copes with a half-built event. */
void event_free(struct event *ev);

/*
 * Bounds every time ev carries (time_ms, each observation's observed_at_ms and
 * launch_time_ms, the rule invocation's ordering_ms) by received_ms, the instant Italic
 * received the event, with reconcile_time_bound(): a time more than
 * IT_EVENT_CLOCK_SKEW_MS after received_ms becomes received_ms, and the claimed value is
 * kept in the matching claimed_* field for the verdict's reasons. Parsing stays a pure
 * function of the bytes; the evaluator applies this with the inbox row's received_at,
 * so a re-parse after a restart clamps the same way. Idempotent. Returns the number of
 * times clamped by this call.
 */
size_t event_bound_times(struct event *ev, int64_t received_ms);

/*
 * The reason a verdict on observation o of ev gives when event_bound_times() clamped a
 * time it rests on (o's observed_at or launch time, or the envelope/notification time),
 * naming the field and the claimed time: "eventTime 9999-12-31T23:59:59Z is more than 5
 * minutes after Italic received the event (2026-12-01T20:52:21Z): clamped to the receipt
 * time (so was time)".
 * o may be NULL (a scheduled invocation: the notification time only). Returns 1 with
 * out[size] filled, 0 (out untouched) when nothing was clamped.
 */
int event_time_reason(const struct event *ev, const struct event_observation *o, int64_t received_ms,
		      char *out, size_t size);

#endif
