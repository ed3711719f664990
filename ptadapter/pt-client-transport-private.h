/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pt-client-transport.h"

G_BEGIN_DECLS

PtClientTransport *_pt_client_transport_new (const char         *name,
                                             const char         *scheme,
                                             GInetSocketAddress *address);

G_END_DECLS
