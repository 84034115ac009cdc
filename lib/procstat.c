/* procstat.c: process metrics from getrusage, /proc/self and getrlimit (see procstat.h). */
#include "procstat.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include "status.h"

/* /proc/self/statm: sizes in pages, "size resident shared text lib data dt". */
static int read_statm(uint64_t *ret_virtual, uint64_t *ret_resident)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long long size, resident;
	long page = sysconf(_SC_PAGESIZE);
	int n;

	if (!f)
		return IT_EIO;
	n = fscanf(f, "%llu %llu", &size, &resident);
	fclose(f);
	if (n != 2 || page <= 0)
		return IT_EIO;
	*ret_virtual = (uint64_t)size * (uint64_t)page;
	*ret_resident = (uint64_t)resident * (uint64_t)page;
	return IT_OK;
}

/* Entries of /proc/self/fd, less the one opendir itself holds while counting. */
static int count_fds(uint64_t *ret)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	uint64_t n = 0;

	if (!d)
		return IT_EIO;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	*ret = n > 0 ? n - 1 : 0;
	return IT_OK;
}

int procstat_read(int64_t start_ms, struct procstat *ret)
{
	struct procstat p = {0};
	struct rusage ru;
	struct rlimit rl;
	int rc;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return IT_EIO;
	p.cpu_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	rc = read_statm(&p.virtual_bytes, &p.resident_bytes);
	if (rc == IT_OK)
		rc = count_fds(&p.open_fds);
	if (rc)
		return rc;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		p.max_fds = (uint64_t)rl.rlim_cur;
	p.start_time_seconds = (double)start_ms / 1000.0;
	*ret = p;
	return IT_OK;
}

int procstat_render(const struct procstat *p, struct buf *out)
{
	int rc = buf_printf(out,
		"# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
		"# TYPE process_cpu_seconds_total counter\n"
		"process_cpu_seconds_total %.6f\n"
		"# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
		"# TYPE process_resident_memory_bytes gauge\n"
		"process_resident_memory_bytes %llu\n"
		"# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
		"# TYPE process_virtual_memory_bytes gauge\n"
		"process_virtual_memory_bytes %llu\n"
		"# HELP process_open_fds Number of open file descriptors.\n"
		"# TYPE process_open_fds gauge\n"
		"process_open_fds %llu\n"
		"# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
		"# TYPE process_start_time_seconds gauge\n"
		"process_start_time_seconds %.3f\n",
		p->cpu_seconds, (unsigned long long)p->resident_bytes, (unsigned long long)p->virtual_bytes,
		(unsigned long long)p->open_fds, p->start_time_seconds);

	if (rc == IT_OK && p->max_fds)
		rc = buf_printf(out,
			"# HELP process_max_fds Maximum number of open file descriptors.\n"
			"# TYPE process_max_fds gauge\n"
			"process_max_fds %llu\n", (unsigned long long)p->max_fds);
	return rc;
}
