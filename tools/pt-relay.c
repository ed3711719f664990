/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pt-relay.h"

/*
 * How it works
 *
 * A relay is one GSource watching the two sockets' file descriptors. Each
 * direction ("half": half[0] carries a's bytes to b, half[1] b's to a) is
 * either waiting for its source to become readable (READING), waiting for
 * its destination to become writable with bytes in flight (WRITING), or
 * done. The source asks the main context for exactly the conditions its
 * halves wait for, so an idle relay costs one poll entry per socket and
 * no buffer. The poll entries are the relay's own GPollFDs: it changes
 * their events in place while it dispatches, which the context reads at
 * its next iteration (g_source_modify_unix_fd() would also wake the
 * context up, an eventfd write and an extra iteration each time a
 * direction blocks or resumes).
 *
 * When a socket is readable, the half moves bytes until the source has no
 * more, the destination is full, or it has moved BUDGET bytes (then it
 * yields to the other relays; the poll is level-triggered, so it is called
 * again at once). Bytes are moved one of two ways:
 *
 *  - splice: socket -> pipe -> socket with splice(2), so the bytes never
 *    enter user space. The pipe comes from a per-thread pool while bytes
 *    are in flight and goes back as soon as it is empty.
 *  - copy: recv(2) into one per-thread scratch buffer, send(2) from it.
 *    Only what the destination does not take at once is copied into a
 *    buffer of its own, freed once it is written.
 *
 * End of file from a source becomes shutdown(SHUT_WR) of its destination
 * once the bytes in flight are written; the relay ends when both halves are
 * done, or at the first error on either socket.
 */

/* Measured on loopback, 1 GiB from a fast sender to a sink (relay thread CPU
 * per GiB, medians): splice with 1 MiB pipes 0.40 s, with 256 KiB pipes
 * 0.53 s; copy with a 1 MiB buffer 0.51 s, with 128 KiB 0.70 s. Splice
 * also keeps the bytes a slow destination has not taken in the kernel's
 * pipe rather than in this process; the copy fallback keeps at most
 * SCRATCH_SIZE a direction. */
#define SCRATCH_SIZE (128 * 1024)
#define PIPE_SIZE (1024 * 1024)   /* /proc/sys/fs/pipe-max-size by default */
#define BUDGET (2 * 1024 * 1024)
#define POOL_MAX 32

#if defined(__linux__) && defined(SPLICE_F_NONBLOCK)
# define HAVE_SPLICE 1
#else
# define HAVE_SPLICE 0
#endif

typedef enum
{
  HALF_READING,
  HALF_WRITING,
  HALF_DONE,
} HalfState;

typedef struct
{
  guint64  bytes;       /* written to the destination */
  guint8  *pending;     /* copy: bytes not yet written, own buffer */
  gsize    pending_off;
  gsize    in_flight;   /* read and not yet written (pending, scratch or pipe) */
  int      pipe[2];     /* splice: the pipe holding in_flight bytes, or -1 */
  HalfState state;
  gboolean eof;
} Half;

struct _PtRelay
{
  GSource            source;
  GSocketConnection *conn[2];
  int                fd[2];
  GPollFD            poll[2];
  gboolean           polled[2];   /* poll[i] is in the source */
  Half               half[2];
  gboolean           splice;
  gboolean           finished;
  gint64             started;
  PtRelayDoneFunc    done;
  gpointer           user_data;
};

/* Per thread: the scratch buffer of the copy method and the free pipes. */
typedef struct
{
  guint8 *scratch;
  int     pool[POOL_MAX][2];
  guint   pool_len;
} ThreadData;

static void
thread_data_free (gpointer data)
{
  ThreadData *td = data;

  for (guint i = 0; i < td->pool_len; i++)
    {
      close (td->pool[i][0]);
      close (td->pool[i][1]);
    }
  g_free (td->scratch);
  g_free (td);
}

static GPrivate thread_data_key = G_PRIVATE_INIT (thread_data_free);

static ThreadData *
get_thread_data (void)
{
  ThreadData *td = g_private_get (&thread_data_key);

  if (td == NULL)
    {
      td = g_new0 (ThreadData, 1);
      g_private_set (&thread_data_key, td);
    }
  return td;
}

static guint8 *
get_scratch (void)
{
  ThreadData *td = get_thread_data ();

  if (td->scratch == NULL)
    td->scratch = g_malloc (SCRATCH_SIZE);
  return td->scratch;
}

#if HAVE_SPLICE
static PtRelayMethod default_method = PT_RELAY_METHOD_SPLICE;
#else
static PtRelayMethod default_method = PT_RELAY_METHOD_COPY;
#endif
static PtRelayMethod current_method = PT_RELAY_METHOD_DEFAULT;

void
pt_relay_set_method (PtRelayMethod method)
{
#if !HAVE_SPLICE
  if (method == PT_RELAY_METHOD_SPLICE)
    method = PT_RELAY_METHOD_COPY;
#endif
  current_method = method;
}

PtRelayMethod
pt_relay_get_method (void)
{
  return current_method == PT_RELAY_METHOD_DEFAULT ? default_method : current_method;
}

const char *
pt_relay_method_to_string (PtRelayMethod method)
{
  if (method == PT_RELAY_METHOD_DEFAULT)
    method = default_method;
  return method == PT_RELAY_METHOD_SPLICE ? "splice" : "copy";
}

gboolean
pt_relay_method_from_string (const char    *name,
                             PtRelayMethod *method)
{
  if (g_strcmp0 (name, "copy") == 0)
    *method = PT_RELAY_METHOD_COPY;
  else if (g_strcmp0 (name, "splice") == 0)
    *method = PT_RELAY_METHOD_SPLICE;
  else if (g_strcmp0 (name, "default") == 0)
    *method = PT_RELAY_METHOD_DEFAULT;
  else
    return FALSE;
  return TRUE;
}

static void
set_errno_error (GError **error,
                 int      saved_errno)
{
  g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       g_strerror (saved_errno));
}

static gboolean
would_block (int saved_errno)
{
  return saved_errno == EAGAIN || saved_errno == EWOULDBLOCK;
}

/* ---------------------------------------------------------------------- */
/* Pipes                                                                   */

#if HAVE_SPLICE
static gboolean
take_pipe (Half *half)
{
  ThreadData *td;

  if (half->pipe[0] >= 0)
    return TRUE;

  td = get_thread_data ();
  if (td->pool_len > 0)
    {
      td->pool_len--;
      half->pipe[0] = td->pool[td->pool_len][0];
      half->pipe[1] = td->pool[td->pool_len][1];
      return TRUE;
    }

  if (pipe2 (half->pipe, O_CLOEXEC | O_NONBLOCK) < 0)
    {
      half->pipe[0] = half->pipe[1] = -1;
      return FALSE;
    }
  /* A bigger pipe moves more per call (and costs less per byte); when the
   * system refuses, the default (64 KiB) works too. */
  fcntl (half->pipe[1], F_SETPIPE_SZ, PIPE_SIZE);
  return TRUE;
}
#endif

/* An empty pipe goes back to the pool; one that may hold bytes is closed. */
static void
release_pipe (Half     *half,
              gboolean  empty)
{
  ThreadData *td;

  if (half->pipe[0] < 0)
    return;

  td = get_thread_data ();
  if (empty && td->pool_len < POOL_MAX)
    {
      td->pool[td->pool_len][0] = half->pipe[0];
      td->pool[td->pool_len][1] = half->pipe[1];
      td->pool_len++;
    }
  else
    {
      close (half->pipe[0]);
      close (half->pipe[1]);
    }
  half->pipe[0] = half->pipe[1] = -1;
}

/* ---------------------------------------------------------------------- */
/* Moving bytes                                                            */

typedef enum
{
  MOVE_DONE,       /* drain: everything written; fill: bytes read */
  MOVE_BLOCKED,
  MOVE_EOF,
  MOVE_ERROR,
} MoveResult;

/* Reads what @fd has into the half: into its pipe, or into the scratch
 * buffer, which drain() must empty before anything else uses it. */
static MoveResult
fill (PtRelay  *self,
      Half     *half,
      int       fd,
      gsize    *n_read,
      GError  **error)
{
  ssize_t n;

#if HAVE_SPLICE
  if (self->splice && take_pipe (half))
    {
      do
        n = splice (fd, NULL, half->pipe[1], NULL, PIPE_SIZE,
                    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      while (n < 0 && errno == EINTR);

      if (n < 0 && (errno == EINVAL || errno == ENOSYS || errno == EPERM))
        {
          /* These sockets cannot be spliced (or a seccomp filter forbids
           * it): copy from now on. */
          release_pipe (half, TRUE);
          self->splice = FALSE;
          return fill (self, half, fd, n_read, error);
        }
      if (n <= 0)
        release_pipe (half, TRUE);
      goto done;
    }
#endif

  do
    n = recv (fd, get_scratch (), SCRATCH_SIZE, 0);
  while (n < 0 && errno == EINTR);

#if HAVE_SPLICE
done:
#endif
  if (n < 0)
    {
      if (would_block (errno))
        return MOVE_BLOCKED;
      set_errno_error (error, errno);
      return MOVE_ERROR;
    }
  if (n == 0)
    return MOVE_EOF;

  half->in_flight = (gsize) n;
  *n_read = (gsize) n;
  return MOVE_DONE;
}

static MoveResult
drain_pipe (PtRelay  *self,
            Half     *half,
            int       fd,
            GError  **error)
{
#if HAVE_SPLICE
  while (half->in_flight > 0)
    {
      ssize_t n = splice (half->pipe[0], NULL, fd, NULL, half->in_flight,
                          SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

      if (n < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          if (would_block (saved_errno))
            return MOVE_BLOCKED;
          if (saved_errno == EINVAL || saved_errno == ENOSYS || saved_errno == EPERM)
            {
              /* The destination refuses splices: move what the pipe holds
               * into a buffer and copy from now on. */
              guint8 *rest = g_malloc (half->in_flight);
              gsize got = 0;

              while (got < half->in_flight)
                {
                  n = read (half->pipe[0], rest + got, half->in_flight - got);
                  if (n <= 0 && errno != EINTR)
                    break;
                  if (n > 0)
                    got += (gsize) n;
                }
              g_assert (got == half->in_flight);
              release_pipe (half, TRUE);
              half->pending = rest;
              half->pending_off = 0;
              self->splice = FALSE;
              return MOVE_BLOCKED;   /* the caller comes back with copy */
            }
          set_errno_error (error, saved_errno);
          return MOVE_ERROR;
        }
      half->in_flight -= (gsize) n;
      half->bytes += (guint64) n;
    }
#endif
  return MOVE_DONE;
}

/* Writes the bytes in flight to @fd: from the pipe, the half's own buffer
 * or the scratch buffer. What the scratch buffer holds and @fd does not
 * take is saved in a buffer of the half's own. */
static MoveResult
drain (PtRelay  *self,
       Half     *half,
       int       fd,
       GError  **error)
{
  const guint8 *data;

  if (half->pipe[0] >= 0)
    {
      MoveResult result = drain_pipe (self, half, fd, error);

      if (result == MOVE_DONE)
        release_pipe (half, TRUE);
      if (result != MOVE_BLOCKED || half->pending == NULL)
        return result;
      /* Switched to copying: go on below with the saved bytes. */
    }

  data = half->pending != NULL ? half->pending + half->pending_off : get_scratch ();
  while (half->in_flight > 0)
    {
      ssize_t n = send (fd, data, half->in_flight, MSG_NOSIGNAL | MSG_DONTWAIT);

      if (n < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          if (would_block (saved_errno))
            {
              if (half->pending == NULL)
                {
                  half->pending = g_memdup2 (data, half->in_flight);
                  half->pending_off = 0;
                }
              return MOVE_BLOCKED;
            }
          set_errno_error (error, saved_errno);
          return MOVE_ERROR;
        }
      data += n;
      half->in_flight -= (gsize) n;
      half->bytes += (guint64) n;
      if (half->pending != NULL)
        half->pending_off += (gsize) n;
    }

  g_clear_pointer (&half->pending, g_free);
  half->pending_off = 0;
  return MOVE_DONE;
}

/* Moves bytes from @half's source to its destination until one of them
 * would block, the source ends, or BUDGET bytes have moved. */
static gboolean
pump (PtRelay  *self,
      guint     index,
      GError  **error)
{
  Half *half = &self->half[index];
  int source = self->fd[index];
  int destination = self->fd[1 - index];
  gsize budget = BUDGET;

  while (half->state != HALF_DONE)
    {
      gsize n_read = 0;

      if (half->in_flight > 0)
        {
          switch (drain (self, half, destination, error))
            {
            case MOVE_BLOCKED:
              half->state = HALF_WRITING;
              return TRUE;
            case MOVE_ERROR:
              return FALSE;
            case MOVE_DONE:
            case MOVE_EOF:
            default:
              break;
            }
        }

      if (half->eof)
        {
          /* ENOTCONN: the peer is gone; the other half finds out. */
          shutdown (destination, SHUT_WR);
          half->state = HALF_DONE;
          return TRUE;
        }

      if (budget == 0)
        {
          half->state = HALF_READING;
          return TRUE;
        }

      switch (fill (self, half, source, &n_read, error))
        {
        case MOVE_BLOCKED:
          half->state = HALF_READING;
          return TRUE;
        case MOVE_EOF:
          half->eof = TRUE;
          break;
        case MOVE_ERROR:
          return FALSE;
        case MOVE_DONE:
        default:
          budget -= MIN (budget, n_read);
          break;
        }
    }

  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* The source                                                              */

static gboolean
socket_error (int       fd,
              GError  **error)
{
  int value = 0;
  socklen_t length = sizeof value;

  if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &value, &length) < 0)
    value = errno;
  if (value == 0)
    return FALSE;

  set_errno_error (error, value);
  return TRUE;
}

static void
finish (PtRelay      *self,
        const GError *error)
{
  PtRelayStats stats;

  if (self->finished)
    return;
  self->finished = TRUE;

  stats.a_to_b = self->half[0].bytes;
  stats.b_to_a = self->half[1].bytes;
  stats.duration_us = g_get_monotonic_time () - self->started;

  /* Out of the poll set before the descriptors close. */
  g_source_destroy (&self->source);

  for (guint i = 0; i < 2; i++)
    {
      release_pipe (&self->half[i], self->half[i].in_flight == 0);
      g_clear_pointer (&self->half[i].pending, g_free);
      g_socket_close (g_socket_connection_get_socket (self->conn[i]), NULL);
      g_clear_object (&self->conn[i]);
    }

  self->done (&stats, error, self->user_data);
  g_source_unref (&self->source);
}

static void
update_events (PtRelay      *self,
               GIOCondition  revents[2])
{
  GIOCondition want[2];

  want[0] = (self->half[0].state == HALF_READING ? G_IO_IN : 0) |
            (self->half[1].state == HALF_WRITING ? G_IO_OUT : 0);
  want[1] = (self->half[1].state == HALF_READING ? G_IO_IN : 0) |
            (self->half[0].state == HALF_WRITING ? G_IO_OUT : 0);

  for (guint i = 0; i < 2; i++)
    {
      self->poll[i].revents = 0;
      if (!self->polled[i])
        {
          if (want[i] != 0)
            {
              self->poll[i].events = want[i];
              g_source_add_poll (&self->source, &self->poll[i]);
              self->polled[i] = TRUE;
            }
        }
      else if (want[i] == 0 && (revents[i] & (G_IO_HUP | G_IO_ERR)) != 0)
        {
          /* poll() reports a hang-up even with no events asked for: a
           * socket this relay does not wait on must leave the poll set, or
           * the main loop would spin. */
          g_source_remove_poll (&self->source, &self->poll[i]);
          self->polled[i] = FALSE;
        }
      else
        {
          /* Read by the context when it next polls: no wake-up needed,
           * this runs in its dispatch. */
          self->poll[i].events = want[i];
        }
    }
}

static gboolean
relay_check (GSource *source)
{
  PtRelay *self = (PtRelay *) source;

  return (self->polled[0] && self->poll[0].revents != 0) ||
         (self->polled[1] && self->poll[1].revents != 0);
}

static gboolean
relay_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  PtRelay *self = (PtRelay *) source;
  g_autoptr(GError) error = NULL;
  GIOCondition revents[2];

  for (guint i = 0; i < 2; i++)
    revents[i] = self->polled[i] ? self->poll[i].revents : 0;

  for (guint i = 0; i < 2; i++)
    {
      if ((revents[i] & G_IO_ERR) != 0 && socket_error (self->fd[i], &error))
        {
          finish (self, error);
          return G_SOURCE_REMOVE;
        }
    }

  for (guint i = 0; i < 2; i++)
    {
      Half *half = &self->half[i];
      gboolean ready;

      if (half->state == HALF_READING)
        ready = (revents[i] & (G_IO_IN | G_IO_HUP | G_IO_ERR)) != 0;
      else if (half->state == HALF_WRITING)
        ready = (revents[1 - i] & (G_IO_OUT | G_IO_HUP | G_IO_ERR)) != 0;
      else
        ready = FALSE;

      if (ready && !pump (self, i, &error))
        {
          finish (self, error);
          return G_SOURCE_REMOVE;
        }
    }

  if (self->half[0].state == HALF_DONE && self->half[1].state == HALF_DONE)
    {
      finish (self, NULL);
      return G_SOURCE_REMOVE;
    }

  update_events (self, revents);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs relay_source_funcs = {
  .check = relay_check,
  .dispatch = relay_dispatch,
};

static void
set_no_delay (int fd)
{
  int one = 1;

  /* Each hop of a tunnel must pass small writes on at once (interactive
   * traffic); this fails harmlessly on non-TCP sockets. */
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

PtRelay *
pt_relay_start (GSocketConnection *a,
                GSocketConnection *b,
                PtRelayDoneFunc    done,
                gpointer           user_data)
{
  PtRelay *self;
  GSource *source;

  g_return_val_if_fail (G_IS_SOCKET_CONNECTION (a), NULL);
  g_return_val_if_fail (G_IS_SOCKET_CONNECTION (b), NULL);
  g_return_val_if_fail (done != NULL, NULL);

  source = g_source_new (&relay_source_funcs, sizeof (PtRelay));
  self = (PtRelay *) source;
  g_source_set_static_name (source, "PtRelay");
  /* GLib takes a source that cannot recurse out of the poll set while it
   * dispatches and puts it back afterwards, which wakes the main context
   * (an eventfd write, and an extra loop iteration) on every dispatch.
   * The relay never iterates the context from its dispatch. */
  g_source_set_can_recurse (source, TRUE);

  self->conn[0] = g_object_ref (a);
  self->conn[1] = g_object_ref (b);
  self->splice = pt_relay_get_method () == PT_RELAY_METHOD_SPLICE;
  self->done = done;
  self->user_data = user_data;
  self->started = g_get_monotonic_time ();

  for (guint i = 0; i < 2; i++)
    {
      self->fd[i] = g_socket_get_fd (g_socket_connection_get_socket (self->conn[i]));
      self->half[i].pipe[0] = self->half[i].pipe[1] = -1;
      self->half[i].state = HALF_READING;
      self->poll[i].fd = self->fd[i];
      self->poll[i].events = G_IO_IN;
      g_source_add_poll (source, &self->poll[i]);
      self->polled[i] = TRUE;
      set_no_delay (self->fd[i]);
    }

  g_source_attach (source, g_main_context_get_thread_default ());
  return self;
}

void
pt_relay_cancel (PtRelay *relay)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (relay != NULL);

  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               g_strerror (ECANCELED));
  finish (relay, error);
}
