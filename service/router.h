/*
 * router.h: the static route table {method, path pattern, role, handler}.
 *
 * Patterns are literal segments and "{name}" segments; a "{name}" matches one
 * non-empty segment of at most IT_MAX_QUERY_VALUE bytes without '/'. Matching is
 * exact (no trailing-slash or case folding), so one path means one route.
 */
#ifndef ITALIC_ROUTER_H
#define ITALIC_ROUTER_H

#include "http.h"
#include "token.h"

typedef int (*route_handler)(struct request *req, struct response *resp);

struct route {
	const char *method;
	const char *pattern;
	enum role role;
	route_handler handler;
	/* Body expected? Routes without one never read a body (a sent one is ignored). */
	int has_body;
};

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
