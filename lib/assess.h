/*
 * assess.h: judging one subject: which facts win, and what the verdict is.
 *
 * assess() is a pure function of its arguments: a rule set, two facts providers
 * (facts.h: AWS, registered images), an input and a clock. It makes no write and keeps
 * nothing; what it returns is a verdict row (verdict.h) ready for
 * outbox_apply_verdicts(). The rules it applies are docs/verdicts.md's:
 *
 *  1. A gone subject. An input that says the instance is gone (terminated, its Config
 *     item deleted) is a claim: with AWS in use, ITALIC_VERIFY on and an event as the
 *     input, DescribeInstances confirms it first (reconcile.h). Confirmed: NOT_APPLICABLE
 *     ("confirmed by DescribeInstances"); contradicted: judged with AWS's state, and the
 *     reasons say "the event said ..., but DescribeInstances lists it as ..."; AWS
 *     failing: INSUFFICIENT_DATA retried 10 minutes later, and the claimed state is not
 *     stored, so the retry asks again. Without a way to verify (no AWS, ITALIC_VERIFY
 *     off, a stored record, the sweep's own listing) the claim is believed, and so is a
 *     Config invocation's eventLeftScope whatever can be verified.
 *  2. The instance. DescribeInstances is asked when AWS is in use and the input is not
 *     AWS's own listing, and ITALIC_VERIFY is on, or the input names no image, or the
 *     event needs a lookup. AWS's image, state and tags then win over the input's; an
 *     input that named another image is judged by AWS's and noted ("the event named X
 *     but AWS says the instance runs Y"). AWS knowing no such instance: NOT_APPLICABLE.
 *     IT_EAUTH (credentials vanished): judged as without AWS.
 *  3. The image. The AWS provider first, then registered images when AWS is not in
 *     use, failed, or reports the image gone; when neither knows it, the facts are
 *     UNKNOWN (facts_source "none"). No image at all: INSUFFICIENT_DATA.
 *  4. The policy (policy.h) judges those facts at the clock's now. An INSUFFICIENT_DATA
 *     caused by AWS failing is tried again within ASSESS_RETRY_LATER_MS.
 *  5. Retry or INSUFFICIENT_DATA: with allow_retry a retryable AWS failure (throttling,
 *     5xx, network; status_retryable()) is returned as that status and nothing is
 *     judged, so the caller retries the input with backoff; without it the failure is
 *     judged INSUFFICIENT_DATA with the reason.
 *
 * Ordering is not decided here: the row carries observed_at (the input's), and
 * store_verdict_apply() drops a row older than the stored verdict (repair lets the
 * sweep's listing replace a record pinned in the future, reconcile.h). A time the
 * event claimed beyond its receipt was clamped before the input was built
 * (event_bound_times()); the builder carries the note that says so into the reasons.
 *
 * Inputs come from three builders, one per place a verdict starts: an event's
 * observation, a stored verdict (rules changed, a timer, a Config scheduled
 * invocation) and the sweep's listing. A builder borrows from its source (the input
 * is valid while the source lives) and may keep a little of its own (tags turned into
 * image_tag, a note); assess_input_finish() releases that.
 *
 * A second kind of subject. The subject is (account, region, id, image reference):
 * the account and Region scope the rules and are "self" for owners, and the image is
 * judged in that account and Region. Only step 2 and the claims of step 1 are about
 * instances; they run when the input's origin asks for them (ASSESS_EVENT, or
 * ASSESS_RECORD with ITALIC_VERIFY) and the AWS provider has an instance member. A
 * launch template version is judged by a builder of its own that sets the subject
 * (the template's account and Region, "lt-...:N" as id, the image its data names),
 * origin ASSESS_LISTING (the facts are the template's own: no DescribeInstances) and
 * its tags; an image given as "resolve:ssm:..." is resolved in the template's account
 * by that builder's caller (an AWS call, so not in a builder) before assess(), and an
 * alias that does not resolve is judged with image_id NULL (INSUFFICIENT_DATA).
 */
#ifndef ITALIC_ASSESS_H
#define ITALIC_ASSESS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "compiler.h"
#include "facts.h"
#include "limits.h"
#include "rule.h"
#include "verdict.h"

struct event;
struct event_observation;

/* An INSUFFICIENT_DATA verdict caused by AWS is judged again this much later. */
#define ASSESS_RETRY_LATER_MS (10 * 60 * 1000)
/* Tags an input can carry: an event's (IT_EVENT_MAX_TAGS) or fewer. */
#define ASSESS_MAX_TAGS IT_EVENT_MAX_TAGS

enum assess_origin {
	ASSESS_EVENT,      /* an event's word: its claims are checked against AWS */
	ASSESS_RECORD,     /* Italic's own record judged again: nothing new is claimed */
	ASSESS_LISTING,    /* AWS's own facts (the sweep's listing): taken as fresh */
	ASSESS_ORIGIN__MAX
};

/* What is judged; the same for every kind of subject (see above). */
struct assess_subject {
	const char *account;       /* 12 digits: rule scope, and "self" */
	const char *region;        /* rule scope; images are regional */
	const char *id;            /* the resource (an instance id) */
	const char *image_id;      /* the image the input names; NULL when it does not say */
};

/* One input. Every pointer is borrowed (from the builder's source or tag_store). */
struct assess_input {
	struct assess_subject subject;
	enum assess_origin origin;
	const char *state;                 /* EC2 state name; NULL when unknown */
	const struct image_tag *tags;      /* the resource's tags (exemptions by tag) */
	size_t n_tags;
	int tags_known;                    /* 0: the input does not know the tags */
	int64_t observed_at;               /* the facts' time: orders verdicts */
	int deleted;                       /* the Config item was deleted (a gone claim) */
	int left_scope;                    /* ... because it left a Config rule's scope */
	int needs_lookup;                  /* the input cannot name the image: ask AWS */
	const char *gone_reason;           /* set: gone for sure, NOT_APPLICABLE with this */
	int repair;                        /* replace a record pinned in the future */
	/* carried into the row as they are */
	const char *trigger;               /* event, reevaluate, timer, schedule, sweep */
	const char *event_id;              /* NULL when none */
	const char *result_token;          /* a Config invocation's; NULL to keep the stored */
	const char *time_note;             /* a time the event claimed was clamped: why */
	/* the builders' own (assess_input_finish) */
	struct image_tag tag_store[ASSESS_MAX_TAGS];
	char image_store[IT_IMAGE_ID_SIZE];
	char note_store[IT_VERDICT_REASON_LEN];
	json_t *tags_doc;                  /* stored tags, parsed */
};

/* One instance as the sweep's listing (DescribeInstances) shows it, or as gone from
 * it. Strings borrowed for the call that takes it. */
struct assess_listing {
	const char *account, *region, *instance_id;
	const char *image_id;             /* NULL when unknown */
	const char *state;                /* EC2 state name; NULL when unknown */
	const struct image_tag *tags;     /* n_tags entries */
	size_t n_tags;
	int tags_known;
	const char *gone_reason;          /* set: the listing no longer shows the instance */
	int64_t observed_at;              /* when the listing was read */
	int repair;                       /* the record is pinned in the future (reconcile.h) */
};

/*
 * Observation o of event e (times already bounded by event_bound_times() against
 * received_ms, the inbox row's receipt). known_image_id (may be NULL) is the image of
 * Italic's record of the instance, used when the event names none (a state change).
 * Borrows e; at most ASSESS_MAX_TAGS tags are carried (the parser's own limit).
 */
void assess_from_observation(struct assess_input *in, const struct event *e, const struct event_observation *o,
			     int64_t received_ms, const char *known_image_id);

/*
 * A stored verdict judged again with trigger (reevaluate, timer; borrowed). When
 * invocation is given (a Config scheduled invocation for the record's account and
 * Region, times bounded against received_ms) the verdict answers it: its time orders
 * the row (never older than the record's), its id and result token are carried, and
 * the stored tags are not (as scheduled re-judging has always done). Borrows row and
 * invocation. Stored tags that no longer parse count as unknown.
 */
void assess_from_verdict(struct assess_input *in, const struct verdict_row *row, const char *trigger,
			 const struct event *invocation, int64_t received_ms);

/* A listing's instance (borrowed), judged with trigger ("sweep"). */
void assess_from_listing(struct assess_input *in, const struct assess_listing *l, const char *trigger);

/* Releases what a builder kept. The input may be built again after. NULL: no-op. */
void assess_input_finish(struct assess_input *in);

/* A stored verdict time cannot change: NOT_APPLICABLE (the instance is gone). */
int assess_record_final(const struct verdict_row *row);

/* Everything assess() reads besides the input. All borrowed for the call. */
struct assess_env {
	const struct rule_set *rules;
	const struct facts_provider *aws;         /* NULL: AWS is not in use */
	const struct facts_provider *registered;  /* NULL: no registered images */
	const struct clock *clock;                /* now, and evaluated_at */
	int verify;                               /* ITALIC_VERIFY */
};

/*
 * Judges in into *ret (the caller finishes it with verdict_row_finish()). Returns
 * IT_OK; with allow_retry, the retryable status of an AWS failure (nothing judged,
 * *ret untouched: retry the input later); IT_ENOMEM. On failure *ret is untouched.
 */
int assess(const struct assess_env *env, const struct assess_input *in, int allow_retry, struct verdict_row *ret)
	WARN_UNUSED;

#endif
