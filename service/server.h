/*
 * server.h: the running service's shared context, handed to every route and thread.
 *
 * One struct server lives in cmd_serve.c's frame for the life of `italic serve`. Its
 * members are set before the HTTP daemon starts and are read-only afterwards, except
 * where a member is itself thread-safe (pool, metrics) or documented otherwise.
 */
#ifndef ITALIC_SERVER_H
#define ITALIC_SERVER_H

#include <stdatomic.h>
#include <stdint.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "store.h"

struct ingest;
struct writer;
struct ratelimit;
struct evaluator;
struct deliverers;
struct aws_ctx;
struct alerts;

struct server {
	struct config cfg;
	struct logger log;
	const struct clock *clock;     /* now, for every thread and route (main.c makes it) */
	struct store_pool *pool;       /* connections for request handlers */
	struct metrics *metrics;
	int64_t started_ms;
	int schema_version;
	_Atomic(int) ready;            /* database open and migrated */
	_Atomic(int) stopping;         /* SIGTERM received: finish in-flight work */
	/* Per-area state, each thread-safe; NULL when the area is not running. */
	struct writer *writer;         /* the single writer of pipeline tables (writer.h) */
	struct ingest *ingest;         /* event acceptance and backlog (ingest.h) */
	struct ratelimit *ratelimit;   /* per-token ingest rate (ratelimit.h) */
	struct evaluator *evaluator;   /* evaluation workers (evaluator.h) */
	struct deliverers *deliverers; /* outbox senders (deliverer.h); started before the
					  evaluator, which wakes them, and stopped after it */
	struct aws_ctx *aws;           /* signed AWS clients; NULL when AWS is not in use */
	struct alerts *alerts;         /* alert destinations (deliver_alerts.h); set before the
					* deliverers and HTTP start */
};

#endif
