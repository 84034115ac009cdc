/*
 * store_migrate.h: brings a database's schema up to the one this binary was built with.
 *
 * Migrations are the files migrations/NNNN_name.sql, embedded at build time. Each one
 * not yet recorded in schema_migrations is applied, in order of NNNN, in its own
 * transaction together with its record, so a failing migration leaves the database
 * exactly as it was. A database that records a version this binary does not carry is
 * refused (IT_ESCHEMA): an older binary must never write into a newer schema.
 */
#ifndef ITALIC_STORE_MIGRATE_H
#define ITALIC_STORE_MIGRATE_H

#include <stddef.h>

#include "compiler.h"
#include "embedded.h"
#include "store.h"

/* The migrations compiled into this binary (NULL-name terminated, sorted by name). */
extern const struct embedded_file italic_migrations[];

/* Highest version among migrations (0 when there are none). */
int migrate_latest(const struct embedded_file *migrations);

/* Current schema version of the database (0 for a fresh one). */
int store_schema_version(struct store *s, int *ret_version) WARN_UNUSED;

/*
 * Applies every migration newer than the database's version. *ret_applied (optional)
 * gets how many were applied. Errors: IT_ESCHEMA (database newer than the binary;
 * nothing changed), IT_EDB (a migration failed; it was rolled back and errbuf names it).
 */
int store_migrate(struct store *s, const struct embedded_file *migrations, int *ret_applied,
		  char *errbuf, size_t errlen) WARN_UNUSED;

#endif
