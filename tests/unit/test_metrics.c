/* test_metrics: counters, gauges, histograms, rendering, bounded series, and the
 * refusal of families that were never declared or are used with another type. */
#include "metrics.h"
#include "status.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

int main(void)
{
	struct metrics *m;
	struct buf out;
	char labels[64];

	CHECK(metrics_new(&m) == IT_OK, "new");
	metrics_declare(m, "t_total", METRIC_COUNTER, "a counter");
	metrics_declare(m, "t_gauge", METRIC_GAUGE, "a gauge");
	metrics_declare(m, "t_seconds", METRIC_HISTOGRAM, "a histogram");
	metrics_add(m, "t_total", "k=\"a\"", 2);
	metrics_add(m, "t_total", "k=\"a\"", 3);
	metrics_add(m, "t_total", "k=\"b\"", 1);
	metrics_set(m, "t_gauge", NULL, 2.5);
	metrics_observe(m, "t_seconds", "r=\"x\"", 0.003);
	metrics_observe(m, "t_seconds", "r=\"x\"", 20);
	CHECK(metrics_value(m, "t_total", "k=\"a\"") == 5, "counter sum");
	CHECK(metrics_value(m, "t_gauge", NULL) == 2.5, "gauge");
	CHECK(metrics_value(m, "t_total", "k=\"zzz\"") == 0, "absent series");

	buf_init(&out, 1 << 20);
	CHECK(metrics_render(m, &out) == IT_OK, "render");
	CHECK(strstr(buf_str(&out), "# TYPE t_total counter\n") != NULL, "type line");
	CHECK(strstr(buf_str(&out), "t_total{k=\"a\"} 5\n") != NULL, "counter line");
	CHECK(strstr(buf_str(&out), "t_gauge 2.5\n") != NULL, "gauge line");
	CHECK(strstr(buf_str(&out), "t_seconds_bucket{r=\"x\",le=\"0.0025\"} 0\n") != NULL, "bucket below");
	CHECK(strstr(buf_str(&out), "t_seconds_bucket{r=\"x\",le=\"0.005\"} 1\n") != NULL, "bucket at");
	CHECK(strstr(buf_str(&out), "t_seconds_bucket{r=\"x\",le=\"+Inf\"} 2\n") != NULL, "+Inf");
	CHECK(strstr(buf_str(&out), "t_seconds_count{r=\"x\"} 2\n") != NULL, "count");
	CHECK(strstr(buf_str(&out), "italic_metrics_refused_total 0\n") != NULL, "nothing refused yet");
	buf_finish(&out);

	/* Undeclared names and operations of another type are refused, not rendered. */
	CHECK(metrics_add(m, "t_undeclared_total", "k=\"a\"", 1) == IT_ENOTFOUND, "undeclared add refused");
	CHECK(metrics_set(m, "t_undeclared", NULL, 1) == IT_ENOTFOUND, "undeclared set refused");
	CHECK(metrics_observe(m, "t_undeclared_seconds", NULL, 1) == IT_ENOTFOUND, "undeclared observe refused");
	CHECK(metrics_add(m, "t_gauge", NULL, 1) == IT_EINVAL, "add on a gauge refused");
	CHECK(metrics_set(m, "t_total", "k=\"a\"", 1) == IT_EINVAL, "set on an existing counter series refused");
	CHECK(metrics_set(m, "t_total", "k=\"new\"", 1) == IT_EINVAL, "set on a counter family refused");
	CHECK(metrics_observe(m, "t_total", NULL, 1) == IT_EINVAL, "observe on a counter refused");
	CHECK(metrics_add(NULL, "t_total", NULL, 1) == IT_EINVAL, "no registry");
	CHECK(metrics_value(m, "t_total", "k=\"a\"") == 5, "refusals change nothing");
	CHECK(metrics_value(m, "t_gauge", NULL) == 2.5, "gauge unchanged");
	CHECK(metrics_add(m, "t_total", "k=\"a\"", 1) == IT_OK, "declared add ok");
	buf_init(&out, 1 << 20);
	CHECK(metrics_render(m, &out) == IT_OK, "render after refusals");
	CHECK(strstr(buf_str(&out), "t_undeclared") == NULL, "undeclared family not rendered");
	CHECK(strstr(buf_str(&out), "t_total{k=\"new\"}") == NULL, "refused series not created");
	CHECK(strstr(buf_str(&out), "italic_metrics_refused_total 7\n") != NULL, "refusals counted");
	buf_finish(&out);

	/* Declarations: names Prometheus accepts, bounded, idempotent. */
	CHECK(metrics_declare(m, "9bad", METRIC_COUNTER, "x") == IT_EINVAL, "name starting with a digit");
	CHECK(metrics_declare(m, "bad-name", METRIC_COUNTER, "x") == IT_EINVAL, "name with a dash");
	CHECK(metrics_declare(m, "", METRIC_COUNTER, "x") == IT_EINVAL, "empty name");
	CHECK(metrics_declare(m, "t_ok", METRIC__MAX, "x") == IT_EINVAL, "no such type");
	CHECK(metrics_declare(m, "t_total", METRIC_GAUGE, "again") == IT_OK, "redeclaring is idempotent");
	CHECK(metrics_add(m, "t_total", "k=\"a\"", 1) == IT_OK, "the first declaration stands");
	CHECK(metrics_value(m, "t_total", "k=\"a\"") == 7, "counter still counts");

	for (int i = 0; i < METRICS_MAX_SERIES * 2; i++) {
		snprintf(labels, sizeof(labels), "i=\"%d\"", i);
		metrics_add(m, "t_total", labels, 1);
	}
	buf_init(&out, 8 << 20);
	CHECK(metrics_render(m, &out) == IT_OK, "render after flood");
	CHECK(strstr(buf_str(&out), "italic_metrics_dropped_series_total 0\n") == NULL, "drops counted");
	CHECK(metrics_value(m, "t_total", "k=\"a\"") == 7, "old series intact");
	CHECK(metrics_add(m, "t_total", "i=\"overflow\"", 1) == IT_ETOOBIG, "full registry says so");
	buf_finish(&out);
	metrics_free(m);
	metrics_free(NULL);
	return tap_done();
}
