/*
 * store_template.h: launch templates, the verdicts of their versions, their history and
 * the instances launched from them (tables of migrations/0010_launch_templates.sql;
 * docs/launch-templates.md).
 *
 * A template's verdict is its $Default version's: the writer records what it learnt of
 * the template (store_template_put_meta: name, default and latest numbers, deletion) and
 * of each version it judged (store_template_put_version), then store_template_settle()
 * copies the default version's verdict onto the template, inside the same transaction.
 * Each of the three is ordered by its own observed_at, as instance verdicts are
 * (store_verdict.h): a ModifyLaunchTemplate that arrives before the
 * CreateLaunchTemplateVersion it points to sets the default, the version's own event
 * then brings its verdict, and the template settles on it whatever the arrival order.
 *
 *  - A template whose default version Italic has not judged is INSUFFICIENT_DATA, with a
 *    reason saying which version is missing.
 *  - A deleted template is NOT_APPLICABLE ("the launch template was deleted"), and so are
 *    its versions; a deleted version is NOT_APPLICABLE.
 *  - History: a version verdict writes a row when something a reader sees changed
 *    (compliance, reasons, rule, exemption, image) or its trigger is an event; a template
 *    whose settled verdict moved to another version (a new default) or changed writes a
 *    row for the default version (is_default 1). Rows of a version that is not the
 *    default have is_default 0.
 *
 * Reads are keyset-paged like store_query.h, with its filter, key and page records (the
 * template id goes where an instance id would). Rows reach callbacks with texts borrowed
 * for the call. store_template_statements() lists every statement for the plan test.
 * SQL only as prepared statements; nothing here knows AWS or HTTP.
 */
#ifndef ITALIC_STORE_TEMPLATE_H
#define ITALIC_STORE_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "limits.h"
#include "store.h"
#include "store_query.h"

/* What is known of a template itself; strings borrowed for the call. */
struct template_meta {
	const char *account, *region, *template_id;
	const char *name;            /* NULL: keep the stored one */
	int64_t default_version;     /* 0: keep */
	int64_t latest_version;      /* 0: keep */
	int deleted;                 /* the template is gone */
	int64_t observed_at;
	const char *event_id;        /* NULL: none */
	const char *result_token;    /* a Config invocation's; NULL keeps the stored one */
};

/* One version's verdict; strings borrowed for the call. */
struct template_version_verdict {
	const char *account, *region, *template_id;
	int64_t version;             /* >= 1 */
	const char *image_ref;       /* ImageId as written; NULL: the data names none */
	const char *image_id;        /* the AMI it names now; NULL unknown */
	int64_t resolved_at;         /* when an alias was resolved; 0: not an alias */
	const char *compliance;
	const char *reasons_json;    /* JSON array */
	const char *matched_rule, *exemption, *facts_source;   /* NULL or "" for none */
	int64_t observed_at, evaluated_at;
	int64_t next_change_at;      /* 0: none */
	int deleted;                 /* the version is gone */
	const char *trigger;         /* event, reevaluate, timer, schedule, sweep */
	const char *event_id;
};

enum template_apply { TEMPLATE_APPLIED, TEMPLATE_UNCHANGED, TEMPLATE_STALE };

/*
 * Records meta inside the caller's transaction, creating the template (INSUFFICIENT_DATA
 * until settled) when it is new. Older than the stored meta: nothing changes (STALE),
 * except that a name the template had none of is taken. Latest and default only move
 * forward in version order unless the meta is newer (a default set back is newer).
 * *ret (optional) says what happened.
 */
int store_template_put_meta(struct store *s, const struct template_meta *m, int64_t now, enum template_apply *ret)
	WARN_UNUSED;

/* Records v inside the caller's transaction: STALE (nothing written) when the stored
 * verdict of the version is newer, else upserted with a history row per the rules above.
 * The template must exist (put_meta first): IT_ENOTFOUND otherwise. */
int store_template_put_version(struct store *s, const struct template_version_verdict *v, enum template_apply *ret)
	WARN_UNUSED;

/* What settling changed, for the outbox and alerts. */
struct template_change {
	char previous[24];           /* "" for a template settled the first time */
	char compliance[24];
	int64_t default_version;     /* 0 unknown */
	int changed;                 /* compliance, reasons, image or default version moved */
};

/*
 * Copies the default version's verdict onto the template (or INSUFFICIENT_DATA /
 * NOT_APPLICABLE as above) at now, with a history row when it changed (trigger and
 * event_id borrowed; event_id may be NULL). *ret (optional) is written on success.
 */
int store_template_settle(struct store *s, const char *account, const char *region, const char *template_id,
			  int64_t now, const char *trigger, const char *event_id, struct template_change *ret)
	WARN_UNUSED;

/* A template row as reads return it: texts borrowed until the callback returns. */
struct template_row {
	const char *account, *region, *template_id, *name;
	int64_t default_version, latest_version;   /* 0 unknown */
	int deleted;
	int64_t deleted_at;
	const char *image_ref, *image_id, *compliance, *reasons_json, *matched_rule, *exemption, *facts_source;
	const char *latest_compliance, *latest_image_id;
	int64_t observed_at, evaluated_at, next_change_at, first_seen_at;
	int has_next_change;
	const char *last_event_id;
	const char *result_token;    /* the last Config rule invocation's (secret-ish: never
					shown by the API); NULL when none */
};
typedef int (*template_row_fn)(void *ctx, const struct template_row *row);

/* A version row or a history row: texts borrowed until the callback returns. */
struct template_version_row {
	int64_t id;                  /* history only */
	const char *account, *region, *template_id;
	int64_t version;             /* 0: unknown (a history row of a template without a
					known default) */
	int is_default;              /* history: the default when judged; versions: now */
	const char *image_ref, *image_id, *compliance, *previous_compliance, *reasons_json;
	const char *matched_rule, *exemption, *facts_source, *trigger, *trigger_event_id;
	int64_t observed_at, evaluated_at, next_change_at, resolved_at, deleted_at;
	int has_next_change;
};
typedef int (*template_version_fn)(void *ctx, const struct template_version_row *row);

/*
 * Templates matching f (account, region, compliance, image_id: the default version's
 * AMI; the other members are ignored), newest evaluated_at first, strictly after *after
 * (NULL: from the start), at most limit (1..IT_LIST_MAX). fn may end the page early
 * with QUERY_ROW_FULL (store_query.h). *ret_page written on success.
 */
int store_template_list(struct store *s, const struct query_filter *f, const struct query_key *after, int limit,
			template_row_fn fn, void *ctx, struct query_page *ret_page) WARN_UNUSED;

/* One template: fn called once; IT_ENOTFOUND when unknown. */
int store_template_get(struct store *s, const char *account, const char *region, const char *template_id,
		       template_row_fn fn, void *ctx) WARN_UNUSED;

/* launch_templates.first_seen_at of one template (Security Hub's CreatedAt);
 * IT_ENOTFOUND when unknown. */
int store_template_first_seen(struct store *s, const char *account, const char *region, const char *template_id,
			      int64_t *ret_ms) WARN_UNUSED;

/* The template's versions Italic has seen, newest version first, at most max; *ret_more
 * (optional) is 1 when there were more. is_default says which one is the default now. */
int store_template_versions(struct store *s, const char *account, const char *region, const char *template_id,
			    size_t max, template_version_fn fn, void *ctx, int *ret_more) WARN_UNUSED;

/* One version's stored verdict; IT_ENOTFOUND when unknown. */
int store_template_version_get(struct store *s, const char *account, const char *region, const char *template_id,
			       int64_t version, template_version_fn fn, void *ctx) WARN_UNUSED;

/* The template's history by id descending, after after->id (NULL: newest first). */
int store_template_history(struct store *s, const char *account, const char *region, const char *template_id,
			   const struct query_key *after, int limit, template_version_fn fn, void *ctx,
			   struct query_page *ret_page) WARN_UNUSED;

/* ---- re-judging (rules changed, a version's time came, a scheduled Config
 * invocation, the sweep) ---- */

/* Where a version page continues: the last row's key. */
struct template_version_key {
	char account[IT_LT_ACCOUNT_BUF];
	char region[32];
	char template_id[IT_LT_ID_BUF];
	int64_t version;
};

/*
 * Live versions (neither they nor their template deleted) in (account, region,
 * template_id, version) order, after
 * *after (NULL: from the start), at most max (1..IT_LIST_MAX): of every template when
 * account is NULL, else of account/region's (after's account and region are then
 * ignored). *ret_n (optional) counts the rows handed to fn.
 */
int store_template_version_page(struct store *s, const char *account, const char *region,
				const struct template_version_key *after, size_t max, template_version_fn fn, void *ctx,
				size_t *ret_n) WARN_UNUSED;

/* Versions whose next_change_at is at or before now, soonest first, at most max (none
 * of a deleted template). */
int store_template_version_due(struct store *s, int64_t now, size_t max, template_version_fn fn, void *ctx,
			       size_t *ret_n) WARN_UNUSED;

/* The soonest next_change_at of any version into *ret_ms (0: none). */
int store_template_next_due(struct store *s, int64_t *ret_ms) WARN_UNUSED;

/* The ids of account/region's live templates after `after` (NULL or "": from the
 * start) in id order, at most max; *ret_n (optional) counts them. */
int store_template_ids(struct store *s, const char *account, const char *region, const char *after, size_t max,
		       int (*fn)(void *ctx, const char *template_id), void *ctx, size_t *ret_n) WARN_UNUSED;

/* ---- instances launched from templates ---- */

/* The link of one instance; strings borrowed for the call. */
struct template_link {
	const char *account, *region, *instance_id, *template_id;
	int64_t version;             /* 0: the launch named version_alias */
	const char *version_alias;   /* "$Default", "$Latest" or NULL */
	int image_override;
	int64_t observed_at;
};

/* Records l inside the caller's transaction unless a newer link of the instance is
 * stored. */
int store_template_link_put(struct store *s, const struct template_link *l) WARN_UNUSED;

/* fn gets the link of one instance (IT_ENOTFOUND when none). */
typedef int (*template_link_fn)(void *ctx, const struct template_link *l);
int store_template_link_get(struct store *s, const char *account, const char *region, const char *instance_id,
			    template_link_fn fn, void *ctx) WARN_UNUSED;

/* An instance launched from a template, with its current verdict (compliance and image
 * NULL when the instance has none yet). */
struct template_instance {
	const char *instance_id, *image_id, *compliance, *state, *version_alias;
	int64_t version;
	int image_override;
	int64_t observed_at;
};
typedef int (*template_instance_fn)(void *ctx, const struct template_instance *i);

/* Instances launched from the template, most recently observed first, at most max;
 * *ret_more (optional) says whether there were more. */
int store_template_instances(struct store *s, const char *account, const char *region, const char *template_id,
			     size_t max, template_instance_fn fn, void *ctx, int *ret_more) WARN_UNUSED;

/* ---- counts and images ---- */

/* Templates per compliance (QUERY_* order), account/region NULL for all. */
int store_template_totals(struct store *s, const char *account, const char *region,
			  int64_t ret_counts[QUERY_COMPLIANCE__MAX]) WARN_UNUSED;

/* A version naming an image: the template, the version, and whether it is the default
 * or the latest now. */
struct template_image_use {
	const char *account, *template_id, *name, *compliance, *image_ref;
	int64_t version;
	int is_default, is_latest;
};
typedef int (*template_image_fn)(void *ctx, const struct template_image_use *u);

/*
 * Versions of templates in region whose image (an AMI id, or the AMI an alias named when
 * last resolved) is image_id, not deleted, at most max (defaults first); *ret_more
 * (optional) says whether there were more. "What breaks if I deregister this AMI?"
 */
int store_template_naming_image(struct store *s, const char *region, const char *image_id, size_t max,
				template_image_fn fn, void *ctx, int *ret_more) WARN_UNUSED;

/* ---- keeping ---- */

/* Deletes at most batch history rows with evaluated_at < now - retention_days; the count
 * deleted goes to *ret. Current verdicts are never deleted. */
int store_template_purge(struct store *s, int64_t now_ms, uint64_t retention_days, int batch, int64_t *ret)
	WARN_UNUSED;

/* Every statement, for the plan test (store_query.h's record). */
const struct query_statement *store_template_statements(size_t *ret_n);

#endif
