/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(PT_INSIDE) && !defined(PT_COMPILATION)
# error "Only <ptadapter/ptadapter.h> can be included directly."
#endif

#include <gio/gio.h>
#include <ptadapter/pt-version-macros.h>
#include <ptadapter/pt-ext-or-port-client-info.h>

G_BEGIN_DECLS

/**
 * PT_TYPE_EXT_OR_PORT_REQUEST:
 *
 * The #GType of #PtExtOrPortRequest.
 */
#define PT_TYPE_EXT_OR_PORT_REQUEST (pt_ext_or_port_request_get_type ())

PT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PtExtOrPortRequest, pt_ext_or_port_request, PT, EXT_OR_PORT_REQUEST, GObject)

PT_AVAILABLE_IN_ALL
PtExtOrPortClientInfo *pt_ext_or_port_request_get_info (PtExtOrPortRequest *self);
PT_AVAILABLE_IN_ALL
void                   pt_ext_or_port_request_accept   (PtExtOrPortRequest *self);
PT_AVAILABLE_IN_ALL
void                   pt_ext_or_port_request_deny     (PtExtOrPortRequest *self);

G_END_DECLS
