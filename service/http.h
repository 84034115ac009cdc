/*
 * http.h: the HTTP front door over libmicrohttpd.
 *
 * Order of work for every request, cheapest and most fundamental check first:
 *   0. the raw request target (400 / 414) and the message's framing and field syntax
 *      (400 / 501; lib/http_syntax.h), answered with Connection: close;
 *   1. route lookup (404 / 405) from the request line alone (HEAD finds GET routes,
 *      absolute-form targets route by their path);
 *   2. authentication from headers (401 / 403) — before any body byte is read;
 *   3. Content-Length over the route's cap (router_body_max: IT_MAX_BODY, or
 *      ITALIC_BATCH_MAX_BYTES for POST /v1/events) -> 413, and a Content-Type the route
 *      does not read (router_media) -> 415, still before reading the body;
 *   4. body accumulation with the same cap (chunked bodies included), all connections'
 *      bodies together within ITALIC_BODY_MEMORY (503 + Retry-After beyond);
 *   5. the route's handler, which fills a struct response — or defers it (below).
 *      A handler that fails, or whose body does not fit IT_MAX_RESPONSE, is answered
 *      500 (logged once): a status is never sent without the body it announces.
 * Every response carries X-Request-Id; errors are RFC 9457 problem+json. What a handler
 * sees of a request and fills in a response is request.h.
 */
#ifndef ITALIC_HTTP_H
#define ITALIC_HTTP_H

#include "compiler.h"
#include "request.h"
#include "server.h"

struct http;

/* Starts libmicrohttpd with the limits in srv->cfg. */
int http_start(struct server *srv, struct http **ret) WARN_UNUSED;
/* Stops accepting new connections (in-flight requests continue). */
void http_quiesce(struct http *h);
/* Number of requests being processed right now. */
int http_in_flight(struct http *h);
void http_stop(struct http *h);

#endif
