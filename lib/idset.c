/* idset.c: identifiers as sorted 64-bit hashes (see idset.h). */
#include "idset.h"

#include <stdlib.h>

#include "status.h"

static uint64_t hash(const char *id)
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

void idset_init(struct idset *s, size_t max)
{
	s->h = NULL;
	s->n = s->cap = 0;
	s->max = max;
	s->sealed = 0;
}

void idset_finish(struct idset *s)
{
	free(s->h);
	idset_init(s, s->max);
}

int idset_add(struct idset *s, const char *id)
{
	if (s->sealed || !id)
		return IT_EINVAL;
	if (s->n == s->max)
		return IT_EFULL;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *grown;

		if (cap > s->max)
			cap = s->max;
		grown = realloc(s->h, cap * sizeof(*grown));
		if (!grown)
			return IT_ENOMEM;
		s->h = grown;
		s->cap = cap;
	}
	s->h[s->n++] = hash(id);
	return IT_OK;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void idset_seal(struct idset *s)
{
	if (s->n)
		qsort(s->h, s->n, sizeof(*s->h), cmp);
	s->sealed = 1;
}

int idset_has(const struct idset *s, const char *id)
{
	uint64_t h;
	size_t lo = 0, hi = s->n;

	if (!s->sealed || !id)
		return 0;
	h = hash(id);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->h[mid] == h)
			return 1;
		if (s->h[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}
