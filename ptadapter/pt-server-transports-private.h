/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pt-adapter.h"
#include "pt-message-private.h"

G_BEGIN_DECLS

/*
 * The transports a server adapter asks its PT for, shared by
 * #PtServerAdapter and #PtExtServerAdapter: what add_transport() checks and
 * records, the TOR_PT_SERVER_* variables built from it at start, and the
 * #PtServerTransport made from each SMETHOD.
 */

typedef struct _PtServerTransports PtServerTransports;

PtServerTransports *_pt_server_transports_new            (void);
void                _pt_server_transports_free           (PtServerTransports  *self);

/* Records a transport for @adapter's next start. Errors:
 * PT_ERROR_INVALID_STATE when @adapter is not new, stopped or failed;
 * PT_ERROR_INVALID_ARGUMENT for an invalid name, a name already added, or
 * an option whose key is empty or whose key or value is not UTF-8.
 * @bind_address NULL means 127.0.0.1:0. */
gboolean            _pt_server_transports_add            (PtServerTransports  *self,
                                                          PtAdapter           *adapter,
                                                          const char          *name,
                                                          GInetSocketAddress  *bind_address,
                                                          GHashTable          *options,
                                                          GError             **error);

/* The names, in the order they were added (never NULL). */
const char * const *_pt_server_transports_get_names      (PtServerTransports  *self);

/* Appends TOR_PT_SERVER_TRANSPORTS, TOR_PT_SERVER_BINDADDR and, when some
 * transport has options, TOR_PT_SERVER_TRANSPORT_OPTIONS. Fails with
 * PT_ERROR_INVALID_ARGUMENT when no transport was added. */
gboolean            _pt_server_transports_prepare        (PtServerTransports  *self,
                                                          GPtrArray           *environment,
                                                          GError             **error);

/* A #PtServerTransport for an SMETHOD message. */
GObject            *_pt_server_transports_create_transport (const PtMessage   *answer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtServerTransports, _pt_server_transports_free)

G_END_DECLS
