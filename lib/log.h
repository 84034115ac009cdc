/*
 * log.h: structured JSON log lines on a file descriptor (stderr by default).
 *
 * One line per call, one JSON object per line, with field names from the Elastic
 * Common Schema (ECS 8.11, https://www.elastic.co/guide/en/ecs/8.11/ecs-field-reference.html):
 *
 *   {"@timestamp":"2026-01-05T10:00:00.123Z","log.level":"info","message":"...",
 *    "ecs.version":"8.11.0","http.request.id":"...", ...}
 *
 * ECS was chosen over the OpenTelemetry log data model because it is defined for
 * exactly this shape (flat JSON lines with dotted names) and every log shipper reads
 * it as it is (Filebeat, Fluent Bit, Vector, CloudWatch Logs Insights, OpenSearch);
 * OpenTelemetry's model needs an envelope (Body, Attributes, Resource) that a line on
 * stderr does not have. The fields Italic writes, and what each means, are listed in
 * docs/operations.md ("Logs"). A key that is an ECS field this module knows is written
 * as it is; any other key is written under "italic." (Italic's own namespace, as ECS
 * asks of custom fields), so a line never claims an ECS name with another meaning and
 * never overwrites @timestamp, log.level, message, ecs.version or http.request.id.
 *
 * Messages are sentences for a human ("The database is ready."); the facts a machine
 * filters on go in fields. Numbers are JSON numbers (log_f with LOG_INT / LOG_NUM),
 * never strings. Values are escaped by jansson, so a hostile string cannot forge
 * fields or lines. Callers never pass raw header values or credentials.
 *
 * struct logger is a value record owned by the command that runs; lib/ code receives
 * a borrowed pointer and logs at debug level only.
 */
#ifndef ITALIC_LOG_H
#define ITALIC_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "compiler.h"

/* The ECS version the field names follow; written as ecs.version on every line. */
#define LOG_ECS_VERSION "8.11.0"

enum log_level {
	LOG_DEBUG,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
	LOG__MAX
};

struct logger {
	enum log_level level;
	int fd;
	const struct clock *clock;   /* @timestamp; borrowed (NULL: the system clock) */
};

extern const char *const log_level_names[LOG__MAX];

/* Parses "debug" | "info" | "warn" | "error". */
int log_level_parse(const char *s, enum log_level *ret) WARN_UNUSED;

/* Writes one line whose message is formatted from fmt (cut at IT_MAX_LOG_LINE).
 * request_id (http.request.id) may be NULL. */
void log_msg(const struct logger *lg, enum log_level level, const char *request_id,
	     const char *fmt, ...) PRINTF_LIKE(4, 5);

/* Writes one line with message and string fields given as alternating key, value C
 * strings, terminated by NULL (a NULL value is JSON null). For numbers use log_f. */
void log_kv(const struct logger *lg, enum log_level level, const char *request_id,
	    const char *msg, ...);

/* A typed field for log_fields / log_f. */
enum log_field_type { LOG_F_STR, LOG_F_INT, LOG_F_NUM };
struct log_field {
	const char *key;
	enum log_field_type type;
	const char *s;      /* LOG_F_STR; NULL is JSON null */
	int64_t i;          /* LOG_F_INT */
	double d;           /* LOG_F_NUM (a non-finite value is JSON null) */
};
#define LOG_STR(k, v) ((struct log_field){.key = (k), .type = LOG_F_STR, .s = (v)})
#define LOG_INT(k, v) ((struct log_field){.key = (k), .type = LOG_F_INT, .i = (int64_t)(v)})
#define LOG_NUM(k, v) ((struct log_field){.key = (k), .type = LOG_F_NUM, .d = (double)(v)})

/* Writes one line with message and the n fields. */
void log_fields(const struct logger *lg, enum log_level level, const char *request_id,
		const char *msg, const struct log_field *fields, size_t n);

/* log_f(lg, level, request_id, msg, LOG_STR("cloud.region", r), LOG_INT("italic.count", n)) */
#define log_f(lg, level, request_id, msg, ...)                                              \
	log_fields((lg), (level), (request_id), (msg), (const struct log_field[]){__VA_ARGS__}, \
		   sizeof((const struct log_field[]){__VA_ARGS__}) / sizeof(struct log_field))

/* The key a field is written under: key itself when it is an ECS field this module
 * knows or already in "italic.", else "italic.<key>" in out (cut to outlen). */
const char *log_field_key(const char *key, char *out, size_t outlen);

/* 1 if level would be written. */
int log_enabled(const struct logger *lg, enum log_level level);

#endif
