/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Accepts connections on a GSocketListener, the way GSocketService does,
 * but survives a failing accept(2). GSocketService retries at once and logs
 * a warning each time, so running out of descriptors (EMFILE, ENFILE) turns
 * into a busy loop that floods the log until some close. Here a failure
 * waits, starting at PT_ACCEPT_LOOP_FIRST_DELAY_MS and doubling up to
 * PT_ACCEPT_LOOP_MAX_DELAY_MS, and @failed is called once for each run of
 * failures; the next accepted connection ends it. */

#define PT_ACCEPT_LOOP_FIRST_DELAY_MS 10
#define PT_ACCEPT_LOOP_MAX_DELAY_MS   1000

typedef struct _PtAcceptLoop PtAcceptLoop;

/* Called with a new connection, which it takes a reference to if it keeps it. */
typedef void (*PtAcceptedFunc) (GSocketConnection *connection,
                                gpointer           user_data);
/* Called when accepting starts failing: @error says why. */
typedef void (*PtAcceptFailedFunc) (const GError *error,
                                    gpointer      user_data);

/* Starts accepting at once, in the thread-default main context, where the
 * callbacks run. @failed may be NULL: the failure is then logged with
 * g_message(). */
PtAcceptLoop *_pt_accept_loop_start (GSocketListener    *listener,
                                     PtAcceptedFunc      accepted,
                                     PtAcceptFailedFunc  failed,
                                     gpointer            user_data);
/* Stops accepting; no callback runs after it. The listener stays open. */
void          _pt_accept_loop_stop  (PtAcceptLoop       *loop);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtAcceptLoop, _pt_accept_loop_stop)

G_END_DECLS
