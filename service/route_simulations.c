/*
 * route_simulations.c: POST /v1/simulations — "what would change if the allow-list
 * were this?" (docs/rules.md: a fleet-wide what-if before any rule change).
 *
 * Body: {"rules": [...the whole proposed rule set...], "exemptions": [...]}. Each rule
 * is validated as POST /v1/rules would (422 naming e.g. "rules[3].criteria.owners[0]");
 * a rule without an id is named "proposed-<n>" (its 1-based position) in the reasons,
 * and two rules with one id are a 422. "exemptions" is optional: absent keeps today's
 * unexpired exemptions, given replaces them ([] = none), each validated as POST
 * /v1/exemptions would. Both sets are judged at one instant with the same facts by
 * simulate_run (lib/simulate.h), which writes nothing; the answer lists up to
 * IT_SIM_MAX_CHANGES changed instances and says when it was truncated.
 */
#include <stdio.h>
#include <string.h>

#include "apiutil.h"
#include "clock.h"
#include "routes.h"
#include "rule.h"
#include "simulate.h"
#include "simulate_template.h"
#include "status.h"
#include "store_rule.h"

static const struct json_field sim_fields[] = {
	{"rules", JK_ARRAY, 1, IT_MAX_RULES, NULL},
	{"exemptions", JK_ARRAY, 0, IT_MAX_EXEMPTIONS, NULL},
};

/* err->field = "<list>[i]" + ("." + the item's own path when it has one). */
static void prefix_field(struct json_err *err, const char *list, size_t i)
{
	char path[sizeof(err->field)];
	int n;

	if (err->field[0])
		n = snprintf(path, sizeof(path), "%s[%zu].%s", list, i, err->field);
	else
		n = snprintf(path, sizeof(path), "%s[%zu]", list, i);
	if (n < 0 || (size_t)n >= sizeof(path))
		n = snprintf(path, sizeof(path), "%s[%zu]", list, i);
	if (n > 0)
		memcpy(err->field, path, (size_t)n + 1);
}

/* Builds the proposed set from the body; answers 422 itself (returns IT_EINVAL). */
static int proposed_set(struct response *resp, const json_t *obj, const struct rule_set *current, int64_t now,
			struct rule_set *out)
{
	struct json_err err = {{0}, {0}};
	const json_t *rules = json_object_get(obj, "rules"), *exs = json_object_get(obj, "exemptions");
	json_t *it;
	size_t i;
	int rc;

	json_array_foreach(rules, i, it) {
		struct rule *r = NULL;
		char id[IT_MAX_ID + 1];

		rc = rule_from_json(it, &r, &err);
		if (rc == IT_EINVAL) {
			prefix_field(&err, "rules", i);
			(void)apiutil_invalid(resp, &err);
			return IT_EINVAL;
		}
		if (rc)
			return rc;
		if (!r->id[0]) {
			snprintf(id, sizeof(id), "proposed-%zu", i + 1);
			rc = rule_set_id(r, id);
		}
		if (rc == IT_OK && rule_set_find(out, r->id)) {
			json_err_set(&err, IT_EINVAL, "id", "duplicate rule id %s", r->id);
			prefix_field(&err, "rules", i);
			rule_free(r);
			(void)apiutil_invalid(resp, &err);
			return IT_EINVAL;
		}
		if (rc == IT_OK)
			rc = rule_set_add_rule(out, r);
		if (rc) {
			rule_free(r);
			return rc;
		}
	}
	if (!exs || json_is_null(exs)) {
		for (i = 0; i < current->n_exemptions; i++) {
			struct exemption *e = NULL;
			rc = exemption_clone(current->exemptions[i], &e);
			if (rc == IT_OK && (rc = rule_set_add_exemption(out, e)) != IT_OK)
				exemption_free(e);
			if (rc)
				return rc;
		}
		return IT_OK;
	}
	json_array_foreach(exs, i, it) {
		struct exemption *e = NULL;
		char id[IT_MAX_ID + 1];

		rc = exemption_from_json(it, now, 0, &e, &err);
		if (rc == IT_EINVAL) {
			prefix_field(&err, "exemptions", i);
			(void)apiutil_invalid(resp, &err);
			return IT_EINVAL;
		}
		if (rc)
			return rc;
		if (!e->id[0]) {
			snprintf(id, sizeof(id), "proposed-exemption-%zu", i + 1);
			rc = exemption_set_id(e, id);
		}
		if (rc == IT_OK)
			rc = rule_set_add_exemption(out, e);
		if (rc) {
			exemption_free(e);
			return rc;
		}
	}
	return IT_OK;
}

int route_simulations(struct request *req, struct response *resp)
{
	struct store *db = request_db(req);
	struct json_err err = {{0}, {0}};
	struct rule_set current, proposed;
	int64_t now = clock_now_ms(req->srv->clock);
	char actor[APIUTIL_ACTOR_LEN];
	json_t *obj = NULL, *result = NULL;
	int rc;

	if (apiutil_body_object(req, resp, &obj))
		return IT_OK;
	if (json_check_fields(obj, sim_fields, ARRAY_LEN(sim_fields), "", &err) != IT_OK) {
		json_decref(obj);
		return apiutil_invalid(resp, &err);
	}
	rule_set_init(&current);
	rule_set_init(&proposed);
	rc = store_rule_list(db, &current);
	if (rc == IT_OK)
		rc = store_exemption_list(db, 0, now, &current);
	if (rc) {
		rc = apiutil_store_error(req, resp, rc, "reading the allow-list failed");
		goto out;
	}
	rc = proposed_set(resp, obj, &current, now, &proposed);
	if (rc == IT_EINVAL) {
		rc = IT_OK;   /* answered */
		goto out;
	}
	if (rc) {
		rc = resp_problem(resp, 503, "out of memory", NULL);
		goto out;
	}
	rc = simulate_run(db, &current, &proposed, now, IT_SIM_MAX_CHANGES, &result);
	if (rc == IT_OK) {
		/* launch templates, judged by their default versions (simulate_template.h) */
		json_t *lt = NULL;
		rc = simulate_templates(db, &current, &proposed, now, IT_SIM_MAX_CHANGES, &lt);
		if (rc == IT_OK && json_object_set_new(result, "launch_templates", lt))
			rc = IT_ENOMEM;
		if (rc) {
			json_decref(result);
			result = NULL;
		}
	}
	if (rc) {
		rc = rc == IT_ENOMEM ? resp_problem(resp, 503, "out of memory", NULL)
				     : apiutil_store_error(req, resp, rc, "simulation failed");
		goto out;
	}
	if (apiutil_set_time(result, "evaluated_at", now) != IT_OK) {
		json_decref(result);
		result = NULL;
	}
	apiutil_actor(req, actor);
	log_f(&req->srv->log, LOG_INFO, req->request_id, "A simulation was run.", LOG_STR("user.name", actor),
	      LOG_INT("italic.evaluated", json_integer_value(json_object_get(result, "evaluated"))));
	rc = resp_json(resp, 200, result);
out:
	rule_set_finish(&current);
	rule_set_finish(&proposed);
	json_decref(obj);
	return rc;
}
