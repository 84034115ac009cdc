/*
 * fixture_files.h: reading test data: fixture_read() is the one whole-file reader of the
 * unit tests (the AWS samples, the SigV4 vectors, the rule import sample), and the rest
 * walks the event fixtures (tests/fixtures) of the event parsers' tests (test_event,
 * test_event_lt, test_event_batch).
 *
 * A fixture is <name>.json beside what parsing it must give: <name>.out (the rendered
 * event) in the accepted directory, <name>.err (the status word, "etoobig" or anything
 * else for IT_EINVAL, then the field on the second line) in its bad/ directory.
 * fixture_each_good() and fixture_each_bad() hand every pair to a callback, fail the
 * test (CHECK) for a .json without its partner or an .err that is not two lines, and
 * return how many .json files they found, so a test can insist on a floor.
 * fixture_must() reads one file or ends the test with exit 2: a test that cannot find
 * its data must not pass.
 *
 * Test code only; functions are static inline so a test that needs fewer of them builds
 * without unused-function warnings.
 */
#ifndef ITALIC_TEST_FIXTURE_FILES_H
#define ITALIC_TEST_FIXTURE_FILES_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "tap.h"

/* The whole file, NUL-terminated (the length, when ret_len is not NULL, excludes the
 * NUL), or NULL. */
static inline char *fixture_read(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		data = malloc((size_t)n + 1);
		if (data && fread(data, 1, (size_t)n, f) == (size_t)n) {
			data[n] = '\0';
			if (ret_len)
				*ret_len = (size_t)n;
		} else {
			free(data);
			data = NULL;
		}
	}
	fclose(f);
	return data;
}

/* dir/name, or the test ends here; what names the kind of file for the message. */
static inline char *fixture_must(const char *dir, const char *name, size_t *len, const char *what)
{
	char path[4096];
	char *s;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	s = fixture_read(path, len);
	if (!s) {
		fprintf(stderr, "FATAL: %s %s is missing\n", what, path);
		exit(2);
	}
	return s;
}

static inline int fixture_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

typedef void (*fixture_good_fn)(void *ctx, const char *name, const char *body, size_t len, const char *want);
typedef void (*fixture_bad_fn)(void *ctx, const char *name, const char *body, size_t len, int want_rc,
			       const char *want_field);

/* Walks dir's *.json with their *<partner> files; good or bad gets each complete pair. */
static inline int fixture_walk(const char *dir, const char *partner, fixture_good_fn good, fixture_bad_fn bad,
			       void *ctx)
{
	char path[4096 + 512];
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	CHECK(d != NULL, "open %s", dir);
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char *body, *want, *field;
		size_t len = 0, wl = 0;
		if (!fixture_ends_with(e->d_name, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		body = fixture_read(path, &len);
		snprintf(path + strlen(path) - 5, 8, "%s", partner);
		want = fixture_read(path, &wl);
		CHECK(body && want, "%s: needs .json and %s", e->d_name, partner);
		if (body && want && good) {
			good(ctx, e->d_name, body, len, want);
		} else if (body && want) {
			field = strchr(want, '\n');
			CHECK(field != NULL, "%s: .err has two lines", e->d_name);
			if (field) {
				*field++ = '\0';
				field[strcspn(field, "\n")] = '\0';
				bad(ctx, e->d_name, body, len, strcmp(want, "etoobig") == 0 ? IT_ETOOBIG : IT_EINVAL,
				    field);
			}
		}
		free(body);
		free(want);
		n++;
	}
	closedir(d);
	return n;
}

static inline int fixture_each_good(const char *dir, fixture_good_fn fn, void *ctx)
{
	return fixture_walk(dir, ".out", fn, NULL, ctx);
}

/* dir/bad's pairs. */
static inline int fixture_each_bad(const char *dir, fixture_bad_fn fn, void *ctx)
{
	char bad[4096];

	snprintf(bad, sizeof(bad), "%s/bad", dir);
	return fixture_walk(bad, ".err", NULL, fn, ctx);
}

#endif
