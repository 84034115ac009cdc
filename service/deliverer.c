/*
 * deliverer.c: sending the outbox to AWS Config, Security Hub and S3, and running the
 * alert destinations whose senders live in deliver_alerts.c (see deliverer.h).
 *
 * Each thread loops (lib/waiter.h): lease a batch through the writer, send it, record
 * each row's outcome through the writer, and nap until the next row is due. The
 * evaluator wakes the threads when it commits verdicts (deliverers_wake), so a new
 * verdict goes out at once without polling; the nap is at most IDLE_MS for rows that
 * fall due without a wake (a lease that ran out after a failed write).
 */
#include "deliverer.h"

#include <openssl/rand.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws_configservice.h"
#include "aws_s3.h"
#include "aws_securityhub.h"
#include "backoff.h"
#include "clock.h"
#include "deliver.h"
#include "deliver_alerts.h"
#include "finding.h"
#include "siem_log.h"
#include "status.h"
#include "store_outbox.h"
#include "store_sweep.h"
#include "store_template.h"
#include "verdict.h"
#include "waiter.h"
#include "writer.h"

#define LEASE_MS (5 * 60 * 1000)        /* a batch is sent well within this */
#define RETRY_BASE_MS 1000
#define RETRY_CAP_MS (5 * 60 * 1000)
#define IDLE_MS 30000                   /* longest nap: rows that fall due without a wake */
#define RECHECK_MS 1000                 /* something due was not sent: look again this soon */
#define SIEM_LEASE_CHUNK 1000           /* rows leased at a time while filling an object */

enum dest { DEST_CONFIG, DEST_SECURITYHUB, DEST_SIEM, DEST_EVENTBRIDGE, DEST_WEBHOOK, DEST__MAX };
static const char *const dest_names[DEST__MAX] = {"config", "securityhub", "siem", "eventbridge", "webhook"};
_Static_assert(ARRAY_LEN(dest_names) == DEST__MAX, "dest_names");
/* Rows leased at a time: AWS batch limits, and ten webhook POSTs in turn. */
static const size_t dest_batch[DEST__MAX] = {IT_AWS_BATCH, IT_AWS_BATCH, 0, IT_EVENTS_BATCH, ALERTS_WEBHOOK_BATCH};
static const char *const state_names[] = {"pending", "failed", "done"};

struct deliverers;

/* One destination's thread (a member of the deliverers' crew). */
struct dthread {
	struct deliverers *d;
	enum dest dest;
	struct store *db;        /* the thread's own connection */
};

struct deliverers {
	struct server *srv;
	struct dthread threads[DEST__MAX];   /* the enabled destinations, nthreads of them */
	size_t nthreads;
	struct crew *crew;
	_Atomic(int) stop;
	struct waiter *wake;             /* new deliveries, or stop */
	char host[SIEM_HOST_MAX];
	_Atomic(uint64_t) seq;           /* SIEM object sequence of this process */
};

/* ---- metrics ---- */

void deliveries_declare_metrics(struct metrics *m)
{
	metrics_declare(m, "italic_deliveries", METRIC_GAUGE, "Delivery rows by destination and state.");
	metrics_declare(m, "italic_deliveries_sent_total", METRIC_COUNTER,
			"Delivery attempts by destination and outcome (delivered, superseded, retry, failed).");
}

void deliveries_metrics_refresh(struct server *srv, struct store *db)
{
	for (int d = 0; d < DEST__MAX; d++) {
		for (size_t s = 0; s < ARRAY_LEN(state_names); s++) {
			char labels[96];
			int64_t n = 0;
			if (store_outbox_count(db, dest_names[d], state_names[s], &n) != IT_OK)
				continue;
			snprintf(labels, sizeof(labels), "destination=\"%s\",state=\"%s\"", dest_names[d], state_names[s]);
			metrics_set(srv->metrics, "italic_deliveries", labels, (double)n);
		}
	}
}

static void count_sent(struct deliverers *d, enum dest dest, const char *outcome)
{
	char labels[96];
	snprintf(labels, sizeof(labels), "destination=\"%s\",outcome=\"%s\"", dest_names[dest], outcome);
	metrics_add(d->srv->metrics, "italic_deliveries_sent_total", labels, 1);
}

static void count_call(struct deliverers *d, const char *service, const char *op, int rc)
{
	char labels[128];
	snprintf(labels, sizeof(labels), "service=\"%s\",operation=\"%s\",outcome=\"%s\"", service, op,
		 rc == IT_OK ? "ok" : status_retryable(rc) ? "retryable" : "error");
	metrics_add(d->srv->metrics, "italic_aws_calls_total", labels, 1);
}

/* ---- outcomes (struct outcome and its setters: deliver.h) ---- */

static int64_t retry_at(int64_t now, int attempts)
{
	uint64_t r = 0;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (uint64_t)now;
	return now + 1 + backoff_ms(attempts > 0 ? attempts : 1, RETRY_BASE_MS, RETRY_CAP_MS, r);
}

struct record_job {
	struct outcome *o;
	size_t n;
	int64_t now;
};

static int record_outcomes(struct store *db, void *ctx)
{
	struct record_job *j = ctx;
	int rc = IT_OK;

	for (size_t i = 0; rc == IT_OK && i < j->n; i++) {
		struct outcome *o = &j->o[i];
		if (o->ok)
			rc = store_outbox_done(db, o->id, j->now);
		else
			rc = store_outbox_fail(db, o->id, j->now,
					       o->retry_at > j->now ? o->retry_at : retry_at(j->now, o->attempts), o->error,
					       o->final);
	}
	return rc;
}

static void record(struct deliverers *d, enum dest dest, struct outcome *o, size_t n)
{
	struct record_job j = {o, n, clock_now_ms(d->srv->clock)};
	int rc;

	if (n == 0)
		return;
	rc = writer_run(d->srv->writer, record_outcomes, &j);
	if (rc) {
		/* The rows stay leased and come back when the lease runs out. */
		log_kv(&d->srv->log, LOG_ERROR, NULL, "Delivery outcomes could not be recorded; the rows will be sent again.",
		       "italic.destination", dest_names[dest], "error.code", status_str(rc), "error.message",
		       status_text(rc), NULL);
		return;
	}
	for (size_t i = 0; i < n; i++)
		count_sent(d, dest, o[i].label ? o[i].label : "delivered");
}

/* ---- leasing ---- */

struct lease_job {
	const char *dest;
	int64_t now;
	struct outbox_row *rows;
	size_t max;
	size_t n;
};

static int lease_rows(struct store *db, void *ctx)
{
	struct lease_job *j = ctx;
	size_t n = 0;
	int rc = store_outbox_lease(db, j->dest, j->now, LEASE_MS, j->rows, j->max, &n);

	if (rc == IT_OK)
		j->n = n;
	return rc;
}

static int lease(struct deliverers *d, enum dest dest, struct outbox_row *rows, size_t max, size_t *ret_n)
{
	struct lease_job j = {dest_names[dest], clock_now_ms(d->srv->clock), rows, max, 0};
	int rc = writer_run(d->srv->writer, lease_rows, &j);

	if (rc) {
		/* The job may have filled rows before the commit failed: nothing is leased. */
		for (size_t i = 0; i < j.n; i++)
			outbox_row_finish(&rows[i]);
		return rc;
	}
	*ret_n = j.n;
	return IT_OK;
}

static void outcomes_init(struct outcome *o, const struct outbox_row *rows, size_t n)
{
	memset(o, 0, n * sizeof(*o));
	for (size_t i = 0; i < n; i++) {
		o[i].id = rows[i].id;
		o[i].attempts = rows[i].attempts;
	}
}

static void log_failure(struct deliverers *d, enum dest dest, const struct outbox_row *r, const struct outcome *o,
			const struct aws_error *err)
{
	log_kv(&d->srv->log, o->final ? LOG_ERROR : LOG_WARN, NULL,
	       o->final ? "A delivery was refused for good." : "A delivery failed; it will be retried.",
	       "italic.destination", dest_names[dest], "cloud.account.id", r->account, "cloud.region", r->region,
	       "error.message", o->error, "italic.aws_request_id", err ? err->request_id : "", NULL);
}

/* ---- AWS Config ---- */

/* The annotation: the verdict's reasons and the instance's path, ≤ 256 characters. */
static int annotation(const json_t *p, char out[IT_ANNOTATION_MAX + 1])
{
	const char *path = json_string_value(json_object_get(p, "instance_path"));
	struct verdict v;
	json_t *r;
	size_t i;

	verdict_init(&v, COMPLIANCE_COMPLIANT);
	json_array_foreach(json_object_get(p, "reasons"), i, r) {
		if (json_is_string(r))
			verdict_add_reason(&v, "%s", json_string_value(r));
	}
	return verdict_annotation(&v, path ? path : "", out, IT_ANNOTATION_MAX + 1);
}

static void send_config(struct deliverers *d, struct outbox_row *rows, size_t n, struct outcome *o)
{
	struct aws_config_evaluation ev[IT_AWS_BATCH];
	char ann[IT_AWS_BATCH][IT_ANNOTATION_MAX + 1];
	size_t map[IT_AWS_BATCH], ne = 0;
	json_t *pl[IT_AWS_BATCH];
	struct aws_config_result res;
	struct aws_error err;
	const char *token = NULL;
	int rc;

	memset(pl, 0, sizeof(pl));
	for (size_t i = 0; i < n; i++) {
		const char *c, *id, *mine, *rtype;
		int dup = 0;
		enum aws_compliance ct = AWS_COMPLIANCE__MAX;

		pl[i] = json_loads(rows[i].payload, 0, NULL);
		c = json_string_value(json_object_get(pl[i], "compliance"));
		id = json_string_value(json_object_get(pl[i], "resource_id"));
		for (int k = 0; c && k < AWS_COMPLIANCE__MAX; k++)
			if (strcmp(c, aws_compliance_names[k]) == 0)
				ct = (enum aws_compliance)k;
		if (!token)
			token = json_string_value(json_object_get(pl[i], "result_token"));
		mine = json_string_value(json_object_get(pl[i], "result_token"));
		if (!pl[i] || !id || ct == AWS_COMPLIANCE__MAX || !token || !mine || strcmp(token, mine) != 0) {
			set_fail(&o[i], 1, "unusable config payload");
			continue;
		}
		/* Two verdicts of one instance under one token: only the newer one matters. */
		for (size_t k = i + 1; k < n && !dup; k++)
			dup = strcmp(rows[k].instance_id, rows[i].instance_id) == 0;
		if (dup) {
			set_ok(&o[i], "superseded");
			continue;
		}
		if (annotation(pl[i], ann[ne]) != IT_OK)
			ann[ne][0] = '\0';
		/* a launch template's payload names its type (outbox_enqueue_template) */
		rtype = json_string_value(json_object_get(pl[i], "resource_type"));
		ev[ne].resource_type = rtype && strcmp(rtype, "AWS::EC2::LaunchTemplate") == 0 ? "AWS::EC2::LaunchTemplate"
											       : "AWS::EC2::Instance";
		ev[ne].resource_id = id;
		ev[ne].compliance = ct;
		ev[ne].annotation = ann[ne][0] ? ann[ne] : NULL;
		ev[ne].ordering_ms = json_integer_value(json_object_get(pl[i], "ordering_timestamp")) * 1000;
		map[ne++] = i;
	}
	if (ne > 0) {
		memset(&res, 0, sizeof(res));
		memset(&err, 0, sizeof(err));
		rc = aws_config_put_evaluations(d->srv->aws, rows[map[0]].account, rows[map[0]].region, token, ev, ne, 0,
						&res, &err);
		count_call(d, "config", "PutEvaluations", rc);
		for (size_t e = 0; e < ne; e++) {
			struct outcome *oe = &o[map[e]];
			if (rc) {
				set_aws_fail(oe, rc, &err);
				continue;
			}
			set_ok(oe, "delivered");
			for (size_t f = 0; f < res.n_failed; f++)
				if (res.failed[f].resource_id && strcmp(res.failed[f].resource_id, ev[e].resource_id) == 0)
					set_fail(oe, 0, "Config listed the evaluation in FailedEvaluations");
		}
		if (rc)
			log_failure(d, DEST_CONFIG, &rows[map[0]], &o[map[0]], &err);
		else if (res.n_failed)
			log_kv(&d->srv->log, LOG_WARN, NULL, "PutEvaluations listed FailedEvaluations; they will be retried.",
			       "cloud.account.id", rows[map[0]].account, "cloud.region", rows[map[0]].region, NULL);
		aws_config_result_free(&res);
	}
	for (size_t i = 0; i < n; i++)
		json_decref(pl[i]);
}

/* ---- Security Hub ---- */

static void send_securityhub(struct deliverers *d, struct store *db, struct outbox_row *rows, size_t n,
			     struct outcome *o)
{
	json_t *findings = json_array();
	size_t map[IT_AWS_BATCH], nf = 0;
	char ids[IT_AWS_BATCH][FINDING_ID_MAX];
	struct aws_securityhub_result res;
	struct aws_error err;
	int rc;

	for (size_t i = 0; findings && i < n; i++) {
		json_t *p, *f = NULL;
		int64_t first = 0;
		int newer = 0;

		if (store_outbox_superseded(db, &rows[i], &newer) == IT_OK && newer) {
			/* A newer verdict of this instance is queued or sent: this one would undo it. */
			set_ok(&o[i], "superseded");
			continue;
		}
		p = json_loads(rows[i].payload, 0, NULL);
		/* a launch template's row keeps its id where an instance's would be */
		if (strncmp(rows[i].instance_id, "lt-", 3) == 0)
			rc = store_template_first_seen(db, rows[i].account, rows[i].region, rows[i].instance_id, &first);
		else
			rc = store_sweep_first_seen(db, rows[i].account, rows[i].region, rows[i].instance_id, &first);
		if (rc != IT_OK)
			first = 0;
		rc = p ? finding_build(p, first, &f) : IT_EINVAL;
		json_decref(p);
		if (rc) {
			set_fail(&o[i], rc == IT_EINVAL, "cannot build the finding: %s", status_str(rc));
			continue;
		}
		finding_id(rows[i].account, rows[i].region, rows[i].instance_id, ids[nf]);
		json_array_append_new(findings, f);
		map[nf++] = i;
	}
	if (!findings) {
		for (size_t i = 0; i < n; i++)
			set_fail(&o[i], 0, "out of memory");
		return;
	}
	if (nf > 0) {
		memset(&res, 0, sizeof(res));
		memset(&err, 0, sizeof(err));
		rc = aws_securityhub_import(d->srv->aws, rows[map[0]].account, rows[map[0]].region, findings, &res, &err);
		count_call(d, "securityhub", "BatchImportFindings", rc);
		for (size_t k = 0; k < nf; k++) {
			struct outcome *ok = &o[map[k]];
			if (rc) {
				set_aws_fail(ok, rc, &err);
				continue;
			}
			set_ok(ok, "delivered");
			for (size_t f = 0; f < res.n_failed; f++)
				if (res.failed[f].id && strcmp(res.failed[f].id, ids[k]) == 0)
					set_fail(ok, 0, "FailedFindings: %s: %s",
						 res.failed[f].error_code ? res.failed[f].error_code : "",
						 res.failed[f].error_message ? res.failed[f].error_message : "");
		}
		if (rc)
			log_failure(d, DEST_SECURITYHUB, &rows[map[0]], &o[map[0]], &err);
		else if (res.n_failed)
			log_kv(&d->srv->log, LOG_WARN, NULL, "BatchImportFindings listed FailedFindings; they will be retried.",
			       "cloud.account.id", rows[map[0]].account, "cloud.region", rows[map[0]].region, NULL);
		aws_securityhub_result_free(&res);
	}
	json_decref(findings);
}

/* ---- SIEM log ---- */

struct siem_flush {
	struct deliverers *d;
	struct siem_batch *batch;
	struct outcome *o;        /* rows in the batch (grown as needed) */
	size_t n, cap;
	struct outcome *rejected; /* lines that can never be written */
	size_t nrej, caprej;
};

static int grow(struct outcome **a, size_t *cap, size_t need)
{
	struct outcome *g;
	size_t c = *cap ? *cap * 2 : 256;

	if (need <= *cap)
		return IT_OK;
	while (c < need)
		c *= 2;
	g = realloc(*a, c * sizeof(*g));
	if (!g)
		return IT_ENOMEM;
	*a = g;
	*cap = c;
	return IT_OK;
}

/* Writes the batch as one object and records its rows' outcome. */
static void siem_put(struct siem_flush *f)
{
	struct deliverers *d = f->d;
	struct server *srv = d->srv;
	struct aws_error err;
	unsigned char *gz = NULL;
	size_t gzlen = 0;
	char key[IT_AWS_MAX_S3_KEY + 1];
	int64_t now = clock_now_ms(d->srv->clock);
	int rc;

	if (f->n == 0)
		return;
	memset(&err, 0, sizeof(err));
	rc = siem_key(srv->cfg.siem_prefix, d->host, now, atomic_fetch_add(&d->seq, 1), key, sizeof(key));
	if (rc == IT_OK)
		rc = siem_gzip(siem_batch_data(f->batch), siem_batch_bytes(f->batch), &gz, &gzlen);
	if (rc == IT_OK) {
		rc = aws_s3_put_object(srv->aws, NULL, aws_ctx_home_region(srv->aws), srv->cfg.siem_bucket, key, gz,
				       gzlen, "application/gzip", NULL, &err);
		count_call(d, "s3", "PutObject", rc);
	}
	free(gz);
	for (size_t i = 0; i < f->n; i++) {
		if (rc == IT_OK)
			set_ok(&f->o[i], "delivered");
		else
			set_aws_fail(&f->o[i], rc, &err);
	}
	if (rc) {
		struct outbox_row r;
		memset(&r, 0, sizeof(r));
		snprintf(r.region, sizeof(r.region), "%s", aws_ctx_home_region(srv->aws));
		log_failure(d, DEST_SIEM, &r, &f->o[0], &err);
	} else {
		log_f(&srv->log, LOG_DEBUG, NULL, "A SIEM object was written.", LOG_STR("italic.siem.key", key),
		      LOG_INT("italic.siem.lines", f->n));
	}
	record(d, DEST_SIEM, f->o, f->n);
	f->n = 0;
	siem_batch_reset(f->batch);
}

/* Writes out every due line, in objects within the batch ceilings. */
static void siem_flush_all(struct deliverers *d)
{
	struct siem_flush f;
	struct outbox_row *rows = calloc(SIEM_LEASE_CHUNK, sizeof(*rows));
	size_t n;

	memset(&f, 0, sizeof(f));
	f.d = d;
	if (!rows || siem_batch_new(0, 0, &f.batch) != IT_OK) {
		free(rows);
		return;
	}
	while (lease(d, DEST_SIEM, rows, SIEM_LEASE_CHUNK, &n) == IT_OK && n > 0) {
		for (size_t i = 0; i < n; i++) {
			const char *line = rows[i].payload;
			int rc = siem_batch_add(f.batch, line, strlen(line));
			if (rc == IT_EFULL) {
				siem_put(&f);
				rc = siem_batch_add(f.batch, line, strlen(line));
			}
			if (rc == IT_OK && grow(&f.o, &f.cap, f.n + 1) == IT_OK) {
				outcomes_init(&f.o[f.n], &rows[i], 1);
				f.n++;
			} else if (grow(&f.rejected, &f.caprej, f.nrej + 1) == IT_OK) {
				outcomes_init(&f.rejected[f.nrej], &rows[i], 1);
				set_fail(&f.rejected[f.nrej], rc == IT_ETOOBIG || rc == IT_EINVAL, "line not writable: %s",
					 status_str(rc));
				f.nrej++;
			}
			outbox_row_finish(&rows[i]);
		}
		if (f.nrej) {
			record(d, DEST_SIEM, f.rejected, f.nrej);
			f.nrej = 0;
		}
		if (n < SIEM_LEASE_CHUNK)
			break;
	}
	siem_put(&f);
	siem_batch_free(f.batch);
	free(f.o);
	free(f.rejected);
	free(rows);
}

/* Flush when the oldest waiting line is ITALIC_SIEM_FLUSH_SECONDS old or enough lines
 * wait for a full object. Otherwise *ret_wait_ms is how long until the oldest is that
 * old (IDLE_MS when no line waits): a new line wakes the thread anyway. */
static int siem_due(struct deliverers *d, struct store *db, int64_t *ret_wait_ms)
{
	int64_t now = clock_now_ms(d->srv->clock), oldest = 0, pending = 0;
	int64_t flush_ms = (int64_t)d->srv->cfg.siem_flush_seconds * 1000;

	*ret_wait_ms = IDLE_MS;
	if (store_outbox_oldest_due(db, "siem", now, &oldest) != IT_OK || oldest == 0)
		return 0;
	if (now - oldest >= flush_ms)
		return 1;
	if (store_outbox_count(db, "siem", "pending", &pending) == IT_OK && pending >= SIEM_MAX_LINES)
		return 1;
	if (oldest + flush_ms - now < *ret_wait_ms)
		*ret_wait_ms = oldest + flush_ms - now;
	return 0;
}

/* ---- threads ---- */

static void batch_cycle(struct deliverers *d, struct store *db, enum dest dest, int *ret_sent)
{
	struct outbox_row rows[IT_AWS_BATCH];
	struct outcome o[IT_AWS_BATCH];
	size_t n = 0;

	*ret_sent = 0;
	if (lease(d, dest, rows, dest_batch[dest], &n) != IT_OK || n == 0)
		return;
	outcomes_init(o, rows, n);
	if (dest == DEST_CONFIG)
		send_config(d, rows, n, o);
	else if (dest == DEST_SECURITYHUB)
		send_securityhub(d, db, rows, n, o);
	else if (dest == DEST_EVENTBRIDGE)
		alerts_send_eventbridge(d->srv->alerts, rows, n, o);
	else
		alerts_send_webhook(d->srv->alerts, rows, n, o);
	record(d, dest, o, n);
	for (size_t i = 0; i < n; i++)
		outbox_row_finish(&rows[i]);
	*ret_sent = 1;
}

/* One look at the destination: send what is due, then say how long until more is. */
static int64_t turn(void *arg)
{
	struct dthread *c = arg;
	struct deliverers *d = c->d;
	enum dest dest = c->dest;
	int64_t next = 0, now, wait = IDLE_MS;
	int sent = 0;

	if (dest == DEST_SIEM) {
		if (siem_due(d, c->db, &wait)) {
			siem_flush_all(d);
			return RECHECK_MS;
		}
	} else {
		batch_cycle(d, c->db, dest, &sent);
		if (sent)
			return WAITER_AGAIN;
	}
	now = clock_now_ms(d->srv->clock);
	if (store_outbox_next_due(c->db, dest_names[dest], &next) != IT_OK || next == 0)
		return wait;
	if (next > now)
		return next - now < wait ? next - now : wait;
	/* Due but not sent: leased after a failed write, or the lease itself failed (for
	 * SIEM lines: waiting for their flush, which wait already says). */
	return dest == DEST_SIEM ? wait : RECHECK_MS;
}

static int enter(void *arg)
{
	struct dthread *t = arg;
	struct server *srv = t->d->srv;
	char err[256];

	if (store_open(srv->cfg.db, STORE_NO_CREATE, &t->db, err, sizeof(err)) == IT_OK)
		return 0;
	log_kv(&srv->log, LOG_ERROR, NULL, "A delivery thread cannot open the database.", "italic.destination",
	       dest_names[t->dest], "error.message", err, NULL);
	return -1;
}

static void leave(void *arg)
{
	struct dthread *t = arg;

	if (t->dest == DEST_SIEM)
		siem_flush_all(t->d);   /* drain: lines written before exit are not held back a restart */
	store_close(t->db);
	t->db = NULL;
}

static int release_all(struct store *db, void *ctx)
{
	(void)ctx;
	return store_outbox_release_all(db);
}

int deliverers_start(struct server *srv, struct deliverers **ret)
{
	struct deliverers *d = calloc(1, sizeof(*d));
	int enabled[DEST__MAX] = {srv->cfg.config_report, srv->cfg.securityhub, srv->cfg.siem_bucket[0] != 0,
				  alerts_eventbridge_on(srv->alerts), alerts_webhook_on(srv->alerts)};
	/* The webhook needs no AWS; every other destination does. */
	static const int needs_aws[DEST__MAX] = {1, 1, 1, 1, 0};
	int any = 0, waiting = 0;
	char host[256] = "";

	if (!d)
		return IT_ENOMEM;
	d->srv = srv;
	if (waiter_new(&d->wake) != IT_OK) {
		free(d);
		return IT_ENOMEM;
	}
	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	siem_host_sanitise(host, d->host);
	for (int i = 0; i < DEST__MAX; i++) {
		if (enabled[i] && needs_aws[i] && !srv->aws) {
			enabled[i] = 0;
			waiting = 1;
		}
		any |= enabled[i];
	}
	if (waiting)
		log_msg(&srv->log, LOG_WARN, NULL,
			"Deliveries are off because AWS is not in use (ITALIC_AWS=off or no credentials); "
			"they stay pending until it is.");
	if (!any) {
		*ret = d;
		return IT_OK;
	}
	/* The previous process's leases died with it. */
	if (writer_run(srv->writer, release_all, NULL) != IT_OK)
		log_msg(&srv->log, LOG_WARN, NULL, "Old delivery leases could not be released; they expire within 5 minutes.");
	for (int i = 0; i < DEST__MAX; i++) {
		if (!enabled[i])
			continue;
		d->threads[d->nthreads].d = d;
		d->threads[d->nthreads++].dest = (enum dest)i;
	}
	{
		struct crew_spec spec = {d->wake, &d->stop, turn, enter, leave};
		if (crew_start(&spec, d->threads, sizeof(d->threads[0]), d->nthreads, &d->crew) != IT_OK) {
			deliverers_stop(d);
			return IT_ENOMEM;
		}
	}
	for (size_t i = 0; i < d->nthreads; i++)
		log_kv(&srv->log, LOG_INFO, NULL, "Deliveries to this destination are on.", "italic.destination",
		       dest_names[d->threads[i].dest], NULL);
	*ret = d;
	return IT_OK;
}

void deliverers_stop(struct deliverers *d)
{
	if (!d)
		return;
	crew_stop(d->crew);
	waiter_free(d->wake);
	free(d);
}

void deliverers_wake(struct deliverers *d)
{
	if (d)
		waiter_wake(d->wake);
}
