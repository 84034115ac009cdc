/*
 * retention.h: the background purge of old history.
 *
 * One thread, its own database connection. Every IT_RETENTION_INTERVAL_S (and once
 * at start) it deletes evaluations older than ITALIC_RETENTION_DAYS and inbox rows
 * done more than two days ago (their event ids matter only for EventBridge's 24 h
 * redelivery window), IT_RETENTION_BATCH rows per short transaction with a pause
 * between, so the writers of the pipeline never wait long for the lock. Current
 * verdicts (instances) are never purged.
 */
#ifndef ITALIC_RETENTION_H
#define ITALIC_RETENTION_H

#include "compiler.h"
#include "server.h"

struct retention;

/* Starts the thread; srv must outlive retention_stop. *ret owned by the caller. */
int retention_start(struct server *srv, struct retention **ret) WARN_UNUSED;
/* Wakes and joins the thread (a batch in progress finishes first). NULL is a no-op. */
void retention_stop(struct retention *r);

#endif
