/* route_query.c: parameters, cursors and row renderings of the query routes (see route_query.h). */
#include "route_query.h"

#include <stdio.h>
#include <string.h>

#include "apiutil.h"
#include "clock.h"
#include "http_syntax.h"
#include "limits.h"
#include "parse.h"
#include "status.h"
#include "store_cursor_key.h"

static const char *const states[] = {"pending", "running", "shutting-down", "terminated", "stopping", "stopped"};

struct qp_def {
	const char *name;
	unsigned bit;
};

static const struct qp_def defs[] = {
	{"account", QP_ACCOUNT}, {"region", QP_REGION}, {"compliance", QP_COMPLIANCE},
	{"image_id", QP_IMAGE_ID}, {"rule", QP_RULE}, {"exempted", QP_EXEMPTED},
	{"state", QP_STATE}, {"sort", QP_SORT}, {"limit", QP_LIMIT}, {"cursor", QP_CURSOR},
	{"since", QP_SINCE}, {"until", QP_UNTIL},
};

struct parse_ctx {
	unsigned accepted, seen;
	struct qparams *q;
	const char *bad_field;       /* static name or "query" */
	const char *detail;
	char detail_buf[160];
	char field_buf[80];
};

static int one_of(const char *v, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, set[i]) == 0)
			return (int)i;
	return -1;
}

static int fail(struct parse_ctx *c, const char *field, const char *detail)
{
	c->bad_field = field;
	c->detail = detail;
	return 1;
}

/* Checks one parameter; returns nonzero (and records why) to stop the walk. */
static int on_param(void *ctx, const char *k, const char *v)
{
	struct parse_ctx *c = ctx;
	struct qparams *q = c->q;
	const struct qp_def *d = NULL;
	uint64_t n;
	int64_t t;

	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
		if (strcmp(defs[i].name, k) == 0)
			d = &defs[i];
	if (!d || !(c->accepted & d->bit)) {
		/* Echo the name only when it is short, printable text. */
		if (valid_text(k, 64) && *k) {
			snprintf(c->detail_buf, sizeof(c->detail_buf), "unknown query parameter '%s'", k);
			snprintf(c->field_buf, sizeof(c->field_buf), "%s", k);
			return fail(c, c->field_buf, c->detail_buf);
		}
		return fail(c, "query", "unknown query parameter");
	}
	if (c->seen & d->bit)
		return fail(c, d->name, "parameter given more than once");
	c->seen |= d->bit;
	if (strlen(v) > IT_MAX_QUERY_VALUE)
		return fail(c, d->name, "value too long");
	switch (d->bit) {
	case QP_ACCOUNT:
		if (!valid_account_id(v))
			return fail(c, d->name, "account must be a 12-digit AWS account ID");
		q->filter.account = v;
		break;
	case QP_REGION:
		if (!valid_region(v))
			return fail(c, d->name, "region must be an AWS region name such as us-east-1");
		q->filter.region = v;
		break;
	case QP_COMPLIANCE:
		if (one_of(v, query_compliance_names, QUERY_COMPLIANCE__MAX) < 0)
			return fail(c, d->name,
				    "compliance must be COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE or INSUFFICIENT_DATA");
		q->filter.compliance = v;
		break;
	case QP_IMAGE_ID:
		if (!valid_image_id(v))
			return fail(c, d->name, "image_id must be ami- followed by 8 or 17 hex digits");
		q->filter.image_id = v;
		break;
	case QP_RULE:
		if (!valid_object_id(v))
			return fail(c, d->name, "rule must be a rule id");
		q->filter.rule = v;
		break;
	case QP_EXEMPTED:
		if (strcmp(v, "true") == 0)
			q->filter.exempted = 1;
		else if (strcmp(v, "false") == 0)
			q->filter.exempted = 0;
		else
			return fail(c, d->name, "exempted must be true or false");
		q->exempted_text = v;
		break;
	case QP_STATE:
		if (one_of(v, states, sizeof(states) / sizeof(states[0])) < 0)
			return fail(c, d->name,
				    "state must be pending, running, shutting-down, terminated, stopping or stopped");
		q->filter.state = v;
		break;
	case QP_SORT: {
		int i = one_of(v, query_sort_names, QUERY_SORT__MAX);
		if (i < 0)
			return fail(c, d->name, "sort must be evaluated_at or observed_at");
		q->sort = (enum query_sort)i;
		break;
	}
	case QP_LIMIT:
		if (parse_u64(v, 1, IT_LIST_MAX, &n))
			return fail(c, d->name, "limit must be an integer from 1 to 1000");
		q->limit = (int)n;
		break;
	case QP_CURSOR:
		if (!*v || strlen(v) > CURSOR_TEXT_MAX)
			return fail(c, d->name, "cursor is malformed");
		q->cursor = v;
		break;
	case QP_SINCE:
		if (parse_time_ms(v, &t))
			return fail(c, d->name, "since must be an RFC 3339 timestamp");
		q->filter.since_ms = t;
		q->since_text = v;
		break;
	case QP_UNTIL:
		if (parse_time_ms(v, &t))
			return fail(c, d->name, "until must be an RFC 3339 timestamp");
		q->filter.until_ms = t;
		q->until_text = v;
		break;
	default:
		return fail(c, "query", "unknown query parameter");
	}
	return 0;
}

int qparams_parse(struct request *req, unsigned accepted, struct qparams *q, struct response *resp)
{
	struct parse_ctx c;

	memset(q, 0, sizeof(*q));
	query_filter_init(&q->filter);
	q->sort = QUERY_SORT_EVALUATED;
	q->limit = IT_LIST_DEFAULT;
	memset(&c, 0, sizeof(c));
	c.accepted = accepted;
	c.q = q;
	request_query_each(req, on_param, &c);
	if (c.detail) {
		(void)resp_problem_field(resp, 400, c.bad_field, c.detail);
		return 1;
	}
	if (q->since_text && q->until_text && q->filter.since_ms >= q->filter.until_ms) {
		(void)resp_problem_field(resp, 400, "since", "since must be before until");
		return 1;
	}
	return 0;
}

int query_cursor_key(struct request *req, uint8_t key[CURSOR_KEY_LEN])
{
	return store_cursor_key_get(request_db(req), "cursor_hmac_key", CURSOR_KEY_LEN, clock_now_ms(req->srv->clock), key);
}

int query_scope(const char *kind, const struct qparams *q, uint8_t out[CURSOR_SCOPE_LEN])
{
	const char *parts[] = {
		kind, query_sort_names[q->sort], q->filter.account, q->filter.region, q->filter.compliance,
		q->filter.image_id, q->filter.rule, q->exempted_text, q->filter.state, q->since_text, q->until_text,
	};
	char since[32], until[32];

	/* Times enter the scope normalised, so 00:00Z and +00:00 spellings agree. */
	if (q->since_text) {
		snprintf(since, sizeof(since), "%lld", (long long)q->filter.since_ms);
		parts[9] = since;
	}
	if (q->until_text) {
		snprintf(until, sizeof(until), "%lld", (long long)q->filter.until_ms);
		parts[10] = until;
	}
	return cursor_scope(parts, sizeof(parts) / sizeof(parts[0]), out);
}

int query_cursor_in(struct request *req, const struct qparams *q, enum cursor_kind kind,
		    const uint8_t scope[CURSOR_SCOPE_LEN], const uint8_t key[CURSOR_KEY_LEN],
		    struct query_key *ret_key, int *ret_has, struct response *resp)
{
	struct cursor c;
	struct query_key k;
	int rc;
	(void)req;

	if (!q->cursor) {
		*ret_has = 0;
		return 0;
	}
	rc = cursor_decode(q->cursor, key, CURSOR_KEY_LEN, &c);
	if (rc == IT_OK)
		rc = cursor_check(&c, kind, scope, clock_now_ms(req->srv->clock), IT_CURSOR_MAX_AGE_MS);
	switch (rc) {
	case IT_OK:
		break;
	case IT_EAUTH:
		(void)resp_problem_field(resp, 400, "cursor", "cursor was not issued by this service (edited or forged)");
		return 1;
	case IT_ECONFLICT:
		(void)resp_problem_field(resp, 400, "cursor",
					 "cursor belongs to another query: keep the same filters and sort while paging");
		return 1;
	case IT_ETOOBIG:
		(void)resp_problem_field(resp, 400, "cursor", "cursor has expired: start again without it");
		return 1;
	default:
		(void)resp_problem_field(resp, 400, "cursor", "cursor is malformed");
		return 1;
	}
	memset(&k, 0, sizeof(k));
	k.sort = c.sort;
	k.id = c.id;
	memcpy(k.account, c.account, sizeof(k.account));
	memcpy(k.region, c.region, sizeof(k.region));
	memcpy(k.instance_id, c.instance_id, sizeof(k.instance_id));
	*ret_key = k;
	*ret_has = 1;
	return 0;
}

int query_list_answer(struct request *req, struct response *resp, int rc, json_t *items, int csv,
		      const struct query_page *page, enum cursor_kind kind, const uint8_t scope[CURSOR_SCOPE_LEN],
		      const uint8_t key[CURSOR_KEY_LEN])
{
	json_t *next;

	if (rc) {
		json_decref(items);
		buf_reset(&resp->body);
		return apiutil_read_failure(resp, rc);
	}
	next = query_cursor_out(page, kind, scope, key, clock_now_ms(req->srv->clock));
	if (!next) {
		json_decref(items);
		return resp_problem(resp, 500, "could not build the next cursor", NULL);
	}
	if (csv) {
		json_decref(items);
		resp->status = 200;
		resp->content_type = "text/csv; charset=utf-8; header=present";
		if (json_is_string(next))
			rc = resp_header(resp, "X-Next-Cursor", json_string_value(next));
		json_decref(next);
		return rc;
	}
	return resp_json(resp, 200, json_pack("{s:o,s:o}", "items", items, "next_cursor", next));
}

/*
 * The rest of a page's opening once its scope is digested (scope_rc is how that went):
 * the key, then the cursor. A failed digest is returned as it is, for the router's
 * logged 500; it is not a database read.
 */
static int open_page(struct request *req, const struct qparams *q, enum cursor_kind kind, int scope_rc,
		     const uint8_t scope[CURSOR_SCOPE_LEN], uint8_t key[CURSOR_KEY_LEN], struct query_key *ret_after,
		     int *ret_has, struct response *resp)
{
	int rc;

	if (scope_rc)
		return scope_rc;
	rc = query_cursor_key(req, key);
	if (rc) {
		(void)apiutil_read_failure(resp, rc);
		return 1;
	}
	return query_cursor_in(req, q, kind, scope, key, ret_after, ret_has, resp);
}

int query_list_open(struct request *req, unsigned accepted, enum cursor_kind kind, const char *what,
		    struct qparams *q, uint8_t key[CURSOR_KEY_LEN], uint8_t scope[CURSOR_SCOPE_LEN],
		    struct query_key *ret_after, int *ret_has, int *ret_csv, struct response *resp)
{
	int rc;

	if (qparams_parse(req, accepted, q, resp))
		return 1;
	rc = open_page(req, q, kind, query_scope(what, q, scope), scope, key, ret_after, ret_has, resp);
	if (rc)
		return rc;
	*ret_csv = query_wants_csv(req);
	if (*ret_csv < 0) {
		(void)resp_problem_field(resp, 400, "Accept", "Accept is too long or lists too many media ranges");
		return 1;
	}
	return 0;
}

int query_history_cursor(struct request *req, enum cursor_kind kind, const char *what, const char *account,
			 const char *region, const char *id, struct qparams *q, uint8_t key[CURSOR_KEY_LEN],
			 uint8_t scope[CURSOR_SCOPE_LEN], struct query_key *ret_after, int *ret_has,
			 struct response *resp)
{
	const char *parts[] = {what, account, region, id};

	if (qparams_parse(req, QP_LIMIT | QP_CURSOR, q, resp))
		return 1;
	return open_page(req, q, kind, cursor_scope(parts, sizeof(parts) / sizeof(parts[0]), scope), scope, key,
			 ret_after, ret_has, resp);
}

/* A cursor and a page key carry the same identifiers; copied whole both ways. */
_Static_assert(sizeof(((struct cursor *)0)->account) == sizeof(((struct query_key *)0)->account), "account sizes");
_Static_assert(sizeof(((struct cursor *)0)->region) == sizeof(((struct query_key *)0)->region), "region sizes");
_Static_assert(sizeof(((struct cursor *)0)->instance_id) == sizeof(((struct query_key *)0)->instance_id),
	       "instance_id sizes");

json_t *query_cursor_out(const struct query_page *page, enum cursor_kind kind,
			 const uint8_t scope[CURSOR_SCOPE_LEN], const uint8_t key[CURSOR_KEY_LEN], int64_t now_ms)
{
	struct cursor c;
	char text[CURSOR_TEXT_MAX + 1];

	if (!page->has_next)
		return json_null();
	memset(&c, 0, sizeof(c));
	c.kind = (uint8_t)kind;
	memcpy(c.scope, scope, CURSOR_SCOPE_LEN);
	c.issued_ms = now_ms;
	c.sort = page->next.sort;
	c.id = page->next.id;
	memcpy(c.account, page->next.account, sizeof(c.account));
	memcpy(c.region, page->next.region, sizeof(c.region));
	memcpy(c.instance_id, page->next.instance_id, sizeof(c.instance_id));
	if (cursor_encode(&c, key, CURSOR_KEY_LEN, text, sizeof(text)))
		return NULL;
	return json_string(text);
}

/* ---- renderings ---- */

json_t *query_time_json(int64_t ms)
{
	char t[IT_TIME_BUF];
	return json_string(format_time_ms(ms, t));
}

static json_t *str_or_null(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;
	return v ? v : json_null();
}

/* Stored JSON text of the given type, or fallback when absent or not of that type. */
static json_t *stored_json(const char *text, json_type want, json_t *fallback)
{
	json_t *v;

	if (!text)
		return fallback;
	v = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	if (!v || json_typeof(v) != want) {
		json_decref(v);
		return fallback;
	}
	json_decref(fallback);
	return v;
}

static int common(json_t *o, const struct query_row *r)
{
	int rc = 0;

	rc |= json_object_set_new(o, "account", str_or_null(r->account));
	rc |= json_object_set_new(o, "region", str_or_null(r->region));
	rc |= json_object_set_new(o, "instance_id", str_or_null(r->instance_id));
	rc |= json_object_set_new(o, "image_id", str_or_null(r->image_id));
	rc |= json_object_set_new(o, "state", str_or_null(r->state));
	rc |= json_object_set_new(o, "compliance", str_or_null(r->compliance));
	rc |= json_object_set_new(o, "reasons", stored_json(r->reasons_json, JSON_ARRAY, json_array()));
	rc |= json_object_set_new(o, "matched_rule", str_or_null(r->matched_rule));
	rc |= json_object_set_new(o, "exemption", str_or_null(r->exemption));
	rc |= json_object_set_new(o, "facts_source", str_or_null(r->facts_source));
	rc |= json_object_set_new(o, "observed_at", query_time_json(r->observed_at));
	rc |= json_object_set_new(o, "evaluated_at", query_time_json(r->evaluated_at));
	rc |= json_object_set_new(o, "next_change_at", r->has_next_change ? query_time_json(r->next_change_at) : json_null());
	return rc;
}

json_t *query_instance_json(const struct query_row *r)
{
	json_t *o = json_object();

	if (!o || common(o, r) || json_object_set_new(o, "tags", stored_json(r->tags_json, JSON_OBJECT, json_null()))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *query_evaluation_json(const struct query_row *r)
{
	json_t *o = json_object();
	int rc;

	if (!o)
		return NULL;
	rc = json_object_set_new(o, "id", json_integer(r->id));
	rc |= common(o, r);
	rc |= json_object_set_new(o, "previous_compliance", str_or_null(r->previous_compliance));
	rc |= json_object_set_new(o, "trigger", str_or_null(r->trigger));
	rc |= json_object_set_new(o, "trigger_event_id", str_or_null(r->trigger_event_id));
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int query_wants_csv(struct request *req)
{
	static const char *const offers[] = {"application/json", "text/csv"};
	const char *a = request_header(req, "Accept");
	size_t pick;

	if (http_accept_pick(a, a ? strlen(a) : 0, offers, 2, &pick) != IT_OK)
		return -1;
	/* Nothing acceptable (text/csv;q=0 alone): JSON, the default (RFC 9110 §12.5.1
	 * lets a server disregard Accept rather than answer 406). */
	return pick == 1;
}

/* RFC 4180 field: quoted when it holds a comma, quote, CR or LF (quotes doubled). A
 * leading = + - @ would make a spreadsheet evaluate the cell as a formula, so such a
 * value gets a leading apostrophe (OWASP "CSV injection"). */
static int csv_field(struct buf *b, const char *v, int last)
{
	int rc = IT_OK;

	if (v && *v) {
		int quote = strpbrk(v, ",\"\r\n") != NULL;
		int guard = strchr("=+-@\t\r", v[0]) != NULL;
		if (quote)
			rc = buf_puts(b, "\"");
		if (rc == IT_OK && guard)
			rc = buf_puts(b, "'");
		for (const char *p = v; rc == IT_OK && *p; p++)
			rc = *p == '"' ? buf_puts(b, "\"\"") : buf_append(b, p, 1);
		if (rc == IT_OK && quote)
			rc = buf_puts(b, "\"");
	}
	if (rc == IT_OK)
		rc = buf_puts(b, last ? "\r\n" : ",");
	return rc;
}

int query_csv_header(struct buf *b, int evaluations)
{
	return buf_puts(b, evaluations
		? "id,account,region,instance_id,image_id,state,compliance,previous_compliance,reasons,"
		  "matched_rule,exemption,facts_source,observed_at,evaluated_at,next_change_at,trigger,"
		  "trigger_event_id\r\n"
		: "account,region,instance_id,image_id,state,compliance,reasons,matched_rule,exemption,"
		  "facts_source,observed_at,evaluated_at,next_change_at,tags\r\n");
}

int query_csv_row(struct buf *b, const struct query_row *r, int evaluations)
{
	char obs[IT_TIME_BUF], ev[IT_TIME_BUF], nx[IT_TIME_BUF], id[24];
	int rc = IT_OK;

	format_time_ms(r->observed_at, obs);
	format_time_ms(r->evaluated_at, ev);
	if (r->has_next_change)
		format_time_ms(r->next_change_at, nx);
	else
		nx[0] = '\0';
	if (evaluations) {
		snprintf(id, sizeof(id), "%lld", (long long)r->id);
		rc = csv_field(b, id, 0);
	}
	if (rc == IT_OK)
		rc = csv_field(b, r->account, 0);
	if (rc == IT_OK)
		rc = csv_field(b, r->region, 0);
	if (rc == IT_OK)
		rc = csv_field(b, r->instance_id, 0);
	if (rc == IT_OK)
		rc = csv_field(b, r->image_id, 0);
	if (rc == IT_OK)
		rc = csv_field(b, r->state, 0);
	if (rc == IT_OK)
		rc = csv_field(b, r->compliance, 0);
	if (rc == IT_OK && evaluations)
		rc = csv_field(b, r->previous_compliance, 0);
	if (rc == IT_OK)
		rc = csv_field(b, r->reasons_json, 0);
	if (rc == IT_OK)
		rc = csv_field(b, r->matched_rule, 0);
	if (rc == IT_OK)
		rc = csv_field(b, r->exemption, 0);
	if (rc == IT_OK)
		rc = csv_field(b, r->facts_source, 0);
	if (rc == IT_OK)
		rc = csv_field(b, obs, 0);
	if (rc == IT_OK)
		rc = csv_field(b, ev, 0);
	if (rc == IT_OK)
		rc = csv_field(b, nx, 0);
	if (rc == IT_OK && evaluations) {
		rc = csv_field(b, r->trigger, 0);
		if (rc == IT_OK)
			rc = csv_field(b, r->trigger_event_id, 1);
	} else if (rc == IT_OK) {
		rc = csv_field(b, r->tags_json, 1);
	}
	return rc;
}

int query_csv_field(struct buf *b, const char *v, int last)
{
	return csv_field(b, v, last);
}

json_t *query_stored_json(const char *text, json_type want, json_t *fallback)
{
	return stored_json(text, want, fallback);
}
