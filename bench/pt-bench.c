/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pt-bench: what ptadapter costs around a real obfs4proxy, on loopback.
 * Run by hand; prints one "name value unit" line per measurement.
 *
 *   start_to_ready_median   spawn of a client obfs4proxy to CMETHODS DONE (median of --starts)
 *   connect_median          connect through obfs4 (SOCKS + obfs4 handshake) to a PtServerAdapter
 *                           (median of --connects)
 *   conn_rate_server        connect, 1 KiB echo, close, in sequence, through PtServerAdapter
 *   conn_rate_ext_server    the same through PtExtServerAdapter (adds the ExtORPort handshake)
 */
#include <stdlib.h>
#include <string.h>

#include <ptadapter/ptadapter.h>

static char *obfs4proxy;
static int n_starts = 20;
static int n_connects = 100;
static int n_rate = 300;

typedef struct
{
  gboolean      done;
  GAsyncResult *result;
} Wait;

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static GAsyncResult *
wait_for (Wait *wait)
{
  while (!wait->done)
    g_main_context_iteration (NULL, TRUE);
  return wait->result;
}

static void
die_on_error (GError *error)
{
  if (error != NULL)
    {
      g_printerr ("pt-bench: %s\n", error->message);
      exit (1);
    }
}

static void
start (PtAdapter *adapter)
{
  Wait wait = { FALSE, NULL };
  GError *error = NULL;

  pt_adapter_start_async (adapter, NULL, on_done, &wait);
  pt_adapter_start_finish (adapter, wait_for (&wait), &error);
  g_object_unref (wait.result);
  die_on_error (error);
}

static void
stop (PtAdapter *adapter)
{
  Wait wait = { FALSE, NULL };

  pt_adapter_stop_async (adapter, NULL, on_done, &wait);
  pt_adapter_stop_finish (adapter, wait_for (&wait), NULL);
  g_object_unref (wait.result);
}

static GSocketConnection *
connect_through (PtClientAdapter *client,
                 guint16          port,
                 GHashTable      *args)
{
  Wait wait = { FALSE, NULL };
  GError *error = NULL;
  GSocketConnection *connection;

  pt_client_adapter_connect_async (client, "obfs4", "127.0.0.1", port, args, NULL, on_done, &wait);
  connection = pt_client_adapter_connect_finish (client, wait_for (&wait), &error);
  g_object_unref (wait.result);
  die_on_error (error);

  return connection;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, values->len / 2);
}

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static PtClientAdapter *
new_client (void)
{
  const char *pt_exec[] = { obfs4proxy, NULL };
  const char *transports[] = { "obfs4", NULL };

  return pt_client_adapter_new (pt_exec, NULL, transports, NULL);
}

static void
bench_start_to_ready (void)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));

  for (int i = 0; i < n_starts; i++)
    {
      g_autoptr(PtClientAdapter) client = new_client ();
      double started = now_ms ();
      double elapsed;

      start (PT_ADAPTER (client));
      elapsed = now_ms () - started;
      g_array_append_val (times, elapsed);
      stop (PT_ADAPTER (client));
    }

  g_print ("start_to_ready_median %.2f ms\n", median (times));
}

/* The application behind the server: echoes on a thread per client. */
static gboolean
on_echo_client (GThreadedSocketService *service,
                GSocketConnection      *connection,
                GObject                *source_object,
                gpointer                user_data)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  guint8 buffer[16384];
  gssize n;

  while ((n = g_input_stream_read (input, buffer, sizeof buffer, NULL, NULL)) > 0)
    {
      if (!g_output_stream_write_all (output, buffer, (gsize) n, NULL, NULL, NULL))
        break;
    }

  return TRUE;
}

static GSocketService *
new_echo_service (GInetSocketAddress **address_out)
{
  GSocketService *service = g_threaded_socket_service_new (64);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  GSocketAddress *bound = NULL;
  GError *error = NULL;

  g_signal_connect (service, "run", G_CALLBACK (on_echo_client), NULL);
  g_socket_listener_add_address (G_SOCKET_LISTENER (service), any_port, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  die_on_error (error);
  *address_out = G_INET_SOCKET_ADDRESS (bound);

  return service;
}

/* ExtORPort clients: echo asynchronously on the main context. */
typedef struct
{
  GIOStream *stream;
  guint8     buffer[16384];
} EchoState;

static void echo_read (EchoState *state);

static void
on_echo_written (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  EchoState *state = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    {
      g_object_unref (state->stream);
      g_free (state);
      return;
    }
  echo_read (state);
}

static void
on_echo_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  EchoState *state = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0)
    {
      g_io_stream_close (state->stream, NULL, NULL);
      g_object_unref (state->stream);
      g_free (state);
      return;
    }
  g_output_stream_write_all_async (g_io_stream_get_output_stream (state->stream),
                                   state->buffer, (gsize) n, G_PRIORITY_DEFAULT, NULL,
                                   on_echo_written, state);
}

static void
echo_read (EchoState *state)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (state->stream),
                             state->buffer, sizeof state->buffer, G_PRIORITY_DEFAULT, NULL,
                             on_echo_read, state);
}

static void
on_client_connected (PtExtServerAdapter    *adapter,
                     GIOStream             *stream,
                     PtExtOrPortClientInfo *info,
                     gpointer               user_data)
{
  EchoState *state = g_new0 (EchoState, 1);

  state->stream = g_object_ref (stream);
  echo_read (state);
}

typedef struct
{
  PtClientAdapter *client;
  guint16          port;
  GHashTable      *args;
  int              count;
  double           seconds;
  GError          *error;
  gint             done;
} RateJob;

/* Blocking connections in a thread, so the main context keeps serving the
 * ExtORPort meanwhile. */
static gpointer
run_rate (gpointer data)
{
  RateJob *job = data;
  guint8 message[1024];
  guint8 reply[1024];
  gint64 started;

  memset (message, 'x', sizeof message);
  started = g_get_monotonic_time ();
  for (int i = 0; i < job->count && job->error == NULL; i++)
    {
      g_autoptr(GSocketConnection) connection = NULL;
      gsize n_read;

      connection = pt_client_adapter_connect (job->client, "obfs4", "127.0.0.1", job->port,
                                              job->args, NULL, &job->error);
      if (connection == NULL)
        break;
      if (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                     message, sizeof message, NULL, NULL, &job->error))
        g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                 reply, sizeof reply, &n_read, NULL, &job->error);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
  job->seconds = (g_get_monotonic_time () - started) / 1e6;
  g_atomic_int_set (&job->done, TRUE);
  g_main_context_wakeup (NULL);

  return NULL;
}

static double
measure_rate (PtClientAdapter *client,
              guint16          port,
              GHashTable      *args)
{
  RateJob job = { client, port, args, n_rate, 0, NULL, FALSE };
  GThread *thread = g_thread_new ("rate", run_rate, &job);

  while (!g_atomic_int_get (&job.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  die_on_error (job.error);

  return job.count / job.seconds;
}

int
main (int   argc,
      char *argv[])
{
  GOptionEntry entries[] = {
    { "obfs4proxy", 0, 0, G_OPTION_ARG_FILENAME, &obfs4proxy, "The obfs4proxy program", "PATH" },
    { "starts", 0, 0, G_OPTION_ARG_INT, &n_starts, "Starts to time (default 20)", "N" },
    { "connects", 0, 0, G_OPTION_ARG_INT, &n_connects, "Connects to time (default 100)", "N" },
    { "rate-connections", 0, 0, G_OPTION_ARG_INT, &n_rate, "Connections per rate run (default 300)", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("- measure ptadapter around obfs4proxy");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketService) echo = NULL;
  g_autoptr(GInetSocketAddress) echo_address = NULL;
  g_autoptr(PtServerAdapter) server = NULL;
  g_autoptr(PtServerTransport) server_transport = NULL;
  g_autoptr(PtExtServerAdapter) ext_server = NULL;
  g_autoptr(PtServerTransport) ext_transport = NULL;
  g_autoptr(GHashTable) args = NULL;
  g_autoptr(GHashTable) ext_args = NULL;
  g_autoptr(PtClientAdapter) client = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  guint16 port;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    die_on_error (g_steal_pointer (&error));
  if (obfs4proxy == NULL)
    obfs4proxy = g_find_program_in_path ("obfs4proxy");
  if (obfs4proxy == NULL)
    die_on_error (g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "obfs4proxy not found"));

  bench_start_to_ready ();

  {
    const char *pt_exec[] = { obfs4proxy, NULL };

    echo = new_echo_service (&echo_address);
    server = pt_server_adapter_new (pt_exec, NULL, echo_address);
    pt_server_adapter_add_transport (server, "obfs4", NULL, NULL, &error);
    die_on_error (g_steal_pointer (&error));
    start (PT_ADAPTER (server));
    server_transport = pt_server_adapter_get_transport (server, "obfs4", &error);
    die_on_error (g_steal_pointer (&error));
    port = g_inet_socket_address_get_port (pt_server_transport_get_address (server_transport));
    args = pt_server_transport_dup_args (server_transport);

    client = new_client ();
    start (PT_ADAPTER (client));

    for (int i = 0; i < n_connects; i++)
      {
        double started = now_ms ();
        g_autoptr(GSocketConnection) connection = connect_through (client, port, args);
        double elapsed = now_ms () - started;

        g_array_append_val (times, elapsed);
        g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      }
    g_print ("connect_median %.2f ms\n", median (times));

    g_print ("conn_rate_server %.0f conn/s\n", measure_rate (client, port, args));

    ext_server = pt_ext_server_adapter_new (pt_exec, NULL);
    g_signal_connect (ext_server, "client-connected", G_CALLBACK (on_client_connected), NULL);
    pt_ext_server_adapter_add_transport (ext_server, "obfs4", NULL, NULL, &error);
    die_on_error (g_steal_pointer (&error));
    start (PT_ADAPTER (ext_server));
    ext_transport = pt_ext_server_adapter_get_transport (ext_server, "obfs4", &error);
    die_on_error (g_steal_pointer (&error));
    ext_args = pt_server_transport_dup_args (ext_transport);
    port = g_inet_socket_address_get_port (pt_server_transport_get_address (ext_transport));

    g_print ("conn_rate_ext_server %.0f conn/s\n", measure_rate (client, port, ext_args));

    stop (PT_ADAPTER (client));
    stop (PT_ADAPTER (ext_server));
    stop (PT_ADAPTER (server));
    g_socket_service_stop (echo);
  }

  g_free (obfs4proxy);
  return 0;
}
