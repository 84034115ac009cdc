/*
 * store_retention.h: the retention purge (ITALIC_RETENTION_DAYS, service/retention.c).
 *
 * What goes: history rows (evaluations) older than the retention period, inbox rows
 * that were evaluated more than RETENTION_INBOX_KEEP_MS ago (they are kept that long
 * for deduplication of EventBridge's retries, which last 24 hours), and finished
 * deliveries (done, or failed for good) older than the retention period — the outbox
 * would otherwise keep a row per verdict and destination forever. What never goes:
 * current verdicts (instances) and pending deliveries, however old.
 *
 * Each part deletes at most a batch in its own short write transaction, so the
 * writer (service/writer.h) waits for one batch at most, never for a whole day of
 * history. What a batch costs grows with the database: every history row deleted is
 * one entry in each of six indexes, mostly on pages no cache holds; at 10 million
 * evaluations 1,000 rows took 230 ms, and every acknowledgement waited for it
 * (bench/RESULTS.md). So the caller sizes batches by their time instead
 * (store_retention_next_batch), starting small: a step's time includes its commit's
 * fsync, which the writer waits for too, so the target is a few fsyncs' worth.
 */
#ifndef ITALIC_STORE_RETENTION_H
#define ITALIC_STORE_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "store.h"
#include "store_query.h"

#define RETENTION_INBOX_KEEP_MS (2LL * 24 * 3600 * 1000)

struct retention_counts {
	int64_t evaluations;
	int64_t inbox;
	int64_t deliveries;
};

/*
 * One retention step, each part in its own transaction: at most batch evaluations with
 * evaluated_at < now_ms - retention_days, at most batch done inbox rows with done_at <
 * now_ms - RETENTION_INBOX_KEEP_MS, at most batch finished deliveries since before
 * now_ms - retention_days. *ret (the counts deleted) is written on success; a caller
 * repeats until all are below batch. Errors: IT_EINVAL (batch < 1, retention_days
 * outside 1..36500), IT_EBUSY / IT_EDB / IT_EFULL from SQLite (the failing part is
 * rolled back; earlier parts stay deleted).
 */
int store_retention_purge(struct store *s, int64_t now_ms, uint64_t retention_days, int batch,
			  struct retention_counts *ret) WARN_UNUSED;

/*
 * The batch for the next step, given that the last step (all three parts) over batch
 * rows took elapsed_ms: halved when it took longer than RETENTION_STEP_SLOW_MS, doubled
 * when it took less than RETENTION_STEP_FAST_MS, always within
 * [RETENTION_BATCH_MIN, max_batch]. Pure; the caller measures the time.
 */
#define RETENTION_BATCH_MIN     20
#define RETENTION_STEP_FAST_MS  10
#define RETENTION_STEP_SLOW_MS  25
int store_retention_next_batch(int batch, int64_t elapsed_ms, int max_batch);

/* The purge's statements, for the plan test (each must search an index). */
const struct query_statement *store_retention_statements(size_t *ret_n);

#endif
