/*
 * fuzz_event: the whole POST /v1/events parser, bytes in, event or error out.
 *
 * Beyond "no crash", checks the invariants event.h promises, so a fuzzer finding a
 * path that breaks them stops there.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "parse.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct event *ev)
{
	if (!ev->id || !valid_account_id(ev->account) || !valid_region(ev->region))
		abort();
	if ((ev->kind == EVENT_CONFIG_RULE_INVOCATION) != (ev->rule != NULL))
		abort();
	if ((ev->kind == EVENT_IGNORED) != (ev->ignored_reason != NULL))
		abort();
	if (ev->kind == EVENT_IGNORED && ev->n_obs != 0)
		abort();
	for (size_t i = 0; i < ev->n_obs; i++) {
		const struct event_observation *o = &ev->obs[i];
		if (strcmp(o->account, ev->account) != 0 || strcmp(o->region, ev->region) != 0)
			abort();
		if (!valid_instance_id(o->instance_id) || (o->image_id && !valid_image_id(o->image_id)))
			abort();
		if (o->n_tags && !o->tags_known)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_err err;
	struct event *ev = NULL;

	if (event_parse((const char *)data, size, &ev, &err) == IT_OK) {
		check(ev);
		event_free(ev);
	}
	return 0;
}
