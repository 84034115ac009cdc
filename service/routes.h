/*
 * routes.h: every route handler of the service, declared for router.c's table.
 * Each handler fills resp and returns IT_OK (an error status means "answer 500").
 */
#ifndef ITALIC_ROUTES_H
#define ITALIC_ROUTES_H

#include "http.h"

/* route_health.c */
int route_healthz(struct request *req, struct response *resp);
int route_readyz(struct request *req, struct response *resp);
int route_metrics(struct request *req, struct response *resp);
int route_openapi(struct request *req, struct response *resp);

/* route_events.c */
int route_events(struct request *req, struct response *resp);

#endif
