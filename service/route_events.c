/*
 * route_events.c: POST /v1/events, where EventBridge in every member account delivers.
 *
 * Every status is chosen for what EventBridge does next (it retries 401, 407, 409, 429
 * and 5xx for 24 h and drops other 4xx): malformed input is 400 (never worth a retry),
 * a token bound to other accounts 403, an event already accepted 200 "duplicate" (not
 * 409, which would be retried), backlog or rate over the limit 429 with Retry-After,
 * storage failure 503. Content-Type is not checked: the body is parsed as JSON whatever
 * the header says, because a forwarder that labels JSON wrongly should not lose events
 * (a 415 would never be retried). No AWS call happens here: the answer depends only on parsing and
 * one group-committed insert.
 *
 * The insert is handed to the writer without a thread waiting for it: the connection
 * is suspended (request_defer) until the commit, so the writer's batches grow with the
 * number of senders rather than with the number of server threads, and the 202 still
 * goes out only after the commit. The parsed event moves on to the evaluator in memory
 * (ingest.h), which saves it a second parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "event.h"
#include "ingest.h"
#include "json_io.h"
#include "partition.h"
#include "ratelimit.h"
#include "routes.h"
#include "status.h"

static void count(struct request *req, const char *kind, const char *outcome)
{
	char labels[96];
	snprintf(labels, sizeof(labels), "kind=\"%s\",outcome=\"%s\"", kind, outcome);
	metrics_add(req->srv->metrics, "italic_events_total", labels, 1);
}

static int too_many(struct request *req, struct response *resp, int retry_after, const char *why)
{
	char v[16];
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

/* The parser bounds event ids (a rule invocation's is 64 hex digits). */
_Static_assert(IT_EVENT_MAX_ID <= INBOX_EVENT_ID_MAX, "event ids fit the inbox");

/* What a deferred request keeps until its answer. */
struct pending_event {
	struct ingest_ticket t;
	struct request *req;
	enum event_kind kind;
	char id[INBOX_EVENT_ID_MAX + 1];
};

static void pending_free(void *ctx)
{
	struct pending_event *p = ctx;
	if (!p)
		return;
	event_free(p->t.ev);
	free(p);
}

/* Writer thread, after the commit: wake the connection. */
static void stored(struct ingest_ticket *t)
{
	struct pending_event *p = t->done_ctx;
	request_resume(p->req);
}

static int answer(struct request *req, struct response *resp)
{
	struct pending_event *p = req->route_ctx;
	struct server *srv = req->srv;
	const char *kind = event_kind_str(p->kind);
	int rc = p->t.rc;

	if (rc) {
		count(req, kind, rc == IT_EFULL ? "storage_full" : "storage_error");
		log_kv(&srv->log, LOG_ERROR, req->request_id, "An event could not be stored; the sender is told to retry.",
		       "error.code", status_str(rc), "error.message", status_text(rc), NULL);
		(void)resp_problem(resp, 503, rc == IT_EFULL ? "storage is full" : "storage unavailable", NULL);
		return resp_header(resp, "Retry-After", "5");
	}
	count(req, kind, p->t.result == INBOX_ACCEPTED ? "accepted" : "duplicate");
	return resp_json(resp, p->t.result == INBOX_ACCEPTED ? 202 : 200,
			 json_pack("{s:s,s:s}", "id", p->id, "status",
				   p->t.result == INBOX_ACCEPTED ? "accepted" : "duplicate"));
}

int route_events(struct request *req, struct response *resp)
{
	struct server *srv = req->srv;
	struct json_err err = {{0}, {0}};
	struct event *ev = NULL;
	const char *idem = request_header(req, "Idempotency-Key");
	struct pending_event *p;
	int rc, retry = 1;

	if (idem && !idem_ok(idem)) {
		count(req, "unknown", "malformed");
		return resp_problem_field(resp, 400, "Idempotency-Key",
					  "Idempotency-Key must be 1-128 visible ASCII characters");
	}
	if (req->authenticated && !ratelimit_take(srv->ratelimit, req->token.id, clock_now_ms(NULL), &retry)) {
		count(req, "unknown", "rate_limited");
		return too_many(req, resp, retry, "this token's event rate is over ITALIC_INGEST_RATE");
	}
	if (ingest_backlog(srv->ingest) >= (int64_t)srv->cfg.inbox_max) {
		count(req, "unknown", "backlog_full");
		return too_many(req, resp, 5, "the evaluation backlog is full; retry later");
	}

	rc = event_parse(buf_str(&req->body), req->body.len, &ev, &err);
	if (rc == IT_ENOMEM)
		return resp_problem(resp, 503, "out of memory", NULL);
	if (rc) {
		char detail[512];
		count(req, "unknown", "malformed");
		snprintf(detail, sizeof(detail), "%s%s%s", err.field[0] ? err.field : "", err.field[0] ? ": " : "",
			 err.message[0] ? err.message : "malformed event");
		return resp_problem(resp, 400, detail, err.field[0] ? json_pack("{s:s}", "field", err.field) : NULL);
	}
	if (req->authenticated && !token_record_allows_account(&req->token, ev->account)) {
		count(req, event_kind_str(ev->kind), "forbidden_account");
		event_free(ev);
		return resp_problem_field(resp, 403, "account", "this ingest token is not bound to the event's account");
	}
	/* A region AWS does not have would become an (account, region) pair that is kept and
	 * swept: refused, naming where the region came from. A region AWS opened after this
	 * release is admitted by ITALIC_EXTRA_REGIONS. */
	if (!partition_region_known(ev->region, srv->cfg.extra_regions)) {
		/* a rule invocation's region is the one in its configRuleArn */
		const char *field = strcmp(ev->detail_type, "Config Rule Invocation") == 0 ? "configRuleArn" : "region";
		char detail[160];
		count(req, event_kind_str(ev->kind), "malformed");
		snprintf(detail, sizeof(detail), "%s: region %s is not an AWS region Italic knows (ITALIC_EXTRA_REGIONS adds one)",
			 field, ev->region);
		event_free(ev);
		return resp_problem(resp, 400, detail, json_pack("{s:s}", "field", field));
	}
	if (ev->kind == EVENT_IGNORED) {
		count(req, "ignored", "ignored");
		rc = resp_json(resp, 202, json_pack("{s:s,s:s,s:s?}", "id", ev->id, "status", "ignored",
						    "reason", ev->ignored_reason));
		event_free(ev);
		return rc;
	}

	p = calloc(1, sizeof(*p));
	if (!p) {
		event_free(ev);
		return resp_problem(resp, 503, "out of memory", NULL);
	}
	p->req = req;
	p->kind = ev->kind;
	memcpy(p->id, ev->id, strlen(ev->id) + 1);
	p->t.ev = ev;
	p->t.item.event_id = ev->id;
	p->t.item.idem_key = idem;
	p->t.item.kind = event_kind_str(ev->kind);
	p->t.item.account = ev->account;
	p->t.item.region = ev->region;
	p->t.item.token_id = req->authenticated ? req->token.id : NULL;
	p->t.item.body = req->body.data;
	p->t.item.body_len = req->body.len;
	p->t.item.received_at = clock_now_ms(NULL);
	p->t.done = stored;
	p->t.done_ctx = p;
	req->route_ctx = p;
	req->route_ctx_free = pending_free;
	rc = ingest_submit(srv->ingest, &p->t);
	if (rc) {
		/* The writer is stopping: nothing was queued. */
		p->t.rc = rc;
		return answer(req, resp);
	}
	request_defer(req, answer);
	return IT_OK;
}
