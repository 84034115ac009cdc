/* aws_configservice.c: PutEvaluations (see aws_configservice.h). */
#include "aws_configservice.h"

#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "aws_json.h"
#include "json_io.h"
#include "status.h"

const char *const aws_compliance_names[AWS_COMPLIANCE__MAX] = {
	[AWS_COMPLIANT] = "COMPLIANT",
	[AWS_NON_COMPLIANT] = "NON_COMPLIANT",
	[AWS_NOT_APPLICABLE] = "NOT_APPLICABLE",
};

void aws_config_result_free(struct aws_config_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->failed && i < r->n_failed; i++) {
		free(r->failed[i].resource_type);
		free(r->failed[i].resource_id);
		free(r->failed[i].compliance);
	}
	free(r->failed);
	memset(r, 0, sizeof(*r));
}

/* Characters (code points) of valid UTF-8, or -1 when s is not valid UTF-8. */
static long utf8_chars(const char *s)
{
	long n = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int extra = *p < 0x80 ? 0 : (*p >> 5) == 6 ? 1 : (*p >> 4) == 14 ? 2 : (*p >> 3) == 30 ? 3 : -1;
		if (extra < 0)
			return -1;
		p++;
		for (int i = 0; i < extra; i++, p++)
			if ((*p & 0xc0) != 0x80)
				return -1;
		n++;
	}
	return n;
}

int aws_config_put_evaluations_body(const char *result_token,
				    const struct aws_config_evaluation *evals, size_t n,
				    int test_mode, char **ret_json)
{
	json_t *doc = NULL, *arr = NULL;
	char *out;
	int rc = IT_OK;

	if (!result_token || !*result_token || !evals || n == 0 || n > IT_AWS_BATCH)
		return IT_EINVAL;
	doc = json_object();
	arr = json_array();
	if (!doc || !arr) {
		rc = IT_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct aws_config_evaluation *e = &evals[i];
		json_t *o;
		long chars;
		if (!e->resource_type || !*e->resource_type || strlen(e->resource_type) > 256 ||
		    !e->resource_id || !*e->resource_id || strlen(e->resource_id) > 768 ||
		    e->compliance < 0 || e->compliance >= AWS_COMPLIANCE__MAX || e->ordering_ms < 0) {
			rc = IT_EINVAL;
			break;
		}
		o = json_pack("{s:s, s:s, s:s, s:I}", "ComplianceResourceType", e->resource_type,
			      "ComplianceResourceId", e->resource_id, "ComplianceType",
			      aws_compliance_names[e->compliance], "OrderingTimestamp",
			      (json_int_t)(e->ordering_ms / 1000));
		if (!o) {
			rc = IT_EINVAL;  /* json_pack refuses invalid UTF-8 */
			break;
		}
		if (e->annotation && *e->annotation) {
			chars = utf8_chars(e->annotation);
			if (chars < 1 || chars > IT_ANNOTATION_MAX ||
			    json_object_set_new(o, "Annotation", json_string(e->annotation)) != 0) {
				json_decref(o);
				rc = IT_EINVAL;
				break;
			}
		}
		if (json_array_append_new(arr, o) != 0)
			rc = IT_ENOMEM;
	}
	if (rc == 0 && (json_object_set_new(doc, "ResultToken", json_string(result_token)) ||
			json_object_set(doc, "Evaluations", arr) ||
			json_object_set_new(doc, "TestMode", json_boolean(test_mode))))
		rc = IT_EINVAL;
	if (rc == 0) {
		out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!out)
			rc = IT_ENOMEM;
		else
			*ret_json = out;
	}
out:
	json_decref(arr);
	json_decref(doc);
	return rc;
}

int aws_config_parse_put_evaluations(const char *json, size_t len, struct aws_config_result *ret)
{
	static const char *const fields[] = {"ComplianceResourceType", "ComplianceResourceId", "ComplianceType"};
	static const size_t offsets[] = {offsetof(struct aws_config_failed, resource_type),
					 offsetof(struct aws_config_failed, resource_id),
					 offsetof(struct aws_config_failed, compliance)};
	json_t *doc = NULL;
	void *failed = NULL;
	size_t n = 0;
	int rc;

	rc = json_load_bounded(json, len, IT_MAX_AWS_RESPONSE, IT_MAX_JSON_DEPTH, &doc, NULL);
	if (rc)
		return rc;
	rc = json_is_object(doc) ? IT_OK : IT_EINVAL;
	if (rc == IT_OK)
		rc = json_string_records(doc, "FailedEvaluations", fields, offsets, ARRAY_LEN(fields),
					 sizeof(struct aws_config_failed), IT_AWS_MAX_FAILED, IT_AWS_MAX_FIELD, &failed, &n);
	json_decref(doc);
	if (rc)
		return rc;
	ret->failed = failed;
	ret->n_failed = n;
	return IT_OK;
}

static int parse_put_evaluations(const char *json, size_t len, void *ret)
{
	return aws_config_parse_put_evaluations(json, len, ret);
}

static const struct aws_json_op put_evaluations = {
	AWS_SVC_CONFIG, "PutEvaluations", "StarlingDoveService.PutEvaluations", NULL, NULL,
	parse_put_evaluations,
};

int aws_config_put_evaluations(struct aws_ctx *ctx, const char *account, const char *region,
			       const char *result_token, const struct aws_config_evaluation *evals,
			       size_t n, int test_mode, struct aws_config_result *ret,
			       struct aws_error *err)
{
	char *json = NULL;
	int rc;

	rc = aws_config_put_evaluations_body(result_token, evals, n, test_mode, &json);
	if (rc)
		return aws_error_set(err, rc, "evaluations outside PutEvaluations limits");
	rc = aws_json_call(ctx, &put_evaluations, account, region, json, strlen(json), ret, err);
	free(json);
	return rc;
}
