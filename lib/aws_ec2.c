/* aws_ec2.c: DescribeInstances / DescribeImages / DescribeInstanceImageMetadata (see aws_ec2.h). */
#include "aws_ec2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_query.h"
#include "aws_xml.h"
#include "launch_template.h"
#include "parse.h"
#include "status.h"

#define JOINED_MAX (IT_AWS_XML_DEPTH * (AWS_XML_NAME_MAX + 1))

/* ---- freeing ---- */

static void tags_free(struct aws_tag *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++) {
		free(t[i].key);
		free(t[i].value);
	}
	free(t);
}

static void instance_clear(void *p)
{
	struct aws_ec2_instance *in = p;
	free(in->instance_id);
	free(in->image_id);
	free(in->state_name);
	free(in->platform);
	free(in->platform_details);
	tags_free(in->tags, in->n_tags);
	memset(in, 0, sizeof(*in));
}

static void image_clear(void *p)
{
	struct aws_ec2_image *im = p;
	free(im->image_id);
	free(im->owner_id);
	free(im->owner_alias);
	free(im->name);
	free(im->state);
	free(im->platform);
	free(im->platform_details);
	for (size_t i = 0; im->product_codes && i < im->n_product_codes; i++) {
		free(im->product_codes[i].code);
		free(im->product_codes[i].type);
	}
	free(im->product_codes);
	tags_free(im->tags, im->n_tags);
	memset(im, 0, sizeof(*im));
}

static void instance_image_clear(void *p)
{
	struct aws_ec2_instance_image *it = p;
	free(it->instance_id);
	free(it->state_name);
	image_clear(&it->image);
}

static void launch_template_clear(void *p)
{
	struct aws_ec2_launch_template *t = p;
	free(t->template_id);
	free(t->name);
	tags_free(t->tags, t->n_tags);
	memset(t, 0, sizeof(*t));
}

static void lt_version_clear(void *p)
{
	struct aws_ec2_lt_version *v = p;
	free(v->template_id);
	free(v->name);
	free(v->image_id);
	memset(v, 0, sizeof(*v));
}

/* Every result is a page: items of one type, the next page's token, the request id. */
static void page_free(void *items, size_t n, size_t size, void (*clear)(void *), char *next_token,
		      char *request_id)
{
	for (size_t i = 0; items && i < n; i++)
		clear((char *)items + i * size);
	free(items);
	free(next_token);
	free(request_id);
}

void aws_ec2_instances_free(struct aws_ec2_instances *r)
{
	if (!r)
		return;
	page_free(r->items, r->n, sizeof(*r->items), instance_clear, r->next_token, r->request_id);
	memset(r, 0, sizeof(*r));
}

void aws_ec2_images_free(struct aws_ec2_images *r)
{
	if (!r)
		return;
	page_free(r->items, r->n, sizeof(*r->items), image_clear, r->next_token, r->request_id);
	memset(r, 0, sizeof(*r));
}

void aws_ec2_launch_templates_free(struct aws_ec2_launch_templates *r)
{
	if (!r)
		return;
	page_free(r->items, r->n, sizeof(*r->items), launch_template_clear, r->next_token, r->request_id);
	memset(r, 0, sizeof(*r));
}

void aws_ec2_lt_versions_free(struct aws_ec2_lt_versions *r)
{
	if (!r)
		return;
	page_free(r->items, r->n, sizeof(*r->items), lt_version_clear, r->next_token, r->request_id);
	memset(r, 0, sizeof(*r));
}

void aws_ec2_instance_images_free(struct aws_ec2_instance_images *r)
{
	if (!r)
		return;
	page_free(r->items, r->n, sizeof(*r->items), instance_image_clear, r->next_token,
		  r->request_id);
	memset(r, 0, sizeof(*r));
}

/* ---- parsing helpers ---- */

/* path[1..depth-1] joined with '/', so parsers compare whole relative paths. */
static void join(const char *const *path, int depth, char out[JOINED_MAX])
{
	size_t o = 0;
	out[0] = '\0';
	for (int i = 1; i < depth; i++) {
		size_t n = strlen(path[i]);
		if (o + n + 2 > JOINED_MAX)
			break;
		if (o)
			out[o++] = '/';
		memcpy(out + o, path[i], n);
		o += n;
		out[o] = '\0';
	}
}

/* Grows an array of items of size sz by one zeroed slot, within max items. */
static int grow(void **items, size_t *n, size_t sz, size_t max)
{
	void *p;
	if (*n >= max)
		return IT_ETOOBIG;
	p = realloc(*items, (*n + 1) * sz);
	if (!p)
		return IT_ENOMEM;
	memset((char *)p + *n * sz, 0, sz);
	*items = p;
	(*n)++;
	return IT_OK;
}

static int set_str(char **dst, const char *text, size_t len)
{
	return aws_xml_strdup(dst, text, len, IT_AWS_MAX_FIELD);
}

static int set_time(int64_t *dst, const char *text, size_t len)
{
	char tmp[64];
	int64_t ms;
	aws_xml_copy(tmp, sizeof(tmp), text, len);
	if (parse_time_ms(tmp, &ms) != IT_OK)
		return IT_EINVAL;
	*dst = ms;
	return IT_OK;
}

static int set_state_code(int *dst, const char *text, size_t len)
{
	char tmp[32];
	uint64_t v;
	aws_xml_copy(tmp, sizeof(tmp), text, len);
	if (parse_u64(tmp, 0, 0xffff, &v) != IT_OK)
		return IT_EINVAL;
	*dst = (int)(v & 0xff);  /* the high byte is internal to EC2 */
	return IT_OK;
}

static int set_bool(int *dst, const char *text, size_t len)
{
	char tmp[8];
	aws_xml_copy(tmp, sizeof(tmp), text, len);
	if (!strcmp(tmp, "true"))
		*dst = 1;
	else if (!strcmp(tmp, "false"))
		*dst = 0;
	else
		return IT_EINVAL;
	return IT_OK;
}

/* A launch template version number: 1..2^53 (launch_template.h). */
static int set_version(int64_t *dst, const char *text, size_t len)
{
	char tmp[32];
	uint64_t v;
	if (len >= sizeof(tmp))
		return IT_EINVAL;
	aws_xml_copy(tmp, sizeof(tmp), text, len);
	if (parse_u64(tmp, 1, (uint64_t)IT_LT_MAX_VERSION, &v) != IT_OK)
		return IT_EINVAL;
	*dst = (int64_t)v;
	return IT_OK;
}

/* tagSet/item handling shared by instances and images; rel is the path below the
 * owning item ("tagSet/item" on start, "tagSet/item/key" on end). */
static int tag_start(const char *rel, struct aws_tag **tags, size_t *n)
{
	if (strcmp(rel, "tagSet/item") != 0)
		return IT_OK;
	return grow((void **)tags, n, sizeof(**tags), IT_AWS_MAX_TAGS);
}

static int tag_end(const char *rel, struct aws_tag *tags, size_t n, const char *text, size_t len)
{
	if (n == 0)
		return IT_OK;
	if (!strcmp(rel, "tagSet/item/key"))
		return set_str(&tags[n - 1].key, text, len);
	if (!strcmp(rel, "tagSet/item/value"))
		return set_str(&tags[n - 1].value, text, len);
	return IT_OK;
}

static const char *below(const char *joined, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(joined, prefix, n) != 0 || joined[n] != '/')
		return NULL;
	return joined + n + 1;
}

/* ---- one skeleton for every Describe* page ---- */

/*
 * What differs between the Describe* answers: where one item sits (a path below the
 * root, whose name differs per action), how big an item is and how it starts, what
 * the elements below it mean, and which field it cannot do without. nextToken and
 * requestId directly below the root are read for every list.
 */
struct list_shape {
	const char *item;             /* "imagesSet/item" */
	size_t size;                  /* of one item */
	void (*init)(void *item);     /* after zeroing; NULL: zeroed is right */
	/* an element starts / ends at rel below the current item ("tagSet/item") */
	int (*start)(void *item, const char *rel);
	int (*end)(void *item, const char *rel, const char *text, size_t len);
	int (*complete)(const void *item);   /* 0: its id is missing, the answer is IT_EINVAL */
	void (*clear)(void *item);
};

struct list_page {
	const struct list_shape *shape;
	void *items;
	size_t n;
	char *next_token;
	char *request_id;
};

static void *last_item(const struct list_page *pg)
{
	return (char *)pg->items + (pg->n - 1) * pg->shape->size;
}

static int list_start(void *ctx, const char *const *path, int depth)
{
	struct list_page *pg = ctx;
	char j[JOINED_MAX];
	const char *rel;
	int rc;

	join(path, depth, j);
	if (!strcmp(j, pg->shape->item)) {
		rc = grow(&pg->items, &pg->n, pg->shape->size, IT_AWS_MAX_ITEMS);
		if (rc == 0 && pg->shape->init)
			pg->shape->init(last_item(pg));
		return rc;
	}
	rel = below(j, pg->shape->item);
	if (rel && pg->n && pg->shape->start)
		return pg->shape->start(last_item(pg), rel);
	return IT_OK;
}

static int list_end(void *ctx, const char *const *path, int depth, const char *text, size_t len)
{
	struct list_page *pg = ctx;
	char j[JOINED_MAX];
	const char *rel;

	join(path, depth, j);
	rel = below(j, pg->shape->item);
	if (rel && pg->n)
		return pg->shape->end(last_item(pg), rel, text, len);
	if (!strcmp(j, "nextToken"))
		return set_str(&pg->next_token, text, len);
	if (!strcmp(j, "requestId"))
		return set_str(&pg->request_id, text, len);
	return IT_OK;
}

/* Parses one page into pg (all zero but its shape). On failure what was gathered is
 * released here, and pg must not be used. */
static int list_parse(const char *xml, size_t len, struct list_page *pg)
{
	struct aws_xml_handler h = {list_start, list_end, pg};
	int rc;

	rc = aws_xml_parse(xml, len, &h);
	for (size_t i = 0; rc == 0 && i < pg->n; i++)
		if (!pg->shape->complete((char *)pg->items + i * pg->shape->size))
			rc = IT_EINVAL;
	if (rc)
		page_free(pg->items, pg->n, pg->shape->size, pg->shape->clear, pg->next_token,
			  pg->request_id);
	return rc;
}

/* ---- DescribeInstances ---- */

static void instance_init(void *p)
{
	struct aws_ec2_instance *in = p;
	in->state_code = -1;
	in->launch_time_ms = AWS_TIME_UNSET;
}

static int instance_start(void *p, const char *rel)
{
	struct aws_ec2_instance *in = p;
	return tag_start(rel, &in->tags, &in->n_tags);
}

static int instance_end(void *p, const char *rel, const char *text, size_t len)
{
	struct aws_ec2_instance *in = p;

	if (!strcmp(rel, "instanceId"))
		return set_str(&in->instance_id, text, len);
	if (!strcmp(rel, "imageId"))
		return set_str(&in->image_id, text, len);
	if (!strcmp(rel, "instanceState/name"))
		return set_str(&in->state_name, text, len);
	if (!strcmp(rel, "instanceState/code"))
		return set_state_code(&in->state_code, text, len);
	if (!strcmp(rel, "launchTime"))
		return set_time(&in->launch_time_ms, text, len);
	if (!strcmp(rel, "platform"))
		return set_str(&in->platform, text, len);
	if (!strcmp(rel, "platformDetails"))
		return set_str(&in->platform_details, text, len);
	return tag_end(rel, in->tags, in->n_tags, text, len);
}

static int instance_complete(const void *p)
{
	return ((const struct aws_ec2_instance *)p)->instance_id != NULL;
}

static const struct list_shape instance_list = {
	"reservationSet/item/instancesSet/item", sizeof(struct aws_ec2_instance),
	instance_init, instance_start, instance_end, instance_complete, instance_clear,
};

int aws_ec2_parse_instances(const char *xml, size_t len, struct aws_ec2_instances *ret)
{
	struct list_page pg = {&instance_list, NULL, 0, NULL, NULL};
	int rc = list_parse(xml, len, &pg);

	if (rc)
		return rc;
	ret->items = pg.items;
	ret->n = pg.n;
	ret->next_token = pg.next_token;
	ret->request_id = pg.request_id;
	return IT_OK;
}

/* ---- DescribeImages ---- */

/* Fields of an image under its item; shared with the metadata's imageMetadata, which
 * names some members differently. */
static int image_field(struct aws_ec2_image *im, const char *rel, const char *text, size_t len)
{
	if (!strcmp(rel, "imageId"))
		return set_str(&im->image_id, text, len);
	if (!strcmp(rel, "imageOwnerId") || !strcmp(rel, "ownerId"))
		return set_str(&im->owner_id, text, len);
	if (!strcmp(rel, "imageOwnerAlias"))
		return set_str(&im->owner_alias, text, len);
	if (!strcmp(rel, "name"))
		return set_str(&im->name, text, len);
	if (!strcmp(rel, "imageState") || !strcmp(rel, "state"))
		return set_str(&im->state, text, len);
	if (!strcmp(rel, "platform"))
		return set_str(&im->platform, text, len);
	if (!strcmp(rel, "platformDetails"))
		return set_str(&im->platform_details, text, len);
	if (!strcmp(rel, "creationDate"))
		return set_time(&im->creation_ms, text, len);
	if (!strcmp(rel, "deprecationTime"))
		return set_time(&im->deprecation_ms, text, len);
	if (!strcmp(rel, "imageAllowed"))
		return set_bool(&im->image_allowed, text, len);
	if (im->n_product_codes) {
		struct aws_product_code *pc = &im->product_codes[im->n_product_codes - 1];
		if (!strcmp(rel, "productCodes/item/productCode"))
			return set_str(&pc->code, text, len);
		if (!strcmp(rel, "productCodes/item/type"))
			return set_str(&pc->type, text, len);
	}
	return tag_end(rel, im->tags, im->n_tags, text, len);
}

static void image_init(struct aws_ec2_image *im)
{
	im->creation_ms = AWS_TIME_UNSET;
	im->deprecation_ms = AWS_TIME_UNSET;
	im->image_allowed = -1;
}

static int image_start_below(struct aws_ec2_image *im, const char *rel)
{
	if (!strcmp(rel, "productCodes/item"))
		return grow((void **)&im->product_codes, &im->n_product_codes,
			    sizeof(*im->product_codes), IT_AWS_MAX_PRODUCT_CODES);
	return tag_start(rel, &im->tags, &im->n_tags);
}

static void image_init_item(void *p)
{
	image_init(p);
}

static int image_start(void *p, const char *rel)
{
	return image_start_below(p, rel);
}

/* "ownerId"/"state" are metadata spellings: in DescribeImages they do not occur at
 * item level, so sharing image_field() is safe */
static int image_end(void *p, const char *rel, const char *text, size_t len)
{
	return image_field(p, rel, text, len);
}

static int image_complete(const void *p)
{
	return ((const struct aws_ec2_image *)p)->image_id != NULL;
}

static const struct list_shape image_list = {
	"imagesSet/item", sizeof(struct aws_ec2_image),
	image_init_item, image_start, image_end, image_complete, image_clear,
};

int aws_ec2_parse_images(const char *xml, size_t len, struct aws_ec2_images *ret)
{
	struct list_page pg = {&image_list, NULL, 0, NULL, NULL};
	int rc = list_parse(xml, len, &pg);

	if (rc)
		return rc;
	ret->items = pg.items;
	ret->n = pg.n;
	ret->next_token = pg.next_token;
	ret->request_id = pg.request_id;
	return IT_OK;
}

/* ---- DescribeInstanceImageMetadata ---- */

static void instance_image_init(void *p)
{
	struct aws_ec2_instance_image *it = p;
	it->state_code = -1;
	it->launch_time_ms = AWS_TIME_UNSET;
	image_init(&it->image);
}

static int instance_image_start(void *p, const char *rel)
{
	struct aws_ec2_instance_image *it = p;
	const char *irel = below(rel, "imageMetadata");
	return irel ? image_start_below(&it->image, irel) : IT_OK;
}

static int instance_image_end(void *p, const char *rel, const char *text, size_t len)
{
	struct aws_ec2_instance_image *it = p;
	const char *irel = below(rel, "imageMetadata");

	if (irel)
		return image_field(&it->image, irel, text, len);
	if (!strcmp(rel, "instanceId"))
		return set_str(&it->instance_id, text, len);
	if (!strcmp(rel, "launchTime"))
		return set_time(&it->launch_time_ms, text, len);
	if (!strcmp(rel, "instanceState/name") || !strcmp(rel, "state/name"))
		return set_str(&it->state_name, text, len);
	if (!strcmp(rel, "instanceState/code") || !strcmp(rel, "state/code"))
		return set_state_code(&it->state_code, text, len);
	return IT_OK;
}

static int instance_image_complete(const void *p)
{
	return ((const struct aws_ec2_instance_image *)p)->instance_id != NULL;
}

static const struct list_shape instance_image_list = {
	"instanceImageMetadataSet/item", sizeof(struct aws_ec2_instance_image),
	instance_image_init, instance_image_start, instance_image_end, instance_image_complete,
	instance_image_clear,
};

int aws_ec2_parse_instance_images(const char *xml, size_t len, struct aws_ec2_instance_images *ret)
{
	struct list_page pg = {&instance_image_list, NULL, 0, NULL, NULL};
	int rc = list_parse(xml, len, &pg);

	if (rc)
		return rc;
	ret->items = pg.items;
	ret->n = pg.n;
	ret->next_token = pg.next_token;
	ret->request_id = pg.request_id;
	return IT_OK;
}

/* ---- DescribeLaunchTemplates ---- */

static void launch_template_init(void *p)
{
	((struct aws_ec2_launch_template *)p)->create_ms = AWS_TIME_UNSET;
}

static int launch_template_start(void *p, const char *rel)
{
	struct aws_ec2_launch_template *t = p;
	return tag_start(rel, &t->tags, &t->n_tags);
}

static int launch_template_end(void *p, const char *rel, const char *text, size_t len)
{
	struct aws_ec2_launch_template *t = p;

	if (!strcmp(rel, "launchTemplateId"))
		return set_str(&t->template_id, text, len);
	if (!strcmp(rel, "launchTemplateName"))
		return set_str(&t->name, text, len);
	if (!strcmp(rel, "defaultVersionNumber"))
		return set_version(&t->default_version, text, len);
	if (!strcmp(rel, "latestVersionNumber"))
		return set_version(&t->latest_version, text, len);
	if (!strcmp(rel, "createTime"))
		return set_time(&t->create_ms, text, len);
	return tag_end(rel, t->tags, t->n_tags, text, len);
}

static int launch_template_complete(const void *p)
{
	return ((const struct aws_ec2_launch_template *)p)->template_id != NULL;
}

static const struct list_shape launch_template_list = {
	"launchTemplates/item", sizeof(struct aws_ec2_launch_template),
	launch_template_init, launch_template_start, launch_template_end, launch_template_complete,
	launch_template_clear,
};

int aws_ec2_parse_launch_templates(const char *xml, size_t len, struct aws_ec2_launch_templates *ret)
{
	struct list_page pg = {&launch_template_list, NULL, 0, NULL, NULL};
	int rc = list_parse(xml, len, &pg);

	if (rc)
		return rc;
	ret->items = pg.items;
	ret->n = pg.n;
	ret->next_token = pg.next_token;
	ret->request_id = pg.request_id;
	return IT_OK;
}

/* ---- DescribeLaunchTemplateVersions ---- */

static void lt_version_init(void *p)
{
	struct aws_ec2_lt_version *v = p;
	v->is_default = -1;
	v->create_ms = AWS_TIME_UNSET;
}

/* Only launchTemplateData/imageId is read of the data: the rest (network interfaces,
 * block devices with their own items) is below the item and ignored. */
static int lt_version_end(void *p, const char *rel, const char *text, size_t len)
{
	struct aws_ec2_lt_version *v = p;

	if (!strcmp(rel, "launchTemplateId"))
		return set_str(&v->template_id, text, len);
	if (!strcmp(rel, "launchTemplateName"))
		return set_str(&v->name, text, len);
	if (!strcmp(rel, "versionNumber"))
		return set_version(&v->number, text, len);
	if (!strcmp(rel, "defaultVersion"))
		return set_bool(&v->is_default, text, len);
	if (!strcmp(rel, "launchTemplateData/imageId"))
		return set_str(&v->image_id, text, len);
	if (!strcmp(rel, "createTime"))
		return set_time(&v->create_ms, text, len);
	return IT_OK;
}

static int lt_version_complete(const void *p)
{
	const struct aws_ec2_lt_version *v = p;
	return v->template_id != NULL && v->number > 0;
}

static const struct list_shape lt_version_list = {
	"launchTemplateVersionSet/item", sizeof(struct aws_ec2_lt_version),
	lt_version_init, NULL, lt_version_end, lt_version_complete, lt_version_clear,
};

int aws_ec2_parse_lt_versions(const char *xml, size_t len, struct aws_ec2_lt_versions *ret)
{
	struct list_page pg = {&lt_version_list, NULL, 0, NULL, NULL};
	int rc = list_parse(xml, len, &pg);

	if (rc)
		return rc;
	ret->items = pg.items;
	ret->n = pg.n;
	ret->next_token = pg.next_token;
	ret->request_id = pg.request_id;
	return IT_OK;
}

/* ---- calls ---- */

/* aws_query_op parsers: the typed parsers above behind the skeleton's void pointer. */
static int parse_instances(const char *xml, size_t len, void *ret)
{
	return aws_ec2_parse_instances(xml, len, ret);
}

static int parse_images(const char *xml, size_t len, void *ret)
{
	return aws_ec2_parse_images(xml, len, ret);
}

static int parse_instance_images(const char *xml, size_t len, void *ret)
{
	return aws_ec2_parse_instance_images(xml, len, ret);
}

static int parse_launch_templates(const char *xml, size_t len, void *ret)
{
	return aws_ec2_parse_launch_templates(xml, len, ret);
}

static int parse_lt_versions(const char *xml, size_t len, void *ret)
{
	return aws_ec2_parse_lt_versions(xml, len, ret);
}

static const struct aws_query_op describe_launch_templates = {
	AWS_SVC_EC2, "DescribeLaunchTemplates", AWS_EC2_VERSION, "InvalidLaunchTemplateId",
	sizeof(struct aws_ec2_launch_templates), parse_launch_templates, 0, 0,
};

static const struct aws_query_op describe_lt_versions = {
	AWS_SVC_EC2, "DescribeLaunchTemplateVersions", AWS_EC2_VERSION, "InvalidLaunchTemplateId",
	sizeof(struct aws_ec2_lt_versions), parse_lt_versions, 0, 0,
};

static const struct aws_query_op describe_instances = {
	AWS_SVC_EC2, "DescribeInstances", AWS_EC2_VERSION, "InvalidInstanceID",
	sizeof(struct aws_ec2_instances), parse_instances, 0, 0,
};

static const struct aws_query_op describe_images = {
	AWS_SVC_EC2, "DescribeImages", AWS_EC2_VERSION, "InvalidAMIID",
	sizeof(struct aws_ec2_images), parse_images, 0, 0,
};

static const struct aws_query_op describe_instance_image_metadata = {
	AWS_SVC_EC2, "DescribeInstanceImageMetadata", AWS_EC2_VERSION, "InvalidInstanceID",
	sizeof(struct aws_ec2_instance_images), parse_instance_images, 0, 0,
};

/* A Describe call by ids: the action, how its ids are named and checked, and what
 * else its form carries. */
struct by_ids {
	const struct aws_query_op *op;
	const char *param;            /* ids go out as <param>.1 ... <param>.N */
	int (*valid)(const char *id);
	const char *extra;            /* form-encoded tail, or NULL */
	/* an optional call: every failure but throttling, 5xx, the network and missing
	 * credentials means "no fallback" (IT_EUNSUPPORTED), never an error of the ids */
	int optional;
};

static const struct by_ids instances_by_id = {
	&describe_instances, "InstanceId", valid_instance_id, NULL, 0,
};

/* deprecated images are hidden from non-owners unless asked for (docs/aws-facts.md §5) */
static const struct by_ids images_by_id = {
	&describe_images, "ImageId", valid_image_id, "IncludeDeprecated=true", 0,
};

static const struct by_ids launch_templates_by_id = {
	&describe_launch_templates, "LaunchTemplateId", valid_launch_template_id, NULL, 0,
};

static const struct by_ids image_metadata_by_id = {
	&describe_instance_image_metadata, "InstanceId", valid_instance_id, NULL, 1,
};

/* EC2 forms of up to IT_AWS_MAX_IDS ids stay far below this. */
#define PARAMS_MAX (64 * 1024)

/* 1..IT_AWS_MAX_IDS ids, each valid; unknown ids come back as an empty result. */
static int describe_by_ids(struct aws_ctx *ctx, const struct by_ids *d, const char *account,
			   const char *region, const char *const *ids, size_t n, void *ret,
			   struct aws_error *err)
{
	struct aws_query q;
	struct aws_error e;
	struct buf params;
	int rc;

	memset(&e, 0, sizeof(e));
	buf_init(&params, PARAMS_MAX);
	if (!ids || n == 0 || n > IT_AWS_MAX_IDS) {
		rc = aws_error_set(&e, IT_EINVAL, "1..%d ids per %s", IT_AWS_MAX_IDS, d->op->action);
		goto out;
	}
	rc = aws_form_add_list(&params, d->param, ids, n, d->valid);
	if (rc == 0 && d->extra)
		rc = buf_printf(&params, "&%s", d->extra);
	if (rc) {
		aws_error_set(&e, rc, "bad %s list", d->param);
		goto out;
	}
	memset(&q, 0, sizeof(q));
	q.account = account;
	q.region = region;
	q.params = buf_str(&params);
	rc = aws_query_call(ctx, d->op, &q, ret, &e);
	if (rc && d->optional && !status_retryable(rc) && rc != IT_EAUTH)
		rc = e.status = IT_EUNSUPPORTED;
out:
	buf_finish(&params);
	if (rc && err)
		*err = e;
	return rc;
}

int aws_ec2_describe_instances(struct aws_ctx *ctx, const char *account, const char *region,
			       const char *const *ids, size_t n, struct aws_ec2_instances *ret,
			       struct aws_error *err)
{
	return describe_by_ids(ctx, &instances_by_id, account, region, ids, n, ret, err);
}

int aws_ec2_list_instances(struct aws_ctx *ctx, const char *account, const char *region,
			   const char *next_token, struct aws_ec2_instances *ret,
			   struct aws_error *err)
{
	struct aws_query q;

	memset(&q, 0, sizeof(q));
	q.account = account;
	q.region = region;
	q.max_results = 1000;
	q.next_token = next_token;
	return aws_query_call(ctx, &describe_instances, &q, ret, err);
}

int aws_ec2_describe_images(struct aws_ctx *ctx, const char *account, const char *region,
			    const char *const *ids, size_t n, struct aws_ec2_images *ret,
			    struct aws_error *err)
{
	return describe_by_ids(ctx, &images_by_id, account, region, ids, n, ret, err);
}

int aws_ec2_describe_instance_image_metadata(struct aws_ctx *ctx, const char *account,
					     const char *region, const char *const *ids, size_t n,
					     struct aws_ec2_instance_images *ret,
					     struct aws_error *err)
{
	return describe_by_ids(ctx, &image_metadata_by_id, account, region, ids, n, ret, err);
}

int aws_ec2_list_launch_templates(struct aws_ctx *ctx, const char *account, const char *region,
				  const char *next_token, struct aws_ec2_launch_templates *ret,
				  struct aws_error *err)
{
	struct aws_query q;

	memset(&q, 0, sizeof(q));
	q.account = account;
	q.region = region;
	q.max_results = 200;       /* DescribeLaunchTemplates: 1..200 */
	q.next_token = next_token;
	return aws_query_call(ctx, &describe_launch_templates, &q, ret, err);
}

int aws_ec2_describe_launch_templates(struct aws_ctx *ctx, const char *account, const char *region,
				      const char *const *ids, size_t n, struct aws_ec2_launch_templates *ret,
				      struct aws_error *err)
{
	return describe_by_ids(ctx, &launch_templates_by_id, account, region, ids, n, ret, err);
}

/* "$Default", "$Latest", or a version number. */
static int valid_version_spec(const char *v)
{
	struct lt_version_spec spec;
	return lt_version_parse(v, &spec) == IT_OK;
}

int aws_ec2_describe_lt_versions(struct aws_ctx *ctx, const char *account, const char *region,
				 const char *template_id, const char *const *versions, size_t n, int resolve_alias,
				 const char *next_token, struct aws_ec2_lt_versions *ret,
				 struct aws_error *err)
{
	struct aws_query q;
	struct aws_error e;
	struct buf params;
	int rc;

	memset(&e, 0, sizeof(e));
	buf_init(&params, PARAMS_MAX);
	if (!versions || n == 0 || n > IT_AWS_MAX_IDS || (template_id && !valid_launch_template_id(template_id))) {
		rc = aws_error_set(&e, IT_EINVAL, "a launch template id and 1..%d versions", IT_AWS_MAX_IDS);
		goto out;
	}
	/* every template of the region: EC2 takes only the two aliases then */
	for (size_t i = 0; !template_id && i < n; i++)
		if (strcmp(versions[i], "$Default") != 0 && strcmp(versions[i], "$Latest") != 0) {
			rc = aws_error_set(&e, IT_EINVAL, "only $Default and $Latest describe every template");
			goto out;
		}
	rc = template_id ? aws_form_add(&params, "LaunchTemplateId", template_id) : IT_OK;
	if (rc == 0)
		rc = aws_form_add_list(&params, "LaunchTemplateVersion", versions, n, valid_version_spec);
	if (rc == 0 && resolve_alias)
		rc = aws_form_add(&params, "ResolveAlias", "true");
	if (rc) {
		aws_error_set(&e, rc, "bad LaunchTemplateVersion list");
		goto out;
	}
	memset(&q, 0, sizeof(q));
	q.account = account;
	q.region = region;
	q.params = buf_str(&params);
	if (!template_id) {
		q.max_results = 200;
		q.next_token = next_token;
	}
	rc = aws_query_call(ctx, &describe_lt_versions, &q, ret, &e);
	if (rc && !strcmp(e.code, "InvalidLaunchTemplateId.VersionNotFound"))
		rc = e.status = IT_ENOTFOUND;
out:
	buf_finish(&params);
	if (rc && err)
		*err = e;
	return rc;
}
