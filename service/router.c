/* router.c: the route table and path matching (see router.h). */
#include "router.h"

#include <string.h>

#include "routes.h"

const struct route routes[] = {
	{"GET", "/healthz", ROLE_NONE, route_healthz, ROUTE_BODY_NONE},
	{"GET", "/readyz", ROLE_NONE, route_readyz, ROUTE_BODY_NONE},
	{"GET", "/metrics", ROLE_READER, route_metrics, ROUTE_BODY_NONE},
	{"GET", "/openapi.yaml", ROLE_NONE, route_openapi, ROUTE_BODY_NONE},
	{"POST", "/v1/events", ROLE_INGEST, route_events, ROUTE_BODY_EVENTS},
	/* policy: allow-list rules, exemptions, images, simulations, audit */
	{"GET", "/v1/rules", ROLE_READER, route_rules_list, ROUTE_BODY_NONE},
	{"POST", "/v1/rules", ROLE_ADMIN, route_rules_create, ROUTE_BODY_JSON},
	{"GET", "/v1/rules/{id}", ROLE_READER, route_rule_get, ROUTE_BODY_NONE},
	{"PUT", "/v1/rules/{id}", ROLE_ADMIN, route_rule_put, ROUTE_BODY_JSON},
	{"DELETE", "/v1/rules/{id}", ROLE_ADMIN, route_rule_delete, ROUTE_BODY_NONE},
	{"GET", "/v1/exemptions", ROLE_READER, route_exemptions_list, ROUTE_BODY_NONE},
	{"POST", "/v1/exemptions", ROLE_ADMIN, route_exemptions_create, ROUTE_BODY_JSON},
	{"GET", "/v1/exemptions/{id}", ROLE_READER, route_exemption_get, ROUTE_BODY_NONE},
	{"DELETE", "/v1/exemptions/{id}", ROLE_ADMIN, route_exemption_delete, ROUTE_BODY_NONE},
	{"GET", "/v1/images/{region}/{image_id}", ROLE_READER, route_image_get, ROUTE_BODY_NONE},
	{"PUT", "/v1/images/{region}/{image_id}", ROLE_ADMIN, route_image_put, ROUTE_BODY_JSON},
	{"GET", "/v1/audit", ROLE_ADMIN, route_audit_list, ROUTE_BODY_NONE},
	{"POST", "/v1/simulations", ROLE_ADMIN, route_simulations, ROUTE_BODY_JSON},
	{"GET", "/v1/instances", ROLE_READER, route_instances_list, ROUTE_BODY_NONE},
	{"GET", "/v1/instances/{account}/{region}/{instance_id}", ROLE_READER, route_instance_get, ROUTE_BODY_NONE},
	{"GET", "/v1/evaluations", ROLE_READER, route_evaluations_list, ROUTE_BODY_NONE},
	{"GET", "/v1/summary", ROLE_READER, route_summary, ROUTE_BODY_NONE},
	/* launch templates */
	{"GET", "/v1/launch-templates", ROLE_READER, route_templates_list, ROUTE_BODY_NONE},
	{"GET", "/v1/launch-templates/{account}/{region}/{launch_template_id}", ROLE_READER, route_template_get, ROUTE_BODY_NONE},
	/* deliveries and sweep */
	{"GET", "/v1/deliveries", ROLE_READER, route_deliveries_list, ROUTE_BODY_NONE},
	{"GET", "/v1/sweeps", ROLE_READER, route_sweeps_list, ROUTE_BODY_NONE},
	/* intake: the quarantine of rejected batch items */
	{"GET", "/v1/rejected-events", ROLE_ADMIN, route_rejected_events_list, ROUTE_BODY_NONE},
	/* alerts (a POST without a body) */
	{"POST", "/v1/alerts/test", ROLE_ADMIN, route_alerts_test, ROUTE_BODY_NONE},
};
const size_t routes_count = sizeof(routes) / sizeof(routes[0]);

size_t router_body_max(const struct route *r, const struct config *cfg)
{
	switch (r->body) {
	case ROUTE_BODY_EVENTS:
		return (size_t)cfg->batch_max_bytes;
	case ROUTE_BODY_NONE:
	case ROUTE_BODY_JSON:
	default:
		return IT_MAX_BODY;
	}
}

const char *const *router_media(const struct route *r)
{
	/* What EventBridge labels events with (application/eventbridge+json, docs/events.md) and
	 * what every other sender uses. */
	static const char *const events[] = {"application/json", "application/eventbridge+json", NULL};

	return r->body == ROUTE_BODY_EVENTS ? events : NULL;
}

/* Matches pattern against path (both starting with '/'), filling params with pointers
 * into path, whose '/' separators are overwritten with NULs on success only. */
static int match(const char *pattern, char *path, const char *params[IT_MAX_PATH_PARAMS],
		 size_t *nparams)
{
	const char *p = pattern;
	char *s = path;
	char *cuts[IT_MAX_PATH_PARAMS];
	const char *vals[IT_MAX_PATH_PARAMS];
	size_t n = 0;

	while (*p && *s) {
		if (*p == '{') {
			char *end = s;
			while (*end && *end != '/')
				end++;
			if (end == s || n >= IT_MAX_PATH_PARAMS || (size_t)(end - s) > IT_MAX_QUERY_VALUE)
				return 0;
			vals[n] = s;
			cuts[n] = *end ? end : NULL;
			n++;
			s = end;
			p = strchr(p, '}');
			if (!p)
				return 0;
			p++;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	if (*p || *s)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (cuts[i])
			*cuts[i] = '\0';
		params[i] = vals[i];
	}
	*nparams = n;
	return 1;
}

/* Appends ", method" (or the first method) to allow when it fits. */
static void allow_add(char *allow, size_t allow_len, size_t *used, const char *method)
{
	size_t n = strlen(method);

	if (*used + n + 3 >= allow_len)
		return;
	if (*used) {
		memcpy(allow + *used, ", ", 2);
		*used += 2;
	}
	memcpy(allow + *used, method, n + 1);
	*used += n;
}

enum route_match router_match(const char *method, char *path_copy, int *ret_index,
			      const char *params[IT_MAX_PATH_PARAMS], size_t *nparams,
			      char *allow, size_t allow_len)
{
	char scratch[IT_MAX_PATH + 1];
	const char *tmp[IT_MAX_PATH_PARAMS];
	size_t tn, used = 0;
	int path_seen = 0;
	/* HEAD is GET without the body (RFC 9110 §9.3.2): the GET route answers it, and
	 * libmicrohttpd sends the status and headers (Content-Length included) only. */
	const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;

	if (strlen(path_copy) > IT_MAX_PATH)
		return ROUTE_NO_PATH;
	if (allow && allow_len)
		allow[0] = '\0';
	for (size_t i = 0; i < routes_count; i++) {
		memcpy(scratch, path_copy, strlen(path_copy) + 1);
		if (!match(routes[i].pattern, scratch, tmp, &tn))
			continue;
		path_seen = 1;
		if (strcmp(routes[i].method, want) == 0) {
			match(routes[i].pattern, path_copy, params, nparams);
			*ret_index = (int)i;
			return ROUTE_FOUND;
		}
		if (allow) {
			allow_add(allow, allow_len, &used, routes[i].method);
			if (strcmp(routes[i].method, "GET") == 0)
				allow_add(allow, allow_len, &used, "HEAD");
		}
	}
	return path_seen ? ROUTE_NO_METHOD : ROUTE_NO_PATH;
}

int router_path_index(const char *path)
{
	char scratch[IT_MAX_PATH + 1];
	const char *tmp[IT_MAX_PATH_PARAMS];
	size_t tn;

	if (strlen(path) > IT_MAX_PATH)
		return -1;
	for (size_t i = 0; i < routes_count; i++) {
		memcpy(scratch, path, strlen(path) + 1);
		if (match(routes[i].pattern, scratch, tmp, &tn))
			return (int)i;
	}
	return -1;
}
