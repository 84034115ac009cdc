/*
 * main.c: the italic binary: argv[1] picks a subcommand.
 *
 * This is the only file allowed globals; it needs none today: signal handling is done
 * with sigwait() in cmd_serve.c, so no handler touches shared state.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

#ifdef ITALIC_HAVE_POLICY
#include "cmd_evaluate.h"
#include "cmd_rules.h"
#endif

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
#ifdef ITALIC_HAVE_POLICY
		"  rules      export | import the allow-list\n"
		"  evaluate   offline verdict for an image against a rules file\n"
#endif
		"  version    print the version\n"
		"\n"
		"Run 'italic COMMAND --help' for the options and settings of a command.\n");
}

int main(int argc, char **argv)
{
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
		return cmd_serve(argc - 2, argv + 2);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(argc - 2, argv + 2);
	if (strcmp(cmd, "token") == 0)
		return cmd_token(argc - 2, argv + 2);
	if (strcmp(cmd, "backup") == 0)
		return cmd_backup(argc - 2, argv + 2);
	if (strcmp(cmd, "version") == 0)
		return cmd_version(argc - 2, argv + 2);
#ifdef ITALIC_HAVE_POLICY
	if (strcmp(cmd, "evaluate") == 0)
		return cmd_evaluate(argc - 2, argv + 2);
#endif
	fprintf(stderr, "italic: unknown command '%.64s'\n\n", cmd);
	usage(stderr);
	return 2;
}
