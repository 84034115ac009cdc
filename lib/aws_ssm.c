/* aws_ssm.c: Systems Manager GetParameter (see aws_ssm.h). */
#include "aws_ssm.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aws_endpoint.h"
#include "aws_error.h"
#include "aws_json.h"
#include "json_io.h"
#include "limits.h"
#include "parse.h"
#include "status.h"

void aws_ssm_parameter_free(struct aws_ssm_parameter *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->type);
	free(p->value);
	free(p->data_type);
	free(p->selector);
	free(p->arn);
	memset(p, 0, sizeof(*p));
}

int aws_ssm_build_get_parameter(const char *name, char **ret_json)
{
	json_t *doc;
	char *out;

	if (!name || !*name || strlen(name) > IT_LT_MAX_PARAMETER || !valid_text(name, IT_LT_MAX_PARAMETER))
		return IT_EINVAL;
	doc = json_pack("{s:s}", "Name", name);
	if (!doc)
		return IT_EINVAL;
	out = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!out)
		return IT_ENOMEM;
	*ret_json = out;
	return IT_OK;
}

/* A string member of at most max bytes, copied (NULL when absent). */
static int take_str(const json_t *obj, const char *key, size_t max, int required, char **dst)
{
	const json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return required ? IT_EINVAL : IT_OK;
	if (!json_is_string(v) || json_string_length(v) > max || strlen(json_string_value(v)) != json_string_length(v))
		return IT_EINVAL;
	*dst = strdup(json_string_value(v));
	return *dst ? IT_OK : IT_ENOMEM;
}

int aws_ssm_parse_get_parameter(const char *json, size_t len, struct aws_ssm_parameter *ret)
{
	struct aws_ssm_parameter p;
	json_t *doc = NULL;
	const json_t *par, *v;
	int rc;

	memset(&p, 0, sizeof(p));
	rc = json_load_bounded(json, len, IT_MAX_AWS_RESPONSE, IT_MAX_JSON_DEPTH, &doc, NULL);
	if (rc)
		return rc;
	par = json_object_get(doc, "Parameter");
	rc = json_is_object(par) ? IT_OK : IT_EINVAL;
	if (rc == IT_OK)
		rc = take_str(par, "Name", IT_LT_MAX_PARAMETER, 1, &p.name);
	if (rc == IT_OK)
		rc = take_str(par, "Value", IT_LT_MAX_VALUE, 1, &p.value);
	if (rc == IT_OK)
		rc = take_str(par, "Type", 32, 0, &p.type);
	if (rc == IT_OK)
		rc = take_str(par, "DataType", 128, 0, &p.data_type);
	if (rc == IT_OK)
		rc = take_str(par, "Selector", 128, 0, &p.selector);   /* Selector: 0..128 */
	if (rc == IT_OK)
		rc = take_str(par, "ARN", IT_AWS_MAX_FIELD, 0, &p.arn);
	if (rc == IT_OK && (v = json_object_get(par, "Version")) && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			rc = IT_EINVAL;
		else
			p.version = (int64_t)json_integer_value(v);
	}
	/* LastModifiedDate: epoch seconds with a fraction, as JSON 1.1 writes timestamps */
	if (rc == IT_OK && (v = json_object_get(par, "LastModifiedDate")) && !json_is_null(v)) {
		double d = json_number_value(v);
		if (!json_is_number(v) || d < 0 || d > 253402300799.0 || isnan(d))
			rc = IT_EINVAL;
		else
			p.last_modified_ms = (int64_t)(d * 1000.0);
	}
	json_decref(doc);
	if (rc) {
		aws_ssm_parameter_free(&p);
		return rc;
	}
	*ret = p;
	return IT_OK;
}

static int parse_get_parameter(const char *json, size_t len, void *ret)
{
	return aws_ssm_parse_get_parameter(json, len, ret);
}

static const struct aws_json_op get_parameter = {
	AWS_SVC_SSM, "GetParameter", "AmazonSSM.GetParameter", NULL, NULL, parse_get_parameter,
};

int aws_ssm_get_parameter(struct aws_ctx *ctx, const char *account, const char *region, const char *name,
			  struct aws_ssm_parameter *ret, struct aws_error *err)
{
	struct aws_error e;
	char *json = NULL;
	int rc;

	memset(&e, 0, sizeof(e));
	rc = aws_ssm_build_get_parameter(name, &json);
	if (rc) {
		aws_error_set(&e, rc, "a parameter name of 1..%d bytes of text", IT_LT_MAX_PARAMETER);
	} else {
		rc = aws_json_call(ctx, &get_parameter, account, region, json, strlen(json), ret, &e);
		if (rc && (!strcmp(e.code, "ParameterNotFound") || !strcmp(e.code, "ParameterVersionNotFound")))
			rc = e.status = IT_ENOTFOUND;
	}
	free(json);
	if (rc && err)
		*err = e;
	return rc;
}
