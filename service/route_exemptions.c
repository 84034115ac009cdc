/*
 * route_exemptions.c: /v1/exemptions — time-boxed, reasoned exceptions (docs/rules.md).
 *
 *   GET    /v1/exemptions        reader  ?include_expired=true|false (default false)
 *   POST   /v1/exemptions        admin   201 + Location; 409 when the id exists
 *   GET    /v1/exemptions/{id}   reader  expired ones too (they stay on record)
 *   DELETE /v1/exemptions/{id}   admin   204
 *
 * An exemption must carry a reason and an expiry after now and at most
 * IT_MAX_EXEMPTION_DAYS ahead (exemption_from_json judges it against this request's
 * clock); created_by is the calling token, never the client's word. Exemptions are not
 * edited: a changed exemption is a new one (delete, create), so the audit log reads as
 * what was granted by whom. Each rendered exemption carries `expired`, judged at the
 * time of the request, because an expired one stops applying without anyone acting.
 */
#include <stdio.h>
#include <string.h>

#include "apiutil.h"
#include "clock.h"
#include "parse.h"
#include "evaluator.h"
#include "routes.h"
#include "rule.h"
#include "status.h"
#include "store_rule.h"

static json_t *render(const struct exemption *e, int64_t now)
{
	json_t *j = NULL;

	if (exemption_to_json(e, &j) != IT_OK)
		return NULL;
	if (json_object_set_new(j, "expired", json_boolean(now >= e->expires_at_ms))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int route_exemptions_list(struct request *req, struct response *resp)
{
	const char *q = request_query(req, "include_expired");
	int64_t now = clock_now_ms(req->srv->clock);
	struct rule_set set;
	json_t *items;
	int include = 0, rc;

	if (q && strcmp(q, "true") == 0)
		include = 1;
	else if (q && strcmp(q, "false") != 0)
		return resp_problem_field(resp, 400, "include_expired", "include_expired must be true or false");
	rule_set_init(&set);
	rc = store_exemption_list(request_db(req), include, now, &set);
	if (rc) {
		rule_set_finish(&set);
		return apiutil_store_error(req, resp, rc, "listing exemptions failed");
	}
	items = json_array();
	for (size_t i = 0; items && i < set.n_exemptions; i++) {
		json_t *j = render(set.exemptions[i], now);
		if (!j || json_array_append_new(items, j)) {
			json_decref(items);
			items = NULL;
		}
	}
	rule_set_finish(&set);
	return resp_json(resp, 200, items ? json_pack("{s:o,s:n}", "items", items, "next_cursor") : NULL);
}

int route_exemptions_create(struct request *req, struct response *resp)
{
	struct store *db = request_db(req);
	struct json_err err = {{0}, {0}};
	char actor[APIUTIL_ACTOR_LEN], id[IT_MAX_ID + 1], loc[IT_MAX_ID + 24];
	int64_t now = clock_now_ms(req->srv->clock);
	struct exemption *e = NULL;
	struct rule_set live;
	size_t n_live;
	json_t *obj = NULL;
	int rc;

	if (apiutil_body_object(req, resp, &obj))
		return IT_OK;
	rc = exemption_from_json(obj, now, 0, &e, &err);
	json_decref(obj);
	if (rc == IT_EINVAL)
		return apiutil_invalid(resp, &err);
	if (rc)
		return resp_problem(resp, 503, "out of memory", NULL);
	if (!e->id[0] && (apiutil_new_id("exm-", id) != IT_OK || exemption_set_id(e, id) != IT_OK)) {
		exemption_free(e);
		return resp_problem(resp, 503, "could not generate an exemption id", NULL);
	}

	/* The evaluator holds every live exemption in one rule_set (IT_MAX_EXEMPTIONS). */
	rule_set_init(&live);
	rc = store_exemption_list(db, 0, now, &live);
	n_live = live.n_exemptions;
	rule_set_finish(&live);
	if (rc) {
		exemption_free(e);
		return apiutil_store_error(req, resp, rc, "listing exemptions failed");
	}
	if (n_live >= IT_MAX_EXEMPTIONS) {
		exemption_free(e);
		return resp_problem(resp, 409, "the maximum of 10000 unexpired exemptions is reached", NULL);
	}

	apiutil_actor(req, actor);
	rc = store_exemption_create(db, e, actor, now);
	if (rc == IT_OK)
		evaluator_poke(req->srv->evaluator);
	if (rc == IT_EEXIST) {
		rc = resp_problem(resp, 409, "an exemption with this id exists",
				  json_pack("{s:s,s:s}", "field", "id", "id", e->id));
	} else if (rc) {
		rc = apiutil_store_error(req, resp, rc, "creating an exemption failed");
	} else {
		log_kv(&req->srv->log, LOG_INFO, req->request_id, "An exemption was created.", "italic.exemption",
		       e->id, "user.name", actor, NULL);
		snprintf(loc, sizeof(loc), "/v1/exemptions/%s", e->id);
		rc = resp_json(resp, 201, render(e, now));
		if (rc == IT_OK)
			rc = resp_header(resp, "Location", loc);
	}
	exemption_free(e);
	return rc;
}

int route_exemption_get(struct request *req, struct response *resp)
{
	struct exemption *e = NULL;
	int rc;

	if (!valid_object_id(req->params[0]))
		return resp_problem(resp, 404, "no such exemption", NULL);
	rc = store_exemption_get(request_db(req), req->params[0], &e);
	if (rc == IT_ENOTFOUND)
		return resp_problem(resp, 404, "no such exemption", NULL);
	if (rc)
		return apiutil_store_error(req, resp, rc, "reading an exemption failed");
	rc = resp_json(resp, 200, render(e, clock_now_ms(req->srv->clock)));
	exemption_free(e);
	return rc;
}

int route_exemption_delete(struct request *req, struct response *resp)
{
	char actor[APIUTIL_ACTOR_LEN];
	int rc;

	if (!valid_object_id(req->params[0]))
		return resp_problem(resp, 404, "no such exemption", NULL);
	apiutil_actor(req, actor);
	rc = store_exemption_delete(request_db(req), req->params[0], actor, clock_now_ms(req->srv->clock));
	if (rc == IT_OK)
		evaluator_poke(req->srv->evaluator);
	if (rc == IT_ENOTFOUND)
		return resp_problem(resp, 404, "no such exemption", NULL);
	if (rc)
		return apiutil_store_error(req, resp, rc, "deleting an exemption failed");
	log_kv(&req->srv->log, LOG_INFO, req->request_id, "An exemption was deleted.", "italic.exemption",
	       req->params[0], "user.name", actor, NULL);
	resp->status = 204;
	return IT_OK;
}
