/* event_read.c: the checks, readers and builders the event parsers share (see
 * event_extern.h). */
#include "event_extern.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "event_lt.h"
#include "limits.h"
#include "parse.h"
#include "status.h"

/* ---- checking ---- */

int event_check(const json_t *obj, const struct json_field *table, size_t n, const char *prefix,
		struct json_err *err)
{
	return json_check_fields_flags(obj, table, n, prefix, JSON_FIELDS_UNKNOWN_OK, err);
}

int event_check_account(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_account_id(json_string_value(v)))
		return json_err_set(err, IT_EINVAL, path, "must be a 12-digit AWS account id");
	return IT_OK;
}

int event_check_region(const json_t *v, const char *path, struct json_err *err)
{
	if (!valid_region(json_string_value(v)))
		return json_err_set(err, IT_EINVAL, path, "is not a valid AWS region");
	return IT_OK;
}

int event_check_time(const json_t *v, const char *path, struct json_err *err)
{
	int64_t ms;

	if (parse_time_ms(json_string_value(v), &ms) != IT_OK)
		return json_err_set(err, IT_EINVAL, path, "must be an RFC 3339 time such as 2026-01-02T03:04:05Z");
	return IT_OK;
}

int event_check_state(const json_t *v, const char *path, struct json_err *err)
{
	enum event_state st;

	if (event_state_parse(json_string_value(v), &st) != IT_OK)
		return json_err_set(err, IT_EINVAL, path,
				    "is not an EC2 instance state (pending, running, stopping, stopped, "
				    "shutting-down, terminated)");
	return IT_OK;
}

static int is_ascii_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* An id with the ASCII whitespace around it trimmed (AWS's own state-change sample has
 * " i-1234567890abcdef0") into id[64]; 0 when it does not fit. JF_TEXT already refused
 * control characters, so only ' ' can actually surround it. */
static int trimmed(const char *s, char id[64])
{
	size_t n;

	while (is_ascii_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_ascii_space(s[n - 1]))
		n--;
	if (n >= 64)
		return 0;
	memcpy(id, s, n);
	id[n] = '\0';
	return 1;
}

static int check_id(const json_t *v, const char *path, int (*valid)(const char *), const char *what,
		    struct json_err *err)
{
	char id[64];

	if (!trimmed(json_string_value(v), id) || !valid(id))
		return json_err_set(err, IT_EINVAL, path, "is not a valid %s", what);
	return IT_OK;
}

int event_check_instance_id(const json_t *v, const char *path, struct json_err *err)
{
	return check_id(v, path, valid_instance_id, "instance id (i- and 8 or 17 hex digits)", err);
}

int event_check_image_id(const json_t *v, const char *path, struct json_err *err)
{
	return check_id(v, path, valid_image_id, "image id (ami- and 8 or 17 hex digits)", err);
}

/* ---- reading ---- */

const char *event_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

const json_t *event_obj(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_object(v) ? v : NULL;
}

int64_t event_time(const json_t *obj, const char *key)
{
	const char *s = event_str(obj, key);
	int64_t ms = 0;

	if (!s || parse_time_ms(s, &ms) != IT_OK)
		return 0;
	return ms;
}

int event_copy_id(const json_t *obj, const char *key, char **ret)
{
	const char *s = event_str(obj, key);
	char id[64];

	if (!s) {
		*ret = NULL;
		return IT_OK;
	}
	if (!trimmed(s, id))
		return IT_EINVAL;
	return event_dup(ret, id);
}

/* ---- building ---- */

void event_path(char *out, size_t size, const char *prefix, const char *key)
{
	/* Truncation only shortens the path shown in an error; it cannot overflow. */
	snprintf(out, size, "%s%s%s", prefix, *prefix ? "." : "", key);
}

void event_path_index(char *out, size_t size, const char *prefix, const char *key, size_t i)
{
	snprintf(out, size, "%s%s%s[%zu]", prefix, *prefix ? "." : "", key, i);
}

int event_dup(char **dst, const char *s)
{
	char *p = strdup(s);

	if (!p)
		return IT_ENOMEM;
	*dst = p;
	return IT_OK;
}

void event_observation_finish(struct event_observation *o)
{
	free(o->account);
	free(o->region);
	free(o->instance_id);
	free(o->image_id);
	free(o->lt_id);
	free(o->lt_name);
	for (size_t i = 0; i < o->n_tags; i++) {
		free(o->tags[i].key);
		free(o->tags[i].value);
	}
	free(o->tags);
	memset(o, 0, sizeof(*o));
}

int event_add_observation(struct event *ev, const char *path, struct event_observation **ret,
			  struct json_err *err)
{
	struct event_observation *arr, *o;

	if (ev->n_obs >= IT_EVENT_MAX_INSTANCES)
		return json_err_set(err, IT_EINVAL, path, "more than %d instances", IT_EVENT_MAX_INSTANCES);
	arr = realloc(ev->obs, (ev->n_obs + 1) * sizeof(*arr));
	if (!arr)
		return json_err_set(err, IT_ENOMEM, path, "out of memory");
	ev->obs = arr;
	o = &arr[ev->n_obs];
	memset(o, 0, sizeof(*o));
	ev->n_obs++;
	if (event_dup(&o->account, ev->account) || event_dup(&o->region, ev->region))
		return json_err_set(err, IT_ENOMEM, path, "out of memory");
	*ret = o;
	return IT_OK;
}

int event_add_tag(struct event_observation *o, const char *key, const char *value, const char *path,
		  struct json_err *err)
{
	struct event_tag *arr;
	char *k = NULL, *v = NULL;

	if (o->n_tags >= IT_EVENT_MAX_TAGS)
		return json_err_set(err, IT_EINVAL, path, "more than %d tags", IT_EVENT_MAX_TAGS);
	arr = realloc(o->tags, (o->n_tags + 1) * sizeof(*arr));
	if (!arr)
		return json_err_set(err, IT_ENOMEM, path, "out of memory");
	o->tags = arr;
	if (event_dup(&k, key) || event_dup(&v, value)) {
		free(k);
		return json_err_set(err, IT_ENOMEM, path, "out of memory");
	}
	arr[o->n_tags].key = k;
	arr[o->n_tags].value = v;
	o->n_tags++;
	return IT_OK;
}

int event_ignore(struct event *ev, const char *fmt, ...)
{
	char reason[IT_EVENT_MAX_REASON + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (n < 0)
		return IT_EINVAL;
	if ((size_t)n >= sizeof(reason)) {
		/* Cut at a UTF-8 boundary: the reason goes into a JSON response. */
		size_t len = sizeof(reason) - 1;
		while (len > 0 && ((unsigned char)reason[len] & 0xc0) == 0x80)
			len--;
		reason[len] = '\0';
	}
	for (size_t i = 0; i < ev->n_obs; i++)
		event_observation_finish(&ev->obs[i]);
	free(ev->obs);
	ev->obs = NULL;
	ev->n_obs = 0;
	event_lt_free(ev->lt);
	ev->lt = NULL;
	free(ev->ignored_reason);
	ev->ignored_reason = NULL;
	if (event_dup(&ev->ignored_reason, reason))
		return IT_ENOMEM;
	ev->kind = EVENT_IGNORED;
	return IT_OK;
}
