/* template_assess.c: judging launch template versions, notes on instances (see template_assess.h). */
#include "template_assess.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "launch_template.h"
#include "parse.h"
#include "status.h"

void template_judged_finish(struct template_judged *j)
{
	if (!j)
		return;
	verdict_row_finish(&j->row);
	free(j->image_ref);
	j->image_ref = NULL;
}

int template_reason_add(struct verdict_row *row, const char *reason, int front)
{
	json_t *a = row->reasons_json ? json_loads(row->reasons_json, 0, NULL) : NULL;
	json_t *s = json_string(reason);
	char *text;
	int rc;

	if (!json_is_array(a)) {
		json_decref(a);
		a = json_array();
	}
	rc = a && s ? (front ? json_array_insert_new(a, 0, s) : json_array_append_new(a, s)) : -1;
	if (rc) {
		if (!a || !s)
			json_decref(s);
		json_decref(a);
		return IT_ENOMEM;
	}
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (!text)
		return IT_ENOMEM;
	free(row->reasons_json);
	row->reasons_json = text;
	return IT_OK;
}

/* A verdict made here rather than by assess(): gone, no image, an alias that did not
 * resolve. The row looks like assess()'s (make_row): subject, trigger, times. */
static int constant_row(const struct assess_env *env, const struct template_version_in *in, const char *id,
			enum compliance c, const char *reason, const char *source, int64_t next, struct verdict_row *ret)
{
	struct verdict_row row;
	struct verdict v;
	json_t *j = NULL, *reasons;

	verdict_init(&v, c);
	verdict_add_reason(&v, "%s", reason);
	if (in->time_note)
		verdict_note(&v, "%s", in->time_note);
	memset(&row, 0, sizeof(row));
	snprintf(row.account, sizeof(row.account), "%s", in->account);
	snprintf(row.region, sizeof(row.region), "%s", in->region);
	snprintf(row.instance_id, sizeof(row.instance_id), "%s", id);
	snprintf(row.compliance, sizeof(row.compliance), "%s", compliance_names[c]);
	snprintf(row.facts_source, sizeof(row.facts_source), "%s", source);
	snprintf(row.trigger, sizeof(row.trigger), "%s", in->trigger ? in->trigger : "event");
	snprintf(row.trigger_event_id, sizeof(row.trigger_event_id), "%s", in->event_id ? in->event_id : "");
	row.observed_at = in->observed_at;
	row.evaluated_at = clock_now_ms(env->clock);
	row.next_change_at = next;
	if (verdict_to_json(&v, &j) != IT_OK)
		return IT_ENOMEM;
	reasons = json_object_get(j, "reasons");
	row.reasons_json = json_dumps(reasons ? reasons : json_array(), JSON_COMPACT);
	json_decref(j);
	row.result_token = in->result_token ? strdup(in->result_token) : NULL;
	if (!row.reasons_json || (in->result_token && !row.result_token)) {
		verdict_row_finish(&row);
		return IT_ENOMEM;
	}
	*ret = row;
	return IT_OK;
}

int template_assess(const struct assess_env *env, const struct template_provider *lt,
		    const struct template_version_in *in, int allow_retry, struct template_judged *ret)
{
	struct template_judged j;
	struct lt_resolution res;
	struct lt_image_ref ref;
	struct assess_input ain;
	struct assess_env img_env;
	struct facts_provider images;
	char id[IT_LT_ID_BUF + 24], note[IT_VERDICT_REASON_LEN] = "", when[IT_TIME_BUF];
	int64_t now = clock_now_ms(env->clock);
	int rc;

	if (lt_image_ref_parse(in->image_ref, &ref) != IT_OK || in->version < 1)
		return IT_EINVAL;
	memset(&j, 0, sizeof(j));
	snprintf(j.template_id, sizeof(j.template_id), "%s", in->template_id);
	j.version = in->version;
	snprintf(id, sizeof(id), "%s:%lld", in->template_id, (long long)in->version);
	if (in->image_ref && !(j.image_ref = strdup(in->image_ref)))
		return IT_ENOMEM;

	/* 1. gone */
	if (in->gone_reason) {
		j.deleted = 1;
		rc = constant_row(env, in, id, COMPLIANCE_NOT_APPLICABLE, in->gone_reason, "event", 0, &j.row);
		goto done;
	}
	/* 2. no image */
	if (ref.kind == LT_IMAGE_NONE) {
		rc = constant_row(env, in, id, COMPLIANCE_NOT_APPLICABLE,
				  "the launch template data names no image (a launch from it must give one, "
				  "and that instance is judged by it)",
				  "none", 0, &j.row);
		goto done;
	}
	/* 4. an alias: the stored resolution, or resolve it now */
	memset(&res, 0, sizeof(res));
	res.kind = ref.kind;
	if (ref.kind == LT_IMAGE_AMI) {
		snprintf(res.image_id, sizeof(res.image_id), "%s", ref.ami);
	} else if (in->resolved_image_id && valid_image_id(in->resolved_image_id)) {
		snprintf(res.image_id, sizeof(res.image_id), "%s", in->resolved_image_id);
		snprintf(res.note, sizeof(res.note), "%s meant %s when last resolved (%s)", in->image_ref,
			 res.image_id, format_time_s(in->resolved_at ? in->resolved_at : now, when));
		j.resolved_at = in->resolved_at ? in->resolved_at : now;
	} else {
		rc = template_resolve(lt, in->account, in->region, in->template_id, in->version, in->image_ref, now, &res);
		if (rc && status_retryable(rc) && allow_retry) {
			template_judged_finish(&j);
			return rc;
		}
		if (rc) {
			/* AWS kept failing (the last attempt): judged unresolvable, tried again later */
			memset(&res, 0, sizeof(res));
			res.kind = LT_IMAGE_SSM;
			res.unresolvable = 1;
			snprintf(res.note, sizeof(res.note), "%s could not be resolved: %s", in->image_ref, status_str(rc));
		}
		if (!res.unresolvable)
			j.resolved_at = now;
	}
	if (res.unresolvable) {
		rc = constant_row(env, in, id, COMPLIANCE_INSUFFICIENT_DATA, res.note, "none",
				  lt ? now + ASSESS_RETRY_LATER_MS : 0, &j.row);
		goto done;
	}
	snprintf(note, sizeof(note), "%s", res.note);

	/* 3. the AMI, judged like an instance's: the template's facts (origin listing, no
	 * DescribeInstances), images from AWS then registered */
	memset(&ain, 0, sizeof(ain));
	ain.subject.account = in->account;
	ain.subject.region = in->region;
	ain.subject.id = id;
	ain.subject.image_id = res.image_id;
	ain.origin = ASSESS_LISTING;
	ain.observed_at = in->observed_at;
	ain.trigger = in->trigger ? in->trigger : "event";
	ain.event_id = in->event_id;
	ain.result_token = in->result_token;
	ain.time_note = in->time_note;
	img_env = *env;
	if (env->aws) {
		/* the instance member is never asked for a template: keep only the image one */
		images = *env->aws;
		images.instance = NULL;
		img_env.aws = &images;
	}
	rc = assess(&img_env, &ain, allow_retry, &j.row);
	if (rc) {
		template_judged_finish(&j);
		return rc;
	}
	j.row.state[0] = '\0';
	if (note[0] && template_reason_add(&j.row, note, 1) != IT_OK) {
		template_judged_finish(&j);
		return IT_ENOMEM;
	}
	*ret = j;
	return IT_OK;
done:
	if (rc) {
		template_judged_finish(&j);
		return rc;
	}
	snprintf(j.row.image_id, sizeof(j.row.image_id), "%s", ref.kind == LT_IMAGE_AMI ? ref.ami : "");
	*ret = j;
	return IT_OK;
}

int template_instance_note(const char *template_id, int64_t version, const char *version_alias,
			   const char *template_image_ref, const char *template_image_id, const char *instance_image,
			   int override, char *out, size_t size)
{
	char which[64];
	const char *named = template_image_id && *template_image_id ? template_image_id : NULL;

	if (!template_id || !*template_id)
		return 0;
	if (version)
		snprintf(which, sizeof(which), "version %lld", (long long)version);
	else
		snprintf(which, sizeof(which), "%s", version_alias && *version_alias ? version_alias : "$Default");
	if (instance_image && *instance_image && named && strcmp(named, instance_image) != 0) {
		if (template_image_ref && strcmp(template_image_ref, named) != 0)
			snprintf(out, size, "launched from launch template %s %s, which names %s (%s); the launch "
				 "ran %s instead, and the instance is judged by the image it runs", template_id, which,
				 template_image_ref, named, instance_image);
		else
			snprintf(out, size, "launched from launch template %s %s, which names %s; the launch ran %s "
				 "instead, and the instance is judged by the image it runs", template_id, which, named,
				 instance_image);
		return 1;
	}
	if (override)
		snprintf(out, size, "launched from launch template %s %s with an image of its own (the template's is "
			 "%s); the instance is judged by the image it runs", template_id, which,
			 template_image_ref ? template_image_ref : "not known to Italic");
	else
		snprintf(out, size, "launched from launch template %s %s", template_id, which);
	return 1;
}
