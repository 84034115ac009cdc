/* log.c: JSON log lines with ECS field names (see log.h). */
#include "log.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "limits.h"
#include "parse.h"
#include "status.h"

const char *const log_level_names[LOG__MAX] = {"debug", "info", "warn", "error"};

/* ECS fields a caller may set. The base fields (@timestamp, log.level, message,
 * ecs.version, http.request.id) are written by this module only. Each name here is an
 * ECS 8.11 field used with its ECS meaning (docs/operations.md lists them). */
static const char *const ecs_fields[] = {
	"cloud.account.id",
	"cloud.region",
	"error.code",
	"error.message",
	"event.dataset",
	"event.duration",
	"event.reason",
	"file.path",
	"http.request.method",
	"http.response.body.bytes",
	"http.response.status_code",
	"process.pid",
	"server.address",
	"service.version",
	"user.id",
	"user.name",
};

#define CUSTOM_PREFIX "italic."

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

const char *log_field_key(const char *key, char *out, size_t outlen)
{
	if (strncmp(key, CUSTOM_PREFIX, strlen(CUSTOM_PREFIX)) == 0)
		return key;
	for (size_t i = 0; i < sizeof(ecs_fields) / sizeof(ecs_fields[0]); i++)
		if (strcmp(key, ecs_fields[i]) == 0)
			return key;
	snprintf(out, outlen, CUSTOM_PREFIX "%s", key);
	return out;
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

static json_t *base(const struct logger *lg, enum log_level level, const char *request_id, const char *msg)
{
	char ts[IT_TIME_BUF];
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "@timestamp", json_string(format_time_ms(clock_now_ms(lg->clock), ts)));
	json_object_set_new(o, "log.level", json_string(log_level_names[level]));
	json_object_set_new(o, "message", json_stringn(msg, strnlen(msg, IT_MAX_LOG_LINE)));
	json_object_set_new(o, "ecs.version", json_string(LOG_ECS_VERSION));
	if (request_id)
		json_object_set_new(o, "http.request.id", json_string(request_id));
	return o;
}

static void set_field(json_t *o, const char *key, json_t *v)
{
	char buf[96];

	json_object_set_new(o, log_field_key(key, buf, sizeof(buf)), v ? v : json_null());
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
	o = base(lg, level, request_id, msg);
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
	o = base(lg, level, request_id, msg);
	if (!o)
		return;
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		set_field(o, k, v ? json_stringn(v, strnlen(v, IT_MAX_LOG_LINE)) : NULL);
	}
	va_end(ap);
	emit(lg, o);
	json_decref(o);
}

void log_fields(const struct logger *lg, enum log_level level, const char *request_id,
		const char *msg, const struct log_field *fields, size_t n)
{
	json_t *o;

	if (!log_enabled(lg, level))
		return;
	o = base(lg, level, request_id, msg);
	if (!o)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct log_field *f = &fields[i];
		json_t *v = NULL;
		switch (f->type) {
		case LOG_F_STR:
			v = f->s ? json_stringn(f->s, strnlen(f->s, IT_MAX_LOG_LINE)) : NULL;
			break;
		case LOG_F_INT:
			v = json_integer((json_int_t)f->i);
			break;
		case LOG_F_NUM:
			v = isfinite(f->d) ? json_real(f->d) : NULL;
			break;
		default:
			break;
		}
		set_field(o, f->key, v);
	}
	emit(lg, o);
	json_decref(o);
}
