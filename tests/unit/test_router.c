/*
 * test_router: the route table and path matching of service/router.c, with the real
 * table (linked from the service library): every route found by its method and a path
 * of its pattern, with its role and parameters; HEAD finding the GET route; 405 with
 * the Allow list (HEAD after GET); 404 for near misses (trailing slash, case, empty or
 * overlong segments, extra segments); and the table's own invariants (no two routes
 * share a method and pattern, bodies only where the method has one); each route's body
 * cap and the Content-Types it checks before the body (router_body_max, router_media).
 * A route added to the table without a row here fails the test.
 */
#include <string.h>

#include "config.h"
#include "limits.h"
#include "router.h"
#include "routes.h"
#include "status.h"
#include "tap.h"

struct mcase {
	const char *method;
	const char *path;
	enum route_match want;
	route_handler handler;        /* when found */
	enum role role;
	size_t nparams;
	const char *p0, *p1, *p2;
	const char *allow;            /* when ROUTE_NO_METHOD */
};

#define INST "/v1/instances/111122223333/us-east-1/i-0123456789abcdef0"

static const struct mcase cases[] = {
	{"GET", "/healthz", ROUTE_FOUND, route_healthz, ROLE_NONE, 0, NULL, NULL, NULL, NULL},
	{"HEAD", "/healthz", ROUTE_FOUND, route_healthz, ROLE_NONE, 0, NULL, NULL, NULL, NULL},
	{"GET", "/readyz", ROUTE_FOUND, route_readyz, ROLE_NONE, 0, NULL, NULL, NULL, NULL},
	{"GET", "/metrics", ROUTE_FOUND, route_metrics, ROLE_READER, 0, NULL, NULL, NULL, NULL},
	{"GET", "/openapi.yaml", ROUTE_FOUND, route_openapi, ROLE_NONE, 0, NULL, NULL, NULL, NULL},
	{"POST", "/v1/events", ROUTE_FOUND, route_events, ROLE_INGEST, 0, NULL, NULL, NULL, NULL},
	{"GET", "/v1/rules", ROUTE_FOUND, route_rules_list, ROLE_READER, 0, NULL, NULL, NULL, NULL},
	{"POST", "/v1/rules", ROUTE_FOUND, route_rules_create, ROLE_ADMIN, 0, NULL, NULL, NULL, NULL},
	{"GET", "/v1/rules/golden", ROUTE_FOUND, route_rule_get, ROLE_READER, 1, "golden", NULL, NULL, NULL},
	{"PUT", "/v1/rules/golden", ROUTE_FOUND, route_rule_put, ROLE_ADMIN, 1, "golden", NULL, NULL, NULL},
	{"DELETE", "/v1/rules/golden", ROUTE_FOUND, route_rule_delete, ROLE_ADMIN, 1, "golden", NULL, NULL, NULL},
	{"GET", "/v1/exemptions", ROUTE_FOUND, route_exemptions_list, ROLE_READER, 0, NULL, NULL, NULL, NULL},
	{"POST", "/v1/exemptions", ROUTE_FOUND, route_exemptions_create, ROLE_ADMIN, 0, NULL, NULL, NULL, NULL},
	{"GET", "/v1/exemptions/ex1", ROUTE_FOUND, route_exemption_get, ROLE_READER, 1, "ex1", NULL, NULL, NULL},
	{"DELETE", "/v1/exemptions/ex1", ROUTE_FOUND, route_exemption_delete, ROLE_ADMIN, 1, "ex1", NULL, NULL, NULL},
	{"GET", "/v1/images/us-east-1/ami-12345678", ROUTE_FOUND, route_image_get, ROLE_READER, 2, "us-east-1",
	 "ami-12345678", NULL, NULL},
	{"PUT", "/v1/images/us-east-1/ami-12345678", ROUTE_FOUND, route_image_put, ROLE_ADMIN, 2, "us-east-1",
	 "ami-12345678", NULL, NULL},
	{"GET", "/v1/audit", ROUTE_FOUND, route_audit_list, ROLE_ADMIN, 0, NULL, NULL, NULL, NULL},
	{"POST", "/v1/simulations", ROUTE_FOUND, route_simulations, ROLE_ADMIN, 0, NULL, NULL, NULL, NULL},
	{"GET", "/v1/instances", ROUTE_FOUND, route_instances_list, ROLE_READER, 0, NULL, NULL, NULL, NULL},
	{"GET", INST, ROUTE_FOUND, route_instance_get, ROLE_READER, 3, "111122223333", "us-east-1",
	 "i-0123456789abcdef0", NULL},
	{"HEAD", INST, ROUTE_FOUND, route_instance_get, ROLE_READER, 3, "111122223333", "us-east-1",
	 "i-0123456789abcdef0", NULL},
	{"GET", "/v1/launch-templates", ROUTE_FOUND, route_templates_list, ROLE_READER, 0, NULL, NULL, NULL, NULL},
	{"GET", "/v1/launch-templates/111122223333/us-east-1/lt-0abcd1234ef567890", ROUTE_FOUND, route_template_get,
	 ROLE_READER, 3, "111122223333", "us-east-1", "lt-0abcd1234ef567890", NULL},
	{"POST", "/v1/launch-templates", ROUTE_NO_METHOD, NULL, ROLE_NONE, 0, NULL, NULL, NULL, "GET, HEAD"},
	{"GET", "/v1/evaluations", ROUTE_FOUND, route_evaluations_list, ROLE_READER, 0, NULL, NULL, NULL, NULL},
	{"GET", "/v1/summary", ROUTE_FOUND, route_summary, ROLE_READER, 0, NULL, NULL, NULL, NULL},
	{"GET", "/v1/deliveries", ROUTE_FOUND, route_deliveries_list, ROLE_READER, 0, NULL, NULL, NULL, NULL},
	{"GET", "/v1/sweeps", ROUTE_FOUND, route_sweeps_list, ROLE_READER, 0, NULL, NULL, NULL, NULL},
	{"GET", "/v1/rejected-events", ROUTE_FOUND, route_rejected_events_list, ROLE_ADMIN, 0, NULL, NULL, NULL,
	 NULL},
	{"HEAD", "/v1/rejected-events", ROUTE_FOUND, route_rejected_events_list, ROLE_ADMIN, 0, NULL, NULL, NULL,
	 NULL},
	{"POST", "/v1/rejected-events", ROUTE_NO_METHOD, NULL, ROLE_NONE, 0, NULL, NULL, NULL, "GET, HEAD"},
	{"GET", "/v1/rejected-events/1", ROUTE_NO_PATH, NULL, ROLE_NONE, 0, NULL, NULL, NULL, NULL},
	{"POST", "/v1/alerts/test", ROUTE_FOUND, route_alerts_test, ROLE_ADMIN, 0, NULL, NULL, NULL, NULL},
	{"GET", "/v1/alerts/test", ROUTE_NO_METHOD, NULL, ROLE_NONE, 0, NULL, NULL, NULL, "POST"},
	/* 405: the methods the path has, HEAD after each GET */
	{"GET", "/v1/events", ROUTE_NO_METHOD, NULL, ROLE_NONE, 0, NULL, NULL, NULL, "POST"},
	{"DELETE", "/v1/rules", ROUTE_NO_METHOD, NULL, ROLE_NONE, 0, NULL, NULL, NULL, "GET, HEAD, POST"},
	{"POST", "/v1/rules/golden", ROUTE_NO_METHOD, NULL, ROLE_NONE, 0, NULL, NULL, NULL, "GET, HEAD, PUT, DELETE"},
	{"HEAD", "/v1/events", ROUTE_NO_METHOD, NULL, ROLE_NONE, 0, NULL, NULL, NULL, "POST"},
	{"POST", "/healthz", ROUTE_NO_METHOD, NULL, ROLE_NONE, 0, NULL, NULL, NULL, "GET, HEAD"},
	{"get", "/healthz", ROUTE_NO_METHOD, NULL, ROLE_NONE, 0, NULL, NULL, NULL, "GET, HEAD"},
	/* 404: exact matching only */
	{"GET", "/healthz/", ROUTE_NO_PATH, NULL, ROLE_NONE, 0, NULL, NULL, NULL, NULL},
	{"GET", "/HEALTHZ", ROUTE_NO_PATH, NULL, ROLE_NONE, 0, NULL, NULL, NULL, NULL},
	{"GET", "/v1/rules/", ROUTE_NO_PATH, NULL, ROLE_NONE, 0, NULL, NULL, NULL, NULL},
	{"GET", "/v1/rules/a/b", ROUTE_NO_PATH, NULL, ROLE_NONE, 0, NULL, NULL, NULL, NULL},
	{"GET", "/v1/images/us-east-1", ROUTE_NO_PATH, NULL, ROLE_NONE, 0, NULL, NULL, NULL, NULL},
	{"GET", "/v1/images//ami-12345678", ROUTE_NO_PATH, NULL, ROLE_NONE, 0, NULL, NULL, NULL, NULL},
	{"GET", "/", ROUTE_NO_PATH, NULL, ROLE_NONE, 0, NULL, NULL, NULL, NULL},
	{"GET", "", ROUTE_NO_PATH, NULL, ROLE_NONE, 0, NULL, NULL, NULL, NULL},
	{"GET", "/v1", ROUTE_NO_PATH, NULL, ROLE_NONE, 0, NULL, NULL, NULL, NULL},
};

static void test_match(void)
{
	int seen[64] = {0};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct mcase *c = &cases[i];
		char path[IT_MAX_PATH + 1], allow[128] = "x";
		const char *params[IT_MAX_PATH_PARAMS] = {NULL, NULL, NULL, NULL};
		size_t n = 99;
		int idx = -1;
		enum route_match got;

		snprintf(path, sizeof(path), "%s", c->path);
		got = router_match(c->method, path, &idx, params, &n, allow, sizeof(allow));
		CHECK(got == c->want, "%s %s: match %d want %d", c->method, c->path, got, c->want);
		if (got != c->want)
			continue;
		if (got == ROUTE_FOUND) {
			CHECK(idx >= 0 && (size_t)idx < routes_count, "%s %s: index", c->method, c->path);
			if (idx < 0 || (size_t)idx >= routes_count)
				continue;
			CHECK(routes[idx].handler == c->handler, "%s %s: handler", c->method, c->path);
			if ((size_t)idx < ARRAY_LEN(seen))
				seen[idx] = 1;
			CHECK(routes[idx].role == c->role, "%s %s: role %d", c->method, c->path, routes[idx].role);
			CHECK(n == c->nparams, "%s %s: %zu params", c->method, c->path, n);
			if (c->p0)
				CHECK_STR(params[0], c->p0, c->path);
			if (c->p1)
				CHECK_STR(params[1], c->p1, c->path);
			if (c->p2)
				CHECK_STR(params[2], c->p2, c->path);
			CHECK(router_path_index(c->path) >= 0, "%s: path index", c->path);
		} else if (got == ROUTE_NO_METHOD) {
			CHECK_STR(allow, c->allow, c->path);
			CHECK(router_path_index(c->path) >= 0, "%s: a 405 names its route", c->path);
		} else {
			CHECK(router_path_index(c->path) == -1, "%s: no route", c->path);
		}
	}
	/* a new route needs its row above */
	CHECK(routes_count <= ARRAY_LEN(seen), "table size");
	for (size_t i = 0; i < routes_count && i < ARRAY_LEN(seen); i++)
		CHECK(seen[i], "%s %s has no case in this test", routes[i].method, routes[i].pattern);
}

/* A path up to IT_MAX_PATH bytes is matched whole; one over it is not found (never cut).
 * (A parameter's own cap, IT_MAX_QUERY_VALUE, is as long as the whole path.) */
static void test_bounds(void)
{
	char path[IT_MAX_PATH + 64];
	const char *params[IT_MAX_PATH_PARAMS];
	size_t n = 0, pre = strlen("/v1/rules/");
	int idx = -1;

	memset(path, 'a', sizeof(path));
	memcpy(path, "/v1/rules/", pre);
	path[IT_MAX_PATH] = '\0';
	CHECK(router_match("GET", path, &idx, params, &n, NULL, 0) == ROUTE_FOUND && n == 1 &&
		      strlen(params[0]) == IT_MAX_PATH - pre,
	      "a path of exactly IT_MAX_PATH bytes");
	memset(path, 'a', sizeof(path));
	memcpy(path, "/v1/rules/", pre);
	path[IT_MAX_PATH + 1] = '\0';
	CHECK(router_match("GET", path, &idx, params, &n, NULL, 0) == ROUTE_NO_PATH, "one byte more: no route");
	CHECK(router_path_index(path) == -1, "... and no route index either");
}

static void test_table(void)
{
	for (size_t i = 0; i < routes_count; i++) {
		const struct route *r = &routes[i];
		int body_method = strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0;
		CHECK(r->pattern[0] == '/' && r->handler, "route %zu: pattern and handler", i);
		CHECK(r->body == ROUTE_BODY_NONE || body_method, "%s %s: a body only for POST and PUT", r->method,
		      r->pattern);
		CHECK(r->body < ROUTE_BODY__MAX, "%s %s: a known body kind", r->method, r->pattern);
		CHECK(r->role == ROLE_NONE || strncmp(r->pattern, "/v1/", 4) == 0 || strcmp(r->pattern, "/metrics") == 0,
		      "%s %s: only /v1/ and /metrics need a token", r->method, r->pattern);
		for (size_t k = i + 1; k < routes_count; k++)
			CHECK(strcmp(r->method, routes[k].method) != 0 || strcmp(r->pattern, routes[k].pattern) != 0,
			      "%s %s listed twice", r->method, r->pattern);
	}
}

/* The cap is judged before any body byte (413) and the types before the body (415):
 * only POST /v1/events reads batches (ITALIC_BATCH_MAX_BYTES) and checks its types. */
static void test_bodies(void)
{
	struct config cfg;
	size_t events = 0;

	config_defaults(&cfg);
	cfg.batch_max_bytes = 3u * 1024 * 1024 + 7;
	for (size_t i = 0; i < routes_count; i++) {
		const struct route *r = &routes[i];
		const char *const *media = router_media(r);
		if (r->handler == route_events) {
			events++;
			CHECK(r->body == ROUTE_BODY_EVENTS, "POST /v1/events reads events");
			CHECK(router_body_max(r, &cfg) == cfg.batch_max_bytes, "events: ITALIC_BATCH_MAX_BYTES");
			CHECK(media && media[0] && strcmp(media[0], "application/json") == 0 && media[1] &&
				      strcmp(media[1], "application/eventbridge+json") == 0 && !media[2],
			      "events: the two JSON types");
		} else {
			CHECK(r->body != ROUTE_BODY_EVENTS, "%s %s: not an events body", r->method, r->pattern);
			CHECK(router_body_max(r, &cfg) == IT_MAX_BODY, "%s %s: IT_MAX_BODY", r->method, r->pattern);
			CHECK(media == NULL, "%s %s: its handler checks the type", r->method, r->pattern);
		}
	}
	CHECK(events == 1, "one events route");
}

int main(void)
{
	test_match();
	test_bounds();
	test_table();
	test_bodies();
	return tap_done();
}
