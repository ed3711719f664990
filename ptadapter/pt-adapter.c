/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
# include <sys/prctl.h>
#endif
#include <glib/gi18n-lib.h>

#include "pt-adapter-private.h"
#include "pt-enums.h"
#include "pt-error.h"
#include "pt-init-private.h"
#include "pt-line-reader-private.h"
#include "pt-temp-dir-private.h"
#include "pt-util-private.h"

/**
 * SECTION:pt-adapter
 * @title: PtAdapter
 * @short_description: A pluggable transport process and its lifecycle
 *
 * #PtAdapter is the abstract base of #PtClientAdapter, #PtServerAdapter and
 * #PtExtServerAdapter. It runs one pluggable transport (PT) program, such as
 * obfs4proxy or lyrebird, as a subprocess and speaks the managed-proxy
 * protocol of the Tor pluggable transport specification, version 1, with it:
 * the configuration goes into the PT's environment, and the PT reports back
 * line by line on its standard output.
 *
 * pt_adapter_start_async() spawns the PT and completes once the PT has
 * answered for every requested transport. It fails with a precise #PtError
 * when the PT refuses its configuration, breaks the protocol, exits, or does
 * not finish within #PtAdapter:start-timeout; the PT is then killed and every
 * temporary directory removed before the failure is reported.
 *
 * pt_adapter_stop_async() asks the PT to exit the way the specification
 * recommends: it closes the PT's standard input, waits
 * #PtAdapter:stop-timeout, sends SIGTERM, waits again and finally sends
 * SIGKILL. On Linux the PT also receives SIGKILL if the process that started
 * it dies, so that no PT outlives its application.
 *
 * The environment of the PT is the application's own without any inherited
 * `TOR_PT_*` variable, plus the variables the protocol requires.
 *
 * Messages that the PT logs with `LOG` arrive as #PtAdapter::log, its
 * `STATUS` reports as #PtAdapter::transport-status.
 *
 * A #PtAdapter belongs to the thread-default #GMainContext that was current
 * when it was created: call its methods from that context's thread, and its
 * signals and callbacks are emitted there.
 */

/* When the PT exits, its stdout may still hold lines that explain why, so
 * the end of a run waits for both the exit and the end of stdout. Each may
 * come first; this is how long to wait for the other: a child of the PT may
 * keep stdout open, and a PT may close stdout and keep running. */
#define GRACE_MS 500

typedef struct _Run Run;

typedef struct
{
  char              **pt_exec;
  char               *requested_state_location;
  char               *state_location;
  gboolean            exit_on_stdin_close;
  guint               start_timeout_ms;
  guint               stop_timeout_ms;
  char               *outbound_bind_address_v4;
  char               *outbound_bind_address_v6;

  PtAdapterState      state;
  GMainContext       *context;
  const PtAdapterOps *ops;
  Run                *run;

  gboolean            has_exited;
  int                 last_wait_status;

  /* Guards the two tables, which other threads read through
   * _pt_adapter_lookup_transport(). */
  GMutex              lock;
  GHashTable         *transports;        /* name -> GObject */
  GHashTable         *transport_errors;  /* name -> the PT's message */
} PtAdapterPrivate;

/* One spawned PT process, from spawn to exit. Callbacks hold a reference;
 * @adapter is cleared when the adapter goes away first. */
struct _Run
{
  int            ref_count;
  PtAdapter     *adapter;

  GSubprocess   *subprocess;
  GOutputStream *stdin_pipe;
  PtLineReader  *reader;
  GCancellable  *cancellable;
  PtTempDir     *temp_dir;

  PtStartup     *startup;
  GTask         *start_task;
  GError        *start_error;
  GSource       *start_cancel_source;

  gboolean       exited;
  int            wait_status;
  gboolean       stdout_done;
  GSource       *timer;             /* start timeout, or the stop stage */
  GSource       *grace;             /* see GRACE_MS */

  gboolean       stopping;
  int            next_stop_stage;
  GPtrArray     *stop_waiters;
  GPtrArray     *exit_waiters;
};

/* A task waiting for the run to end, returned early if cancelled. */
typedef struct
{
  GTask     *task;
  GSource   *cancel_source;
  GPtrArray *list;
} Waiter;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PtAdapter, pt_adapter, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PT_EXEC,
  PROP_STATE_LOCATION,
  PROP_EXIT_ON_STDIN_CLOSE,
  PROP_START_TIMEOUT,
  PROP_STOP_TIMEOUT,
  PROP_OUTBOUND_BIND_ADDRESS_V4,
  PROP_OUTBOUND_BIND_ADDRESS_V6,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_LOG,
  SIGNAL_TRANSPORT_STATUS,
  SIGNAL_EXITED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void finish_run_if_over (Run *run);
static void read_next_line (Run *run);

/* Runs */

static Run *
run_ref (Run *run)
{
  run->ref_count++;
  return run;
}

static void
run_unref (Run *run)
{
  if (--run->ref_count > 0)
    return;

  g_assert (run->start_task == NULL);
  g_assert (run->stop_waiters->len == 0);
  g_assert (run->exit_waiters->len == 0);

  _pt_clear_source (&run->timer);
  _pt_clear_source (&run->grace);
  _pt_clear_source (&run->start_cancel_source);
  g_clear_object (&run->subprocess);
  g_clear_object (&run->stdin_pipe);
  g_clear_object (&run->reader);
  g_clear_object (&run->cancellable);
  g_clear_pointer (&run->startup, _pt_startup_free);
  g_clear_error (&run->start_error);
  g_ptr_array_unref (run->stop_waiters);
  g_ptr_array_unref (run->exit_waiters);
  g_clear_pointer (&run->temp_dir, _pt_temp_dir_free);
  g_free (run);
}

static void
waiter_free (Waiter *waiter)
{
  _pt_clear_source (&waiter->cancel_source);
  g_clear_object (&waiter->task);
  g_free (waiter);
}

static Run *
run_new (PtAdapter *adapter)
{
  Run *run = g_new0 (Run, 1);

  run->ref_count = 1;
  run->adapter = adapter;
  run->cancellable = g_cancellable_new ();
  run->stop_waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
  run->exit_waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);

  return run;
}

static GSource *
run_add_timeout (Run         *run,
                 guint        timeout_ms,
                 GSourceFunc  callback)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (run->adapter);
  GSource *source = g_timeout_source_new (timeout_ms);

  g_source_set_callback (source, callback, run_ref (run), (GDestroyNotify) run_unref);
  g_source_set_static_name (source, "[ptadapter] timer");
  g_source_attach (source, priv->context);

  return source;
}

static gboolean
on_waiter_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  Waiter *waiter = user_data;

  g_task_return_error_if_cancelled (waiter->task);
  /* Frees @waiter, and with it this source. */
  g_ptr_array_remove (waiter->list, waiter);

  return G_SOURCE_REMOVE;
}

static void
waiter_add (GPtrArray *list,
            GTask     *task)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  Waiter *waiter = g_new0 (Waiter, 1);

  waiter->task = g_object_ref (task);
  waiter->list = list;
  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (waiter->cancel_source,
                             G_SOURCE_FUNC (on_waiter_cancelled), waiter, NULL);
      g_source_attach (waiter->cancel_source, g_task_get_context (task));
    }

  g_ptr_array_add (list, waiter);
}

/* Helpers */

static void
set_state (PtAdapter      *self,
           PtAdapterState  state)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  if (priv->state == state)
    return;

  priv->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_state_location (PtAdapter  *self,
                    const char *path)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  if (g_strcmp0 (priv->state_location, path) == 0)
    return;

  g_free (priv->state_location);
  priv->state_location = g_strdup (path);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE_LOCATION]);
}

static void
set_transports (PtAdapter  *self,
                GHashTable *transports,
                GHashTable *transport_errors)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);
  g_autoptr(GHashTable) old_transports = NULL;
  g_autoptr(GHashTable) old_errors = NULL;

  g_mutex_lock (&priv->lock);
  old_transports = g_steal_pointer (&priv->transports);
  old_errors = g_steal_pointer (&priv->transport_errors);
  priv->transports = transports;
  priv->transport_errors = transport_errors;
  g_mutex_unlock (&priv->lock);
}

void
_pt_environment_add (GPtrArray  *environment,
                     const char *name,
                     const char *value)
{
  g_ptr_array_add (environment, g_strconcat (name, "=", value, NULL));
}

void
_pt_adapter_set_ops (PtAdapter          *self,
                     const PtAdapterOps *ops)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  priv->ops = ops;
}

/* g_set_str() is GLib 2.76. */
static gboolean
replace_string (char       **location,
                const char  *value)
{
  if (g_strcmp0 (*location, value) == 0)
    return FALSE;

  g_free (*location);
  *location = g_strdup (value);
  return TRUE;
}

static char *
describe_exit (int wait_status)
{
  if (WIFEXITED (wait_status))
    return g_strdup_printf (_("exited with status %d"), WEXITSTATUS (wait_status));

  if (WIFSIGNALED (wait_status))
    return g_strdup_printf (_("was killed by signal %d (%s)"),
                            WTERMSIG (wait_status), g_strsignal (WTERMSIG (wait_status)));

  return g_strdup_printf (_("ended with wait status %d"), wait_status);
}

/* Child setup: runs in the PT's process between fork and exec. Only
 * async-signal-safe calls are allowed here. */
static void
set_parent_death_signal (gpointer user_data)
{
#ifdef __linux__
  pid_t parent = (pid_t) GPOINTER_TO_INT (user_data);

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* The parent may have died before prctl() took effect. */
  if (getppid () != parent)
    _exit (127);
#endif
}

/* Finishing a run */

static void
complete_waiters (GPtrArray *waiters,
                  gboolean   with_status,
                  int        wait_status)
{
  /* Completing a task may run code that looks at the list. */
  g_autoptr(GPtrArray) completed = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);

  while (waiters->len > 0)
    g_ptr_array_add (completed, g_ptr_array_steal_index (waiters, 0));

  for (guint i = 0; i < completed->len; i++)
    {
      Waiter *waiter = g_ptr_array_index (completed, i);

      _pt_clear_source (&waiter->cancel_source);
      if (with_status)
        g_task_return_int (waiter->task, wait_status);
      else
        g_task_return_boolean (waiter->task, TRUE);
    }
}

static void
finish_run (Run *run)
{
  PtAdapter *self = g_object_ref (run->adapter);
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);
  g_autoptr(GTask) start_task = NULL;
  g_autoptr(GError) start_error = NULL;
  PtAdapterState final_state;

  g_assert (priv->run == run);

  g_cancellable_cancel (run->cancellable);
  _pt_clear_source (&run->timer);
  _pt_clear_source (&run->grace);
  _pt_clear_source (&run->start_cancel_source);

  if (run->temp_dir != NULL)
    {
      g_clear_pointer (&run->temp_dir, _pt_temp_dir_free);
      set_state_location (self, NULL);
    }
  if (priv->ops->cleanup != NULL)
    priv->ops->cleanup (self);
  set_transports (self, NULL, NULL);

  priv->has_exited = TRUE;
  priv->last_wait_status = run->wait_status;
  priv->run = NULL;

  start_task = g_steal_pointer (&run->start_task);
  if (start_task != NULL)
    {
      start_error = g_steal_pointer (&run->start_error);
      if (start_error == NULL)
        {
          g_autofree char *how = describe_exit (run->wait_status);

          start_error = g_error_new (PT_ERROR, PT_ERROR_EXITED,
                                     _("The pluggable transport %s before it was ready"),
                                     how);
        }
      final_state = run->stopping ? PT_ADAPTER_STATE_STOPPED : PT_ADAPTER_STATE_FAILED;
    }
  else if (run->stopping)
    {
      final_state = PT_ADAPTER_STATE_STOPPED;
    }
  else
    {
      g_autofree char *how = describe_exit (run->wait_status);

      g_debug ("The pluggable transport %s while it was running", how);
      final_state = PT_ADAPTER_STATE_FAILED;
    }

  set_state (self, final_state);
  g_signal_emit (self, signals[SIGNAL_EXITED], 0, run->wait_status);

  if (start_task != NULL)
    g_task_return_error (start_task, g_steal_pointer (&start_error));
  complete_waiters (run->stop_waiters, FALSE, 0);
  complete_waiters (run->exit_waiters, TRUE, run->wait_status);

  run_unref (run);
  g_object_unref (self);
}

static void fail_start (Run    *run,
                        GError *error);

static gboolean
on_grace_over (gpointer user_data)
{
  Run *run = user_data;

  g_clear_pointer (&run->grace, g_source_unref);
  if (run->adapter == NULL)
    return G_SOURCE_REMOVE;

  if (run->exited)
    {
      g_debug ("The pluggable transport's output is still open after it exited");
      run->stdout_done = TRUE;
      finish_run_if_over (run);
    }
  else
    {
      fail_start (run, g_error_new (PT_ERROR, PT_ERROR_PROTOCOL,
                                    _("The pluggable transport closed its output before it was ready")));
    }

  return G_SOURCE_REMOVE;
}

static void
finish_run_if_over (Run *run)
{
  if (run->adapter == NULL)
    return;

  if (run->exited && run->stdout_done)
    {
      finish_run (run);
      return;
    }

  /* Lines the PT printed just before exiting may still be in the pipe, and
   * a PT that closed its output during the startup may be about to exit
   * with a status that says more. */
  if (run->grace == NULL && (run->exited || run->start_task != NULL))
    run->grace = run_add_timeout (run, GRACE_MS, on_grace_over);
}

/* Ends the start with @error (taken): the PT is killed, and the start's
 * task completes once it has exited. Only the first error counts. */
static void
fail_start (Run    *run,
            GError *error)
{
  if (run->start_task == NULL || run->start_error != NULL)
    {
      g_error_free (error);
      return;
    }

  run->start_error = error;
  _pt_clear_source (&run->timer);
  _pt_clear_source (&run->start_cancel_source);

  if (!run->exited && !run->stopping)
    g_subprocess_force_exit (run->subprocess);
}

/* Starting */

static void
become_ready (Run *run)
{
  PtAdapter *self = run->adapter;
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);
  g_autoptr(GHashTable) answers = _pt_startup_steal_answers (run->startup);
  GHashTable *transports;
  GHashTable *transport_errors;
  GHashTableIter iter;
  const char *name;
  const PtMessage *answer;

  g_clear_pointer (&run->startup, _pt_startup_free);
  _pt_clear_source (&run->timer);
  _pt_clear_source (&run->start_cancel_source);

  transports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  transport_errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_iter_init (&iter, answers);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &answer))
    {
      if (answer->kind == PT_MESSAGE_CMETHOD || answer->kind == PT_MESSAGE_SMETHOD)
        g_hash_table_insert (transports, g_strdup (name),
                             priv->ops->create_transport (self, answer));
      else
        g_hash_table_insert (transport_errors, g_strdup (name), g_strdup (answer->text));
    }

  set_transports (self, transports, transport_errors);
  set_state (self, PT_ADAPTER_STATE_RUNNING);

  {
    g_autoptr(GTask) task = g_steal_pointer (&run->start_task);

    g_task_return_boolean (task, TRUE);
  }
}

static void
emit_log (PtAdapter       *self,
          const PtMessage *message)
{
  g_signal_emit (self, signals[SIGNAL_LOG], 0, message->severity, message->text);
}

static void
handle_line (Run        *run,
             const char *line,
             gsize       length)
{
  PtAdapter *self = run->adapter;
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);
  g_autoptr(PtMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  gboolean starting;

  message = _pt_message_parse (line, length, &error);
  starting = priv->state == PT_ADAPTER_STATE_STARTING && run->startup != NULL &&
             run->start_error == NULL;

  if (message == NULL)
    {
      if (starting)
        fail_start (run, g_steal_pointer (&error));
      else
        g_debug ("Ignoring a line from the pluggable transport: %s", error->message);
      return;
    }

  switch (message->kind)
    {
    case PT_MESSAGE_LOG:
      emit_log (self, message);
      break;
    case PT_MESSAGE_STATUS:
      g_signal_emit (self, signals[SIGNAL_TRANSPORT_STATUS], 0,
                     message->transport, message->fields);
      break;
    case PT_MESSAGE_UNKNOWN:
      g_debug ("Ignoring unknown keyword “%s” from the pluggable transport",
               message->keyword);
      break;
    default:
      if (!starting)
        g_debug ("Ignoring “%s” from the pluggable transport after its startup",
                 message->keyword);
      break;
    }

  /* A signal handler may have stopped the adapter. */
  if (!starting || priv->state != PT_ADAPTER_STATE_STARTING || run->start_error != NULL)
    return;

  switch (_pt_startup_handle (run->startup, g_steal_pointer (&message), &error))
    {
    case PT_STARTUP_READY:
      become_ready (run);
      break;
    case PT_STARTUP_FAILED:
      fail_start (run, g_steal_pointer (&error));
      break;
    case PT_STARTUP_CONTINUE:
    default:
      break;
    }
}

static void
on_line_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  gsize length;

  line = _pt_line_reader_read_line_finish (PT_LINE_READER (source), result, &length, &error);

  if (run->adapter == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      run_unref (run);
      return;
    }

  if (line != NULL)
    {
      /* A signal handler may drop the last reference to the adapter. */
      PtAdapter *keep_alive = g_object_ref (run->adapter);

      handle_line (run, line, length);
      read_next_line (run);
      g_object_unref (keep_alive);
    }
  else if (g_error_matches (error, PT_ERROR, PT_ERROR_PROTOCOL))
    {
      /* A line over the length bound: fatal during the startup, skipped
       * afterwards. */
      PtAdapterPrivate *priv = pt_adapter_get_instance_private (run->adapter);

      if (priv->state == PT_ADAPTER_STATE_STARTING)
        fail_start (run, g_steal_pointer (&error));
      else
        g_debug ("%s", error->message);
      read_next_line (run);
    }
  else
    {
      if (error != NULL)
        g_debug ("Could not read from the pluggable transport: %s", error->message);

      run->stdout_done = TRUE;
      finish_run_if_over (run);
    }

  run_unref (run);
}

static void
read_next_line (Run *run)
{
  _pt_line_reader_read_line_async (run->reader, run->cancellable,
                                   on_line_read, run_ref (run));
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, &error) ||
      run->adapter == NULL)
    {
      run_unref (run);
      return;
    }

  run->exited = TRUE;
  run->wait_status = g_subprocess_get_status (run->subprocess);
  _pt_clear_source (&run->timer);
  _pt_clear_source (&run->grace);

  finish_run_if_over (run);
  run_unref (run);
}

static gboolean
on_start_timeout (gpointer user_data)
{
  Run *run = user_data;
  PtAdapterPrivate *priv;

  g_clear_pointer (&run->timer, g_source_unref);
  if (run->adapter == NULL)
    return G_SOURCE_REMOVE;

  priv = pt_adapter_get_instance_private (run->adapter);
  fail_start (run, g_error_new (PT_ERROR, PT_ERROR_TIMEOUT,
                                _("The pluggable transport did not finish its startup within %u ms"),
                                priv->start_timeout_ms));

  return G_SOURCE_REMOVE;
}

static gboolean
on_start_cancelled (GCancellable *cancellable,
                    gpointer      user_data)
{
  Run *run = user_data;
  GError *error = NULL;

  g_clear_pointer (&run->start_cancel_source, g_source_unref);
  if (run->adapter == NULL)
    return G_SOURCE_REMOVE;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  fail_start (run, error);

  return G_SOURCE_REMOVE;
}

static gboolean
append_outbound_bind_address (GPtrArray      *environment,
                              const char     *name,
                              const char     *address,
                              GSocketFamily   family,
                              GError        **error)
{
  g_autoptr(GInetAddress) parsed = NULL;
  g_autofree char *bare = NULL;
  gsize length;

  if (address == NULL || address[0] == '\0')
    return TRUE;

  length = strlen (address);
  if (family == G_SOCKET_FAMILY_IPV6 && address[0] == '[' && address[length - 1] == ']')
    bare = g_strndup (address + 1, length - 2);
  else
    bare = g_strdup (address);

  parsed = g_inet_address_new_from_string (bare);
  if (parsed == NULL || g_inet_address_get_family (parsed) != family)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   family == G_SOCKET_FAMILY_IPV4
                   ? _("The outbound bind address “%s” is not an IPv4 address")
                   : _("The outbound bind address “%s” is not an IPv6 address"),
                   address);
      return FALSE;
    }

  if (family == G_SOCKET_FAMILY_IPV6)
    {
      g_autofree char *bracketed = g_strdup_printf ("[%s]", bare);

      _pt_environment_add (environment, name, bracketed);
    }
  else
    {
      _pt_environment_add (environment, name, bare);
    }

  return TRUE;
}

static char **
build_environment (PtAdapter  *self,
                   const char *state_location,
                   GError    **error)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);
  g_auto(GStrv) inherited = g_get_environ ();
  g_autoptr(GPtrArray) environment = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; inherited[i] != NULL; i++)
    {
      if (!g_str_has_prefix (inherited[i], "TOR_PT_"))
        g_ptr_array_add (environment, g_strdup (inherited[i]));
    }

  _pt_environment_add (environment, "TOR_PT_MANAGED_TRANSPORT_VER", PT_MANAGED_TRANSPORT_VERSION);
  _pt_environment_add (environment, "TOR_PT_STATE_LOCATION", state_location);
  _pt_environment_add (environment, "TOR_PT_EXIT_ON_STDIN_CLOSE",
                       priv->exit_on_stdin_close ? "1" : "0");

  if (!append_outbound_bind_address (environment, "TOR_PT_OUTBOUND_BIND_ADDRESS_V4",
                                     priv->outbound_bind_address_v4,
                                     G_SOCKET_FAMILY_IPV4, error) ||
      !append_outbound_bind_address (environment, "TOR_PT_OUTBOUND_BIND_ADDRESS_V6",
                                     priv->outbound_bind_address_v6,
                                     G_SOCKET_FAMILY_IPV6, error))
    return NULL;

  if (!priv->ops->prepare (self, environment, error))
    return NULL;

  g_ptr_array_add (environment, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&environment), FALSE);
}

/* Spawns the PT for @run. On failure, whatever was set up is undone. */
static gboolean
spawn (PtAdapter  *self,
       Run        *run,
       GError    **error)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_auto(GStrv) environment = NULL;
  g_autofree char *state_location = NULL;

  if (priv->pt_exec == NULL || priv->pt_exec[0] == NULL || priv->pt_exec[0][0] == '\0')
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                           _("No pluggable transport program was given"));
      return FALSE;
    }

  if (priv->requested_state_location != NULL)
    {
      state_location = g_canonicalize_filename (priv->requested_state_location, NULL);
    }
  else
    {
      run->temp_dir = _pt_temp_dir_new (error);
      if (run->temp_dir == NULL)
        {
          g_prefix_error (error, _("Could not create a state directory for the pluggable transport: "));
          return FALSE;
        }
      state_location = g_strdup (_pt_temp_dir_get_path (run->temp_dir));
    }

  environment = build_environment (self, state_location, error);
  if (environment == NULL)
    goto failed;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_environ (launcher, environment);
  g_subprocess_launcher_set_child_setup (launcher, set_parent_death_signal,
                                         GINT_TO_POINTER ((int) getpid ()), NULL);

  run->subprocess = g_subprocess_launcher_spawnv (launcher,
                                                  (const char * const *) priv->pt_exec,
                                                  error);
  if (run->subprocess == NULL)
    {
      g_prefix_error (error, _("Could not start the pluggable transport “%s”: "),
                      priv->pt_exec[0]);
      goto failed;
    }

  set_state_location (self, state_location);
  run->stdin_pipe = g_object_ref (g_subprocess_get_stdin_pipe (run->subprocess));
  run->reader = _pt_line_reader_new (g_subprocess_get_stdout_pipe (run->subprocess),
                                     PT_LINE_READER_MAX_LINE_LENGTH);
  return TRUE;

failed:
  g_clear_pointer (&run->temp_dir, _pt_temp_dir_free);
  if (priv->ops->cleanup != NULL)
    priv->ops->cleanup (self);
  return FALSE;
}

/**
 * pt_adapter_start_async:
 * @self: a #PtAdapter
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the PT is ready or has failed
 * @user_data: (closure): data for @callback
 *
 * Spawns the pluggable transport and waits until it has answered for every
 * requested transport (`CMETHODS DONE` or `SMETHODS DONE`).
 *
 * The start succeeds when the PT launched at least one of the requested
 * transports; pt_client_adapter_get_transport() and its server counterparts
 * then report the others. The start fails with %PT_ERROR_VERSION,
 * %PT_ERROR_ENV, %PT_ERROR_PROXY, %PT_ERROR_METHOD (no transport could be
 * launched), %PT_ERROR_UNKNOWN_TRANSPORT (the PT knows none of them),
 * %PT_ERROR_PROTOCOL, %PT_ERROR_EXITED, %PT_ERROR_TIMEOUT (after
 * #PtAdapter:start-timeout), %PT_ERROR_INVALID_ARGUMENT (a bad setting, found
 * before anything is spawned), %PT_ERROR_INVALID_STATE (the adapter is not
 * new, stopped or failed), %G_IO_ERROR_CANCELLED, or an error of
 * g_subprocess_launcher_spawnv() when the program cannot be run. Whenever it
 * fails, the PT has been killed and reaped and the temporary state directory
 * removed by the time @callback runs.
 *
 * An adapter that stopped or failed can be started again.
 *
 * On Linux the PT gets SIGKILL when the thread that spawned it exits (the
 * kernel ties the parent-death signal to that thread), so call this from
 * the thread that runs the adapter's main context for as long as the PT
 * should live, as the rest of the API requires anyway.
 */
void
pt_adapter_start_async (PtAdapter           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *transports;
  Run *run;

  g_return_if_fail (PT_IS_ADAPTER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (priv->ops != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pt_adapter_start_async);

  if (priv->state != PT_ADAPTER_STATE_NEW &&
      priv->state != PT_ADAPTER_STATE_STOPPED &&
      priv->state != PT_ADAPTER_STATE_FAILED)
    {
      g_task_return_new_error (task, PT_ERROR, PT_ERROR_INVALID_STATE,
                               _("The pluggable transport is already running or being started or stopped"));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  run = run_new (self);
  priv->run = run;
  set_state (self, PT_ADAPTER_STATE_STARTING);

  if (!spawn (self, run, &error))
    {
      priv->run = NULL;
      run_unref (run);
      set_state (self, PT_ADAPTER_STATE_FAILED);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  transports = priv->ops->get_transports (self);
  run->startup = _pt_startup_new (priv->ops->role, transports,
                                  priv->ops->get_proxy_requested != NULL &&
                                  priv->ops->get_proxy_requested (self));
  run->start_task = g_steal_pointer (&task);

  read_next_line (run);
  g_subprocess_wait_async (run->subprocess, run->cancellable, on_exited, run_ref (run));

  if (priv->start_timeout_ms > 0)
    run->timer = run_add_timeout (run, priv->start_timeout_ms, on_start_timeout);

  if (cancellable != NULL)
    {
      run->start_cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (run->start_cancel_source, G_SOURCE_FUNC (on_start_cancelled),
                             run_ref (run), (GDestroyNotify) run_unref);
      g_source_attach (run->start_cancel_source, priv->context);
    }
}

/**
 * pt_adapter_start_finish:
 * @self: a #PtAdapter
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes pt_adapter_start_async().
 *
 * Returns: %TRUE if the PT is running and ready, %FALSE with @error set
 *   otherwise
 */
gboolean
pt_adapter_start_finish (PtAdapter     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (PT_IS_ADAPTER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Stopping */

static void stop_stage (Run *run,
                        int  stage);

static gboolean
on_stop_stage_timeout (gpointer user_data)
{
  Run *run = user_data;

  g_clear_pointer (&run->timer, g_source_unref);
  if (run->adapter != NULL && !run->exited)
    stop_stage (run, run->next_stop_stage);

  return G_SOURCE_REMOVE;
}

static void
stop_stage_later (Run *run,
                  int  next_stage)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (run->adapter);

  run->next_stop_stage = next_stage;
  _pt_clear_source (&run->timer);
  run->timer = run_add_timeout (run, priv->stop_timeout_ms, on_stop_stage_timeout);
}

/* 1: close stdin; 2: SIGTERM; 3: SIGKILL, each stage after the previous
 * one had #PtAdapter:stop-timeout to work. */
static void
stop_stage (Run *run,
            int  stage)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (run->adapter);
  g_autoptr(GError) error = NULL;

  switch (stage)
    {
    case 1:
      if (!g_output_stream_close (run->stdin_pipe, NULL, &error))
        g_debug ("Could not close the pluggable transport's input: %s", error->message);
      if (priv->exit_on_stdin_close)
        {
          stop_stage_later (run, 2);
          break;
        }
      G_GNUC_FALLTHROUGH;

    case 2:
      g_subprocess_send_signal (run->subprocess, SIGTERM);
      stop_stage_later (run, 3);
      break;

    case 3:
    default:
      g_debug ("The pluggable transport ignored SIGTERM; killing it");
      g_subprocess_force_exit (run->subprocess);
      break;
    }
}

/**
 * pt_adapter_stop_async:
 * @self: a #PtAdapter
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once the PT has exited
 * @user_data: (closure): data for @callback
 *
 * Stops the pluggable transport: closes its standard input, waits
 * #PtAdapter:stop-timeout, sends SIGTERM, waits again, then sends SIGKILL.
 * The operation completes once the PT has exited and the temporary state
 * directory is removed; the adapter is then %PT_ADAPTER_STATE_STOPPED.
 *
 * A start in progress fails with %G_IO_ERROR_CANCELLED. Stopping an adapter
 * that is not running succeeds at once. Cancelling @cancellable only stops
 * the waiting: the PT is stopped anyway.
 */
void
pt_adapter_stop_async (PtAdapter           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);
  g_autoptr(GTask) task = NULL;
  Run *run = priv->run;

  g_return_if_fail (PT_IS_ADAPTER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pt_adapter_stop_async);

  if (run == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  waiter_add (run->stop_waiters, task);
  if (run->stopping)
    return;

  run->stopping = TRUE;
  if (run->start_task != NULL && run->start_error == NULL)
    {
      _pt_clear_source (&run->start_cancel_source);
      run->start_error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                      _("The pluggable transport was stopped before it was ready"));
    }
  set_state (self, PT_ADAPTER_STATE_STOPPING);

  if (run->exited)
    return;

  /* A start that already failed has killed the PT. */
  if (run->start_task != NULL && run->start_error != NULL &&
      !g_error_matches (run->start_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  _pt_clear_source (&run->timer);
  stop_stage (run, 1);
}

/**
 * pt_adapter_stop_finish:
 * @self: a #PtAdapter
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes pt_adapter_stop_async().
 *
 * Returns: %TRUE once the PT has exited; %FALSE with %G_IO_ERROR_CANCELLED
 *   if the wait was cancelled
 */
gboolean
pt_adapter_stop_finish (PtAdapter     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (PT_IS_ADAPTER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * pt_adapter_wait_async:
 * @self: a #PtAdapter
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the PT has exited
 * @user_data: (closure): data for @callback
 *
 * Waits until the pluggable transport exits, whether it is stopped, fails
 * or ends on its own. If the PT has already exited, completes at once with
 * its last wait status. Fails with %PT_ERROR_INVALID_STATE if the adapter
 * never ran a PT.
 */
void
pt_adapter_wait_async (PtAdapter           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PT_IS_ADAPTER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pt_adapter_wait_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  if (priv->run != NULL)
    waiter_add (priv->run->exit_waiters, task);
  else if (priv->has_exited)
    g_task_return_int (task, priv->last_wait_status);
  else
    g_task_return_new_error (task, PT_ERROR, PT_ERROR_INVALID_STATE,
                             _("The pluggable transport has never run"));
}

/**
 * pt_adapter_wait_finish:
 * @self: a #PtAdapter
 * @result: the #GAsyncResult given to the callback
 * @wait_status: (out) (optional): the PT's wait status, as for
 *   g_subprocess_get_status()
 * @error: return location for a #GError
 *
 * Finishes pt_adapter_wait_async().
 *
 * Returns: %TRUE if the PT has exited, %FALSE with @error set otherwise
 */
gboolean
pt_adapter_wait_finish (PtAdapter     *self,
                        GAsyncResult  *result,
                        int           *wait_status,
                        GError       **error)
{
  GError *local_error = NULL;
  gssize status;

  g_return_val_if_fail (PT_IS_ADAPTER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  status = g_task_propagate_int (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (wait_status != NULL)
    *wait_status = (int) status;

  return TRUE;
}

GObject *
_pt_adapter_lookup_transport (PtAdapter   *self,
                              const char  *name,
                              GError     **error)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);
  GObject *transport = NULL;
  const char *pt_error;

  g_mutex_lock (&priv->lock);

  if (priv->transports == NULL)
    {
      if (priv->state == PT_ADAPTER_STATE_NEW || priv->state == PT_ADAPTER_STATE_STARTING)
        g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID_STATE,
                             _("The pluggable transport is not ready yet"));
      else
        g_set_error_literal (error, PT_ERROR, PT_ERROR_EXITED,
                             _("The pluggable transport is not running"));
    }
  else if ((transport = g_hash_table_lookup (priv->transports, name)) != NULL)
    {
      g_object_ref (transport);
    }
  else if ((pt_error = g_hash_table_lookup (priv->transport_errors, name)) != NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_METHOD,
                   _("The pluggable transport could not launch transport “%s”: %s"),
                   name, pt_error);
    }
  else if (g_strv_contains (priv->ops->get_transports (self), name))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNKNOWN_TRANSPORT,
                   _("The pluggable transport did not answer for transport “%s”; it does not support it"),
                   name);
    }
  else
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNKNOWN_TRANSPORT,
                   _("Transport “%s” was not requested from the pluggable transport"),
                   name);
    }

  g_mutex_unlock (&priv->lock);

  return transport;
}

/* Properties and GObject */

/**
 * pt_adapter_get_pt_exec:
 * @self: a #PtAdapter
 *
 * Gets the command line of the pluggable transport.
 *
 * Returns: (transfer none) (array zero-terminated=1) (element-type filename) (nullable):
 *   the value of #PtAdapter:pt-exec
 */
const char * const *
pt_adapter_get_pt_exec (PtAdapter *self)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  g_return_val_if_fail (PT_IS_ADAPTER (self), NULL);

  return (const char * const *) priv->pt_exec;
}

/**
 * pt_adapter_get_state_location:
 * @self: a #PtAdapter
 *
 * Gets the PT's state directory. While a PT runs this is the directory it
 * was given, also when a temporary one was made for it.
 *
 * Returns: (transfer none) (nullable) (type filename): the value of
 *   #PtAdapter:state-location
 */
const char *
pt_adapter_get_state_location (PtAdapter *self)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  g_return_val_if_fail (PT_IS_ADAPTER (self), NULL);

  return priv->state_location;
}

/**
 * pt_adapter_get_exit_on_stdin_close:
 * @self: a #PtAdapter
 *
 * Gets whether the PT is told to exit when its standard input closes.
 *
 * Returns: the value of #PtAdapter:exit-on-stdin-close
 */
gboolean
pt_adapter_get_exit_on_stdin_close (PtAdapter *self)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  g_return_val_if_fail (PT_IS_ADAPTER (self), FALSE);

  return priv->exit_on_stdin_close;
}

/**
 * pt_adapter_get_start_timeout:
 * @self: a #PtAdapter
 *
 * Gets how long a start may take.
 *
 * Returns: the value of #PtAdapter:start-timeout, in milliseconds
 */
guint
pt_adapter_get_start_timeout (PtAdapter *self)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  g_return_val_if_fail (PT_IS_ADAPTER (self), 0);

  return priv->start_timeout_ms;
}

/**
 * pt_adapter_set_start_timeout:
 * @self: a #PtAdapter
 * @timeout_ms: the time allowed, in milliseconds; 0 for no limit
 *
 * Sets #PtAdapter:start-timeout. It applies to the next start.
 */
void
pt_adapter_set_start_timeout (PtAdapter *self,
                              guint      timeout_ms)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  g_return_if_fail (PT_IS_ADAPTER (self));

  if (priv->start_timeout_ms == timeout_ms)
    return;

  priv->start_timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_START_TIMEOUT]);
}

/**
 * pt_adapter_get_stop_timeout:
 * @self: a #PtAdapter
 *
 * Gets how long each stage of a stop waits for the PT to exit.
 *
 * Returns: the value of #PtAdapter:stop-timeout, in milliseconds
 */
guint
pt_adapter_get_stop_timeout (PtAdapter *self)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  g_return_val_if_fail (PT_IS_ADAPTER (self), 0);

  return priv->stop_timeout_ms;
}

/**
 * pt_adapter_set_stop_timeout:
 * @self: a #PtAdapter
 * @timeout_ms: the time each stage waits, in milliseconds
 *
 * Sets #PtAdapter:stop-timeout. It applies to the next stop.
 */
void
pt_adapter_set_stop_timeout (PtAdapter *self,
                             guint      timeout_ms)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  g_return_if_fail (PT_IS_ADAPTER (self));

  if (priv->stop_timeout_ms == timeout_ms)
    return;

  priv->stop_timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STOP_TIMEOUT]);
}

/**
 * pt_adapter_get_outbound_bind_address_v4:
 * @self: a #PtAdapter
 *
 * Gets the IPv4 source address the PT is asked to use.
 *
 * Returns: (nullable): the value of #PtAdapter:outbound-bind-address-v4
 */
const char *
pt_adapter_get_outbound_bind_address_v4 (PtAdapter *self)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  g_return_val_if_fail (PT_IS_ADAPTER (self), NULL);

  return priv->outbound_bind_address_v4;
}

/**
 * pt_adapter_set_outbound_bind_address_v4:
 * @self: a #PtAdapter
 * @address: (nullable): an IPv4 address such as "203.0.113.4", or %NULL
 *
 * Sets #PtAdapter:outbound-bind-address-v4. It applies to the next start,
 * which fails with %PT_ERROR_INVALID_ARGUMENT if @address is not an IPv4
 * address.
 */
void
pt_adapter_set_outbound_bind_address_v4 (PtAdapter  *self,
                                         const char *address)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  g_return_if_fail (PT_IS_ADAPTER (self));

  if (replace_string (&priv->outbound_bind_address_v4, address))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTBOUND_BIND_ADDRESS_V4]);
}

/**
 * pt_adapter_get_outbound_bind_address_v6:
 * @self: a #PtAdapter
 *
 * Gets the IPv6 source address the PT is asked to use.
 *
 * Returns: (nullable): the value of #PtAdapter:outbound-bind-address-v6
 */
const char *
pt_adapter_get_outbound_bind_address_v6 (PtAdapter *self)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  g_return_val_if_fail (PT_IS_ADAPTER (self), NULL);

  return priv->outbound_bind_address_v6;
}

/**
 * pt_adapter_set_outbound_bind_address_v6:
 * @self: a #PtAdapter
 * @address: (nullable): an IPv6 address such as "2001:db8::4", with or
 *   without brackets, or %NULL
 *
 * Sets #PtAdapter:outbound-bind-address-v6. It applies to the next start,
 * which fails with %PT_ERROR_INVALID_ARGUMENT if @address is not an IPv6
 * address.
 */
void
pt_adapter_set_outbound_bind_address_v6 (PtAdapter  *self,
                                         const char *address)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  g_return_if_fail (PT_IS_ADAPTER (self));

  if (replace_string (&priv->outbound_bind_address_v6, address))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTBOUND_BIND_ADDRESS_V6]);
}

/**
 * pt_adapter_get_state:
 * @self: a #PtAdapter
 *
 * Gets where the adapter is in its lifecycle.
 *
 * Returns: the value of #PtAdapter:state
 */
PtAdapterState
pt_adapter_get_state (PtAdapter *self)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  g_return_val_if_fail (PT_IS_ADAPTER (self), PT_ADAPTER_STATE_NEW);

  return priv->state;
}

/**
 * pt_adapter_get_identifier:
 * @self: a #PtAdapter
 *
 * Gets the identifier of the PT process while it runs: its process ID, as
 * a string (see g_subprocess_get_identifier()).
 *
 * Returns: (nullable): the identifier, or %NULL when no PT process is
 *   running
 */
const char *
pt_adapter_get_identifier (PtAdapter *self)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  g_return_val_if_fail (PT_IS_ADAPTER (self), NULL);

  if (priv->run == NULL || priv->run->subprocess == NULL || priv->run->exited)
    return NULL;

  return g_subprocess_get_identifier (priv->run->subprocess);
}

/* Kills the PT without waiting: the adapter is going away. */
static void
abandon_run (PtAdapter *self)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);
  Run *run = g_steal_pointer (&priv->run);

  if (run == NULL)
    return;

  run->adapter = NULL;
  g_cancellable_cancel (run->cancellable);
  _pt_clear_source (&run->timer);
  _pt_clear_source (&run->grace);
  _pt_clear_source (&run->start_cancel_source);
  if (!run->exited)
    g_subprocess_force_exit (run->subprocess);
  g_clear_pointer (&run->temp_dir, _pt_temp_dir_free);
  if (priv->ops->cleanup != NULL)
    priv->ops->cleanup (self);
  set_transports (self, NULL, NULL);

  run_unref (run);
}

static void
pt_adapter_dispose (GObject *object)
{
  abandon_run (PT_ADAPTER (object));

  G_OBJECT_CLASS (pt_adapter_parent_class)->dispose (object);
}

static void
pt_adapter_finalize (GObject *object)
{
  PtAdapter *self = PT_ADAPTER (object);
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  g_strfreev (priv->pt_exec);
  g_free (priv->requested_state_location);
  g_free (priv->state_location);
  g_free (priv->outbound_bind_address_v4);
  g_free (priv->outbound_bind_address_v6);
  g_clear_pointer (&priv->context, g_main_context_unref);
  g_mutex_clear (&priv->lock);

  G_OBJECT_CLASS (pt_adapter_parent_class)->finalize (object);
}

static void
pt_adapter_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  PtAdapter *self = PT_ADAPTER (object);
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_PT_EXEC:
      g_value_set_boxed (value, priv->pt_exec);
      break;
    case PROP_STATE_LOCATION:
      g_value_set_string (value, priv->state_location);
      break;
    case PROP_EXIT_ON_STDIN_CLOSE:
      g_value_set_boolean (value, priv->exit_on_stdin_close);
      break;
    case PROP_START_TIMEOUT:
      g_value_set_uint (value, priv->start_timeout_ms);
      break;
    case PROP_STOP_TIMEOUT:
      g_value_set_uint (value, priv->stop_timeout_ms);
      break;
    case PROP_OUTBOUND_BIND_ADDRESS_V4:
      g_value_set_string (value, priv->outbound_bind_address_v4);
      break;
    case PROP_OUTBOUND_BIND_ADDRESS_V6:
      g_value_set_string (value, priv->outbound_bind_address_v6);
      break;
    case PROP_STATE:
      g_value_set_enum (value, priv->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_adapter_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  PtAdapter *self = PT_ADAPTER (object);
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_PT_EXEC:
      priv->pt_exec = g_value_dup_boxed (value);
      break;
    case PROP_STATE_LOCATION:
      priv->requested_state_location = g_value_dup_string (value);
      if (priv->requested_state_location != NULL)
        priv->state_location = g_canonicalize_filename (priv->requested_state_location, NULL);
      break;
    case PROP_EXIT_ON_STDIN_CLOSE:
      priv->exit_on_stdin_close = g_value_get_boolean (value);
      break;
    case PROP_START_TIMEOUT:
      pt_adapter_set_start_timeout (self, g_value_get_uint (value));
      break;
    case PROP_STOP_TIMEOUT:
      pt_adapter_set_stop_timeout (self, g_value_get_uint (value));
      break;
    case PROP_OUTBOUND_BIND_ADDRESS_V4:
      pt_adapter_set_outbound_bind_address_v4 (self, g_value_get_string (value));
      break;
    case PROP_OUTBOUND_BIND_ADDRESS_V6:
      pt_adapter_set_outbound_bind_address_v6 (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_adapter_class_init (PtAdapterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _pt_init ();

  object_class->dispose = pt_adapter_dispose;
  object_class->finalize = pt_adapter_finalize;
  object_class->get_property = pt_adapter_get_property;
  object_class->set_property = pt_adapter_set_property;

  /**
   * PtAdapter:pt-exec:
   *
   * The command line of the pluggable transport: the program (a path, or a
   * name looked up in `PATH`) followed by its arguments, for example
   * `{ "/usr/bin/obfs4proxy", "-enableLogging", NULL }`.
   */
  properties[PROP_PT_EXEC] =
    g_param_spec_boxed ("pt-exec", "PT command line",
                        "The program of the pluggable transport and its arguments",
                        G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PtAdapter:state-location:
   *
   * The PT's state directory (`TOR_PT_STATE_LOCATION`), where it keeps
   * what must persist between runs, such as the keys of an obfs4 server.
   * The PT creates it if needed. A relative path is taken from the current
   * directory.
   *
   * When %NULL, every start creates a private temporary directory (mode
   * 0700) that is removed once the PT has exited; while the PT runs, this
   * property holds its path. If the application is killed before it can
   * remove the directory, the next application using this library under
   * the same user and temporary directory removes it when it makes its own.
   */
  properties[PROP_STATE_LOCATION] =
    g_param_spec_string ("state-location", "State location",
                         "The directory where the pluggable transport keeps its state",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PtAdapter:exit-on-stdin-close:
   *
   * Whether the PT is told (`TOR_PT_EXIT_ON_STDIN_CLOSE=1`) to exit when its
   * standard input closes. Stopping then starts by closing it, which lets the
   * PT exit gracefully; without it, stopping starts with SIGTERM.
   */
  properties[PROP_EXIT_ON_STDIN_CLOSE] =
    g_param_spec_boolean ("exit-on-stdin-close", "Exit on stdin close",
                          "Whether the pluggable transport exits when its input closes",
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PtAdapter:start-timeout:
   *
   * How long, in milliseconds, the PT may take from being spawned to
   * answering for every transport; 0 means no limit. A start that takes
   * longer fails with %PT_ERROR_TIMEOUT.
   */
  properties[PROP_START_TIMEOUT] =
    g_param_spec_uint ("start-timeout", "Start timeout",
                       "Milliseconds the pluggable transport may take to start, or 0",
                       0, G_MAXUINT, 30000,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PtAdapter:stop-timeout:
   *
   * How long, in milliseconds, each stage of a stop waits for the PT to exit
   * before the next stage: first after closing its input, then after
   * SIGTERM.
   */
  properties[PROP_STOP_TIMEOUT] =
    g_param_spec_uint ("stop-timeout", "Stop timeout",
                       "Milliseconds each stage of stopping waits for the pluggable transport",
                       0, G_MAXUINT, 2000,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PtAdapter:outbound-bind-address-v4:
   *
   * The IPv4 source address the PT should use for its outgoing
   * connections (`TOR_PT_OUTBOUND_BIND_ADDRESS_V4`), or %NULL for the
   * system's choice.
   */
  properties[PROP_OUTBOUND_BIND_ADDRESS_V4] =
    g_param_spec_string ("outbound-bind-address-v4", "Outbound IPv4 bind address",
                         "The IPv4 source address for the pluggable transport's connections",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PtAdapter:outbound-bind-address-v6:
   *
   * The IPv6 source address the PT should use for its outgoing
   * connections (`TOR_PT_OUTBOUND_BIND_ADDRESS_V6`), or %NULL for the
   * system's choice.
   */
  properties[PROP_OUTBOUND_BIND_ADDRESS_V6] =
    g_param_spec_string ("outbound-bind-address-v6", "Outbound IPv6 bind address",
                         "The IPv6 source address for the pluggable transport's connections",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PtAdapter:state:
   *
   * Where the adapter is in its lifecycle.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", "State",
                       "Where the adapter is in its lifecycle",
                       PT_TYPE_ADAPTER_STATE, PT_ADAPTER_STATE_NEW,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PtAdapter::log:
   * @self: the #PtAdapter
   * @severity: the severity the PT gave
   * @message: the message, decoded
   *
   * Emitted for each `LOG` message of the PT.
   */
  signals[SIGNAL_LOG] =
    g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, PT_TYPE_LOG_SEVERITY, G_TYPE_STRING);

  /**
   * PtAdapter::transport-status:
   * @self: the #PtAdapter
   * @transport: (nullable): the `TRANSPORT` field, when the PT gave one
   * @fields: (element-type utf8 utf8): the other fields, decoded
   *
   * Emitted for each `STATUS` message of the PT. @fields is only valid
   * during the emission; copy what you need.
   */
  signals[SIGNAL_TRANSPORT_STATUS] =
    g_signal_new ("transport-status", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_HASH_TABLE);

  /**
   * PtAdapter::exited:
   * @self: the #PtAdapter
   * @wait_status: the wait status of the PT, as for
   *   g_subprocess_get_status()
   *
   * Emitted when the PT process has exited, whatever the reason: stopped,
   * failed to start, or ended on its own. When it ends on its own while
   * running, #PtAdapter:state is %PT_ADAPTER_STATE_FAILED by the time this
   * is emitted.
   */
  signals[SIGNAL_EXITED] =
    g_signal_new ("exited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
pt_adapter_init (PtAdapter *self)
{
  PtAdapterPrivate *priv = pt_adapter_get_instance_private (self);

  priv->state = PT_ADAPTER_STATE_NEW;
  priv->context = g_main_context_ref_thread_default ();
  g_mutex_init (&priv->lock);
}
