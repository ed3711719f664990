/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(PT_INSIDE) && !defined(PT_COMPILATION)
# error "Only <ptadapter/ptadapter.h> can be included directly."
#endif

#include <gio/gio.h>
#include <ptadapter/pt-version-macros.h>

G_BEGIN_DECLS

/**
 * PT_TYPE_SERVER_TRANSPORT:
 *
 * The #GType of #PtServerTransport.
 */
#define PT_TYPE_SERVER_TRANSPORT (pt_server_transport_get_type ())

PT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PtServerTransport, pt_server_transport, PT, SERVER_TRANSPORT, GObject)

PT_AVAILABLE_IN_ALL
const char         *pt_server_transport_get_name    (PtServerTransport *self);
PT_AVAILABLE_IN_ALL
GInetSocketAddress *pt_server_transport_get_address (PtServerTransport *self);
PT_AVAILABLE_IN_ALL
const char         *pt_server_transport_get_options (PtServerTransport *self);
PT_AVAILABLE_IN_ALL
GHashTable         *pt_server_transport_dup_args    (PtServerTransport *self);

G_END_DECLS
