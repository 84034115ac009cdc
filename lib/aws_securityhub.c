/* aws_securityhub.c: BatchImportFindings (see aws_securityhub.h). */
#include "aws_securityhub.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "aws_json.h"
#include "json_io.h"
#include "status.h"

void aws_securityhub_result_free(struct aws_securityhub_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->failed && i < r->n_failed; i++) {
		free(r->failed[i].id);
		free(r->failed[i].error_code);
		free(r->failed[i].error_message);
	}
	free(r->failed);
	memset(r, 0, sizeof(*r));
}

static int count(const json_t *doc, const char *key, long *dst)
{
	const json_t *v = json_object_get(doc, key);
	if (!v)
		return IT_OK;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 1000000)
		return IT_EINVAL;
	*dst = (long)json_integer_value(v);
	return IT_OK;
}

int aws_securityhub_parse_import(const char *json, size_t len, struct aws_securityhub_result *ret)
{
	static const char *const fields[] = {"Id", "ErrorCode", "ErrorMessage"};
	static const size_t offsets[] = {offsetof(struct aws_securityhub_failed, id),
					 offsetof(struct aws_securityhub_failed, error_code),
					 offsetof(struct aws_securityhub_failed, error_message)};
	struct aws_securityhub_result r;
	json_t *doc = NULL;
	void *failed = NULL;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = json_load_bounded(json, len, IT_MAX_AWS_RESPONSE, IT_MAX_JSON_DEPTH, &doc, NULL);
	if (rc)
		return rc;
	if (!json_is_object(doc)) {
		rc = IT_EINVAL;
		goto out;
	}
	rc = count(doc, "SuccessCount", &r.success_count);
	if (rc == 0)
		rc = count(doc, "FailedCount", &r.failed_count);
	if (rc)
		goto out;
	rc = json_string_records(doc, "FailedFindings", fields, offsets, ARRAY_LEN(fields),
				 sizeof(struct aws_securityhub_failed), IT_AWS_MAX_FAILED, IT_AWS_MAX_FIELD, &failed,
				 &r.n_failed);
	if (rc == IT_OK)
		r.failed = failed;
out:
	json_decref(doc);
	if (rc) {
		aws_securityhub_result_free(&r);
		return rc;
	}
	*ret = r;
	return IT_OK;
}

static int parse_import(const char *json, size_t len, void *ret)
{
	return aws_securityhub_parse_import(json, len, ret);
}

static const struct aws_json_op batch_import_findings = {
	AWS_SVC_SECURITYHUB, "BatchImportFindings", NULL, "/findings/import", NULL, parse_import,
};

int aws_securityhub_import(struct aws_ctx *ctx, const char *account, const char *region,
			   const json_t *findings, struct aws_securityhub_result *ret,
			   struct aws_error *err)
{
	json_t *doc;
	char *json;
	int rc;

	if (!json_is_array(findings) || json_array_size(findings) == 0 ||
	    json_array_size(findings) > IT_AWS_BATCH)
		return aws_error_set(err, IT_EINVAL, "1..%d findings per call", IT_AWS_BATCH);
	doc = json_pack("{s:O}", "Findings", (json_t *)findings);
	json = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!json)
		return aws_error_set(err, IT_ENOMEM, "cannot serialise findings");
	rc = aws_json_call(ctx, &batch_import_findings, account, region, json, strlen(json), ret, err);
	free(json);
	return rc;
}
