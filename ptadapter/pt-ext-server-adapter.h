/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(PT_INSIDE) && !defined(PT_COMPILATION)
# error "Only <ptadapter/ptadapter.h> can be included directly."
#endif

#include <gio/gio.h>
#include <ptadapter/pt-version-macros.h>
#include <ptadapter/pt-adapter.h>
#include <ptadapter/pt-ext-or-port-client-info.h>
#include <ptadapter/pt-ext-or-port-request.h>
#include <ptadapter/pt-server-transport.h>

G_BEGIN_DECLS

/**
 * PT_TYPE_EXT_SERVER_ADAPTER:
 *
 * The #GType of #PtExtServerAdapter.
 */
#define PT_TYPE_EXT_SERVER_ADAPTER (pt_ext_server_adapter_get_type ())

PT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PtExtServerAdapter, pt_ext_server_adapter, PT, EXT_SERVER_ADAPTER, PtAdapter)

PT_AVAILABLE_IN_ALL
PtExtServerAdapter *pt_ext_server_adapter_new                     (const char * const  *pt_exec,
                                                                   const char          *state_location);
PT_AVAILABLE_IN_ALL
GInetSocketAddress *pt_ext_server_adapter_get_ext_or_port_address (PtExtServerAdapter  *self);
PT_AVAILABLE_IN_ALL
void                pt_ext_server_adapter_set_ext_or_port_address (PtExtServerAdapter  *self,
                                                                   GInetSocketAddress  *address);
PT_AVAILABLE_IN_ALL
const char         *pt_ext_server_adapter_get_auth_cookie_file    (PtExtServerAdapter  *self);
PT_AVAILABLE_IN_ALL
void                pt_ext_server_adapter_set_auth_cookie_file    (PtExtServerAdapter  *self,
                                                                   const char          *path);
PT_AVAILABLE_IN_ALL
guint               pt_ext_server_adapter_get_handshake_timeout   (PtExtServerAdapter  *self);
PT_AVAILABLE_IN_ALL
void                pt_ext_server_adapter_set_handshake_timeout   (PtExtServerAdapter  *self,
                                                                   guint                timeout_ms);
PT_AVAILABLE_IN_ALL
gboolean            pt_ext_server_adapter_add_transport           (PtExtServerAdapter  *self,
                                                                   const char          *name,
                                                                   GInetSocketAddress  *bind_address,
                                                                   GHashTable          *options,
                                                                   GError             **error);
PT_AVAILABLE_IN_ALL
PtServerTransport  *pt_ext_server_adapter_get_transport           (PtExtServerAdapter  *self,
                                                                   const char          *name,
                                                                   GError             **error);

G_END_DECLS
