/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>

#include "test-util.h"
#include "pt-message-private.h"

#define WATCHDOG_SECONDS 60

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

static char *own_tmpdir;

static void
remove_own_tmpdir (void)
{
  /* Only if empty: what is left is for test-leftovers to report. */
  g_rmdir (own_tmpdir);
}

void
pt_test_init (int    *argc,
              char ***argv)
{
  const char *base = g_getenv ("PT_TEST_TMPDIR");
  g_autofree char *program = g_path_get_basename ((*argv)[0]);

  g_test_init (argc, argv, NULL);

  if (base != NULL)
    {
      /* Per process, so that runs of the same program in parallel (meson
       * test --repeat) do not see each other's temp dirs. */
      own_tmpdir = g_strdup_printf ("%s/%s.%d", base, program, (int) getpid ());
      g_assert_cmpint (g_mkdir_with_parents (own_tmpdir, 0700), ==, 0);
      g_setenv ("TMPDIR", own_tmpdir, TRUE);
      atexit (remove_own_tmpdir);
    }
}

guint
pt_test_count_adapter_temp_dirs (void)
{
  GDir *dir = g_dir_open (g_get_tmp_dir (), 0, NULL);
  const char *name;
  guint count = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (g_str_has_prefix (name, "ptadapter-"))
        count++;
    }
  g_dir_close (dir);

  return count;
}

const char *
pt_test_fake_pt (void)
{
  const char *path = g_getenv ("PT_TEST_FAKE_PT");

  if (path == NULL)
    g_error ("PT_TEST_FAKE_PT is not set; run the tests with meson test");

  return path;
}

const char *
pt_test_obfs4proxy (void)
{
  const char *path = g_getenv ("PT_TEST_OBFS4PROXY");

  /* Not a skip: the test command installs obfs4proxy, so its absence is a
   * failure of the setup. */
  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("obfs4proxy is required (apt-get install obfs4proxy)");

  return path;
}

static gboolean
on_watchdog (gpointer user_data)
{
  g_error ("The test did not finish within %u seconds", GPOINTER_TO_UINT (user_data));
  return G_SOURCE_REMOVE;
}

void
pt_test_run_until (gboolean *flag)
{
  pt_test_run_until_within (flag, WATCHDOG_SECONDS);
}

void
pt_test_run_until_within (gboolean *flag,
                          guint     seconds)
{
  GMainContext *context = g_main_context_get_thread_default ();
  GSource *watchdog = g_timeout_source_new_seconds (seconds);

  g_source_set_callback (watchdog, on_watchdog, GUINT_TO_POINTER (seconds), NULL);
  g_source_attach (watchdog, context);

  while (!*flag)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (watchdog);
  g_source_unref (watchdog);
}

void
pt_test_pending_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  PtTestPending *pending = user_data;

  pending->result = g_object_ref (result);
  pending->done = TRUE;
}

gboolean
pt_test_start (PtAdapter     *adapter,
               GCancellable  *cancellable,
               GError       **error)
{
  PtTestPending pending = { 0 };
  gboolean ok;

  pt_adapter_start_async (adapter, cancellable, pt_test_pending_done, &pending);
  pt_test_run_until (&pending.done);
  ok = pt_adapter_start_finish (adapter, pending.result, error);
  g_object_unref (pending.result);

  return ok;
}

gboolean
pt_test_stop (PtAdapter  *adapter,
              GError    **error)
{
  PtTestPending pending = { 0 };
  gboolean ok;

  pt_adapter_stop_async (adapter, NULL, pt_test_pending_done, &pending);
  pt_test_run_until (&pending.done);
  ok = pt_adapter_stop_finish (adapter, pending.result, error);
  g_object_unref (pending.result);

  return ok;
}

GSocketConnection *
pt_test_connect (PtClientAdapter  *adapter,
                 const char       *transport,
                 const char       *host,
                 guint16           port,
                 GHashTable       *args,
                 GError          **error)
{
  PtTestPending pending = { 0 };
  GSocketConnection *connection;

  pt_client_adapter_connect_async (adapter, transport, host, port, args, NULL,
                                   pt_test_pending_done, &pending);
  pt_test_run_until (&pending.done);
  connection = pt_client_adapter_connect_finish (adapter, pending.result, error);
  g_object_unref (pending.result);

  return connection;
}

char *
pt_test_temp_path (const char *what)
{
  static gint counter;
  int n = g_atomic_int_add (&counter, 1);

  return g_strdup_printf ("%s/pt-test-%d-%d-%s", g_get_tmp_dir (), (int) getpid (), n, what);
}

char *
pt_test_read_file (const char *path)
{
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;

  return contents;
}

GHashTable *
pt_test_read_env_file (const char *path)
{
  g_autofree char *contents = NULL;
  GHashTable *environment;
  gsize length;
  gsize start = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return NULL;

  environment = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (gsize i = 0; i < length; i++)
    {
      if (contents[i] == '\0')
        {
          const char *entry = contents + start;
          const char *equals = strchr (entry, '=');

          if (equals != NULL)
            g_hash_table_insert (environment, g_strndup (entry, (gsize) (equals - entry)),
                                 g_strdup (equals + 1));
          start = i + 1;
        }
    }

  return environment;
}

GPid
pt_test_read_pid_file (const char *path)
{
  g_autofree char *contents = pt_test_read_file (path);

  g_assert_nonnull (contents);
  return (GPid) g_ascii_strtoll (contents, NULL, 10);
}

gboolean
pt_test_process_exists (GPid pid)
{
  return kill (pid, 0) == 0 || errno != ESRCH;
}

void
pt_test_wait_for_exit (GPid pid)
{
  /* An exit watch, which also works without pidfd_open() (valgrind). */
  PtTestExitWatch *watch = pt_test_exit_watch_new (pid);

  g_assert_true (pt_test_exit_watch_wait (watch, WATCHDOG_SECONDS * 1000));
  pt_test_exit_watch_free (watch);
}

GHashTable *
pt_test_args_new (const char *first_key,
                  ...)
{
  GHashTable *args = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *key = first_key;
  va_list ap;

  va_start (ap, first_key);
  while (key != NULL)
    {
      const char *value = va_arg (ap, const char *);

      g_hash_table_insert (args, g_strdup (key), g_strdup (value));
      key = va_arg (ap, const char *);
    }
  va_end (ap);

  return args;
}

typedef struct
{
  GThreadFunc func;
  gpointer    data;
  gpointer    result;
  gboolean    done;
  GMainContext *context;
} ThreadCall;

static gboolean
wake_up (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

static gpointer
thread_call_run (gpointer user_data)
{
  ThreadCall *call = user_data;

  call->result = call->func (call->data);
  g_atomic_int_set (&call->done, TRUE);
  g_main_context_invoke (call->context, wake_up, NULL);

  return NULL;
}

gpointer
pt_test_run_in_thread (GThreadFunc func,
                       gpointer    data)
{
  ThreadCall call = { func, data, NULL, FALSE, g_main_context_get_thread_default () };
  GThread *thread;

  if (call.context == NULL)
    call.context = g_main_context_default ();

  thread = g_thread_new ("pt-test", thread_call_run, &call);
  while (!g_atomic_int_get (&call.done))
    g_main_context_iteration (call.context, TRUE);
  g_thread_join (thread);

  return call.result;
}

static void
fill_pattern (guint8  *buffer,
              gsize    size,
              guint32  seed)
{
  GRand *rand = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < size; i += 4)
    {
      guint32 value = g_rand_int (rand);

      memcpy (buffer + i, &value, MIN (4, size - i));
    }

  g_rand_free (rand);
}

typedef struct
{
  GOutputStream *output;
  const guint8  *data;
  gsize          size;
  GError        *error;
} WriterJob;

static gpointer
write_all_job (gpointer user_data)
{
  WriterJob *job = user_data;

  g_output_stream_write_all (job->output, job->data, job->size, NULL, NULL, &job->error);
  return NULL;
}

gboolean
pt_test_echo_roundtrip (GIOStream  *stream,
                        gsize       size,
                        guint32     seed,
                        GError    **error)
{
  g_autofree guint8 *sent = g_malloc (size);
  g_autofree guint8 *received = g_malloc (size);
  WriterJob job = { g_io_stream_get_output_stream (stream), sent, size, NULL };
  GThread *writer;
  gsize n_read = 0;
  gboolean read_ok;

  fill_pattern (sent, size, seed);
  writer = g_thread_new ("pt-test-writer", write_all_job, &job);
  read_ok = g_input_stream_read_all (g_io_stream_get_input_stream (stream),
                                     received, size, &n_read, NULL, error);
  g_thread_join (writer);

  if (job.error != NULL)
    {
      if (read_ok)
        g_propagate_error (error, job.error);
      else
        g_error_free (job.error);
      return FALSE;
    }
  if (!read_ok)
    return FALSE;

  if (n_read != size || memcmp (sent, received, size) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Echoed data differs: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes came back",
                   n_read, size);
      return FALSE;
    }

  return TRUE;
}

/* Echo server */

struct _PtTestEchoServer
{
  GSocket  *listener;
  guint16   port;
  GThread  *accept_thread;
  GMutex    lock;
  GPtrArray *connections;   /* GSocket, to shut down at the end */
  GPtrArray *threads;
  gboolean  stopping;
};

typedef struct
{
  PtTestEchoServer *server;
  GSocket          *socket;
} EchoJob;

static gpointer
echo_connection (gpointer user_data)
{
  EchoJob *job = user_data;
  char buffer[16384];

  for (;;)
    {
      gssize n = g_socket_receive (job->socket, buffer, sizeof buffer, NULL, NULL);
      gssize written = 0;

      if (n <= 0)
        break;
      while (written < n)
        {
          gssize w = g_socket_send (job->socket, buffer + written, (gsize) (n - written), NULL, NULL);

          if (w <= 0)
            goto done;
          written += w;
        }
    }

done:
  g_socket_close (job->socket, NULL);
  g_object_unref (job->socket);
  g_free (job);
  return NULL;
}

static gpointer
accept_loop (gpointer user_data)
{
  PtTestEchoServer *server = user_data;

  for (;;)
    {
      GSocket *socket = g_socket_accept (server->listener, NULL, NULL);
      EchoJob *job;

      if (socket == NULL)
        break;

      g_mutex_lock (&server->lock);
      if (server->stopping)
        {
          g_mutex_unlock (&server->lock);
          g_object_unref (socket);
          break;
        }
      job = g_new0 (EchoJob, 1);
      job->server = server;
      job->socket = g_object_ref (socket);
      g_ptr_array_add (server->connections, socket);
      g_ptr_array_add (server->threads, g_thread_new ("pt-test-echo", echo_connection, job));
      g_mutex_unlock (&server->lock);
    }

  return NULL;
}

PtTestEchoServer *
pt_test_echo_server_new (void)
{
  return pt_test_echo_server_new_for_family (G_SOCKET_FAMILY_IPV4);
}

PtTestEchoServer *
pt_test_echo_server_new_for_family (GSocketFamily family)
{
  PtTestEchoServer *server = g_new0 (PtTestEchoServer, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (family);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GError *error = NULL;

  server->listener = g_socket_new (family, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (server->listener, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_set_listen_backlog (server->listener, 256);
  g_socket_listen (server->listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (server->listener, &error);
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  g_mutex_init (&server->lock);
  server->connections = g_ptr_array_new_with_free_func (g_object_unref);
  server->threads = g_ptr_array_new ();
  server->accept_thread = g_thread_new ("pt-test-accept", accept_loop, server);

  return server;
}

guint16
pt_test_echo_server_get_port (PtTestEchoServer *server)
{
  return server->port;
}

void
pt_test_echo_server_free (PtTestEchoServer *server)
{
  g_mutex_lock (&server->lock);
  server->stopping = TRUE;
  for (guint i = 0; i < server->connections->len; i++)
    g_socket_shutdown (g_ptr_array_index (server->connections, i), TRUE, TRUE, NULL);
  g_mutex_unlock (&server->lock);

  /* Wakes the accept thread up. */
  g_socket_shutdown (server->listener, TRUE, TRUE, NULL);
  g_socket_close (server->listener, NULL);
  g_thread_join (server->accept_thread);

  for (guint i = 0; i < server->threads->len; i++)
    g_thread_join (g_ptr_array_index (server->threads, i));

  g_ptr_array_unref (server->threads);
  g_ptr_array_unref (server->connections);
  g_object_unref (server->listener);
  g_mutex_clear (&server->lock);
  g_free (server);
}

/* obfs4proxy as a server, started by hand */

PtTestRawServer *
pt_test_raw_server_start (const char *transport,
                          guint16     forward_port)
{
  PtTestRawServer *server = g_new0 (PtTestRawServer, 1);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *orport = g_strdup_printf ("127.0.0.1:%u", forward_port);
  g_autofree char *bindaddr = g_strdup_printf ("%s-127.0.0.1:0", transport);
  const char *argv[] = { pt_test_obfs4proxy (), NULL };
  GError *error = NULL;

  server->state_dir = g_dir_make_tmp ("pt-test-server-XXXXXX", &error);
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "TOR_PT_CLIENT_TRANSPORTS");
  g_subprocess_launcher_setenv (launcher, "TOR_PT_MANAGED_TRANSPORT_VER", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "TOR_PT_STATE_LOCATION", server->state_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "TOR_PT_EXIT_ON_STDIN_CLOSE", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "TOR_PT_SERVER_TRANSPORTS", transport, TRUE);
  g_subprocess_launcher_setenv (launcher, "TOR_PT_SERVER_BINDADDR", bindaddr, TRUE);
  g_subprocess_launcher_setenv (launcher, "TOR_PT_ORPORT", orport, TRUE);
  g_subprocess_launcher_setenv (launcher, "TOR_PT_EXTENDED_SERVER_PORT", "", TRUE);

  server->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  for (;;)
    {
      gsize length;
      g_autofree char *line = g_data_input_stream_read_line (lines, &length, NULL, &error);
      g_autoptr(PtMessage) message = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (line);

      message = _pt_message_parse (line, length, &error);
      g_assert_no_error (error);

      if (message->kind == PT_MESSAGE_SMETHOD)
        {
          g_assert_cmpstr (message->transport, ==, transport);
          server->port = g_inet_socket_address_get_port (message->address);
          server->args = g_hash_table_ref (message->args);
        }
      else if (message->kind == PT_MESSAGE_SMETHODS_DONE)
        {
          break;
        }
      else
        {
          g_assert_cmpint (message->kind, ==, PT_MESSAGE_VERSION);
        }
    }

  g_assert_cmpuint (server->port, !=, 0);
  return server;
}

void
pt_test_raw_server_stop (PtTestRawServer *server)
{
  GError *error = NULL;

  g_output_stream_close (g_subprocess_get_stdin_pipe (server->process), NULL, NULL);
  g_subprocess_wait (server->process, NULL, &error);
  g_assert_no_error (error);

  remove_tree (server->state_dir);
  g_clear_pointer (&server->args, g_hash_table_unref);
  g_object_unref (server->process);
  g_free (server->state_dir);
  g_free (server);
}

/* Hardening helpers (issue 6) */

guint
pt_test_slowdown (void)
{
  const char *preload = g_getenv ("LD_PRELOAD");

  if (preload != NULL && strstr (preload, "vgpreload") != NULL)
    return 20;
#ifdef __SANITIZE_ADDRESS__
  /* ASan + UBSan (.ci/hardening.sh): the tests and fake-pt run slower, and
   * a killed PT, with its large mappings, takes up to a second to be
   * reaped on a loaded 2-core machine. */
  return 4;
#else
  return 1;
#endif
}

gsize
pt_test_get_rss (void)
{
  g_autofree char *status = pt_test_read_file ("/proc/self/status");
  const char *line;
  guint64 kib = 0;

  g_assert_nonnull (status);
  line = strstr (status, "\nVmRSS:");
  g_assert_nonnull (line);
  kib = g_ascii_strtoull (line + strlen ("\nVmRSS:"), NULL, 10);
  g_assert_cmpuint (kib, >, 0);

  return (gsize) kib * 1024;
}

void
pt_test_assert_rss_growth (gsize before,
                           gsize after,
                           gsize bound)
{
  /* Under valgrind or ASan (whose quarantine keeps 256 MiB of freed
   * blocks) RSS tells nothing. */
  if (pt_test_slowdown () > 1)
    {
      g_test_message ("VmRSS is not checked under valgrind or ASan");
      return;
    }
  g_assert_cmpuint (after, <=, before + bound);
}

void
pt_test_fill_pattern (guint8  *buffer,
                      gsize    size,
                      guint32  seed)
{
  fill_pattern (buffer, size, seed);
}

guint64
pt_test_echo_stream (GIOStream *stream,
                     GChecksum *checksum)
{
  GInputStream *input = g_io_stream_get_input_stream (stream);
  GOutputStream *output = g_io_stream_get_output_stream (stream);
  guint8 buffer[16384];
  guint64 total = 0;
  gssize n;

  while ((n = g_input_stream_read (input, buffer, sizeof buffer, NULL, NULL)) > 0)
    {
      if (checksum != NULL)
        g_checksum_update (checksum, buffer, n);
      if (!g_output_stream_write_all (output, buffer, (gsize) n, NULL, NULL, NULL))
        break;
      total += (guint64) n;
    }

  g_io_stream_close (stream, NULL, NULL);
  return total;
}

struct _PtTestExitWatch
{
  GPid pid;
  int  pidfd;
};

PtTestExitWatch *
pt_test_exit_watch_new (GPid pid)
{
  PtTestExitWatch *watch = g_new0 (PtTestExitWatch, 1);

  watch->pid = pid;
  watch->pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (watch->pidfd < 0)
    g_assert_true (errno == ESRCH || errno == ENOSYS);

  return watch;
}

/* Exited: a zombie, or reaped already. */
static gboolean
process_has_exited (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = pt_test_read_file (path);
  const char *end = stat != NULL ? strrchr (stat, ')') : NULL;

  return end == NULL || end[1] != ' ' || end[2] == 'Z' || end[2] == 'X';
}

gboolean
pt_test_exit_watch_wait (PtTestExitWatch *watch,
                         int              timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  GPollFD poll_fd = { watch->pidfd, G_IO_IN, 0 };

  if (watch->pidfd < 0)
    {
      /* No pidfd (valgrind 3.19 lacks pidfd_open()): polling is what is
       * left. */
      while (!process_has_exited (watch->pid))
        {
          if (g_get_monotonic_time () > deadline)
            return FALSE;
          g_usleep (5 * 1000);
        }
      return TRUE;
    }

  for (;;)
    {
      gint64 left = MAX (deadline - g_get_monotonic_time (), 0);
      int n = g_poll (&poll_fd, 1, (int) ((left + 999) / 1000));

      if (n == 1)
        return TRUE;
      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, ==, 0);
      return FALSE;
    }
}

void
pt_test_exit_watch_free (PtTestExitWatch *watch)
{
  if (watch->pidfd >= 0)
    close (watch->pidfd);
  g_free (watch);
}
