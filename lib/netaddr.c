/* netaddr.c: ITALIC_LISTEN parsing (see netaddr.h). */
#include "netaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "status.h"

int netaddr_parse(const char *s, struct netaddr *ret)
{
	struct netaddr a;
	const char *colon, *port_s;
	size_t hlen;
	uint64_t port;

	if (!s)
		return IT_EINVAL;
	memset(&a, 0, sizeof(a));
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':')
			return IT_EINVAL;
		hlen = (size_t)(end - s - 1);
		port_s = end + 2;
		if (hlen == 0 || hlen >= sizeof(a.host))
			return IT_EINVAL;
		memcpy(a.host, s + 1, hlen);
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)   /* one colon: IPv6 needs brackets */
			return IT_EINVAL;
		hlen = (size_t)(colon - s);
		port_s = colon + 1;
		if (hlen == 0 || hlen >= sizeof(a.host))
			return IT_EINVAL;
		memcpy(a.host, s, hlen);
	}
	a.host[hlen] = '\0';
	if (parse_u64(port_s, 1, 65535, &port))
		return IT_EINVAL;
	a.port = (uint16_t)port;
	if (s[0] == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&a.ss;
		if (inet_pton(AF_INET6, a.host, &a6->sin6_addr) != 1)
			return IT_EINVAL;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(a.port);
		a.len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&a.ss;
		const char *h = strcmp(a.host, "localhost") == 0 ? "127.0.0.1" : a.host;
		if (inet_pton(AF_INET, h, &a4->sin_addr) != 1)
			return IT_EINVAL;
		a4->sin_family = AF_INET;
		a4->sin_port = htons(a.port);
		a.len = sizeof(*a4);
	}
	*ret = a;
	return IT_OK;
}

int netaddr_client_url(const struct netaddr *a, int tls, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN];
	int n;

	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&a->ss;
		if (IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr))
			snprintf(host, sizeof(host), "::1");
		else if (!inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host)))
			return IT_EINVAL;
		n = snprintf(out, outlen, "%s://[%s]:%u", tls ? "https" : "http", host, (unsigned)a->port);
	} else {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)&a->ss;
		if (a4->sin_addr.s_addr == htonl(INADDR_ANY))
			snprintf(host, sizeof(host), "127.0.0.1");
		else if (!inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host)))
			return IT_EINVAL;
		n = snprintf(out, outlen, "%s://%s:%u", tls ? "https" : "http", host, (unsigned)a->port);
	}
	return n < 0 || (size_t)n >= outlen ? IT_ETOOBIG : IT_OK;
}
