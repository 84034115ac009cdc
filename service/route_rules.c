/*
 * route_rules.c: /v1/rules — the allow-list (docs/rules.md; openapi.yaml).
 *
 *   GET    /v1/rules        reader  every rule, ordered by id (at most IT_MAX_RULES, one page)
 *   POST   /v1/rules        admin   create: 201 + ETag + Location; 409 when the id exists
 *   GET    /v1/rules/{id}   reader  one rule with its ETag
 *   PUT    /v1/rules/{id}   admin   full replacement (version + 1)
 *   DELETE /v1/rules/{id}   admin   204
 *
 * Validation is rule_from_json's: every rejection is a 422 whose `field` member names
 * the JSON path ("criteria.owners[0]"). The read-only members a GET returns (version,
 * created_at, updated_at) are accepted back and ignored, so GET-edit-PUT works.
 *
 * Versions: a rule starts at version 1 and each PUT adds one; the ETag is "<version>".
 * PUT and DELETE honour If-Match ("3", W/"3", a bare 3, or *): a stale version is 412
 * and changes nothing. Without If-Match the write is unconditional (last writer wins).
 * That is deliberate: scripts and the CLI replace rules wholesale, every write is in
 * the audit log with its before and after, and a client that wants lost-update
 * protection only has to send back the ETag it read. The `version` member of a PUT
 * body is not a precondition (it is read-only and ignored), so a client that copies a
 * GET body is not surprised by a 412 it did not ask for.
 *
 * Every change is stored with its audit row and a re-evaluation request in one
 * transaction (store_rule.c); the evaluator re-judges every known instance in the
 * background, so these handlers never evaluate anything themselves.
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

/* 201/200 with the stored rule, its ETag and (for a create) its Location. */
static int answer_rule(struct response *resp, unsigned status, const struct rule *r, int location)
{
	json_t *j = NULL;
	int rc = rule_to_json(r, &j);

	if (rc)
		return rc;
	rc = resp_json(resp, status, j);
	if (rc == IT_OK)
		rc = apiutil_etag(resp, r->version);
	if (rc == IT_OK && location) {
		char loc[IT_MAX_ID + 16];
		snprintf(loc, sizeof(loc), "/v1/rules/%s", r->id);
		rc = resp_header(resp, "Location", loc);
	}
	return rc;
}

/* 412 naming the version the client should have sent. */
static int precondition_failed(struct request *req, struct response *resp, const char *id)
{
	struct rule *cur = NULL;
	json_t *extra = NULL;

	if (store_rule_get(request_db(req), id, &cur) == IT_OK) {
		extra = json_pack("{s:I}", "current_version", (json_int_t)cur->version);
		rule_free(cur);
	}
	return resp_problem(resp, 412, "If-Match does not match the rule's current version; GET it again", extra);
}

static int not_found(struct response *resp)
{
	return resp_problem(resp, 404, "no such rule", NULL);
}

int route_rules_list(struct request *req, struct response *resp)
{
	struct rule_set set;
	json_t *items = NULL, *body = NULL;
	int rc;

	rule_set_init(&set);
	rc = store_rule_list(request_db(req), &set);
	if (rc) {
		rule_set_finish(&set);
		return apiutil_store_error(req, resp, rc, "listing rules failed");
	}
	items = json_array();
	for (size_t i = 0; items && i < set.n_rules; i++) {
		json_t *j = NULL;
		if (rule_to_json(set.rules[i], &j) != IT_OK || json_array_append_new(items, j)) {
			json_decref(items);
			items = NULL;
		}
	}
	rule_set_finish(&set);
	body = items ? json_pack("{s:o,s:n}", "items", items, "next_cursor") : NULL;
	return resp_json(resp, 200, body);
}

int route_rules_create(struct request *req, struct response *resp)
{
	struct store *db = request_db(req);
	struct json_err err = {{0}, {0}};
	char actor[APIUTIL_ACTOR_LEN], id[IT_MAX_ID + 1];
	struct rule_set existing;
	struct rule *r = NULL;
	json_t *obj = NULL;
	size_t n_existing;
	int rc;

	if (apiutil_body_object(req, resp, &obj))
		return IT_OK;
	rc = rule_from_json(obj, &r, &err);
	json_decref(obj);
	if (rc == IT_OK && (rc = rule_check_size(r, &err)) != IT_OK) {
		rule_free(r);
		r = NULL;
	}
	if (rc == IT_EINVAL)
		return apiutil_invalid(resp, &err);
	if (rc)
		return resp_problem(resp, 503, "out of memory", NULL);
	if (!r->id[0]) {
		if (apiutil_new_id("rule-", id) != IT_OK || rule_set_id(r, id) != IT_OK) {
			rule_free(r);
			return resp_problem(resp, 503, "could not generate a rule id", NULL);
		}
	}

	/* The evaluator loads the whole allow-list into one rule_set, which holds at most
	 * IT_MAX_RULES: refuse the rule that would not fit rather than break evaluation. */
	rule_set_init(&existing);
	rc = store_rule_list(db, &existing);
	n_existing = existing.n_rules;
	rule_set_finish(&existing);
	if (rc) {
		rule_free(r);
		return apiutil_store_error(req, resp, rc, "listing rules failed");
	}
	if (n_existing >= IT_MAX_RULES) {
		rule_free(r);
		return resp_problem(resp, 409, "the allow-list already holds the maximum of 1000 rules", NULL);
	}

	apiutil_actor(req, actor);
	rc = store_rule_create(db, r, actor, clock_now_ms(req->srv->clock));
	if (rc == IT_OK)
		evaluator_poke(req->srv->evaluator);
	if (rc == IT_EEXIST) {
		rc = resp_problem(resp, 409, "a rule with this id exists; PUT /v1/rules/{id} replaces it",
				  json_pack("{s:s,s:s}", "field", "id", "id", r->id));
	} else if (rc) {
		rc = apiutil_store_error(req, resp, rc, "creating a rule failed");
	} else {
		log_kv(&req->srv->log, LOG_INFO, req->request_id, "A rule was created.", "italic.rule", r->id, "user.name",
		       actor, NULL);
		rc = answer_rule(resp, 201, r, 1);
	}
	rule_free(r);
	return rc;
}

int route_rule_get(struct request *req, struct response *resp)
{
	const char *id = req->params[0];
	struct rule *r = NULL;
	int rc;

	if (!valid_object_id(id))
		return not_found(resp);
	rc = store_rule_get(request_db(req), id, &r);
	if (rc == IT_ENOTFOUND)
		return not_found(resp);
	if (rc)
		return apiutil_store_error(req, resp, rc, "reading a rule failed");
	rc = answer_rule(resp, 200, r, 0);
	rule_free(r);
	return rc;
}

int route_rule_put(struct request *req, struct response *resp)
{
	const char *id = req->params[0];
	struct json_err err = {{0}, {0}};
	char actor[APIUTIL_ACTOR_LEN];
	struct rule *r = NULL;
	json_t *obj = NULL;
	int64_t expected = 0;
	int rc;

	if (!valid_object_id(id))
		return not_found(resp);
	if (apiutil_if_match(req, resp, &expected))
		return IT_OK;
	if (apiutil_body_object(req, resp, &obj))
		return IT_OK;
	rc = rule_from_json(obj, &r, &err);
	json_decref(obj);
	if (rc == IT_OK && (rc = rule_check_size(r, &err)) != IT_OK) {
		rule_free(r);
		r = NULL;
	}
	if (rc == IT_EINVAL)
		return apiutil_invalid(resp, &err);
	if (rc)
		return resp_problem(resp, 503, "out of memory", NULL);
	if (r->id[0] && strcmp(r->id, id) != 0) {
		rule_free(r);
		return resp_problem_field(resp, 422, "id", "id: the body's id differs from the id in the path");
	}
	if (!r->id[0] && rule_set_id(r, id) != IT_OK) {
		rule_free(r);
		return not_found(resp);
	}
	apiutil_actor(req, actor);
	rc = store_rule_update(request_db(req), r, expected, actor, clock_now_ms(req->srv->clock));
	if (rc == IT_OK)
		evaluator_poke(req->srv->evaluator);
	if (rc == IT_ENOTFOUND) {
		rc = resp_problem(resp, 404, "no such rule; POST /v1/rules creates one", NULL);
	} else if (rc == IT_ECONFLICT) {
		rc = precondition_failed(req, resp, id);
	} else if (rc) {
		rc = apiutil_store_error(req, resp, rc, "updating a rule failed");
	} else {
		log_kv(&req->srv->log, LOG_INFO, req->request_id, "A rule was replaced.", "italic.rule", r->id, "user.name",
		       actor, NULL);
		rc = answer_rule(resp, 200, r, 0);
	}
	rule_free(r);
	return rc;
}

int route_rule_delete(struct request *req, struct response *resp)
{
	const char *id = req->params[0];
	char actor[APIUTIL_ACTOR_LEN];
	int64_t expected = 0;
	int rc;

	if (!valid_object_id(id))
		return not_found(resp);
	if (apiutil_if_match(req, resp, &expected))
		return IT_OK;
	apiutil_actor(req, actor);
	rc = store_rule_delete(request_db(req), id, expected, actor, clock_now_ms(req->srv->clock));
	if (rc == IT_OK)
		evaluator_poke(req->srv->evaluator);
	if (rc == IT_ENOTFOUND)
		return not_found(resp);
	if (rc == IT_ECONFLICT)
		return precondition_failed(req, resp, id);
	if (rc)
		return apiutil_store_error(req, resp, rc, "deleting a rule failed");
	log_kv(&req->srv->log, LOG_INFO, req->request_id, "A rule was deleted.", "italic.rule", id, "user.name", actor,
	       NULL);
	resp->status = 204;
	return IT_OK;
}
