/*
 * image_facts.h: what Italic knows about one AMI when it judges an instance, and the
 * JSON form of that knowledge.
 *
 * The same JSON document is the body of `PUT /v1/images/{region}/{image_id}`, the
 * `--image FILE` of `italic evaluate`, and the `facts` column of registered images:
 *
 *   {
 *     "image_id":         "ami-0123456789abcdef0",      required
 *     "status":           "found" | "not_found" | "unknown"   default "found"
 *     "owner_id":         "123456789012",
 *     "owner_alias":      "amazon" | "aws-marketplace" | "aws-backup-vault",
 *     "name":             "golden-al2023-2026.01.01",   up to 128 bytes
 *     "creation_date":    "2026-01-01T00:00:00.000Z",   RFC 3339
 *     "deprecation_time": "2028-01-01T00:00:00Z",       RFC 3339; absent = none set
 *     "product_codes":    ["abcdefghijklmnopqrstuvw"],  up to 50
 *     "platform":         "Linux/UNIX" | "Windows",
 *     "tags":             {"Approved": "true"},         up to 64; ABSENT = tags unknown
 *     "watermarks":       [{"key": "111122223333:golden", "source_region": "us-east-1",
 *                           "source_created": "<RFC 3339>", "watermark_created": "<RFC 3339>"}],
 *     "source":           "registered"                   where the facts came from
 *   }
 *
 * "tags" absent means the tags could not be read (an image shared from another account
 * shows none): rules with tag criteria then report "tags unavailable", never "tag
 * missing". An image without tags is written "tags": {}. Status "not_found" means AWS
 * says the image is gone or not shared: only image_id is meaningful and only a rule
 * naming that ID can allow it. "unknown" means the facts could not be read.
 */
#ifndef ITALIC_IMAGE_FACTS_H
#define ITALIC_IMAGE_FACTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "limits.h"
#include "json_io.h"

#define IMAGE_NO_TIME (-1)   /* an absent creation / deprecation / watermark time */

enum image_status {
	IMAGE_FOUND,       /* attributes below are what AWS (or a registration) said */
	IMAGE_NOT_FOUND,   /* AWS says the image is gone or not visible: no attributes */
	IMAGE_UNKNOWN,     /* the facts could not be read */
	IMAGE_STATUS__MAX
};
extern const char *const image_status_names[IMAGE_STATUS__MAX];

struct image_tag {
	char *key;
	char *value;
};

struct image_watermark {
	char *key;                     /* "accountId:name" */
	char *source_region;           /* NULL when unknown */
	int64_t source_created_ms;     /* IMAGE_NO_TIME when unknown */
	int64_t watermark_created_ms;  /* IMAGE_NO_TIME when unknown */
};

struct image_facts {
	enum image_status status;
	char image_id[IT_IMAGE_ID_SIZE];
	char owner_id[IT_ACCOUNT_ID_SIZE];      /* "" when unknown */
	char owner_alias[IT_OWNER_ALIAS_SIZE];  /* "" when none */
	char *name;                    /* NULL when unknown */
	int64_t creation_ms;           /* IMAGE_NO_TIME when unknown */
	int64_t deprecation_ms;        /* IMAGE_NO_TIME when no deprecation time is set */
	char **product_codes;
	size_t n_product_codes;
	char platform[IT_PLATFORM_SIZE];        /* "Linux/UNIX", "Windows" or "" when unknown */
	struct image_tag *tags;
	size_t n_tags;
	int tags_known;                /* 0: tags could not be read */
	struct image_watermark *watermarks;
	size_t n_watermarks;
	char *source;                  /* "describe-images", "registered", ...; NULL unknown */
};

/* A zeroed record: status FOUND, no attributes, times IMAGE_NO_TIME, tags unknown.
 * Owned by the caller (image_facts_free). NULL on allocation failure. */
struct image_facts *image_facts_new(const char *image_id);

/*
 * Validates obj (format above) and builds the facts. Errors: IT_EINVAL with err naming
 * the field, IT_ENOMEM. *ret (owned by the caller) is written only on success.
 */
int image_facts_from_json(const json_t *obj, struct image_facts **ret, struct json_err *err)
	WARN_UNUSED;
/* Renders f in the same format; *ret is a new reference. IT_ENOMEM on failure. */
int image_facts_to_json(const struct image_facts *f, json_t **ret) WARN_UNUSED;
void image_facts_free(struct image_facts *f);

/* The tag value for key, or NULL when absent (or tags unknown). Borrowed. */
const char *image_facts_tag(const struct image_facts *f, const char *key);

/* Italic's platform from EC2's `platform` (only ever "windows") and `platformDetails`
 * ("Linux/UNIX", "Red Hat Enterprise Linux", "Windows with SQL Server ...", ...). */
const char *image_platform_from_ec2(const char *platform, const char *platform_details);

#endif
