/*
 * facts_registered.h: the registered-images facts provider (facts.h) over the store.
 *
 * An image registered with PUT /v1/images/{region}/{image_id} (table images) fills in
 * what AWS could not tell: judging asks it when AWS is not in use, failed, or reports
 * the image gone. AMI ids are regional, so the lookup is (region, image_id); the account
 * and instance do not matter. It knows nothing of instances (instance is NULL).
 */
#ifndef ITALIC_FACTS_REGISTERED_H
#define ITALIC_FACTS_REGISTERED_H

#include "facts.h"
#include "store.h"

/* The provider over db (borrowed: a connection of the calling thread, which must
 * outlive every call through the provider). */
struct facts_provider facts_registered(struct store *db);

#endif
