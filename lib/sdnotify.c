/* sdnotify.c: the sd_notify datagram (see sdnotify.h). */
#include "sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "status.h"

int sdnotify_send(const char *socket_name, const char *state)
{
	struct sockaddr_un sa;
	size_t n, len;
	socklen_t salen;
	ssize_t sent;
	int fd, rc = IT_OK;

	if (!socket_name || !*socket_name)
		return IT_ENOTFOUND;
	if (socket_name[0] != '/' && socket_name[0] != '@')
		return IT_EINVAL;
	n = strlen(socket_name);
	if (n > sizeof(sa.sun_path) || (socket_name[0] == '/' && n == sizeof(sa.sun_path)))
		return IT_EINVAL;   /* a path needs room for its NUL; an abstract name does not */
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, socket_name, n);
	if (socket_name[0] == '@')
		sa.sun_path[0] = '\0';
	/* An abstract address is exactly as long as its name; a path may carry its NUL. */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (socket_name[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return IT_EIO;
	len = strlen(state);
	do
		sent = sendto(fd, state, len, MSG_NOSIGNAL, (const struct sockaddr *)&sa, salen);
	while (sent < 0 && errno == EINTR);
	if (sent < 0 || (size_t)sent != len)
		rc = IT_EIO;
	close(fd);
	return rc;
}
