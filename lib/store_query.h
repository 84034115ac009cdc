/*
 * store_query.h: every read of the query API (lists, one instance, its history,
 * summary, dashboard gauges). The secret behind paging cursors is store_cursor_key.h,
 * the retention purge store_retention.h, the online backup store_backup.h.
 *
 * Lists are keyset-paged, never OFFSET: a page is "the next limit rows strictly after
 * this key" in a total order (sort time descending, then the primary key descending),
 * so rows committed between two pages cannot repeat or hide rows that were already
 * there, and a page 50 deep costs what the first one costs.
 *
 * Filters never become SQL text. Each list has a small fixed set of static statements,
 * one per "shape" (which filter leads, which time sorts); the leading filter picks the
 * index (migrations/0005_query.sql) and the others are `(?n IS NULL OR col = ?n)`
 * checks on the rows that index yields. store_query_statements() lists every statement
 * so tests/unit/test_store_query.c can hold each to an index with EXPLAIN QUERY PLAN.
 *
 * Rows reach the caller through a callback, with column texts borrowed for the call
 * only. Times are Unix milliseconds.
 */
#ifndef ITALIC_STORE_QUERY_H
#define ITALIC_STORE_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "limits.h"
#include "store.h"

enum query_sort { QUERY_SORT_EVALUATED, QUERY_SORT_OBSERVED, QUERY_SORT__MAX };
extern const char *const query_sort_names[QUERY_SORT__MAX];   /* "evaluated_at", "observed_at" */

/* The compliance values of docs/verdicts.md, in a fixed order (summary and gauges). */
enum query_compliance {
	QUERY_COMPLIANT,
	QUERY_NON_COMPLIANT,
	QUERY_NOT_APPLICABLE,
	QUERY_INSUFFICIENT_DATA,
	QUERY_COMPLIANCE__MAX
};
extern const char *const query_compliance_names[QUERY_COMPLIANCE__MAX];

/* Filters of the list routes; NULL (or -1 for exempted) means "any". Borrowed. */
struct query_filter {
	const char *account;
	const char *region;
	const char *compliance;
	const char *image_id;
	const char *rule;          /* matched_rule */
	const char *state;
	int exempted;              /* -1 any, 0 without exemption, 1 with */
	int64_t since_ms;          /* evaluations only: evaluated_at >= since (INT64_MIN: none) */
	int64_t until_ms;          /* evaluations only: evaluated_at < until (INT64_MAX: none) */
};

/* Fills f with "no filter". */
void query_filter_init(struct query_filter *f);

/* A position in a list: the key of the last row of the previous page. */
struct query_key {
	int64_t sort;              /* sort time of the row */
	int64_t id;                /* evaluations.id (evaluation and history lists) */
	char account[IT_ACCOUNT_ID_SIZE];   /* the same sizes as struct cursor's: the */
	char region[IT_REGION_SIZE];        /* route copies one into the other whole */
	char instance_id[IT_INSTANCE_ID_SIZE];
};

/*
 * One row, instance or evaluation. Texts are borrowed until the callback returns; NULL
 * when the column is NULL. has_next_change says whether next_change_at is set.
 */
struct query_row {
	int64_t id;                        /* evaluations only */
	const char *account, *region, *instance_id, *image_id, *state;
	const char *compliance, *previous_compliance;
	const char *reasons_json;          /* JSON array of strings */
	const char *matched_rule, *exemption, *facts_source;
	const char *tags_json;             /* instances only: JSON object or NULL */
	const char *trigger, *trigger_event_id;   /* evaluations only */
	int64_t observed_at, evaluated_at, next_change_at;
	int has_next_change;
};

/*
 * Row callback: return IT_OK to go on; QUERY_ROW_FULL to end the page before this row
 * (its byte budget is spent: the page reports a next page that starts at this row);
 * any other status stops and is returned. QUERY_ROW_FULL for the first row of a page
 * would make no progress and is returned as IT_ETOOBIG.
 */
#define QUERY_ROW_FULL 1
typedef int (*query_row_fn)(void *ctx, const struct query_row *row);

/* What a list call reports besides its rows: whether a next page exists and its key. */
struct query_page {
	int has_next;
	struct query_key next;     /* valid when has_next */
};

/*
 * Current verdicts matching f, sorted by sort descending (then account, region,
 * instance_id descending), strictly after *after (NULL: from the start), at most
 * limit (1..IT_LIST_MAX) rows. *ret_page is written on success. Errors: IT_EINVAL
 * (limit out of range), IT_EDB/IT_EBUSY, or the callback's status.
 */
int store_query_instances(struct store *s, const struct query_filter *f, enum query_sort sort,
			  const struct query_key *after, int limit, query_row_fn fn, void *ctx,
			  struct query_page *ret_page) WARN_UNUSED;

/* History matching f (since/until included), by (evaluated_at, id) descending. */
int store_query_evaluations(struct store *s, const struct query_filter *f, const struct query_key *after,
			    int limit, query_row_fn fn, void *ctx, struct query_page *ret_page) WARN_UNUSED;

/* The current verdict of one instance: fn is called once. IT_ENOTFOUND when unknown. */
int store_query_instance(struct store *s, const char *account, const char *region,
			 const char *instance_id, query_row_fn fn, void *ctx) WARN_UNUSED;

/* One instance's history by id descending, after after->id (NULL: newest first). */
int store_query_history(struct store *s, const char *account, const char *region, const char *instance_id,
			const struct query_key *after, int limit, query_row_fn fn, void *ctx,
			struct query_page *ret_page) WARN_UNUSED;

/* ---- summary and gauges (account/region NULL: all) ---- */

/* Instances per compliance, from the trigger-kept instance_counts table. */
int store_query_totals(struct store *s, const char *account, const char *region,
		       int64_t ret_counts[QUERY_COMPLIANCE__MAX]) WARN_UNUSED;

/* Accounts with the most instances first (ties by account), at most max; fn gets the
 * account, its total and its per-compliance counts. *ret_total_accounts (optional)
 * gets how many accounts there are in all. */
typedef int (*query_account_fn)(void *ctx, const char *account, int64_t total,
				const int64_t counts[QUERY_COMPLIANCE__MAX]);
int store_query_accounts(struct store *s, const char *account, const char *region, int max,
			 query_account_fn fn, void *ctx, int64_t *ret_total_accounts) WARN_UNUSED;

/* Images behind the most NON_COMPLIANT instances, most first, at most max. */
typedef int (*query_image_fn)(void *ctx, const char *image_id, int64_t n);
int store_query_top_images(struct store *s, const char *account, const char *region, int max,
			   query_image_fn fn, void *ctx) WARN_UNUSED;

/* evaluated_at of the newest current verdict; *ret_has is 0 when there is none. */
int store_query_newest(struct store *s, const char *account, const char *region, int64_t *ret_ms,
		       int *ret_has) WARN_UNUSED;

/*
 * Exemptions (migrations/0002_policy.sql: exemptions(id, body JSON, expires_at,
 * created_by, created_at)) expiring in (now_ms, until_ms], soonest first, at most max.
 * With account set, only exemptions scoped to that account or to no account. When the
 * table does not exist (policy not installed) there are none: fn is not called.
 */
struct query_exemption {
	const char *id, *reason, *account, *instance_id, *image_id, *created_by;   /* borrowed */
	int64_t expires_at;
};
typedef int (*query_exemption_fn)(void *ctx, const struct query_exemption *e);
int store_query_expiring_exemptions(struct store *s, const char *account, int64_t now_ms, int64_t until_ms,
				    int max, query_exemption_fn fn, void *ctx) WARN_UNUSED;

/* Pending inbox rows (state < 2) and the received_at of the oldest (0 when none). */
int store_query_inbox_depth(struct store *s, int64_t *ret_depth, int64_t *ret_oldest_ms) WARN_UNUSED;

/* Rows of the outbox table `deliveries`; 0 while that table does not exist. */
int store_query_outbox_depth(struct store *s, int64_t *ret_depth) WARN_UNUSED;

/* Every static statement of this module, for plan tests. */
struct query_statement {
	const char *name;
	const char *sql;
	const char *table;        /* the big table it reads, or NULL when it reads small ones */
};
const struct query_statement *store_query_statements(size_t *ret_n);

#endif
