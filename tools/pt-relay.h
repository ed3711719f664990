/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A byte relay between two connected stream sockets: what one side sends
 * the other receives, both ways at once, with half-close (end of file from
 * one side becomes shutdown(SHUT_WR) of the other while the other direction
 * keeps flowing). It works on the sockets' file descriptors, driven by one
 * GSource on the thread-default main context, and holds no buffer while no
 * bytes are in flight.
 *
 * The process must ignore SIGPIPE (a write to a closed peer would otherwise
 * kill it). */

typedef struct _PtRelay PtRelay;

typedef enum
{
  PT_RELAY_METHOD_DEFAULT, /* the measured best for this platform */
  PT_RELAY_METHOD_COPY,    /* read(2)/send(2) through a shared buffer */
  PT_RELAY_METHOD_SPLICE,  /* Linux: splice(2) socket -> pipe -> socket */
} PtRelayMethod;

typedef struct
{
  guint64 a_to_b;        /* bytes written to b */
  guint64 b_to_a;        /* bytes written to a */
  gint64  duration_us;   /* from pt_relay_start() to the end */
} PtRelayStats;

/* Called once, when both directions have ended (@error NULL), at the first
 * error on either side, or after pt_relay_cancel() (G_IO_ERROR_CANCELLED).
 * Both sockets are closed by then, and the relay is freed when it returns. */
typedef void (*PtRelayDoneFunc) (const PtRelayStats *stats,
                                 const GError       *error,
                                 gpointer            user_data);

/* Starts relaying between @a and @b (the relay keeps a reference to each
 * until it ends). The returned handle is only valid until @done has run. */
PtRelay      *pt_relay_start          (GSocketConnection *a,
                                       GSocketConnection *b,
                                       PtRelayDoneFunc    done,
                                       gpointer           user_data);

/* Ends the relay now: closes both sockets and calls its done function with
 * G_IO_ERROR_CANCELLED. */
void          pt_relay_cancel         (PtRelay           *relay);

/* The method later relays use (for measurements and tests). A relay falls
 * back to copying if splicing is refused for its sockets. */
void          pt_relay_set_method     (PtRelayMethod      method);
PtRelayMethod pt_relay_get_method     (void);

/* "copy" or "splice": the method in effect. */
const char   *pt_relay_method_to_string (PtRelayMethod    method);
gboolean      pt_relay_method_from_string (const char    *name,
                                           PtRelayMethod *method);

G_END_DECLS
