/*
 * route_health.c: /healthz (the process answers), /readyz (database open and
 * migrated to this binary's schema), /metrics (Prometheus text), /openapi.yaml.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "deliverer.h"
#include "embedded.h"
#include "procstat.h"
#include "routes.h"
#include "status.h"
#include "store_migrate.h"

extern const struct embedded_file italic_openapi[];

int route_healthz(struct request *req, struct response *resp)
{
	(void)req;
	resp->status = 200;
	resp->content_type = "application/json";
	resp->static_body = "{\"status\":\"ok\"}\n";
	resp->static_len = strlen(resp->static_body);
	return IT_OK;
}

int route_readyz(struct request *req, struct response *resp)
{
	struct server *srv = req->srv;
	int version = 0, rc;

	if (!atomic_load(&srv->ready) || atomic_load(&srv->stopping))
		return resp_problem(resp, 503, atomic_load(&srv->stopping) ? "shutting down" : "starting", NULL);
	rc = store_schema_version(request_db(req), &version);
	if (rc)
		return resp_problem(resp, 503, "database unavailable", NULL);
	if (version != migrate_latest(italic_migrations))
		return resp_problem(resp, 503, "database schema is not this binary's", NULL);
	return resp_json(resp, 200, json_pack("{s:s,s:i}", "status", "ready", "schema_version", version));
}

int route_metrics(struct request *req, struct response *resp)
{
	struct server *srv = req->srv;
	struct procstat ps;
	int rc;

	metrics_set(srv->metrics, "italic_uptime_seconds", NULL,
		    (double)(clock_now_ms(req->srv->clock) - srv->started_ms) / 1000.0);
	deliveries_metrics_refresh(srv, request_db(req));
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	(void)query_metrics_render(req, &resp->body);
	rc = metrics_render(srv->metrics, &resp->body);
	/* A /proc that cannot be read (an odd sandbox) leaves the process_* families out
	 * rather than failing the scrape. */
	if (rc == IT_OK && procstat_read(srv->started_ms, &ps) == IT_OK)
		rc = procstat_render(&ps, &resp->body);
	if (rc)
		return resp_problem(resp, 500, "metrics too large", NULL);
	return IT_OK;
}

int route_openapi(struct request *req, struct response *resp)
{
	(void)req;
	resp->status = 200;
	resp->content_type = "application/yaml";
	resp->static_body = italic_openapi[0].data;
	resp->static_len = italic_openapi[0].len;
	return IT_OK;
}
