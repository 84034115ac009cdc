/* json_io.c: bounded JSON loading and declarative validation (see json_io.h). */
#include "json_io.h"

#include <math.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "status.h"

int json_err_set(struct json_err *err, int status, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return status;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return status;
}

/* Iterative would be nicer, but depth is bounded by the scan below before recursion
 * matters: json_depth is only called on documents that jansson already built, and it
 * stops descending at limit+1, so the C stack use is bounded by the limit. */
int json_depth(const json_t *v, int limit)
{
	int best = 0, d;

	if (limit < 0)
		return 1;
	if (json_is_object(v)) {
		const char *k;
		json_t *c;
		json_object_foreach((json_t *)v, k, c) {
			d = json_depth(c, limit - 1);
			if (d > best)
				best = d;
			if (best > limit)
				break;
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c) {
			d = json_depth(c, limit - 1);
			if (d > best)
				best = d;
			if (best > limit)
				break;
		}
	}
	return best + 1;
}

/* Counts bracket nesting on the raw text (outside strings) so a deeply nested input is
 * refused before jansson builds it (jansson recurses up to 2048 levels). */
static int raw_depth_ok(const char *data, size_t len, int max_depth)
{
	int depth = 0, in_str = 0;

	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return 0;
		} else if (c == '}' || c == ']')
			depth--;
	}
	return 1;
}

int json_load_bounded(const char *data, size_t len, size_t max_len, int max_depth,
		      json_t **ret, struct json_err *err)
{
	json_error_t je;
	json_t *v;

	if (len > max_len)
		return json_err_set(err, IT_ETOOBIG, "", "document is %zu bytes, over the %zu-byte limit",
				    len, max_len);
	if (!raw_depth_ok(data, len, max_depth))
		return json_err_set(err, IT_ETOOBIG, "", "nesting deeper than %d levels", max_depth);
	v = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!v)
		return json_err_set(err, IT_EINVAL, "", "invalid JSON at line %d column %d: %s",
				    je.line, je.column, je.text);
	*ret = v;
	return IT_OK;
}

static const char *const kind_names[JK__MAX] = {
	"anything", "a string", "an integer", "a number", "a boolean", "an array", "an object", "a string or null",
};

static int kind_ok(const json_t *v, enum json_kind k)
{
	switch (k) {
	case JK_ANY: return 1;
	case JK_STRING: return json_is_string(v);
	case JK_INT: return json_is_integer(v);
	case JK_NUMBER: return json_is_number(v);
	case JK_BOOL: return json_is_boolean(v);
	case JK_ARRAY: return json_is_array(v);
	case JK_OBJECT: return json_is_object(v);
	case JK_NULLABLE_STRING: return json_is_string(v) || json_is_null(v);
	default: return 0;
	}
}

/* JF_TEXT: the checks of a string read from outside, in the order that names the
 * plainest problem first. */
int json_check_text(const json_t *v, size_t max, unsigned flags, const char *path, struct json_err *err)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);

	if (!s)
		return json_err_set(err, IT_EINVAL, path, "must be a string");
	if (n == 0 && !(flags & JF_EMPTY_OK))
		return json_err_set(err, IT_EINVAL, path, "must not be empty");
	if (max && n > max)
		return json_err_set(err, IT_EINVAL, path, "longer than %zu bytes", max);
	/* strlen differs from the JSON length when the string holds "\u0000". */
	if (strlen(s) != n || (!(flags & JF_JSON) && !valid_text(s, n)))
		return json_err_set(err, IT_EINVAL, path, "must be UTF-8 text without control characters");
	return IT_OK;
}

int json_check_fields(const json_t *obj, const struct json_field *table, size_t n,
		      const char *prefix, struct json_err *err)
{
	return json_check_fields_flags(obj, table, n, prefix, 0, err);
}

int json_check_fields_flags(const json_t *obj, const struct json_field *table, size_t n, const char *prefix,
			    unsigned flags, struct json_err *err)
{
	char path[160];
	const char *key;
	json_t *v;
	int rc;

	if (!json_is_object(obj))
		return json_err_set(err, IT_EINVAL, prefix, "must be an object");
	json_object_foreach((json_t *)obj, key, v) {
		if (flags & JSON_FIELDS_UNKNOWN_OK)
			break;
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(table[i].name, key) == 0)
				break;
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", key);
		if (i == n)
			return json_err_set(err, IT_EINVAL, path, "unknown field");
	}
	for (size_t i = 0; i < n; i++) {
		const struct json_field *f = &table[i];
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", f->name);
		v = json_object_get(obj, f->name);
		if (!v || (json_is_null(v) && f->kind != JK_NULLABLE_STRING && f->kind != JK_ANY)) {
			if (f->required)
				return json_err_set(err, IT_EINVAL, path, "is required");
			continue;
		}
		if (!kind_ok(v, f->kind))
			return json_err_set(err, IT_EINVAL, path, "must be %s", kind_names[f->kind]);
		if ((f->flags & JF_TEXT) && json_is_string(v)) {
			rc = json_check_text(v, f->max, f->flags, path, err);
			if (rc)
				return rc;
		} else if (f->max && json_is_string(v) && json_string_length(v) > f->max)
			return json_err_set(err, IT_EINVAL, path, "longer than %zu bytes", f->max);
		if (f->max && json_is_array(v) && json_array_size(v) > f->max)
			return json_err_set(err, IT_EINVAL, path, "more than %zu items", f->max);
		if (f->check) {
			rc = f->check(v, path, err);
			if (rc)
				return rc;
		}
	}
	return IT_OK;
}

const char *json_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

int json_int(const json_t *obj, const char *key, int64_t *ret)
{
	json_t *v = json_object_get(obj, key);
	double d;

	if (!v || json_is_null(v))
		return IT_ENOTFOUND;
	if (json_is_integer(v)) {
		*ret = (int64_t)json_integer_value(v);
		return IT_OK;
	}
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (d != floor(d) || d < -9.2e18 || d > 9.2e18)
			return IT_EINVAL;
		*ret = (int64_t)d;
		return IT_OK;
	}
	return IT_EINVAL;
}

char *json_dump_compact(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT);
}

/* The string at offset off of record rec (memcpy: records are the caller's structs). */
static char *record_str(const char *rec, size_t off)
{
	char *v;
	memcpy(&v, rec + off, sizeof(v));
	return v;
}

int json_string_records(const json_t *obj, const char *key, const char *const *fields, const size_t *offsets,
			size_t nfields, size_t record_size, size_t max_records, size_t max_len, void **ret,
			size_t *ret_n)
{
	const json_t *arr = json_object_get(obj, key), *it;
	char *recs = NULL;
	size_t n, i;
	int rc = IT_OK;

	if (arr && !json_is_array(arr) && !json_is_null(arr))
		return IT_EINVAL;
	n = json_array_size(arr);
	if (n > max_records)
		return IT_ETOOBIG;
	if (n) {
		recs = calloc(n, record_size);
		if (!recs)
			return IT_ENOMEM;
	}
	json_array_foreach(arr, i, it) {
		if (!json_is_object(it)) {
			rc = IT_EINVAL;
			break;
		}
		for (size_t f = 0; rc == IT_OK && f < nfields; f++) {
			const char *v = json_string_value(json_object_get(it, fields[f]));
			char *copy;
			if (!v)
				continue;
			if (strlen(v) > max_len) {
				rc = IT_ETOOBIG;
			} else if (!(copy = strdup(v))) {
				rc = IT_ENOMEM;
			} else {
				memcpy(recs + i * record_size + offsets[f], &copy, sizeof(copy));
			}
		}
		if (rc)
			break;
	}
	if (rc) {
		for (size_t k = 0; k < n; k++)
			for (size_t f = 0; f < nfields; f++)
				free(record_str(recs + k * record_size, offsets[f]));
		free(recs);
		return rc;
	}
	*ret = recs;
	*ret_n = n;
	return IT_OK;
}
