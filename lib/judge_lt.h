/*
 * judge_lt.h: judging launch templates over the store, and writing what was judged
 * (docs/launch-templates.md); judge.h's counterpart for the second kind of subject.
 *
 * judge.h judges an event's instances; this judges what the event says about a launch
 * template, and the template an instance was launched from. Work is prepared outside
 * the writer (store reads and the template provider's AWS calls: lt_prepare_*) into a
 * struct lt_work, then written inside the writer's transaction with the event's
 * instance verdicts (lt_write, the outbox_apply_verdicts of templates), so an event is
 * done as a whole or not at all.
 *
 * What each source becomes:
 *  - an event about a template (CreateLaunchTemplate, CreateLaunchTemplateVersion,
 *    ModifyLaunchTemplate, DeleteLaunchTemplate, DeleteLaunchTemplateVersions, a Config
 *    item, a Config rule invocation about one): what it says of the template (name,
 *    default and latest numbers, deletion) and a verdict per version it carries. With
 *    AWS in use the event is confirmed first (template_read(): $Default and $Latest as
 *    EC2 has them) when ITALIC_VERIFY is on, when it lacks the default version's data
 *    (ModifyLaunchTemplate, an oversized Config item) or when it claims the template is
 *    gone; EC2's answer wins, and a template EC2 does not know is gone. Deleting
 *    versions other than the default cannot change a template's verdict and is
 *    believed as it is. AWS failing: the event is retried with backoff, then judged on
 *    its own word.
 *  - an instance launched from a template (aws:ec2launchtemplate:id tags, RunInstances'
 *    launchTemplate): the instance's verdict gains a reason naming the template and
 *    version (template_instance_note()), and the link is stored.
 *  - a scheduled invocation of the launch template Config rule
 *    (event_lt_rule_covers_templates()): every live version of the account and Region
 *    judged again (aliases resolved again), answered with the invocation's token.
 *  - rules changed (trigger reevaluate): every live version judged again, an alias by
 *    its stored resolution; a version's next_change_at (trigger timer): judged again,
 *    an alias resolved again.
 *  - the sweep (trigger sweep): each listed template's $Default and $Latest, aliases
 *    resolved again; a stored template the listing no longer shows is gone.
 * After the versions, each template touched settles on its default version's verdict
 * (store_template_settle()) and its deliveries are queued (outbox_enqueue_template()).
 */
#ifndef ITALIC_JUDGE_LT_H
#define ITALIC_JUDGE_LT_H

#include <stddef.h>
#include <stdint.h>

#include "assess.h"
#include "compiler.h"
#include "event.h"
#include "metrics.h"
#include "outbox.h"
#include "store.h"
#include "store_template.h"
#include "template_facts.h"
#include "template_listing.h"
#include "verdict.h"

/* What judging reads; borrowed. */
struct lt_ctx {
	const struct assess_env *env;          /* rules, image facts, clock, ITALIC_VERIFY */
	const struct template_provider *lt;    /* NULL: AWS not in use */
	struct store *db;                      /* the thread's read connection */
};

struct lt_work;

/* A new empty work for trigger (a static string: event, schedule, reevaluate, timer,
 * sweep). NULL when out of memory. */
struct lt_work *lt_work_new(const char *trigger);
void lt_work_free(struct lt_work *w);
/* The trigger the work's verdicts carry (lt_prepare_event makes an event's work about
 * the launch template rule's scheduled invocation "schedule"). */
const char *lt_work_trigger(const struct lt_work *w);
/* Templates (metas or versions) the work holds; 0: nothing to write. */
size_t lt_work_size(const struct lt_work *w);

/*
 * What event e (received at received_at) says about a launch template, judged into w:
 * e->lt, or a scheduled invocation of the launch template rule. IT_OK (nothing when e
 * is about neither); with allow_retry a retryable AWS status (w holds nothing new: retry
 * the event); IT_ENOMEM or a store error.
 */
int lt_prepare_event(const struct lt_ctx *c, const struct event *e, int64_t received_at, int allow_retry,
		     struct lt_work *w) WARN_UNUSED;

/* The event's instances launched from templates: rows[i] is the verdict judged for
 * e->obs[i] (nrows <= e->n_obs); each gains the template's note, and the link goes into
 * w. IT_OK, IT_ENOMEM or a store error. */
int lt_prepare_links(const struct lt_ctx *c, const struct event *e, struct verdict_row *rows, size_t nrows,
		     struct lt_work *w) WARN_UNUSED;

/* The same for the sweep's listing (rows[i] judged from one of listed[0..n), in the
 * listing's order): an instance whose aws:ec2launchtemplate:* tags name a template. */
int lt_prepare_listing_links(const struct lt_ctx *c, const struct assess_listing *listed, size_t n,
			     struct verdict_row *rows, size_t nrows, struct lt_work *w) WARN_UNUSED;

/* A stored version judged again into w (the work's trigger: reevaluate keeps an alias's
 * stored resolution, anything else resolves it again). */
int lt_prepare_version(const struct lt_ctx *c, const struct template_version_row *v, struct lt_work *w) WARN_UNUSED;

/* A template the sweep listed (at observed_at) judged into w. */
int lt_prepare_listed(const struct lt_ctx *c, const char *account, const char *region, const struct lt_listed *t,
		      int64_t observed_at, struct lt_work *w) WARN_UNUSED;

/* A stored template the sweep's listing (at observed_at) no longer shows: gone. */
int lt_prepare_unlisted(const char *account, const char *region, const char *template_id, int64_t observed_at,
			struct lt_work *w) WARN_UNUSED;

/* What lt_write did, for the counts after the commit. */
struct lt_written {
	size_t settled;                        /* templates settled and delivered */
	size_t changed;                        /* ... whose verdict changed */
	size_t by_compliance[COMPLIANCE__MAX]; /* settled, by their new compliance */
};

/*
 * Writes w inside the caller's transaction (the writer's): metas, versions, links, then
 * each template touched settles and its deliveries are queued with settings at now.
 * *ret (optional) is written on IT_OK. A store error leaves the transaction to be
 * rolled back.
 */
int lt_write(struct store *db, const struct lt_work *w, const struct outbox_settings *settings, int64_t now,
	     struct lt_written *ret) WARN_UNUSED;

/* italic_launch_template_evaluations_total{compliance,trigger} += what w wrote (after its
 * commit: a rolled-back batch is not counted). metrics may be NULL. */
void lt_count_written(struct metrics *metrics, const struct lt_written *w, const char *trigger);

#endif
