/* test_log: one JSON object per line, levels filter, hostile text stays inside its field. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "tap.h"

static char *slurp(int fd)
{
	static char buf[8192];
	ssize_t n;
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

int main(void)
{
	char path[] = "/tmp/italic-test-log-XXXXXX";
	int fd = mkstemp(path);
	struct logger lg = {LOG_INFO, fd};
	enum log_level lv = LOG_ERROR;
	char *text, *line, *save = NULL;
	int lines = 0;

	CHECK(log_level_parse("loud", &lv) == IT_EINVAL && lv == LOG_ERROR, "bad level rejected, untouched");
	CHECK(log_level_parse("warn", &lv) == IT_OK && lv == LOG_WARN, "warn");
	CHECK(!log_enabled(&lg, LOG_DEBUG) && log_enabled(&lg, LOG_ERROR), "filter");
	log_msg(&lg, LOG_DEBUG, NULL, "hidden %d", 1);
	log_msg(&lg, LOG_INFO, "abcd", "hello %s", "world");
	log_kv(&lg, LOG_WARN, NULL, "kv", "evil", "a\"b\n{\"level\":\"error\"}", "n", "1", NULL);
	text = slurp(fd);
	CHECK(strstr(text, "hidden") == NULL, "debug filtered out");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t e;
		json_t *o = json_loads(line, 0, &e);
		lines++;
		CHECK(o != NULL, "line %d is JSON: %s", lines, line);
		CHECK(json_string_value(json_object_get(o, "ts")) && json_string_value(json_object_get(o, "level")),
		      "ts and level");
		if (lines == 1) {
			CHECK_STR(json_string_value(json_object_get(o, "msg")), "hello world", "formatted msg");
			CHECK_STR(json_string_value(json_object_get(o, "request_id")), "abcd", "request id");
		}
		if (lines == 2) {
			CHECK_STR(json_string_value(json_object_get(o, "level")), "warn", "level not forged");
			CHECK_STR(json_string_value(json_object_get(o, "evil")), "a\"b\n{\"level\":\"error\"}",
				  "hostile value kept inside its field");
		}
		json_decref(o);
	}
	CHECK(lines == 2, "two lines (%d)", lines);
	close(fd);
	unlink(path);
	return tap_done();
}
