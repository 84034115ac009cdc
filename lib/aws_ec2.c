/* aws_ec2.c: DescribeInstances / DescribeImages / DescribeInstanceImageMetadata (see aws_ec2.h). */
#include "aws_ec2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_xml.h"
#include "parse.h"
#include "status.h"

#define EC2_VERSION "2016-11-15"
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

static void image_clear(struct aws_ec2_image *im)
{
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

void aws_ec2_instances_free(struct aws_ec2_instances *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->items && i < r->n; i++) {
		struct aws_ec2_instance *in = &r->items[i];
		free(in->instance_id);
		free(in->image_id);
		free(in->state_name);
		free(in->platform);
		free(in->platform_details);
		tags_free(in->tags, in->n_tags);
	}
	free(r->items);
	free(r->next_token);
	free(r->request_id);
	memset(r, 0, sizeof(*r));
}

void aws_ec2_images_free(struct aws_ec2_images *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->items && i < r->n; i++)
		image_clear(&r->items[i]);
	free(r->items);
	free(r->next_token);
	free(r->request_id);
	memset(r, 0, sizeof(*r));
}

void aws_ec2_instance_images_free(struct aws_ec2_instance_images *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->items && i < r->n; i++) {
		free(r->items[i].instance_id);
		free(r->items[i].state_name);
		image_clear(&r->items[i].image);
	}
	free(r->items);
	free(r->next_token);
	free(r->request_id);
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

static int top_level(const char *joined, const char *text, size_t len, char **next_token,
		     char **request_id)
{
	if (!strcmp(joined, "nextToken"))
		return set_str(next_token, text, len);
	if (!strcmp(joined, "requestId"))
		return set_str(request_id, text, len);
	return IT_OK;
}

/* ---- DescribeInstances ---- */

#define INSTANCE_ITEM "reservationSet/item/instancesSet/item"

static int inst_start(void *ctx, const char *const *path, int depth)
{
	struct aws_ec2_instances *r = ctx;
	char j[JOINED_MAX];
	const char *rel;
	int rc;

	join(path, depth, j);
	if (!strcmp(j, INSTANCE_ITEM)) {
		rc = grow((void **)&r->items, &r->n, sizeof(*r->items), IT_AWS_MAX_ITEMS);
		if (rc == 0) {
			r->items[r->n - 1].state_code = -1;
			r->items[r->n - 1].launch_time_ms = AWS_TIME_UNSET;
		}
		return rc;
	}
	rel = below(j, INSTANCE_ITEM);
	if (rel && r->n)
		return tag_start(rel, &r->items[r->n - 1].tags, &r->items[r->n - 1].n_tags);
	return IT_OK;
}

static int inst_end(void *ctx, const char *const *path, int depth, const char *text, size_t len)
{
	struct aws_ec2_instances *r = ctx;
	struct aws_ec2_instance *in;
	char j[JOINED_MAX];
	const char *rel;

	join(path, depth, j);
	rel = below(j, INSTANCE_ITEM);
	if (!rel || !r->n)
		return top_level(j, text, len, &r->next_token, &r->request_id);
	in = &r->items[r->n - 1];
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

int aws_ec2_parse_instances(const char *xml, size_t len, struct aws_ec2_instances *ret)
{
	struct aws_ec2_instances r;
	struct aws_xml_handler h = {inst_start, inst_end, &r};
	int rc;

	memset(&r, 0, sizeof(r));
	rc = aws_xml_parse(xml, len, &h);
	for (size_t i = 0; rc == 0 && i < r.n; i++)
		if (!r.items[i].instance_id)
			rc = IT_EINVAL;
	if (rc) {
		aws_ec2_instances_free(&r);
		return rc;
	}
	*ret = r;
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

static int img_start(void *ctx, const char *const *path, int depth)
{
	struct aws_ec2_images *r = ctx;
	char j[JOINED_MAX];
	const char *rel;
	int rc;

	join(path, depth, j);
	if (!strcmp(j, "imagesSet/item")) {
		rc = grow((void **)&r->items, &r->n, sizeof(*r->items), IT_AWS_MAX_ITEMS);
		if (rc == 0)
			image_init(&r->items[r->n - 1]);
		return rc;
	}
	rel = below(j, "imagesSet/item");
	if (rel && r->n)
		return image_start_below(&r->items[r->n - 1], rel);
	return IT_OK;
}

static int img_end(void *ctx, const char *const *path, int depth, const char *text, size_t len)
{
	struct aws_ec2_images *r = ctx;
	char j[JOINED_MAX];
	const char *rel;

	join(path, depth, j);
	rel = below(j, "imagesSet/item");
	if (!rel || !r->n)
		return top_level(j, text, len, &r->next_token, &r->request_id);
	/* "ownerId"/"state" are metadata spellings: in DescribeImages they do not occur
	 * at item level, so sharing image_field() is safe */
	return image_field(&r->items[r->n - 1], rel, text, len);
}

int aws_ec2_parse_images(const char *xml, size_t len, struct aws_ec2_images *ret)
{
	struct aws_ec2_images r;
	struct aws_xml_handler h = {img_start, img_end, &r};
	int rc;

	memset(&r, 0, sizeof(r));
	rc = aws_xml_parse(xml, len, &h);
	for (size_t i = 0; rc == 0 && i < r.n; i++)
		if (!r.items[i].image_id)
			rc = IT_EINVAL;
	if (rc) {
		aws_ec2_images_free(&r);
		return rc;
	}
	*ret = r;
	return IT_OK;
}

/* ---- DescribeInstanceImageMetadata ---- */

#define META_ITEM "instanceImageMetadataSet/item"

static int meta_start(void *ctx, const char *const *path, int depth)
{
	struct aws_ec2_instance_images *r = ctx;
	char j[JOINED_MAX];
	const char *rel;
	int rc;

	join(path, depth, j);
	if (!strcmp(j, META_ITEM)) {
		rc = grow((void **)&r->items, &r->n, sizeof(*r->items), IT_AWS_MAX_ITEMS);
		if (rc == 0) {
			r->items[r->n - 1].state_code = -1;
			r->items[r->n - 1].launch_time_ms = AWS_TIME_UNSET;
			image_init(&r->items[r->n - 1].image);
		}
		return rc;
	}
	rel = below(j, META_ITEM);
	if (rel && r->n) {
		const char *irel = below(rel, "imageMetadata");
		if (irel)
			return image_start_below(&r->items[r->n - 1].image, irel);
	}
	return IT_OK;
}

static int meta_end(void *ctx, const char *const *path, int depth, const char *text, size_t len)
{
	struct aws_ec2_instance_images *r = ctx;
	struct aws_ec2_instance_image *it;
	char j[JOINED_MAX];
	const char *rel, *irel;

	join(path, depth, j);
	rel = below(j, META_ITEM);
	if (!rel || !r->n)
		return top_level(j, text, len, &r->next_token, &r->request_id);
	it = &r->items[r->n - 1];
	irel = below(rel, "imageMetadata");
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

int aws_ec2_parse_instance_images(const char *xml, size_t len, struct aws_ec2_instance_images *ret)
{
	struct aws_ec2_instance_images r;
	struct aws_xml_handler h = {meta_start, meta_end, &r};
	int rc;

	memset(&r, 0, sizeof(r));
	rc = aws_xml_parse(xml, len, &h);
	for (size_t i = 0; rc == 0 && i < r.n; i++)
		if (!r.items[i].instance_id)
			rc = IT_EINVAL;
	if (rc) {
		aws_ec2_instance_images_free(&r);
		return rc;
	}
	*ret = r;
	return IT_OK;
}

/* ---- calls ---- */

static int ec2_post(struct aws_ctx *ctx, const char *account, const char *region,
		    const struct buf *form, struct buf *ret, struct aws_error *err)
{
	struct aws_call call;

	memset(&call, 0, sizeof(call));
	call.service = AWS_SVC_EC2;
	call.region = region;
	call.account = account;
	call.method = "POST";
	call.path = "/";
	call.content_type = "application/x-www-form-urlencoded; charset=utf-8";
	call.body = form->data;
	call.body_len = form->len;
	call.kind = AWS_BODY_XML;
	return aws_call(ctx, &call, ret, err);
}

static int form_ids(struct buf *form, const char *action, const char *param,
		    const char *const *ids, size_t n, int (*valid)(const char *))
{
	char name[64];
	int rc;

	rc = aws_form_add(form, "Action", action);
	if (rc == 0)
		rc = aws_form_add(form, "Version", EC2_VERSION);
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!valid(ids[i]))
			return IT_EINVAL;
		snprintf(name, sizeof(name), "%s.%zu", param, i + 1);
		rc = aws_form_add(form, name, ids[i]);
	}
	return rc;
}

static int not_found_code(const struct aws_error *e, const char *prefix)
{
	size_t n = strlen(prefix);
	return !strncmp(e->code, prefix, n) &&
	       (!strcmp(e->code + n, ".NotFound") || !strcmp(e->code + n, ".Unavailable"));
}

int aws_ec2_describe_instances(struct aws_ctx *ctx, const char *account, const char *region,
			       const char *const *ids, size_t n, struct aws_ec2_instances *ret,
			       struct aws_error *err)
{
	struct buf form, body;
	struct aws_error e;
	int rc;

	if (!ids || n == 0 || n > IT_AWS_MAX_IDS)
		return aws_error_set(err, IT_EINVAL, "1..%d instance ids", IT_AWS_MAX_IDS);
	memset(&e, 0, sizeof(e));
	buf_init(&form, 64 * 1024);
	buf_init(&body, 0);
	rc = form_ids(&form, "DescribeInstances", "InstanceId", ids, n, valid_instance_id);
	if (rc) {
		aws_error_set(&e, rc, "bad instance id list");
		goto out;
	}
	rc = ec2_post(ctx, account, region, &form, &body, &e);
	if (rc == IT_ENOTFOUND && not_found_code(&e, "InvalidInstanceID")) {
		/* one unknown id fails the whole call: the caller sees "not there" */
		memset(ret, 0, sizeof(*ret));
		rc = IT_OK;
		goto out;
	}
	if (rc == 0) {
		rc = aws_ec2_parse_instances(body.data, body.len, ret);
		if (rc)
			aws_error_set(&e, rc, "unparsable DescribeInstances response");
	}
out:
	if (rc && err)
		*err = e;
	buf_finish(&form);
	buf_finish(&body);
	return rc;
}

int aws_ec2_list_instances(struct aws_ctx *ctx, const char *account, const char *region,
			   const char *next_token, struct aws_ec2_instances *ret,
			   struct aws_error *err)
{
	struct buf form, body;
	int rc;

	buf_init(&form, 64 * 1024);
	buf_init(&body, 0);
	rc = aws_form_add(&form, "Action", "DescribeInstances");
	if (rc == 0)
		rc = aws_form_add(&form, "Version", EC2_VERSION);
	if (rc == 0)
		rc = aws_form_add(&form, "MaxResults", "1000");
	if (rc == 0 && next_token)
		rc = aws_form_add(&form, "NextToken", next_token);
	if (rc)
		aws_error_set(err, rc, "bad NextToken");
	else
		rc = ec2_post(ctx, account, region, &form, &body, err);
	if (rc == 0) {
		rc = aws_ec2_parse_instances(body.data, body.len, ret);
		if (rc)
			aws_error_set(err, rc, "unparsable DescribeInstances response");
	}
	buf_finish(&form);
	buf_finish(&body);
	return rc;
}

int aws_ec2_describe_images(struct aws_ctx *ctx, const char *account, const char *region,
			    const char *const *ids, size_t n, struct aws_ec2_images *ret,
			    struct aws_error *err)
{
	struct buf form, body;
	struct aws_error e;
	int rc;

	if (!ids || n == 0 || n > IT_AWS_MAX_IDS)
		return aws_error_set(err, IT_EINVAL, "1..%d image ids", IT_AWS_MAX_IDS);
	memset(&e, 0, sizeof(e));
	buf_init(&form, 64 * 1024);
	buf_init(&body, 0);
	rc = form_ids(&form, "DescribeImages", "ImageId", ids, n, valid_image_id);
	if (rc == 0)
		rc = aws_form_add(&form, "IncludeDeprecated", "true");
	if (rc) {
		aws_error_set(&e, rc, "bad image id list");
		goto out;
	}
	rc = ec2_post(ctx, account, region, &form, &body, &e);
	if (rc == IT_ENOTFOUND && not_found_code(&e, "InvalidAMIID")) {
		memset(ret, 0, sizeof(*ret));
		rc = IT_OK;
		goto out;
	}
	if (rc == 0) {
		rc = aws_ec2_parse_images(body.data, body.len, ret);
		if (rc)
			aws_error_set(&e, rc, "unparsable DescribeImages response");
	}
out:
	if (rc && err)
		*err = e;
	buf_finish(&form);
	buf_finish(&body);
	return rc;
}

int aws_ec2_describe_instance_image_metadata(struct aws_ctx *ctx, const char *account,
					     const char *region, const char *const *ids, size_t n,
					     struct aws_ec2_instance_images *ret,
					     struct aws_error *err)
{
	struct buf form, body;
	struct aws_error e;
	int rc;

	if (!ids || n == 0 || n > IT_AWS_MAX_IDS)
		return aws_error_set(err, IT_EINVAL, "1..%d instance ids", IT_AWS_MAX_IDS);
	memset(&e, 0, sizeof(e));
	buf_init(&form, 64 * 1024);
	buf_init(&body, 0);
	rc = form_ids(&form, "DescribeInstanceImageMetadata", "InstanceId", ids, n,
		      valid_instance_id);
	if (rc) {
		aws_error_set(&e, rc, "bad instance id list");
		goto out;
	}
	rc = ec2_post(ctx, account, region, &form, &body, &e);
	if (rc == IT_ENOTFOUND && not_found_code(&e, "InvalidInstanceID")) {
		memset(ret, 0, sizeof(*ret));
		rc = IT_OK;
		goto out;
	}
	if (rc == 0) {
		rc = aws_ec2_parse_instance_images(body.data, body.len, ret);
		if (rc)
			rc = aws_error_set(&e, IT_EUNSUPPORTED, "unparsable metadata: no fallback");
	} else if (!status_retryable(rc) && rc != IT_EAUTH) {
		/* unknown action in this partition, no permission, ...: no fallback */
		e.status = IT_EUNSUPPORTED;
		rc = IT_EUNSUPPORTED;
	}
out:
	if (rc && err)
		*err = e;
	buf_finish(&form);
	buf_finish(&body);
	return rc;
}
