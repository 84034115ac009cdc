/* ingest.c: group-commit writer thread (see ingest.h). */
#include "ingest.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "status.h"

struct pending {
	const struct inbox_new *ev;
	enum inbox_result result;
	int rc;
	int done;
	struct pending *next;
};

struct ingest {
	struct server *srv;
	struct store *db;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;       /* writer waits for events */
	pthread_cond_t committed;  /* senders wait for their batch */
	pthread_cond_t arrived;    /* evaluator waits for new events */
	struct pending *head, *tail;
	int stop;
	uint64_t generation;
	_Atomic(int64_t) backlog;
};

static void *writer(void *arg)
{
	struct ingest *in = arg;
	struct inbox_new items[INGEST_BATCH];
	enum inbox_result results[INGEST_BATCH];
	struct pending *batch[INGEST_BATCH];

	pthread_mutex_lock(&in->mu);
	for (;;) {
		size_t n = 0;
		int rc, accepted = 0;

		while (!in->head && !in->stop)
			pthread_cond_wait(&in->work, &in->mu);
		if (!in->head && in->stop)
			break;
		while (in->head && n < INGEST_BATCH) {
			batch[n] = in->head;
			items[n] = *in->head->ev;
			in->head = in->head->next;
			n++;
		}
		if (!in->head)
			in->tail = NULL;
		pthread_mutex_unlock(&in->mu);

		rc = store_inbox_insert(in->db, items, n, results);

		pthread_mutex_lock(&in->mu);
		for (size_t i = 0; i < n; i++) {
			batch[i]->rc = rc;
			if (rc == IT_OK) {
				batch[i]->result = results[i];
				accepted += results[i] == INBOX_ACCEPTED;
			}
			batch[i]->done = 1;
		}
		atomic_fetch_add(&in->backlog, accepted);
		if (accepted) {
			in->generation++;
			pthread_cond_broadcast(&in->arrived);
		}
		metrics_add(in->srv->metrics, "italic_ingest_commits_total", NULL, 1);
		metrics_add(in->srv->metrics, "italic_ingest_committed_events_total", NULL, n);
		pthread_cond_broadcast(&in->committed);
	}
	pthread_mutex_unlock(&in->mu);
	return NULL;
}

int ingest_start(struct server *srv, struct ingest **ret)
{
	struct ingest *in = calloc(1, sizeof(*in));
	char err[256];
	int64_t count = 0, oldest = 0;
	int rc;

	if (!in)
		return IT_ENOMEM;
	in->srv = srv;
	rc = store_open(srv->cfg.db, STORE_NO_CREATE, &in->db, err, sizeof(err));
	if (rc) {
		free(in);
		return rc;
	}
	rc = store_inbox_pending(in->db, &count, &oldest);
	if (rc) {
		store_close(in->db);
		free(in);
		return rc;
	}
	atomic_store(&in->backlog, count);
	pthread_mutex_init(&in->mu, NULL);
	pthread_cond_init(&in->work, NULL);
	pthread_cond_init(&in->committed, NULL);
	pthread_cond_init(&in->arrived, NULL);
	if (pthread_create(&in->thread, NULL, writer, in) != 0) {
		store_close(in->db);
		free(in);
		return IT_ENOMEM;
	}
	*ret = in;
	return IT_OK;
}

void ingest_stop(struct ingest *in)
{
	if (!in)
		return;
	pthread_mutex_lock(&in->mu);
	in->stop = 1;
	pthread_cond_broadcast(&in->work);
	pthread_cond_broadcast(&in->arrived);
	pthread_mutex_unlock(&in->mu);
	pthread_join(in->thread, NULL);
	store_close(in->db);
	pthread_cond_destroy(&in->work);
	pthread_cond_destroy(&in->committed);
	pthread_cond_destroy(&in->arrived);
	pthread_mutex_destroy(&in->mu);
	free(in);
}

int ingest_submit(struct ingest *in, const struct inbox_new *ev, enum inbox_result *ret)
{
	struct pending p = {ev, INBOX_ACCEPTED, IT_OK, 0, NULL};

	pthread_mutex_lock(&in->mu);
	if (in->stop) {
		pthread_mutex_unlock(&in->mu);
		return IT_EBUSY;
	}
	if (in->tail)
		in->tail->next = &p;
	else
		in->head = &p;
	in->tail = &p;
	pthread_cond_signal(&in->work);
	while (!p.done)
		pthread_cond_wait(&in->committed, &in->mu);
	pthread_mutex_unlock(&in->mu);
	if (p.rc)
		return p.rc;
	*ret = p.result;
	return IT_OK;
}

int64_t ingest_backlog(struct ingest *in)
{
	return atomic_load(&in->backlog);
}

void ingest_consumed(struct ingest *in, int64_t n)
{
	if (atomic_fetch_sub(&in->backlog, n) - n < 0)
		atomic_store(&in->backlog, 0);
}

uint64_t ingest_generation(struct ingest *in)
{
	uint64_t g;

	pthread_mutex_lock(&in->mu);
	g = in->generation;
	pthread_mutex_unlock(&in->mu);
	return g;
}

void ingest_wait_new(struct ingest *in, uint64_t gen, int timeout_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&in->mu);
	while (in->generation == gen && !in->stop) {
		if (pthread_cond_timedwait(&in->arrived, &in->mu, &ts) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&in->mu);
}
