/*
 * route_templates.c: GET /v1/launch-templates (templates with their default version's
 * verdict, filtered, keyset-paged, JSON or CSV) and GET /v1/launch-templates/{account}/
 * {region}/{launch_template_id} (the template, every version Italic has seen, its history
 * paged like an instance's, and the instances launched from it). docs/launch-templates.md.
 *
 * Parameters and cursors are route_query.c's: the same strict parsing (an unknown or
 * repeated parameter is a 400 naming it), the same signed cursors with kinds of their
 * own, and the same byte cap on a page (IT_LIST_MAX_BYTES: the row that would pass it
 * starts the next page).
 */
#include <stdio.h>
#include <string.h>

#include "apiutil.h"
#include "clock.h"
#include "launch_template.h"
#include "limits.h"
#include "parse.h"
#include "route_query.h"
#include "routes.h"
#include "status.h"
#include "store_template.h"

static json_t *str_or_null(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;
	return v ? v : json_null();
}

static json_t *num_or_null(int64_t v)
{
	return v ? json_integer(v) : json_null();
}

static json_t *time_or_null(int64_t ms, int has)
{
	return has ? query_time_json(ms) : json_null();
}

/* The JSON object of openapi.yaml's LaunchTemplate for a row. New reference or NULL. */
static json_t *template_json(const struct template_row *r)
{
	json_t *o = json_object();
	int rc = 0;

	if (!o)
		return NULL;
	rc |= json_object_set_new(o, "account", str_or_null(r->account));
	rc |= json_object_set_new(o, "region", str_or_null(r->region));
	rc |= json_object_set_new(o, "launch_template_id", str_or_null(r->template_id));
	rc |= json_object_set_new(o, "name", str_or_null(r->name));
	rc |= json_object_set_new(o, "default_version", num_or_null(r->default_version));
	rc |= json_object_set_new(o, "latest_version", num_or_null(r->latest_version));
	rc |= json_object_set_new(o, "deleted", json_boolean(r->deleted));
	rc |= json_object_set_new(o, "compliance", str_or_null(r->compliance));
	rc |= json_object_set_new(o, "reasons", query_stored_json(r->reasons_json, JSON_ARRAY, json_array()));
	rc |= json_object_set_new(o, "image", str_or_null(r->image_ref));
	rc |= json_object_set_new(o, "image_id", str_or_null(r->image_id));
	rc |= json_object_set_new(o, "matched_rule", str_or_null(r->matched_rule));
	rc |= json_object_set_new(o, "exemption", str_or_null(r->exemption));
	rc |= json_object_set_new(o, "facts_source", str_or_null(r->facts_source));
	rc |= json_object_set_new(o, "latest_compliance", str_or_null(r->latest_compliance));
	rc |= json_object_set_new(o, "latest_image_id", str_or_null(r->latest_image_id));
	rc |= json_object_set_new(o, "observed_at", query_time_json(r->observed_at));
	rc |= json_object_set_new(o, "evaluated_at", query_time_json(r->evaluated_at));
	rc |= json_object_set_new(o, "next_change_at", time_or_null(r->next_change_at, r->has_next_change));
	rc |= json_object_set_new(o, "first_seen_at", query_time_json(r->first_seen_at));
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A version (history 0) or a history row (history 1). New reference or NULL. */
static json_t *version_json(const struct template_version_row *r, int history, int64_t latest)
{
	json_t *o = json_object();
	int rc = 0;

	if (!o)
		return NULL;
	if (history)
		rc |= json_object_set_new(o, "id", json_integer(r->id));
	rc |= json_object_set_new(o, "version", num_or_null(r->version));
	rc |= json_object_set_new(o, "default", json_boolean(r->is_default));
	if (!history)
		rc |= json_object_set_new(o, "latest", json_boolean(latest && r->version == latest));
	rc |= json_object_set_new(o, "image", str_or_null(r->image_ref));
	rc |= json_object_set_new(o, "image_id", str_or_null(r->image_id));
	rc |= json_object_set_new(o, "compliance", str_or_null(r->compliance));
	if (history)
		rc |= json_object_set_new(o, "previous_compliance", str_or_null(r->previous_compliance));
	rc |= json_object_set_new(o, "reasons", query_stored_json(r->reasons_json, JSON_ARRAY, json_array()));
	rc |= json_object_set_new(o, "matched_rule", str_or_null(r->matched_rule));
	rc |= json_object_set_new(o, "exemption", str_or_null(r->exemption));
	rc |= json_object_set_new(o, "facts_source", str_or_null(r->facts_source));
	rc |= json_object_set_new(o, "observed_at", query_time_json(r->observed_at));
	rc |= json_object_set_new(o, "evaluated_at", query_time_json(r->evaluated_at));
	rc |= json_object_set_new(o, "next_change_at", time_or_null(r->next_change_at, r->has_next_change));
	if (history) {
		rc |= json_object_set_new(o, "trigger", str_or_null(r->trigger));
		rc |= json_object_set_new(o, "trigger_event_id", str_or_null(r->trigger_event_id));
	} else {
		rc |= json_object_set_new(o, "resolved_at", time_or_null(r->resolved_at, r->resolved_at != 0));
		rc |= json_object_set_new(o, "deleted", json_boolean(r->deleted_at != 0));
	}
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- the list ---- */

struct list_out {
	json_t *items;
	struct buf *csv;
	size_t bytes;        /* of the rows so far (a CSV row is never empty) */
};

static int csv_num(struct buf *b, int64_t v, int last)
{
	char n[32] = "";
	if (v)
		snprintf(n, sizeof(n), "%lld", (long long)v);
	return query_csv_field(b, n, last);
}

static int csv_time(struct buf *b, int64_t ms, int has, int last)
{
	char t[IT_TIME_BUF] = "";
	if (has)
		format_time_ms(ms, t);
	return query_csv_field(b, t, last);
}

static const char CSV_HEADER[] =
	"account,region,launch_template_id,name,default_version,latest_version,deleted,compliance,reasons,"
	"image,image_id,matched_rule,exemption,facts_source,latest_compliance,observed_at,evaluated_at,"
	"next_change_at\r\n";

static int csv_row(struct buf *b, const struct template_row *r)
{
	int rc = query_csv_field(b, r->account, 0);
	if (rc == IT_OK)
		rc = query_csv_field(b, r->region, 0);
	if (rc == IT_OK)
		rc = query_csv_field(b, r->template_id, 0);
	if (rc == IT_OK)
		rc = query_csv_field(b, r->name, 0);
	if (rc == IT_OK)
		rc = csv_num(b, r->default_version, 0);
	if (rc == IT_OK)
		rc = csv_num(b, r->latest_version, 0);
	if (rc == IT_OK)
		rc = query_csv_field(b, r->deleted ? "true" : "false", 0);
	if (rc == IT_OK)
		rc = query_csv_field(b, r->compliance, 0);
	if (rc == IT_OK)
		rc = query_csv_field(b, r->reasons_json, 0);
	if (rc == IT_OK)
		rc = query_csv_field(b, r->image_ref, 0);
	if (rc == IT_OK)
		rc = query_csv_field(b, r->image_id, 0);
	if (rc == IT_OK)
		rc = query_csv_field(b, r->matched_rule, 0);
	if (rc == IT_OK)
		rc = query_csv_field(b, r->exemption, 0);
	if (rc == IT_OK)
		rc = query_csv_field(b, r->facts_source, 0);
	if (rc == IT_OK)
		rc = query_csv_field(b, r->latest_compliance, 0);
	if (rc == IT_OK)
		rc = csv_time(b, r->observed_at, 1, 0);
	if (rc == IT_OK)
		rc = csv_time(b, r->evaluated_at, 1, 0);
	if (rc == IT_OK)
		rc = csv_time(b, r->next_change_at, r->has_next_change, 1);
	return rc;
}

/*
 * Takes j (stolen; NULL: out of memory) into items unless it takes *bytes past budget:
 * then the page ends before it (QUERY_ROW_FULL). The first row always fits, so paging
 * always moves on.
 */
static int take_json(json_t *items, size_t *bytes, size_t budget, json_t *j)
{
	size_t n;

	if (!j)
		return IT_ENOMEM;
	n = json_dumpb(j, NULL, 0, JSON_COMPACT) + 1;   /* and its comma */
	if (json_array_size(items) > 0 && *bytes + n > budget) {
		json_decref(j);
		return QUERY_ROW_FULL;
	}
	if (json_array_append_new(items, j))
		return IT_ENOMEM;
	*bytes += n;
	return IT_OK;
}

/* One row unless it takes the page past IT_LIST_MAX_BYTES (the first row always fits). */
static int add_template(void *ctx, const struct template_row *r)
{
	struct list_out *o = ctx;
	size_t before;
	int rc;

	if (!o->csv)
		return take_json(o->items, &o->bytes, IT_LIST_MAX_BYTES, template_json(r));
	before = o->csv->len;
	rc = csv_row(o->csv, r);
	if (rc)
		return rc;
	if (o->bytes > 0 && o->bytes + (o->csv->len - before) > IT_LIST_MAX_BYTES) {
		buf_truncate(o->csv, before);
		return QUERY_ROW_FULL;
	}
	o->bytes += o->csv->len - before;
	return IT_OK;
}

int route_templates_list(struct request *req, struct response *resp)
{
	uint8_t key[CURSOR_KEY_LEN], scope[CURSOR_SCOPE_LEN];
	struct list_out out = {NULL, NULL, 0};
	struct query_key after;
	struct query_page page;
	struct qparams q;
	int has_after = 0, csv, rc;

	rc = query_list_open(req, QP_ACCOUNT | QP_REGION | QP_COMPLIANCE | QP_IMAGE_ID | QP_LIMIT | QP_CURSOR,
			     CURSOR_TEMPLATES, "launch-templates", &q, key, scope, &after, &has_after, &csv, resp);
	if (rc)
		return rc < 0 ? rc : IT_OK;
	if (csv) {
		out.csv = &resp->body;
		buf_reset(&resp->body);
		rc = buf_puts(out.csv, CSV_HEADER);
	} else {
		out.items = json_array();
		rc = out.items ? IT_OK : IT_ENOMEM;
	}
	if (rc == IT_OK)
		rc = store_template_list(request_db(req), &q.filter, has_after ? &after : NULL, q.limit, add_template, &out,
					 &page);
	return query_list_answer(req, resp, rc, out.items, out.csv != NULL, &page, CURSOR_TEMPLATES, scope, key);
}

/* ---- one template ---- */

struct one {
	json_t *tmpl;
	int64_t latest;
};

static int take_template(void *ctx, const struct template_row *r)
{
	struct one *o = ctx;
	o->tmpl = template_json(r);
	o->latest = r->latest_version;
	return o->tmpl ? IT_OK : IT_ENOMEM;
}

struct rows {
	json_t *items;
	size_t bytes;
	int64_t latest;
	int history;
};

static int add_version(void *ctx, const struct template_version_row *r)
{
	struct rows *o = ctx;

	/* the page of versions and the page of history share the response: half each */
	return take_json(o->items, &o->bytes, IT_LIST_MAX_BYTES / 2, version_json(r, o->history, o->latest));
}

static int add_instance(void *ctx, const struct template_instance *in)
{
	json_t *a = ctx, *o;

	o = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:b,s:o}", "instance_id", in->instance_id, "image_id",
		      str_or_null(in->image_id), "compliance", str_or_null(in->compliance), "state",
		      str_or_null(in->state), "version", num_or_null(in->version), "version_alias",
		      str_or_null(in->version_alias), "image_override", in->image_override, "observed_at",
		      query_time_json(in->observed_at));
	if (!o)
		return IT_ENOMEM;
	return json_array_append_new(a, o) ? IT_ENOMEM : IT_OK;
}

int route_template_get(struct request *req, struct response *resp)
{
	const char *account = req->params[0], *region = req->params[1], *id = req->params[2];
	uint8_t key[CURSOR_KEY_LEN], scope[CURSOR_SCOPE_LEN];
	struct one one = {NULL, 0};
	struct rows versions = {NULL, 0, 0, 0}, history = {NULL, 0, 0, 1};
	struct query_key after;
	struct query_page page;
	struct qparams q;
	json_t *instances = NULL, *next = NULL;
	int has_after = 0, more_versions = 0, more_instances = 0, rc;

	if (req->nparams != 3)
		return IT_EINVAL;
	if (apiutil_path_account_region(resp, account, region))
		return IT_OK;
	if (!valid_launch_template_id(id))
		return resp_problem_field(resp, 400, "launch_template_id",
					  "launch_template_id must be lt- followed by 8 or 17 hex digits");
	rc = query_history_cursor(req, CURSOR_TEMPLATE_HISTORY, "template-history", account, region, id, &q, key,
				  scope, &after, &has_after, resp);
	if (rc)
		return rc < 0 ? rc : IT_OK;

	rc = store_template_get(request_db(req), account, region, id, take_template, &one);
	if (rc == IT_ENOTFOUND)
		return resp_problem(resp, 404, "Italic knows no such launch template", NULL);
	if (rc)
		return apiutil_read_failure(resp, rc);
	versions.items = json_array();
	history.items = json_array();
	instances = json_array();
	versions.latest = one.latest;
	rc = versions.items && history.items && instances ? IT_OK : IT_ENOMEM;
	if (rc == IT_OK)
		rc = store_template_versions(request_db(req), account, region, id, IT_LT_VERSIONS_SHOWN, add_version,
					     &versions, &more_versions);
	if (rc == IT_OK)
		rc = store_template_history(request_db(req), account, region, id, has_after ? &after : NULL, q.limit,
					    add_version, &history, &page);
	if (rc == IT_OK)
		rc = store_template_instances(request_db(req), account, region, id, IT_LT_INSTANCES_SHOWN, add_instance,
					      instances, &more_instances);
	if (rc == IT_OK) {
		next = query_cursor_out(&page, CURSOR_TEMPLATE_HISTORY, scope, key, clock_now_ms(req->srv->clock));
		if (!next)
			rc = IT_ENOMEM;
	}
	if (rc) {
		json_decref(one.tmpl);
		json_decref(versions.items);
		json_decref(history.items);
		json_decref(instances);
		return rc == IT_ENOMEM ? resp_problem(resp, 500, "out of memory", NULL) : apiutil_read_failure(resp, rc);
	}
	return resp_json(resp, 200,
			 json_pack("{s:o,s:{s:o,s:b},s:{s:o,s:o},s:{s:o,s:b}}", "launch_template", one.tmpl, "versions",
				   "items", versions.items, "truncated", more_versions, "history", "items",
				   history.items, "next_cursor", next, "instances", "items", instances, "truncated",
				   more_instances));
}
