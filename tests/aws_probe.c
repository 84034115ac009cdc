/*
 * aws_probe: a small CLI over the AWS client layer for the integration tests.
 *
 *   aws_probe [--account ID] [--region R] [--role NAME] [--external-id X]
 *             [--attempts N] [--backoff-ms MS] [--timeout-ms MS] [--repeat N]
 *             [--pause-ms MS] COMMAND [ARGS...]
 *
 * Commands: creds | creds-for | describe-instances ID... | list-instances |
 *   describe-images ID... | image-metadata ID... |
 *   put-evaluations TOKEN ID=COMPLIANCE[=ANNOTATION]... | import-findings FILE |
 *   put-object BUCKET KEY FILE | list-launch-templates | describe-launch-templates ID... |
 *   lt-versions TEMPLATE|all [resolve] VERSION... | get-parameter NAME
 * The AWS_* environment is read once, as the service does. Each run of the command
 * (--repeat) prints one JSON line: {"ok":true,"result":...} or {"ok":false,
 * "status":"ethrottle","code":...,"request_id":...,"http_status":...,"attempts":...};
 * a final line {"assume_calls":N} follows. Exit status 0 when every run succeeded.
 * Secrets are never printed (the access key id is, to show which source was used).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_configservice.h"
#include "aws_creds.h"
#include "aws_ec2.h"
#include "aws_http.h"
#include "aws_s3.h"
#include "aws_securityhub.h"
#include "aws_ssm.h"
#include "parse.h"
#include "status.h"

struct opts {
	const char *account, *region, *role, *external_id;
	int attempts, repeat;
	long backoff_ms, timeout_ms, pause_ms;
};

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *time_or_null(int64_t ms)
{
	char t[IT_TIME_BUF];
	return ms == AWS_TIME_UNSET ? json_null() : json_string(format_time_ms(ms, t));
}

static json_t *tags_json(const struct aws_tag *t, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, t[i].key ? t[i].key : "", str_or_null(t[i].value));
	return o;
}

static json_t *image_json(const struct aws_ec2_image *im)
{
	json_t *codes = json_array();
	for (size_t i = 0; i < im->n_product_codes; i++)
		json_array_append_new(codes, json_pack("{s:o,s:o}", "code",
			str_or_null(im->product_codes[i].code), "type", str_or_null(im->product_codes[i].type)));
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
		"image_id", str_or_null(im->image_id), "owner_id", str_or_null(im->owner_id),
		"owner_alias", str_or_null(im->owner_alias), "name", str_or_null(im->name),
		"state", str_or_null(im->state), "platform", str_or_null(im->platform),
		"platform_details", str_or_null(im->platform_details),
		"creation", time_or_null(im->creation_ms), "deprecation", time_or_null(im->deprecation_ms),
		"product_codes", codes, "tags", tags_json(im->tags, im->n_tags));
}

static json_t *instances_json(const struct aws_ec2_instances *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->n; i++) {
		const struct aws_ec2_instance *in = &r->items[i];
		json_array_append_new(a, json_pack("{s:o,s:o,s:o,s:i,s:o,s:o,s:o,s:o}",
			"instance_id", str_or_null(in->instance_id), "image_id", str_or_null(in->image_id),
			"state", str_or_null(in->state_name), "state_code", in->state_code,
			"launch_time", time_or_null(in->launch_time_ms), "platform", str_or_null(in->platform),
			"platform_details", str_or_null(in->platform_details),
			"tags", tags_json(in->tags, in->n_tags)));
	}
	return a;
}

static int run(struct aws_ctx *ctx, const struct opts *o, int argc, char **argv, json_t **ret,
	       struct aws_error *err)
{
	const char *cmd = argv[0];
	int rc;

	if (!strcmp(cmd, "creds") || !strcmp(cmd, "creds-for")) {
		struct sigv4_credentials c;
		enum aws_creds_source src = AWS_CREDS_ASSUMED;
		char t[IT_TIME_BUF];
		if (!strcmp(cmd, "creds"))
			rc = aws_creds_base(aws_creds_of(ctx), &c, &src, err);
		else
			rc = aws_creds_for(aws_creds_of(ctx), o->account, o->region, &c, err);
		if (rc == 0)
			*ret = json_pack("{s:s,s:s,s:b,s:o}", "source", aws_creds_source_names[src],
					 "access_key_id", c.access_key_id, "temporary", c.session_token[0] != 0,
					 "expiration", c.expiration_ms ? json_string(format_time_s(c.expiration_ms, t)) : json_null());
		sigv4_credentials_wipe(&c);
		return rc;
	}
	if (!strcmp(cmd, "describe-instances") || !strcmp(cmd, "list-instances")) {
		struct aws_ec2_instances r;
		if (!strcmp(cmd, "describe-instances")) {
			rc = aws_ec2_describe_instances(ctx, o->account, o->region, (const char *const *)argv + 1,
							(size_t)argc - 1, &r, err);
			if (rc == 0)
				*ret = json_pack("{s:o}", "instances", instances_json(&r));
			aws_ec2_instances_free(&r);
			return rc;
		}
		json_t *all = json_array();
		char *tok = NULL;
		int pages = 0;
		do {
			rc = aws_ec2_list_instances(ctx, o->account, o->region, tok, &r, err);
			free(tok);
			tok = NULL;
			if (rc)
				break;
			pages++;
			{
				json_t *page = instances_json(&r);
				json_array_extend(all, page);  /* adds references: drop ours */
				json_decref(page);
			}
			if (r.next_token)
				tok = strdup(r.next_token);
			aws_ec2_instances_free(&r);
		} while (tok && pages < IT_AWS_MAX_PAGES);
		free(tok);
		if (rc == 0)
			*ret = json_pack("{s:o,s:i}", "instances", all, "pages", pages);
		else
			json_decref(all);
		return rc;
	}
	if (!strcmp(cmd, "describe-images")) {
		struct aws_ec2_images r;
		rc = aws_ec2_describe_images(ctx, o->account, o->region, (const char *const *)argv + 1,
					     (size_t)argc - 1, &r, err);
		if (rc == 0) {
			json_t *a = json_array();
			for (size_t i = 0; i < r.n; i++)
				json_array_append_new(a, image_json(&r.items[i]));
			*ret = json_pack("{s:o}", "images", a);
		}
		aws_ec2_images_free(&r);
		return rc;
	}
	if (!strcmp(cmd, "image-metadata")) {
		struct aws_ec2_instance_images r;
		rc = aws_ec2_describe_instance_image_metadata(ctx, o->account, o->region,
			(const char *const *)argv + 1, (size_t)argc - 1, &r, err);
		if (rc == 0) {
			json_t *a = json_array();
			for (size_t i = 0; i < r.n; i++)
				json_array_append_new(a, json_pack("{s:o,s:o,s:o}", "instance_id",
					str_or_null(r.items[i].instance_id), "state", str_or_null(r.items[i].state_name),
					"image", image_json(&r.items[i].image)));
			*ret = json_pack("{s:o}", "items", a);
		}
		aws_ec2_instance_images_free(&r);
		return rc;
	}
	if (!strcmp(cmd, "list-launch-templates") || !strcmp(cmd, "describe-launch-templates")) {
		struct aws_ec2_launch_templates r;
		json_t *all = json_array();
		char *tok = NULL;
		int pages = 0;
		do {
			if (!strcmp(cmd, "describe-launch-templates"))
				rc = aws_ec2_describe_launch_templates(ctx, o->account, o->region,
								       (const char *const *)argv + 1, (size_t)argc - 1, &r, err);
			else
				rc = aws_ec2_list_launch_templates(ctx, o->account, o->region, tok, &r, err);
			free(tok);
			tok = NULL;
			if (rc)
				break;
			pages++;
			for (size_t i = 0; i < r.n; i++)
				json_array_append_new(all, json_pack("{s:o,s:o,s:I,s:I,s:o,s:o}", "id",
					str_or_null(r.items[i].template_id), "name", str_or_null(r.items[i].name),
					"default_version", (json_int_t)r.items[i].default_version, "latest_version",
					(json_int_t)r.items[i].latest_version, "create_time", time_or_null(r.items[i].create_ms),
					"tags", tags_json(r.items[i].tags, r.items[i].n_tags)));
			if (r.next_token)
				tok = strdup(r.next_token);
			aws_ec2_launch_templates_free(&r);
		} while (tok && pages < IT_AWS_MAX_PAGES);
		free(tok);
		if (rc == 0)
			*ret = json_pack("{s:o,s:i}", "templates", all, "pages", pages);
		else
			json_decref(all);
		return rc;
	}
	if (!strcmp(cmd, "lt-versions") && argc >= 3) {
		struct aws_ec2_lt_versions r;
		const char *tid = strcmp(argv[1], "all") ? argv[1] : NULL;
		int resolve = !strcmp(argv[2], "resolve"), first = resolve ? 3 : 2, pages = 0;
		json_t *all = json_array();
		char *tok = NULL;
		do {
			rc = aws_ec2_describe_lt_versions(ctx, o->account, o->region, tid, (const char *const *)argv + first,
							  (size_t)(argc - first), resolve, tok, &r, err);
			free(tok);
			tok = NULL;
			if (rc)
				break;
			pages++;
			for (size_t i = 0; i < r.n; i++)
				json_array_append_new(all, json_pack("{s:o,s:I,s:i,s:o}", "id",
					str_or_null(r.items[i].template_id), "version", (json_int_t)r.items[i].number,
					"default", r.items[i].is_default, "image_id", str_or_null(r.items[i].image_id)));
			if (r.next_token)
				tok = strdup(r.next_token);
			aws_ec2_lt_versions_free(&r);
		} while (tok && pages < IT_AWS_MAX_PAGES);
		free(tok);
		if (rc == 0)
			*ret = json_pack("{s:o,s:i}", "versions", all, "pages", pages);
		else
			json_decref(all);
		return rc;
	}
	if (!strcmp(cmd, "get-parameter") && argc == 2) {
		struct aws_ssm_parameter p;
		memset(&p, 0, sizeof(p));
		rc = aws_ssm_get_parameter(ctx, o->account, o->region, argv[1], &p, err);
		if (rc == 0)
			*ret = json_pack("{s:o,s:o,s:I,s:o,s:o}", "name", str_or_null(p.name), "value", str_or_null(p.value),
					 "version", (json_int_t)p.version, "data_type", str_or_null(p.data_type), "selector",
					 str_or_null(p.selector));
		aws_ssm_parameter_free(&p);
		return rc;
	}
	if (!strcmp(cmd, "put-evaluations") && argc >= 3) {
		struct aws_config_evaluation ev[IT_AWS_BATCH + 1];
		struct aws_config_result r;
		char *copies[IT_AWS_BATCH + 1];
		size_t n = 0;
		rc = IT_OK;
		for (int i = 2; i < argc && n <= IT_AWS_BATCH && rc == 0; i++) {
			char *id = strdup(argv[i]), *c, *a;
			if (!id) {
				rc = IT_ENOMEM;
				break;
			}
			copies[n] = id;
			c = strchr(id, '=');
			if (!c) {
				free(id);
				rc = IT_EINVAL;
				break;
			}
			*c++ = '\0';
			a = strchr(c, '=');
			if (a)
				*a++ = '\0';
			ev[n].resource_type = "AWS::EC2::Instance";
			ev[n].resource_id = id;
			ev[n].compliance = !strcmp(c, "COMPLIANT") ? AWS_COMPLIANT :
					   !strcmp(c, "NON_COMPLIANT") ? AWS_NON_COMPLIANT :
					   !strcmp(c, "NOT_APPLICABLE") ? AWS_NOT_APPLICABLE : AWS_COMPLIANCE__MAX;
			ev[n].annotation = a;
			ev[n].ordering_ms = 1768478370000LL;
			n++;
		}
		if (rc == 0)
			rc = aws_config_put_evaluations(ctx, o->account, o->region, argv[1], ev, n, 0, &r, err);
		else
			aws_error_set(err, rc, "bad evaluation argument");
		if (rc == 0) {
			json_t *f = json_array();
			for (size_t i = 0; i < r.n_failed; i++)
				json_array_append_new(f, str_or_null(r.failed[i].resource_id));
			*ret = json_pack("{s:o}", "failed", f);
			aws_config_result_free(&r);
		}
		for (size_t i = 0; i < n; i++)
			free(copies[i]);
		return rc;
	}
	if (!strcmp(cmd, "import-findings") && argc == 2) {
		struct aws_securityhub_result r;
		json_error_t je;
		json_t *f = json_load_file(argv[1], 0, &je);
		rc = aws_securityhub_import(ctx, o->account, o->region, f, &r, err);
		json_decref(f);
		if (rc == 0) {
			json_t *a = json_array();
			for (size_t i = 0; i < r.n_failed; i++)
				json_array_append_new(a, json_pack("{s:o,s:o}", "id", str_or_null(r.failed[i].id),
					"code", str_or_null(r.failed[i].error_code)));
			*ret = json_pack("{s:I,s:I,s:o}", "success_count", (json_int_t)r.success_count,
					 "failed_count", (json_int_t)r.failed_count, "failed", a);
			aws_securityhub_result_free(&r);
		}
		return rc;
	}
	if (!strcmp(cmd, "put-object") && argc == 4) {
		FILE *f = fopen(argv[3], "rb");
		char *data = NULL;
		long n = 0;
		if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
			data = malloc((size_t)n + 1);
			if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
				free(data);
				data = NULL;
			}
		}
		if (f)
			fclose(f);
		if (!data)
			return aws_error_set(err, IT_EIO, "cannot read %s", argv[3]);
		rc = aws_s3_put_object(ctx, o->account, o->region, argv[1], argv[2], data, (size_t)n,
				       "application/x-ndjson", "gzip", err);
		free(data);
		if (rc == 0)
			*ret = json_pack("{s:s,s:s,s:i}", "bucket", argv[1], "key", argv[2], "size", (int)n);
		return rc;
	}
	return aws_error_set(err, IT_EINVAL, "unknown command or arguments: %s", cmd);
}

static long num(const char *s)
{
	uint64_t v = 0;
	if (parse_u64(s, 0, 100000000, &v) != IT_OK) {
		fprintf(stderr, "aws_probe: bad number %s\n", s);
		exit(2);
	}
	return (long)v;
}

int main(int argc, char **argv)
{
	struct opts o = {NULL, "us-east-1", NULL, NULL, 0, 1, 0, 0, 0};
	struct aws_ctx_config cfg;
	struct aws_env env;
	struct aws_ctx *ctx = NULL;
	int i = 1, failures = 0;

	for (; i < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (i + 1 >= argc)
			return 2;
		if (!strcmp(argv[i], "--account"))
			o.account = argv[i + 1];
		else if (!strcmp(argv[i], "--region"))
			o.region = argv[i + 1];
		else if (!strcmp(argv[i], "--role"))
			o.role = argv[i + 1];
		else if (!strcmp(argv[i], "--external-id"))
			o.external_id = argv[i + 1];
		else if (!strcmp(argv[i], "--attempts"))
			o.attempts = (int)num(argv[i + 1]);
		else if (!strcmp(argv[i], "--backoff-ms"))
			o.backoff_ms = num(argv[i + 1]);
		else if (!strcmp(argv[i], "--timeout-ms"))
			o.timeout_ms = num(argv[i + 1]);
		else if (!strcmp(argv[i], "--repeat"))
			o.repeat = (int)num(argv[i + 1]);
		else if (!strcmp(argv[i], "--pause-ms"))
			o.pause_ms = num(argv[i + 1]);
		else
			return 2;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: aws_probe [options] COMMAND [ARGS...]\n");
		return 2;
	}
	if (aws_env_load(&env, aws_env_getenv, NULL) != IT_OK)
		return 2;
	memset(&cfg, 0, sizeof(cfg));
	cfg.env = &env;
	cfg.member_role = o.role;
	cfg.external_id = o.external_id;
	cfg.max_attempts = o.attempts;
	cfg.backoff_base_ms = o.backoff_ms;
	cfg.backoff_cap_ms = o.backoff_ms ? o.backoff_ms * 8 : 0;
	cfg.timeout_ms = o.timeout_ms;
	cfg.credentials = aws_creds_provider_new;
	if (aws_ctx_new(&cfg, &ctx) != IT_OK) {
		aws_env_finish(&env);
		fprintf(stderr, "aws_probe: cannot create the AWS context\n");
		return 2;
	}
	aws_env_finish(&env);
	for (int r = 0; r < o.repeat; r++) {
		struct aws_error err;
		json_t *res = NULL, *line;
		char *s;
		int rc;
		memset(&err, 0, sizeof(err));
		rc = run(ctx, &o, argc - i, argv + i, &res, &err);
		if (rc == 0)
			line = json_pack("{s:b,s:o}", "ok", 1, "result", res ? res : json_null());
		else
			line = json_pack("{s:b,s:s,s:s,s:s,s:s,s:i,s:i}", "ok", 0, "status", status_str(rc),
					 "code", err.code, "message", err.message, "request_id", err.request_id,
					 "http_status", (int)err.http_status, "attempts", err.attempts);
		failures += rc != 0;
		s = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(line);
		fflush(stdout);
		if (o.pause_ms && r + 1 < o.repeat) {
			struct timespec ts = {o.pause_ms / 1000, (o.pause_ms % 1000) * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	printf("{\"assume_calls\":%lu}\n", aws_creds_assume_calls(aws_creds_of(ctx)));
	aws_ctx_free(ctx);
	return failures ? 1 : 0;
}
