/*
 * cmd_evaluate.h: `italic evaluate`, an offline verdict through the same policy code as
 * the server.
 *
 *   italic evaluate --rules FILE --image FILE [--account ID] [--region R]
 *                   [--instance-id ID] [--instance-tags FILE] [--now RFC3339]
 *
 * --rules: any import format of lib/rule_import.h (detected): Italic JSON (rules and
 *   exemptions), an approved-amis-by-id list, or Allowed AMIs ImageCriteria.
 * --image: the image facts JSON of lib/image_facts.h (the body of
 *   PUT /v1/images/{region}/{image_id}).
 * --instance-tags: a JSON object of instance tags {"Key": "Value"} (exemption scope).
 * --now: evaluate at that instant instead of the system clock.
 *
 * Prints the verdict JSON (verdict_to_json plus "image_id" and "facts_source") on
 * stdout. Exit status: 0 verdict printed, 1 runtime failure (unreadable or invalid
 * file; message on stderr naming the field), 2 usage error.
 */
#ifndef ITALIC_CMD_EVALUATE_H
#define ITALIC_CMD_EVALUATE_H

/* argv[0] is "evaluate"; the options follow. */
int cmd_evaluate(int argc, char **argv, const struct clock *clk);

/* Reads a whole file ("-" = stdin) of at most max bytes into a new NUL-terminated
 * buffer; 0 on success, -1 with a message on stderr otherwise. Shared by cmd_rules. */
int cmd_read_file(const char *path, size_t max, char **ret, size_t *ret_len);

#endif
