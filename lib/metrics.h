/*
 * metrics.h: counters, gauges and histograms rendered as Prometheus text.
 *
 * A family is declared once (name, type, help); series are created on first use from
 * a label string the caller formats (e.g. `route="/v1/events",status="202"`; label
 * values must come from closed sets, never from raw input). Increments are lock-free
 * atomics once a series exists; creating a series takes a mutex. The number of series
 * is bounded (METRICS_MAX_SERIES): past it, new series are dropped and counted in
 * italic_metrics_dropped_series_total, so hostile input cannot grow memory.
 *
 * Only declared families are recorded, and only with the operation of their type
 * (add: counter, set: gauge, observe: histogram). Anything else is refused with a
 * status and counted in italic_metrics_refused_total: every family on /metrics then
 * has its # HELP and # TYPE lines (promtool checks that), and a forgotten declaration
 * shows up as a non-zero counter instead of an untyped series.
 */
#ifndef ITALIC_METRICS_H
#define ITALIC_METRICS_H

#include <stdint.h>

#include "buf.h"
#include "compiler.h"

#define METRICS_MAX_SERIES 2048
#define METRICS_MAX_FAMILIES 128
#define METRICS_LABELS_MAX 192

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM, METRIC__MAX };

struct metrics;

int metrics_new(struct metrics **ret) WARN_UNUSED;
void metrics_free(struct metrics *m);

/* Declares a family; idempotent for the same name (the first declaration stands).
 * IT_ETOOBIG past METRICS_MAX_FAMILIES or for a name or help text over its bound,
 * IT_EINVAL for a name that is not a Prometheus metric name. */
int metrics_declare(struct metrics *m, const char *name, enum metric_type type, const char *help);

/*
 * Recording. labels may be NULL (no labels). Each returns IT_OK, IT_ENOTFOUND for a
 * name never declared, IT_EINVAL for the operation of another type (or m NULL), and
 * IT_ETOOBIG when the series cannot be created (registry full, labels too long).
 * Nothing is recorded on failure. Callers may ignore the status: refusals are
 * counted (above), and a metric never fails the work it measures.
 */
int metrics_add(struct metrics *m, const char *name, const char *labels, uint64_t by);
int metrics_set(struct metrics *m, const char *name, const char *labels, double value);
/* Histogram observation in seconds (buckets 0.5 ms .. 10 s). */
int metrics_observe(struct metrics *m, const char *name, const char *labels, double seconds);

/* Appends the exposition text of every family to out. */
int metrics_render(struct metrics *m, struct buf *out) WARN_UNUSED;

/* Current value of a counter/gauge series (tests, gauges computed elsewhere); 0 if absent. */
double metrics_value(struct metrics *m, const char *name, const char *labels);

#endif
