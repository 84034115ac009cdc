/* test_log: one JSON object per line with ECS field names, levels filter, numbers as
 * numbers, custom keys under italic., hostile text stays inside its field. */
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
	static char buf[16384];
	ssize_t n;
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void test_keys(void)
{
	char out[64];

	CHECK_STR(log_field_key("cloud.region", out, sizeof(out)), "cloud.region", "ECS field kept");
	CHECK_STR(log_field_key("italic.count", out, sizeof(out)), "italic.count", "own namespace kept");
	CHECK_STR(log_field_key("count", out, sizeof(out)), "italic.count", "other key namespaced");
	CHECK_STR(log_field_key("message", out, sizeof(out)), "italic.message", "base field not overwritable");
	CHECK_STR(log_field_key("@timestamp", out, sizeof(out)), "italic.@timestamp", "timestamp not overwritable");
	CHECK_STR(log_field_key("http.request.id", out, sizeof(out)), "italic.http.request.id",
		  "request id set by the logger only");
}

int main(void)
{
	char path[] = "/tmp/italic-test-log-XXXXXX";
	int fd = mkstemp(path);
	struct logger lg = {LOG_INFO, fd};
	enum log_level lv = LOG_ERROR;
	char *text, *line, *save = NULL;
	int lines = 0;

	test_keys();
	CHECK(log_level_parse("loud", &lv) == IT_EINVAL && lv == LOG_ERROR, "bad level rejected, untouched");
	CHECK(log_level_parse("warn", &lv) == IT_OK && lv == LOG_WARN, "warn");
	CHECK(!log_enabled(&lg, LOG_DEBUG) && log_enabled(&lg, LOG_ERROR), "filter");
	log_msg(&lg, LOG_DEBUG, NULL, "hidden %d", 1);
	log_msg(&lg, LOG_INFO, "abcd", "Hello %s.", "world");
	log_kv(&lg, LOG_WARN, NULL, "kv", "evil", "a\"b\n{\"level\":\"error\"}", "message", "forged", NULL);
	log_f(&lg, LOG_ERROR, "r1", "Typed.", LOG_INT("http.response.status_code", 503),
	      LOG_NUM("italic.ratio", 0.25), LOG_STR("cloud.region", "eu-west-1"), LOG_STR("nothing", NULL),
	      LOG_INT("count", -7));
	text = slurp(fd);
	CHECK(strstr(text, "hidden") == NULL, "debug filtered out");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t e;
		json_t *o = json_loads(line, 0, &e);
		lines++;
		CHECK(o != NULL, "line %d is JSON: %s", lines, line);
		CHECK(json_string_value(json_object_get(o, "@timestamp")) &&
		      json_string_value(json_object_get(o, "log.level")) &&
		      json_string_value(json_object_get(o, "message")), "@timestamp, log.level and message");
		CHECK_STR(json_string_value(json_object_get(o, "ecs.version")), LOG_ECS_VERSION, "ecs.version");
		if (lines == 1) {
			CHECK_STR(json_string_value(json_object_get(o, "message")), "Hello world.", "formatted message");
			CHECK_STR(json_string_value(json_object_get(o, "http.request.id")), "abcd", "request id");
		}
		if (lines == 2) {
			CHECK_STR(json_string_value(json_object_get(o, "log.level")), "warn", "level not forged");
			CHECK_STR(json_string_value(json_object_get(o, "message")), "kv", "message not forged");
			CHECK_STR(json_string_value(json_object_get(o, "italic.message")), "forged", "the forgery is namespaced");
			CHECK_STR(json_string_value(json_object_get(o, "italic.evil")), "a\"b\n{\"level\":\"error\"}",
				  "hostile value kept inside its field");
		}
		if (lines == 3) {
			json_t *st = json_object_get(o, "http.response.status_code");
			CHECK(json_is_integer(st) && json_integer_value(st) == 503, "integer is a JSON number");
			CHECK(json_is_real(json_object_get(o, "italic.ratio")) &&
			      json_real_value(json_object_get(o, "italic.ratio")) == 0.25, "real is a JSON number");
			CHECK_STR(json_string_value(json_object_get(o, "cloud.region")), "eu-west-1", "string field");
			CHECK(json_is_null(json_object_get(o, "italic.nothing")), "NULL string is null");
			CHECK(json_integer_value(json_object_get(o, "italic.count")) == -7, "negative, namespaced");
		}
		json_decref(o);
	}
	CHECK(lines == 3, "three lines (%d)", lines);
	close(fd);
	unlink(path);
	return tap_done();
}
