/*
 * facts.h: where the evaluator gets facts it cannot take from the event.
 *
 * Two implementations: none at all (ITALIC_AWS=off, or no credentials found: the
 * evaluator then uses what the event carries plus registered images), and AWS
 * (facts_aws.c: DescribeInstances / DescribeImages / DescribeInstanceImageMetadata in
 * the member account through the assumed role). Retryable failures (throttling, 5xx,
 * network) are returned as such so the evaluator can retry the event with backoff.
 */
#ifndef ITALIC_FACTS_H
#define ITALIC_FACTS_H

#include <stddef.h>

#include "image_facts.h"

struct instance_facts {
	char image_id[32];
	char state[24];             /* pending, running, ..., terminated */
	struct image_tag *tags;     /* owned; n_tags entries */
	size_t n_tags;
	int tags_known;
};

void instance_facts_finish(struct instance_facts *f);

struct facts_provider {
	/* IT_OK, IT_ENOTFOUND (AWS says no such instance), or an IT_E* error (retryable per
	 * status_retryable()). */
	int (*instance)(void *ctx, const char *account, const char *region, const char *instance_id,
			struct instance_facts *ret);
	/* IT_OK with facts (status FOUND or NOT_FOUND, source set), or an IT_E* error.
	 * instance_id (may be NULL) lets the provider fall back to the instance's own
	 * record of its image when the image itself is gone. */
	int (*image)(void *ctx, const char *account, const char *region, const char *image_id,
		     const char *instance_id, struct image_facts **ret);
	void *ctx;
};

#endif
