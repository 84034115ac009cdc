/*
 * route_deliveries.c: GET /v1/deliveries (the outbox: what was, is being, or could not
 * be sent to AWS Config, Security Hub, the SIEM bucket and the alert destinations
 * EventBridge and webhook) and GET /v1/sweeps (when
 * each account and Region was last reconciled). Readers may see both: they carry
 * account ids, instance ids and AWS error texts, never payloads or tokens.
 *
 * /v1/deliveries: filters destination (config|securityhub|siem|eventbridge|webhook) and state
 * (pending|failed|done), limit 1..1000 (default 100), newest first; cursor is the
 * next_cursor of the previous page (keyset on id). /v1/sweeps: ordered by account and
 * Region; cursor "<account>/<region>" from next_cursor. Bad input: 400 naming the
 * parameter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiutil.h"
#include "parse.h"
#include "routes.h"
#include "status.h"
#include "store_outbox.h"
#include "store_sweep.h"
#include "limits.h"

static int one_of(const char *v, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, set[i]) == 0)
			return 1;
	return 0;
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static int set_time_or_null(json_t *j, const char *key, int64_t ms)
{
	return apiutil_set_time(j, key, ms);
}

int route_deliveries_list(struct request *req, struct response *resp)
{
	static const char *const dests[] = {"config", "securityhub", "siem", "eventbridge", "webhook"};
	static const char *const states[] = {"pending", "failed", "done"};
	const char *qd = request_query(req, "destination"), *qs = request_query(req, "state");
	const char *ql = request_query(req, "limit"), *qc = request_query(req, "cursor");
	struct outbox_row *rows = NULL;
	uint64_t limit = IT_LIST_DEFAULT;
	int64_t before = 0;
	size_t n = 0;
	json_t *items, *body;
	char next[24] = "";
	int rc;

	if (qd && !one_of(qd, dests, ARRAY_LEN(dests)))
		return resp_problem_field(resp, 400, "destination", "destination must be config, securityhub, siem, eventbridge or webhook");
	if (qs && !one_of(qs, states, ARRAY_LEN(states)))
		return resp_problem_field(resp, 400, "state", "state must be pending, failed or done");
	if (ql && parse_u64(ql, 1, IT_LIST_MAX, &limit) != IT_OK)
		return resp_problem_field(resp, 400, "limit", "limit must be an integer from 1 to 1000");
	if (qc && parse_i64(qc, 1, INT64_MAX, &before) != IT_OK)
		return resp_problem_field(resp, 400, "cursor", "cursor must be a next_cursor from a previous page");
	rows = calloc((size_t)limit, sizeof(*rows));
	if (!rows)
		return IT_ENOMEM;
	rc = store_outbox_list(request_db(req), qd, qs, before, rows, (size_t)limit, &n);
	if (rc) {
		free(rows);
		return apiutil_store_error(req, resp, rc, "listing deliveries failed");
	}
	items = json_array();
	for (size_t i = 0; items && i < n; i++) {
		struct outbox_row *r = &rows[i];
		json_t *j = json_pack("{s:I,s:s,s:o,s:o,s:o,s:s,s:i,s:o}", "id", (json_int_t)r->id, "destination",
				      r->destination, "account", str_or_null(r->account), "region", str_or_null(r->region),
				      "instance_id", str_or_null(r->instance_id), "state", r->state, "attempts",
				      r->attempts, "last_error", str_or_null(r->last_error));
		if (!j || set_time_or_null(j, "next_attempt_at", strcmp(r->state, "pending") == 0 ? r->next_attempt_at : 0) ||
		    set_time_or_null(j, "created_at", r->created_at) || set_time_or_null(j, "done_at", r->done_at) ||
		    json_array_append_new(items, j)) {
			json_decref(j);
			json_decref(items);
			items = NULL;
		}
	}
	if (n > 0 && n == limit)
		snprintf(next, sizeof(next), "%lld", (long long)rows[n - 1].id);
	for (size_t i = 0; i < n; i++)
		outbox_row_finish(&rows[i]);
	free(rows);
	body = items ? json_pack("{s:o,s:s?}", "items", items, "next_cursor", next[0] ? next : NULL) : NULL;
	return resp_json(resp, 200, body);
}

int route_sweeps_list(struct request *req, struct response *resp)
{
	const char *ql = request_query(req, "limit"), *qc = request_query(req, "cursor");
	char after_a[IT_ACCOUNT_ID_SIZE] = "", after_r[IT_REGION_SIZE] = "", next[64] = "";
	struct sweep_row *rows = NULL;
	uint64_t limit = IT_LIST_DEFAULT;
	size_t n = 0;
	json_t *items, *body;
	int rc;

	if (ql && parse_u64(ql, 1, IT_LIST_MAX, &limit) != IT_OK)
		return resp_problem_field(resp, 400, "limit", "limit must be an integer from 1 to 1000");
	if (qc) {
		const char *slash = strchr(qc, '/');
		size_t la = slash ? (size_t)(slash - qc) : 0;
		if (!slash || la != 12 || strlen(slash + 1) >= sizeof(after_r))
			return resp_problem_field(resp, 400, "cursor", "cursor must be a next_cursor from a previous page");
		memcpy(after_a, qc, 12);
		snprintf(after_r, sizeof(after_r), "%s", slash + 1);
		if (!valid_account_id(after_a) || !valid_region(after_r))
			return resp_problem_field(resp, 400, "cursor", "cursor must be a next_cursor from a previous page");
	}
	rows = calloc((size_t)limit, sizeof(*rows));
	if (!rows)
		return IT_ENOMEM;
	rc = store_sweep_list(request_db(req), after_a, after_r, rows, (size_t)limit, &n);
	if (rc) {
		free(rows);
		return apiutil_store_error(req, resp, rc, "listing sweeps failed");
	}
	items = json_array();
	for (size_t i = 0; items && i < n; i++) {
		struct sweep_row *r = &rows[i];
		/* stopped: every sweep failed for over a day (store_sweep.h); failing: the last
		 * one failed; ok otherwise (also while the first sweep runs) */
		const char *status = r->stopped_at ? "stopped" : r->failing_since ? "failing" : "ok";
		json_t *j = json_pack("{s:s,s:s,s:I,s:I,s:o,s:s}", "account", r->account, "region", r->region,
				      "instances_seen", (json_int_t)r->instances_seen, "changed", (json_int_t)r->changed,
				      "error", str_or_null(r->error), "status", status);
		if (!j || apiutil_set_time(j, "last_started_at", r->last_started_at) ||
		    apiutil_set_time(j, "last_finished_at", r->last_finished_at) ||
		    apiutil_set_time(j, "failing_since", r->failing_since) ||
		    apiutil_set_time(j, "stopped_at", r->stopped_at) || json_array_append_new(items, j)) {
			json_decref(j);
			json_decref(items);
			items = NULL;
		}
	}
	if (n > 0 && n == limit)
		snprintf(next, sizeof(next), "%s/%s", rows[n - 1].account, rows[n - 1].region);
	free(rows);
	body = items ? json_pack("{s:o,s:s?}", "items", items, "next_cursor", next[0] ? next : NULL) : NULL;
	return resp_json(resp, 200, body);
}
