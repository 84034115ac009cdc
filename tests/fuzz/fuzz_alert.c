/*
 * fuzz_alert: the alert inputs that come from outside or from stored text: a webhook
 * URL and an event bus (settings), a Retry-After value (a receiver's answer), and an
 * alert payload as stored in the outbox, fitted to a size and rendered for Slack. The
 * input's first byte picks the fitting bound, the rest is the text.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "aws_events.h"
#include "status.h"
#include "webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webhook_url u;
	struct webhook_result r;
	char *text, *out = NULL, region[32];
	const char *why = NULL;
	int64_t at = 0;
	size_t max;
	json_t *j;

	if (size < 1 || size > 64 * 1024)
		return 0;
	max = 64 + (size_t)data[0] * 64;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (webhook_url_check(text, &u, &why) == IT_OK && strncmp(u.url, u.origin, strlen(u.origin)) != 0)
		__builtin_trap();
	if (webhook_retry_after(text, 1768478400000LL, &at) == IT_OK &&
	    (at < 1768478401000LL || at > 1768478400000LL + IT_WEBHOOK_RETRY_AFTER_MAX_MS))
		__builtin_trap();
	webhook_classify(IT_OK, 503, text, text, strlen(text), 1768478400000LL, &r);
	if (strlen(r.answer) > IT_WEBHOOK_ANSWER_KEPT)
		__builtin_trap();
	(void)aws_events_bus_valid(text, region, sizeof(region));
	j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	if (j) {
		if (alert_fit(j, max, &out) == IT_OK) {
			if (strlen(out) > max)
				__builtin_trap();
			free(out);
		}
		out = NULL;
		if (alert_slack_body(j, &out) == IT_OK)
			free(out);
		json_decref(j);
	}
	free(text);
	return 0;
}
