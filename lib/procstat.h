/*
 * procstat.h: the standard Prometheus process metrics of this process.
 *
 * The names and meanings are the ones every Prometheus client library exports
 * (process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds, ...),
 * so dashboards and alerts written for any exporter work unchanged. Values are read
 * at scrape time from what Linux offers this process without privileges and with
 * systemd's ProcSubset=pid: getrusage() for CPU, /proc/self/statm for memory,
 * /proc/self/fd for descriptors, getrlimit() for the descriptor limit. The start time
 * is the one the caller recorded at start (/proc/stat's boot time is not visible under
 * ProcSubset=pid), so it is the time `italic serve` began, within milliseconds of exec.
 *
 * Reading and rendering are separate so the text is tested with fixed numbers.
 */
#ifndef ITALIC_PROCSTAT_H
#define ITALIC_PROCSTAT_H

#include <stdint.h>

#include "buf.h"
#include "compiler.h"

struct procstat {
	double cpu_seconds;            /* user + system */
	uint64_t resident_bytes;
	uint64_t virtual_bytes;
	uint64_t open_fds;
	uint64_t max_fds;              /* soft RLIMIT_NOFILE; 0 when unlimited */
	double start_time_seconds;     /* Unix time */
};

/* Reads this process's numbers; start_ms is the Unix time in ms the caller recorded
 * at start. IT_EIO when /proc/self cannot be read; *ret written only on success. */
int procstat_read(int64_t start_ms, struct procstat *ret) WARN_UNUSED;

/* Appends the process_* families (HELP, TYPE, value) to out. IT_ETOOBIG when out is
 * full (what was appended stays). */
int procstat_render(const struct procstat *p, struct buf *out) WARN_UNUSED;

#endif
