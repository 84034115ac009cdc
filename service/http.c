/*
 * http.c: libmicrohttpd daemon, limits, auth before body, capped bodies, responses.
 *
 * libmicrohttpd calls on_uri() when a request line has arrived (before it decodes the
 * target or splits the query), then on_request() several times per request: once with
 * headers only (where we judge the message's framing, route, authenticate and check
 * Content-Length, so a bad request costs no body read), then once per body chunk, then
 * a final time to produce the response. Per-request state lives in struct conn_state,
 * made by on_uri() and freed in on_completed().
 *
 * What libmicrohttpd 0.9.75 (Debian 12) does with hostile requests, and what we do
 * about it, is in TESTING.md ("Hostile input"); in short: it frames by the first
 * Content-Length and ignores the others, prefers Transfer-Encoding over Content-Length,
 * waits forever for a body whose coding is not exactly "chunked", cuts header values
 * at a NUL, answers a query with more parameters than its memory pool holds with
 * nothing at all, and takes a name such as "Content-Length " (space before the colon)
 * as another header. check_message() refuses each of these before any route runs, with
 * a problem+json and Connection: close (RFC 9112 §6.1, §6.3). A malformed Content-Length
 * value (-1, +5, 0x10) it answers itself, with its own 400 whose status line and
 * headers it sends twice, before any callback of ours: that one we cannot change.
 */
#include "http.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "auth.h"
#include "clock.h"
#include "http_syntax.h"
#include "netaddr.h"
#include "parse.h"
#include "router.h"
#include "status.h"
#include "token.h"

/* After a chunked body passes the cap we keep discarding this much more, so a client
 * that honours nothing cannot hold a thread forever, then drop the connection. */
#define DISCARD_SLACK (4 * 1024 * 1024)

struct http {
	struct MHD_Daemon *daemon;
	struct server *srv;
	_Atomic(int) in_flight;
	_Atomic(size_t) body_bytes;  /* request body bytes held by all connections */
	size_t body_budget;          /* ITALIC_BODY_MEMORY */
	pthread_mutex_t defer_mu;    /* the suspend/resume hand-shake of deferred requests */
	int suspended;               /* under defer_mu: suspended and not yet resumed */
	char *tls_cert;
	char *tls_key;
	gnutls_datum_t ticket_key;   /* session ticket key (TLS resumption); size 0: none */
};

struct conn_state {
	struct request req;      /* first: request_defer/resume find the state from it */
	struct http *h;
	int64_t start_us;
	int started;             /* the first handler call (headers) has come */
	int early;               /* a response was queued on the header call */
	int close;               /* answer with Connection: close: the framing is in doubt */
	unsigned target_status;  /* the raw request target's judgement: 0, 400 or 414 */
	const char *target_why;  /* static, when target_status is set */
	int cred_cut;            /* Authorization or x-api-key held a NUL: malformed (401) */
	int too_big;             /* body passed the cap */
	int over_budget;         /* body would pass ITALIC_BODY_MEMORY: answered 503 */
	size_t held;             /* bytes of body counted in h->body_bytes */
	size_t body_max;         /* the route's body cap (router_body_max) */
	size_t discarded;
	char path_copy[IT_MAX_PATH + 1];
	int (*finish)(struct request *req, struct response *resp);   /* set by request_defer */
	int label_route;         /* route whose path matched on a 405 (metrics, access log); -1 */
	int suspended;           /* under h->defer_mu */
	int resumed;             /* under h->defer_mu: request_resume has come */
};

/* Gives the request's pooled database connection back (request_db borrows again). */
static void release_db(struct conn_state *cs)
{
	if (cs->req.db) {
		store_pool_put(cs->h->srv->pool, cs->req.db);
		cs->req.db = NULL;
	}
}

/* Counts n more body bytes of cs against ITALIC_BODY_MEMORY; 0 (nothing counted) when
 * they would pass it. */
static int hold(struct conn_state *cs, size_t n)
{
	struct http *h = cs->h;
	size_t before = atomic_fetch_add(&h->body_bytes, n);

	if (before + n > h->body_budget) {
		atomic_fetch_sub(&h->body_bytes, n);
		return 0;
	}
	cs->held += n;
	return 1;
}

/* Frees the body and gives its bytes back to the budget. */
static void release_body(struct conn_state *cs)
{
	buf_finish(&cs->req.body);
	if (cs->held) {
		atomic_fetch_sub(&cs->h->body_bytes, cs->held);
		cs->held = 0;
	}
}

/* A deferred request's connection is suspended until request_resume, unless that has
 * come already (the other thread was quicker): then 0, and the caller answers now. */
static int park(struct conn_state *cs)
{
	struct http *h = cs->h;
	int parked = 0;

	release_db(cs);
	pthread_mutex_lock(&h->defer_mu);
	if (!cs->resumed) {
		MHD_suspend_connection(cs->req.conn);
		cs->suspended = 1;
		h->suspended++;
		parked = 1;
	}
	pthread_mutex_unlock(&h->defer_mu);
	return parked;
}

void request_defer(struct request *req, int (*finish)(struct request *req, struct response *resp))
{
	((struct conn_state *)req)->finish = finish;
}

void request_resume(struct request *req)
{
	struct conn_state *cs = (struct conn_state *)req;
	struct http *h = cs->h;

	/* Once the lock is released the connection may run, finish and be freed on
	 * another thread: nothing of cs is touched after it. */
	pthread_mutex_lock(&h->defer_mu);
	cs->resumed = 1;
	if (cs->suspended) {
		/* Counted out here, not when the handler runs again: a resumed connection
		 * whose client has gone is closed without another handler call. */
		cs->suspended = 0;
		h->suspended--;
		MHD_resume_connection(req->conn);
	}
	pthread_mutex_unlock(&h->defer_mu);
}

/* ---- plumbing ---- */

static void new_request_id(char out[IT_REQUEST_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t raw[IT_REQUEST_ID_LEN / 2];

	if (getrandom(raw, sizeof(raw), GRND_NONBLOCK) != (ssize_t)sizeof(raw)) {
		int64_t t = clock_mono_us();
		memcpy(raw, &t, sizeof(raw) < sizeof(t) ? sizeof(raw) : sizeof(t));
	}
	for (size_t i = 0; i < sizeof(raw); i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[IT_REQUEST_ID_LEN] = '\0';
}

static const char *route_label(const struct conn_state *cs)
{
	if (cs->req.route_index >= 0)
		return routes[cs->req.route_index].pattern;
	return cs->label_route >= 0 ? routes[cs->label_route].pattern : "unmatched";
}

/* The method as a metric label. Label values come from closed sets: on a known path
 * (a route, or a 405 on a route's path) it is the method if it is a standard one,
 * otherwise, and on any unmatched path, "other" (the access log keeps it as sent). */
static const char *method_label(const struct conn_state *cs)
{
	static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
	const char *method = cs->req.method;

	if (cs->req.route_index < 0 && cs->label_route < 0)
		return "other";
	for (size_t i = 0; method && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(method, known[i]) == 0)
			return known[i];
	return "other";
}

static void count_request(const struct conn_state *cs, unsigned status, double secs)
{
	char labels[METRICS_LABELS_MAX];

	snprintf(labels, sizeof(labels), "method=\"%s\",route=\"%s\",status=\"%u\"",
		 method_label(cs), route_label(cs), status);
	(void)metrics_add(cs->req.srv->metrics, "italic_http_requests_total", labels, 1);
	snprintf(labels, sizeof(labels), "route=\"%s\"", route_label(cs));
	(void)metrics_observe(cs->req.srv->metrics, "italic_http_request_duration_seconds", labels, secs);
}

/*
 * One access-log line per request, at info (warn for 5xx), with ECS fields. The route
 * is the pattern, not the path: ids in paths are harmless but a query may hold
 * anything, so the raw URL is never logged; the token appears by its id only.
 */
static void access_log(const struct conn_state *cs, unsigned status, size_t bytes, double secs)
{
	const struct request *req = &cs->req;
	char method[17], msg[160];

	snprintf(method, sizeof(method), "%s", req->method ? req->method : "");
	snprintf(msg, sizeof(msg), "%s %s answered %u.", method, route_label(cs), status);
	log_f(&req->srv->log, status >= 500 ? LOG_WARN : LOG_INFO, req->request_id, msg,
	      LOG_STR("event.dataset", "italic.access"), LOG_STR("http.request.method", method),
	      LOG_STR("italic.route", route_label(cs)), LOG_INT("http.response.status_code", status),
	      LOG_INT("event.duration", (int64_t)(secs * 1e9)), LOG_INT("http.response.body.bytes", bytes),
	      LOG_STR("user.id", req->authenticated ? req->token.id : NULL));
}

static enum MHD_Result queue(struct conn_state *cs, struct response *resp)
{
	struct request *req = &cs->req;
	struct MHD_Response *r;
	enum MHD_Result ret;
	double secs;

	if (resp->static_body)
		r = MHD_create_response_from_buffer(resp->static_len, (void *)resp->static_body,
						    MHD_RESPMEM_PERSISTENT);
	else
		r = MHD_create_response_from_buffer(resp->body.len, resp->body.data ? resp->body.data : (void *)"",
						    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (resp->content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
	if (cs->close)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	MHD_add_response_header(r, "X-Request-Id", req->request_id);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	for (size_t i = 0; i < resp->nheaders; i++)
		MHD_add_response_header(r, resp->headers[i][0], resp->headers[i][1]);
	ret = MHD_queue_response(req->conn, resp->status, r);
	MHD_destroy_response(r);

	secs = (double)(clock_mono_us() - cs->start_us) / 1e6;
	count_request(cs, resp->status, secs);
	access_log(cs, resp->status, resp->static_body ? resp->static_len : resp->body.len, secs);
	return ret;
}

static enum MHD_Result queue_problem(struct conn_state *cs, unsigned status, const char *detail,
				     const char *extra_header, const char *extra_value)
{
	struct response resp;
	enum MHD_Result ret;

	response_init(&resp);
	if (resp_problem(&resp, status, detail, NULL) == IT_OK) {
		if (extra_header)
			(void)resp_header(&resp, extra_header, extra_value);
		ret = queue(cs, &resp);
	} else {
		ret = MHD_NO;
	}
	response_finish(&resp);
	return ret;
}

/* The value of one request header with its length as received; NULL when absent. */
static const char *header_n(struct request *req, const char *name, size_t *ret_len)
{
	const char *v = NULL;
	size_t n = 0;

	if (MHD_lookup_connection_value_n(req->conn, MHD_HEADER_KIND, name, strlen(name), &v, &n) != MHD_YES)
		return NULL;
	*ret_len = n;
	return v;
}

/* auth_find over the request's pooled connection: the record lands in req->token. */
static int find_token(void *ctx, const uint8_t digest[TOKEN_DIGEST_LEN], enum role *ret_role)
{
	struct request *req = ctx;
	int rc = store_token_find(request_db(req), digest, &req->token);

	if (rc == IT_OK)
		*ret_role = req->token.role;
	return rc;
}

/*
 * Authentication (lib/auth.h decides): returns 0 when the request may proceed, else the
 * HTTP status to answer with. A missing or unknown token is 401; a known token without
 * the role is 403. (Account binding is checked by the ingest route, which knows the
 * account.)
 */
static unsigned authenticate(struct conn_state *cs, const struct route *rt, const char **why)
{
	struct request *req = &cs->req;
	struct auth_request ar;
	struct auth_result res;

	memset(&ar, 0, sizeof(ar));
	ar.need = rt->role;
	if (ar.need == ROLE_READER && strcmp(rt->pattern, "/metrics") == 0 && req->srv->cfg.metrics_public)
		ar.need = ROLE_NONE;
	ar.authorization = header_n(req, MHD_HTTP_HEADER_AUTHORIZATION, &ar.authorization_len);
	ar.api_key = header_n(req, "x-api-key", &ar.api_key_len);
	ar.cut = cs->cred_cut;
	auth_decide(&ar, find_token, req, &res);
	req->authenticated = res.authenticated;
	if (res.status) {
		*why = res.why;
		return res.status;
	}
	if (req->authenticated) {
		/* Write last_used_at at most once a minute: an UPDATE, even one that changes
		 * no row, takes the database's write lock, and ingest is all about that lock. */
		int64_t now = clock_now_ms(req->srv->clock);
		if (now - req->token.last_used_at >= 60000 && store_token_touch(request_db(req), req->token.id, now) != IT_OK) {
			/* last_used_at is informational: a busy database must not fail the request. */
		}
	}
	return 0;
}

/* ---- the message's framing: what libmicrohttpd 0.9.75 lets through ---- */

/*
 * libmicrohttpd 0.9.75 parses the header block in place: each "Name: value" line of
 * its read buffer becomes a key and a value pointer, the ':' and the line end (CR LF
 * or LF) overwritten with NULs, and it hands the value on as a C string, so a value
 * holding a NUL arrives cut there ("Bearer <token>\0junk" reads "Bearer <token>"), and
 * a folded line (obs-fold) is glued to the key in a copy elsewhere. Both show in the
 * layout: between the end of one value and the next key there must be only the 1 or 2
 * NULs of the line end, and after the last value the NUL of its line end and a NUL of
 * the blank line. This reads only bytes inside that buffer (the line's own end, and
 * for the last line the blank line, which has arrived before headers are handed on),
 * verified against 0.9.75's connection.c (process_header_line, process_broken_line,
 * get_next_header_line); with another version the check is off and that version's
 * own handling of NULs applies (1.0 refuses them itself).
 */
#if MHD_VERSION == 0x00097500
#define CHECK_HEADER_LAYOUT 1
#else
#define CHECK_HEADER_LAYOUT 0
#endif

struct header_scan {
	size_t n_host, n_cl, n_te;
	const char *host;
	size_t host_len;
	const char *te[IT_MAX_TE_CODINGS];
	size_t te_len[IT_MAX_TE_CODINGS];
	const char *bad;            /* the first problem (a static sentence) */
	int cred_cut;               /* a credential header was cut at a NUL */
	const char *prev_end;       /* end of the previous value (layout check) */
	int prev_cred;
};

static int name_is(const char *key, size_t n, const char *name)
{
	return n == strlen(name) && strncasecmp(key, name, n) == 0;
}

static void mark_cut(struct header_scan *sc, int cred)
{
	if (cred)
		sc->cred_cut = 1;
	else if (!sc->bad)
		sc->bad = "a header value holds a NUL byte, or a header line is folded (obs-fold)";
}

static void check_layout(struct header_scan *sc, const char *next_key)
{
#if CHECK_HEADER_LAYOUT
	uintptr_t a = (uintptr_t)sc->prev_end, b = (uintptr_t)next_key;
	int clean = b > a && b - a <= 2;

	for (uintptr_t i = 0; clean && i < b - a; i++)
		if (sc->prev_end[i] != '\0')
			clean = 0;
	if (!clean)
		mark_cut(sc, sc->prev_cred);
#else
	(void)sc;
	(void)next_key;
#endif
}

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
				   const char *value, size_t value_size)
{
	struct header_scan *sc = cls;
	int cred = name_is(key, key_size, MHD_HTTP_HEADER_AUTHORIZATION) || name_is(key, key_size, "x-api-key");
	(void)kind;

	if (!value)
		value = "";
	if (sc->prev_end)
		check_layout(sc, key);
	if (!sc->bad && !http_token_valid(key, key_size))
		sc->bad = "a header name holds whitespace or another character a name may not have";
	/* Credentials are judged by authentication (401), every other value here (400). */
	if (!sc->bad && !cred && !http_value_valid(value, value_size))
		sc->bad = "a header value holds a control character";
	if (name_is(key, key_size, MHD_HTTP_HEADER_HOST)) {
		sc->n_host++;
		sc->host = value;
		sc->host_len = value_size;
	} else if (name_is(key, key_size, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
		sc->n_cl++;
	} else if (name_is(key, key_size, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		if (sc->n_te < IT_MAX_TE_CODINGS) {
			sc->te[sc->n_te] = value;
			sc->te_len[sc->n_te] = value_size;
		}
		sc->n_te++;
	}
	sc->prev_end = value + value_size;
	sc->prev_cred = cred;
	return MHD_YES;
}

/*
 * RFC 9112 framing and RFC 9110 field syntax, judged from the whole header block before
 * anything else: 0 when the request may go on, else 400 or 501 with *why set. Every
 * refusal here closes the connection: where the framing is in doubt, whatever follows
 * on it could be a smuggled request.
 */
static unsigned check_message(struct conn_state *cs, const char *version, const char **why)
{
	struct header_scan sc;
	int http10 = strcmp(version, MHD_HTTP_VERSION_1_0) == 0;

	memset(&sc, 0, sizeof(sc));
	MHD_get_connection_values_n(cs->req.conn, MHD_HEADER_KIND, scan_header, &sc);
#if CHECK_HEADER_LAYOUT
	/* The last value: its line end's NUL, then the blank line's (CR or LF). */
	if (sc.prev_end && sc.prev_end[1] != '\0')
		mark_cut(&sc, sc.prev_cred);
#endif
	cs->cred_cut = sc.cred_cut;
	if (sc.bad) {
		*why = sc.bad;
		return 400;
	}
	if (sc.n_host > 1) {
		*why = "more than one Host header";
		return 400;
	}
	if (sc.n_host == 0 && !http10) {
		*why = "HTTP/1.1 requests need a Host header";
		return 400;
	}
	if (sc.n_host == 1 && !http_host_valid(sc.host, sc.host_len)) {
		*why = "Host is not a host name or address with an optional port";
		return 400;
	}
	if (sc.n_cl > 1) {
		*why = "more than one Content-Length header";
		return 400;
	}
	if (sc.n_te && sc.n_cl) {
		*why = "Content-Length together with Transfer-Encoding";
		return 400;
	}
	if (sc.n_te && http10) {
		*why = "Transfer-Encoding on an HTTP/1.0 request";
		return 400;
	}
	if (sc.n_te > IT_MAX_TE_CODINGS) {
		*why = "too many Transfer-Encoding headers";
		return 400;
	}
	switch (http_te_judge(sc.te, sc.te_len, sc.n_te)) {
	case HTTP_TE_NONE:
	case HTTP_TE_CHUNKED:
		return 0;
	case HTTP_TE_UNSUPPORTED:
		*why = "Transfer-Encoding other than chunked is not implemented";
		return 501;
	case HTTP_TE_MALFORMED:
	default:
		*why = "Transfer-Encoding must end with chunked, once";
		return 400;
	}
}

/* Answers on the header call and closes the connection after the answer. */
static enum MHD_Result refuse(struct conn_state *cs, unsigned status, const char *why)
{
	cs->early = 1;
	cs->close = 1;
	return queue_problem(cs, status, why, NULL, NULL);
}

/* ---- request lifecycle ---- */

static struct conn_state *conn_state_new(struct http *h, struct MHD_Connection *conn)
{
	struct conn_state *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return NULL;
	cs->h = h;
	cs->start_us = clock_mono_us();
	cs->req.srv = h->srv;
	cs->req.conn = conn;
	cs->req.route_index = -1;
	cs->label_route = -1;
	cs->body_max = IT_MAX_BODY;   /* until the route is known */
	buf_init(&cs->req.body, IT_MAX_BODY);
	new_request_id(cs->req.request_id);
	return cs;
}

/*
 * libmicrohttpd 0.9.75 splits the query into one record per parameter in the
 * connection's memory pool; when the pool runs out it queues a 431 and then, in
 * parse_initial_message_line (connection.c), carries on as if nothing had happened,
 * and the connection hangs with no answer until its timeout. It locates the '?'
 * before calling on_uri and splits what follows it after: a NUL right after the '?'
 * leaves an empty query, so a target we refuse anyway costs no pool memory. The
 * buffer is libmicrohttpd's (not const memory: it handed us its read buffer), and
 * the request is answered with our refusal on the first handler call.
 */
static void drop_query(const char *uri)
{
#if MHD_VERSION == 0x00097500
	char *q = strchr(uri, '?');
	if (q && q[1])
		q[1] = '\0';
#else
	(void)uri;
#endif
}

/* MHD_OPTION_URI_LOG_CALLBACK: the raw target, before decoding; the returned state is
 * the request's *con_cls. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct conn_state *cs = conn_state_new(cls, conn);

	if (!cs)
		return NULL;
	cs->target_status = http_target_judge(uri, IT_MAX_TARGET, IT_MAX_QUERY_PARAMS, &cs->target_why);
	if (cs->target_status)
		drop_query(uri);
	return cs;
}

/* The 413 detail: the route's cap in words. */
static void too_large_detail(const struct conn_state *cs, char *out, size_t size)
{
	if (cs->body_max == IT_MAX_BODY)
		snprintf(out, size, "request body over 1 MiB");
	else
		snprintf(out, size, "request body over %zu bytes (ITALIC_BATCH_MAX_BYTES)", cs->body_max);
}

/*
 * The header call, cheapest and most fundamental check first: the request target and
 * the message's framing (400/414/501, connection closed), the route (404/405), the
 * token (401/403), the announced body size against the route's cap (413), the
 * Content-Type where the route names the types it reads (415). Nothing of the body is
 * read yet.
 */
static enum MHD_Result first_call(struct conn_state *cs, const char *url, const char *method,
				  const char *version)
{
	const char *cl, *ct, *path, *why = NULL;
	const char *const *media;
	char allow[64];
	enum route_match m;
	unsigned st;

	cs->started = 1;
	atomic_fetch_add(&cs->h->in_flight, 1);
	cs->req.method = method;
	cs->req.path = url;
	if (cs->target_status)
		return refuse(cs, cs->target_status, cs->target_why);
	st = check_message(cs, version, &why);
	if (st)
		return refuse(cs, st, why);
	/* Absolute form (RFC 9112 §3.2.2) routes like the path it names. */
	path = http_target_path(url);
	if (!path)
		return refuse(cs, 400, "the request target must be a path or an http(s) URL");
	if (strlen(path) > IT_MAX_PATH)
		return refuse(cs, 414, "path too long");
	memcpy(cs->path_copy, path, strlen(path) + 1);
	cs->req.path = path;
	m = router_match(method, cs->path_copy, &cs->req.route_index, cs->req.params, &cs->req.nparams, allow,
			 sizeof(allow));
	if (m == ROUTE_NO_PATH) {
		cs->early = 1;
		return queue_problem(cs, 404, "no such route", NULL, NULL);
	}
	if (m == ROUTE_NO_METHOD) {
		cs->early = 1;
		cs->label_route = router_path_index(path);
		return queue_problem(cs, 405, "method not allowed on this route", "Allow", allow);
	}
	st = authenticate(cs, &routes[cs->req.route_index], &why);
	/* The body may take its time to arrive, on a connection this thread serves
	 * among many: holding a pooled connection until then would let slow senders
	 * drain the pool and block the thread that would read their bodies. */
	release_db(cs);
	if (st) {
		cs->early = 1;
		return queue_problem(cs, st, why, st == 401 ? "WWW-Authenticate" : NULL, "Bearer realm=\"italic\"");
	}
	cs->body_max = router_body_max(&routes[cs->req.route_index], &cs->h->srv->cfg);
	buf_finish(&cs->req.body);
	buf_init(&cs->req.body, cs->body_max);
	cl = request_header(&cs->req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		uint64_t n;
		if (parse_u64(cl, 0, UINT64_MAX, &n))
			return refuse(cs, 400, "malformed Content-Length");
		if (n > cs->body_max) {
			char detail[96];
			too_large_detail(cs, detail, sizeof(detail));
			cs->early = 1;
			return queue_problem(cs, 413, detail, NULL, NULL);
		}
	}
	media = router_media(&routes[cs->req.route_index]);
	ct = request_header(&cs->req, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (media && ct && !http_media_type_in(ct, strlen(ct), media)) {
		cs->early = 1;
		return queue_problem(cs, 415, "the body must be JSON: Content-Type application/json or "
				     "application/eventbridge+json (curl -d sends application/x-www-form-urlencoded "
				     "unless told otherwise)", NULL, NULL);
	}
	return MHD_YES;
}

/*
 * A handler that failed (rc) or left no answer: whatever it half-built is dropped and
 * the client gets a 500 problem, never a status without its body. Logged here, once,
 * with the cause; queue() adds the request line as for every 5xx.
 */
static void answer_failure(struct conn_state *cs, struct response *resp, int rc)
{
	log_kv(&cs->h->srv->log, LOG_ERROR, cs->req.request_id, "The response could not be built.", "italic.route",
	       route_label(cs), "error.message", rc == IT_OK ? "the handler produced no response" : status_text(rc),
	       NULL);
	response_finish(resp);
	response_init(resp);
	if (resp_problem(resp, 500, rc == IT_ETOOBIG ? "the response is too large to build" : "internal error",
			 NULL) != IT_OK) {
		static const char body[] = "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500}\n";
		resp->status = 500;
		resp->content_type = "application/problem+json";
		resp->static_body = body;
		resp->static_len = sizeof(body) - 1;
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct http *h = cls;
	struct conn_state *cs = *con_cls;
	struct response resp;
	enum MHD_Result ret;
	int rc = IT_OK;

	if (!cs) {
		/* on_uri could not allocate: the same state, made here. */
		cs = conn_state_new(h, conn);
		if (!cs)
			return MHD_NO;
		*con_cls = cs;
	}
	if (!cs->started)
		return first_call(cs, url, method, version);

	if (cs->early) {
		/* Response already queued: drop any body bytes still arriving. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		if (!cs->too_big && !cs->over_budget && !hold(cs, n)) {
			/* Every connection's bodies together stay within ITALIC_BODY_MEMORY: this
			 * one is answered 503 (retried by EventBridge) rather than grown. */
			cs->over_budget = 1;
			release_body(cs);
		}
		if (!cs->too_big && !cs->over_budget && buf_append(&cs->req.body, upload_data, n) != IT_OK) {
			cs->too_big = 1;
			release_body(cs);
		}
		if (cs->too_big || cs->over_budget) {
			cs->discarded += *upload_data_size;
			if (cs->discarded > DISCARD_SLACK)
				return MHD_NO;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (cs->over_budget) {
		cs->close = 1;
		return queue_problem(cs, 503, "too many request bodies are held at once (ITALIC_BODY_MEMORY); retry later",
				     "Retry-After", "1");
	}
	if (cs->too_big) {
		char detail[96];
		too_large_detail(cs, detail, sizeof(detail));
		return queue_problem(cs, 413, detail, NULL, NULL);
	}

	response_init(&resp);
	if (!cs->finish) {
		rc = routes[cs->req.route_index].handler(&cs->req, &resp);
		if (cs->finish && rc == IT_OK && resp.status == 0 && park(cs)) {
			response_finish(&resp);
			return MHD_YES;
		}
	}
	/* Deferred: called again after request_resume, or the resume came first. */
	if (cs->finish && rc == IT_OK && resp.status == 0)
		rc = cs->finish(&cs->req, &resp);
	if (rc != IT_OK || resp.status == 0)
		answer_failure(cs, &resp, rc);
	/* Give the connection back before the network write. */
	release_db(cs);
	ret = queue(cs, &resp);
	response_finish(&resp);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http *h = cls;
	struct conn_state *cs = *con_cls;
	(void)conn;
	(void)toe;

	if (!cs)
		return;
	release_db(cs);
	if (cs->req.route_ctx_free)
		cs->req.route_ctx_free(cs->req.route_ctx);
	release_body(cs);
	explicit_bzero(&cs->req.token, sizeof(cs->req.token));
	if (cs->started)
		atomic_fetch_sub(&h->in_flight, 1);
	free(cs);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http *h = cls;
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_kv(&h->srv->log, LOG_DEBUG, NULL, "The HTTP library (libmicrohttpd) reported a problem.", "error.message", msg, NULL);
}

/*
 * MHD_OPTION_NOTIFY_CONNECTION: a new connection, before its TLS handshake has read a
 * byte. libmicrohttpd 0.9.75 has no option for session resumption, so every connection
 * would pay a full handshake; it does hand out the GnuTLS session here, where tickets
 * (TLS 1.2 tickets and TLS 1.3 resumption PSKs) are turned on with the daemon's key.
 */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http *h = cls;
	const union MHD_ConnectionInfo *info;
	(void)socket_context;

	if (code != MHD_CONNECTION_NOTIFY_STARTED || h->ticket_key.size == 0)
		return;
	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (info && info->tls_session &&
	    gnutls_session_ticket_enable_server((gnutls_session_t)info->tls_session, &h->ticket_key) < 0)
		log_msg(&h->srv->log, LOG_DEBUG, NULL, "A TLS session could not be given session tickets.");
}

/* The ticket key decrypts every resumable session: wiped, not just freed. */
static void drop_ticket_key(struct http *h)
{
	if (h->ticket_key.data) {
		explicit_bzero(h->ticket_key.data, h->ticket_key.size);
		gnutls_free(h->ticket_key.data);
	}
	h->ticket_key.data = NULL;
	h->ticket_key.size = 0;
}

static char *read_file(const char *path, size_t max)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	buf_init(&b, max);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(&b, chunk, n) != IT_OK) {
			fclose(f);
			buf_finish(&b);
			return NULL;
		}
	}
	fclose(f);
	return buf_take(&b, NULL);
}

int http_start(struct server *srv, struct http **ret)
{
	struct sockaddr_storage ss;
	struct netaddr addr;
	struct http *h;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC |
			 MHD_ALLOW_SUSPEND_RESUME;
	int tls = srv->cfg.tls_cert[0] || srv->cfg.tls_key[0];

	if (netaddr_parse(srv->cfg.listen, &addr) != IT_OK) {
		log_kv(&srv->log, LOG_ERROR, NULL, "The listen address is not valid.", "italic.listen", srv->cfg.listen,
		       NULL);
		return IT_EINVAL;
	}
	ss = addr.ss;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h = calloc(1, sizeof(*h));
	if (!h)
		return IT_ENOMEM;
	h->srv = srv;
	h->body_budget = (size_t)srv->cfg.body_memory;
	pthread_mutex_init(&h->defer_mu, NULL);
	if (tls) {
		if (!srv->cfg.tls_cert[0] || !srv->cfg.tls_key[0]) {
			log_msg(&srv->log, LOG_ERROR, NULL, "TLS needs both ITALIC_TLS_CERT and ITALIC_TLS_KEY.");
			pthread_mutex_destroy(&h->defer_mu);
			free(h);
			return IT_EINVAL;
		}
		h->tls_cert = read_file(srv->cfg.tls_cert, 1024 * 1024);
		h->tls_key = read_file(srv->cfg.tls_key, 1024 * 1024);
		if (!h->tls_cert || !h->tls_key) {
			log_msg(&srv->log, LOG_ERROR, NULL, "The TLS certificate or key file cannot be read.");
			free(h->tls_cert);
			free(h->tls_key);
			pthread_mutex_destroy(&h->defer_mu);
			free(h);
			return IT_EIO;
		}
		flags |= MHD_USE_TLS;
	}
	{
		/* One option list; the TLS pair is appended only when serving HTTPS. */
		struct MHD_OptionItem opts[16];
		size_t n = 0;
#define OPT(o, v, p) opts[n++] = (struct MHD_OptionItem){(o), (intptr_t)(v), (p)}
		OPT(MHD_OPTION_SOCK_ADDR, 0, &ss);
		OPT(MHD_OPTION_THREAD_POOL_SIZE, srv->cfg.http_threads, NULL);
		OPT(MHD_OPTION_CONNECTION_LIMIT, srv->cfg.max_connections, NULL);
		OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, srv->cfg.max_connections_per_ip, NULL);
		OPT(MHD_OPTION_CONNECTION_TIMEOUT, srv->cfg.connection_timeout_s, NULL);
		OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, srv->cfg.connection_memory, NULL);
		OPT(MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL);
		if (tls) {
			OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert);
			OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key);
			/* Without it GnuTLS's "NORMAL" would also offer TLS 1.0/1.1 and static RSA. */
			OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, srv->cfg.tls_priorities);
		}
		OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
		/* Resumption: one key for the daemon's life, held in memory only (GnuTLS derives
		 * the keys it encrypts tickets with from it and rotates them), so a restart
		 * ends every resumable session. */
		if (tls && gnutls_session_ticket_key_generate(&h->ticket_key) < 0)
			drop_ticket_key(h);   /* no resumption: every handshake is a full one */
		h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
			MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
			MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
			MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
			MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
			MHD_OPTION_ARRAY, opts,
			MHD_OPTION_END);
	}
	if (!h->daemon) {
		log_kv(&srv->log, LOG_ERROR, NULL,
		       tls ? "Italic cannot serve HTTPS on this address: it is in use, the port needs a privilege, "
			     "or GnuTLS refuses the certificate, the key or ITALIC_TLS_PRIORITIES."
			   : "Italic cannot listen on this address: it is in use, or the port needs a privilege.",
		       "italic.listen", srv->cfg.listen, NULL);
		free(h->tls_cert);
		free(h->tls_key);
		drop_ticket_key(h);
		pthread_mutex_destroy(&h->defer_mu);
		free(h);
		return IT_EIO;
	}
	*ret = h;
	return IT_OK;
}

void http_quiesce(struct http *h)
{
	if (h && h->daemon) {
		MHD_socket s = MHD_quiesce_daemon(h->daemon);
		if (s != MHD_INVALID_SOCKET)
			close(s);
	}
}

int http_in_flight(struct http *h)
{
	return h ? atomic_load(&h->in_flight) : 0;
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	/* libmicrohttpd cannot stop with suspended connections, and each one is an event
	 * in the writer's queue: the writer finishes every job (commit or failure) and
	 * resumes it, so this wait ends. */
	for (;;) {
		int n;
		pthread_mutex_lock(&h->defer_mu);
		n = h->suspended;
		pthread_mutex_unlock(&h->defer_mu);
		if (n == 0)
			break;
		usleep(10000);
	}
	if (h->daemon)
		MHD_stop_daemon(h->daemon);
	if (h->tls_key)
		explicit_bzero(h->tls_key, strlen(h->tls_key));
	free(h->tls_cert);
	free(h->tls_key);
	drop_ticket_key(h);
	pthread_mutex_destroy(&h->defer_mu);
	free(h);
}
