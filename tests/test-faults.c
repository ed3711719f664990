/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fault injection (issue 6): PTs killed with connections open, PTs that
 * close their output, flood it, write it a byte at a time, ignore being
 * asked to stop, and starts cancelled at every phase. The fake PT and the
 * real obfs4proxy.
 *
 * Already in test-lifecycle.c and not repeated here:
 *   /lifecycle/start-fails/stdout-closed     stdout closed during the startup
 *                                            -> PT_ERROR_PROTOCOL (the grace
 *                                            logic of pt-adapter.c)
 *   /lifecycle/log-and-status/bytewise-crlf  both at once, with LOG and STATUS
 *   /lifecycle/stop/sigkill                  the SIGKILL wait status
 *   /lifecycle/cancel/before-spawn           pre-cancelled: nothing spawned
 *   /lifecycle/cancel/waiting-for-version    cancelled before VERSION
 *   /lifecycle/cancel/waiting-for-done       cancelled between VERSION and DONE
 * (the last three: G_IO_ERROR_CANCELLED, no process, no temp dir). */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-server-util.h"
#include "test-util.h"

/* pt-adapter.c: how long a run waits for the exit after stdout's end (and
 * the other way round). */
#define GRACE_MS          500
#define STREAM_END_MS     10000
#define N_OPEN            3
#define FLOOD_LINES       100000
#define FLOOD_RSS_BOUND   (4 * 1024 * 1024)

/* What the `exited` signal and state changes reported */

typedef struct
{
  gboolean exited;
  int      wait_status;
  guint    n_state_changes;
} Watch;

static void
on_exited (PtAdapter *adapter,
           int        wait_status,
           gpointer   user_data)
{
  Watch *watch = user_data;

  watch->exited = TRUE;
  watch->wait_status = wait_status;
}

static void
on_state_changed (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  Watch *watch = user_data;

  watch->n_state_changes++;
}

static void
watch_adapter (Watch     *watch,
               PtAdapter *adapter)
{
  memset (watch, 0, sizeof *watch);
  g_signal_connect (adapter, "exited", G_CALLBACK (on_exited), watch);
  g_signal_connect (adapter, "notify::state", G_CALLBACK (on_state_changed), watch);
}

static void
assert_killed_by (int wait_status,
                  int signal_number)
{
  g_assert_true (WIFSIGNALED (wait_status));
  g_assert_cmpint (WTERMSIG (wait_status), ==, signal_number);
}

static GPid
adapter_pid (PtAdapter *adapter)
{
  const char *identifier = pt_adapter_get_identifier (adapter);

  g_assert_nonnull (identifier);
  return (GPid) atoi (identifier);
}

/* Fake PTs */

/* fake-pt as a client PT for "alpha", with @steps after version and
 * cmethods (or instead of them, with @own_startup). */
static PtClientAdapter *
fake_client (gboolean            own_startup,
             const char * const *steps)
{
  const char *transports[] = { "alpha", NULL };
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (gpointer) pt_test_fake_pt ());
  if (!own_startup)
    {
      g_ptr_array_add (argv, "version");
      g_ptr_array_add (argv, "cmethods");
    }
  for (guint i = 0; steps != NULL && steps[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) steps[i]);
  g_ptr_array_add (argv, NULL);

  return pt_client_adapter_new ((const char * const *) argv->pdata, NULL, transports, NULL);
}

/* Streams */

static gboolean
on_read_deadline (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* Reads @stream until it ends, which must happen within STREAM_END_MS:
 * TRUE for end of file, FALSE for an error (in *@error). A stream that
 * hangs fails the test. */
static gboolean
read_until_end (GIOStream  *stream,
                GError    **error)
{
  GInputStream *input = g_io_stream_get_input_stream (stream);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GSource *deadline = g_timeout_source_new (STREAM_END_MS);
  gboolean at_eof = FALSE;
  guint8 buffer[4096];

  g_source_set_callback (deadline, on_read_deadline, cancellable, NULL);
  g_source_attach (deadline, NULL);

  for (;;)
    {
      PtTestPending pending = { FALSE, NULL };
      GError *local_error = NULL;
      gssize n_read;

      g_input_stream_read_async (input, buffer, sizeof buffer, G_PRIORITY_DEFAULT,
                                 cancellable, pt_test_pending_done, &pending);
      pt_test_run_until (&pending.done);
      n_read = g_input_stream_read_finish (input, pending.result, &local_error);
      g_object_unref (pending.result);
      if (n_read > 0)
        continue;

      /* Not our deadline: the stream really ended. */
      g_assert_false (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
      at_eof = n_read == 0;
      if (local_error != NULL)
        g_propagate_error (error, local_error);
      break;
    }

  g_source_destroy (deadline);
  g_source_unref (deadline);
  return at_eof;
}

/* The stream ends with end of file or a reset, never hangs. */
static void
assert_stream_ends (GIOStream *stream)
{
  g_autoptr(GError) error = NULL;

  if (!read_until_end (stream, &error))
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
}

static void
assert_echo (GIOStream *stream,
             gsize      size,
             guint32    seed)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_test_echo_roundtrip (stream, size, seed, &error));
  g_assert_no_error (error);
}

/* A connect through @transport of @client that must fail with
 * @domain/@code within @within_us. */
static void
assert_connect_fails (PtClientAdapter *client,
                      const char      *transport,
                      guint16          port,
                      GHashTable      *args,
                      GQuark           domain,
                      int              code,
                      gint64           within_us)
{
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();

  connection = pt_test_connect (client, transport, "127.0.0.1", port, args, &error);
  g_assert_null (connection);
  g_assert_error (error, domain, code);
  g_assert_cmpint (g_get_monotonic_time () - started, <, within_us);
}

/* Killed with connections open: the fake PT's SOCKS relay */

static void
test_fake_killed_with_connections (void)
{
  g_autoptr(PtTestEchoServer) echo = pt_test_echo_server_new ();
  guint16 echo_port = pt_test_echo_server_get_port (echo);
  g_autoptr(PtClientAdapter) client = fake_client (FALSE, NULL);
  GSocketConnection *connections[N_OPEN];
  g_autoptr(PtClientTransport) transport = NULL;
  g_autoptr(GError) error = NULL;
  Watch watch;
  GPid pid;

  watch_adapter (&watch, PT_ADAPTER (client));
  g_assert_true (pt_test_start (PT_ADAPTER (client), NULL, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < N_OPEN; i++)
    {
      connections[i] = pt_test_connect (client, "alpha", "127.0.0.1", echo_port, NULL, &error);
      g_assert_no_error (error);
      assert_echo (G_IO_STREAM (connections[i]), 65536, i);
    }

  pid = adapter_pid (PT_ADAPTER (client));
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  pt_test_run_until (&watch.exited);

  assert_killed_by (watch.wait_status, SIGKILL);
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (client)), ==, PT_ADAPTER_STATE_FAILED);
  g_assert_null (pt_adapter_get_identifier (PT_ADAPTER (client)));

  transport = pt_client_adapter_get_transport (client, "alpha", &error);
  g_assert_null (transport);
  g_assert_error (error, PT_ERROR, PT_ERROR_EXITED);
  /* At once: no SOCKS exchange is attempted. */
  assert_connect_fails (client, "alpha", echo_port, NULL, PT_ERROR, PT_ERROR_EXITED,
                        G_USEC_PER_SEC);

  for (guint i = 0; i < N_OPEN; i++)
    {
      assert_stream_ends (G_IO_STREAM (connections[i]));
      g_object_unref (connections[i]);
    }

  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
}

/* Killed with connections open: obfs4proxy on either side */

typedef enum
{
  KILL_CLIENT_PT,
  KILL_SERVER_PT,
} Victim;

static void
test_obfs4_killed_with_connections (gconstpointer data)
{
  Victim victim = GPOINTER_TO_INT (data);
  const char *transports[] = { "obfs4", NULL };
  g_autoptr(PtTestEchoServer) echo = pt_test_echo_server_new ();
  g_autoptr(PtServerAdapter) server = pt_test_obfs4_server_start (pt_test_echo_server_get_port (echo), NULL);
  g_autoptr(PtClientAdapter) client = NULL;
  g_autoptr(PtServerTransport) server_transport = NULL;
  GSocketConnection *connections[N_OPEN];
  g_autoptr(GError) error = NULL;
  PtAdapter *killed;
  PtAdapter *survivor;
  Watch killed_watch;
  Watch survivor_watch;

  client = pt_test_client_start (transports);

  for (guint i = 0; i < N_OPEN; i++)
    {
      connections[i] = pt_test_connect_to_server (client, PT_ADAPTER (server), "obfs4", &error);
      g_assert_no_error (error);
      assert_echo (G_IO_STREAM (connections[i]), 65536, i);
    }
  /* Kept to dial the dead server with afterwards. */
  server_transport = pt_server_adapter_get_transport (server, "obfs4", &error);
  g_assert_no_error (error);

  killed = victim == KILL_CLIENT_PT ? PT_ADAPTER (client) : PT_ADAPTER (server);
  survivor = victim == KILL_CLIENT_PT ? PT_ADAPTER (server) : PT_ADAPTER (client);
  watch_adapter (&killed_watch, killed);
  watch_adapter (&survivor_watch, survivor);

  g_assert_cmpint (kill (adapter_pid (killed), SIGKILL), ==, 0);
  pt_test_run_until (&killed_watch.exited);

  assert_killed_by (killed_watch.wait_status, SIGKILL);
  g_assert_cmpint (pt_adapter_get_state (killed), ==, PT_ADAPTER_STATE_FAILED);
  g_assert_null (pt_adapter_get_identifier (killed));

  /* The open streams end, through whichever side died. */
  for (guint i = 0; i < N_OPEN; i++)
    {
      assert_stream_ends (G_IO_STREAM (connections[i]));
      g_clear_object (&connections[i]);
    }

  if (victim == KILL_CLIENT_PT)
    {
      g_autoptr(PtClientTransport) transport = pt_client_adapter_get_transport (client, "obfs4", &error);

      g_assert_null (transport);
      g_assert_error (error, PT_ERROR, PT_ERROR_EXITED);
      g_clear_error (&error);

      assert_connect_fails (client, "obfs4", 9, NULL, PT_ERROR, PT_ERROR_EXITED, G_USEC_PER_SEC);
    }
  else
    {
      g_autoptr(GHashTable) args = pt_server_transport_dup_args (server_transport);
      GInetSocketAddress *address = pt_server_transport_get_address (server_transport);
      g_autoptr(PtServerTransport) gone = pt_server_adapter_get_transport (server, "obfs4", &error);

      g_assert_null (gone);
      g_assert_error (error, PT_ERROR, PT_ERROR_EXITED);
      g_clear_error (&error);

      /* The client PT cannot reach the dead server; obfs4proxy answers the
       * refused connection with SOCKS reply 01, "general failure". */
      assert_connect_fails (client, "obfs4", g_inet_socket_address_get_port (address), args,
                            G_IO_ERROR, G_IO_ERROR_PROXY_FAILED, 10 * G_USEC_PER_SEC);
    }

  /* The other side is untouched. */
  g_assert_false (survivor_watch.exited);
  g_assert_cmpuint (survivor_watch.n_state_changes, ==, 0);
  g_assert_cmpint (pt_adapter_get_state (survivor), ==, PT_ADAPTER_STATE_RUNNING);

  pt_test_stop_ok (survivor);
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
}

/* A PT that closes its output once running */

static gboolean
on_quiet_period_over (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef struct
{
  GIOStream *stream;
  GError    *error;
} EchoJob;

static gpointer
echo_job (gpointer user_data)
{
  EchoJob *job = user_data;

  return GINT_TO_POINTER (pt_test_echo_roundtrip (job->stream, 65536, 11, &job->error));
}

/* After the startup, the end of stdout is not the end of the PT: the
 * adapter stays RUNNING and usable past the grace period, and the PT's
 * exit is reported at once when it comes. */
static void
test_stdout_closed_while_running (gconstpointer data)
{
  gboolean then_killed = GPOINTER_TO_INT (data);
  const char *steps[] = { "close-stdout", NULL };
  g_autoptr(PtTestEchoServer) echo = pt_test_echo_server_new ();
  g_autoptr(PtClientAdapter) client = fake_client (FALSE, steps);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  gboolean quiet_period_over = FALSE;
  EchoJob job = { NULL, NULL };
  Watch watch;
  gint64 ended;

  watch_adapter (&watch, PT_ADAPTER (client));
  g_assert_true (pt_test_start (PT_ADAPTER (client), NULL, &error));
  g_assert_no_error (error);

  /* Twice the grace period with nothing happening: no event to wait for,
   * so a timer bounds the wait. */
  g_timeout_add (2 * GRACE_MS, on_quiet_period_over, &quiet_period_over);
  pt_test_run_until (&quiet_period_over);
  g_assert_false (watch.exited);
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (client)), ==, PT_ADAPTER_STATE_RUNNING);

  connection = pt_test_connect (client, "alpha", "127.0.0.1",
                                pt_test_echo_server_get_port (echo), NULL, &error);
  g_assert_no_error (error);
  job.stream = G_IO_STREAM (connection);
  g_assert_true (pt_test_run_in_thread (echo_job, &job));
  g_assert_no_error (job.error);

  if (then_killed)
    {
      gint64 killed = g_get_monotonic_time ();

      g_assert_cmpint (kill (adapter_pid (PT_ADAPTER (client)), SIGKILL), ==, 0);
      pt_test_run_until (&watch.exited);
      ended = g_get_monotonic_time () - killed;
      assert_killed_by (watch.wait_status, SIGKILL);
      g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (client)), ==, PT_ADAPTER_STATE_FAILED);
      assert_stream_ends (G_IO_STREAM (connection));
    }
  else
    {
      gint64 stopping = g_get_monotonic_time ();

      pt_test_stop_ok (PT_ADAPTER (client));
      ended = g_get_monotonic_time () - stopping;
      g_assert_true (watch.exited);
      g_assert_true (WIFEXITED (watch.wait_status));
      g_assert_cmpint (WEXITSTATUS (watch.wait_status), ==, 0);
      g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (client)), ==, PT_ADAPTER_STATE_STOPPED);
    }

  /* stdout's end was seen long ago: no grace period is waited. */
  g_test_message ("exit reported %.1f ms after it was caused", ended / 1000.0);
  g_assert_cmpint (ended, <, GRACE_MS * 1000 * pt_test_slowdown ());
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
}

/* A PT that floods LOG lines */

typedef struct
{
  guint    n_logs;
  guint    n_wrong;
  guint    next;          /* the number expected in the next "flood N" */
  guint    period;        /* the lines of one flood-log: step */
  guint    target;
  gboolean reached;
} Flood;

static void
on_flood_log (PtAdapter     *adapter,
              PtLogSeverity  severity,
              const char    *message,
              gpointer       user_data)
{
  Flood *flood = user_data;
  char expected[32];

  g_snprintf (expected, sizeof expected, "flood %u", flood->next);
  if (severity != PT_LOG_SEVERITY_DEBUG || strcmp (message, expected) != 0)
    flood->n_wrong++;

  flood->n_logs++;
  flood->next = flood->next + 1 == flood->period ? 0 : flood->next + 1;
  if (flood->n_logs == flood->target)
    flood->reached = TRUE;
}

/* Runs fake-pt with @lines LOG lines during the startup and as many once
 * running; every one must arrive, in order. */
static void
run_flood (guint lines)
{
  g_autofree char *flood_step = g_strdup_printf ("flood-log:%u", lines);
  const char *steps[] = { "version", flood_step, "cmethods", flood_step, NULL };
  g_autoptr(PtClientAdapter) client = fake_client (TRUE, steps);
  g_autoptr(GError) error = NULL;
  Flood flood = { 0, 0, 0, lines, 2 * lines, FALSE };

  g_signal_connect (client, "log", G_CALLBACK (on_flood_log), &flood);
  g_assert_true (pt_test_start (PT_ADAPTER (client), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (flood.n_logs, >=, lines);

  pt_test_run_until (&flood.reached);
  g_assert_cmpuint (flood.n_logs, ==, 2 * lines);
  g_assert_cmpuint (flood.n_wrong, ==, 0);
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (client)), ==, PT_ADAPTER_STATE_RUNNING);

  pt_test_stop_ok (PT_ADAPTER (client));
}

static void
test_flood (void)
{
  /* Fewer under valgrind: it is there for the errors, not the numbers. */
  guint lines = FLOOD_LINES / pt_test_slowdown ();
  gsize before;
  gsize after;

  /* The first run grows the heap to its working size. */
  run_flood (lines / 10);
  before = pt_test_get_rss ();
  run_flood (lines);
  after = pt_test_get_rss ();

  g_test_message ("flood of 2 x %u LOG lines: VmRSS %" G_GSIZE_FORMAT " KiB before, %"
                  G_GSIZE_FORMAT " KiB after", lines, before / 1024, after / 1024);
  pt_test_assert_rss_growth (before, after, FLOOD_RSS_BOUND);
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
}

/* Awkward output: one byte per write, "\r\n" line ends (each alone; the
 * two at once are in test-lifecycle.c) */

static void
test_awkward_output (gconstpointer data)
{
  const char *mode = data;
  const char *steps[] = { mode, "version", "line:LOG SEVERITY=notice MESSAGE=hello", "cmethods",
                          NULL };
  g_autoptr(PtTestEchoServer) echo = pt_test_echo_server_new ();
  g_autoptr(PtClientAdapter) client = fake_client (TRUE, steps);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  Flood flood = { 0, 0, 0, 1, 1, FALSE };

  g_signal_connect (client, "log", G_CALLBACK (on_flood_log), &flood);
  g_assert_true (pt_test_start (PT_ADAPTER (client), NULL, &error));
  g_assert_no_error (error);
  /* "hello" is not a flood line: counted, and counted as such. */
  g_assert_cmpuint (flood.n_logs, ==, 1);
  g_assert_cmpuint (flood.n_wrong, ==, 1);

  connection = pt_test_connect (client, "alpha", "127.0.0.1",
                                pt_test_echo_server_get_port (echo), NULL, &error);
  g_assert_no_error (error);
  assert_echo (G_IO_STREAM (connection), 4096, 5);

  pt_test_stop_ok (PT_ADAPTER (client));
}

/* A PT that ignores both stdin's end and SIGTERM */

#define STOP_TIMEOUT_MS 300

static void
test_stubborn_pt_killed_after_stop_timeout (void)
{
  const char *steps[] = { "ignore-sigterm", "ignore-stdin", NULL };
  g_autoptr(PtClientAdapter) client = fake_client (FALSE, steps);
  g_autoptr(GError) error = NULL;
  gint64 started;
  gint64 took;
  Watch watch;

  pt_adapter_set_stop_timeout (PT_ADAPTER (client), STOP_TIMEOUT_MS);
  watch_adapter (&watch, PT_ADAPTER (client));
  g_assert_true (pt_test_start (PT_ADAPTER (client), NULL, &error));
  g_assert_no_error (error);

  started = g_get_monotonic_time ();
  pt_test_stop_ok (PT_ADAPTER (client));
  took = g_get_monotonic_time () - started;

  g_test_message ("stop took %" G_GINT64_FORMAT " ms with a stop-timeout of %d ms",
                  took / 1000, STOP_TIMEOUT_MS);
  assert_killed_by (watch.wait_status, SIGKILL);
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (client)), ==, PT_ADAPTER_STATE_STOPPED);
  /* One stop-timeout after closing stdin, one after SIGTERM, then SIGKILL. */
  g_assert_cmpint (took, >=, 2 * STOP_TIMEOUT_MS * 1000);
  g_assert_cmpint (took, <, (2 * STOP_TIMEOUT_MS + 2000 * pt_test_slowdown ()) * 1000);
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
}

/* Cancelled with obfs4proxy: just spawned, before any line was read */

static void
test_cancel_obfs4proxy_just_spawned (void)
{
  const char *argv[] = { pt_test_obfs4proxy (), NULL };
  const char *transports[] = { "obfs4", NULL };
  g_autoptr(PtClientAdapter) client = pt_client_adapter_new (argv, NULL, transports, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  PtTestPending pending = { FALSE, NULL };
  PtTestExitWatch *exit_watch;
  Watch watch;

  watch_adapter (&watch, PT_ADAPTER (client));
  pt_adapter_start_async (PT_ADAPTER (client), cancellable, pt_test_pending_done, &pending);
  /* Spawned already. */
  exit_watch = pt_test_exit_watch_new (adapter_pid (PT_ADAPTER (client)));
  g_cancellable_cancel (cancellable);
  pt_test_run_until (&pending.done);

  g_assert_false (pt_adapter_start_finish (PT_ADAPTER (client), pending.result, &error));
  g_clear_object (&pending.result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (client)), ==, PT_ADAPTER_STATE_FAILED);
  /* Killed and reaped by the time the start failed. */
  g_assert_true (watch.exited);
  assert_killed_by (watch.wait_status, SIGKILL);
  g_assert_true (pt_test_exit_watch_wait (exit_watch, 0));
  pt_test_exit_watch_free (exit_watch);
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  pt_test_init (&argc, &argv);

  g_test_add_func ("/faults/killed-with-connections/fake-pt", test_fake_killed_with_connections);
  g_test_add_data_func ("/faults/killed-with-connections/obfs4-client-pt",
                        GINT_TO_POINTER (KILL_CLIENT_PT), test_obfs4_killed_with_connections);
  g_test_add_data_func ("/faults/killed-with-connections/obfs4-server-pt",
                        GINT_TO_POINTER (KILL_SERVER_PT), test_obfs4_killed_with_connections);
  g_test_add_data_func ("/faults/stdout-closed-while-running/then-stopped",
                        GINT_TO_POINTER (FALSE), test_stdout_closed_while_running);
  g_test_add_data_func ("/faults/stdout-closed-while-running/then-killed",
                        GINT_TO_POINTER (TRUE), test_stdout_closed_while_running);
  g_test_add_func ("/faults/flood-log", test_flood);
  g_test_add_data_func ("/faults/awkward-output/bytewise", "bytewise", test_awkward_output);
  g_test_add_data_func ("/faults/awkward-output/crlf", "crlf", test_awkward_output);
  g_test_add_func ("/faults/stubborn-pt-killed-after-stop-timeout",
                   test_stubborn_pt_killed_after_stop_timeout);
  g_test_add_func ("/faults/cancel/obfs4proxy-just-spawned", test_cancel_obfs4proxy_just_spawned);

  return g_test_run ();
}
