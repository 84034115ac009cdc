/*
 * router.h: the static route table {method, path pattern, role, handler}.
 *
 * Patterns are literal segments and "{name}" segments; a "{name}" matches one
 * non-empty segment of at most IT_MAX_QUERY_VALUE bytes without '/'. Matching is
 * exact (no trailing-slash or case folding), so one path means one route.
 *
 * The table depends on the handlers (routes.h) and on what a request is (request.h),
 * never on the daemon (http.h) that uses it.
 */
#ifndef ITALIC_ROUTER_H
#define ITALIC_ROUTER_H

#include "config.h"
#include "request.h"
#include "token.h"

typedef int (*route_handler)(struct request *req, struct response *resp);

/*
 * What a route reads as its body, judged on the header call (http.c) before any body
 * byte is read: the size above which it answers 413 (the announced Content-Length, or
 * the bytes as a chunked body arrives), and for ROUTE_BODY_EVENTS the Content-Types it
 * takes (415 otherwise).
 */
enum route_body {
	ROUTE_BODY_NONE,    /* none expected: one sent is read up to IT_MAX_BODY and ignored */
	ROUTE_BODY_JSON,    /* a JSON document up to IT_MAX_BODY (the handler checks its type) */
	ROUTE_BODY_EVENTS,  /* POST /v1/events: up to ITALIC_BATCH_MAX_BYTES, JSON types only */
	ROUTE_BODY__MAX
};

struct route {
	const char *method;
	const char *pattern;
	enum role role;
	route_handler handler;
	enum route_body body;
};

/* The largest body r accepts under cfg (bytes). */
size_t router_body_max(const struct route *r, const struct config *cfg);

/*
 * The Content-Types r accepts, checked on the header call: a NULL-terminated list, or
 * NULL when the route does not check it there. A request without a Content-Type is
 * not refused (RFC 9110 §8.3 lets the recipient look at the data; the events route
 * parses it as JSON, as it always did, so an old forwarder that sends none keeps
 * working).
 */
const char *const *router_media(const struct route *r);

extern const struct route routes[];
extern const size_t routes_count;

enum route_match { ROUTE_FOUND, ROUTE_NO_PATH, ROUTE_NO_METHOD };

/*
 * Finds the route for method and path; HEAD finds the GET route (the caller sends no
 * body). On ROUTE_FOUND, *ret_index is the route and
 * params/nparams point into path_copy (a writable copy of path the caller owns, of at
 * most IT_MAX_PATH bytes). On ROUTE_NO_METHOD, allow (if not NULL) receives the
 * comma-separated methods the path supports (HEAD after every GET).
 */
enum route_match router_match(const char *method, char *path_copy, int *ret_index,
			      const char *params[IT_MAX_PATH_PARAMS], size_t *nparams,
			      char *allow, size_t allow_len);

/* The first route whose pattern matches path, whatever its method, or -1: names the
 * route of a 405 in metrics and logs (its handler is never called). */
int router_path_index(const char *path);

#endif
