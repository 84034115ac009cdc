/* deliver_alerts.c: the eventbridge and webhook senders, and the test alert (see
 * deliver_alerts.h). */
#include "deliver_alerts.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "aws_events.h"
#include "aws_http.h"
#include "aws_transport.h"
#include "clock.h"
#include "log.h"
#include "parse.h"
#include "metrics.h"
#include "status.h"
#include "store_alert.h"
#include "webhook.h"
#include "writer.h"

#define ARN_MAX 160

struct alerts {
	struct server *srv;
	struct alert_settings s;
	struct aws_transport transport;   /* the webhook's (libcurl); zeroed without a webhook */
	struct webhook_target target;
};

int alerts_new(struct server *srv, const struct alert_settings *settings, struct alerts **ret)
{
	struct alerts *a = calloc(1, sizeof(*a));
	int rc;

	if (!a)
		return IT_ENOMEM;
	a->srv = srv;
	a->s = *settings;
	if (a->s.webhook) {
		rc = aws_transport_curl_new(&a->transport);
		if (rc) {
			alerts_free(a);
			return rc;
		}
		a->target.url = &a->s.url;
		a->target.secret = a->s.secret_len ? a->s.secret : NULL;
		a->target.secret_len = a->s.secret_len;
		a->target.transport = &a->transport;
	}
	*ret = a;
	return IT_OK;
}

void alerts_free(struct alerts *a)
{
	if (!a)
		return;
	aws_transport_curl_free(&a->transport);
	alert_settings_wipe(&a->s);
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}

int alerts_eventbridge_on(const struct alerts *a)
{
	return a && a->s.eventbridge;
}

int alerts_webhook_on(const struct alerts *a)
{
	return a && a->s.webhook;
}

static const char *home_region(const struct alerts *a)
{
	return a->s.bus_region[0] ? a->s.bus_region : aws_ctx_home_region(a->srv->aws);
}

static void count_call(struct alerts *a, const char *service, const char *op, int rc)
{
	char labels[128];
	snprintf(labels, sizeof(labels), "service=\"%s\",operation=\"%s\",outcome=\"%s\"", service, op,
		 rc == IT_OK ? "ok" : status_retryable(rc) ? "retryable" : "error");
	metrics_add(a->srv->metrics, "italic_aws_calls_total", labels, 1);
}

/* ---- sealing digests ---- */

struct seal_job {
	int64_t id;
	char *payload;
};

static int seal(struct store *db, void *ctx)
{
	struct seal_job *j = ctx;
	char *p = NULL;
	int rc = store_alert_digest_seal(db, j->id, &p);

	if (rc == IT_OK) {
		free(j->payload);
		j->payload = p;
	}
	return rc;
}

/*
 * The row's alert as a detail object (*ret, new reference), sealing an open digest
 * first; IT_EINVAL for a payload that is no alert (the row can never be sent).
 */
static int detail_of(struct alerts *a, struct outbox_row *r, json_t **ret)
{
	json_t *d = json_loads(r->payload, 0, NULL);
	const char *kind = json_string_value(json_object_get(d, "kind"));
	enum alert_kind k;

	if (kind && strcmp(kind, ALERT_DIGEST_OPEN) == 0) {
		struct seal_job j = {r->id, NULL};
		int rc = writer_run(a->srv->writer, seal, &j);
		json_decref(d);
		if (rc) {
			free(j.payload);   /* not committed: sealed again next time, the same way */
			return rc == IT_EINVAL ? IT_EINVAL : IT_EBUSY;
		}
		free(r->payload);
		r->payload = j.payload;
		d = json_loads(r->payload, 0, NULL);
	}
	if (!d || alert_kind_of(d, &k) != IT_OK) {
		json_decref(d);
		return IT_EINVAL;
	}
	*ret = d;
	return IT_OK;
}

static void log_failure(struct alerts *a, const char *dest, const struct outbox_row *r, const struct outcome *o,
			const char *where, const char *request_id)
{
	char id[24];

	snprintf(id, sizeof(id), "%lld", (long long)r->id);
	log_kv(&a->srv->log, o->final ? LOG_ERROR : LOG_WARN, NULL,
	       o->final ? "An alert was refused for good." : "An alert was not delivered; it will be retried.",
	       "italic.destination", dest, "italic.delivery", id, "server.address", where, "error.message", o->error,
	       "italic.aws_request_id", request_id ? request_id : "", NULL);
}

/* ---- EventBridge ---- */

struct eb_entry {
	struct aws_events_entry e;
	char *detail;                                  /* owned */
	char arns[IT_EVENTS_MAX_RESOURCES][ARN_MAX];
	const char *res[IT_EVENTS_MAX_RESOURCES];
	size_t row;                                    /* index into rows / o */
};

/* The ARNs an alert concerns: the instance (or launch template) of a change, the listed
 * ones of a digest (those that fit IT_EVENTS_MAX_RESOURCES). */
static void resources_of(const json_t *d, enum alert_kind k, struct eb_entry *x)
{
	const json_t *inst = k == ALERT_KIND_DIGEST ? json_object_get(d, "instances") : NULL, *v;
	size_t n = k == ALERT_KIND_CHANGE ? 1 : json_array_size(inst);

	x->e.n_resources = 0;
	for (size_t i = 0; i < n && x->e.n_resources < IT_EVENTS_MAX_RESOURCES; i++) {
		v = k == ALERT_KIND_CHANGE ? d : json_array_get(inst, i);
		if (alert_resource_arn(v, x->arns[x->e.n_resources], ARN_MAX) == IT_OK) {
			x->res[x->e.n_resources] = x->arns[x->e.n_resources];
			x->e.n_resources++;
		}
	}
	x->e.resources = x->res;
}

/* Fills x from d, with the Detail cut so the whole entry stays under the call limit. */
static int entry_of(struct alerts *a, const json_t *d, struct eb_entry *x)
{
	enum alert_kind k = ALERT_KIND_CHANGE;
	const char *t;
	size_t budget;
	int64_t when = 0;

	if (alert_kind_of(d, &k) != IT_OK)
		return IT_EINVAL;
	x->e.source = ALERT_SOURCE;
	x->e.detail_type = alert_detail_types[k];
	x->e.bus = a->s.bus;
	resources_of(d, k, x);
	t = json_string_value(json_object_get(d, k == ALERT_KIND_DIGEST ? "window_end" : "evaluated_at"));
	if (t && parse_time_ms(t, &when) == IT_OK)
		x->e.time_ms = when;
	budget = aws_events_detail_budget(&x->e);
	x->detail = NULL;
	if (budget == 0 || alert_fit(d, budget, &x->detail) != IT_OK)
		return IT_ETOOBIG;
	x->e.detail = x->detail;
	return IT_OK;
}

static void put_call(struct alerts *a, struct outbox_row *rows, struct outcome *o, struct eb_entry *xs, size_t n)
{
	struct aws_events_entry entries[IT_EVENTS_BATCH];
	struct aws_events_result res;
	struct aws_error err;
	int rc;

	for (size_t i = 0; i < n; i++)
		entries[i] = xs[i].e;
	memset(&res, 0, sizeof(res));
	memset(&err, 0, sizeof(err));
	rc = aws_events_put(a->srv->aws, home_region(a), entries, n, &res, &err);
	count_call(a, "events", "PutEvents", rc);
	for (size_t i = 0; i < n; i++) {
		struct outcome *oi = &o[xs[i].row];
		const struct aws_events_result_entry *r = i < res.n_entries ? &res.entries[i] : NULL;

		if (rc) {
			set_aws_fail(oi, rc, &err);
			if (i > 0)
				continue;   /* the whole call failed: one log line for it */
		} else {
			switch (aws_events_entry_outcome(&res, i)) {
			case AWS_EVENTS_SENT:
				set_ok(oi, "delivered");
				continue;
			case AWS_EVENTS_FAILED:
				set_fail(oi, 1, "PutEvents entry failed: %s: %s", r->error_code,
					 r->error_message ? r->error_message : "");
				break;
			default:
				if (r && r->error_code)
					set_fail(oi, 0, "PutEvents entry failed: %s: %s", r->error_code,
						 r->error_message ? r->error_message : "");
				else
					set_fail(oi, 0, "PutEvents answered no result for the entry");
				break;
			}
		}
		log_failure(a, "eventbridge", &rows[xs[i].row], oi, a->s.bus, err.request_id);
	}
	aws_events_result_free(&res);
}

void alerts_send_eventbridge(struct alerts *a, struct outbox_row *rows, size_t n, struct outcome *o)
{
	struct eb_entry *xs = calloc(n ? n : 1, sizeof(*xs));
	size_t nx = 0;

	if (!xs) {
		for (size_t i = 0; i < n; i++)
			set_fail(&o[i], 0, "out of memory");
		return;
	}
	for (size_t i = 0; i < n && i < IT_EVENTS_BATCH; i++) {
		json_t *d = NULL;
		int rc = detail_of(a, &rows[i], &d);

		if (rc == IT_OK)
			rc = entry_of(a, d, &xs[nx]);
		json_decref(d);
		if (rc) {
			free(xs[nx].detail);
			memset(&xs[nx], 0, sizeof(xs[nx]));
			set_fail(&o[i], rc == IT_EINVAL || rc == IT_ETOOBIG, "cannot build the PutEvents entry: %s",
				 rc == IT_ETOOBIG ? "over 256 KB even with its reasons cut" : status_str(rc));
			log_failure(a, "eventbridge", &rows[i], &o[i], a->s.bus, NULL);
			continue;
		}
		xs[nx++].row = i;
	}
	/* Pack in order (aws_events_pack): as many as one call takes, then the next call. */
	for (size_t start = 0; start < nx;) {
		struct aws_events_entry es[IT_EVENTS_BATCH];
		size_t k, m = nx - start < IT_EVENTS_BATCH ? nx - start : IT_EVENTS_BATCH;

		for (size_t i = 0; i < m; i++)
			es[i] = xs[start + i].e;
		k = aws_events_pack(es, m);
		put_call(a, rows, o, &xs[start], k);
		start += k;
	}
	for (size_t i = 0; i < nx; i++)
		free(xs[i].detail);
	free(xs);
}

/* ---- webhook ---- */

static int body_of(const struct alerts *a, const json_t *d, char **ret)
{
	return a->s.format == WEBHOOK_SLACK ? alert_slack_body(d, ret) : alert_fit(d, IT_ALERT_MAX_BODY, ret);
}

void alerts_send_webhook(struct alerts *a, struct outbox_row *rows, size_t n, struct outcome *o)
{
	for (size_t i = 0; i < n; i++) {
		struct webhook_result res;
		enum alert_kind k = ALERT_KIND_CHANGE;
		json_t *d = NULL;
		char *body = NULL;
		int rc = detail_of(a, &rows[i], &d);

		if (rc == IT_OK && alert_kind_of(d, &k) == IT_OK)
			rc = body_of(a, d, &body);
		json_decref(d);
		if (rc == IT_OK)
			rc = webhook_post(&a->target, alert_kind_names[k], rows[i].id, body, strlen(body),
					  clock_now_ms(a->srv->clock), &res);
		free(body);
		if (rc) {
			set_fail(&o[i], rc == IT_EINVAL || rc == IT_ETOOBIG, "cannot build the webhook body: %s",
				 status_str(rc));
		} else if (res.outcome == WEBHOOK_DONE) {
			set_ok(&o[i], "delivered");
			continue;
		} else {
			set_fail(&o[i], res.outcome == WEBHOOK_FAILED, "%s", res.error);
			o[i].retry_at = res.retry_at;
		}
		log_failure(a, "webhook", &rows[i], &o[i], a->s.url.origin, NULL);
	}
}

/* ---- test alert ---- */

static json_t *result(const char *dest, int ok, long status, const char *answer, const char *error)
{
	return json_pack("{s:s,s:b,s:o,s:o,s:o}", "destination", dest, "ok", ok, "status",
			 status > 0 ? json_integer(status) : json_null(), "answer",
			 answer && *answer ? json_string(answer) : json_null(), "error",
			 error && *error ? json_string(error) : json_null());
}

static json_t *test_eventbridge(struct alerts *a, const json_t *d)
{
	struct eb_entry x;
	struct aws_events_result res;
	struct aws_error err;
	char msg[IT_AWS_MAX_CODE + IT_AWS_MAX_MESSAGE + 64] = "";
	json_t *out;
	int rc;

	if (!a->srv->aws)
		return result("eventbridge", 0, 0, NULL,
			      "AWS is not in use (ITALIC_AWS=off or no credentials): nothing was sent");
	memset(&x, 0, sizeof(x));
	memset(&res, 0, sizeof(res));
	memset(&err, 0, sizeof(err));
	rc = entry_of(a, d, &x);
	if (rc == IT_OK) {
		rc = aws_events_put(a->srv->aws, home_region(a), &x.e, 1, &res, &err);
		count_call(a, "events", "PutEvents", rc);
	}
	free(x.detail);
	if (rc) {
		if (err.code[0])
			snprintf(msg, sizeof(msg), "%s: %s (%s)", err.code, err.message, status_str(rc));
		else
			snprintf(msg, sizeof(msg), "%s%s%s", status_str(rc), err.message[0] ? ": " : "", err.message);
		out = result("eventbridge", 0, err.http_status, NULL, msg);
	} else if (res.n_entries == 1 && res.entries[0].event_id && !res.entries[0].error_code) {
		out = result("eventbridge", 1, 200, res.entries[0].event_id, NULL);
	} else {
		snprintf(msg, sizeof(msg), "PutEvents entry failed: %s: %s",
			 res.n_entries && res.entries[0].error_code ? res.entries[0].error_code : "no result",
			 res.n_entries && res.entries[0].error_message ? res.entries[0].error_message : "");
		out = result("eventbridge", 0, 200, NULL, msg);
	}
	aws_events_result_free(&res);
	return out;
}

static json_t *test_webhook(struct alerts *a, const json_t *d)
{
	struct webhook_result res;
	char *body = NULL;
	int rc = body_of(a, d, &body);

	if (rc == IT_OK)
		rc = webhook_post(&a->target, alert_kind_names[ALERT_KIND_TEST], 0, body, strlen(body),
				  clock_now_ms(a->srv->clock), &res);
	free(body);
	if (rc)
		return result("webhook", 0, 0, NULL, status_str(rc));
	return result("webhook", res.outcome == WEBHOOK_DONE, res.status, res.answer, res.error);
}

int alerts_test(struct alerts *a, json_t **ret)
{
	json_t *d = NULL, *results = json_array(), *out;
	int rc;

	if (!results)
		return IT_ENOMEM;
	rc = a ? alert_test_detail(clock_now_ms(a->srv->clock), a->srv->aws ? home_region(a) : NULL, a->s.public_url, &d)
	       : IT_OK;
	if (rc) {
		json_decref(results);
		return rc;
	}
	if (alerts_eventbridge_on(a))
		json_array_append_new(results, test_eventbridge(a, d));
	if (alerts_webhook_on(a))
		json_array_append_new(results, test_webhook(a, d));
	json_decref(d);
	out = json_pack("{s:o}", "results", results);
	if (!out)
		return IT_ENOMEM;
	*ret = out;
	return IT_OK;
}
