/*
 * fuzz_config_invocation: the double-JSON path of a Config rule invocation.
 *
 * The input's first byte picks the field it becomes (invokingEvent or ruleParameters),
 * the rest is that field's text, embedded as a JSON string in an otherwise valid
 * invocation, so the fuzzer works on the inner documents directly instead of having
 * to learn JSON string escaping first.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char default_ie[] =
	"{\"configurationItem\":{\"configurationItemCaptureTime\":\"2023-04-27T15:03:11.636Z\","
	"\"awsAccountId\":\"123456789012\",\"configurationItemStatus\":\"OK\","
	"\"resourceType\":\"AWS::EC2::Instance\",\"resourceId\":\"i-042dd005362091826\","
	"\"awsRegion\":\"us-east-1\",\"configuration\":{\"imageId\":\"ami-09d95fab7fff3776c\"},"
	"\"tags\":{\"Name\":\"x\"}},\"notificationCreationTime\":\"2023-04-27T15:03:13.332Z\","
	"\"messageType\":\"ConfigurationItemChangeNotification\",\"recordVersion\":\"1.3\"}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_err err;
	struct event *ev = NULL;
	json_t *text, *root;
	char *body;
	int inner_is_params;

	if (size < 1)
		return 0;
	inner_is_params = data[0] & 1;
	/* jansson strings must be UTF-8: other bytes cannot reach the inner parser. */
	text = json_stringn((const char *)data + 1, size - 1);
	if (!text)
		return 0;
	root = json_pack("{s:s,s:o,s:o,s:s,s:s,s:s,s:s,s:b,s:s}", "version", "1.0",
			 "invokingEvent", inner_is_params ? json_string(default_ie) : text,
			 "ruleParameters", inner_is_params ? text : json_string("{}"),
			 "resultToken", "tok",
			 "configRuleArn", "arn:aws:config:us-east-1:123456789012:config-rule/config-rule-1",
			 "configRuleName", "italic", "accountId", "123456789012",
			 "eventLeftScope", 0, "evaluationMode", "DETECTIVE");
	if (!root)
		return 0;
	body = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (body && event_parse(body, strlen(body), &ev, &err) == IT_OK) {
		if ((ev->kind == EVENT_CONFIG_RULE_INVOCATION) != (ev->rule != NULL))
			abort();
		if (ev->rule && ev->rule->scope == EVENT_SCOPE_RESOURCE && ev->n_obs != 1)
			abort();
		if (ev->rule && ev->rule->scope == EVENT_SCOPE_SCHEDULED && ev->n_obs != 0)
			abort();
		event_free(ev);
	}
	free(body);
	return 0;
}
