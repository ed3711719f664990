/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pt-server-transport.h"

G_BEGIN_DECLS

/* @args: the decoded ARGS: option (utf8 -> utf8), copied; NULL for none. */
PtServerTransport *_pt_server_transport_new (const char         *name,
                                             GInetSocketAddress *address,
                                             const char         *options,
                                             GHashTable         *args);

G_END_DECLS
