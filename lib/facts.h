/*
 * facts.h: where judging (assess.h) gets the facts a subject's input does not carry.
 *
 * A facts provider is a struct of function pointers (the OpenSMTPD backend shape), and
 * there are two real ones:
 *
 *  - AWS (service/facts_aws.c): DescribeInstances, DescribeImages and
 *    DescribeInstanceImageMetadata in the member account through the assumed role, with
 *    an image cache. Absent when ITALIC_AWS=off or no credentials were found.
 *  - registered images (facts_registered.h): what an admin registered with
 *    PUT /v1/images/{region}/{image_id}, read from the store. It knows images only, so
 *    its instance member is NULL.
 *
 * assess() asks AWS first and falls back to registered images (docs/verdicts.md, "How a
 * verdict is made"); a unit test gives it a fake of either.
 *
 * Errors: retryable failures (throttling, 5xx, network) are returned as such
 * (status_retryable()), so the caller can retry the input with backoff instead of
 * judging without facts. IT_EAUTH means the credentials vanished: judge as without AWS.
 */
#ifndef ITALIC_FACTS_H
#define ITALIC_FACTS_H

#include <stddef.h>

#include "image_facts.h"
#include "limits.h"

/* What DescribeInstances says about one instance. */
struct instance_facts {
	char image_id[IT_IMAGE_ID_SIZE];
	char state[IT_STATE_SIZE];  /* pending, running, ..., terminated */
	struct image_tag *tags;     /* owned; n_tags entries */
	size_t n_tags;
	int tags_known;
};

/* Frees f's tags (f itself is the caller's). NULL is a no-op. */
void instance_facts_finish(struct instance_facts *f);

struct facts_provider {
	/* IT_OK with *ret filled (finish it), IT_ENOTFOUND (AWS says no such instance), or
	 * an IT_E* error. NULL: this provider knows nothing of instances. */
	int (*instance)(void *ctx, const char *account, const char *region, const char *instance_id,
			struct instance_facts *ret);
	/* IT_OK with facts (status FOUND or NOT_FOUND, source set; owned by the caller),
	 * IT_ENOTFOUND (this provider has nothing on the image), or an IT_E* error.
	 * instance_id (may be NULL) lets the provider fall back to the instance's own record
	 * of its image when the image itself is gone. */
	int (*image)(void *ctx, const char *account, const char *region, const char *image_id,
		     const char *instance_id, struct image_facts **ret);
	void *ctx;
};

#endif
