/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(PT_INSIDE) && !defined(PT_COMPILATION)
# error "Only <ptadapter/ptadapter.h> can be included directly."
#endif

#include <gio/gio.h>
#include <ptadapter/pt-version-macros.h>

G_BEGIN_DECLS

#define PT_TYPE_BRIDGE_LINE (pt_bridge_line_get_type ())

/**
 * PtBridgeLine:
 *
 * An immutable, reference-counted Tor bridge line. Its fields are private;
 * use the accessor functions.
 */
typedef struct _PtBridgeLine PtBridgeLine;

PT_AVAILABLE_IN_ALL
GType         pt_bridge_line_get_type        (void) G_GNUC_CONST;

PT_AVAILABLE_IN_ALL
PtBridgeLine *pt_bridge_line_parse           (const char    *line,
                                              GError       **error);
PT_AVAILABLE_IN_ALL
PtBridgeLine *pt_bridge_line_new             (const char    *transport,
                                              const char    *host,
                                              guint16        port,
                                              const char    *fingerprint,
                                              GHashTable    *args,
                                              GError       **error);

PT_AVAILABLE_IN_ALL
PtBridgeLine *pt_bridge_line_ref             (PtBridgeLine  *self);
PT_AVAILABLE_IN_ALL
void          pt_bridge_line_unref           (PtBridgeLine  *self);

PT_AVAILABLE_IN_ALL
const char   *pt_bridge_line_get_transport   (PtBridgeLine  *self);
PT_AVAILABLE_IN_ALL
const char   *pt_bridge_line_get_host        (PtBridgeLine  *self);
PT_AVAILABLE_IN_ALL
guint16       pt_bridge_line_get_port        (PtBridgeLine  *self);
PT_AVAILABLE_IN_ALL
const char   *pt_bridge_line_get_fingerprint (PtBridgeLine  *self);
PT_AVAILABLE_IN_ALL
GHashTable   *pt_bridge_line_dup_args        (PtBridgeLine  *self);
PT_AVAILABLE_IN_ALL
char         *pt_bridge_line_to_string       (PtBridgeLine  *self);
PT_AVAILABLE_IN_ALL
gboolean      pt_bridge_line_equal           (PtBridgeLine  *a,
                                              PtBridgeLine  *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtBridgeLine, pt_bridge_line_unref)

G_END_DECLS
