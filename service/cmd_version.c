/* cmd_version.c: `italic version`. */
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/opensslv.h>
#include <sqlite3.h>
#include <stdio.h>

#include "build_info.h"
#include "commands.h"
#include "store_migrate.h"

int cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "italic version: takes no arguments\n");
		return 2;
	}
	printf("italic %s (schema %d; commit %s; sqlite %s, libmicrohttpd %s, jansson %s, %s)\n",
	       italic_build_version, migrate_latest(italic_migrations), italic_build_commit,
	       sqlite3_libversion(), MHD_get_version(), JANSSON_VERSION, OPENSSL_VERSION_TEXT);
	return 0;
}
