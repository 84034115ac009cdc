/*
 * route_instances.c: GET /v1/instances (current verdicts, filtered, keyset-paged, JSON
 * or CSV) and GET /v1/instances/{account}/{region}/{instance_id} (one verdict and its
 * history, paged the same way).
 */
#include <string.h>

#include "apiutil.h"
#include "limits.h"
#include "parse.h"
#include "route_query.h"
#include "routes.h"
#include "status.h"

struct list_out {
	json_t *items;       /* JSON mode */
	struct buf *csv;     /* CSV mode */
	int evaluations;
	size_t rows;
	size_t bytes;        /* rendered size of the rows so far */
};

/*
 * Adds one row unless it would take the page past IT_LIST_MAX_BYTES: then the page
 * ends before it (QUERY_ROW_FULL) and next_cursor starts the next page there. The
 * first row of a page is always added, so paging always moves on.
 */
static int add_row(void *ctx, const struct query_row *r)
{
	struct list_out *o = ctx;
	size_t n;
	json_t *j;
	int rc;

	if (o->csv) {
		size_t before = o->csv->len;
		rc = query_csv_row(o->csv, r, o->evaluations);
		n = o->csv->len - before;
		if (rc == IT_OK && o->rows > 0 && o->bytes + n > IT_LIST_MAX_BYTES) {
			buf_truncate(o->csv, before);
			return QUERY_ROW_FULL;
		}
	} else {
		j = o->evaluations ? query_evaluation_json(r) : query_instance_json(r);
		if (!j)
			return IT_ENOMEM;
		n = json_dumpb(j, NULL, 0, JSON_COMPACT) + 1;   /* and its comma */
		if (o->rows > 0 && o->bytes + n > IT_LIST_MAX_BYTES) {
			json_decref(j);
			return QUERY_ROW_FULL;
		}
		rc = json_array_append_new(o->items, j) ? IT_ENOMEM : IT_OK;
	}
	if (rc == IT_OK) {
		o->rows++;
		o->bytes += n;
	}
	return rc;
}

/* Shared by /v1/instances and /v1/evaluations: run the list, answer JSON or CSV. */
int query_list(struct request *req, struct response *resp, int evaluations)
{
	unsigned accepted = QP_FILTERS | QP_LIMIT | QP_CURSOR |
			    (evaluations ? (QP_SINCE | QP_UNTIL) : QP_SORT);
	enum cursor_kind kind = evaluations ? CURSOR_EVALUATIONS : CURSOR_INSTANCES;
	uint8_t key[CURSOR_KEY_LEN], scope[CURSOR_SCOPE_LEN];
	struct query_key after;
	struct query_page page;
	struct list_out out = {NULL, NULL, evaluations, 0, 0};
	struct qparams q;
	int has_after = 0, csv, rc;

	rc = query_list_open(req, accepted, kind, evaluations ? "evaluations" : "instances", &q, key, scope, &after,
			     &has_after, &csv, resp);
	if (rc)
		return rc < 0 ? rc : IT_OK;
	if (csv) {
		out.csv = &resp->body;
		buf_reset(&resp->body);
		rc = query_csv_header(out.csv, evaluations);
	} else {
		out.items = json_array();
		rc = out.items ? IT_OK : IT_ENOMEM;
	}
	if (rc == IT_OK) {
		if (evaluations)
			rc = store_query_evaluations(request_db(req), &q.filter, has_after ? &after : NULL, q.limit,
						     add_row, &out, &page);
		else
			rc = store_query_instances(request_db(req), &q.filter, q.sort, has_after ? &after : NULL,
						   q.limit, add_row, &out, &page);
	}
	return query_list_answer(req, resp, rc, out.items, out.csv != NULL, &page, kind, scope, key);
}

int route_instances_list(struct request *req, struct response *resp)
{
	return query_list(req, resp, 0);
}

static int instance_one(void *ctx, const struct query_row *r)
{
	json_t **ret = ctx;
	*ret = query_instance_json(r);
	return *ret ? IT_OK : IT_ENOMEM;
}

int route_instance_get(struct request *req, struct response *resp)
{
	const char *account = req->params[0], *region = req->params[1], *instance_id = req->params[2];
	uint8_t key[CURSOR_KEY_LEN], scope[CURSOR_SCOPE_LEN];
	struct list_out out = {NULL, NULL, 1, 0, 0};
	struct query_key after;
	struct query_page page;
	struct qparams q;
	json_t *inst = NULL, *next;
	int has_after = 0, rc;

	if (req->nparams != 3)
		return IT_EINVAL;
	if (apiutil_path_account_region(resp, account, region))
		return IT_OK;
	if (!valid_instance_id(instance_id))
		return resp_problem_field(resp, 400, "instance_id", "instance_id must be i- followed by 8 or 17 hex digits");
	rc = query_history_cursor(req, CURSOR_HISTORY, "history", account, region, instance_id, &q, key, scope, &after,
				  &has_after, resp);
	if (rc)
		return rc < 0 ? rc : IT_OK;

	rc = store_query_instance(request_db(req), account, region, instance_id, instance_one, &inst);
	if (rc == IT_ENOTFOUND)
		return resp_problem(resp, 404, "no verdict for this instance", NULL);
	if (rc)
		return apiutil_read_failure(resp, rc);
	out.items = json_array();
	rc = out.items ? store_query_history(request_db(req), account, region, instance_id,
					     has_after ? &after : NULL, q.limit, add_row, &out, &page)
		       : IT_ENOMEM;
	if (rc) {
		json_decref(inst);
		json_decref(out.items);
		return apiutil_read_failure(resp, rc);
	}
	next = query_cursor_out(&page, CURSOR_HISTORY, scope, key, clock_now_ms(req->srv->clock));
	if (!next) {
		json_decref(inst);
		json_decref(out.items);
		return resp_problem(resp, 500, "could not build the next cursor", NULL);
	}
	return resp_json(resp, 200, json_pack("{s:o,s:{s:o,s:o}}", "instance", inst, "history", "items", out.items,
					      "next_cursor", next));
}
