/* log.c: JSON log lines (see log.h). */
#include "log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "limits.h"
#include "parse.h"
#include "status.h"

const char *const log_level_names[LOG__MAX] = {"debug", "info", "warn", "error"};

int log_level_parse(const char *s, enum log_level *ret)
{
	for (int i = 0; i < LOG__MAX; i++) {
		if (s && strcmp(s, log_level_names[i]) == 0) {
			*ret = (enum log_level)i;
			return IT_OK;
		}
	}
	return IT_EINVAL;
}

int log_enabled(const struct logger *lg, enum log_level level)
{
	return lg && level >= lg->level && level < LOG__MAX;
}

static void emit(const struct logger *lg, json_t *o)
{
	char *line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	size_t n;

	if (!line)
		return;
	n = strlen(line);
	line[n] = '\n'; /* json_dumps leaves room for the NUL we overwrite */
	/* One write() per line keeps concurrent lines whole (pipe/file appends). */
	if (write(lg->fd, line, n + 1) < 0) {
		/* nowhere left to report it */
	}
	free(line);
}

static json_t *base(enum log_level level, const char *request_id, const char *msg)
{
	char ts[IT_TIME_BUF];
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "ts", json_string(format_time_ms(clock_now_ms(NULL), ts)));
	json_object_set_new(o, "level", json_string(log_level_names[level]));
	json_object_set_new(o, "msg", json_string(msg));
	if (request_id)
		json_object_set_new(o, "request_id", json_string(request_id));
	return o;
}

void log_msg(const struct logger *lg, enum log_level level, const char *request_id,
	     const char *fmt, ...)
{
	char msg[IT_MAX_LOG_LINE];
	va_list ap;
	json_t *o;

	if (!log_enabled(lg, level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = base(level, request_id, msg);
	if (!o)
		return;
	emit(lg, o);
	json_decref(o);
}

void log_kv(const struct logger *lg, enum log_level level, const char *request_id,
	    const char *msg, ...)
{
	va_list ap;
	const char *k, *v;
	json_t *o;

	if (!log_enabled(lg, level))
		return;
	o = base(level, request_id, msg);
	if (!o)
		return;
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		json_object_set_new(o, k, v ? json_stringn(v, strnlen(v, IT_MAX_LOG_LINE)) : json_null());
	}
	va_end(ap);
	emit(lg, o);
	json_decref(o);
}
