/* retention.c: the purge thread (see retention.h). */
#include "retention.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "limits.h"
#include "status.h"
#include "store_retention.h"

struct retention {
	struct server *srv;
	struct store *db;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* CLOCK_MONOTONIC */
	int stop;
};

/* Sleeps up to ms, returning 1 early when asked to stop. */
static int wait_ms(struct retention *r, int64_t ms)
{
	struct timespec ts;
	int stop;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->mu);
	while (!r->stop && pthread_cond_timedwait(&r->cv, &r->mu, &ts) == 0)
		;
	stop = r->stop;
	pthread_mutex_unlock(&r->mu);
	return stop;
}

static void pass(struct retention *r)
{
	struct server *srv = r->srv;
	struct retention_counts total = {0, 0, 0}, c;
	int batch = IT_RETENTION_BATCH_START, rc;

	for (;;) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = store_retention_purge(r->db, clock_now_ms(NULL), srv->cfg.retention_days, batch, &c);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (rc) {
			log_kv(&srv->log, LOG_WARN, NULL, "The retention purge failed; the next pass tries again.",
			       "error.code", status_str(rc), "error.message", status_text(rc), NULL);
			break;
		}
		total.evaluations += c.evaluations;
		total.inbox += c.inbox;
		total.deliveries += c.deliveries;
		metrics_add(srv->metrics, "italic_retention_deleted_total", "table=\"evaluations\"", (uint64_t)c.evaluations);
		metrics_add(srv->metrics, "italic_retention_deleted_total", "table=\"inbox\"", (uint64_t)c.inbox);
		metrics_add(srv->metrics, "italic_retention_deleted_total", "table=\"deliveries\"", (uint64_t)c.deliveries);
		if (c.evaluations < batch && c.inbox < batch && c.deliveries < batch)
			break;
		/* The next batch by the time this one held the write lock (the writer waited). */
		batch = store_retention_next_batch(batch, (int64_t)(t1.tv_sec - t0.tv_sec) * 1000 +
								  (t1.tv_nsec - t0.tv_nsec) / 1000000,
						   IT_RETENTION_BATCH);
		if (wait_ms(r, IT_RETENTION_PAUSE_MS))
			break;
	}
	if (total.evaluations || total.inbox || total.deliveries) {
		log_f(&srv->log, LOG_INFO, NULL, "Rows past the retention period were deleted.",
		      LOG_INT("italic.deleted.evaluations", total.evaluations),
		      LOG_INT("italic.deleted.inbox", total.inbox),
		      LOG_INT("italic.deleted.deliveries", total.deliveries));
	}
}

static void *run(void *arg)
{
	struct retention *r = arg;

	do
		pass(r);
	while (!wait_ms(r, (int64_t)IT_RETENTION_INTERVAL_S * 1000));
	return NULL;
}

int retention_start(struct server *srv, struct retention **ret)
{
	struct retention *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;
	char err[256];
	int rc;

	if (!r)
		return IT_ENOMEM;
	r->srv = srv;
	rc = store_open(srv->cfg.db, STORE_NO_CREATE, &r->db, err, sizeof(err));
	if (rc) {
		log_kv(&srv->log, LOG_ERROR, NULL, "The retention thread cannot open the database.", "error.message", err,
		       NULL);
		free(r);
		return rc;
	}
	metrics_declare(srv->metrics, "italic_retention_deleted_total", METRIC_COUNTER,
			"Rows deleted by the retention purge, by table.");
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&r->thread, NULL, run, r) != 0) {
		pthread_cond_destroy(&r->cv);
		pthread_mutex_destroy(&r->mu);
		store_close(r->db);
		free(r);
		return IT_ENOMEM;
	}
	*ret = r;
	return IT_OK;
}

void retention_stop(struct retention *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	store_close(r->db);
	free(r);
}
