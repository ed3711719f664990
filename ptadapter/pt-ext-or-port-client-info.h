/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(PT_INSIDE) && !defined(PT_COMPILATION)
# error "Only <ptadapter/ptadapter.h> can be included directly."
#endif

#include <gio/gio.h>
#include <ptadapter/pt-version-macros.h>

G_BEGIN_DECLS

/**
 * PT_TYPE_EXT_OR_PORT_CLIENT_INFO:
 *
 * The #GType of #PtExtOrPortClientInfo.
 */
#define PT_TYPE_EXT_OR_PORT_CLIENT_INFO (pt_ext_or_port_client_info_get_type ())

PT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PtExtOrPortClientInfo, pt_ext_or_port_client_info, PT, EXT_OR_PORT_CLIENT_INFO, GObject)

PT_AVAILABLE_IN_ALL
const char   *pt_ext_or_port_client_info_get_transport (PtExtOrPortClientInfo *self);
PT_AVAILABLE_IN_ALL
GInetAddress *pt_ext_or_port_client_info_get_address   (PtExtOrPortClientInfo *self);
PT_AVAILABLE_IN_ALL
guint16       pt_ext_or_port_client_info_get_port      (PtExtOrPortClientInfo *self);

G_END_DECLS
