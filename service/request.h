/*
 * request.h: what a route handler sees: the request (method, path, parameters, body,
 * the authenticated token) and the response it fills, with the helpers for both.
 *
 * This is all the route table (router.h) and the handlers (routes.h) depend on; the
 * daemon that makes requests and sends responses is http.h, which depends on them, not
 * the other way round. Responses are built in memory: a body capped at IT_MAX_RESPONSE,
 * up to HTTP_MAX_RESP_HEADERS extra headers, errors as RFC 9457 problem+json.
 */
#ifndef ITALIC_REQUEST_H
#define ITALIC_REQUEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "compiler.h"
#include "limits.h"
#include "server.h"
#include "store_token.h"

struct MHD_Connection;

#define HTTP_MAX_RESP_HEADERS 8

struct request {
	struct server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	char request_id[IT_REQUEST_ID_LEN + 1];
	const char *params[IT_MAX_PATH_PARAMS];   /* path parameters, in pattern order */
	size_t nparams;
	struct buf body;
	int authenticated;
	struct token_record token;                 /* valid when authenticated */
	int route_index;
	struct store *db;                          /* lazily borrowed from the pool */
	void *route_ctx;                           /* the route's, freed with route_ctx_free */
	void (*route_ctx_free)(void *ctx);         /* when the request ends; may be NULL */
};

struct response {
	unsigned status;
	const char *content_type;      /* static string */
	struct buf body;
	char *headers[HTTP_MAX_RESP_HEADERS][2];   /* owned copies */
	size_t nheaders;
	const void *static_body;       /* when set, sent instead of body (not copied) */
	size_t static_len;
};

/* Header / query lookups: borrowed until the request ends; NULL when absent. */
const char *request_header(struct request *req, const char *name);
const char *request_query(struct request *req, const char *name);
/* Calls fn for each query parameter; fn returns nonzero to stop. */
void request_query_each(struct request *req, int (*fn)(void *ctx, const char *k, const char *v), void *ctx);
/* The request's database connection (borrowed from the pool on first use). */
struct store *request_db(struct request *req);

/* Response helpers. resp_json steals the reference to body. */
int resp_json(struct response *resp, unsigned status, json_t *body);
int resp_text(struct response *resp, unsigned status, const char *content_type, const char *text);
int resp_header(struct response *resp, const char *name, const char *value);

/*
 * problem+json (RFC 9457): type is "about:blank" unless given; title defaults to the
 * reason phrase; detail is a sentence for humans; extra (may be NULL, stolen) adds
 * members such as "field" or "errors".
 */
int resp_problem(struct response *resp, unsigned status, const char *detail, json_t *extra);
int resp_problem_field(struct response *resp, unsigned status, const char *field, const char *detail);

/* Maps a lib status to an HTTP status for errors that carry no better choice. */
unsigned http_status_for(int it_status);
const char *http_reason(unsigned status);

/*
 * Deferred answers. A handler that has handed its work to another thread calls
 * request_defer(req, finish) and returns IT_OK without a response; the connection is
 * then suspended, holding no server thread, until that other thread calls
 * request_resume(req) (at once or later, even before the handler has returned), and
 * finish(req, resp) then builds the response on a server thread. A deferred request
 * must be resumed exactly once: http_stop waits for every suspended connection.
 * (The daemon, http.c, implements these two: it owns the connection.)
 */
void request_defer(struct request *req, int (*finish)(struct request *req, struct response *resp));
void request_resume(struct request *req);

/* An empty response (status 0: not yet answered) and its release. */
void response_init(struct response *resp);
void response_finish(struct response *resp);

#endif
