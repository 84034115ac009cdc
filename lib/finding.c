/* finding.c: ASFF findings for Security Hub (see finding.h). */
#include "finding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "launch_template.h"
#include "parse.h"
#include "partition.h"
#include "status.h"

void finding_id(const char *account, const char *region, const char *instance_id, char out[FINDING_ID_MAX])
{
	snprintf(out, FINDING_ID_MAX, "italic/%s/%s/%s", account, region, instance_id);
}

char *finding_cut_utf8(const char *s, size_t max)
{
	size_t n = strlen(s);
	char *out;

	if (n > max) {
		n = max;
		/* Back off continuation bytes so the cut never splits a character. */
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	out = malloc(n + 1);
	if (!out)
		return NULL;
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

static const char *member(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

struct look {
	const char *compliance;
	const char *severity;
	const char *status;       /* Compliance.Status */
	const char *title;        /* "EC2 instance <id> " + this */
};

static const struct look looks[] = {
	{"COMPLIANT", "INFORMATIONAL", "PASSED", "runs an approved AMI"},
	{"NON_COMPLIANT", "HIGH", "FAILED", "runs an AMI that is not approved"},
	{"NOT_APPLICABLE", "INFORMATIONAL", "NOT_AVAILABLE", "no longer exists"},
	{"INSUFFICIENT_DATA", "INFORMATIONAL", "NOT_AVAILABLE", "runs an AMI whose approval is undetermined"},
};

/* A launch template's (its default version's): "EC2 launch template <id> " + title. */
static const struct look template_looks[] = {
	{"COMPLIANT", "INFORMATIONAL", "PASSED", "launches an approved AMI"},
	{"NON_COMPLIANT", "HIGH", "FAILED", "launches an AMI that is not approved"},
	{"NOT_APPLICABLE", "INFORMATIONAL", "NOT_AVAILABLE", "no longer exists or names no AMI"},
	{"INSUFFICIENT_DATA", "INFORMATIONAL", "NOT_AVAILABLE", "launches an AMI whose approval is undetermined"},
};

/* Reasons joined by "; " (the verdict's own words), or a sentence when there are none. */
static char *description(const json_t *p, const struct look *lk, const char *noun)
{
	const json_t *reasons = json_object_get(p, "reasons");
	struct buf b;
	size_t i;
	json_t *r;
	char *out;

	buf_init(&b, 64 * 1024);
	json_array_foreach(reasons, i, r) {
		const char *t = json_string_value(r);
		if (!t || !*t)
			continue;
		if ((b.len && buf_puts(&b, "; ")) || buf_puts(&b, t))
			break;
	}
	if (b.len == 0 && buf_printf(&b, "Italic judged this %s %s.", noun, lk->compliance)) {
		buf_finish(&b);
		return NULL;
	}
	out = finding_cut_utf8(buf_str(&b), FINDING_DESCRIPTION_MAX);
	buf_finish(&b);
	return out;
}

static json_t *product_fields(const json_t *p)
{
	static const char *const keys[] = {"image_id", "image", "matched_rule", "exemption", "instance_path"};
	json_t *o = json_object();

	for (size_t i = 0; o && i < ARRAY_LEN(keys); i++) {
		const char *v = member(p, keys[i]);
		char name[40];
		if (!v || !*v)
			continue;
		snprintf(name, sizeof(name), "italic/%s", keys[i]);
		json_object_set_new(o, name, json_string(v));
	}
	return o;
}

int finding_build(const json_t *payload, int64_t created_at_ms, json_t **ret)
{
	const char *account = member(payload, "account"), *region = member(payload, "region");
	const char *instance = member(payload, "instance_id"), *compliance = member(payload, "compliance");
	const char *tmpl = member(payload, "launch_template_id");
	const char *rtype = member(payload, "resource_type");
	int is_template = rtype && strcmp(rtype, "AwsEc2LaunchTemplate") == 0;
	const char *evaluated = member(payload, "evaluated_at"), *image = member(payload, "image_id");
	const char *record = member(payload, "record_state"), *partition;
	const struct look *lk = NULL;
	char id[FINDING_ID_MAX], arn[256], parn[256], title[FINDING_TITLE_MAX + 1];
	char created[IT_TIME_BUF], updated[IT_TIME_BUF];
	int64_t updated_ms;
	char *desc = NULL;
	json_t *f = NULL, *res, *sev, *types;

	if (is_template)
		instance = tmpl;
	if (!account || !valid_account_id(account) || !region || !(partition = partition_of(region)) || !instance ||
	    !(is_template ? valid_launch_template_id(instance) : valid_instance_id(instance)) || !compliance ||
	    !evaluated || parse_time_ms(evaluated, &updated_ms) != IT_OK)
		return IT_EINVAL;
	for (size_t i = 0; i < ARRAY_LEN(looks); i++)
		if (strcmp(looks[i].compliance, compliance) == 0)
			lk = is_template ? &template_looks[i] : &looks[i];
	if (!lk)
		return IT_EINVAL;
	if (created_at_ms <= 0 || created_at_ms > updated_ms)
		created_at_ms = updated_ms;
	finding_id(account, region, instance, id);
	snprintf(arn, sizeof(arn), "arn:%s:ec2:%s:%s:%s/%s", partition, region, account,
		 is_template ? "launch-template" : "instance", instance);
	snprintf(parn, sizeof(parn), "arn:%s:securityhub:%s:%s:product/%s/default", partition, region, account,
		 account);
	snprintf(title, sizeof(title), "EC2 %s %s %s", is_template ? "launch template" : "instance", instance, lk->title);
	format_time_ms(created_at_ms, created);
	format_time_ms(updated_ms, updated);
	desc = description(payload, lk, is_template ? "launch template" : "instance");
	if (!desc)
		return IT_ENOMEM;
	res = json_pack("{s:s,s:s,s:s,s:s}", "Type", is_template ? "AwsEc2LaunchTemplate" : "AwsEc2Instance", "Id", arn,
			"Partition", partition, "Region", region);
	if (res && is_template) {
		/* ASFF AwsEc2LaunchTemplateDetails: the default version's data, ImageId as the
		 * template writes it (an AMI or a resolve:ssm: alias) */
		const json_t *dv = json_object_get(payload, "default_version");
		const json_t *lv = json_object_get(payload, "latest_version");
		const char *name = member(payload, "name"), *ref = member(payload, "image");
		json_t *d = json_pack("{s:s}", "Id", instance);

		if (!ref || !*ref)
			ref = image;
		if (d && name && *name)
			json_object_set_new(d, "LaunchTemplateName", json_string(name));
		if (d && json_is_integer(dv))
			json_object_set_new(d, "DefaultVersionNumber", json_integer(json_integer_value(dv)));
		if (d && json_is_integer(lv))
			json_object_set_new(d, "LatestVersionNumber", json_integer(json_integer_value(lv)));
		if (d && ref && *ref)
			json_object_set_new(d, "LaunchTemplateData", json_pack("{s:s}", "ImageId", ref));
		if (d)
			json_object_set_new(res, "Details", json_pack("{s:o}", "AwsEc2LaunchTemplate", d));
	} else if (res && image && *image) {
		json_object_set_new(res, "Details", json_pack("{s:{s:s}}", "AwsEc2Instance", "ImageId", image));
	}
	sev = json_pack("{s:s}", "Label", lk->severity);
	types = json_pack("[s]", FINDING_TYPE);
	if (res && sev && types)
		f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:O,s:O,s:s,s:s,s:[o],s:{s:s},s:s,s:{s:O,s:O},s:o}",
			      "SchemaVersion", "2018-10-08", "Id", id, "ProductArn", parn, "GeneratorId",
			      FINDING_GENERATOR_ID, "AwsAccountId", account, "CreatedAt", created, "UpdatedAt", updated,
			      "Severity", sev, "Types", types, "Title", title, "Description", desc, "Resources", res,
			      "Compliance", "Status", lk->status, "RecordState",
			      (record && strcmp(record, "ARCHIVED") == 0) || strcmp(compliance, "NOT_APPLICABLE") == 0
				      ? "ARCHIVED"
				      : "ACTIVE",
			      "FindingProviderFields", "Severity", sev, "Types", types, "ProductFields",
			      product_fields(payload));
	else
		json_decref(res);
	json_decref(sev);
	json_decref(types);
	free(desc);
	if (!f)
		return IT_ENOMEM;
	*ret = f;
	return IT_OK;
}
