/* test_sdnotify: the datagram arrives whole on a path socket and on an abstract
 * socket, nothing is sent without NOTIFY_SOCKET, bad names are refused. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "sdnotify.h"
#include "status.h"
#include "tap.h"

/* A datagram socket bound to name ('@' = abstract), or -1. */
static int listen_on(const char *name)
{
	struct sockaddr_un sa;
	struct timeval tv = {2, 0};
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	if (bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void expect_datagram(int fd, const char *want, const char *what)
{
	char got[256];
	ssize_t n = recv(fd, got, sizeof(got) - 1, 0);

	CHECK(n == (ssize_t)strlen(want), "%s: %zd bytes", what, n);
	if (n >= 0) {
		got[n] = '\0';
		CHECK_STR(got, want, what);
	}
}

int main(void)
{
	char dir[] = "/tmp/italic-sdnotify-XXXXXX", path[128], abstract[64], big[200];
	int fd;

	CHECK(mkdtemp(dir) != NULL, "tmp dir");
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listen_on(path);
	CHECK(fd >= 0, "bound %s", path);
	CHECK(sdnotify_send(path, "READY=1\nSTATUS=Serving.") == IT_OK, "sent to a path");
	expect_datagram(fd, "READY=1\nSTATUS=Serving.", "path socket");
	close(fd);
	unlink(path);

	snprintf(abstract, sizeof(abstract), "@italic-test-notify-%d", (int)getpid());
	fd = listen_on(abstract);
	CHECK(fd >= 0, "bound %s", abstract);
	CHECK(sdnotify_send(abstract, "STOPPING=1") == IT_OK, "sent to an abstract socket");
	expect_datagram(fd, "STOPPING=1", "abstract socket");
	close(fd);

	CHECK(sdnotify_send(NULL, "READY=1") == IT_ENOTFOUND, "no NOTIFY_SOCKET: nothing to do");
	CHECK(sdnotify_send("", "READY=1") == IT_ENOTFOUND, "empty NOTIFY_SOCKET");
	CHECK(sdnotify_send("relative/notify", "READY=1") == IT_EINVAL, "neither a path nor abstract");
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	CHECK(sdnotify_send(big, "READY=1") == IT_EINVAL, "longer than sun_path");
	CHECK(sdnotify_send(path, "READY=1") == IT_EIO, "nobody listening: the send fails");
	rmdir(dir);
	return tap_done();
}
