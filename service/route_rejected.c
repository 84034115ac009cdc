/*
 * route_rejected.c: GET /v1/rejected-events, the quarantine of batch items Italic
 * rejected (lib/store_rejected.h), for admins: the rows carry what a sender posted,
 * which may be anything, and the name of the token that posted it.
 *
 * Filters: since (RFC 3339; received at or after), reason (one of
 * lib/event_batch.h's reasons), limit 1..1000 (default 100); newest first; cursor is
 * the next_cursor of the previous page ("<received_ms>.<seq>", keyset). Bad input is
 * a 400 naming the parameter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiutil.h"
#include "event_batch.h"
#include "parse.h"
#include "routes.h"
#include "status.h"
#include "store_rejected.h"

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* "<received_ms>.<seq>" as written by next_cursor. */
static int parse_cursor(const char *c, int64_t *ret_received, int64_t *ret_seq)
{
	char a[24];
	const char *dot = strchr(c, '.');
	int64_t r, s;

	if (!dot || (size_t)(dot - c) >= sizeof(a))
		return IT_EINVAL;
	memcpy(a, c, (size_t)(dot - c));
	a[dot - c] = '\0';
	if (parse_i64(a, 0, INT64_MAX, &r) != IT_OK || parse_i64(dot + 1, 1, INT64_MAX, &s) != IT_OK)
		return IT_EINVAL;
	*ret_received = r;
	*ret_seq = s;
	return IT_OK;
}

int route_rejected_events_list(struct request *req, struct response *resp)
{
	const char *qs = request_query(req, "since"), *qr = request_query(req, "reason");
	const char *ql = request_query(req, "limit"), *qc = request_query(req, "cursor");
	int64_t since = 0, after_received = INT64_MAX, after_seq = INT64_MAX;
	enum event_batch_reason reason;
	struct rejected_row *rows = NULL;
	uint64_t limit = IT_LIST_DEFAULT;
	size_t n = 0;
	json_t *items, *body;
	char next[48] = "";
	int rc;

	if (qs && parse_time_ms(qs, &since) != IT_OK)
		return resp_problem_field(resp, 400, "since", "since must be an RFC 3339 time");
	if (qr && (event_batch_reason_parse(qr, &reason) != IT_OK || reason == EVENT_BATCH_OK))
		return resp_problem_field(resp, 400, "reason",
					  "reason must be malformed, too_large, forbidden_account or unknown_region");
	if (ql && parse_u64(ql, 1, IT_LIST_MAX, &limit) != IT_OK)
		return resp_problem_field(resp, 400, "limit", "limit must be an integer from 1 to 1000");
	if (qc && parse_cursor(qc, &after_received, &after_seq) != IT_OK)
		return resp_problem_field(resp, 400, "cursor", "cursor must be a next_cursor from a previous page");
	rows = calloc((size_t)limit, sizeof(*rows));
	if (!rows)
		return IT_ENOMEM;
	rc = store_rejected_list(request_db(req), since, qr, after_received, after_seq, rows, (size_t)limit, &n);
	if (rc) {
		free(rows);
		return apiutil_store_error(req, resp, rc, "listing rejected events failed");
	}
	items = json_array();
	for (size_t i = 0; items && i < n; i++) {
		struct rejected_row *r = &rows[i];
		json_t *j = json_pack("{s:I,s:o,s:o,s:s,s:I,s:o,s:o,s:s,s:o,s:s,s:s,s:I,s:b}", "id", (json_int_t)r->seq,
				      "token_id", str_or_null(r->token_id), "token_name", str_or_null(r->token_name),
				      "request_id", r->request_id, "index", (json_int_t)r->item_index, "event_id",
				      str_or_null(r->event_id), "account", str_or_null(r->account), "reason", r->reason,
				      "field", str_or_null(r->field), "detail", r->detail, "body", r->body ? r->body : "",
				      "body_bytes", (json_int_t)r->body_bytes, "body_truncated",
				      (int64_t)r->body_kept < r->body_bytes);
		if (!j || apiutil_set_time(j, "received_at", r->received_at) || json_array_append_new(items, j)) {
			json_decref(j);
			json_decref(items);
			items = NULL;
		}
	}
	if (n > 0 && n == limit)
		snprintf(next, sizeof(next), "%lld.%lld", (long long)rows[n - 1].received_at, (long long)rows[n - 1].seq);
	for (size_t i = 0; i < n; i++)
		rejected_row_finish(&rows[i]);
	free(rows);
	body = items ? json_pack("{s:o,s:s?}", "items", items, "next_cursor", next[0] ? next : NULL) : NULL;
	return resp_json(resp, 200, body);
}
