/*
 * route_audit.c: GET /v1/audit — who changed rules, exemptions and registered images
 * (admin only: before/after bodies show the whole allow-list's history).
 *
 * Newest first. `limit` is 1..1000 (default 100). Paging is by keyset: next_cursor is
 * the id of the page's last entry as a decimal string, and `cursor=<that>` returns the
 * entries older than it, so pages stay stable while new entries arrive. next_cursor is
 * null when the page came back short; a full last page is followed by one empty page.
 * Each entry: id, at (RFC 3339), actor, action, kind, object_id, and the object's JSON
 * before and after the change (null for a create / a delete).
 */
#include <stdio.h>
#include <string.h>

#include "apiutil.h"
#include "parse.h"
#include "routes.h"
#include "status.h"
#include "store_rule.h"

/* Stored JSON text back into a value; null when absent or (impossibly) unparseable. */
static json_t *json_or_null(const char *text)
{
	json_t *j;

	if (!text)
		return json_null();
	j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	return j ? j : json_null();
}

int route_audit_list(struct request *req, struct response *resp)
{
	const char *ql = request_query(req, "limit"), *qc = request_query(req, "cursor");
	struct audit_entry *e = NULL;
	uint64_t limit = IT_LIST_DEFAULT;
	int64_t before = 0;
	size_t n = 0;
	json_t *items, *body;
	char next[24];
	int rc;

	if (ql && parse_u64(ql, 1, IT_LIST_MAX, &limit) != IT_OK)
		return resp_problem_field(resp, 400, "limit", "limit must be an integer from 1 to 1000");
	if (qc && parse_i64(qc, 1, INT64_MAX, &before) != IT_OK)
		return resp_problem_field(resp, 400, "cursor", "cursor must be a next_cursor from a previous page");
	rc = store_audit_list(request_db(req), before, (size_t)limit, &e, &n);
	if (rc)
		return apiutil_store_error(req, resp, rc, "listing the audit log failed");
	items = json_array();
	for (size_t i = 0; items && i < n; i++) {
		json_t *j = json_pack("{s:I,s:n,s:s,s:s,s:s,s:s,s:o,s:o}", "id", (json_int_t)e[i].id, "at", "actor",
				      e[i].actor, "action", e[i].action, "kind", e[i].kind, "object_id", e[i].object_id,
				      "before", json_or_null(e[i].before), "after", json_or_null(e[i].after));
		if (!j || apiutil_set_time(j, "at", e[i].at_ms) != IT_OK || json_array_append_new(items, j)) {
			json_decref(j);
			json_decref(items);
			items = NULL;
		}
	}
	if (n > 0 && n == limit)
		snprintf(next, sizeof(next), "%lld", (long long)e[n - 1].id);
	else
		next[0] = '\0';
	audit_entries_free(e, n);
	body = items ? json_pack("{s:o,s:s?}", "items", items, "next_cursor", next[0] ? next : NULL) : NULL;
	return resp_json(resp, 200, body);
}
