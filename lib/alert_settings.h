/*
 * alert_settings.h: the alert settings of docs/alerts.md, checked together at start.
 *
 * config.c checks each setting on its own (a choice, a number in range); this module
 * checks what only makes sense together, reads the secret file, and hands the service
 * one resolved record, so `italic serve` refuses a bad combination at start (exit 2)
 * instead of failing every delivery later:
 *   - ITALIC_ALERT_EVENTBUS: a bus name or event-bus ARN (aws_events_bus_valid);
 *   - ITALIC_ALERT_WEBHOOK_URL: webhook_url_check (https, or http to loopback only);
 *   - ITALIC_ALERT_WEBHOOK_SECRET or ITALIC_ALERT_WEBHOOK_SECRET_FILE, not both;
 *     IT_WEBHOOK_SECRET_MIN..IT_WEBHOOK_SECRET_MAX bytes; required for the json format
 *     (its receivers check the signature), optional for slack (Slack does not; its
 *     URL is the secret); refused without a URL (a secret for nothing is a typo);
 *   - ITALIC_PUBLIC_URL: http(s)://host[:port][/path], no userinfo, query or fragment,
 *     at most ALERT_URL_MAX bytes; one trailing '/' is dropped.
 * Error messages name the setting and never contain a secret or a webhook URL (whose
 * path may be one).
 */
#ifndef ITALIC_ALERT_SETTINGS_H
#define ITALIC_ALERT_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "compiler.h"
#include "config.h"
#include "limits.h"
#include "webhook.h"

struct alert_settings {
	int eventbridge;                          /* ITALIC_ALERT_EVENTBUS set */
	char bus[IT_EVENTS_MAX_BUS + 1];
	char bus_region[32];                      /* the ARN's region; "" for a bus name */
	int webhook;                              /* ITALIC_ALERT_WEBHOOK_URL set */
	struct webhook_url url;
	enum webhook_format format;
	unsigned char secret[IT_WEBHOOK_SECRET_MAX];
	size_t secret_len;                        /* 0: unsigned (slack without a secret) */
	enum alert_on on;
	uint64_t max_per_minute;
	char public_url[ALERT_URL_MAX + 1];       /* "" or without a trailing '/' */
};

/* Resolves c into *ret (written only on success; wipe it with alert_settings_wipe).
 * IT_EINVAL with err naming the setting; IT_EIO when the secret file cannot be read. */
int alert_settings_load(const struct config *c, struct alert_settings *ret, char *err, size_t errlen) WARN_UNUSED;

/* Wipes the secret and zeroes s. NULL is a no-op. */
void alert_settings_wipe(struct alert_settings *s);

#endif
