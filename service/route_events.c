/*
 * route_events.c: POST /v1/events, where both EventBridge bus types deliver.
 *
 * A body is one event (the classic bus; a Custom Event Bus subscriber with MaxBatchSize
 * 1) or an array of up to ITALIC_BATCH_MAX of them (a Custom Event Bus subscriber);
 * lib/event_batch.h reads it. Statuses are chosen for what the sender does next.
 *
 * One event keeps docs/events.md's answers: malformed input is 400 (never worth a
 * retry on the classic bus), a token bound to other accounts 403, an event already
 * accepted 200 "duplicate" (not 409, which would be retried), backlog or rate over the
 * limit 429 with Retry-After, storage failure 503.
 *
 * A batch is answered 200 with one result per item once every accepted item (and every
 * rejected item's quarantine row) is committed in one writer job: the Custom Event Bus
 * treats any other status as a failed delivery of the whole batch and redelivers it,
 * then dead-letters it, good events included. So an item that is malformed, too large,
 * for an account the token is not bound to, or for a region AWS does not have is
 * answered "rejected" and kept in the quarantine (GET /v1/rejected-events), never a
 * 4xx for its neighbours. The whole batch fails only when nothing of it can be judged:
 * 400 (not JSON, not an object or array, empty or too long), 401/403 (the token), 413
 * (ITALIC_BATCH_MAX_BYTES, judged in http.c before the body), 415 (http.c), 429 (the
 * backlog cannot take all of it, or the token's rate), 503 (storage). Never half: the
 * room for the whole batch is reserved before it is queued, and its job stores all of
 * it or none.
 *
 * Content-Type is judged in http.c before the body is read (router_media): JSON types
 * or none at all. No AWS call happens here: the answer depends only on parsing and one
 * group-committed write.
 *
 * The write is handed to the writer without a thread waiting for it: the connection is
 * suspended (request_defer) until the commit, so the writer's batches grow with the
 * number of senders rather than with the number of server threads, and the answer
 * still goes out only after the commit. The parsed events move on to the evaluator in
 * memory (ingest.h), which saves them a second parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "event.h"
#include "event_batch.h"
#include "ingest.h"
#include "json_io.h"
#include "ratelimit.h"
#include "routes.h"
#include "status.h"

static void count(struct request *req, const char *kind, const char *outcome, uint64_t n)
{
	char labels[96];
	snprintf(labels, sizeof(labels), "kind=\"%s\",outcome=\"%s\"", kind, outcome);
	metrics_add(req->srv->metrics, "italic_events_total", labels, n);
}

static int too_many(struct request *req, struct response *resp, int retry_after, const char *why)
{
	char v[16];
	(void)req;
	snprintf(v, sizeof(v), "%d", retry_after);
	(void)resp_problem(resp, 429, why, NULL);
	return resp_header(resp, "Retry-After", v);
}

/* Idempotency-Key: visible ASCII, bounded; anything else is the sender's bug (400). */
static int idem_ok(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n > IT_MAX_IDEMPOTENCY_KEY)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)k[i] <= 0x20 || (unsigned char)k[i] >= 0x7f)
			return 0;
	return 1;
}

/* The reader bounds ids (a rule invocation's is 64 hex digits). */
_Static_assert(EVENT_BATCH_ID_MAX <= INBOX_EVENT_ID_MAX, "event ids fit the inbox");

/* What a deferred request keeps until its answer. */
struct pending {
	struct ingest_ticket t;
	struct request *req;
	struct event_batch *batch;
	struct inbox_new *items;     /* the candidates, in batch order */
	struct event **evs;
	enum inbox_result *results;
	const char **kinds;          /* candidate k's event kind (its event moves on) */
	char (*details)[sizeof(((struct json_err *)0)->field) + sizeof(((struct json_err *)0)->message) + 4];
	struct rejected_new *rejected;
	size_t n_candidates, n_rejected;
};

static void pending_free(void *ctx)
{
	struct pending *p = ctx;

	if (!p)
		return;
	for (size_t k = 0; p->evs && k < p->n_candidates; k++)
		event_free(p->evs[k]);
	event_batch_free(p->batch);
	free(p->items);
	free(p->evs);
	free(p->results);
	free(p->kinds);
	free(p->details);
	free(p->rejected);
	free(p);
}

/* Writer thread, after the commit: wake the connection. */
static void stored(struct ingest_ticket *t)
{
	struct pending *p = t->done_ctx;
	request_resume(p->req);
}

static int account_allowed(void *ctx, const char *account)
{
	return token_record_allows_account(ctx, account);
}

static const char *kind_of(const struct event_batch_item *it)
{
	return it->ev ? event_kind_str(it->ev->kind) : "unknown";
}

static int storage_failed(struct request *req, struct response *resp, int rc)
{
	log_kv(&req->srv->log, LOG_ERROR, req->request_id, "Events could not be stored; the sender is told to retry.",
	       "error.code", status_str(rc), "error.message", status_text(rc), NULL);
	(void)resp_problem(resp, 503, rc == IT_EFULL ? "storage is full" : "storage unavailable", NULL);
	return resp_header(resp, "Retry-After", "5");
}

/* ---- one event: §5's answers ---- */

static int answer_single(struct request *req, struct response *resp)
{
	struct pending *p = req->route_ctx;
	const struct event_batch_item *it = &p->batch->items[0];
	int rc = p->t.rc;

	if (rc) {
		count(req, p->kinds[0], rc == IT_EFULL ? "storage_full" : "storage_error", 1);
		return storage_failed(req, resp, rc);
	}
	count(req, p->kinds[0], p->results[0] == INBOX_ACCEPTED ? "accepted" : "duplicate", 1);
	return resp_json(resp, p->results[0] == INBOX_ACCEPTED ? 202 : 200,
			 json_pack("{s:s,s:s}", "id", it->id, "status",
				   p->results[0] == INBOX_ACCEPTED ? "accepted" : "duplicate"));
}

static int field_detail(struct response *resp, unsigned status, const struct json_err *err)
{
	char detail[sizeof(err->field) + sizeof(err->message) + 4];

	snprintf(detail, sizeof(detail), "%s%s%s", err->field, err->field[0] ? ": " : "",
		 err->message[0] ? err->message : "malformed event");
	return resp_problem(resp, status, detail, err->field[0] ? json_pack("{s:s}", "field", err->field) : NULL);
}

static int refuse_single(struct request *req, struct response *resp, struct event_batch_item *it)
{
	switch (it->reason) {
	case EVENT_BATCH_FORBIDDEN_ACCOUNT:
		count(req, kind_of(it), "forbidden_account", 1);
		return resp_problem_field(resp, 403, it->err.field, it->err.message);
	case EVENT_BATCH_TOO_LARGE:
		count(req, kind_of(it), "malformed", 1);
		return resp_problem(resp, 413, "the event is over 1 MiB", NULL);
	case EVENT_BATCH_UNKNOWN_REGION:
	case EVENT_BATCH_MALFORMED:
	default:
		count(req, kind_of(it), "malformed", 1);
		return field_detail(resp, 400, &it->err);
	}
}

/* ---- a batch: 200 with one result per item ---- */

static json_t *item_json(const struct event_batch_item *it, const char *status)
{
	json_t *j = json_pack("{s:I,s:o,s:s}", "index", (json_int_t)it->index, "id",
			      it->id[0] ? json_string(it->id) : json_null(), "status", status);

	if (!j)
		return NULL;
	if (it->status == EVENT_BATCH_IGNORED && it->ev && it->ev->ignored_reason)
		json_object_set_new(j, "reason", json_string(it->ev->ignored_reason));
	if (it->status == EVENT_BATCH_REJECTED) {
		char detail[sizeof(it->err.field) + sizeof(it->err.message) + 4];
		snprintf(detail, sizeof(detail), "%s%s%s", it->err.field, it->err.field[0] ? ": " : "", it->err.message);
		json_object_set_new(j, "reason", json_string(event_batch_reason_str(it->reason)));
		if (it->err.field[0])
			json_object_set_new(j, "field", json_string(it->err.field));
		json_object_set_new(j, "detail", json_string(detail));
	}
	return j;
}

static int answer_batch(struct request *req, struct response *resp)
{
	struct pending *p = req->route_ctx;
	struct event_batch *b = p->batch;
	size_t n_acc = 0, n_dup = 0, n_ign = 0, n_rej = 0, k = 0;
	json_t *items;
	int rc = p->t.rc;

	if (rc) {
		count(req, "unknown", rc == IT_EFULL ? "storage_full" : "storage_error", b->n);
		return storage_failed(req, resp, rc);
	}
	items = json_array();
	for (size_t i = 0; i < b->n; i++) {
		const struct event_batch_item *it = &b->items[i];
		const char *status;

		switch (it->status) {
		case EVENT_BATCH_CANDIDATE:
			status = p->results[k] == INBOX_ACCEPTED ? "accepted" : "duplicate";
			if (status[0] == 'a')
				n_acc++;
			else
				n_dup++;
			count(req, p->kinds[k], status, 1);
			k++;
			break;
		case EVENT_BATCH_IGNORED:
			status = "ignored";
			n_ign++;
			count(req, "ignored", "ignored", 1);
			break;
		case EVENT_BATCH_REJECTED:
		default: {
			char labels[64];
			status = "rejected";
			n_rej++;
			count(req, kind_of(it), event_batch_reason_str(it->reason), 1);
			snprintf(labels, sizeof(labels), "reason=\"%s\"", event_batch_reason_str(it->reason));
			metrics_add(req->srv->metrics, "italic_events_rejected_total", labels, 1);
			break;
		}
		}
		if (items && json_array_append_new(items, item_json(it, status))) {
			json_decref(items);
			items = NULL;
		}
	}
	if (n_rej)
		log_f(&req->srv->log, LOG_INFO, req->request_id,
		      "A batch held items Italic rejected; they are kept in the quarantine.",
		      LOG_INT("italic.batch.items", b->n), LOG_INT("italic.batch.accepted", n_acc),
		      LOG_INT("italic.batch.rejected", n_rej), LOG_STR("user.id", req->token.id));
	return resp_json(resp, 200,
			 items ? json_pack("{s:I,s:I,s:I,s:I,s:o}", "accepted", (json_int_t)n_acc, "duplicate",
					   (json_int_t)n_dup, "ignored", (json_int_t)n_ign, "rejected", (json_int_t)n_rej,
					   "items", items)
			       : NULL);
}

/* ---- the route ---- */

/* Fills p's candidates and quarantine rows from its batch. IT_ENOMEM only. */
static int prepare(struct request *req, struct pending *p, const char *idem, int64_t now)
{
	struct event_batch *b = p->batch;
	size_t counts[EVENT_BATCH_STATUS__MAX];

	event_batch_count(b, counts);
	p->items = calloc(b->n, sizeof(*p->items));
	p->evs = calloc(b->n, sizeof(*p->evs));
	p->results = calloc(b->n, sizeof(*p->results));
	p->kinds = calloc(b->n, sizeof(*p->kinds));
	p->rejected = calloc(counts[EVENT_BATCH_REJECTED] ? counts[EVENT_BATCH_REJECTED] : 1, sizeof(*p->rejected));
	p->details = calloc(counts[EVENT_BATCH_REJECTED] ? counts[EVENT_BATCH_REJECTED] : 1, sizeof(*p->details));
	if (!p->items || !p->evs || !p->results || !p->kinds || !p->rejected || !p->details)
		return IT_ENOMEM;
	for (size_t i = 0; i < b->n; i++) {
		struct event_batch_item *it = &b->items[i];

		if (it->status == EVENT_BATCH_CANDIDATE) {
			struct inbox_new *e = &p->items[p->n_candidates];
			struct event *ev = it->ev;
			it->ev = NULL;   /* the ticket's now: it moves to the hand-off when stored */
			p->evs[p->n_candidates] = ev;
			p->kinds[p->n_candidates] = event_kind_str(ev->kind);
			e->event_id = it->id;
			/* On a batch the header is not used: every item has its own id, and one
			 * key for all of them would make every item after the first a duplicate. */
			e->idem_key = b->is_array ? NULL : idem;
			e->kind = event_kind_str(ev->kind);
			e->account = ev->account;
			e->region = ev->region;
			e->token_id = req->authenticated ? req->token.id : NULL;
			e->body = it->body;
			e->body_len = it->body_len;
			e->received_at = now;
			p->n_candidates++;
		} else if (it->status == EVENT_BATCH_REJECTED) {
			char *detail = p->details[p->n_rejected];
			struct rejected_new *r = &p->rejected[p->n_rejected++];
			/* the same words as the batch's answer gives the item */
			snprintf(detail, sizeof(*p->details), "%s%s%s", it->err.field, it->err.field[0] ? ": " : "",
				 it->err.message);
			r->received_at = now;
			r->token_id = req->authenticated ? req->token.id : NULL;
			r->token_name = req->authenticated ? req->token.name : NULL;
			r->request_id = req->request_id;
			r->item_index = (int64_t)it->index;
			r->event_id = it->id;
			r->account = it->ev ? it->ev->account : NULL;
			r->reason = event_batch_reason_str(it->reason);
			r->field = it->err.field;
			r->detail = detail;
			r->body = it->raw;
			r->body_len = it->raw_len;
		}
	}
	return IT_OK;
}

int route_events(struct request *req, struct response *resp)
{
	struct server *srv = req->srv;
	struct json_err err = {{0}, {0}};
	const char *idem = request_header(req, "Idempotency-Key");
	const char *body = buf_str(&req->body);
	struct event_batch *b = NULL;
	struct pending *p;
	int64_t now = clock_now_ms(srv->clock);
	int rc, retry = 1, is_array = event_batch_is_array(body, req->body.len);

	if (idem && !idem_ok(idem)) {
		count(req, "unknown", "malformed", 1);
		return resp_problem_field(resp, 400, "Idempotency-Key",
					  "Idempotency-Key must be 1-128 visible ASCII characters");
	}
	if (req->authenticated && !ratelimit_take(srv->ratelimit, req->token.id, now, &retry)) {
		count(req, "unknown", "rate_limited", 1);
		return too_many(req, resp, retry, "this token's event rate is over ITALIC_INGEST_RATE");
	}
	if (ingest_backlog(srv->ingest) >= (int64_t)srv->cfg.inbox_max) {
		count(req, "unknown", "backlog_full", 1);
		return too_many(req, resp, 5, "the evaluation backlog is full; retry later");
	}
	if (!is_array && req->body.len > IT_EVENT_MAX_BODY) {
		count(req, "unknown", "malformed", 1);
		return resp_problem(resp, 413, "request body over 1 MiB (one event; an array may be larger)", NULL);
	}

	rc = event_batch_read(body, req->body.len, (size_t)srv->cfg.batch_max, &b, &err);
	if (rc == IT_ENOMEM)
		return resp_problem(resp, 503, "out of memory", NULL);
	if (rc) {
		count(req, "unknown", "malformed", 1);
		return field_detail(resp, 400, &err);
	}
	event_batch_admit(b, req->authenticated ? account_allowed : NULL, &req->token, srv->cfg.extra_regions);

	if (!b->is_array) {
		struct event_batch_item *it = &b->items[0];
		if (it->status == EVENT_BATCH_REJECTED) {
			rc = refuse_single(req, resp, it);
			event_batch_free(b);
			return rc;
		}
		if (it->status == EVENT_BATCH_IGNORED) {
			count(req, "ignored", "ignored", 1);
			rc = resp_json(resp, 202, json_pack("{s:s,s:s,s:s?}", "id", it->id, "status", "ignored",
							    "reason", it->ev->ignored_reason));
			event_batch_free(b);
			return rc;
		}
	}

	p = calloc(1, sizeof(*p));
	if (!p) {
		event_batch_free(b);
		return resp_problem(resp, 503, "out of memory", NULL);
	}
	p->req = req;
	p->batch = b;
	req->route_ctx = p;
	req->route_ctx_free = pending_free;
	if (prepare(req, p, idem, now) != IT_OK)
		return resp_problem(resp, 503, "out of memory", NULL);
	if (p->n_candidates + p->n_rejected == 0) {
		if (req->authenticated && b->n > 1)
			ratelimit_charge(srv->ratelimit, req->token.id, b->n - 1, now);
		return answer_batch(req, resp);   /* every item ignored: nothing to store */
	}
	if (p->n_candidates && !ingest_reserve(srv->ingest, (int64_t)p->n_candidates, (int64_t)srv->cfg.inbox_max)) {
		count(req, b->is_array ? "unknown" : p->kinds[0], "backlog_full", b->n);
		return too_many(req, resp, 5,
				b->is_array ? "the evaluation backlog cannot take this whole batch; retry later"
					    : "the evaluation backlog is full; retry later");
	}
	if (b->is_array && req->authenticated && b->n > 1)
		/* One unit let the request in; the batch pays for the rest of its items (only
		 * once it is let in: a batch refused for the backlog costs the token nothing). */
		ratelimit_charge(srv->ratelimit, req->token.id, b->n - 1, now);
	p->t.items = p->items;
	p->t.evs = p->evs;
	p->t.results = p->results;
	p->t.n = p->n_candidates;
	p->t.rejected = p->rejected;
	p->t.n_rejected = p->n_rejected;
	p->t.reserved = (int64_t)p->n_candidates;
	p->t.done = stored;
	p->t.done_ctx = p;
	rc = ingest_submit(srv->ingest, &p->t);
	if (rc) {
		/* The writer is stopping: nothing was queued. */
		ingest_unreserve(srv->ingest, p->t.reserved);
		p->t.rc = rc;
		return b->is_array ? answer_batch(req, resp) : answer_single(req, resp);
	}
	request_defer(req, b->is_array ? answer_batch : answer_single);
	return IT_OK;
}
