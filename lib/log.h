/*
 * log.h: structured JSON log lines on a file descriptor (stderr by default).
 *
 * One line per call: {"ts":..., "level":..., "msg":..., "request_id":..., ...}.
 * Values are escaped by jansson, so a hostile string cannot forge fields or lines.
 * Callers never pass raw header values or credentials: log_redact() exists for the
 * rare place that must mention a secret-bearing string at all.
 *
 * struct logger is a value record owned by service/main.c; lib/ code receives a
 * borrowed pointer and logs at debug level only.
 */
#ifndef ITALIC_LOG_H
#define ITALIC_LOG_H

#include "compiler.h"

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
};

extern const char *const log_level_names[LOG__MAX];

/* Parses "debug" | "info" | "warn" | "error". */
int log_level_parse(const char *s, enum log_level *ret) WARN_UNUSED;

/* Writes one line whose msg is formatted from fmt (cut at IT_MAX_LOG_LINE).
 * request_id may be NULL. Extra fields go through log_kv(). */
void log_msg(const struct logger *lg, enum log_level level, const char *request_id,
	     const char *fmt, ...) PRINTF_LIKE(4, 5);

/* Writes one line with msg and extra fields given as alternating key, value C strings,
 * terminated by NULL. Values are strings; numbers should be formatted by the caller. */
void log_kv(const struct logger *lg, enum log_level level, const char *request_id,
	    const char *msg, ...);

/* 1 if level would be written. */
int log_enabled(const struct logger *lg, enum log_level level);

#endif
