/*
 * sdnotify.h: readiness and stopping notices to systemd (Type=notify), without
 * libsystemd.
 *
 * The protocol is one datagram of "KEY=value" lines sent to the AF_UNIX socket named
 * by $NOTIFY_SOCKET (sd_notify(3)): a path ("/run/systemd/notify"), or an abstract
 * socket name written with a leading '@' (the '@' stands for the NUL byte that starts
 * an abstract address). Without $NOTIFY_SOCKET the service is not run by systemd (or
 * not with Type=notify) and nothing is sent. The caller passes the variable's value so
 * this module reads no environment itself.
 */
#ifndef ITALIC_SDNOTIFY_H
#define ITALIC_SDNOTIFY_H

#include "compiler.h"

/*
 * Sends state (e.g. "READY=1\nSTATUS=Serving on 127.0.0.1:8080") as one datagram to
 * socket_name. IT_ENOTFOUND when socket_name is NULL or empty (nothing to do),
 * IT_EINVAL for a name that is neither a path nor '@'-abstract or is too long for
 * sun_path, IT_EIO when the datagram cannot be sent whole.
 */
int sdnotify_send(const char *socket_name, const char *state) WARN_UNUSED;

#endif
