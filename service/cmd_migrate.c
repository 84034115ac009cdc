/* cmd_migrate.c: `italic migrate` and the open-and-migrate step shared with serve. */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "status.h"
#include "store_migrate.h"

int open_and_migrate(const struct config *cfg, struct store **ret)
{
	char err[512];
	struct store *s = NULL;
	int rc, applied = 0;

	rc = store_open(cfg->db, 0, &s, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "italic: cannot open database: %s\n", err);
		return rc;
	}
	rc = store_migrate(s, italic_migrations, &applied, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "italic: %s\n", err);
		store_close(s);
		return rc;
	}
	*ret = s;
	return IT_OK;
}

static const char *const migrate_settings[] = {"db", NULL};

int cmd_migrate(int argc, char **argv)
{
	struct cli_spec spec = {
		.usage = "italic migrate [--db PATH]\n\nCreates the database or applies the migrations it lacks.",
		.settings = migrate_settings,
	};
	struct config cfg;
	int exit_status = 0;
	size_t npos = 0;
	struct store *s = NULL;
	int v = 0;

	config_defaults(&cfg);
	if (!cli_start(&spec, "migrate", argc, argv, &cfg, NULL, &npos, &exit_status))
		return exit_status;
	if (open_and_migrate(&cfg, &s))
		return 1;
	if (store_schema_version(s, &v) == IT_OK)
		printf("database %s is at schema version %d\n", cfg.db, v);
	store_close(s);
	return 0;
}
