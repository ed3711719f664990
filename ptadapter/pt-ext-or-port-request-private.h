/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pt-ext-or-port-handshake-private.h"
#include "pt-ext-or-port-request.h"

G_BEGIN_DECLS

/* The request for the client of @handshake (a reference is taken): its
 * decision goes to _pt_ext_or_port_handshake_decide(). */
PtExtOrPortRequest *_pt_ext_or_port_request_new (PtExtOrPortClientInfo *info,
                                                 PtExtOrPortHandshake  *handshake);

G_END_DECLS
