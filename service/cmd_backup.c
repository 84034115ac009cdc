/*
 * cmd_backup.c: `italic backup [--db PATH] [--force] DEST`: a consistent copy of the
 * live database, taken with SQLite's online backup API while the service keeps
 * serving and writing (store_backup_copy reads one snapshot in small steps).
 *
 * The copy is written beside DEST, stamped with its snapshot time (store_snapshot.h:
 * a lower bound, taken just before the copy's read snapshot starts) and linked into
 * place only when complete and stamped. An existing DEST is refused unless --force;
 * DEST may never be the database itself.
 *
 * `italic backup --info FILE` prints the stamp of a copy: the time to replay the
 * Custom Event Bus from after restoring it (docs/aws-quickstart.md section 11).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "parse.h"
#include "status.h"
#include "store_backup.h"
#include "store_snapshot.h"

#define BACKUP_STEP_PAGES 256   /* 1 MiB at 4 KiB pages: the writer's lock is never held long */
#define BACKUP_PAUSE_MS 1

static const char *const backup_settings[] = {"db", NULL};

static const struct cli_opt backup_opts[] = {
	{"force", 0, "--force            replace DEST if it exists"},
	{"info", 0, "--info             print the snapshot time recorded in the copy DEST"},
};

struct backup_flags {
	int force;
	int info;
};

static int on_opt(void *ctx, const char *name, const char *value, char *err, size_t errlen)
{
	struct backup_flags *f = ctx;
	(void)value;
	(void)err;
	(void)errlen;
	if (strcmp(name, "force") == 0)
		f->force = 1;
	else if (strcmp(name, "info") == 0)
		f->info = 1;
	return 0;
}

/* `italic backup --info FILE`: the stamp, one "key: value" line each. */
static int print_info(const char *path)
{
	struct snapshot_info si;
	char snap[IT_TIME_BUF], written[IT_TIME_BUF];
	int rc = store_snapshot_info(path, &si);

	if (rc == IT_ENOTFOUND) {
		fprintf(stderr, "italic backup: %s records no snapshot time (not a copy made by italic backup, "
				"or made by a release before it recorded one)\n", path);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "italic backup: %s cannot be read as a database\n", path);
		return 1;
	}
	printf("snapshot_at: %s\n", format_time_s(si.snapshot_ms, snap));
	printf("snapshot_at_ms: %lld\n", (long long)si.snapshot_ms);
	printf("written_at: %s\n", format_time_s(si.written_ms, written));
	printf("schema_version: %d\n", si.schema_version);
	return 0;
}

int cmd_backup(int argc, char **argv, const struct clock *clk)
{
	struct backup_flags flags = {0, 0};
	struct cli_spec spec = {
		.usage = "italic backup [--db PATH] [--force] DEST\n"
			 "italic backup --info FILE\n\n"
			 "Writes a consistent copy of the database to DEST while the service runs\n"
			 "(SQLite online backup) and records its snapshot time in the copy: every event\n"
			 "Italic committed before that time is in it. Restore: stop the service, copy\n"
			 "DEST over ITALIC_DB, remove ITALIC_DB-wal and ITALIC_DB-shm, start the service,\n"
			 "then replay the Custom Event Bus from the snapshot time (--info prints it).",
		.settings = backup_settings,
		.opts = backup_opts,
		.nopts = sizeof(backup_opts) / sizeof(backup_opts[0]),
		.max_positional = 1,
		.on_opt = on_opt,
		.ctx = &flags,
	};
	struct config cfg;
	struct store *s = NULL;
	struct stat a, b;
	char *pos[1] = {NULL}, err[512], tmp[4096 + 16];
	int exit_status = 0, force;
	size_t npos = 0;
	int64_t snapshot_ms;
	int rc;

	config_defaults(&cfg);
	if (!cli_start(&spec, "backup", argc, argv, &cfg, pos, &npos, &exit_status))
		return exit_status;
	force = flags.force;
	if (npos != 1 || !pos[0][0])
		return cli_usage_error("backup", flags.info ? "FILE is required" : "DEST is required");
	if (flags.info) {
		if (force)
			return cli_usage_error("backup", "--info takes no --force");
		return print_info(pos[0]);
	}
	if (snprintf(tmp, sizeof(tmp), "%s.unstamped", pos[0]) >= (int)sizeof(tmp))
		return cli_usage_error("backup", "DEST is too long");
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
	/* Read before the copy's snapshot starts: everything committed before it is in. */
	snapshot_ms = clock_now_ms(clk);
	(void)unlink(tmp);   /* left by an interrupted run */
	rc = store_backup_copy(s, tmp, BACKUP_STEP_PAGES, BACKUP_PAUSE_MS);
	store_close(s);
	if (rc == IT_OK)
		rc = store_snapshot_stamp(tmp, snapshot_ms, clock_now_ms(clk));
	if (rc == IT_OK && link(tmp, pos[0]) != 0)
		rc = errno == EEXIST ? IT_EEXIST : errno == ENOSPC ? IT_EFULL : IT_EIO;
	(void)unlink(tmp);
	if (rc) {
		fprintf(stderr, "italic backup: %s: %s\n", pos[0],
			rc == IT_EEXIST ? "exists (use --force to replace it)"
			: rc == IT_EDB	? "the copy could not be stamped (run italic migrate on the database first)"
					: status_str(rc));
		return 1;
	}
	{
		char when[IT_TIME_BUF];
		printf("backup of %s written to %s (snapshot_at %s)\n", cfg.db, pos[0], format_time_s(snapshot_ms, when));
	}
	return 0;
}
