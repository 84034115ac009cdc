/* ingest.c: event acceptance through the single writer (see ingest.h). */
#include "ingest.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "status.h"
#include "writer.h"

struct ingest {
	struct server *srv;
	struct writer *writer;
	pthread_mutex_t mu;
	pthread_cond_t arrived;
	uint64_t generation;
	int stop;
	_Atomic(int64_t) backlog;
};

struct insert_job {
	const struct inbox_new *ev;
	enum inbox_result result;
};

static int insert(struct store *db, void *ctx)
{
	struct insert_job *j = ctx;
	return store_inbox_insert_one(db, j->ev, &j->result);
}

int ingest_start(struct server *srv, struct writer *w, struct ingest **ret)
{
	struct ingest *in = calloc(1, sizeof(*in));
	struct store *db;
	int64_t count = 0, oldest = 0;
	int rc;

	if (!in)
		return IT_ENOMEM;
	in->srv = srv;
	in->writer = w;
	db = store_pool_get(srv->pool);
	rc = store_inbox_pending(db, &count, &oldest);
	store_pool_put(srv->pool, db);
	if (rc) {
		free(in);
		return rc;
	}
	atomic_store(&in->backlog, count);
	pthread_mutex_init(&in->mu, NULL);
	pthread_cond_init(&in->arrived, NULL);
	*ret = in;
	return IT_OK;
}

void ingest_stop(struct ingest *in)
{
	if (!in)
		return;
	pthread_mutex_lock(&in->mu);
	in->stop = 1;
	pthread_cond_broadcast(&in->arrived);
	pthread_mutex_unlock(&in->mu);
	pthread_cond_destroy(&in->arrived);
	pthread_mutex_destroy(&in->mu);
	free(in);
}

int ingest_submit(struct ingest *in, const struct inbox_new *ev, enum inbox_result *ret)
{
	struct insert_job j = {ev, INBOX_ACCEPTED};
	int rc = writer_run(in->writer, insert, &j);

	if (rc)
		return rc;
	if (j.result == INBOX_ACCEPTED) {
		atomic_fetch_add(&in->backlog, 1);
		pthread_mutex_lock(&in->mu);
		in->generation++;
		pthread_cond_broadcast(&in->arrived);
		pthread_mutex_unlock(&in->mu);
	}
	*ret = j.result;
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
