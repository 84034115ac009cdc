/* commands.h: the subcommands of the italic binary; each returns the exit status
 * (0 ok, 1 runtime failure, 2 usage error). argv starts after the subcommand word. */
#ifndef ITALIC_COMMANDS_H
#define ITALIC_COMMANDS_H

#include "clock.h"
#include "config.h"
#include "log.h"
#include "store.h"

/* clk: the real clock, made by main.c (borrowed for the command's life). */
int cmd_serve(int argc, char **argv, const struct clock *clk);
int cmd_migrate(int argc, char **argv);
int cmd_token(int argc, char **argv, const struct clock *clk);
int cmd_version(int argc, char **argv);
int cmd_backup(int argc, char **argv, const struct clock *clk);
int cmd_healthcheck(int argc, char **argv);

/* Opens cfg->db (creating it) and migrates it; on failure prints the reason on stderr
 * and returns nonzero (IT_ESCHEMA for a database newer than this binary). */
int open_and_migrate(const struct config *cfg, struct store **ret);

#endif
