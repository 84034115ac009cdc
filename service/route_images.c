/*
 * route_images.c: /v1/images/{region}/{image_id} — what Italic knows about one AMI.
 *
 *   PUT  admin   register the image's facts (the image_facts.h JSON): for no-AWS mode
 *                and image pipelines. The path names the image; a body image_id, if
 *                given, must agree; source defaults to "registered". 200 with the
 *                stored facts. Audited, and re-evaluates every known instance.
 *   GET  reader  the known facts, their source and age, which enabled rules allow the
 *                image, how many instances run it by compliance, and which launch
 *                template versions name it ("what breaks if I deregister this AMI?":
 *                store_template_naming_image). 404 when Italic has neither facts,
 *                instances nor templates for the image.
 *
 * Facts known here are the registered ones only: the evaluator reads AWS facts per
 * evaluation and does not keep them, so the answer says `source` and carries a note
 * rather than implying the registration is what AWS says.
 *
 * "Which rules allow it" has no instance to judge, so it is answered for an instance
 * in the image's region of no particular account: a rule's account scope is set aside
 * and `self` in owners never matches. Enabled rules with no account scope that allow
 * the image are `allowed_by`; enabled rules with an account scope that would allow it
 * inside that scope are `allowed_in_scope`, with the scope. A rule whose regions leave
 * out the image's region cannot allow it and is in neither. Audit-mode rules are
 * listed with their mode (they would allow, but do not count). Disabled rules are
 * never listed.
 */
#include <stdio.h>
#include <string.h>

#include "apiutil.h"
#include "clock.h"
#include "image_facts.h"
#include "parse.h"
#include "policy.h"
#include "evaluator.h"
#include "routes.h"
#include "rule.h"
#include "status.h"
#include "store_images.h"
#include "store_rule.h"
#include "store_template.h"

static const char FACTS_NOTE[] =
	"facts are those registered with PUT /v1/images; facts read from AWS during evaluation are not stored";

/* 400 naming the path parameter when region or image id is malformed. */
static int bad_path(struct response *resp, const char *region, const char *image_id)
{
	if (!valid_region(region))
		return resp_problem_field(resp, 400, "region", "region is not an AWS region name such as us-east-1");
	if (!valid_image_id(image_id))
		return resp_problem_field(resp, 400, "image_id",
					  "image_id must be ami- followed by 8 or 17 lower-case hex digits");
	return IT_OK;
}

int route_image_put(struct request *req, struct response *resp)
{
	const char *region = req->params[0], *image_id = req->params[1], *given;
	struct json_err err = {{0}, {0}};
	char actor[APIUTIL_ACTOR_LEN];
	struct image_facts *f = NULL;
	json_t *obj = NULL, *out = NULL;
	int rc;

	if (!valid_region(region) || !valid_image_id(image_id))
		return bad_path(resp, region, image_id);
	if (apiutil_body_object(req, resp, &obj))
		return IT_OK;
	given = json_str(obj, "image_id");
	if (json_object_get(obj, "image_id") && (!given || strcmp(given, image_id) != 0)) {
		json_decref(obj);
		return resp_problem_field(resp, 422, "image_id", "image_id: the body's image_id differs from the path");
	}
	if ((!given && json_object_set_new(obj, "image_id", json_string(image_id))) ||
	    (!json_object_get(obj, "source") && json_object_set_new(obj, "source", json_string("registered")))) {
		json_decref(obj);
		return resp_problem(resp, 503, "out of memory", NULL);
	}
	rc = image_facts_from_json(obj, &f, &err);
	json_decref(obj);
	if (rc == IT_EINVAL)
		return apiutil_invalid(resp, &err);
	if (rc)
		return resp_problem(resp, 503, "out of memory", NULL);
	apiutil_actor(req, actor);
	rc = store_image_put(request_db(req), region, f, actor, clock_now_ms(req->srv->clock));
	if (rc == IT_OK)
		evaluator_poke(req->srv->evaluator);
	if (rc) {
		image_facts_free(f);
		return apiutil_store_error(req, resp, rc, "registering an image failed");
	}
	log_kv(&req->srv->log, LOG_INFO, req->request_id, "An image was registered.", "cloud.region", region,
	       "italic.image_id", image_id, "user.name", actor, NULL);
	rc = image_facts_to_json(f, &out);
	image_facts_free(f);
	if (rc)
		return resp_problem(resp, 503, "out of memory", NULL);
	return resp_json(resp, 200, out);
}

/* The rules that allow img in region (see the top comment), appended to the arrays. */
static int allowing_rules(const struct rule_set *set, const char *region, const struct image_facts *img,
			  int64_t now, json_t *allowed_by, json_t *in_scope)
{
	struct policy_instance pi;

	memset(&pi, 0, sizeof(pi));
	pi.region = region;
	for (size_t i = 0; i < set->n_rules; i++) {
		const struct rule *r = set->rules[i];
		struct rule unscoped;
		json_t *entry, *scope = NULL;
		int scoped = r->scope.accounts.n > 0;

		if (!r->enabled)
			continue;
		/* A shallow copy read only by policy_rule_allows: it shares r's memory. */
		unscoped = *r;
		unscoped.scope.accounts.n = 0;
		if (!policy_rule_allows(&unscoped, &pi, img, now))
			continue;
		entry = json_pack("{s:s,s:s?,s:s}", "id", r->id, "name", r->name, "mode", rule_mode_names[r->mode]);
		if (!entry)
			return IT_ENOMEM;
		if (scoped) {
			json_t *rj = NULL;
			if (rule_to_json(r, &rj) == IT_OK)
				scope = json_incref(json_object_get(rj, "scope"));
			json_decref(rj);
			if (!scope || json_object_set_new(entry, "scope", scope)) {
				json_decref(entry);
				return IT_ENOMEM;
			}
		}
		if (json_array_append_new(scoped ? in_scope : allowed_by, entry))
			return IT_ENOMEM;
	}
	return IT_OK;
}

static int on_template(void *ctx, const struct template_image_use *u)
{
	json_t *arr = ctx, *o;

	o = json_pack("{s:s,s:s,s:o,s:I,s:b,s:b,s:s,s:o}", "account", u->account, "launch_template_id", u->template_id,
		      "name", u->name ? json_string(u->name) : json_null(), "version", (json_int_t)u->version, "default",
		      u->is_default, "latest", u->is_latest, "compliance", u->compliance ? u->compliance : "",
		      "image", u->image_ref ? json_string(u->image_ref) : json_null());
	return o && json_array_append_new(arr, o) == 0 ? IT_OK : IT_ENOMEM;
}

int route_image_get(struct request *req, struct response *resp)
{
	const char *region = req->params[0], *image_id = req->params[1];
	struct store *db = request_db(req);
	struct image_facts *f = NULL, *judged;
	struct store_image_usage use;
	struct rule_set set;
	json_t *body = NULL, *facts = NULL, *by = NULL, *scoped = NULL, *counts = NULL, *templates;
	int64_t updated = 0, now = clock_now_ms(req->srv->clock);
	int rc, registered, more_templates = 0;

	if (!valid_region(region) || !valid_image_id(image_id))
		return bad_path(resp, region, image_id);
	rc = store_image_get(db, region, image_id, &f, &updated);
	if (rc && rc != IT_ENOTFOUND)
		return apiutil_store_error(req, resp, rc, "reading a registered image failed");
	registered = rc == IT_OK;
	rc = store_image_usage(db, region, image_id, &use);
	if (rc) {
		image_facts_free(f);
		return apiutil_store_error(req, resp, rc, "counting an image's instances failed");
	}
	templates = json_array();
	rc = templates ? store_template_naming_image(db, region, image_id, IT_LT_IMAGE_TEMPLATES, on_template, templates,
						     &more_templates)
		       : IT_ENOMEM;
	if (rc) {
		json_decref(templates);
		image_facts_free(f);
		return apiutil_store_error(req, resp, rc, "listing the launch templates naming an image failed");
	}
	if (!registered && use.total == 0 && json_array_size(templates) == 0) {
		json_decref(templates);
		return resp_problem(resp, 404, "Italic knows no facts, no instances and no launch templates for this image",
				    NULL);
	}

	rule_set_init(&set);
	rc = store_rule_list(db, &set);
	if (rc) {
		rule_set_finish(&set);
		image_facts_free(f);
		return apiutil_store_error(req, resp, rc, "listing rules failed");
	}
	judged = f;
	if (!judged) {
		/* Nothing registered: judged as unreadable facts, which only image_ids can allow. */
		judged = image_facts_new(image_id);
		if (judged)
			judged->status = IMAGE_UNKNOWN;
	}
	by = json_array();
	scoped = json_array();
	rc = judged && by && scoped ? allowing_rules(&set, region, judged, now, by, scoped) : IT_ENOMEM;
	if (judged != f)
		image_facts_free(judged);
	rule_set_finish(&set);
	if (rc == IT_OK && registered && image_facts_to_json(f, &facts) != IT_OK)
		rc = IT_ENOMEM;
	if (rc == IT_OK) {
		counts = json_pack("{s:I,s:I,s:I,s:I,s:I}", "total", (json_int_t)use.total,
				   compliance_names[COMPLIANCE_COMPLIANT], (json_int_t)use.by_compliance[COMPLIANCE_COMPLIANT],
				   compliance_names[COMPLIANCE_NON_COMPLIANT],
				   (json_int_t)use.by_compliance[COMPLIANCE_NON_COMPLIANT],
				   compliance_names[COMPLIANCE_NOT_APPLICABLE],
				   (json_int_t)use.by_compliance[COMPLIANCE_NOT_APPLICABLE],
				   compliance_names[COMPLIANCE_INSUFFICIENT_DATA],
				   (json_int_t)use.by_compliance[COMPLIANCE_INSUFFICIENT_DATA]);
		body = json_pack("{s:s,s:s,s:o,s:s?,s:n,s:n,s:s,s:O,s:O,s:o}", "region", region, "image_id", image_id,
				 "facts", facts ? facts : json_null(), "source",
				 registered ? (f->source ? f->source : "registered") : NULL, "updated_at", "age_seconds",
				 "facts_note", FACTS_NOTE, "allowed_by", by, "allowed_in_scope", scoped, "instances",
				 counts);
		facts = NULL;
		counts = NULL;
		if (body && registered) {
			if (apiutil_set_time(body, "updated_at", updated) != IT_OK ||
			    json_object_set_new(body, "age_seconds",
						json_integer((json_int_t)((now > updated ? now - updated : 0) / 1000)))) {
				json_decref(body);
				body = NULL;
			}
		}
		if (body && apiutil_set_time(body, "evaluated_at", now) != IT_OK) {
			json_decref(body);
			body = NULL;
		}
		if (body && json_object_set_new(body, "launch_templates",
						json_pack("{s:O,s:b}", "items", templates, "truncated", more_templates))) {
			json_decref(body);
			body = NULL;
		}
	}
	json_decref(by);
	json_decref(scoped);
	json_decref(facts);
	json_decref(counts);
	json_decref(templates);
	image_facts_free(f);
	if (rc)
		return resp_problem(resp, 503, "out of memory", NULL);
	return resp_json(resp, 200, body);
}
