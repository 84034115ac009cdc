/*
 * idset.h: a bounded set of identifiers kept as 64-bit hashes, for "was this instance in
 * the listing?" without keeping the listing.
 *
 * The sweep reads an (account, Region)'s instances page by page and lets each page go;
 * to retire the known instances the listing no longer shows it only needs to know which
 * ids it saw: 8 bytes each instead of the instance (tags, image, state: a kilobyte or
 * more), so 50,000 instances in one pair cost 400 KB. Adds go to an array; idset_seal()
 * sorts it once, after which idset_has() is a binary search.
 *
 * Two different ids with the same 64-bit hash (FNV-1a) would make the second look seen:
 * at 50,000 ids the chance is about 1e-10 per listing, and the cost of it is one gone
 * instance retired a sweep later. The set holds at most its max ids (IT_EFULL past it).
 */
#ifndef ITALIC_IDSET_H
#define ITALIC_IDSET_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct idset {
	uint64_t *h;
	size_t n, cap, max;
	int sealed;
};

/* An empty set of at most max ids; nothing allocated yet. */
void idset_init(struct idset *s, size_t max);
void idset_finish(struct idset *s);

/* Adds id (before idset_seal). IT_EFULL past max, IT_ENOMEM, IT_EINVAL once sealed. */
int idset_add(struct idset *s, const char *id) WARN_UNUSED;

/* Sorts the set; adds are refused afterwards. */
void idset_seal(struct idset *s);

/* 1 when id was added (the set must be sealed; 0 otherwise). */
int idset_has(const struct idset *s, const char *id);

#endif
