/*
 * json_io.h: jansson with our bounds, and declarative validation of documents.
 *
 * json_load_bounded() refuses oversize input, duplicate keys and nesting deeper than
 * asked (jansson's own limit is 2048). json_check_fields() checks an object against a
 * table of {name, type, required, max_len, check, flags}: unknown fields, missing
 * required fields, wrong types and oversize strings/arrays are errors that name the
 * field path, so service/ can answer 400/422 with the exact field. The one toolkit for
 * every document Italic reads: rules, exemptions, image facts, simulations, and the
 * events of POST /v1/events, which are checked with JSON_FIELDS_UNKNOWN_OK (AWS adds
 * fields to its events over time, and a 400 would drop a real event for good).
 */
#ifndef ITALIC_JSON_IO_H
#define ITALIC_JSON_IO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct json_err {
	char field[160];    /* JSON path of the offending field, e.g. "criteria.owners[2]" */
	char message[256];  /* what is wrong, a sentence fragment */
};

/* Sets err (if not NULL) and returns status. */
int json_err_set(struct json_err *err, int status, const char *field, const char *fmt, ...)
	PRINTF_LIKE(4, 5);

/*
 * Parses len bytes of data as one JSON value. Fails with IT_ETOOBIG when len > max_len
 * or the nesting exceeds max_depth, IT_EINVAL for bad JSON or duplicate keys (err says
 * where). On success *ret holds a new reference.
 */
int json_load_bounded(const char *data, size_t len, size_t max_len, int max_depth,
		      json_t **ret, struct json_err *err) WARN_UNUSED;

/* Depth of v (a scalar is 1). Stops counting at limit+1. */
int json_depth(const json_t *v, int limit);

enum json_kind {
	JK_ANY,
	JK_STRING,
	JK_INT,      /* JSON integer */
	JK_NUMBER,   /* integer or real */
	JK_BOOL,
	JK_ARRAY,
	JK_OBJECT,
	JK_NULLABLE_STRING,
	JK__MAX
};

/* json_field.flags, for JK_STRING fields. */
#define JF_TEXT     1u   /* UTF-8 text: not empty, no NUL, no control characters */
#define JF_EMPTY_OK 2u   /* with JF_TEXT: "" is accepted */
#define JF_JSON     4u   /* with JF_TEXT: holds JSON to parse again, so newlines and tabs are
			    fine (jansson has already checked the UTF-8) */

struct json_field {
	const char *name;
	enum json_kind kind;
	int required;
	size_t max;         /* strings: max bytes; arrays: max items; 0 = no check here */
	/* Optional extra check; path is the field's full path. Returns IT_OK or fills err. */
	int (*check)(const json_t *value, const char *path, struct json_err *err);
	unsigned flags;     /* JF_* */
};

/* The JF_TEXT checks of one string value (JF_EMPTY_OK, JF_JSON in flags; max 0: none),
 * for a check callback whose field may hold a string among other types. */
int json_check_text(const json_t *v, size_t max, unsigned flags, const char *path, struct json_err *err)
	WARN_UNUSED;

/* json_check_fields_flags() flags. */
#define JSON_FIELDS_UNKNOWN_OK 1u   /* fields the table does not name are not an error */

/*
 * Checks obj against the n fields of table; prefix is the path of obj ("" at the top).
 * Returns IT_OK, or IT_EINVAL with err naming the first offending field.
 */
int json_check_fields(const json_t *obj, const struct json_field *table, size_t n,
		      const char *prefix, struct json_err *err) WARN_UNUSED;
/* The same with JSON_FIELDS_* flags (json_check_fields is flags 0). Fields are checked
 * in table order, so the first offending one of the table is the one named. */
int json_check_fields_flags(const json_t *obj, const struct json_field *table, size_t n, const char *prefix,
			    unsigned flags, struct json_err *err) WARN_UNUSED;

/* Borrowed string value of key, or NULL when absent or not a string. */
const char *json_str(const json_t *obj, const char *key);
/* Integer value of key into *ret; IT_ENOTFOUND when absent/null, IT_EINVAL when not an
 * integer (a real with no fraction, like 16.0, is accepted). */
int json_int(const json_t *obj, const char *key, int64_t *ret) WARN_UNUSED;

/*
 * Reads obj[key], an array of objects (absent or null: none), into a new array of
 * records of record_size bytes: in record i, the char * at offsets[f] gets a copy of
 * item i's string member fields[f] (NULL when absent or not a string); other bytes are
 * zero. On success *ret (free the strings, then it) and *ret_n are set. IT_EINVAL when
 * key is not an array or an item not an object, IT_ETOOBIG past max_records items or a
 * string over max_len, IT_ENOMEM; on error nothing is left allocated. (AWS's
 * FailedEvaluations and FailedFindings are such arrays.)
 */
int json_string_records(const json_t *obj, const char *key, const char *const *fields, const size_t *offsets,
			size_t nfields, size_t record_size, size_t max_records, size_t max_len, void **ret,
			size_t *ret_n) WARN_UNUSED;

/* Compact serialisation into a new malloc'd string (keys in insertion order). */
char *json_dump_compact(const json_t *v);

#endif
