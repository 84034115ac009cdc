/*
 * event_config.h: AWS Config events of POST /v1/events.
 *
 * - EventBridge "Config Configuration Item Change" (source aws.config): a full
 *   configuration item (messageType ConfigurationItemChangeNotification) gives the
 *   instance, image, state, tags, launch time and capture time; the oversized variant
 *   (OversizedConfigurationItemChangeNotification) gives only a summary, so the
 *   observation needs_lookup. Status ResourceDeleted / ResourceDeletedNotRecorded
 *   marks the observation deleted (NOT_APPLICABLE); `configuration` may then be null.
 *   Items of another resourceType (EFS, S3, ...) are EVENT_IGNORED.
 * - The Config custom-rule invocation payload, forwarded as the body: invokingEvent
 *   and ruleParameters are JSON *strings* parsed again with the same size and depth
 *   bounds as the body. ConfigurationItemChangeNotification and the oversized variant
 *   evaluate one resource; ScheduledNotification has no resource and no region, so it
 *   evaluates every instance of accountId in the region named by configRuleArn.
 *   eventLeftScope marks the observation deleted. The event id is the hex SHA-256 of
 *   resultToken, stable when Config or a forwarder redelivers the same invocation.
 *
 * The configuration item's awsAccountId must equal the envelope account (or the
 * invocation's accountId and the account of configRuleArn), and its awsRegion the
 * envelope region (or the region of configRuleArn): the route authorises on the
 * event account, so an item about another account is refused, not trusted.
 */
#ifndef ITALIC_EVENT_CONFIG_H
#define ITALIC_EVENT_CONFIG_H

#include <jansson.h>

#include "compiler.h"
#include "event.h"
#include "json_io.h"

/* detail of an EventBridge Config item change; ev's envelope fields already set.
 * On failure ev may be half-built: the caller frees it. */
int event_config_parse_item_change(const json_t *detail, struct event *ev,
				   struct json_err *err) WARN_UNUSED;

/* The whole invocation payload (root object); fills every field of the empty ev.
 * On failure ev may be half-built: the caller frees it. */
int event_config_parse_invocation(const json_t *root, struct event *ev, struct json_err *err)
	WARN_UNUSED;

#endif
