/* outbox.c: deliveries caused by a verdict (see outbox.h). */
#include "outbox.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "status.h"
#include "store_alert.h"
#include "store_outbox.h"

void outbox_settings_init(struct outbox_settings *ret, const struct config *c)
{
	memset(ret, 0, sizeof(*ret));
	ret->config_report = c->config_report;
	ret->securityhub = c->securityhub;
	ret->siem = c->siem_bucket[0] != 0;
	ret->alert_eventbridge = c->alert_eventbus[0] != 0;
	ret->alert_webhook = c->alert_webhook_url[0] != 0;
	ret->alert_on = c->alert_on >= 0 && c->alert_on < ALERT_ON__MAX ? (enum alert_on)c->alert_on
									  : ALERT_ON_NONCOMPLIANT;
	ret->alert_max_per_minute = c->alert_max_per_minute;
	ret->public_url = c->public_url;
}

void outbox_instance_path(const char *account, const char *region, const char *instance_id, char *out, size_t n)
{
	snprintf(out, n, "/v1/instances/%s/%s/%s", account, region, instance_id);
}

static json_t *reasons_of(const struct verdict_row *row)
{
	json_t *r = row->reasons_json ? json_loads(row->reasons_json, 0, NULL) : NULL;
	return json_is_array(r) ? r : (json_decref(r), json_array());
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static int add(struct store *s, const char *dest, const char *group, const struct verdict_row *row, json_t *payload,
	       int64_t now)
{
	char *text;
	int rc;

	if (!payload)
		return IT_ENOMEM;
	text = json_dumps(payload, JSON_COMPACT);
	json_decref(payload);
	if (!text)
		return IT_ENOMEM;
	rc = store_outbox_add(s, dest, group, row->account, row->region, row->instance_id, text, now);
	free(text);
	return rc;
}

/* Groups Config rows by result token without storing the token twice in an index. */
static void token_group(const char *token, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL) || n < 32) {
		snprintf(out, 65, "unhashable");
		return;
	}
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/* One alert for dest: single, or counted in the window's digest (lib/alert.h). */
static int enqueue_alert(struct store *s, const struct outbox_settings *cfg, const char *dest,
			 const struct verdict_row *row, const char *detail, int64_t now)
{
	struct alert_window w, nw;
	enum alert_route route;
	int rc = store_alert_window_get(s, dest, &w);

	if (rc)
		return rc;
	alert_storm_route(&w, now, cfg->alert_max_per_minute, &nw, &route);
	if (route == ALERT_ROUTE_SINGLE) {
		rc = store_outbox_add(s, dest, "alert", row->account, row->region, row->instance_id, detail, now);
	} else {
		if (nw.digest_id == 0) {
			char url[ALERT_URL_MAX + 64], *open;
			json_t *o;

			alert_digest_url(cfg->public_url, url, sizeof(url));
			o = json_pack("{s:s,s:I,s:I,s:s}", "kind", ALERT_DIGEST_OPEN, "window_start",
				      (json_int_t)nw.opened_at, "window_end", (json_int_t)alert_window_end(&nw), "url", url);
			open = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
			json_decref(o);
			if (!open)
				return IT_ENOMEM;
			rc = store_outbox_add_due(s, dest, "alert", NULL, NULL, NULL, open, now, alert_window_end(&nw),
						  &nw.digest_id);
			free(open);
		}
		if (rc == IT_OK)
			rc = store_alert_digest_add(s, nw.digest_id, row->account, row->image_id, row->compliance, detail);
	}
	if (rc == IT_OK)
		rc = store_alert_window_put(s, dest, &nw);
	return rc;
}

/* template_id: the change is that launch template's (row->instance_id holds it too) */
static int enqueue_alerts(struct store *s, const struct outbox_settings *cfg, const struct verdict_row *row,
			  const char *prev, const char *template_id, int64_t now)
{
	struct alert_change c;
	json_t *detail = NULL;
	char *text;
	int rc;

	if (!(cfg->alert_eventbridge || cfg->alert_webhook) || !alert_triggered(cfg->alert_on, prev, row->compliance))
		return IT_OK;
	memset(&c, 0, sizeof(c));
	c.account = row->account;
	c.region = row->region;
	c.instance_id = row->instance_id;
	c.launch_template_id = template_id;
	c.image_id = row->image_id;
	c.from = prev;
	c.to = row->compliance;
	c.reasons_json = row->reasons_json;
	c.matched_rule = row->matched_rule;
	c.exemption = row->exemption;
	c.observed_at = row->observed_at;
	c.evaluated_at = row->evaluated_at;
	rc = alert_change_detail(&c, cfg->public_url, &detail);
	if (rc)
		return rc;
	text = json_dumps(detail, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(detail);
	if (!text)
		return IT_ENOMEM;
	if (cfg->alert_eventbridge)
		rc = enqueue_alert(s, cfg, "eventbridge", row, text, now);
	if (rc == IT_OK && cfg->alert_webhook)
		rc = enqueue_alert(s, cfg, "webhook", row, text, now);
	free(text);
	return rc;
}

int outbox_enqueue_verdict(struct store *s, const struct outbox_settings *cfg, const struct verdict_row *row,
			   const char *prev, enum verdict_apply how, int64_t now)
{
	char t1[IT_TIME_BUF], t2[IT_TIME_BUF], path[160], group[96];
	int changed = !prev || strcmp(prev, row->compliance) != 0;
	int rc = IT_OK;

	if (how == VERDICT_STALE)
		return IT_OK;
	outbox_instance_path(row->account, row->region, row->instance_id, path, sizeof(path));

	if (cfg->config_report && row->result_token && row->result_token[0] &&
	    strcmp(row->compliance, "INSUFFICIENT_DATA") != 0 &&
	    (strcmp(row->trigger, "event") == 0 || strcmp(row->trigger, "schedule") == 0 ||
	     (prev && strcmp(prev, "INSUFFICIENT_DATA") == 0))) {
		token_group(row->result_token, group);
		rc = add(s, "config", group, row,
			 json_pack("{s:s,s:s,s:s,s:o,s:I,s:s}", "result_token", row->result_token, "resource_id",
				   row->instance_id, "compliance", row->compliance, "reasons", reasons_of(row),
				   "ordering_timestamp", (json_int_t)(row->observed_at / 1000), "instance_path", path),
			 now);
		if (rc)
			return rc;
	}
	if (cfg->securityhub && changed) {
		snprintf(group, sizeof(group), "%s:%s", row->account, row->region);
		rc = add(s, "securityhub", group, row,
			 json_pack("{s:s,s:s,s:s,s:o,s:s,s:o,s:o,s:o,s:o,s:s,s:s,s:s,s:s}", "account", row->account,
				   "region", row->region, "instance_id", row->instance_id, "image_id",
				   str_or_null(row->image_id), "compliance", row->compliance, "previous_compliance",
				   str_or_null(prev), "reasons", reasons_of(row), "matched_rule",
				   str_or_null(row->matched_rule), "exemption", str_or_null(row->exemption),
				   "observed_at", format_time_ms(row->observed_at, t1), "evaluated_at",
				   format_time_ms(row->evaluated_at, t2), "record_state",
				   strcmp(row->compliance, "NOT_APPLICABLE") == 0 ? "ARCHIVED" : "ACTIVE",
				   "instance_path", path),
			 now);
		if (rc)
			return rc;
	}
	if (cfg->siem) {
		rc = add(s, "siem", "", row,
			 json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:s,s:o}", "time",
				   format_time_ms(row->evaluated_at, t1), "resource_type", "AwsEc2Instance", "account",
				   row->account, "region", row->region,
				   "instance_id", row->instance_id, "image_id", str_or_null(row->image_id), "state",
				   str_or_null(row->state), "compliance", row->compliance, "previous_compliance",
				   str_or_null(prev), "matched_rule", str_or_null(row->matched_rule), "exemption",
				   str_or_null(row->exemption), "reasons", reasons_of(row), "facts_source",
				   str_or_null(row->facts_source), "trigger", row->trigger, "trigger_event_id",
				   str_or_null(row->trigger_event_id)),
			 now);
		if (rc)
			return rc;
	}
	return enqueue_alerts(s, cfg, row, prev, NULL, now);
}

/* ---- launch templates ---- */

void outbox_template_path(const char *account, const char *region, const char *template_id, char *out, size_t n)
{
	snprintf(out, n, "/v1/launch-templates/%s/%s/%s", account, region, template_id);
}

static json_t *num_or_null(int64_t v)
{
	return v ? json_integer(v) : json_null();
}

int outbox_enqueue_template(struct store *s, const struct outbox_settings *cfg, const struct outbox_template *t,
			    const char *prev, int64_t now)
{
	char t1[IT_TIME_BUF], t2[IT_TIME_BUF], path[160], group[96];
	struct verdict_row row;     /* the columns a delivery row keeps, as for an instance */
	int changed = !prev || strcmp(prev, t->compliance) != 0;
	int rc = IT_OK;

	memset(&row, 0, sizeof(row));
	snprintf(row.account, sizeof(row.account), "%s", t->account);
	snprintf(row.region, sizeof(row.region), "%s", t->region);
	snprintf(row.instance_id, sizeof(row.instance_id), "%s", t->template_id);
	snprintf(row.image_id, sizeof(row.image_id), "%s", t->image_id ? t->image_id : "");
	snprintf(row.compliance, sizeof(row.compliance), "%s", t->compliance);
	row.reasons_json = (char *)t->reasons_json;   /* borrowed: row is never finished */
	snprintf(row.matched_rule, sizeof(row.matched_rule), "%s", t->matched_rule ? t->matched_rule : "");
	snprintf(row.exemption, sizeof(row.exemption), "%s", t->exemption ? t->exemption : "");
	row.observed_at = t->observed_at;
	row.evaluated_at = t->evaluated_at;
	outbox_template_path(t->account, t->region, t->template_id, path, sizeof(path));

	if (cfg->config_report && t->result_token && t->result_token[0] &&
	    strcmp(t->compliance, "INSUFFICIENT_DATA") != 0 &&
	    (strcmp(t->trigger, "event") == 0 || strcmp(t->trigger, "schedule") == 0 ||
	     (prev && strcmp(prev, "INSUFFICIENT_DATA") == 0))) {
		token_group(t->result_token, group);
		rc = add(s, "config", group, &row,
			 json_pack("{s:s,s:s,s:s,s:s,s:o,s:I,s:s}", "result_token", t->result_token, "resource_type",
				   "AWS::EC2::LaunchTemplate", "resource_id", t->template_id, "compliance", t->compliance,
				   "reasons", reasons_of(&row), "ordering_timestamp", (json_int_t)(t->observed_at / 1000),
				   "instance_path", path),
			 now);
		if (rc)
			return rc;
	}
	if (cfg->securityhub && changed) {
		snprintf(group, sizeof(group), "%s:%s", t->account, t->region);
		rc = add(s, "securityhub", group, &row,
			 json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:s,s:s,s:s,s:s}",
				   "resource_type", "AwsEc2LaunchTemplate", "account", t->account, "region", t->region,
				   "launch_template_id", t->template_id, "name", str_or_null(t->name), "default_version",
				   num_or_null(t->default_version), "latest_version", num_or_null(t->latest_version),
				   "image", str_or_null(t->image_ref), "image_id", str_or_null(t->image_id), "compliance",
				   t->compliance, "previous_compliance", str_or_null(prev), "reasons", reasons_of(&row),
				   "matched_rule", str_or_null(t->matched_rule), "exemption", str_or_null(t->exemption),
				   "observed_at", format_time_ms(t->observed_at, t1), "evaluated_at",
				   format_time_ms(t->evaluated_at, t2), "record_state",
				   strcmp(t->compliance, "NOT_APPLICABLE") == 0 ? "ARCHIVED" : "ACTIVE", "instance_path",
				   path),
			 now);
		if (rc)
			return rc;
	}
	if (cfg->siem) {
		rc = add(s, "siem", "", &row,
			 json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:s,s:o}", "time",
				   format_time_ms(t->evaluated_at, t1), "resource_type", "AwsEc2LaunchTemplate", "account",
				   t->account, "region", t->region, "launch_template_id", t->template_id, "version",
				   num_or_null(t->default_version), "image", str_or_null(t->image_ref), "image_id",
				   str_or_null(t->image_id), "compliance", t->compliance, "previous_compliance",
				   str_or_null(prev), "matched_rule", str_or_null(t->matched_rule), "exemption",
				   str_or_null(t->exemption), "reasons", reasons_of(&row), "facts_source",
				   str_or_null(t->facts_source), "trigger", t->trigger, "trigger_event_id",
				   str_or_null(t->trigger_event_id)),
			 now);
		if (rc)
			return rc;
	}
	return enqueue_alerts(s, cfg, &row, prev, t->template_id, now);
}
