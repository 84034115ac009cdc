/*
 * netaddr.h: the listen address of ITALIC_LISTEN, parsed once for the server and for
 * `italic healthcheck`, so both read it the same way.
 *
 * Accepted: "A.B.C.D:PORT", "[IPv6]:PORT" and "localhost:PORT" (127.0.0.1). Hosts are
 * numeric (no name lookups at start), ports 1..65535 (0 would pick a random port no
 * client could know). Anything else is IT_EINVAL. For a client, a wildcard host
 * (0.0.0.0, [::]) means the loopback address of the same family.
 */
#ifndef ITALIC_NETADDR_H
#define ITALIC_NETADDR_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "compiler.h"

#define NETADDR_HOST_MAX 64   /* an IPv6 literal is at most 45 characters */

struct netaddr {
	struct sockaddr_storage ss;    /* AF_INET or AF_INET6, port set */
	socklen_t len;
	uint16_t port;
	char host[NETADDR_HOST_MAX];   /* the numeric host as written, without brackets */
};

/* Parses s; *ret is written only on success. */
int netaddr_parse(const char *s, struct netaddr *ret) WARN_UNUSED;

/* "http(s)://HOST:PORT" for a client on this machine: the host of a (wildcard
 * replaced by loopback, IPv6 in brackets). IT_ETOOBIG when out is too small. */
int netaddr_client_url(const struct netaddr *a, int tls, char *out, size_t outlen) WARN_UNUSED;

#endif
