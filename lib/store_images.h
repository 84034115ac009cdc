/*
 * store_images.h: read-only questions about one image across the stored verdicts, for
 * `GET /v1/images/{region}/{image_id}` ("how many instances run it, and how are they
 * judged").
 *
 * AMI IDs are regional, so an image is always (region, image_id). The counts come from
 * the current verdicts (table instances, migrations/0003_pipeline.sql), one row per
 * instance; history is not counted. Nothing here writes.
 */
#ifndef ITALIC_STORE_IMAGES_H
#define ITALIC_STORE_IMAGES_H

#include <stdint.h>

#include "compiler.h"
#include "store.h"
#include "verdict.h"

struct store_image_usage {
	int64_t total;                          /* instances whose current image is this one */
	int64_t by_compliance[COMPLIANCE__MAX]; /* indexed by enum compliance */
	int64_t other;                          /* rows with a compliance name Italic does not know */
};

/*
 * Counts the known instances of every account that currently run image_id in region,
 * split by compliance. An unknown image gives all zeros (not an error). Errors:
 * IT_EINVAL for a malformed region or image id, IT_EDB / IT_EBUSY from SQLite.
 * *ret is written only on success.
 */
int store_image_usage(struct store *s, const char *region, const char *image_id, struct store_image_usage *ret)
	WARN_UNUSED;

#endif
