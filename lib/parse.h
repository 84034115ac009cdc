/*
 * parse.h: bounded conversions and identifier validators.
 *
 * Every function here rejects empty input, signs where none belong, trailing junk
 * and overflow. Out-params are written only on success. Nothing here allocates.
 */
#ifndef ITALIC_PARSE_H
#define ITALIC_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

/* Decimal digits only, value within [min, max]. IT_EINVAL otherwise. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret) WARN_UNUSED;
/* Optional leading '-', then digits; value within [min, max]. */
int parse_i64(const char *s, int64_t min, int64_t max, int64_t *ret) WARN_UNUSED;

/*
 * RFC 3339 / ISO 8601 timestamp: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM).
 * Also accepts a space for 'T' and a lower-case 't'/'z'. Result in Unix
 * milliseconds (fraction truncated to ms). Years 1970..9999.
 */
int parse_time_ms(const char *s, int64_t *ret_ms) WARN_UNUSED;
/* Formats Unix ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" (or without ".mmm" when ms%1000==0
 * and !always_ms). out must hold IT_TIME_BUF bytes. Returns out. */
#define IT_TIME_BUF 32
char *format_time_ms(int64_t ms, char out[IT_TIME_BUF]);
/* Same, seconds precision always: "YYYY-MM-DDTHH:MM:SSZ". */
char *format_time_s(int64_t ms, char out[IT_TIME_BUF]);

/* Duration "90", "90s", "15m", "6h", "2d"; result in seconds, within [0, max]. */
int parse_duration_s(const char *s, uint64_t max, uint64_t *ret_s) WARN_UNUSED;

/* Validators: 1 if valid, 0 otherwise. NULL is never valid. */
int valid_account_id(const char *s);   /* exactly 12 digits */
int valid_region(const char *s);       /* e.g. us-east-1, us-gov-west-1, cn-north-1 */
int valid_image_id(const char *s);     /* ami- + 8 or 17 lower hex */
int valid_instance_id(const char *s);  /* i- + 8 or 17 lower hex */
int valid_object_id(const char *s);    /* rule/exemption ids: [A-Za-z0-9._-], 1..IT_MAX_ID, starts alnum */
int valid_product_code(const char *s); /* Marketplace product code: 1..IT_MAX_PRODUCT_CODE letters and digits */
int valid_platform(const char *s);     /* "Linux/UNIX" or "Windows" */
/* A string of at most max bytes, valid UTF-8, no control characters. */
int valid_text(const char *s, size_t max);

#endif
