/* writer.c: single writer thread with group commit (see writer.h). */
#include "writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "checkpointer.h"
#include "status.h"

struct writer {
	struct server *srv;
	struct store *db;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;
	pthread_cond_t committed;
	struct writer_ticket *head, *tail;
	int stop;
	struct checkpointer *ckpt;   /* keeps the WAL short off this thread */
};

static const char SQL_SAVEPOINT[] = "SAVEPOINT job";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO job";
static const char SQL_RELEASE[] = "RELEASE job";

static void run_batch(struct writer *w, struct writer_ticket **batch, size_t n)
{
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = store_begin(w->db);

	for (size_t i = 0; i < n; i++) {
		if (rc) {
			batch[i]->rc = rc;
			continue;
		}
		batch[i]->rc = store_exec(w->db, SQL_SAVEPOINT);
		if (batch[i]->rc == IT_OK) {
			batch[i]->rc = batch[i]->job(w->db, batch[i]->ctx);
			if (batch[i]->rc != IT_OK && store_exec(w->db, SQL_ROLLBACK_TO) != IT_OK)
				rc = IT_EDB;
			if (rc == IT_OK && store_exec(w->db, SQL_RELEASE) != IT_OK)
				rc = IT_EDB;
		}
	}
	if (rc == IT_OK)
		rc = store_commit(w->db);
	else
		store_rollback(w->db);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == IT_OK)
		checkpointer_note(w->ckpt, store_wal_frames(w->db));
	if (rc) {
		/* Nothing of the batch was kept: every job learns why. */
		for (size_t i = 0; i < n; i++)
			if (batch[i]->rc == IT_OK)
				batch[i]->rc = rc;
	}
	metrics_add(w->srv->metrics, "italic_writer_commits_total", rc ? "result=\"failed\"" : "result=\"ok\"", 1);
	metrics_add(w->srv->metrics, "italic_writer_jobs_total", NULL, n);
	metrics_observe(w->srv->metrics, "italic_writer_batch_seconds", NULL,
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
}

static void *loop(void *arg)
{
	struct writer *w = arg;
	struct writer_ticket *batch[WRITER_BATCH];

	pthread_mutex_lock(&w->mu);
	for (;;) {
		size_t n = 0;

		while (!w->head && !w->stop)
			pthread_cond_wait(&w->work, &w->mu);
		if (!w->head)
			break;
		while (w->head && n < WRITER_BATCH) {
			batch[n++] = w->head;
			w->head = w->head->next;
		}
		if (!w->head)
			w->tail = NULL;
		pthread_mutex_unlock(&w->mu);
		run_batch(w, batch, n);
		/* Callbacks outside the lock (they may queue work of their own). A ticket's
		 * memory may be gone once its done has run, so nothing touches it after. */
		for (size_t i = 0; i < n; i++) {
			if (batch[i]->done) {
				batch[i]->done(batch[i], batch[i]->rc);
				batch[i] = NULL;
			}
		}
		pthread_mutex_lock(&w->mu);
		for (size_t i = 0; i < n; i++)
			if (batch[i])
				batch[i]->finished = 1;
		pthread_cond_broadcast(&w->committed);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int writer_start(struct server *srv, struct writer **ret)
{
	struct writer *w = calloc(1, sizeof(*w));
	char err[256];
	int rc;

	if (!w)
		return IT_ENOMEM;
	w->srv = srv;
	rc = store_open(srv->cfg.db, STORE_NO_CREATE, &w->db, err, sizeof(err));
	if (rc == IT_OK)
		rc = store_wal_watch(w->db);
	if (rc == IT_OK)
		rc = checkpointer_start(srv, &w->ckpt);
	if (rc) {
		store_close(w->db);
		free(w);
		return rc;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->committed, NULL);
	if (pthread_create(&w->thread, NULL, loop, w) != 0) {
		checkpointer_stop(w->ckpt);
		store_close(w->db);
		pthread_cond_destroy(&w->work);
		pthread_cond_destroy(&w->committed);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return IT_ENOMEM;
	}
	*ret = w;
	return IT_OK;
}

void writer_stop(struct writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	checkpointer_stop(w->ckpt);
	store_close(w->db);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->committed);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

/* Appends t to the queue; the caller holds w->mu. */
static int enqueue(struct writer *w, struct writer_ticket *t)
{
	if (w->stop)
		return IT_EBUSY;
	t->rc = IT_OK;
	t->finished = 0;
	t->next = NULL;
	if (w->tail)
		w->tail->next = t;
	else
		w->head = t;
	w->tail = t;
	pthread_cond_signal(&w->work);
	return IT_OK;
}

int writer_submit(struct writer *w, struct writer_ticket *t)
{
	int rc;

	if (!t->done)
		return IT_EINVAL;
	pthread_mutex_lock(&w->mu);
	rc = enqueue(w, t);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

int writer_run(struct writer *w, writer_job job, void *ctx)
{
	struct writer_ticket t = {job, ctx, NULL, IT_OK, 0, NULL};
	int rc;

	pthread_mutex_lock(&w->mu);
	rc = enqueue(w, &t);
	while (rc == IT_OK && !t.finished)
		pthread_cond_wait(&w->committed, &w->mu);
	pthread_mutex_unlock(&w->mu);
	return rc ? rc : t.rc;
}
