/*
 * cmd_backup.c: `italic backup [--db PATH] [--force] DEST`: a consistent copy of the
 * live database, taken with SQLite's online backup API while the service keeps
 * serving and writing (store_backup_copy reads one snapshot in small steps).
 *
 * The copy is written beside DEST and linked into place only when complete. An
 * existing DEST is refused unless --force; DEST may never be the database itself.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "status.h"
#include "store_backup.h"

#define BACKUP_STEP_PAGES 256   /* 1 MiB at 4 KiB pages: the writer's lock is never held long */
#define BACKUP_PAUSE_MS 1

static const char *const backup_settings[] = {"db", NULL};

static const struct cli_opt backup_opts[] = {
	{"force", 0, "--force            replace DEST if it exists"},
};

static int on_opt(void *ctx, const char *name, const char *value, char *err, size_t errlen)
{
	int *force = ctx;
	(void)value;
	(void)err;
	(void)errlen;
	if (strcmp(name, "force") == 0)
		*force = 1;
	return 0;
}

int cmd_backup(int argc, char **argv)
{
	int force = 0;
	struct cli_spec spec = {
		.usage = "italic backup [--db PATH] [--force] DEST\n\n"
			 "Writes a consistent copy of the database to DEST while the service runs\n"
			 "(SQLite online backup). Restore: stop the service, copy DEST over ITALIC_DB,\n"
			 "remove ITALIC_DB-wal and ITALIC_DB-shm, start the service.",
		.settings = backup_settings,
		.opts = backup_opts,
		.nopts = sizeof(backup_opts) / sizeof(backup_opts[0]),
		.max_positional = 1,
		.on_opt = on_opt,
		.ctx = &force,
	};
	struct config cfg;
	struct store *s = NULL;
	struct stat a, b;
	char *pos[1] = {NULL}, err[512];
	int exit_status = 0;
	size_t npos = 0;
	int rc;

	config_defaults(&cfg);
	if (!cli_start(&spec, "backup", argc, argv, &cfg, pos, &npos, &exit_status))
		return exit_status;
	if (npos != 1 || !pos[0][0])
		return cli_usage_error("backup", "DEST is required");
	if (stat(cfg.db, &a) != 0) {
		fprintf(stderr, "italic backup: database %s: %s\n", cfg.db, strerror(errno));
		return 1;
	}
	if (stat(pos[0], &b) == 0) {
		if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return cli_usage_error("backup", "DEST is the database itself");
		if (!force) {
			fprintf(stderr, "italic backup: %s exists (use --force to replace it)\n", pos[0]);
			return 1;
		}
	}
	rc = store_open(cfg.db, STORE_NO_CREATE, &s, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "italic backup: cannot open database: %s\n", err);
		return 1;
	}
	if (force && unlink(pos[0]) != 0 && errno != ENOENT) {
		fprintf(stderr, "italic backup: cannot replace %s: %s\n", pos[0], strerror(errno));
		store_close(s);
		return 1;
	}
	rc = store_backup_copy(s, pos[0], BACKUP_STEP_PAGES, BACKUP_PAUSE_MS);
	store_close(s);
	if (rc) {
		fprintf(stderr, "italic backup: %s: %s\n", pos[0],
			rc == IT_EEXIST ? "exists (use --force to replace it)" : status_str(rc));
		return 1;
	}
	printf("backup of %s written to %s\n", cfg.db, pos[0]);
	return 0;
}
