/* cmd_version.c: `italic version`. */
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/opensslv.h>
#include <sqlite3.h>
#include <stdio.h>

#include "commands.h"
#include "store_migrate.h"

#ifndef ITALIC_VERSION
#define ITALIC_VERSION "unknown"
#endif

int cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "italic version: takes no arguments\n");
		return 2;
	}
	printf("italic %s (schema %d; sqlite %s, libmicrohttpd %s, jansson %s, %s)\n", ITALIC_VERSION,
	       migrate_latest(italic_migrations), sqlite3_libversion(), MHD_get_version(), JANSSON_VERSION,
	       OPENSSL_VERSION_TEXT);
	return 0;
}
