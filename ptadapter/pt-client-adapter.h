/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(PT_INSIDE) && !defined(PT_COMPILATION)
# error "Only <ptadapter/ptadapter.h> can be included directly."
#endif

#include <gio/gio.h>
#include <ptadapter/pt-version-macros.h>
#include <ptadapter/pt-adapter.h>
#include <ptadapter/pt-client-transport.h>

G_BEGIN_DECLS

/**
 * PT_TYPE_CLIENT_ADAPTER:
 *
 * The #GType of #PtClientAdapter.
 */
#define PT_TYPE_CLIENT_ADAPTER (pt_client_adapter_get_type ())

PT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PtClientAdapter, pt_client_adapter, PT, CLIENT_ADAPTER, PtAdapter)

PT_AVAILABLE_IN_ALL
PtClientAdapter    *pt_client_adapter_new                (const char * const  *pt_exec,
                                                          const char          *state_location,
                                                          const char * const  *transports,
                                                          const char          *proxy_uri);
PT_AVAILABLE_IN_ALL
const char * const *pt_client_adapter_get_transports     (PtClientAdapter     *self);
PT_AVAILABLE_IN_ALL
const char         *pt_client_adapter_get_proxy_uri      (PtClientAdapter     *self);
PT_AVAILABLE_IN_ALL
guint               pt_client_adapter_get_connect_timeout (PtClientAdapter    *self);
PT_AVAILABLE_IN_ALL
void                pt_client_adapter_set_connect_timeout (PtClientAdapter    *self,
                                                          guint                timeout_ms);
PT_AVAILABLE_IN_ALL
PtClientTransport  *pt_client_adapter_get_transport      (PtClientAdapter     *self,
                                                          const char          *name,
                                                          GError             **error);
PT_AVAILABLE_IN_ALL
void                pt_client_adapter_connect_async      (PtClientAdapter     *self,
                                                          const char          *transport,
                                                          const char          *host,
                                                          guint16              port,
                                                          GHashTable          *args,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
PT_AVAILABLE_IN_ALL
GSocketConnection  *pt_client_adapter_connect_finish     (PtClientAdapter     *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);
PT_AVAILABLE_IN_ALL
GSocketConnection  *pt_client_adapter_connect            (PtClientAdapter     *self,
                                                          const char          *transport,
                                                          const char          *host,
                                                          guint16              port,
                                                          GHashTable          *args,
                                                          GCancellable        *cancellable,
                                                          GError             **error);

G_END_DECLS
