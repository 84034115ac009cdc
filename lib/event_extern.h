/*
 * event_extern.h: what the files of the event parser share, and nothing else may use
 * (kcgi's extern.h: the private header of a module made of several files).
 *
 * The event parser is event.c (the entry point: envelope, dispatch, lifetime, time
 * bounds), event_config.c (Config item changes and rule invocations), event_ec2.c (EC2
 * state changes, CloudTrail RunInstances) and event_read.c (the readers below). Public
 * callers include event.h only. This header names the per-source parsers for event.c
 * and the readers for all of them; it includes no header of the module, so the files
 * depend on it and on event.h, never on each other.
 *
 * Validation is declarative (json_io.h field tables, checked with
 * JSON_FIELDS_UNKNOWN_OK: AWS adds fields to its events over time); the check
 * callbacks below give the messages events use, and the readers take values out of an
 * object a table has already checked, so they cannot fail on form. A path is
 * "<prefix>.<key>" ("<key>" when prefix is ""), cut to fit json_err.field.
 */
#ifndef ITALIC_EVENT_EXTERN_H
#define ITALIC_EVENT_EXTERN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "json_io.h"

struct event;
struct event_observation;

#define EVENT_PATH_MAX sizeof(((struct json_err *)0)->field)

/* ---- per-source parsers (event_config.c, event_ec2.c) ---- */

/* detail of an EventBridge Config item change; ev's envelope fields already set. */
int event_config_parse_item_change(const json_t *detail, struct event *ev, struct json_err *err) WARN_UNUSED;
/* The whole invocation payload (root object); fills every field of the empty ev. */
int event_config_parse_invocation(const json_t *root, struct event *ev, struct json_err *err) WARN_UNUSED;
int event_ec2_parse_state_change(const json_t *detail, struct event *ev, struct json_err *err) WARN_UNUSED;
int event_ec2_parse_cloudtrail(const json_t *detail, struct event *ev, struct json_err *err) WARN_UNUSED;
/* event_lt.c (launch templates; the record is event_lt.h's): 1 when detail is a CloudTrail
 * record of a launch template call; that record; a Config item of AWS::EC2::LaunchTemplate
 * (resourceType read; the caller sets ev->kind); and the instance links every parse ends
 * with (root is the whole body). */
int event_lt_is_cloudtrail(const json_t *detail);
int event_lt_parse_cloudtrail(const json_t *detail, struct event *ev, struct json_err *err) WARN_UNUSED;
int event_lt_parse_config_item(const json_t *ci, const char *prefix, int summary_only, const char *account_what,
			       struct event *ev, struct json_err *err) WARN_UNUSED;
int event_lt_link(const json_t *root, struct event *ev, struct json_err *err) WARN_UNUSED;
/* event_lt.c's share of event_free() and event_bound_times() (lt may be NULL): frees lt;
 * bounds lt's observed time as event_bound_times() does, returning 1 when clamped. */
struct event_lt;
void event_lt_free(struct event_lt *lt);
size_t event_lt_bound_times(struct event_lt *lt, int64_t received_ms);

/* ---- checking: json_io tables ---- */

/* json_check_fields_flags(obj, table, n, prefix, JSON_FIELDS_UNKNOWN_OK, err). */
int event_check(const json_t *obj, const struct json_field *table, size_t n, const char *prefix,
		struct json_err *err) WARN_UNUSED;

/* Check callbacks (json_field.check) for the shapes events carry; each names the
 * field's path in its message. Use with JK_STRING and JF_TEXT (and a max of 64). */
int event_check_account(const json_t *v, const char *path, struct json_err *err);     /* 12 digits */
int event_check_region(const json_t *v, const char *path, struct json_err *err);      /* valid_region */
int event_check_time(const json_t *v, const char *path, struct json_err *err);        /* RFC 3339 */
int event_check_instance_id(const json_t *v, const char *path, struct json_err *err); /* i-..., trimmed */
int event_check_image_id(const json_t *v, const char *path, struct json_err *err);    /* ami-..., trimmed */
int event_check_state(const json_t *v, const char *path, struct json_err *err);       /* EC2 state name */

/* ---- reading what a table checked ---- */

/* The string obj.key (borrowed), NULL when absent or null. */
const char *event_str(const json_t *obj, const char *key);
/* The object obj.key (borrowed), NULL when absent or null. */
const json_t *event_obj(const json_t *obj, const char *key);
/* The RFC 3339 time obj.key in Unix ms; 0 when absent or null. */
int64_t event_time(const json_t *obj, const char *key);
/* The id obj.key with ASCII whitespace around it trimmed, copied into *ret (the caller
 * frees; NULL when absent or null). IT_OK or IT_ENOMEM. */
int event_copy_id(const json_t *obj, const char *key, char **ret) WARN_UNUSED;

/* ---- building the event ---- */

void event_path(char *out, size_t size, const char *prefix, const char *key);
void event_path_index(char *out, size_t size, const char *prefix, const char *key, size_t i);

/* Appends a zeroed observation to ev (account and region copied from ev) and returns
 * it borrowed in *ret. IT_EINVAL past IT_EVENT_MAX_INSTANCES (err names path). */
int event_add_observation(struct event *ev, const char *path, struct event_observation **ret,
			  struct json_err *err) WARN_UNUSED;
/* Appends a tag (copies key and value) to o; IT_ENOMEM or IT_EINVAL past the count. */
int event_add_tag(struct event_observation *o, const char *key, const char *value, const char *path,
		  struct json_err *err) WARN_UNUSED;
/* Turns ev into EVENT_IGNORED with a formatted reason (truncated to
 * IT_EVENT_MAX_REASON), dropping any observations already added. */
int event_ignore(struct event *ev, const char *fmt, ...) PRINTF_LIKE(2, 3) WARN_UNUSED;
/* strdup that sets *dst; IT_ENOMEM on failure. */
int event_dup(char **dst, const char *s) WARN_UNUSED;
/* Frees what o owns and zeroes it (event.c's event_free and event_ignore). */
void event_observation_finish(struct event_observation *o);

#endif
