/* embedded.h: files compiled into the binary by scripts/embed.py. */
#ifndef ITALIC_EMBEDDED_H
#define ITALIC_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name;   /* base name, e.g. "0001_init.sql" */
	const char *data;   /* NUL-terminated contents */
	size_t len;
};

#endif
