/* metrics.c: bounded metric registry and Prometheus rendering (see metrics.h). */
#include "metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

#define NAME_MAX_LEN 96

static const double bucket_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				       0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBUCKETS (sizeof(bucket_bounds) / sizeof(bucket_bounds[0]))

struct series {
	_Atomic(int) used;         /* published after name/labels/type are written */
	char name[NAME_MAX_LEN];
	char labels[METRICS_LABELS_MAX];
	enum metric_type type;     /* its family's, fixed at creation */
	_Atomic(uint64_t) value;   /* counter, or gauge as double bits */
	_Atomic(uint64_t) buckets[NBUCKETS + 1];
	_Atomic(uint64_t) sum_us;  /* histogram sum in microseconds */
};

struct family {
	char name[NAME_MAX_LEN];
	enum metric_type type;
	char help[160];
};

struct metrics {
	pthread_mutex_t mu;
	struct series *series;     /* open-addressed hash table, METRICS_MAX_SERIES slots */
	size_t nseries;
	struct family families[METRICS_MAX_FAMILIES];   /* append-only, under mu */
	size_t nfamilies;
	_Atomic(uint64_t) dropped;
	_Atomic(uint64_t) refused;
};

int metrics_new(struct metrics **ret)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return IT_ENOMEM;
	m->series = calloc(METRICS_MAX_SERIES, sizeof(*m->series));
	if (!m->series) {
		free(m);
		return IT_ENOMEM;
	}
	pthread_mutex_init(&m->mu, NULL);
	*ret = m;
	return IT_OK;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->mu);
	free(m->series);
	free(m);
}

/* Prometheus metric names: [a-zA-Z_:][a-zA-Z0-9_:]*. */
static int valid_name(const char *name)
{
	if (!name || !*name || (*name >= '0' && *name <= '9'))
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == ':'))
			return 0;
	return 1;
}

/* Index of the family called name, or -1. Caller holds m->mu. */
static int family_index(const struct metrics *m, const char *name)
{
	for (size_t i = 0; i < m->nfamilies; i++)
		if (strcmp(m->families[i].name, name) == 0)
			return (int)i;
	return -1;
}

int metrics_declare(struct metrics *m, const char *name, enum metric_type type, const char *help)
{
	int rc = IT_OK;

	if (!m || !valid_name(name) || type < 0 || type >= METRIC__MAX || !help)
		return IT_EINVAL;
	if (strlen(name) >= NAME_MAX_LEN || strlen(help) >= sizeof(m->families[0].help))
		return IT_ETOOBIG;
	pthread_mutex_lock(&m->mu);
	if (family_index(m, name) < 0) {
		if (m->nfamilies < METRICS_MAX_FAMILIES) {
			struct family *f = &m->families[m->nfamilies++];
			snprintf(f->name, sizeof(f->name), "%s", name);
			snprintf(f->help, sizeof(f->help), "%s", help);
			f->type = type;
		} else {
			rc = IT_ETOOBIG;
		}
	}
	pthread_mutex_unlock(&m->mu);
	return rc;
}

static uint64_t hash2(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (; *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ULL;
	return h;
}

/* The published series (name, labels), or NULL. Lock-free. */
static struct series *lookup(struct metrics *m, const char *name, const char *labels)
{
	size_t i = hash2(name, labels) % METRICS_MAX_SERIES;

	for (size_t n = 0; n < METRICS_MAX_SERIES; n++, i = (i + 1) % METRICS_MAX_SERIES) {
		struct series *s = &m->series[i];
		if (!atomic_load_explicit(&s->used, memory_order_acquire))
			return NULL;
		if (strcmp(s->name, name) == 0 && strcmp(s->labels, labels) == 0)
			return s;
	}
	return NULL;
}

/*
 * The series to record into with an operation for type want, created on first use
 * when its family is declared with that type. NULL on refusal, with *rc saying why;
 * refusals and drops are counted here, so callers need not.
 */
static struct series *series_for(struct metrics *m, const char *name, const char *labels,
				 enum metric_type want, int *rc)
{
	struct series *s;
	size_t i;
	int f;

	if (!m || !name) {
		*rc = IT_EINVAL;
		return NULL;
	}
	if (!labels)
		labels = "";
	s = lookup(m, name, labels);
	if (s) {
		*rc = s->type == want ? IT_OK : IT_EINVAL;
		if (*rc)
			atomic_fetch_add(&m->refused, 1);
		return *rc ? NULL : s;
	}
	pthread_mutex_lock(&m->mu);
	f = family_index(m, name);
	if (f < 0 || m->families[f].type != want) {
		pthread_mutex_unlock(&m->mu);
		atomic_fetch_add(&m->refused, 1);
		*rc = f < 0 ? IT_ENOTFOUND : IT_EINVAL;
		return NULL;
	}
	/* Re-probe under the lock: another thread may have created it. */
	i = hash2(name, labels) % METRICS_MAX_SERIES;
	for (size_t n = 0; n < METRICS_MAX_SERIES; n++, i = (i + 1) % METRICS_MAX_SERIES) {
		s = &m->series[i];
		if (!atomic_load_explicit(&s->used, memory_order_acquire)) {
			if (m->nseries >= METRICS_MAX_SERIES * 3 / 4 || strlen(labels) >= METRICS_LABELS_MAX)
				break;
			snprintf(s->name, sizeof(s->name), "%s", name);
			snprintf(s->labels, sizeof(s->labels), "%s", labels);
			s->type = want;
			m->nseries++;
			atomic_store_explicit(&s->used, 1, memory_order_release);
			pthread_mutex_unlock(&m->mu);
			*rc = IT_OK;
			return s;
		}
		if (strcmp(s->name, name) == 0 && strcmp(s->labels, labels) == 0) {
			pthread_mutex_unlock(&m->mu);
			*rc = IT_OK;
			return s;
		}
	}
	pthread_mutex_unlock(&m->mu);
	atomic_fetch_add(&m->dropped, 1);
	*rc = IT_ETOOBIG;
	return NULL;
}

int metrics_add(struct metrics *m, const char *name, const char *labels, uint64_t by)
{
	int rc;
	struct series *s = series_for(m, name, labels, METRIC_COUNTER, &rc);

	if (s)
		atomic_fetch_add_explicit(&s->value, by, memory_order_relaxed);
	return rc;
}

int metrics_set(struct metrics *m, const char *name, const char *labels, double value)
{
	int rc;
	struct series *s = series_for(m, name, labels, METRIC_GAUGE, &rc);
	uint64_t bits;

	if (!s)
		return rc;
	memcpy(&bits, &value, sizeof(bits));
	atomic_store_explicit(&s->value, bits, memory_order_relaxed);
	return IT_OK;
}

int metrics_observe(struct metrics *m, const char *name, const char *labels, double seconds)
{
	int rc;
	struct series *s = series_for(m, name, labels, METRIC_HISTOGRAM, &rc);
	size_t b;

	if (!s)
		return rc;
	for (b = 0; b < NBUCKETS; b++)
		if (seconds <= bucket_bounds[b])
			break;
	atomic_fetch_add_explicit(&s->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->value, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_us, (uint64_t)(seconds * 1e6), memory_order_relaxed);
	return IT_OK;
}

static int render_series(struct buf *out, const struct series *s, enum metric_type type)
{
	const char *sep = s->labels[0] ? "," : "";
	int rc = IT_OK;

	if (type == METRIC_HISTOGRAM) {
		uint64_t cum = 0;
		for (size_t b = 0; b <= NBUCKETS && !rc; b++) {
			char le[32];
			cum += atomic_load(&s->buckets[b]);
			if (b < NBUCKETS)
				snprintf(le, sizeof(le), "%g", bucket_bounds[b]);
			else
				snprintf(le, sizeof(le), "+Inf");
			rc = buf_printf(out, "%s_bucket{%s%sle=\"%s\"} %llu\n", s->name, s->labels, sep, le,
					(unsigned long long)cum);
		}
		if (!rc)
			rc = buf_printf(out, "%s_sum%s%s%s %.6f\n%s_count%s%s%s %llu\n", s->name,
					s->labels[0] ? "{" : "", s->labels, s->labels[0] ? "}" : "",
					(double)atomic_load(&s->sum_us) / 1e6, s->name,
					s->labels[0] ? "{" : "", s->labels, s->labels[0] ? "}" : "",
					(unsigned long long)cum);
		return rc;
	}
	if (type == METRIC_GAUGE) {
		uint64_t bits = atomic_load(&s->value);
		double v;
		memcpy(&v, &bits, sizeof(v));
		return buf_printf(out, "%s%s%s%s %.17g\n", s->name, s->labels[0] ? "{" : "", s->labels,
				  s->labels[0] ? "}" : "", v);
	}
	return buf_printf(out, "%s%s%s%s %llu\n", s->name, s->labels[0] ? "{" : "", s->labels,
			  s->labels[0] ? "}" : "", (unsigned long long)atomic_load(&s->value));
}

int metrics_render(struct metrics *m, struct buf *out)
{
	static const char *const tnames[] = {"counter", "gauge", "histogram"};
	int rc = IT_OK;

	pthread_mutex_lock(&m->mu);
	/* Declared families first, in declaration order, each with all its series. */
	for (size_t f = 0; f < m->nfamilies && !rc; f++) {
		const struct family *fam = &m->families[f];
		int any = 0;
		for (size_t i = 0; i < METRICS_MAX_SERIES && !rc; i++) {
			const struct series *s = &m->series[i];
			if (!atomic_load(&s->used) || strcmp(s->name, fam->name) != 0)
				continue;
			if (!any) {
				rc = buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", fam->name, fam->help,
						fam->name, tnames[fam->type]);
				any = 1;
			}
			if (!rc)
				rc = render_series(out, s, fam->type);
		}
	}
	pthread_mutex_unlock(&m->mu);
	if (!rc)
		rc = buf_printf(out,
				"# HELP italic_metrics_dropped_series_total Series not recorded because the registry was full.\n"
				"# TYPE italic_metrics_dropped_series_total counter\n"
				"italic_metrics_dropped_series_total %llu\n"
				"# HELP italic_metrics_refused_total Recordings refused: undeclared family, or an operation of another type.\n"
				"# TYPE italic_metrics_refused_total counter\n"
				"italic_metrics_refused_total %llu\n",
				(unsigned long long)atomic_load(&m->dropped),
				(unsigned long long)atomic_load(&m->refused));
	return rc;
}

double metrics_value(struct metrics *m, const char *name, const char *labels)
{
	struct series *s = m && name ? lookup(m, name, labels ? labels : "") : NULL;
	uint64_t bits;
	double v;

	if (!s)
		return 0;
	bits = atomic_load(&s->value);
	if (s->type == METRIC_GAUGE) {
		memcpy(&v, &bits, sizeof(v));
		return v;
	}
	return (double)bits;
}
