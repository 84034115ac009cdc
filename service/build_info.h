/*
 * build_info.h: what this binary was built from, for `italic version` and the
 * italic_build_info metric. The commit is read from git when the build runs (meson's
 * vcs_tag, service/build_info.c.in); a build outside a git checkout says "unknown".
 */
#ifndef ITALIC_BUILD_INFO_H
#define ITALIC_BUILD_INFO_H

/* The project version from meson.build ("0.1.0"). */
extern const char italic_build_version[];
/* The abbreviated commit id (12 hex digits), with "-dirty" when the checkout had
 * uncommitted changes, or "unknown". */
extern const char italic_build_commit[];

#endif
