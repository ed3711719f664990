/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pt-ext-or-port-client-info.h"

G_BEGIN_DECLS

/* From the ExtORPort's TRANSPORT and USERADDR; either may be NULL. */
PtExtOrPortClientInfo *_pt_ext_or_port_client_info_new (const char         *transport,
                                                        GInetSocketAddress *user_address);

G_END_DECLS
