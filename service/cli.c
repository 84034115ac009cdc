/* cli.c: subcommand argument parsing (see cli.h). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "status.h"

static int setting_allowed(const struct cli_spec *spec, const char *name)
{
	if (!config_has_flag(name))
		return 0;
	if (!spec->settings)
		return 1;
	for (const char *const *s = spec->settings; *s; s++)
		if (strcmp(*s, name) == 0)
			return 1;
	return 0;
}

static const struct cli_opt *find_opt(const struct cli_spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->nopts; i++)
		if (strcmp(spec->opts[i].name, name) == 0)
			return &spec->opts[i];
	return NULL;
}

enum cli_result cli_parse(const struct cli_spec *spec, int argc, char **argv, struct config *cfg,
			  char **pos, size_t *npos, char *err, size_t errlen)
{
	size_t np = 0;

	if (config_from_env(cfg, NULL, err, errlen))
		return CLI_USAGE;
	for (int i = 0; i < argc; i++) {
		char name[64];
		const char *arg = argv[i], *value = NULL, *eq;
		const struct cli_opt *opt;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return CLI_HELP;
		if (strcmp(arg, "--") == 0) {
			for (i++; i < argc; i++) {
				if (np >= spec->max_positional) {
					snprintf(err, errlen, "unexpected argument '%.64s'", argv[i]);
					return CLI_USAGE;
				}
				pos[np++] = argv[i];
			}
			break;
		}
		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
			if (arg[0] == '-' && arg[1] != '\0') {
				snprintf(err, errlen, "unknown option '%.64s'", arg);
				return CLI_USAGE;
			}
			if (np >= spec->max_positional) {
				snprintf(err, errlen, "unexpected argument '%.64s'", arg);
				return CLI_USAGE;
			}
			pos[np++] = argv[i];
			continue;
		}
		eq = strchr(arg + 2, '=');
		if ((eq ? (size_t)(eq - arg - 2) : strlen(arg + 2)) >= sizeof(name)) {
			snprintf(err, errlen, "unknown option '%.64s'", arg);
			return CLI_USAGE;
		}
		if (eq) {
			memcpy(name, arg + 2, (size_t)(eq - arg - 2));
			name[eq - arg - 2] = '\0';
			value = eq + 1;
		} else {
			snprintf(name, sizeof(name), "%s", arg + 2);
		}
		opt = find_opt(spec, name);
		if (opt) {
			if (opt->takes_value && !value) {
				if (i + 1 >= argc) {
					snprintf(err, errlen, "--%s needs a value", name);
					return CLI_USAGE;
				}
				value = argv[++i];
			} else if (!opt->takes_value && value) {
				snprintf(err, errlen, "--%s takes no value", name);
				return CLI_USAGE;
			}
			if (spec->on_opt && spec->on_opt(spec->ctx, name, value, err, errlen))
				return CLI_USAGE;
			continue;
		}
		if (setting_allowed(spec, name)) {
			if (!value) {
				if (i + 1 >= argc) {
					snprintf(err, errlen, "--%s needs a value", name);
					return CLI_USAGE;
				}
				value = argv[++i];
			}
			if (config_set_flag(cfg, name, value, err, errlen))
				return CLI_USAGE;
			continue;
		}
		snprintf(err, errlen, "unknown option '--%.48s'", name);
		return CLI_USAGE;
	}
	*npos = np;
	return CLI_OK;
}

void cli_help(const struct cli_spec *spec, FILE *out)
{
	fprintf(out, "usage: %s\n", spec->usage);
	if (spec->nopts) {
		fprintf(out, "\nOptions:\n");
		for (size_t i = 0; i < spec->nopts; i++)
			fprintf(out, "  %s\n", spec->opts[i].help);
	}
	fprintf(out, "\n");
	config_help(out, spec->settings);
}

int cli_start(const struct cli_spec *spec, const char *cmd, int argc, char **argv, struct config *cfg,
	      char **pos, size_t *npos, int *ret_exit)
{
	char err[256];

	switch (cli_parse(spec, argc, argv, cfg, pos, npos, err, sizeof(err))) {
	case CLI_HELP:
		cli_help(spec, stdout);
		*ret_exit = 0;
		return 0;
	case CLI_USAGE:
		*ret_exit = cli_usage_error(cmd, err);
		return 0;
	default:
		return 1;
	}
}

int cli_usage_error(const char *cmd, const char *msg)
{
	fprintf(stderr, "italic %s: %s\n(see 'italic %s --help')\n", cmd, msg, cmd);
	return 2;
}
