/* cmd_rules.c: `italic rules export|import` (see cmd_rules.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "cmd_evaluate.h"
#include "cmd_rules.h"
#include "limits.h"
#include "rule.h"
#include "rule_import.h"
#include "status.h"
#include "store.h"
#include "store_rule.h"

static const char usage[] =
	"usage: italic rules export [--format italic|allowed-amis]\n"
	"       italic rules import FILE [--dry-run] [--format italic|approved-amis-by-id|allowed-amis]\n";

static int print_json(const json_t *doc)
{
	char *text = json_dumps(doc, JSON_INDENT(2));
	int ok = text && printf("%s\n", text) >= 0 && fflush(stdout) == 0;

	free(text);
	return ok ? 0 : -1;
}

static int do_export(int argc, char **argv, struct store *s)
{
	enum rule_format fmt = RULE_FORMAT_ITALIC;
	struct rule_set set;
	struct rule_skip *skip = NULL;
	size_t n_skip = 0;
	json_t *doc = NULL;
	int rc, status = 1;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
		    rule_format_from_name(argv[i + 1], &fmt) == IT_OK && fmt != RULE_FORMAT_AMI_CSV) {
			i++;
			continue;
		}
		fprintf(stderr, "italic rules export: bad argument \"%s\"\n%s", argv[i], usage);
		return 2;
	}
	rule_set_init(&set);
	rc = store_rule_list(s, &set);
	if (rc == 0 && fmt == RULE_FORMAT_ITALIC)
		rc = store_exemption_list(s, 1, 0, &set);
	if (rc) {
		fprintf(stderr, "italic rules export: reading the database: %s (%s)\n", status_str(rc), store_errmsg(s));
		goto out;
	}
	if (fmt == RULE_FORMAT_ITALIC)
		rc = rule_export_italic(&set, &doc);
	else
		rc = rule_export_allowed_amis(&set, &doc, &skip, &n_skip);
	if (rc) {
		fprintf(stderr, "italic rules export: %s\n", status_str(rc));
		goto out;
	}
	for (size_t i = 0; i < n_skip; i++)
		fprintf(stderr, "skipped rule %s: %s\n", skip[i].rule_id, skip[i].reason);
	if (print_json(doc)) {
		fprintf(stderr, "italic rules export: cannot write output\n");
		goto out;
	}
	status = 0;
out:
	free(skip);
	json_decref(doc);
	rule_set_finish(&set);
	return status;
}

static int do_import(int argc, char **argv, struct store *s, const char *actor, const struct clock *clk)
{
	const char *file = NULL;
	int dry_run = 0, have_fmt = 0, rc, status = 1;
	enum rule_format fmt = RULE_FORMAT_ITALIC;
	struct rule_set cur, next;
	struct rule_diff_counts d;
	struct store_replace_counts n;
	struct json_err err = {{0}, {0}};
	struct buf out;
	char *data = NULL;
	size_t len = 0;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0) {
			dry_run = 1;
		} else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
			   rule_format_from_name(argv[i + 1], &fmt) == IT_OK) {
			have_fmt = 1;
			i++;
		} else if (!file && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)) {
			file = argv[i];
		} else {
			fprintf(stderr, "italic rules import: bad argument \"%s\"\n%s", argv[i], usage);
			return 2;
		}
	}
	if (!file) {
		fprintf(stderr, "italic rules import: FILE is required\n%s", usage);
		return 2;
	}
	rule_set_init(&cur);
	rule_set_init(&next);
	buf_init(&out, (size_t)IT_MAX_RULES * (IT_MAX_ID + 4) + 256);
	if (cmd_read_file(file, IT_MAX_RULES_DOC, &data, &len))
		goto out;
	if (!have_fmt && rule_import_detect(data, len, &fmt) != IT_OK) {
		fprintf(stderr, "italic rules import: %s: format not recognised; give --format\n", file);
		goto out;
	}
	rc = rule_import(data, len, fmt, &next, &err);
	if (rc) {
		fprintf(stderr, "italic rules import: %s (%s): %s%s%s\n", file, rule_format_names[fmt], err.field,
			err.field[0] ? ": " : "", err.message);
		goto out;
	}
	if (next.n_exemptions)
		fprintf(stderr, "italic rules import: %zu exemptions in the file were not imported (use /v1/exemptions)\n",
			next.n_exemptions);
	rc = store_rule_list(s, &cur);
	if (rc == 0)
		rc = rule_diff(&cur, &next, &out, &d);
	if (rc) {
		fprintf(stderr, "italic rules import: %s (%s)\n", status_str(rc), store_errmsg(s));
		goto out;
	}
	printf("%s%zu added, %zu changed, %zu removed, %zu unchanged%s\n", buf_str(&out), d.added, d.changed,
	       d.removed, d.unchanged, dry_run ? " (dry run: nothing written)" : "");
	if (!dry_run) {
		rc = store_rules_replace(s, &next, actor, clock_now_ms(clk), &n);
		if (rc) {
			fprintf(stderr, "italic rules import: writing rules: %s (%s)\n", status_str(rc), store_errmsg(s));
			goto out;
		}
	}
	if (fflush(stdout) != 0)
		goto out;
	status = 0;
out:
	free(data);
	buf_finish(&out);
	rule_set_finish(&cur);
	rule_set_finish(&next);
	return status;
}

int cmd_rules(int argc, char **argv, struct store *s, const char *actor, const struct clock *clk)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "export") == 0)
		return do_export(argc, argv, s);
	if (strcmp(argv[1], "import") == 0)
		return do_import(argc, argv, s, actor, clk);
	fprintf(stderr, "italic rules: unknown action \"%s\"\n%s", argv[1], usage);
	return 2;
}
