/*
 * cli.h: argument parsing shared by the subcommands.
 *
 * Flags are "--name value" or "--name=value". Settings flags (lib/config.c) are
 * accepted only when the command lists them; command-specific flags are declared by
 * the command. Anything else is a usage error: the caller prints the message and
 * exits with status 2.
 */
#ifndef ITALIC_CLI_H
#define ITALIC_CLI_H

#include <stddef.h>

#include "config.h"

enum cli_result { CLI_OK, CLI_HELP, CLI_USAGE };

struct cli_opt {
	const char *name;     /* without dashes */
	int takes_value;
	const char *help;     /* "--name VALUE  meaning" line for --help */
};

struct cli_spec {
	const char *usage;               /* first line of --help */
	const char *const *settings;     /* names of config settings accepted; NULL: all */
	const struct cli_opt *opts;      /* command-specific flags */
	size_t nopts;
	size_t max_positional;
	/* Called for each command-specific flag; return nonzero (and fill err) to reject. */
	int (*on_opt)(void *ctx, const char *name, const char *value, char *err, size_t errlen);
	void *ctx;
};

/*
 * Parses argv[0..argc) (argv[0] is the first argument after the subcommand words).
 * Applies environment then flags to cfg. Positional arguments are stored in pos.
 * Returns CLI_OK, CLI_HELP (--help/-h seen) or CLI_USAGE (err says why).
 */
enum cli_result cli_parse(const struct cli_spec *spec, int argc, char **argv, struct config *cfg,
			  char **pos, size_t *npos, char *err, size_t errlen);

/*
 * cli_parse() plus the answers every subcommand gives: --help prints the help (exit 0),
 * a usage error prints the message (exit 2). Returns 1 when the command should go on,
 * 0 when it should return *ret_exit. cmd names the command in messages ("token list").
 */
int cli_start(const struct cli_spec *spec, const char *cmd, int argc, char **argv, struct config *cfg,
	      char **pos, size_t *npos, int *ret_exit);

/* Prints spec's usage, its own flags and the settings it accepts. */
void cli_help(const struct cli_spec *spec, FILE *out);

/* Prints "italic: <msg>" and the hint to use --help on stderr; returns 2. */
int cli_usage_error(const char *cmd, const char *msg);

#endif
