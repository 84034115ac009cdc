/* test_metrics: counters, gauges, histograms, rendering, bounded series. */
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
	buf_finish(&out);

	for (int i = 0; i < METRICS_MAX_SERIES * 2; i++) {
		snprintf(labels, sizeof(labels), "i=\"%d\"", i);
		metrics_add(m, "t_total", labels, 1);
	}
	buf_init(&out, 8 << 20);
	CHECK(metrics_render(m, &out) == IT_OK, "render after flood");
	CHECK(strstr(buf_str(&out), "italic_metrics_dropped_series_total 0\n") == NULL, "drops counted");
	CHECK(metrics_value(m, "t_total", "k=\"a\"") == 5, "old series intact");
	buf_finish(&out);
	metrics_free(m);
	metrics_free(NULL);
	return tap_done();
}
