/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <sys/random.h>
#include <glib/gi18n-lib.h>

#include "pt-error.h"
#include "pt-ext-or-port-client-info-private.h"
#include "pt-ext-or-port-handshake-private.h"
#include "pt-ext-or-port-private.h"
#include "pt-ext-or-port-request-private.h"
#include "pt-util-private.h"

/*
 * Reading: the socket is only ever asked for as many bytes as the state
 * machine still needs for the field it is reading
 * (_pt_ext_or_port_server_get_bytes_wanted()). So nothing past DONE is ever
 * read: the client's first payload byte is still in the socket when the
 * connection is handed to the application, which reads the stream from
 * there, with no prefix buffer to replay and nothing lost or read twice.
 * The cost is a few more, smaller reads during the handshake.
 *
 * The handshake alternates: everything the state machine outputs is
 * written before the next read. A peer that errs gets whatever the state
 * machine answered (a failed authentication gets its status byte) and is
 * closed; the reason goes to the debug log and nowhere else.
 */

/* Larger than any field the state machine asks for at once is fine too:
 * a longer field is read in several parts. */
#define READ_BUFFER_SIZE 4096

typedef enum
{
  PHASE_NEW,
  PHASE_AUTH,       /* authentication and commands, up to DONE */
  PHASE_DECIDING,   /* preconnect emitted; waiting for the decision */
  PHASE_REPLYING,   /* writing OKAY or DENY */
  PHASE_OVER,       /* handed over or closed */
} Phase;

typedef enum
{
  DECISION_NONE,
  DECISION_ACCEPT,
  DECISION_DENY,
} Decision;

struct _PtExtOrPortHandshake
{
  gatomicrefcount                      ref_count;
  GMainContext                        *context;

  GSocketConnection                   *connection;
  GCancellable                        *cancellable;
  GSource                             *timeout_source;
  guint                                timeout_ms;

  PtExtOrPortServer                   *server;
  GByteArray                          *output;
  guint8                               buffer[READ_BUFFER_SIZE];

  Phase                                phase;
  gboolean                             emitting;
  PtExtOrPortClientInfo               *info;

  const PtExtOrPortHandshakeCallbacks *callbacks;
  gpointer                             owner;

  GMutex                               lock;       /* guards decision */
  Decision                             decision;
};

static void read_next (PtExtOrPortHandshake *self);

gboolean
_pt_random_bytes (guint8  *buffer,
                  gsize    length,
                  GError **error)
{
  gsize filled = 0;

  while (filled < length)
    {
      ssize_t n = getrandom (buffer + filled, length - filled, 0);

      if (n < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Could not get random bytes: %s"), g_strerror (saved_errno));
          return FALSE;
        }
      filled += (gsize) n;
    }

  return TRUE;
}

PtExtOrPortHandshake *
_pt_ext_or_port_handshake_ref (PtExtOrPortHandshake *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
_pt_ext_or_port_handshake_unref (PtExtOrPortHandshake *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  _pt_clear_source (&self->timeout_source);
  if (self->connection != NULL)
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  g_clear_object (&self->connection);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->server, _pt_ext_or_port_server_free);
  g_clear_pointer (&self->output, g_byte_array_unref);
  g_clear_object (&self->info);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* Sets the decision if there is none yet. TRUE if it was set. */
static gboolean
set_decision (PtExtOrPortHandshake *self,
              Decision              decision)
{
  gboolean set = FALSE;

  g_mutex_lock (&self->lock);
  if (self->decision == DECISION_NONE)
    {
      self->decision = decision;
      set = TRUE;
    }
  g_mutex_unlock (&self->lock);

  return set;
}

static Decision
get_decision (PtExtOrPortHandshake *self)
{
  Decision decision;

  g_mutex_lock (&self->lock);
  decision = self->decision;
  g_mutex_unlock (&self->lock);

  return decision;
}

/* Ends the handshake, closing the connection if it is still ours. Callers
 * hold a reference: the owner drops its own in finished(). */
static void
end (PtExtOrPortHandshake *self)
{
  if (self->phase == PHASE_OVER)
    return;

  self->phase = PHASE_OVER;
  set_decision (self, DECISION_DENY);
  g_cancellable_cancel (self->cancellable);
  _pt_clear_source (&self->timeout_source);

  if (self->connection != NULL)
    {
      g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
      g_clear_object (&self->connection);
    }

  if (self->owner != NULL)
    {
      gpointer owner = g_steal_pointer (&self->owner);

      self->callbacks->finished (owner, self);
    }
}

static void
fail (PtExtOrPortHandshake *self,
      const char           *what,
      const GError         *error)
{
  if (self->phase == PHASE_OVER)
    return;

  g_debug ("Closing an ExtORPort connection: %s%s%s", what,
           error != NULL ? ": " : "", error != NULL ? error->message : "");
  end (self);
}

static gboolean
on_timeout (gpointer user_data)
{
  g_autoptr(PtExtOrPortHandshake) self = _pt_ext_or_port_handshake_ref (user_data);

  g_clear_pointer (&self->timeout_source, g_source_unref);
  g_debug ("Closing an ExtORPort connection: no reply within %u ms", self->timeout_ms);
  end (self);

  return G_SOURCE_REMOVE;
}

static void
hand_over (PtExtOrPortHandshake *self)
{
  g_autoptr(GSocketConnection) connection = g_steal_pointer (&self->connection);
  gpointer owner = g_steal_pointer (&self->owner);

  self->phase = PHASE_OVER;
  _pt_clear_source (&self->timeout_source);

  if (owner == NULL)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return;
    }

  self->callbacks->connected (owner, G_IO_STREAM (connection), self->info);
  self->callbacks->finished (owner, self);
}

/* Writes all of self->output, on the handshake's context. */
static void
write_output (PtExtOrPortHandshake *self,
              GAsyncReadyCallback   callback)
{
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (self->connection));

  g_main_context_push_thread_default (self->context);
  g_output_stream_write_all_async (output, self->output->data, self->output->len,
                                   G_PRIORITY_DEFAULT, self->cancellable,
                                   callback, _pt_ext_or_port_handshake_ref (self));
  g_main_context_pop_thread_default (self->context);
}

static void
on_reply_written (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(PtExtOrPortHandshake) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      fail (self, "could not write the reply", error);
      return;
    }
  if (self->phase != PHASE_REPLYING)
    return;

  if (get_decision (self) == DECISION_ACCEPT)
    hand_over (self);
  else
    end (self);
}

/* Writes the reply once there is a decision. */
static void
reply_if_decided (PtExtOrPortHandshake *self)
{
  Decision decision;

  if (self->phase != PHASE_DECIDING || self->emitting)
    return;

  decision = get_decision (self);
  if (decision == DECISION_NONE)
    return;

  self->phase = PHASE_REPLYING;
  g_byte_array_set_size (self->output, 0);
  _pt_ext_or_port_append_reply (decision == DECISION_ACCEPT, self->output);

  write_output (self, on_reply_written);
}

static gboolean
on_decided (gpointer user_data)
{
  reply_if_decided (user_data);
  return G_SOURCE_REMOVE;
}

void
_pt_ext_or_port_handshake_decide (PtExtOrPortHandshake *self,
                                  gboolean              accept)
{
  GSource *source;

  if (!set_decision (self, accept ? DECISION_ACCEPT : DECISION_DENY))
    return;

  /* Acted upon from the handshake's own context, also when the decision
   * comes from another thread or from inside a preconnect handler. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, on_decided, _pt_ext_or_port_handshake_ref (self),
                         (GDestroyNotify) _pt_ext_or_port_handshake_unref);
  g_source_set_static_name (source, "[ptadapter] ExtORPort decision");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* The commands are over: ask the application. */
static void
ask_owner (PtExtOrPortHandshake *self)
{
  g_autoptr(PtExtOrPortRequest) request = NULL;
  gboolean handled = FALSE;

  self->info = _pt_ext_or_port_client_info_new (_pt_ext_or_port_server_get_transport (self->server),
                                                _pt_ext_or_port_server_get_user_address (self->server));
  self->phase = PHASE_DECIDING;
  request = _pt_ext_or_port_request_new (self->info, self);

  self->emitting = TRUE;
  if (self->owner != NULL)
    handled = self->callbacks->preconnect (self->owner, request);
  self->emitting = FALSE;

  /* Unclaimed: accepted, unless a handler decided anyway. A claimed request
   * that is dropped undecided is denied when it is finalized. */
  if (!handled)
    set_decision (self, DECISION_ACCEPT);
  g_clear_object (&request);

  reply_if_decided (self);
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(PtExtOrPortHandshake) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      fail (self, "could not write", error);
      return;
    }
  if (self->phase != PHASE_AUTH)
    return;

  g_byte_array_set_size (self->output, 0);
  if (_pt_ext_or_port_server_get_bytes_wanted (self->server) == 0)
    {
      /* The state machine failed and this was its last word. */
      end (self);
      return;
    }

  read_next (self);
}

/* Writes what the state machine output, then reads on (or closes, after a
 * failure). */
static void
flush_and_continue (PtExtOrPortHandshake *self)
{
  if (self->output->len == 0)
    {
      read_next (self);
      return;
    }

  write_output (self, on_written);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(PtExtOrPortHandshake) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n_read;
  gsize consumed = 0;

  n_read = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (self->phase != PHASE_AUTH)
    return;
  if (n_read < 0)
    {
      fail (self, "could not read", error);
      return;
    }
  if (n_read == 0)
    {
      fail (self, "the peer closed the connection before DONE", NULL);
      return;
    }

  switch (_pt_ext_or_port_server_feed (self->server, self->buffer, (gsize) n_read,
                                       &consumed, self->output, &error))
    {
    case PT_EXT_OR_PORT_NEED_MORE:
      flush_and_continue (self);
      break;

    case PT_EXT_OR_PORT_DONE:
      /* Never more was read than the state machine wanted. */
      g_assert (consumed == (gsize) n_read);
      g_assert (self->output->len == 0);
      ask_owner (self);
      break;

    case PT_EXT_OR_PORT_ERROR:
    default:
      g_debug ("ExtORPort peer failed the handshake: %s", error->message);
      if (self->output->len > 0)
        flush_and_continue (self);
      else
        end (self);
      break;
    }
}

static void
read_next (PtExtOrPortHandshake *self)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (self->connection));
  gsize wanted = _pt_ext_or_port_server_get_bytes_wanted (self->server);

  g_assert (wanted > 0);
  g_main_context_push_thread_default (self->context);
  g_input_stream_read_async (input, self->buffer, MIN (wanted, sizeof self->buffer),
                             G_PRIORITY_DEFAULT, self->cancellable,
                             on_read, _pt_ext_or_port_handshake_ref (self));
  g_main_context_pop_thread_default (self->context);
}

PtExtOrPortHandshake *
_pt_ext_or_port_handshake_new (GMainContext                         *context,
                               GSocketConnection                    *connection,
                               const guint8                         *cookie,
                               guint                                 timeout_ms,
                               const PtExtOrPortHandshakeCallbacks  *callbacks,
                               gpointer                              owner,
                               GError                              **error)
{
  PtExtOrPortHandshake *self;
  guint8 nonce[PT_EXT_OR_PORT_NONCE_LENGTH];

  if (!_pt_random_bytes (nonce, sizeof nonce, error))
    return NULL;

  self = g_new0 (PtExtOrPortHandshake, 1);
  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  self->context = g_main_context_ref (context);
  self->connection = g_object_ref (connection);
  self->cancellable = g_cancellable_new ();
  self->timeout_ms = timeout_ms;
  self->server = _pt_ext_or_port_server_new (cookie, nonce);
  self->output = g_byte_array_new ();
  self->callbacks = callbacks;
  self->owner = owner;
  self->phase = PHASE_NEW;

  return self;
}

void
_pt_ext_or_port_handshake_start (PtExtOrPortHandshake *self)
{
  g_return_if_fail (self->phase == PHASE_NEW);

  self->phase = PHASE_AUTH;
  self->timeout_source = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (self->timeout_source, on_timeout, self, NULL);
  g_source_set_static_name (self->timeout_source, "[ptadapter] ExtORPort handshake timeout");
  g_source_attach (self->timeout_source, self->context);

  _pt_ext_or_port_server_begin (self->server, self->output);
  flush_and_continue (self);
}

void
_pt_ext_or_port_handshake_close (PtExtOrPortHandshake *self)
{
  self->owner = NULL;
  end (self);
}
