/*
 * template_assess.h: judging a launch template version with the instances' rules
 * (assess.h), and what an instance's verdict says about the template it came from
 * (docs/launch-templates.md).
 *
 * A version is a subject like an instance: the template's account and Region scope the
 * rules and are "self" for owners, and the image is read in that account and Region
 * (DescribeImages, then registered images: assess.h step 3). Its id is
 * "<template id>:<version>". The facts are the template's own (origin ASSESS_LISTING):
 * no DescribeInstances, no state, no tags.
 *
 * template_assess() decides, in order:
 *  1. gone (the version or the whole template deleted): NOT_APPLICABLE with the reason;
 *  2. the data names no image: NOT_APPLICABLE ("the launch template data names no
 *     image"): a launch from it must give an image of its own, which is judged on the
 *     instance;
 *  3. an AMI id: assess() judges it;
 *  4. a resolve:ssm: alias: resolved in the template's account (template_facts.h, or
 *     the resolution stored from the last sweep when the input carries one: rules
 *     changed, a timer); resolved, assess() judges the AMI and the first reason says
 *     which AMI the alias meant and when; unresolvable, INSUFFICIENT_DATA with the reason
 *     why, judged again ASSESS_RETRY_LATER_MS later when AWS is in use.
 * A retryable AWS failure (resolving the alias, reading the image) is returned with
 * allow_retry as assess() does: nothing is judged.
 *
 * template_instance_note(): an instance launched from a template shows it ("launched
 * from launch template lt-... version 3"); when the launch named an image of its own
 * over the template's (the image it runs differs from the one the version names, or
 * the request said so), the note says the template named another.
 */
#ifndef ITALIC_TEMPLATE_ASSESS_H
#define ITALIC_TEMPLATE_ASSESS_H

#include <stddef.h>
#include <stdint.h>

#include "assess.h"
#include "compiler.h"
#include "limits.h"
#include "template_facts.h"
#include "verdict.h"

/* One version to judge; every pointer borrowed for the call. */
struct template_version_in {
	const char *account, *region, *template_id;
	int64_t version;                 /* >= 1 */
	const char *image_ref;           /* ImageId as written; NULL: the data names none */
	const char *gone_reason;         /* set: gone, NOT_APPLICABLE with this reason */
	int64_t observed_at;             /* the facts' time */
	const char *trigger;             /* event, reevaluate, timer, schedule, sweep */
	const char *event_id;            /* NULL: none */
	const char *result_token;        /* a Config invocation's; NULL keeps the stored one */
	const char *time_note;           /* a clamped event time: why (event_lt_time_reason) */
	/* a resolution already made (the stored one, when re-judging without resolving
	 * again); NULL: resolve now */
	const char *resolved_image_id;
	int64_t resolved_at;
};

/* A judged version (owned; template_judged_finish). */
struct template_judged {
	struct verdict_row row;          /* the verdict; row.instance_id is "<id>:<version>" */
	char template_id[IT_LT_ID_BUF];
	int64_t version;
	char *image_ref;                 /* as written, or NULL */
	int64_t resolved_at;             /* an alias resolved: when; else 0 */
	int deleted;
};

void template_judged_finish(struct template_judged *j);

/*
 * Judges in with env (assess.h; env->aws's image member reads images, its instance
 * member is not used) and lt (NULL: AWS not in use, aliases are unresolvable) into *ret
 * (finish it). IT_OK; with allow_retry a retryable AWS status (nothing judged); IT_EINVAL
 * for an image_ref lt_image_ref_parse() refuses; IT_ENOMEM. *ret untouched on failure.
 */
int template_assess(const struct assess_env *env, const struct template_provider *lt,
		    const struct template_version_in *in, int allow_retry, struct template_judged *ret) WARN_UNUSED;

/*
 * The note an instance's verdict gains from the template it was launched from into out:
 * template_id, version (0: the launch named version_alias, "$Default"/"$Latest", or
 * nothing), the version's image as written and as resolved (NULL when Italic has not
 * seen the version), the image the instance runs, and whether the launch request named
 * an image of its own. Returns 1 with out filled, 0 when template_id is NULL.
 */
int template_instance_note(const char *template_id, int64_t version, const char *version_alias,
			   const char *template_image_ref, const char *template_image_id, const char *instance_image,
			   int override, char *out, size_t size);

/* Adds reason to row->reasons_json (a JSON array): first when front, else last. IT_OK or
 * IT_ENOMEM (row unchanged). */
int template_reason_add(struct verdict_row *row, const char *reason, int front) WARN_UNUSED;

#endif
