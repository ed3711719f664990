/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pt-ext-or-port-client-info.h"

G_BEGIN_DECLS

/*
 * One connection to the Extended ORPort, from accept to the reply: drives
 * the pure PtExtOrPortServer with the connection's streams, asks the owner
 * (the PtExtServerAdapter) for a decision, writes OKAY or DENY, and hands an
 * accepted connection over. Runs on the owner's main context: its I/O, its
 * timeout and its callbacks.
 */

typedef struct _PtExtOrPortHandshake PtExtOrPortHandshake;
typedef struct _PtExtOrPortRequest PtExtOrPortRequest;

typedef struct
{
  /* Emits preconnect: TRUE if a handler took charge of the decision. */
  gboolean (*preconnect) (gpointer               owner,
                          PtExtOrPortRequest    *request);
  /* Emits client-connected, after OKAY was written. */
  void     (*connected)  (gpointer               owner,
                          GIOStream             *stream,
                          PtExtOrPortClientInfo *info);
  /* The handshake is over: the connection was handed over or closed. The
   * owner drops its reference. */
  void     (*finished)   (gpointer               owner,
                          PtExtOrPortHandshake  *handshake);
} PtExtOrPortHandshakeCallbacks;

/* @cookie: PT_EXT_OR_PORT_COOKIE_LENGTH bytes, copied. @timeout_ms: the time
 * from now until the reply is written, after which the connection is
 * closed. Nothing happens until _pt_ext_or_port_handshake_start(). Fails
 * only if no random nonce can be had. */
PtExtOrPortHandshake *_pt_ext_or_port_handshake_new    (GMainContext                        *context,
                                                        GSocketConnection                   *connection,
                                                        const guint8                        *cookie,
                                                        guint                                timeout_ms,
                                                        const PtExtOrPortHandshakeCallbacks *callbacks,
                                                        gpointer                             owner,
                                                        GError                             **error);
void                  _pt_ext_or_port_handshake_start  (PtExtOrPortHandshake                *self);
PtExtOrPortHandshake *_pt_ext_or_port_handshake_ref    (PtExtOrPortHandshake                *self);
void                  _pt_ext_or_port_handshake_unref  (PtExtOrPortHandshake                *self);

/* The owner is going away: closes the connection (a pending decision
 * becomes DENY) and calls no callback any more. */
void                  _pt_ext_or_port_handshake_close  (PtExtOrPortHandshake                *self);

/* The application's decision (from any thread). Only the first decision
 * counts, and none after the handshake timed out or was closed. */
void                  _pt_ext_or_port_handshake_decide (PtExtOrPortHandshake                *self,
                                                        gboolean                             accept);

/* Fills @buffer with @length bytes from getrandom(2). */
gboolean              _pt_random_bytes                 (guint8                              *buffer,
                                                        gsize                                length,
                                                        GError                             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtExtOrPortHandshake, _pt_ext_or_port_handshake_unref)

G_END_DECLS
