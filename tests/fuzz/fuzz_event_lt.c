/*
 * fuzz_event_lt: the POST /v1/events parser on launch-template events and instance
 * links, checking the invariants event_lt.h adds to event.h's: a template event has a
 * template and no observations, the template's account and region are the event's, its
 * id and image are valid, and every observation's lt_id is a template id.
 *
 * The corpus (tests/fuzz/corpus/event_lt) is every fixture of tests/fixtures/event_lt,
 * good and bad, so the fuzzer starts from each CloudTrail call, Config item and link.
 * A second pass over each input parses it as a bare image reference and version.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "event_lt.h"
#include "launch_template.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct event *ev)
{
	const struct event_lt *lt = ev->lt;
	struct lt_image_ref ref;

	if ((ev->kind == EVENT_LAUNCH_TEMPLATE) && (!lt || ev->n_obs != 0))
		abort();
	if (ev->kind == EVENT_IGNORED && lt)
		abort();
	if (lt) {
		if (ev->kind != EVENT_LAUNCH_TEMPLATE && ev->kind != EVENT_CONFIG_RULE_INVOCATION)
			abort();
		if (strcmp(lt->account, ev->account) != 0 || strcmp(lt->region, ev->region) != 0)
			abort();
		if (!valid_launch_template_id(lt->template_id))
			abort();
		if (lt->has_version && lt->version.image && lt_image_ref_parse(lt->version.image, &ref) != IT_OK)
			abort();
		if (lt->n_gone > IT_LT_MAX_GONE_VERSIONS || (lt->n_gone && !lt->gone))
			abort();
		if (lt->default_version < 0 || lt->latest_version < 0 ||
		    (lt->default_version && lt->latest_version && lt->default_version > lt->latest_version &&
		     lt->action != EVENT_LT_CREATE_VERSION && lt->action != EVENT_LT_MODIFY))
			abort();
	}
	for (size_t i = 0; i < ev->n_obs; i++)
		if (ev->obs[i].lt_id && !valid_launch_template_id(ev->obs[i].lt_id))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_err err;
	struct event *ev = NULL;
	struct lt_image_ref ref;
	struct lt_version_spec v;
	char *s;

	if (event_parse((const char *)data, size, &ev, &err) == IT_OK) {
		check(ev);
		event_free(ev);
	}
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (lt_image_ref_parse(s, &ref) == IT_OK) {
		if (ref.kind == LT_IMAGE_SSM && (!ref.parameter[0] || strlen(ref.parameter) > IT_LT_MAX_PARAMETER))
			abort();
		if (ref.selector_is_version && !ref.selector[0])
			abort();
	}
	if (lt_version_parse(s, &v) == IT_OK && v.kind == LT_VERSION_NUMBER &&
	    (v.number < 1 || v.number > IT_LT_MAX_VERSION))
		abort();
	free(s);
	return 0;
}
