/*
 * route_summary.c: GET /v1/summary (counts by compliance and by account, the images
 * behind the most non-compliant instances, exemptions expiring within 7 days, when
 * the newest verdict was made) and the dashboard gauges of /metrics.
 *
 * Counts come from instance_counts, a table the triggers of 0005_query.sql keep exact
 * in every writer's transaction, so neither a summary nor a scrape counts rows of a
 * 100k-instance table.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "limits.h"
#include "route_query.h"
#include "routes.h"
#include "status.h"
#include "store_template.h"

static json_t *compliance_object(const int64_t counts[QUERY_COMPLIANCE__MAX])
{
	json_t *o = json_object();

	for (int i = 0; o && i < QUERY_COMPLIANCE__MAX; i++)
		if (json_object_set_new(o, query_compliance_names[i], json_integer(counts[i]))) {
			json_decref(o);
			return NULL;
		}
	return o;
}

static int64_t sum(const int64_t counts[QUERY_COMPLIANCE__MAX])
{
	int64_t t = 0;
	for (int i = 0; i < QUERY_COMPLIANCE__MAX; i++)
		t += counts[i];
	return t;
}

static int on_account(void *ctx, const char *account, int64_t total, const int64_t counts[QUERY_COMPLIANCE__MAX])
{
	json_t *arr = ctx, *o = json_pack("{s:s,s:I,s:o*}", "account", account, "total", (json_int_t)total,
					  "by_compliance", compliance_object(counts));
	return o && json_array_append_new(arr, o) == 0 ? IT_OK : IT_ENOMEM;
}

static int on_image(void *ctx, const char *image_id, int64_t n)
{
	json_t *arr = ctx, *o = json_pack("{s:s,s:I}", "image_id", image_id, "non_compliant", (json_int_t)n);
	return o && json_array_append_new(arr, o) == 0 ? IT_OK : IT_ENOMEM;
}

static json_t *nullable(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int on_exemption(void *ctx, const struct query_exemption *e)
{
	json_t *arr = ctx, *o;

	o = json_pack("{s:s,s:o*,s:o*,s:o*,s:o*,s:o*,s:o*}", "id", e->id ? e->id : "",
		      "reason", nullable(e->reason), "account", nullable(e->account),
		      "instance_id", nullable(e->instance_id), "image_id", nullable(e->image_id),
		      "created_by", nullable(e->created_by), "expires_at", query_time_json(e->expires_at));
	return o && json_array_append_new(arr, o) == 0 ? IT_OK : IT_ENOMEM;
}

int route_summary(struct request *req, struct response *resp)
{
	struct store *db;
	struct qparams q;
	int64_t counts[QUERY_COMPLIANCE__MAX], lt_counts[QUERY_COMPLIANCE__MAX], naccounts = 0, newest = 0,
		now = clock_now_ms(req->srv->clock);
	json_t *accounts = json_array(), *images = json_array(), *exemptions = json_array(), *body;
	int rc, has = 0;

	if (qparams_parse(req, QP_ACCOUNT | QP_REGION, &q, resp)) {
		rc = IT_OK;
		goto fail;
	}
	if (!accounts || !images || !exemptions) {
		rc = IT_ENOMEM;
		goto fail;
	}
	db = request_db(req);
	rc = store_query_totals(db, q.filter.account, q.filter.region, counts);
	if (rc == IT_OK)
		rc = store_query_accounts(db, q.filter.account, q.filter.region, IT_SUMMARY_ACCOUNTS, on_account,
					  accounts, &naccounts);
	if (rc == IT_OK)
		rc = store_query_top_images(db, q.filter.account, q.filter.region, IT_SUMMARY_IMAGES, on_image, images);
	if (rc == IT_OK)
		rc = store_query_expiring_exemptions(db, q.filter.account, now,
						     now + IT_SUMMARY_EXPIRY_DAYS * 86400000LL, IT_SUMMARY_EXEMPTIONS,
						     on_exemption, exemptions);
	if (rc == IT_OK)
		rc = store_query_newest(db, q.filter.account, q.filter.region, &newest, &has);
	/* launch templates beside instances: their default version's verdicts (counts kept
	 * by the triggers of 0010_launch_templates.sql) */
	if (rc == IT_OK)
		rc = store_template_totals(db, q.filter.account, q.filter.region, lt_counts);
	if (rc) {
		unsigned st = http_status_for(rc);
		rc = resp_problem(resp, st >= 500 ? st : 500, "could not read the database", NULL);
		goto fail;
	}
	body = json_pack("{s:o,s:I,s:o*,s:o,s:I,s:o,s:o,s:o*,s:{s:I,s:o*}}",
			 "generated_at", query_time_json(now),
			 "total", (json_int_t)sum(counts),
			 "by_compliance", compliance_object(counts),
			 "by_account", accounts,
			 "accounts_total", (json_int_t)naccounts,
			 "top_noncompliant_images", images,
			 "expiring_exemptions", exemptions,
			 "newest_verdict_at", has ? query_time_json(newest) : json_null(),
			 "launch_templates", "total", (json_int_t)sum(lt_counts), "by_compliance",
			 compliance_object(lt_counts));
	return resp_json(resp, 200, body);
fail:
	json_decref(accounts);
	json_decref(images);
	json_decref(exemptions);
	return rc;
}

/* ---- /metrics gauges ---- */

static int render_gauges(struct request *req, struct buf *out);

struct gauge_ctx {
	struct buf *out;
	int rc;
};

static int on_metric_account(void *ctx, const char *account, int64_t total, const int64_t counts[QUERY_COMPLIANCE__MAX])
{
	struct gauge_ctx *g = ctx;
	(void)total;
	/* Account IDs are 12 digits by the CHECK of every writer: safe as a label value. */
	for (int i = 0; g->rc == IT_OK && i < QUERY_COMPLIANCE__MAX; i++)
		g->rc = buf_printf(g->out, "italic_instances_by_account{account=\"%.12s\",compliance=\"%s\"} %lld\n",
				   account, query_compliance_names[i], (long long)counts[i]);
	return g->rc;
}

int query_metrics_render(struct request *req, struct buf *out)
{
	size_t start = out->len;
	int rc = render_gauges(req, out);

	/* All or nothing: a scrape never carries half a family. */
	if (rc && out->data) {
		out->len = start;
		out->data[start] = '\0';
	}
	return rc;
}

static int render_gauges(struct request *req, struct buf *out)
{
	struct store *db = request_db(req);
	struct gauge_ctx g = {out, IT_OK};
	int64_t counts[QUERY_COMPLIANCE__MAX], newest = 0, depth = 0, oldest = 0, outbox = 0;
	int64_t now = clock_now_ms(req->srv->clock);
	int has = 0, rc;

	rc = store_query_totals(db, NULL, NULL, counts);
	if (rc == IT_OK)
		rc = store_query_newest(db, NULL, NULL, &newest, &has);
	if (rc == IT_OK)
		rc = store_query_inbox_depth(db, &depth, &oldest);
	if (rc == IT_OK)
		rc = store_query_outbox_depth(db, &outbox);
	if (rc)
		return rc;
	rc = buf_puts(out, "# HELP italic_instances Instances by current compliance.\n"
			   "# TYPE italic_instances gauge\n");
	for (int i = 0; rc == IT_OK && i < QUERY_COMPLIANCE__MAX; i++)
		rc = buf_printf(out, "italic_instances{compliance=\"%s\"} %lld\n", query_compliance_names[i],
				(long long)counts[i]);
	if (rc == IT_OK)
		rc = buf_puts(out, "# HELP italic_instances_by_account Instances by account and compliance, for the "
				   "50 accounts with the most instances.\n# TYPE italic_instances_by_account gauge\n");
	if (rc == IT_OK) {
		rc = store_query_accounts(db, NULL, NULL, IT_METRICS_ACCOUNTS, on_metric_account, &g, NULL);
		if (rc == IT_OK)
			rc = g.rc;
	}
	if (rc == IT_OK && has)
		rc = buf_printf(out, "# HELP italic_newest_verdict_age_seconds Seconds since the newest current verdict was made.\n"
				     "# TYPE italic_newest_verdict_age_seconds gauge\n"
				     "italic_newest_verdict_age_seconds %.3f\n",
				(double)(now - newest) / 1000.0);
	if (rc == IT_OK)
		rc = buf_printf(out, "# HELP italic_inbox_depth Accepted events not yet evaluated.\n"
				     "# TYPE italic_inbox_depth gauge\nitalic_inbox_depth %lld\n"
				     "# HELP italic_inbox_oldest_pending_age_seconds Age of the oldest event not yet evaluated (0 when none).\n"
				     "# TYPE italic_inbox_oldest_pending_age_seconds gauge\n"
				     "italic_inbox_oldest_pending_age_seconds %.3f\n"
				     "# HELP italic_outbox_depth Rows in the deliveries outbox.\n"
				     "# TYPE italic_outbox_depth gauge\nitalic_outbox_depth %lld\n",
				(long long)depth, depth ? (double)(now - oldest) / 1000.0 : 0.0, (long long)outbox);
	return rc;
}
