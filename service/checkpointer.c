/* checkpointer.c: WAL checkpoints off the writer's path (see checkpointer.h). */
#include "checkpointer.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "status.h"
#include "store.h"

struct checkpointer {
	struct server *srv;
	struct store *db;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu */
	int frames;              /* the WAL's length at the writer's last commit */
	int pass_at;             /* run a pass once frames reach this */
	int restart_at;          /* and ask it to restart the WAL from this length */
	int due, running, stop;
};

/* The schedule after the WAL was restarted (or at start). */
static void rearm(struct checkpointer *c)
{
	c->pass_at = CHECKPOINT_STEP_FRAMES;
	c->restart_at = CHECKPOINT_RESTART_FRAMES;
}

void checkpointer_note(struct checkpointer *c, int wal_frames)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	if (wal_frames < c->frames)
		rearm(c);        /* the WAL was restarted since the last commit */
	c->frames = wal_frames;
	if (wal_frames >= c->pass_at && !c->due && !c->running) {
		c->due = 1;
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void *run(void *arg)
{
	struct checkpointer *c = arg;
	struct metrics *m = c->srv->metrics;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		struct store_checkpoint r = {0, 0, 0};
		struct timespec t0;
		int restart_at, rc;

		while (!c->due && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->due = 0;
		c->running = 1;
		restart_at = c->restart_at;
		pthread_mutex_unlock(&c->mu);

		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = store_checkpoint(c->db, restart_at, &r);
		metrics_observe(m, "italic_wal_checkpoint_seconds", r.wal_frames >= restart_at ? "mode=\"restart\""
											     : "mode=\"passive\"",
				seconds_since(&t0));
		if (rc) {
			log_kv(&c->srv->log, LOG_WARN, NULL, "A WAL checkpoint failed; the next pass tries again.",
			       "error.code", status_str(rc), "error.message", store_errmsg(c->db), NULL);
			metrics_add(m, "italic_wal_checkpoints_total", "mode=\"passive\",result=\"failed\"", 1);
		} else if (r.wal_frames >= restart_at) {
			metrics_add(m, "italic_wal_checkpoints_total",
				    r.restarted ? "mode=\"restart\",result=\"ok\"" : "mode=\"restart\",result=\"busy\"", 1);
		} else {
			metrics_add(m, "italic_wal_checkpoints_total", "mode=\"passive\",result=\"ok\"", 1);
		}
		metrics_set(m, "italic_wal_frames", NULL, r.restarted ? 0 : r.wal_frames);

		pthread_mutex_lock(&c->mu);
		c->running = 0;
		if (rc == IT_OK && r.restarted) {
			rearm(c);
			c->frames = 0;
		} else {
			/* The next pass after another step of growth; after a RESTART that gave up
			 * (a long reader), the next RESTART only after another restart's worth. */
			c->pass_at = (rc ? c->frames : r.wal_frames) + CHECKPOINT_STEP_FRAMES;
			if (rc == IT_OK && r.wal_frames >= restart_at)
				c->restart_at = r.wal_frames + CHECKPOINT_RESTART_FRAMES;
		}
		if (c->frames >= c->pass_at)
			c->due = 1;
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int checkpointer_start(struct server *srv, struct checkpointer **ret)
{
	struct checkpointer *c = calloc(1, sizeof(*c));
	char err[256];
	int rc;

	if (!c)
		return IT_ENOMEM;
	c->srv = srv;
	rc = store_open(srv->cfg.db, STORE_NO_CREATE, &c->db, err, sizeof(err));
	if (rc) {
		log_kv(&srv->log, LOG_ERROR, NULL, "The WAL checkpointer cannot open the database.", "error.message", err,
		       NULL);
		free(c);
		return rc;
	}
	metrics_declare(srv->metrics, "italic_wal_checkpoints_total", METRIC_COUNTER,
			"WAL checkpoints run off the writer's path, by mode (passive copy, or restart of the WAL)"
			" and result (busy: a reader or the writer held on, the restart is tried later).");
	metrics_declare(srv->metrics, "italic_wal_checkpoint_seconds", METRIC_HISTOGRAM,
			"Duration of a WAL checkpoint pass, by mode.");
	metrics_declare(srv->metrics, "italic_wal_frames", METRIC_GAUGE,
			"Frames (pages) in the WAL after the last checkpoint pass.");
	rearm(c);
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&c->thread, NULL, run, c) != 0) {
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		store_close(c->db);
		free(c);
		return IT_ENOMEM;
	}
	*ret = c;
	return IT_OK;
}

void checkpointer_stop(struct checkpointer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	store_close(c->db);
	free(c);
}
