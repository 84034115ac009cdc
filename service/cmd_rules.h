/*
 * cmd_rules.h: `italic rules export|import` against the database.
 *
 *   italic rules export [--format italic|allowed-amis]
 *   italic rules import FILE [--dry-run] [--format italic|approved-amis-by-id|allowed-amis]
 *
 * export prints the document on stdout; for allowed-amis, the rules Allowed AMIs cannot
 * express are listed on stderr with the reason ("skipped rule X: ...").
 * import reads FILE ("-" = stdin; format detected unless given), prints the diff
 * ("+ id" / "~ id" / "- id") and a summary on stdout and, unless --dry-run, replaces the
 * stored rules with the file's in one audited transaction (actor recorded). Exemptions
 * in an Italic file are not imported (they carry their own creator and expiry; manage
 * them through /v1/exemptions); their count is reported on stderr.
 *
 * Exit status: 0 done, 1 runtime failure (bad file, database error), 2 usage error.
 */
#ifndef ITALIC_CMD_RULES_H
#define ITALIC_CMD_RULES_H

struct store;

/* argv[0] is "rules", argv[1] the action. s is an open, migrated store (borrowed);
 * actor names who acts in the audit log (e.g. "cli:$USER"). */
int cmd_rules(int argc, char **argv, struct store *s, const char *actor, const struct clock *clk);

#endif
