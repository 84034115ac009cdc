/*
 * route_alerts.c: POST /v1/alerts/test (admin): one test alert to every configured
 * alert destination, sent now and once (not through the outbox, not counted by the
 * storm rule), answered with what each destination said, so an operator can check the
 * wiring of ITALIC_ALERT_EVENTBUS and ITALIC_ALERT_WEBHOOK_URL end to end.
 *
 * 200 {"results": [...]} whenever the attempt was made, whatever each destination
 * answered (a failed destination is "ok": false with its error); 409 when no alert
 * destination is configured. The body is not read. The request waits for both answers
 * (EventBridge's own retries, the webhook's 10 s timeout).
 */
#include "apiutil.h"
#include "deliver_alerts.h"
#include "routes.h"
#include "status.h"

int route_alerts_test(struct request *req, struct response *resp)
{
	struct alerts *a = req->srv->alerts;
	char actor[APIUTIL_ACTOR_LEN];
	json_t *body = NULL;
	int rc;

	if (!alerts_eventbridge_on(a) && !alerts_webhook_on(a))
		return resp_problem(resp, 409,
				    "no alert destination is configured: set ITALIC_ALERT_EVENTBUS or "
				    "ITALIC_ALERT_WEBHOOK_URL",
				    NULL);
	apiutil_actor(req, actor);
	log_kv(&req->srv->log, LOG_INFO, req->request_id, "A test alert was requested.", "user.name", actor, NULL);
	rc = alerts_test(a, &body);
	if (rc)
		return rc;
	return resp_json(resp, 200, body);
}
