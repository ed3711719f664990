/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(PT_INSIDE) && !defined(PT_COMPILATION)
# error "Only <ptadapter/ptadapter.h> can be included directly."
#endif

#include <gio/gio.h>
#include <ptadapter/pt-version-macros.h>
#include <ptadapter/pt-adapter.h>
#include <ptadapter/pt-server-transport.h>

G_BEGIN_DECLS

/**
 * PT_TYPE_SERVER_ADAPTER:
 *
 * The #GType of #PtServerAdapter.
 */
#define PT_TYPE_SERVER_ADAPTER (pt_server_adapter_get_type ())

PT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PtServerAdapter, pt_server_adapter, PT, SERVER_ADAPTER, PtAdapter)

PT_AVAILABLE_IN_ALL
PtServerAdapter    *pt_server_adapter_new                 (const char * const  *pt_exec,
                                                           const char          *state_location,
                                                           GInetSocketAddress  *forward_address);
PT_AVAILABLE_IN_ALL
GInetSocketAddress *pt_server_adapter_get_forward_address (PtServerAdapter     *self);
PT_AVAILABLE_IN_ALL
gboolean            pt_server_adapter_add_transport       (PtServerAdapter     *self,
                                                           const char          *name,
                                                           GInetSocketAddress  *bind_address,
                                                           GHashTable          *options,
                                                           GError             **error);
PT_AVAILABLE_IN_ALL
PtServerTransport  *pt_server_adapter_get_transport       (PtServerAdapter     *self,
                                                           const char          *name,
                                                           GError             **error);

G_END_DECLS
