/*
 * main.c: the italic binary: argv[1] picks a subcommand.
 *
 * This is the only file allowed globals; it needs none today: signal handling is done
 * with sigwait() in cmd_serve.c, so no handler touches shared state. It makes the one
 * real clock (lib/clock.h) and hands it to the commands that tell time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "commands.h"

#include "cmd_evaluate.h"
#include "cmd_rules.h"
#include "status.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: italic COMMAND [options]\n"
		"\n"
		"Commands:\n"
		"  serve      run the service (HTTP API, ingest, evaluation, deliveries)\n"
		"  migrate    create or upgrade the database schema\n"
		"  token      create | list | revoke API tokens\n"
		"  backup     write a consistent copy of the live database\n"
		"  healthcheck  exit 0 when the service on this machine answers (container HEALTHCHECK)\n"
		"  rules      export | import the allow-list\n"
		"  evaluate   offline verdict for an image against a rules file\n"
		"  version    print the version\n"
		"\n"
		"Run 'italic COMMAND --help' for the options and settings of a command.\n");
}

/*
 * `italic rules ...`: takes --db PATH (or ITALIC_DB) out of the arguments, opens and
 * migrates the database, and hands the rest to cmd_rules (argv[0] is "rules").
 */
static int rules(int argc, char **argv, const struct clock *clk)
{
	struct config cfg;
	struct store *s = NULL;
	char err[256], actor[96];
	char *args[64];
	const char *user = getenv("USER");
	int n = 0, rc;

	config_defaults(&cfg);
	if (config_from_env(&cfg, NULL, err, sizeof(err)))
		return fprintf(stderr, "italic rules: %s\n", err), 2;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 || strncmp(argv[i], "--db=", 5) == 0) {
			const char *v = argv[i][4] == '=' ? argv[i] + 5 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v || config_set_flag(&cfg, "db", v, err, sizeof(err)))
				return fprintf(stderr, "italic rules: --db needs a path\n"), 2;
			continue;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: italic rules export [--format italic|allowed-amis] [--db PATH]\n"
			       "       italic rules import FILE [--dry-run] [--format italic|approved-amis-by-id|allowed-amis] [--db PATH]\n"
			       "\nexport prints the allow-list; import replaces it with FILE's rules (audited; the diff is printed).\n"
			       "--db defaults to ITALIC_DB or ./italic.db.\n");
			return 0;
		}
		if (n >= (int)(sizeof(args) / sizeof(args[0])) - 1)
			return fprintf(stderr, "italic rules: too many arguments\n"), 2;
		args[n++] = argv[i];
	}
	args[n] = NULL;
	if (n < 2)
		return cmd_rules(n, args, NULL, NULL, clk);   /* prints the usage, exit 2 */
	if (open_and_migrate(&cfg, &s))
		return 1;
	snprintf(actor, sizeof(actor), "cli:%s", user && *user ? user : "unknown");
	rc = cmd_rules(n, args, s, actor, clk);
	store_close(s);
	return rc;
}

int main(int argc, char **argv)
{
	const struct clock wall = {clock_system_ms, NULL};
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0)
		return cmd_version(0, NULL);
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 2, argv + 2, &wall);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(argc - 2, argv + 2);
	if (strcmp(cmd, "token") == 0)
		return cmd_token(argc - 2, argv + 2, &wall);
	if (strcmp(cmd, "backup") == 0)
		return cmd_backup(argc - 2, argv + 2, &wall);
	if (strcmp(cmd, "healthcheck") == 0)
		return cmd_healthcheck(argc - 2, argv + 2);
	if (strcmp(cmd, "version") == 0)
		return cmd_version(argc - 2, argv + 2);
	if (strcmp(cmd, "evaluate") == 0) {
		if (argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
			printf("usage: italic evaluate --rules FILE --image FILE [--account ID] [--region R]\n"
			       "                       [--instance-id ID] [--instance-tags FILE] [--now RFC3339]\n\n"
			       "Judges one image against a rules file, offline, with the service's own policy code,\n"
			       "and prints the verdict as JSON. FILE formats: the rules import formats, and the\n"
			       "image facts JSON of PUT /v1/images (see README).\n");
			return 0;
		}
		return cmd_evaluate(argc - 1, argv + 1, &wall);
	}
	if (strcmp(cmd, "rules") == 0)
		return rules(argc - 1, argv + 1, &wall);
	fprintf(stderr, "italic: unknown command '%.64s'\n\n", cmd);
	usage(stderr);
	return 2;
}
