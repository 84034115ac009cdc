/*
 * routes.h: every route handler of the service, declared for router.c's table.
 * Each handler fills resp and returns IT_OK (an error status means "answer 500").
 */
#ifndef ITALIC_ROUTES_H
#define ITALIC_ROUTES_H

#include "buf.h"
#include "request.h"

/* route_health.c */
int route_healthz(struct request *req, struct response *resp);
int route_readyz(struct request *req, struct response *resp);
int route_metrics(struct request *req, struct response *resp);
int route_openapi(struct request *req, struct response *resp);

/* route_events.c */
int route_events(struct request *req, struct response *resp);

/* policy: route_rules.c */
int route_rules_list(struct request *req, struct response *resp);
int route_rules_create(struct request *req, struct response *resp);
int route_rule_get(struct request *req, struct response *resp);
int route_rule_put(struct request *req, struct response *resp);
int route_rule_delete(struct request *req, struct response *resp);

/* policy: route_exemptions.c */
int route_exemptions_list(struct request *req, struct response *resp);
int route_exemptions_create(struct request *req, struct response *resp);
int route_exemption_get(struct request *req, struct response *resp);
int route_exemption_delete(struct request *req, struct response *resp);

/* policy: route_images.c */
int route_image_get(struct request *req, struct response *resp);
int route_image_put(struct request *req, struct response *resp);

/* policy: route_audit.c */
int route_audit_list(struct request *req, struct response *resp);

/* policy: route_simulations.c */
int route_simulations(struct request *req, struct response *resp);

/* route_instances.c, route_evaluations.c, route_summary.c: the query API */
int route_instances_list(struct request *req, struct response *resp);
int route_instance_get(struct request *req, struct response *resp);
int route_evaluations_list(struct request *req, struct response *resp);
int route_summary(struct request *req, struct response *resp);
/* Appends the dashboard gauges (instances by compliance and account, newest verdict
 * age, inbox and outbox depth) to out; route_metrics calls it before rendering. */
int query_metrics_render(struct request *req, struct buf *out);

/* launch templates: route_templates.c */
int route_templates_list(struct request *req, struct response *resp);
int route_template_get(struct request *req, struct response *resp);

/* deliveries and sweep: route_deliveries.c */
int route_deliveries_list(struct request *req, struct response *resp);
int route_sweeps_list(struct request *req, struct response *resp);

/* intake: route_rejected.c */
int route_rejected_events_list(struct request *req, struct response *resp);

/* alerts: route_alerts.c */
int route_alerts_test(struct request *req, struct response *resp);

#endif
