/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(PT_INSIDE) && !defined(PT_COMPILATION)
# error "Only <ptadapter/ptadapter.h> can be included directly."
#endif

#include <gio/gio.h>
#include <ptadapter/pt-version-macros.h>

G_BEGIN_DECLS

/**
 * PT_TYPE_CLIENT_TRANSPORT:
 *
 * The #GType of #PtClientTransport.
 */
#define PT_TYPE_CLIENT_TRANSPORT (pt_client_transport_get_type ())

PT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PtClientTransport, pt_client_transport, PT, CLIENT_TRANSPORT, GObject)

PT_AVAILABLE_IN_ALL
const char         *pt_client_transport_get_name    (PtClientTransport *self);
PT_AVAILABLE_IN_ALL
const char         *pt_client_transport_get_scheme  (PtClientTransport *self);
PT_AVAILABLE_IN_ALL
GInetSocketAddress *pt_client_transport_get_address (PtClientTransport *self);

G_END_DECLS
