/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The service manager's notification protocol without libsystemd: sends
 * @state (such as "READY=1") as one datagram to the AF_UNIX socket named by
 * $NOTIFY_SOCKET (a path, or an abstract name when it starts with '@').
 * Returns TRUE when the datagram was sent or there is no such variable;
 * FALSE with @error set when it could not be sent. */
gboolean pt_sd_notify (const char  *state,
                       GError     **error);

G_END_DECLS
