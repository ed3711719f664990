/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pt-accept-loop-private.h"

struct _PtAcceptLoop
{
  GSocketListener    *listener;
  GCancellable       *cancellable;
  GMainContext       *context;
  PtAcceptedFunc      accepted;
  PtAcceptFailedFunc  failed;
  gpointer            user_data;
  GSource            *retry;        /* atomic: a pending retry, or NULL */
  guint               delay_ms;     /* 0 while accepting works */
};

static void accept_next (PtAcceptLoop *loop);

/* The loop lives as long as an accept is in flight: stopping cancels it,
 * and the cancelled accept's callback lets go of the last reference. */
static PtAcceptLoop *
accept_loop_ref (PtAcceptLoop *loop)
{
  return g_atomic_rc_box_acquire (loop);
}

static void
accept_loop_clear (PtAcceptLoop *loop)
{
  g_clear_object (&loop->listener);
  g_clear_object (&loop->cancellable);
  g_clear_pointer (&loop->context, g_main_context_unref);
}

static void
accept_loop_unref (PtAcceptLoop *loop)
{
  g_atomic_rc_box_release_full (loop, (GDestroyNotify) accept_loop_clear);
}

/* The retry source holds a reference of its own and checks for a stop:
 * the loop may be stopped from another thread just as the source is made. */
static gboolean
on_retry (gpointer user_data)
{
  PtAcceptLoop *loop = user_data;
  GSource *retry = g_atomic_pointer_exchange (&loop->retry, NULL);

  if (retry != NULL)
    g_source_unref (retry);
  if (!g_cancellable_is_cancelled (loop->cancellable))
    accept_next (loop);
  return G_SOURCE_REMOVE;
}

static void
on_accepted (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  PtAcceptLoop *loop = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &error);
  if (g_cancellable_is_cancelled (loop->cancellable))
    {
      accept_loop_unref (loop);
      return;
    }

  if (connection != NULL)
    {
      loop->delay_ms = 0;
      loop->accepted (connection, loop->user_data);
      /* The callback may have stopped the loop. */
      if (!g_cancellable_is_cancelled (loop->cancellable))
        accept_next (loop);
      accept_loop_unref (loop);
      return;
    }

  if (loop->delay_ms == 0)
    {
      if (loop->failed != NULL)
        loop->failed (error, loop->user_data);
      else
        g_message ("Could not accept a connection: %s", error->message);
      loop->delay_ms = PT_ACCEPT_LOOP_FIRST_DELAY_MS;
    }
  else
    {
      loop->delay_ms = MIN (loop->delay_ms * 2, PT_ACCEPT_LOOP_MAX_DELAY_MS);
    }

  if (!g_cancellable_is_cancelled (loop->cancellable))
    {
      GSource *retry = g_timeout_source_new (loop->delay_ms);

      g_source_set_callback (retry, on_retry, accept_loop_ref (loop),
                             (GDestroyNotify) accept_loop_unref);
      g_source_set_static_name (retry, "[ptadapter] accept retry");
      g_source_attach (retry, loop->context);
      g_atomic_pointer_set (&loop->retry, retry);
    }
  accept_loop_unref (loop);
}

static void
accept_next (PtAcceptLoop *loop)
{
  g_main_context_push_thread_default (loop->context);
  g_socket_listener_accept_async (loop->listener, loop->cancellable, on_accepted,
                                  accept_loop_ref (loop));
  g_main_context_pop_thread_default (loop->context);
}

PtAcceptLoop *
_pt_accept_loop_start (GSocketListener    *listener,
                       PtAcceptedFunc      accepted,
                       PtAcceptFailedFunc  failed,
                       gpointer            user_data)
{
  PtAcceptLoop *loop = g_atomic_rc_box_new0 (PtAcceptLoop);

  loop->listener = g_object_ref (listener);
  loop->cancellable = g_cancellable_new ();
  loop->context = g_main_context_ref_thread_default ();
  loop->accepted = accepted;
  loop->failed = failed;
  loop->user_data = user_data;

  accept_next (loop);
  return loop;
}

void
_pt_accept_loop_stop (PtAcceptLoop *loop)
{
  GSource *retry;

  if (loop == NULL)
    return;

  g_cancellable_cancel (loop->cancellable);
  retry = g_atomic_pointer_exchange (&loop->retry, NULL);
  if (retry != NULL)
    {
      g_source_destroy (retry);
      g_source_unref (retry);
    }
  accept_loop_unref (loop);
}
