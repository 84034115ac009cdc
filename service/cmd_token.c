/*
 * cmd_token.c: `italic token create|list|revoke`.
 *
 * create prints the token alone on stdout (so `T=$(italic token create ...)` works)
 * and everything else on stderr; the token is shown once and stored only as a digest.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "parse.h"
#include "status.h"
#include "store_token.h"

static const char *const token_settings[] = {"db", NULL};

struct create_opts {
	struct token_record rec;
	int have_role;
};

static int create_opt(void *ctx, const char *name, const char *value, char *err, size_t errlen)
{
	struct create_opts *o = ctx;

	if (strcmp(name, "role") == 0) {
		if (role_parse(value, &o->rec.role)) {
			snprintf(err, errlen, "--role must be ingest, reader or admin");
			return 1;
		}
		o->have_role = 1;
	} else if (strcmp(name, "name") == 0) {
		if (!valid_text(value, IT_MAX_NAME) || !*value) {
			snprintf(err, errlen, "--name must be 1-%d printable characters", IT_MAX_NAME);
			return 1;
		}
		snprintf(o->rec.name, sizeof(o->rec.name), "%s", value);
	} else if (strcmp(name, "account") == 0) {
		if (!valid_account_id(value)) {
			snprintf(err, errlen, "--account must be a 12-digit AWS account id");
			return 1;
		}
		if (o->rec.n_accounts >= IT_MAX_TOKEN_ACCOUNTS) {
			snprintf(err, errlen, "at most %d --account values", IT_MAX_TOKEN_ACCOUNTS);
			return 1;
		}
		snprintf(o->rec.accounts[o->rec.n_accounts++], 13, "%s", value);
	}
	return 0;
}

static int token_create(int argc, char **argv, const struct clock *clk)
{
	static const struct cli_opt opts[] = {
		{"role", 1, "--role ingest|reader|admin   what the token may do (required)"},
		{"name", 1, "--name NAME                  a label shown by 'token list' (default: the role)"},
		{"account", 1, "--account ID                 bind an ingest token to an account (repeatable)"},
	};
	struct create_opts o;
	struct cli_spec spec = {
		.usage = "italic token create --role ingest|reader|admin [--name NAME] [--account ID]... [--db PATH]\n\n"
			 "Prints the new token alone on stdout. It is shown once: store it now.",
		.settings = token_settings, .opts = opts, .nopts = 3, .on_opt = create_opt, .ctx = &o,
	};
	struct config cfg;
	char token[TOKEN_TEXT_LEN + 1];
	int exit_status = 0;
	uint8_t digest[TOKEN_DIGEST_LEN];
	size_t npos = 0;
	struct store *s = NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	config_defaults(&cfg);
	if (!cli_start(&spec, "token create", argc, argv, &cfg, NULL, &npos, &exit_status))
		return exit_status;
	if (!o.have_role)
		return cli_usage_error("token create", "--role is required (ingest, reader or admin)");
	if (o.rec.n_accounts && o.rec.role != ROLE_INGEST)
		return cli_usage_error("token create", "--account applies to ingest tokens only");
	if (!o.rec.name[0])
		snprintf(o.rec.name, sizeof(o.rec.name), "%s", role_names[o.rec.role]);
	if (open_and_migrate(&cfg, &s))
		return 1;
	rc = token_generate(token, o.rec.id);
	if (rc == IT_OK)
		rc = token_digest(token, strlen(token), digest);
	o.rec.created_at = clock_now_ms(clk);
	if (rc == IT_OK)
		rc = store_token_create(s, &o.rec, digest);
	store_close(s);
	if (rc) {
		fprintf(stderr, "italic token create: %s\n", status_str(rc));
		explicit_bzero(token, sizeof(token));
		return 1;
	}
	printf("%s\n", token);
	fflush(stdout);
	explicit_bzero(token, sizeof(token));
	fprintf(stderr, "created token %s (role %s, name %s)\n", o.rec.id, role_names[o.rec.role], o.rec.name);
	return 0;
}

static void print_row(const struct token_record *r, void *ctx)
{
	char created[IT_TIME_BUF], used[IT_TIME_BUF];
	char accounts[IT_MAX_TOKEN_ACCOUNTS * 13 + 1] = "";
	size_t off = 0;
	(void)ctx;

	for (size_t i = 0; i < r->n_accounts; i++)
		off += (size_t)snprintf(accounts + off, sizeof(accounts) - off, "%s%s", i ? "," : "", r->accounts[i]);
	printf("%-17s %-8s %-24s %-21s %-21s %-8s %s\n", r->id, role_names[r->role], r->name,
	       format_time_s(r->created_at, created), r->last_used_at ? format_time_s(r->last_used_at, used) : "never",
	       r->revoked_at ? "revoked" : "active", r->n_accounts ? accounts : "*");
}

static int token_list(int argc, char **argv)
{
	struct cli_spec spec = {
		.usage = "italic token list [--db PATH]\n\nLists every token (never the secret): id, role, name, "
			 "created, last used, state, accounts.",
		.settings = token_settings,
	};
	struct config cfg;
	int exit_status = 0;
	size_t npos = 0;
	struct store *s = NULL;
	int rc;

	config_defaults(&cfg);
	if (!cli_start(&spec, "token list", argc, argv, &cfg, NULL, &npos, &exit_status))
		return exit_status;
	if (open_and_migrate(&cfg, &s))
		return 1;
	printf("%-17s %-8s %-24s %-21s %-21s %-8s %s\n", "ID", "ROLE", "NAME", "CREATED", "LAST USED", "STATE",
	       "ACCOUNTS");
	rc = store_token_list(s, print_row, NULL);
	store_close(s);
	if (rc) {
		fprintf(stderr, "italic token list: %s\n", status_str(rc));
		return 1;
	}
	return 0;
}

static int token_revoke(int argc, char **argv, const struct clock *clk)
{
	struct cli_spec spec = {
		.usage = "italic token revoke ID [--db PATH]\n\nRevokes a token at once (its next request gets 401).",
		.settings = token_settings, .max_positional = 1,
	};
	struct config cfg;
	char *pos[1];
	int exit_status = 0;
	size_t npos = 0;
	struct store *s = NULL;
	int rc;

	config_defaults(&cfg);
	if (!cli_start(&spec, "token revoke", argc, argv, &cfg, pos, &npos, &exit_status))
		return exit_status;
	if (npos != 1)
		return cli_usage_error("token revoke", "give the token id to revoke (see 'italic token list')");
	if (open_and_migrate(&cfg, &s))
		return 1;
	rc = store_token_revoke(s, pos[0], clock_now_ms(clk));
	store_close(s);
	if (rc == IT_ENOTFOUND) {
		fprintf(stderr, "italic token revoke: no active token with id '%.32s'\n", pos[0]);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "italic token revoke: %s\n", status_str(rc));
		return 1;
	}
	fprintf(stderr, "revoked %s\n", pos[0]);
	return 0;
}

int cmd_token(int argc, char **argv, const struct clock *clk)
{
	if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		FILE *out = argc < 1 ? stderr : stdout;
		fprintf(out, "usage: italic token create|list|revoke [options]  (see 'italic token create --help')\n");
		return argc < 1 ? 2 : 0;
	}
	if (strcmp(argv[0], "create") == 0)
		return token_create(argc - 1, argv + 1, clk);
	if (strcmp(argv[0], "list") == 0)
		return token_list(argc - 1, argv + 1);
	if (strcmp(argv[0], "revoke") == 0)
		return token_revoke(argc - 1, argv + 1, clk);
	fprintf(stderr, "italic token: unknown subcommand '%.32s' (create, list, revoke)\n", argv[0]);
	return 2;
}
