/*
 * route_query.h: what the query routes (route_instances.c, route_evaluations.c,
 * route_summary.c) share: strict query-string parsing, paging cursors, and the JSON
 * and CSV renderings of instance and evaluation rows.
 *
 * Every query parameter is checked before any SQL runs: an unknown or repeated
 * parameter, a malformed id, time, number or enum value answers 400 problem+json
 * whose `field` names the parameter. Values are only ever bound to prepared
 * statements (lib/store_query.c).
 */
#ifndef ITALIC_ROUTE_QUERY_H
#define ITALIC_ROUTE_QUERY_H

#include <jansson.h>

#include "buf.h"
#include "cursor.h"
#include "http.h"
#include "store_query.h"

/* Parameters a route accepts (bit set). */
enum qp {
	QP_ACCOUNT = 1 << 0,
	QP_REGION = 1 << 1,
	QP_COMPLIANCE = 1 << 2,
	QP_IMAGE_ID = 1 << 3,
	QP_RULE = 1 << 4,
	QP_EXEMPTED = 1 << 5,
	QP_STATE = 1 << 6,
	QP_SORT = 1 << 7,
	QP_LIMIT = 1 << 8,
	QP_CURSOR = 1 << 9,
	QP_SINCE = 1 << 10,
	QP_UNTIL = 1 << 11,
};
#define QP_FILTERS (QP_ACCOUNT | QP_REGION | QP_COMPLIANCE | QP_IMAGE_ID | QP_RULE | QP_EXEMPTED | QP_STATE)

/* Parsed query string; strings borrowed from the request. */
struct qparams {
	struct query_filter filter;
	enum query_sort sort;
	int limit;
	const char *cursor;
	const char *exempted_text;   /* as given, for the cursor scope */
	const char *since_text, *until_text;
};

/*
 * Parses the query string against the accepted set. Returns 0 when the request may
 * proceed; otherwise a 400 problem has been written into resp and the caller returns
 * IT_OK at once.
 */
int qparams_parse(struct request *req, unsigned accepted, struct qparams *q, struct response *resp);

/*
 * Decodes q->cursor (when given) for a list of this kind and scope into *ret_key and
 * sets *ret_has; answers 400 naming `cursor` for a malformed, forged, foreign or
 * expired one (returns nonzero then, like qparams_parse). key is the database's HMAC
 * key (query_cursor_key).
 */
int query_cursor_in(struct request *req, const struct qparams *q, enum cursor_kind kind,
		    const uint8_t scope[CURSOR_SCOPE_LEN], const uint8_t key[CURSOR_KEY_LEN],
		    struct query_key *ret_key, int *ret_has, struct response *resp);

/*
 * The opening of a list route (/v1/instances, /v1/evaluations, /v1/launch-templates):
 * parses the query against accepted, reads the cursor key into key, digests the query's
 * scope (query_scope(what, q)) into scope, decodes the cursor into *ret_after /
 * *ret_has, and sets *ret_csv when the client prefers CSV. Returns 0 when the request may
 * proceed, 1 when resp holds the answer (400 for the query, cursor or Accept, 5xx when
 * the key cannot be read), or a negative status when the scope could not be digested
 * (out of memory): the handler returns it, for the router's 500.
 */
int query_list_open(struct request *req, unsigned accepted, enum cursor_kind kind, const char *what,
		    struct qparams *q, uint8_t key[CURSOR_KEY_LEN], uint8_t scope[CURSOR_SCOPE_LEN],
		    struct query_key *ret_after, int *ret_has, int *ret_csv, struct response *resp);

/*
 * One resource's history page (an instance's, a launch template's): parses limit and
 * cursor, reads the database's cursor key into key, digests the scope (what, account,
 * region, id) into scope, and decodes the cursor into *ret_after / *ret_has as
 * query_cursor_in() does. Returns as query_list_open() does.
 */
int query_history_cursor(struct request *req, enum cursor_kind kind, const char *what, const char *account,
			 const char *region, const char *id, struct qparams *q, uint8_t key[CURSOR_KEY_LEN],
			 uint8_t scope[CURSOR_SCOPE_LEN], struct query_key *ret_after, int *ret_has,
			 struct response *resp);

/* The cursor for the page after page, issued at now_ms (NULL JSON when there is none).
 * New reference. */
json_t *query_cursor_out(const struct query_page *page, enum cursor_kind kind,
			 const uint8_t scope[CURSOR_SCOPE_LEN], const uint8_t key[CURSOR_KEY_LEN], int64_t now_ms);

/*
 * The answer of a list route once its rows are read: rc is the store's status, items the
 * JSON rows (stolen; NULL when csv, whose rows are already in resp->body). A store
 * failure is its 5xx (the CSV dropped); otherwise 200 with the next page's cursor, as
 * next_cursor or, for CSV, the X-Next-Cursor header.
 */
int query_list_answer(struct request *req, struct response *resp, int rc, json_t *items, int csv,
		      const struct query_page *page, enum cursor_kind kind, const uint8_t scope[CURSOR_SCOPE_LEN],
		      const uint8_t key[CURSOR_KEY_LEN]);

/* The database's cursor key (created on first use). IT_OK or a store error. */
int query_cursor_key(struct request *req, uint8_t key[CURSOR_KEY_LEN]);

/* Scope digest of a list query: its kind, sort and every filter value. */
int query_scope(const char *kind, const struct qparams *q, uint8_t out[CURSOR_SCOPE_LEN]);

/* JSON objects of openapi.yaml for a row. New references (NULL on allocation failure). */
json_t *query_instance_json(const struct query_row *r);
json_t *query_evaluation_json(const struct query_row *r);

/* 1 when the client prefers CSV to JSON by its Accept q-values (http_accept_pick),
 * 0 for JSON (also when it accepts neither), -1 when Accept is over its bounds
 * (IT_MAX_ACCEPT bytes, IT_MAX_ACCEPT_RANGES ranges): answer 400 naming Accept. */
int query_wants_csv(struct request *req);

/* CSV (RFC 4180, CRLF, a header line): header and one row appenders. */
int query_csv_header(struct buf *b, int evaluations);
int query_csv_row(struct buf *b, const struct query_row *r, int evaluations);

/* GET /v1/instances and /v1/evaluations share one handler body (route_instances.c). */
int query_list(struct request *req, struct response *resp, int evaluations);

/* An RFC 3339 string (UTC, ms when needed). New reference. */
json_t *query_time_json(int64_t ms);

/* The renderings' building blocks, for the other lists (route_templates.c): one RFC 4180
 * field (quoted when needed, formula-guarded; CRLF after the last), and stored JSON text
 * of the wanted type or fallback (stolen either way). */
int query_csv_field(struct buf *b, const char *v, int last);
json_t *query_stored_json(const char *text, json_type want, json_t *fallback);

#endif
