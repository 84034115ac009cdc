/* retention.c: the purge thread (see retention.h). */
#include "retention.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "limits.h"
#include "status.h"
#include "store_rejected.h"
#include "store_retention.h"
#include "store_template.h"
#include "waiter.h"

struct retention {
	struct server *srv;
	struct store *db;
	struct crew *crew;      /* the purge thread */
	struct waiter *wake;    /* stop */
	_Atomic(int) stop;
};

static void pass(struct retention *r)
{
	struct server *srv = r->srv;
	struct retention_counts total = {0, 0, 0}, c;
	int64_t lt = 0;
	int batch = IT_RETENTION_BATCH_START, rc;

	for (;;) {
		int64_t t0 = clock_mono_ms();

		rc = store_retention_purge(r->db, clock_now_ms(srv->clock), srv->cfg.retention_days, batch, &c);
		if (rc) {
			log_kv(&srv->log, LOG_WARN, NULL, "The retention purge failed; the next pass tries again.",
			       "error.code", status_str(rc), "error.message", status_text(rc), NULL);
			break;
		}
		/* launch template history ages the same way (store_template.h) */
		rc = store_template_purge(r->db, clock_now_ms(srv->clock), srv->cfg.retention_days, batch, &lt);
		if (rc) {
			log_kv(&srv->log, LOG_WARN, NULL, "The retention purge failed; the next pass tries again.",
			       "error.code", status_str(rc), "error.message", status_text(rc), NULL);
			break;
		}
		total.evaluations += c.evaluations + lt;
		total.inbox += c.inbox;
		total.deliveries += c.deliveries;
		metrics_add(srv->metrics, "italic_retention_deleted_total", "table=\"evaluations\"", (uint64_t)c.evaluations);
		metrics_add(srv->metrics, "italic_retention_deleted_total", "table=\"inbox\"", (uint64_t)c.inbox);
		metrics_add(srv->metrics, "italic_retention_deleted_total", "table=\"deliveries\"", (uint64_t)c.deliveries);
		metrics_add(srv->metrics, "italic_retention_deleted_total", "table=\"launch_template_evaluations\"",
			    (uint64_t)lt);
		if (c.evaluations < batch && c.inbox < batch && c.deliveries < batch && lt < batch)
			break;
		/* The next batch by the time this one held the write lock (the writer waited). */
		batch = store_retention_next_batch(batch, clock_mono_ms() - t0, IT_RETENTION_BATCH);
		waiter_pause(r->wake, &r->stop, IT_RETENTION_PAUSE_MS);
		if (atomic_load(&r->stop))
			break;
	}
	if (total.evaluations || total.inbox || total.deliveries) {
		log_f(&srv->log, LOG_INFO, NULL, "Rows past the retention period were deleted.",
		      LOG_INT("italic.deleted.evaluations", total.evaluations),
		      LOG_INT("italic.deleted.inbox", total.inbox),
		      LOG_INT("italic.deleted.deliveries", total.deliveries));
	}
}

/* The quarantine of rejected batch items (store_rejected.h) is kept as long as the
 * evaluation history. */
static void purge_rejected(struct retention *r)
{
	struct server *srv = r->srv;
	int64_t cutoff = clock_now_ms(srv->clock) - (int64_t)srv->cfg.retention_days * 86400000LL, n = 0, total = 0;
	int rc;

	while (!atomic_load(&r->stop)) {
		rc = store_rejected_purge(r->db, cutoff, IT_RETENTION_BATCH, &n);
		if (rc) {
			log_kv(&srv->log, LOG_WARN, NULL, "The quarantine purge failed; the next pass tries again.",
			       "error.code", status_str(rc), "error.message", status_text(rc), NULL);
			break;
		}
		total += n;
		metrics_add(srv->metrics, "italic_retention_deleted_total", "table=\"rejected_events\"", (uint64_t)n);
		if (n < IT_RETENTION_BATCH)
			break;
		waiter_pause(r->wake, &r->stop, IT_RETENTION_PAUSE_MS);
	}
	if (total)
		log_f(&srv->log, LOG_INFO, NULL, "Rejected batch items past the retention period were deleted.",
		      LOG_INT("italic.deleted.rejected_events", total));
}

static int64_t turn(void *arg)
{
	pass(arg);
	purge_rejected(arg);
	return (int64_t)IT_RETENTION_INTERVAL_S * 1000;
}

int retention_start(struct server *srv, struct retention **ret)
{
	struct retention *r = calloc(1, sizeof(*r));
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
	rc = waiter_new(&r->wake);
	if (rc == IT_OK) {
		struct crew_spec spec = {r->wake, &r->stop, turn, NULL, NULL};
		rc = crew_start(&spec, r, 0, 1, &r->crew);
	}
	if (rc) {
		waiter_free(r->wake);
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
	crew_stop(r->crew);
	waiter_free(r->wake);
	store_close(r->db);
	free(r);
}
