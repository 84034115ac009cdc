/* test_procstat: the process_* text for fixed numbers, and real readings that move
 * the way the process does (a new descriptor, CPU spent). */
#include "procstat.h"
#include "status.h"
#include "tap.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void test_render(void)
{
	struct procstat p = {.cpu_seconds = 1.5, .resident_bytes = 4096, .virtual_bytes = 8192,
			     .open_fds = 7, .max_fds = 1024, .start_time_seconds = 1767225600.25};
	struct buf out;

	buf_init(&out, 1 << 16);
	CHECK(procstat_render(&p, &out) == IT_OK, "render");
	CHECK(strstr(buf_str(&out), "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.500000\n") != NULL,
	      "cpu: %s", buf_str(&out));
	CHECK(strstr(buf_str(&out), "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 4096\n") != NULL,
	      "rss");
	CHECK(strstr(buf_str(&out), "process_virtual_memory_bytes 8192\n") != NULL, "vsize");
	CHECK(strstr(buf_str(&out), "# TYPE process_open_fds gauge\nprocess_open_fds 7\n") != NULL, "fds");
	CHECK(strstr(buf_str(&out), "process_max_fds 1024\n") != NULL, "max fds");
	CHECK(strstr(buf_str(&out), "process_start_time_seconds 1767225600.250\n") != NULL, "start time");
	buf_finish(&out);

	p.max_fds = 0;   /* unlimited: the family is left out rather than reporting 0 */
	buf_init(&out, 1 << 16);
	CHECK(procstat_render(&p, &out) == IT_OK, "render unlimited");
	CHECK(strstr(buf_str(&out), "process_max_fds") == NULL, "no max_fds when unlimited");
	buf_finish(&out);

	buf_init(&out, 64);
	CHECK(procstat_render(&p, &out) == IT_ETOOBIG, "a full buffer says so");
	buf_finish(&out);
}

static void test_read(void)
{
	struct procstat a, b;
	volatile double sink = 0;
	int fd;

	CHECK(procstat_read(1767225600000LL, &a) == IT_OK, "read");
	CHECK(a.resident_bytes > 0 && a.virtual_bytes >= a.resident_bytes, "memory %llu/%llu",
	      (unsigned long long)a.resident_bytes, (unsigned long long)a.virtual_bytes);
	CHECK(a.open_fds >= 3, "stdin, stdout, stderr at least: %llu", (unsigned long long)a.open_fds);
	CHECK(a.start_time_seconds == 1767225600.0, "start time from the caller");

	fd = open("/dev/null", O_RDONLY);
	CHECK(fd >= 0, "open");
	/* Spend measurable CPU: getrusage has microsecond resolution on Linux. */
	for (long i = 0; i < 200000000L; i++) {
		sink += (double)i * 0.5;
		if ((i & 0xfffff) == 0 && procstat_read(0, &b) == IT_OK && b.cpu_seconds > a.cpu_seconds)
			break;
	}
	CHECK(procstat_read(0, &b) == IT_OK, "read again");
	CHECK(b.open_fds == a.open_fds + 1, "one more descriptor: %llu -> %llu",
	      (unsigned long long)a.open_fds, (unsigned long long)b.open_fds);
	CHECK(b.cpu_seconds > a.cpu_seconds, "CPU time grows: %f -> %f", a.cpu_seconds, b.cpu_seconds);
	if (fd >= 0)
		close(fd);
	CHECK(procstat_read(0, &b) == IT_OK && b.open_fds == a.open_fds, "closed again");
	(void)sink;
}

int main(void)
{
	test_render();
	test_read();
	return tap_done();
}
