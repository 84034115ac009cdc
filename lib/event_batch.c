/*
 * event_batch.c: splitting and judging a POST /v1/events body (see event_batch.h).
 *
 * read_array() finds the array's elements on the raw bytes, judge_object() turns one
 * loaded object into an item (WITH_METADATA unwrapped, the envelope handed to
 * event_parse_json()). Items are built in the batch and only given to the caller when
 * the body as a whole could be judged.
 */
#include "event_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partition.h"
#include "status.h"

static const char *const status_names[EVENT_BATCH_STATUS__MAX] = {
	[EVENT_BATCH_CANDIDATE] = "candidate",
	[EVENT_BATCH_IGNORED] = "ignored",
	[EVENT_BATCH_REJECTED] = "rejected",
};
_Static_assert(ARRAY_LEN(status_names) == EVENT_BATCH_STATUS__MAX, "status_names");

static const char *const reason_names[EVENT_BATCH_REASON__MAX] = {
	[EVENT_BATCH_OK] = "ok",
	[EVENT_BATCH_MALFORMED] = "malformed",
	[EVENT_BATCH_TOO_LARGE] = "too_large",
	[EVENT_BATCH_FORBIDDEN_ACCOUNT] = "forbidden_account",
	[EVENT_BATCH_UNKNOWN_REGION] = "unknown_region",
};
_Static_assert(ARRAY_LEN(reason_names) == EVENT_BATCH_REASON__MAX, "reason_names");

const char *event_batch_status_str(enum event_batch_status s)
{
	return (unsigned)s < EVENT_BATCH_STATUS__MAX ? status_names[s] : "unknown";
}

const char *event_batch_reason_str(enum event_batch_reason r)
{
	return (unsigned)r < EVENT_BATCH_REASON__MAX ? reason_names[r] : NULL;
}

int event_batch_reason_parse(const char *s, enum event_batch_reason *ret)
{
	for (int r = 0; s && r < EVENT_BATCH_REASON__MAX; r++) {
		if (strcmp(reason_names[r], s) == 0) {
			*ret = (enum event_batch_reason)r;
			return IT_OK;
		}
	}
	return IT_EINVAL;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* An id we can show and store: 1..EVENT_BATCH_ID_MAX bytes of (jansson-checked UTF-8)
 * text without control characters, what event.c accepts as an envelope id. */
static int id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > EVENT_BATCH_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return 0;
	return 1;
}

/* aws:EventId, which EventBridge assigns: a UUID; anything but visible ASCII is refused. */
static int event_id_ascii(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > EVENT_BATCH_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

static void set_id(struct event_batch_item *it, const char *s)
{
	if (id_ok(s))
		memcpy(it->id, s, strlen(s) + 1);
}

static void reject(struct event_batch_item *it, enum event_batch_reason why, const struct json_err *err)
{
	it->status = EVENT_BATCH_REJECTED;
	it->reason = why;
	if (err)
		it->err = *err;
}

/* err's field moved under prefix ("Data" + "detail.x" -> "Data.detail.x"). */
static void prefix_field(struct json_err *err, const char *prefix)
{
	char f[sizeof(err->field) + 32];

	/* A path too long for the field is cut: it only shortens the path shown. */
	snprintf(f, sizeof(f), "%s%s%s", prefix, err->field[0] ? "." : "", err->field);
	f[sizeof(err->field) - 1] = '\0';
	memcpy(err->field, f, sizeof(err->field));
}

/* The best id a malformed item offers, for the answer and the quarantine only. */
static void guess_id(struct event_batch_item *it, const json_t *obj)
{
	const json_t *sm = json_object_get(obj, "SystemMetadata");
	const json_t *data = json_object_get(obj, "Data");

	if (json_is_object(sm) && json_is_string(json_object_get(sm, "aws:EventId")))
		set_id(it, json_string_value(json_object_get(sm, "aws:EventId")));
	if (!it->id[0] && json_is_object(data) && json_is_string(json_object_get(data, "id")))
		set_id(it, json_string_value(json_object_get(data, "id")));
	if (!it->id[0] && json_is_string(json_object_get(obj, "id")))
		set_id(it, json_string_value(json_object_get(obj, "id")));
}

/* Parses an envelope or rule invocation into it (CANDIDATE or IGNORED), or rejects it
 * as malformed. Only IT_ENOMEM fails. */
static int judge_event(struct event_batch_item *it, const json_t *root, const char *prefix)
{
	struct json_err err = {{0}, {0}};
	struct event *ev = NULL;
	int rc = event_parse_json(root, &ev, &err);

	if (rc == IT_ENOMEM)
		return IT_ENOMEM;
	if (rc) {
		if (prefix)
			prefix_field(&err, prefix);
		reject(it, EVENT_BATCH_MALFORMED, &err);
		return IT_OK;
	}
	it->ev = ev;
	it->status = ev->kind == EVENT_IGNORED ? EVENT_BATCH_IGNORED : EVENT_BATCH_CANDIDATE;
	if (!it->id[0])
		set_id(it, ev->id);
	return IT_OK;
}

/*
 * A WITH_METADATA object: SystemMetadata must be an object whose aws:EventId, when
 * present, is an id we can store; Data must be an object, the event. The stored body
 * is Data in compact form (the inbox keeps what event_parse() reads back).
 */
static int judge_with_metadata(struct event_batch_item *it, const json_t *obj)
{
	const json_t *sm = json_object_get(obj, "SystemMetadata");
	const json_t *data = json_object_get(obj, "Data");
	const json_t *eid, *dt;
	struct json_err err = {{0}, {0}};
	int rc;

	it->with_metadata = 1;
	if (!json_is_object(sm)) {
		json_err_set(&err, IT_EINVAL, "SystemMetadata", "must be an object");
		goto malformed;
	}
	eid = json_object_get(sm, "aws:EventId");
	if (eid && !json_is_null(eid)) {
		if (!json_is_string(eid) || !event_id_ascii(json_string_value(eid))) {
			json_err_set(&err, IT_EINVAL, "SystemMetadata.aws:EventId",
				     "must be 1-%d visible ASCII characters", EVENT_BATCH_ID_MAX);
			goto malformed;
		}
		set_id(it, json_string_value(eid));
	}
	dt = json_object_get(sm, "aws:DeliveryType");
	it->replay = json_is_string(dt) && strcmp(json_string_value(dt), "REPLAY") == 0;
	if (!json_is_object(data)) {
		json_err_set(&err, IT_EINVAL, "Data", "must be an object (an EventBridge event)");
		goto malformed;
	}
	rc = judge_event(it, data, "Data");
	if (rc || it->status == EVENT_BATCH_REJECTED)
		return rc;
	it->data = json_dumps(data, JSON_COMPACT);
	if (!it->data)
		return IT_ENOMEM;
	it->body = it->data;
	it->body_len = strlen(it->data);
	if (it->body_len > IT_EVENT_MAX_BODY) {
		/* jansson writes reals with 17 digits: Data may grow in the rewrite */
		json_err_set(&err, IT_ETOOBIG, "Data", "over %u bytes", (unsigned)IT_EVENT_MAX_BODY);
		event_free(it->ev);
		it->ev = NULL;
		reject(it, EVENT_BATCH_TOO_LARGE, &err);
	}
	return IT_OK;
malformed:
	guess_id(it, obj);
	reject(it, EVENT_BATCH_MALFORMED, &err);
	return IT_OK;
}

static int judge_object(struct event_batch_item *it, const json_t *obj)
{
	int rc;

	if (json_object_get(obj, "Data") && json_object_get(obj, "SystemMetadata"))
		return judge_with_metadata(it, obj);
	rc = judge_event(it, obj, NULL);
	if (rc == IT_OK && it->status == EVENT_BATCH_REJECTED)
		guess_id(it, obj);
	return rc;
}

/* ---- arrays ---- */

struct span {
	size_t start, len;
	size_t depth;           /* deepest nesting inside the element; 1 for {} */
};

/* Line and column (1-based) of byte pos in s, for a message like jansson's own. */
static void line_col(const char *s, size_t pos, int *line, int *col)
{
	int l = 1, c = 1;

	for (size_t i = 0; i < pos; i++) {
		if (s[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

static int invalid_at(const char *s, size_t pos, const char *what, struct json_err *err)
{
	int line, col;

	line_col(s, pos, &line, &col);
	return json_err_set(err, IT_EINVAL, "", "invalid JSON at line %d column %d: %s", line, col, what);
}

/*
 * Finds the elements of the array whose '[' is at s[open]: each element's bytes without
 * the whitespace around it, and how deep it nests. Everything after the ']' must be
 * whitespace. The scan follows strings (a backslash escapes the next byte) and bracket
 * depth; it does not check that an element is valid JSON (jansson does, per element).
 */
static int split(const char *s, size_t len, size_t open, size_t max_items, struct span *spans, size_t *ret_n,
		 struct json_err *err)
{
	size_t n = 0, depth = 0, start = 0, last = 0, deepest = 0, i;
	int in_item = 0, in_str = 0, closed = 0;

	for (i = open + 1; i < len; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			last = i;
			continue;
		}
		if (is_ws(c))
			continue;
		if (depth == 0 && (c == ',' || c == ']')) {
			if (!in_item) {
				if (c == ']' && n == 0)
					return json_err_set(err, IT_EINVAL, "", "an empty array holds no event");
				return invalid_at(s, i, c == ',' ? "an element is missing before ','"
								  : "an element is missing before ']'", err);
			}
			if (n == max_items)
				return json_err_set(err, IT_EINVAL, "", "more than %zu events in one request (ITALIC_BATCH_MAX)",
						    max_items);
			spans[n].start = start;
			spans[n].len = last + 1 - start;
			spans[n].depth = deepest;
			n++;
			in_item = 0;
			if (c == ']') {
				closed = 1;
				break;
			}
			continue;
		}
		if (!in_item) {
			in_item = 1;
			start = i;
			deepest = 0;
		}
		last = i;
		if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > deepest)
				deepest = depth;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return invalid_at(s, i, "unbalanced bracket", err);
			depth--;
		}
	}
	if (!closed)
		return invalid_at(s, len, "the array does not end", err);
	for (i++; i < len; i++)
		if (!is_ws(s[i]))
			return invalid_at(s, i, "end of file expected after the array", err);
	*ret_n = n;
	return IT_OK;
}

/* jansson errors that leave the structure intact: the element alone is bad. */
static int item_level(enum json_error_code code)
{
	switch (code) {
	case json_error_duplicate_key:
	case json_error_invalid_utf8:
	case json_error_null_character:
	case json_error_null_byte_in_key:
	case json_error_numeric_overflow:
		return 1;
	default:
		return 0;
	}
}

static int judge_element(const char *body, const struct span *sp, struct event_batch_item *it, struct json_err *err)
{
	const char *p = body + sp->start;
	struct json_err ierr = {{0}, {0}};
	json_error_t je;
	json_t *v;
	int rc;

	it->raw = p;
	it->raw_len = sp->len;
	it->body = p;
	it->body_len = sp->len;
	if (sp->len > IT_EVENT_MAX_BODY) {
		json_err_set(&ierr, IT_ETOOBIG, "", "the event is %zu bytes, over the %u-byte limit", sp->len,
			     (unsigned)IT_EVENT_MAX_BODY);
		reject(it, EVENT_BATCH_TOO_LARGE, &ierr);
		return IT_OK;
	}
	if (sp->depth > IT_EVENT_MAX_DEPTH) {
		json_err_set(&ierr, IT_ETOOBIG, "", "nesting deeper than %d levels", IT_EVENT_MAX_DEPTH);
		reject(it, EVENT_BATCH_TOO_LARGE, &ierr);
		return IT_OK;
	}
	/* Depth is bounded above, so jansson's recursion is too. */
	v = json_loadb(p, sp->len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!v) {
		if (json_error_code(&je) == json_error_out_of_memory)
			return json_err_set(err, IT_ENOMEM, "", "out of memory");
		if (!item_level(json_error_code(&je)))
			return invalid_at(body, sp->start + (size_t)(je.position > 0 ? je.position : 0), je.text, err);
		json_err_set(&ierr, IT_EINVAL, "", "invalid JSON: %s", je.text);
		reject(it, EVENT_BATCH_MALFORMED, &ierr);
		return IT_OK;
	}
	if (!json_is_object(v)) {
		json_err_set(&ierr, IT_EINVAL, "", "must be a JSON object");
		reject(it, EVENT_BATCH_MALFORMED, &ierr);
		json_decref(v);
		return IT_OK;
	}
	rc = judge_object(it, v);
	json_decref(v);
	if (rc == IT_ENOMEM)
		return json_err_set(err, IT_ENOMEM, "", "out of memory");
	return rc;
}

static int read_array(const char *body, size_t len, size_t open, size_t max_items, struct event_batch *b,
		      struct json_err *err)
{
	struct span *spans = NULL;
	size_t n = 0;
	int rc;

	if (max_items == 0 || max_items > IT_BATCH_MAX)
		return json_err_set(err, IT_EINVAL, "", "no events are accepted in a batch");
	spans = calloc(max_items, sizeof(*spans));
	if (!spans)
		return json_err_set(err, IT_ENOMEM, "", "out of memory");
	rc = split(body, len, open, max_items, spans, &n, err);
	if (rc == IT_OK) {
		b->items = calloc(n, sizeof(*b->items));
		if (!b->items)
			rc = json_err_set(err, IT_ENOMEM, "", "out of memory");
	}
	for (size_t i = 0; rc == IT_OK && i < n; i++) {
		b->items[i].index = i;
		b->n = i + 1;
		rc = judge_element(body, &spans[i], &b->items[i], err);
	}
	free(spans);
	return rc;
}

/* One object: loaded exactly as event_parse() loads it (same limits, same texts). */
static int read_single(const char *body, size_t len, struct event_batch *b, struct json_err *err)
{
	json_t *root = NULL;
	int rc = json_load_bounded(body, len, IT_EVENT_MAX_BODY, IT_EVENT_MAX_DEPTH, &root, err);

	if (rc)
		return rc;
	if (!json_is_object(root)) {
		json_decref(root);
		return json_err_set(err, IT_EINVAL, "", "must be a JSON object");
	}
	b->items = calloc(1, sizeof(*b->items));
	if (!b->items) {
		json_decref(root);
		return json_err_set(err, IT_ENOMEM, "", "out of memory");
	}
	b->n = 1;
	b->items[0].raw = body;
	b->items[0].raw_len = len;
	b->items[0].body = body;
	b->items[0].body_len = len;
	rc = judge_object(&b->items[0], root);
	json_decref(root);
	if (rc == IT_ENOMEM)
		return json_err_set(err, IT_ENOMEM, "", "out of memory");
	return rc;
}

int event_batch_is_array(const char *body, size_t len)
{
	size_t i = 0;

	while (i < len && is_ws(body[i]))
		i++;
	return i < len && body[i] == '[';
}

int event_batch_read(const char *body, size_t len, size_t max_items, struct event_batch **ret,
		     struct json_err *err)
{
	struct event_batch *b = calloc(1, sizeof(*b));
	size_t i = 0;
	int rc;

	if (!b)
		return json_err_set(err, IT_ENOMEM, "", "out of memory");
	while (i < len && is_ws(body[i]))
		i++;
	if (i < len && body[i] == '[') {
		b->is_array = 1;
		rc = read_array(body, len, i, max_items, b, err);
	} else {
		rc = read_single(body, len, b, err);
	}
	if (rc) {
		event_batch_free(b);
		return rc;
	}
	*ret = b;
	return IT_OK;
}

void event_batch_free(struct event_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		event_free(b->items[i].ev);
		free(b->items[i].data);
	}
	free(b->items);
	free(b);
}

void event_batch_admit(struct event_batch *b, int (*allowed)(void *ctx, const char *account), void *ctx,
		       const char *extra_regions)
{
	for (size_t i = 0; b && i < b->n; i++) {
		struct event_batch_item *it = &b->items[i];
		const char *prefix = it->with_metadata ? "Data" : NULL;
		struct json_err err = {{0}, {0}};

		if (it->status == EVENT_BATCH_REJECTED || !it->ev)
			continue;
		if (allowed && !allowed(ctx, it->ev->account)) {
			json_err_set(&err, IT_EFORBIDDEN, "account", "this ingest token is not bound to the event's account");
			if (prefix)
				prefix_field(&err, prefix);
			reject(it, EVENT_BATCH_FORBIDDEN_ACCOUNT, &err);
			continue;
		}
		/* A region AWS does not have would become an (account, region) pair that is
		 * kept and swept; a rule invocation's region is the one in its configRuleArn. */
		if (!partition_region_known(it->ev->region, extra_regions)) {
			json_err_set(&err, IT_EINVAL,
				     strcmp(it->ev->detail_type, "Config Rule Invocation") == 0 ? "configRuleArn" : "region",
				     "region %s is not an AWS region Italic knows (ITALIC_EXTRA_REGIONS adds one)",
				     it->ev->region);
			if (prefix)
				prefix_field(&err, prefix);
			reject(it, EVENT_BATCH_UNKNOWN_REGION, &err);
		}
	}
}

void event_batch_count(const struct event_batch *b, size_t counts[EVENT_BATCH_STATUS__MAX])
{
	for (int s = 0; s < EVENT_BATCH_STATUS__MAX; s++)
		counts[s] = 0;
	for (size_t i = 0; b && i < b->n; i++)
		if ((unsigned)b->items[i].status < EVENT_BATCH_STATUS__MAX)
			counts[b->items[i].status]++;
}
