/* test_json_io: bounded loading and field tables; one case per rejection reason. */
#include "json_io.h"
#include "limits.h"
#include "status.h"
#include "tap.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static int check_even(const json_t *v, const char *path, struct json_err *err)
{
	if (json_integer_value(v) % 2)
		return json_err_set(err, IT_EINVAL, path, "must be even");
	return IT_OK;
}

static const struct json_field fields[] = {
	{"name", JK_STRING, 1, 5, NULL},
	{"n", JK_INT, 0, 0, check_even},
	{"list", JK_ARRAY, 0, 2, NULL},
	{"opt", JK_NULLABLE_STRING, 0, 0, NULL},
};

static void load_case(const char *doc, int want_rc, const char *want_field, const char *what)
{
	struct json_err err = {{0}, {0}};
	json_t *v = NULL;
	int rc = json_load_bounded(doc, strlen(doc), 64, 4, &v, &err);

	if (rc == IT_OK) {
		rc = json_check_fields(v, fields, sizeof(fields) / sizeof(fields[0]), "", &err);
	}
	CHECK(rc == want_rc, "%s: rc %d want %d (%s: %s)", what, rc, want_rc, err.field, err.message);
	if (want_field)
		CHECK_STR(err.field, want_field, what);
	json_decref(v);
}

struct two {
	char *id;
	int untouched;
	char *code;
};

static int table(const char *doc, size_t max_rows, size_t max_len, struct two **rows, size_t *n)
{
	static const char *const names[] = {"Id", "ErrorCode"};
	static const size_t offs[] = {offsetof(struct two, id), offsetof(struct two, code)};
	json_t *d = json_loads(doc, 0, NULL);
	void *recs = NULL;
	int rc = json_string_records(d, "Failed", names, offs, 2, sizeof(struct two), max_rows, max_len, &recs, n);
	json_decref(d);
	if (rc == IT_OK)
		*rows = recs;
	return rc;
}

static void check_string_records(void)
{
	struct two *rows = NULL;
	size_t n = 99;

	CHECK(table("{\"Failed\": {}}", 10, 100, &rows, &n) == IT_EINVAL && n == 99, "not an array");
	CHECK(table("{\"Failed\": [1]}", 10, 100, &rows, &n) == IT_EINVAL, "item not an object");
	CHECK(table("{\"Failed\": [{}, {}, {}]}", 2, 100, &rows, &n) == IT_ETOOBIG, "too many rows");
	CHECK(table("{\"Failed\": [{\"Id\": \"abcdef\"}]}", 10, 5, &rows, &n) == IT_ETOOBIG, "string too long");
	CHECK(table("{\"Failed\": [{\"Id\": \"a\"}, {\"Id\": \"abcdef\"}]}", 10, 5, &rows, &n) == IT_ETOOBIG,
	      "a later string too long (the earlier copies are freed: ASan checks)");
	CHECK(table("{\"Failed\": null}", 10, 100, &rows, &n) == IT_OK && n == 0 && rows == NULL, "null: none");
	CHECK(table("{}", 10, 100, &rows, &n) == IT_OK && n == 0, "absent: none");
	CHECK(table("{\"Failed\": [{\"Id\": \"a\", \"ErrorCode\": \"E\"}, {\"ErrorCode\": 7, \"Other\": \"x\"}]}",
		    10, 100, &rows, &n) == IT_OK && n == 2, "two rows");
	CHECK(rows && rows[0].id && strcmp(rows[0].id, "a") == 0 && rows[0].code && strcmp(rows[0].code, "E") == 0,
	      "row 0 holds its strings");
	CHECK(rows && rows[1].id == NULL && rows[1].code == NULL, "absent and non-string members are NULL");
	CHECK(rows && rows[0].untouched == 0 && rows[1].untouched == 0, "other bytes are zero");
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].id);
		free(rows[i].code);
	}
	free(rows);
}

int main(void)
{
	check_string_records();
	char big[100];
	json_t *v = (json_t *)0x1;
	struct json_err err;

	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(json_load_bounded(big, strlen(big), 64, 4, &v, &err) == IT_ETOOBIG, "over size");
	CHECK(v == (json_t *)0x1, "out untouched");
	load_case("[[[[[1]]]]]", IT_ETOOBIG, NULL, "too deep");
	load_case("{\"a\":\"[[[[[[\"}", IT_EINVAL, "a", "brackets inside strings do not count");
	load_case("{\"name\":\"a\",\"name\":\"b\"}", IT_EINVAL, NULL, "duplicate key");
	load_case("{\"name\":", IT_EINVAL, NULL, "truncated");
	load_case("{\"name\":\"ab\",\"zzz\":1}", IT_EINVAL, "zzz", "unknown field");
	load_case("{\"n\":2}", IT_EINVAL, "name", "missing required");
	load_case("{\"name\":null}", IT_EINVAL, "name", "null required");
	load_case("{\"name\":3}", IT_EINVAL, "name", "wrong type");
	load_case("{\"name\":\"abcdef\"}", IT_EINVAL, "name", "string too long");
	load_case("{\"name\":\"a\",\"list\":[1,2,3]}", IT_EINVAL, "list", "array too long");
	load_case("{\"name\":\"a\",\"n\":3}", IT_EINVAL, "n", "custom check");
	load_case("{\"name\":\"a\",\"n\":2.0}", IT_EINVAL, "n", "real where integer");
	load_case("{\"name\":\"abcde\",\"n\":4,\"list\":[1],\"opt\":null}", IT_OK, NULL, "valid");

	v = json_pack("{s:f,s:i,s:s}", "a", 16.0, "b", 3, "c", "x");
	{
		int64_t i = -1;
		CHECK(json_int(v, "a", &i) == IT_OK && i == 16, "16.0 accepted as integer");
		CHECK(json_int(v, "b", &i) == IT_OK && i == 3, "integer");
		CHECK(json_int(v, "c", &i) == IT_EINVAL && i == 3, "string is not integer");
		CHECK(json_int(v, "d", &i) == IT_ENOTFOUND, "absent");
		CHECK_STR(json_str(v, "c"), "x", "json_str");
		CHECK(json_str(v, "b") == NULL, "json_str on int");
	}
	json_decref(v);
	v = json_pack("[[[]]]");
	CHECK(json_depth(v, 10) == 3, "depth");
	json_decref(v);
	return tap_done();
}
