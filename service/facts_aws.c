/* facts_aws.c: instance and image facts from EC2 (see facts_aws.h). */
#include "facts_aws.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_ec2.h"
#include "clock.h"
#include "parse.h"
#include "status.h"

#define CACHE_SLOTS 4096

struct cache_entry {
	char key[80];        /* account/region/image */
	char *facts_json;    /* image_facts_to_json text */
	int64_t expires_ms;
};

struct facts_aws {
	struct server *srv;
	struct aws_ctx *ctx;
	struct facts_provider provider;
	pthread_mutex_t mu;
	struct cache_entry *cache;
	int member_role;     /* a role is configured: other member accounts are reachable */
};

static void count(struct facts_aws *f, const char *op, const char *outcome)
{
	char labels[128];
	snprintf(labels, sizeof(labels), "service=\"ec2\",operation=\"%s\",outcome=\"%s\"", op, outcome);
	metrics_add(f->srv->metrics, "italic_aws_calls_total", labels, 1);
}

static const char *outcome_of(int rc)
{
	switch (rc) {
	case IT_OK: return "ok";
	case IT_ENOTFOUND: return "not_found";
	case IT_ETHROTTLE: return "throttled";
	case IT_ESERVER: return "server_error";
	case IT_ENETWORK: return "network_error";
	case IT_EDENIED: return "denied";
	case IT_EUNSUPPORTED: return "unsupported";
	default: return "error";
	}
}

/* An answer that does not parse is the server's fault, and usually passes: retry it
 * like a 5xx rather than judging with no facts. */
static int transient(int rc)
{
	return rc == IT_EINVAL ? IT_ESERVER : rc;
}

static size_t slot_of(const char *key)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return (size_t)(h % CACHE_SLOTS);
}

/* Direct-mapped cache: a collision evicts, which bounds memory and costs one call. */
static struct image_facts *cache_get(struct facts_aws *f, const char *key)
{
	struct cache_entry *e = &f->cache[slot_of(key)];
	struct image_facts *facts = NULL;
	json_t *j = NULL;

	pthread_mutex_lock(&f->mu);
	if (e->facts_json && strcmp(e->key, key) == 0 && e->expires_ms > clock_now_ms(f->srv->clock))
		j = json_loads(e->facts_json, 0, NULL);
	pthread_mutex_unlock(&f->mu);
	if (j && image_facts_from_json(j, &facts, NULL) != IT_OK)
		facts = NULL;
	json_decref(j);
	return facts;
}

static void cache_put(struct facts_aws *f, const char *key, const struct image_facts *facts)
{
	struct cache_entry *e = &f->cache[slot_of(key)];
	json_t *j = NULL;
	char *text;

	if (f->srv->cfg.image_cache_ttl_s == 0 || image_facts_to_json(facts, &j) != IT_OK)
		return;
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text)
		return;
	pthread_mutex_lock(&f->mu);
	free(e->facts_json);
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->facts_json = text;
	e->expires_ms = clock_now_ms(f->srv->clock) + (int64_t)f->srv->cfg.image_cache_ttl_s * 1000;
	pthread_mutex_unlock(&f->mu);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int copy_tags(const struct aws_tag *in, size_t n, struct image_tag **ret, size_t *ret_n)
{
	struct image_tag *t;

	if (n > IT_MAX_FACT_TAGS)
		n = IT_MAX_FACT_TAGS;
	t = calloc(n ? n : 1, sizeof(*t));
	if (!t)
		return IT_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		t[i].key = strdup(in[i].key ? in[i].key : "");
		t[i].value = strdup(in[i].value ? in[i].value : "");
		if (!t[i].key || !t[i].value) {
			for (size_t k = 0; k <= i; k++) {
				free(t[k].key);
				free(t[k].value);
			}
			free(t);
			return IT_ENOMEM;
		}
	}
	*ret = t;
	*ret_n = n;
	return IT_OK;
}

static int instance(void *vctx, const char *account, const char *region, const char *instance_id,
		    struct instance_facts *ret)
{
	struct facts_aws *f = vctx;
	struct aws_ec2_instances out;
	struct aws_error err;
	struct instance_facts r;
	const char *ids[1] = {instance_id};
	int rc;

	memset(&out, 0, sizeof(out));
	rc = transient(aws_ec2_describe_instances(f->ctx, account, region, ids, 1, &out, &err));
	if (rc == IT_OK && out.n == 0)
		rc = IT_ENOTFOUND;
	count(f, "DescribeInstances", outcome_of(rc));
	if (rc) {
		if (rc != IT_ENOTFOUND)
			log_kv(&f->srv->log, LOG_WARN, NULL, "DescribeInstances failed.", "cloud.account.id", account,
			       "cloud.region", region, "error.code", err.code, "error.message", err.message,
			       "italic.aws_request_id", err.request_id, NULL);
		aws_ec2_instances_free(&out);
		return rc;
	}
	memset(&r, 0, sizeof(r));
	snprintf(r.image_id, sizeof(r.image_id), "%s", out.items[0].image_id ? out.items[0].image_id : "");
	snprintf(r.state, sizeof(r.state), "%s", out.items[0].state_name ? out.items[0].state_name : "");
	rc = copy_tags(out.items[0].tags, out.items[0].n_tags, &r.tags, &r.n_tags);
	r.tags_known = 1;
	aws_ec2_instances_free(&out);
	if (rc)
		return rc;
	*ret = r;
	return IT_OK;
}

static int facts_from_image(const struct aws_ec2_image *im, const char *source, struct image_facts **ret)
{
	struct image_facts *f = image_facts_new(im->image_id);
	const char *platform;

	if (!f)
		return IT_ENOMEM;
	f->status = IMAGE_FOUND;
	snprintf(f->owner_id, sizeof(f->owner_id), "%s", im->owner_id ? im->owner_id : "");
	snprintf(f->owner_alias, sizeof(f->owner_alias), "%s", im->owner_alias ? im->owner_alias : "");
	f->name = dup_or_null(im->name);
	f->creation_ms = im->creation_ms == AWS_TIME_UNSET ? IMAGE_NO_TIME : im->creation_ms;
	f->deprecation_ms = im->deprecation_ms == AWS_TIME_UNSET ? IMAGE_NO_TIME : im->deprecation_ms;
	platform = image_platform_from_ec2(im->platform, im->platform_details);
	snprintf(f->platform, sizeof(f->platform), "%s", platform ? platform : "");
	if (im->n_product_codes) {
		size_t n = im->n_product_codes < IT_MAX_PRODUCT_CODES ? im->n_product_codes : IT_MAX_PRODUCT_CODES;
		f->product_codes = calloc(n, sizeof(*f->product_codes));
		for (size_t i = 0; f->product_codes && i < n; i++) {
			f->product_codes[i] = dup_or_null(im->product_codes[i].code);
			if (f->product_codes[i])
				f->n_product_codes++;
		}
	}
	f->source = strdup(source);
	if ((im->name && !f->name) || !f->source) {
		image_facts_free(f);
		return IT_ENOMEM;
	}
	*ret = f;
	return IT_OK;
}

/* Tags of an image owned by another member account are only visible in that account. */
static void owner_tags(struct facts_aws *f, const char *account, const char *region, const struct aws_ec2_image *im,
		       struct image_facts *facts)
{
	struct aws_ec2_images out;
	struct aws_error err;
	const char *ids[1] = {im->image_id};
	int rc;

	if (!im->owner_id || strcmp(im->owner_id, account) == 0) {
		facts->tags_known = copy_tags(im->tags, im->n_tags, &facts->tags, &facts->n_tags) == IT_OK;
		return;
	}
	if (!f->member_role || !valid_account_id(im->owner_id)) {
		facts->tags_known = 0;   /* "tags unavailable", not "tag missing" */
		return;
	}
	memset(&out, 0, sizeof(out));
	rc = aws_ec2_describe_images(f->ctx, im->owner_id, region, ids, 1, &out, &err);
	count(f, "DescribeImages", outcome_of(rc));
	if (rc == IT_OK && out.n == 1)
		facts->tags_known = copy_tags(out.items[0].tags, out.items[0].n_tags, &facts->tags, &facts->n_tags) == IT_OK;
	else
		facts->tags_known = 0;
	aws_ec2_images_free(&out);
}

static int image(void *vctx, const char *account, const char *region, const char *image_id, const char *instance_id,
		 struct image_facts **ret)
{
	struct facts_aws *f = vctx;
	struct aws_ec2_images out;
	struct aws_error err;
	struct image_facts *facts = NULL;
	const char *ids[1] = {image_id};
	char key[80];
	int rc;

	snprintf(key, sizeof(key), "%s/%s/%s", account, region, image_id);
	facts = cache_get(f, key);
	if (facts) {
		metrics_add(f->srv->metrics, "italic_image_cache_total", "result=\"hit\"", 1);
		*ret = facts;
		return IT_OK;
	}
	metrics_add(f->srv->metrics, "italic_image_cache_total", "result=\"miss\"", 1);
	memset(&out, 0, sizeof(out));
	rc = transient(aws_ec2_describe_images(f->ctx, account, region, ids, 1, &out, &err));
	count(f, "DescribeImages", outcome_of(rc));
	if (rc) {
		log_kv(&f->srv->log, LOG_WARN, NULL, "DescribeImages failed.", "cloud.account.id", account, "cloud.region",
		       region, "error.code", err.code, "error.message", err.message, "italic.aws_request_id",
		       err.request_id, NULL);
		aws_ec2_images_free(&out);
		return rc;
	}
	if (out.n == 1) {
		rc = facts_from_image(&out.items[0], "describe-images", &facts);
		if (rc == IT_OK)
			owner_tags(f, account, region, &out.items[0], facts);
		aws_ec2_images_free(&out);
		if (rc)
			return rc;
		cache_put(f, key, facts);
		*ret = facts;
		return IT_OK;
	}
	aws_ec2_images_free(&out);

	/* Gone or no longer shared: the instance's own record of its image, if EC2 has it. */
	if (instance_id) {
		struct aws_ec2_instance_images meta;
		const char *iids[1] = {instance_id};
		memset(&meta, 0, sizeof(meta));
		rc = aws_ec2_describe_instance_image_metadata(f->ctx, account, region, iids, 1, &meta, &err);
		count(f, "DescribeInstanceImageMetadata", outcome_of(rc));
		if (rc == IT_OK && meta.n == 1 && meta.items[0].image.image_id &&
		    strcmp(meta.items[0].image.image_id, image_id) == 0) {
			rc = facts_from_image(&meta.items[0].image, "instance-image-metadata", &facts);
			if (rc == IT_OK)
				facts->tags_known = 0;
			aws_ec2_instance_images_free(&meta);
			if (rc)
				return rc;
			*ret = facts;
			return IT_OK;
		}
		aws_ec2_instance_images_free(&meta);
		if (rc && rc != IT_EUNSUPPORTED && status_retryable(rc))
			return rc;
	}
	facts = image_facts_new(image_id);
	if (!facts)
		return IT_ENOMEM;
	facts->status = IMAGE_NOT_FOUND;
	facts->source = strdup("describe-images");
	*ret = facts;
	return IT_OK;
}

int facts_aws_new(struct server *srv, struct aws_ctx *ctx, struct facts_aws **ret)
{
	struct facts_aws *f = calloc(1, sizeof(*f));

	if (!f)
		return IT_ENOMEM;
	f->cache = calloc(CACHE_SLOTS, sizeof(*f->cache));
	if (!f->cache) {
		free(f);
		return IT_ENOMEM;
	}
	f->srv = srv;
	f->ctx = ctx;
	f->member_role = srv->cfg.member_role[0] != 0;
	pthread_mutex_init(&f->mu, NULL);
	f->provider.instance = instance;
	f->provider.image = image;
	f->provider.ctx = f;
	*ret = f;
	return IT_OK;
}

void facts_aws_free(struct facts_aws *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		free(f->cache[i].facts_json);
	free(f->cache);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

const struct facts_provider *facts_aws_provider(struct facts_aws *f)
{
	return &f->provider;
}
