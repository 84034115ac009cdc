/*
 * event_ec2.h: the aws.ec2 events of POST /v1/events.
 *
 * - "EC2 Instance State-change Notification": detail {"instance-id", "state"}. One
 *   observation with the state and no image (needs_lookup unless terminated); the
 *   ordering time is the envelope time.
 * - "AWS API Call via CloudTrail" with eventName RunInstances: one observation per
 *   responseElements.instancesSet.items[] with its imageId, instanceState, launchTime
 *   (epoch milliseconds) and tagSet; the ordering time is the record's eventTime.
 *   requestParameters are never read: launches through a launch template, EC2 Fleet or
 *   Auto Scaling carry no imageId there. A failed call (errorCode set, responseElements
 *   null) and every other eventName are EVENT_IGNORED.
 *
 * Both functions take the envelope's detail object with ev's envelope fields already
 * set, fill ev, and leave a half-built ev for the caller to free on failure.
 */
#ifndef ITALIC_EVENT_EC2_H
#define ITALIC_EVENT_EC2_H

#include <jansson.h>

#include "compiler.h"
#include "event.h"
#include "json_io.h"

int event_ec2_parse_state_change(const json_t *detail, struct event *ev, struct json_err *err)
	WARN_UNUSED;
int event_ec2_parse_cloudtrail(const json_t *detail, struct event *ev, struct json_err *err)
	WARN_UNUSED;

#endif
