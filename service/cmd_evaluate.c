/* cmd_evaluate.c: `italic evaluate` (see cmd_evaluate.h). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cmd_evaluate.h"
#include "image_facts.h"
#include "json_io.h"
#include "limits.h"
#include "parse.h"
#include "policy.h"
#include "rule.h"
#include "rule_import.h"
#include "status.h"
#include "verdict.h"

static const char usage[] =
	"usage: italic evaluate --rules FILE --image FILE [--account ID] [--region R]\n"
	"                       [--instance-id ID] [--instance-tags FILE] [--now RFC3339]\n";

int cmd_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *b;
	size_t n = 0;

	if (!f) {
		fprintf(stderr, "italic: %s: %s\n", path, strerror(errno));
		return -1;
	}
	b = malloc(max + 2);
	if (b)
		n = fread(b, 1, max + 1, f);
	if (!b || ferror(f)) {
		fprintf(stderr, "italic: %s: read failed\n", path);
		free(b);
		if (f != stdin)
			fclose(f);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	if (n > max) {
		fprintf(stderr, "italic: %s: larger than %zu bytes\n", path, max);
		free(b);
		return -1;
	}
	b[n] = '\0';
	*ret = b;
	*ret_len = n;
	return 0;
}

static int load_json_file(const char *path, json_t **ret)
{
	char *data = NULL;
	size_t len = 0;
	struct json_err err;
	int rc;

	if (cmd_read_file(path, IT_MAX_BODY, &data, &len))
		return -1;
	rc = json_load_bounded(data, len, IT_MAX_BODY, IT_MAX_JSON_DEPTH, ret, &err);
	free(data);
	if (rc) {
		fprintf(stderr, "italic: %s: %s\n", path, err.message);
		return -1;
	}
	return 0;
}

struct eval_opts {
	const char *rules, *image, *account, *region, *instance_id, *tags, *now;
};

static int parse_opts(int argc, char **argv, struct eval_opts *o)
{
	static const struct {
		const char *flag;
		size_t off;
	} flags[] = {
		{"--rules", offsetof(struct eval_opts, rules)},
		{"--image", offsetof(struct eval_opts, image)},
		{"--account", offsetof(struct eval_opts, account)},
		{"--region", offsetof(struct eval_opts, region)},
		{"--instance-id", offsetof(struct eval_opts, instance_id)},
		{"--instance-tags", offsetof(struct eval_opts, tags)},
		{"--now", offsetof(struct eval_opts, now)},
	};

	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		size_t f;
		for (f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
			if (strcmp(argv[i], flags[f].flag) == 0)
				break;
		if (f == sizeof(flags) / sizeof(flags[0])) {
			fprintf(stderr, "italic evaluate: unknown argument \"%s\"\n%s", argv[i], usage);
			return -1;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "italic evaluate: %s needs a value\n%s", argv[i], usage);
			return -1;
		}
		*(const char **)(void *)((char *)o + flags[f].off) = argv[++i];
	}
	if (!o->rules || !o->image) {
		fprintf(stderr, "italic evaluate: --rules and --image are required\n%s", usage);
		return -1;
	}
	if (o->account && !valid_account_id(o->account)) {
		fprintf(stderr, "italic evaluate: --account must be a 12-digit account ID\n");
		return -1;
	}
	if (o->region && !valid_region(o->region)) {
		fprintf(stderr, "italic evaluate: --region must be a region name like us-east-1\n");
		return -1;
	}
	if (o->instance_id && !valid_instance_id(o->instance_id)) {
		fprintf(stderr, "italic evaluate: --instance-id must be an instance ID like i-0123456789abcdef0\n");
		return -1;
	}
	return 0;
}

/* Instance tags from a {"Key": "Value"} file into a new array of borrowed strings. */
static int load_tags(const json_t *obj, struct image_tag **ret, size_t *ret_n)
{
	struct image_tag *t;
	const char *k;
	json_t *v;
	size_t n = 0;

	if (!json_is_object(obj) || json_object_size(obj) > IT_MAX_FACT_TAGS) {
		fprintf(stderr, "italic evaluate: --instance-tags must be a JSON object of at most %d tags\n",
			IT_MAX_FACT_TAGS);
		return -1;
	}
	t = calloc(json_object_size(obj) + 1, sizeof(*t));
	if (!t)
		return -1;
	json_object_foreach((json_t *)obj, k, v) {
		if (!json_is_string(v)) {
			fprintf(stderr, "italic evaluate: instance tag \"%s\" must be a string\n", k);
			free(t);
			return -1;
		}
		t[n].key = (char *)k;
		t[n].value = (char *)json_string_value(v);
		n++;
	}
	*ret = t;
	*ret_n = n;
	return 0;
}

int cmd_evaluate(int argc, char **argv, const struct clock *clk)
{
	struct eval_opts o;
	struct rule_set set;
	struct image_facts *img = NULL;
	struct image_tag *tags = NULL;
	struct json_err err = {{0}, {0}};
	struct verdict v;
	enum rule_format fmt;
	json_t *facts_doc = NULL, *tags_doc = NULL, *out = NULL;
	char *rules_data = NULL, *text = NULL;
	size_t rules_len = 0, n_tags = 0;
	int64_t now;
	int rc, status = 1;

	if (parse_opts(argc, argv, &o))
		return 2;
	if (o.now) {
		if (parse_time_ms(o.now, &now) != IT_OK) {
			fprintf(stderr, "italic evaluate: --now must be an RFC 3339 time\n");
			return 2;
		}
	} else {
		now = clock_now_ms(clk);
	}
	rule_set_init(&set);
	if (cmd_read_file(o.rules, IT_MAX_RULES_DOC, &rules_data, &rules_len))
		goto out;
	if (rule_import_detect(rules_data, rules_len, &fmt) != IT_OK) {
		fprintf(stderr, "italic evaluate: %s: not a rules document (Italic JSON, AMI ID list or Allowed AMIs criteria)\n",
			o.rules);
		goto out;
	}
	rc = rule_import(rules_data, rules_len, fmt, &set, &err);
	if (rc) {
		fprintf(stderr, "italic evaluate: %s (%s): %s%s%s\n", o.rules, rule_format_names[fmt], err.field,
			err.field[0] ? ": " : "", err.message);
		goto out;
	}
	if (load_json_file(o.image, &facts_doc))
		goto out;
	rc = image_facts_from_json(facts_doc, &img, &err);
	if (rc) {
		fprintf(stderr, "italic evaluate: %s: %s%s%s\n", o.image, err.field, err.field[0] ? ": " : "",
			err.message);
		goto out;
	}
	if (o.tags && (load_json_file(o.tags, &tags_doc) || load_tags(tags_doc, &tags, &n_tags)))
		goto out;
	{
		struct policy_instance inst = {o.account, o.region, o.instance_id, "running", tags, n_tags,
					       o.tags != NULL};
		policy_evaluate(&set, &inst, img, now, &v);
	}
	if (verdict_to_json(&v, &out) != IT_OK ||
	    json_object_set_new(out, "image_id", json_string(img->image_id)) ||
	    json_object_set_new(out, "facts_source", img->source ? json_string(img->source) : json_string("file"))) {
		fprintf(stderr, "italic evaluate: out of memory\n");
		goto out;
	}
	text = json_dumps(out, JSON_INDENT(2));
	if (!text || printf("%s\n", text) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "italic evaluate: cannot write the verdict\n");
		goto out;
	}
	status = 0;
out:
	free(text);
	json_decref(out);
	free(tags);
	json_decref(tags_doc);
	image_facts_free(img);
	json_decref(facts_doc);
	free(rules_data);
	rule_set_finish(&set);
	return status;
}
