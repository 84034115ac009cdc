/*
 * aws_ec2.h: the EC2 Query API (Version 2016-11-15) calls Italic makes, and only the
 * fields Italic needs from them.
 *
 * - DescribeInstances by ids, and a region listing paginated with NextToken.
 * - DescribeImages by explicit ids (so deprecated and recently deregistered images
 *   are still returned while AWS keeps them; IncludeDeprecated=true is also sent).
 *   "Not found" has two spellings: HTTP 200 with an empty imagesSet (recently
 *   deregistered) and InvalidAMIID.NotFound / .Unavailable (HTTP 400): both come back
 *   as an image list without that id, never as an error.
 * - DescribeLaunchTemplates and DescribeLaunchTemplateVersions (ResolveAlias, $Default
 *   and $Latest): the templates of a region and the images their versions name.
 * - DescribeInstanceImageMetadata: image facts as EC2 recorded them at launch, still
 *   there after the image is gone. Optional: where the call is unsupported or fails
 *   (old partitions, no permission) the result is "no fallback", reported as
 *   IT_EUNSUPPORTED so callers do not treat it as an error of the instance.
 *
 * Result records own their strings (NULL when absent); release with the matching
 * *_free(). Counts are bounded (IT_AWS_MAX_ITEMS, IT_AWS_MAX_TAGS,
 * IT_AWS_MAX_PRODUCT_CODES) and every string by IT_AWS_MAX_FIELD: a response past a
 * bound is IT_ETOOBIG, not silently cut.
 *
 * Calls take (ctx, account, region): account NULL means the service's own
 * credentials; otherwise the member role is assumed in that account (aws_creds.h).
 * Thread-safe as aws_call() is.
 *
 * Each call is an aws_query_op row over aws_query_call() (aws_query.h: form, POST,
 * "not found" as an empty result, parse), and each answer is read by one list
 * skeleton in aws_ec2.c (an item path, an item's fields, its required id), so a new
 * Describe* call is a parser of its item plus an op row; paging is aws_query's
 * max_results / next_token and the result's next_token.
 */
#ifndef ITALIC_AWS_EC2_H
#define ITALIC_AWS_EC2_H

#include <stddef.h>
#include <stdint.h>

#include "aws_http.h"
#include "compiler.h"

#define AWS_TIME_UNSET INT64_MIN

struct aws_tag {
	char *key;
	char *value;
};

struct aws_product_code {
	char *code;
	char *type;        /* "marketplace" | "devpay" */
};

struct aws_ec2_instance {
	char *instance_id;
	char *image_id;
	char *state_name;          /* pending running shutting-down terminated stopping stopped */
	int state_code;            /* low byte only (the high byte is internal); -1 unknown */
	int64_t launch_time_ms;    /* AWS_TIME_UNSET when absent */
	char *platform;            /* "windows" or NULL */
	char *platform_details;    /* "Linux/UNIX", "Windows", ... */
	struct aws_tag *tags;
	size_t n_tags;
};

struct aws_ec2_instances {
	struct aws_ec2_instance *items;
	size_t n;
	char *next_token;          /* NULL on the last page */
	char *request_id;
};

struct aws_ec2_image {
	char *image_id;
	char *owner_id;
	char *owner_alias;         /* amazon | aws-marketplace | aws-backup-vault | NULL */
	char *name;
	char *state;               /* available, deregistered, disabled, ... */
	char *platform;            /* "windows" or NULL */
	char *platform_details;
	int64_t creation_ms;       /* AWS_TIME_UNSET when absent */
	int64_t deprecation_ms;    /* AWS_TIME_UNSET when the image has no deprecation time */
	int image_allowed;         /* Allowed AMIs audit mode: 1, 0, or -1 when absent */
	struct aws_product_code *product_codes;
	size_t n_product_codes;
	struct aws_tag *tags;
	size_t n_tags;
};

struct aws_ec2_images {
	struct aws_ec2_image *items;
	size_t n;
	char *next_token;
	char *request_id;
};

/* One DescribeInstanceImageMetadata item: the instance and its image as recorded. */
struct aws_ec2_instance_image {
	char *instance_id;
	char *state_name;
	int state_code;
	int64_t launch_time_ms;
	struct aws_ec2_image image;  /* image_id, name, owner_id, owner_alias, state,
				      * creation_ms, deprecation_ms, image_allowed */
};

struct aws_ec2_instance_images {
	struct aws_ec2_instance_image *items;
	size_t n;
	char *next_token;
	char *request_id;
};

/* One DescribeLaunchTemplates item. */
struct aws_ec2_launch_template {
	char *template_id;
	char *name;
	int64_t default_version;   /* 0 when absent */
	int64_t latest_version;    /* 0 when absent */
	int64_t create_ms;         /* AWS_TIME_UNSET when absent */
	struct aws_tag *tags;
	size_t n_tags;
};

struct aws_ec2_launch_templates {
	struct aws_ec2_launch_template *items;
	size_t n;
	char *next_token;
	char *request_id;
};

/* One DescribeLaunchTemplateVersions item: a version and the image its data names
 * (launchTemplateData/imageId: an AMI id, or the resolve:ssm: text as written unless the
 * call asked ResolveAlias, which puts the AMI the parameter means in its place). */
struct aws_ec2_lt_version {
	char *template_id;
	char *name;
	int64_t number;            /* 0 when absent (the item is then refused) */
	int is_default;            /* 1, 0, or -1 when absent */
	char *image_id;            /* NULL when the data names no image */
	int64_t create_ms;         /* AWS_TIME_UNSET when absent */
};

struct aws_ec2_lt_versions {
	struct aws_ec2_lt_version *items;
	size_t n;
	char *next_token;
	char *request_id;
};

void aws_ec2_instances_free(struct aws_ec2_instances *r);   /* releases contents; zeroes */
void aws_ec2_launch_templates_free(struct aws_ec2_launch_templates *r);
void aws_ec2_lt_versions_free(struct aws_ec2_lt_versions *r);
void aws_ec2_images_free(struct aws_ec2_images *r);
void aws_ec2_instance_images_free(struct aws_ec2_instance_images *r);

/* Parsers of the 2xx bodies (pure; fuzzed). On failure *ret is untouched. */
int aws_ec2_parse_instances(const char *xml, size_t len, struct aws_ec2_instances *ret) WARN_UNUSED;
int aws_ec2_parse_images(const char *xml, size_t len, struct aws_ec2_images *ret) WARN_UNUSED;
int aws_ec2_parse_instance_images(const char *xml, size_t len,
				  struct aws_ec2_instance_images *ret) WARN_UNUSED;

int aws_ec2_parse_launch_templates(const char *xml, size_t len, struct aws_ec2_launch_templates *ret) WARN_UNUSED;
int aws_ec2_parse_lt_versions(const char *xml, size_t len, struct aws_ec2_lt_versions *ret) WARN_UNUSED;

/* DescribeInstances for 1..IT_AWS_MAX_IDS ids. Unknown ids are simply absent from the
 * result (an InvalidInstanceID.NotFound answer gives an empty list). */
int aws_ec2_describe_instances(struct aws_ctx *ctx, const char *account, const char *region,
			       const char *const *ids, size_t n, struct aws_ec2_instances *ret,
			       struct aws_error *err) WARN_UNUSED;

/* One page of all instances in region (MaxResults 1000). next_token NULL for the first
 * page; ret->next_token is NULL after the last. */
int aws_ec2_list_instances(struct aws_ctx *ctx, const char *account, const char *region,
			   const char *next_token, struct aws_ec2_instances *ret,
			   struct aws_error *err) WARN_UNUSED;

/* DescribeImages for 1..IT_AWS_MAX_IDS ids; missing images are absent (see above). */
int aws_ec2_describe_images(struct aws_ctx *ctx, const char *account, const char *region,
			    const char *const *ids, size_t n, struct aws_ec2_images *ret,
			    struct aws_error *err) WARN_UNUSED;

/* DescribeInstanceImageMetadata for 1..IT_AWS_MAX_IDS instance ids. IT_EUNSUPPORTED
 * ("no fallback") when EC2 refuses or fails the call for any reason other than
 * throttling, 5xx or the network (those stay retryable). */
int aws_ec2_describe_instance_image_metadata(struct aws_ctx *ctx, const char *account,
					     const char *region, const char *const *ids, size_t n,
					     struct aws_ec2_instance_images *ret,
					     struct aws_error *err) WARN_UNUSED;

/*
 * Launch templates (docs/launch-templates.md).
 *
 * aws_ec2_list_launch_templates: one page of the region's templates (MaxResults 200;
 * next_token as for instances). aws_ec2_describe_launch_templates: 1..IT_AWS_MAX_IDS
 * template ids; an InvalidLaunchTemplateId.NotFound answer (EC2 fails the whole call for
 * one unknown id) is an empty result.
 *
 * aws_ec2_describe_lt_versions: versions of one template (template_id set) or of every
 * template of the region (template_id NULL, paged with next_token, MaxResults 200).
 * versions holds 1..IT_AWS_MAX_IDS of "$Default", "$Latest" or version numbers (for all
 * templates EC2 takes only $Default and $Latest). resolve_alias sends ResolveAlias=true:
 * a resolve:ssm: image comes back as the AMI id the parameter means now. A template EC2
 * does not know is an empty result; a version number it does not know
 * (InvalidLaunchTemplateId.VersionNotFound) is IT_ENOTFOUND.
 */
int aws_ec2_list_launch_templates(struct aws_ctx *ctx, const char *account, const char *region,
				  const char *next_token, struct aws_ec2_launch_templates *ret,
				  struct aws_error *err) WARN_UNUSED;
int aws_ec2_describe_launch_templates(struct aws_ctx *ctx, const char *account, const char *region,
				      const char *const *ids, size_t n, struct aws_ec2_launch_templates *ret,
				      struct aws_error *err) WARN_UNUSED;
int aws_ec2_describe_lt_versions(struct aws_ctx *ctx, const char *account, const char *region,
				 const char *template_id, const char *const *versions, size_t n, int resolve_alias,
				 const char *next_token, struct aws_ec2_lt_versions *ret,
				 struct aws_error *err) WARN_UNUSED;

#endif
