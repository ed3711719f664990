/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * obfs4-tunnel: a real obfs4 tunnel on loopback, end to end.
 *
 *   echo service <- PtServerAdapter (obfs4proxy, server) <~~ obfs4 ~~ PtClientAdapter (obfs4proxy, client) <- this program
 *
 * An echo service stands for the application's server. A PtServerAdapter
 * runs obfs4proxy as an obfs4 server in front of it; a PtClientAdapter runs
 * obfs4proxy as a client and connects through it with the server's cert.
 * The program pushes data through the tunnel, checks that the same bytes
 * come back, and says what happened.
 */
#include <stdlib.h>
#include <string.h>

#include <ptadapter/ptadapter.h>

/* Runs async operations to completion, for the sake of a linear example. */
typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} Wait;

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

static GAsyncResult *
wait_for (Wait *wait)
{
  g_main_loop_run (wait->loop);
  return wait->result;
}

static gboolean
start_adapter (PtAdapter  *adapter,
               GError    **error)
{
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  gboolean ok;

  pt_adapter_start_async (adapter, NULL, on_done, &wait);
  ok = pt_adapter_start_finish (adapter, wait_for (&wait), error);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);

  return ok;
}

static void
stop_adapter (PtAdapter *adapter)
{
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };

  pt_adapter_stop_async (adapter, NULL, on_done, &wait);
  pt_adapter_stop_finish (adapter, wait_for (&wait), NULL);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
}

static void
on_pt_exited (PtAdapter *adapter,
              int        wait_status,
              gpointer   user_data)
{
  g_print ("%s: obfs4proxy exited (wait status %d)\n", (const char *) user_data, wait_status);
}

/* The echo service: sends back whatever it receives. */
static gboolean
on_echo_client (GThreadedSocketService *service,
                GSocketConnection      *connection,
                GObject                *source_object,
                gpointer                user_data)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  guint8 buffer[65536];
  gssize n;

  while ((n = g_input_stream_read (input, buffer, sizeof buffer, NULL, NULL)) > 0)
    {
      if (!g_output_stream_write_all (output, buffer, (gsize) n, NULL, NULL, NULL))
        break;
    }

  return TRUE;
}

/* Sends @size pseudo-random bytes through @stream from a second thread while
 * this one reads the echo; returns whether the SHA-256 of both sides match. */
typedef struct
{
  GOutputStream *output;
  gsize          size;
  char          *sha256;
  GError        *error;
} Sender;

static gpointer
send_data (gpointer data)
{
  Sender *sender = data;
  GChecksum *checksum = g_checksum_new (G_CHECKSUM_SHA256);
  GRand *rand = g_rand_new_with_seed (42);
  guint32 block[4096];
  gsize sent = 0;

  while (sent < sender->size && sender->error == NULL)
    {
      gsize chunk = MIN (sizeof block, sender->size - sent);

      for (guint i = 0; i < G_N_ELEMENTS (block); i++)
        block[i] = g_rand_int (rand);
      g_checksum_update (checksum, (const guint8 *) block, chunk);
      g_output_stream_write_all (sender->output, block, chunk, NULL, NULL, &sender->error);
      sent += chunk;
    }

  sender->sha256 = g_strdup (g_checksum_get_string (checksum));
  g_checksum_free (checksum);
  g_rand_free (rand);
  return NULL;
}

typedef struct
{
  GSocketConnection *connection;
  gsize              size;
  gboolean           same;
  double             seconds;
  GError            *error;
  GMainLoop         *loop;
} Transfer;

static gpointer
transfer_data (gpointer data)
{
  Transfer *transfer = data;
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (transfer->connection));
  Sender sender = { g_io_stream_get_output_stream (G_IO_STREAM (transfer->connection)),
                    transfer->size, NULL, NULL };
  GChecksum *checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gint64 started = g_get_monotonic_time ();
  guint8 buffer[65536];
  gsize received = 0;
  GThread *thread;

  thread = g_thread_new ("sender", send_data, &sender);
  while (received < transfer->size)
    {
      gssize n = g_input_stream_read (input, buffer, MIN (sizeof buffer, transfer->size - received),
                                      NULL, &transfer->error);
      if (n <= 0)
        break;
      g_checksum_update (checksum, buffer, (gsize) n);
      received += (gsize) n;
    }
  g_thread_join (thread);

  transfer->seconds = (g_get_monotonic_time () - started) / 1e6;
  if (transfer->error == NULL && sender.error != NULL)
    transfer->error = g_steal_pointer (&sender.error);
  g_clear_error (&sender.error);
  transfer->same = received == transfer->size &&
                   g_strcmp0 (sender.sha256, g_checksum_get_string (checksum)) == 0;

  g_free (sender.sha256);
  g_checksum_free (checksum);
  g_main_loop_quit (transfer->loop);
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *obfs4proxy = NULL;
  int megabytes = 16;
  GOptionEntry entries[] = {
    { "obfs4proxy", 0, 0, G_OPTION_ARG_FILENAME, &obfs4proxy, "The obfs4proxy program", "PATH" },
    { "megabytes", 'm', 0, G_OPTION_ARG_INT, &megabytes, "How much data to send (default 16)", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("- an obfs4 tunnel on loopback");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketService) echo = NULL;
  g_autoptr(GSocketAddress) echo_address = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(PtServerAdapter) server = NULL;
  g_autoptr(PtServerTransport) server_transport = NULL;
  g_autoptr(GHashTable) bridge_args = NULL;
  g_autoptr(PtClientAdapter) client = NULL;
  g_autoptr(PtClientTransport) client_transport = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autofree char *server_listen = NULL;
  g_autofree char *socks_listen = NULL;
  const char *transports[] = { "obfs4", NULL };
  GInetSocketAddress *listen_address;
  Transfer transfer = { NULL };
  Wait wait = { NULL, NULL };
  GThread *transfer_thread;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || megabytes <= 0)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "--megabytes must be positive");
      return 2;
    }
  if (obfs4proxy == NULL)
    obfs4proxy = g_find_program_in_path ("obfs4proxy");
  if (obfs4proxy == NULL)
    {
      g_printerr ("obfs4proxy not found; install it (apt-get install obfs4proxy) or use --obfs4proxy\n");
      return 1;
    }

  {
    const char *pt_exec[] = { obfs4proxy, NULL };

    /* 1. The application's server: an echo service on a free loopback port. */
    echo = g_threaded_socket_service_new (16);
    g_signal_connect (echo, "run", G_CALLBACK (on_echo_client), NULL);
    echo_address = g_inet_socket_address_new (loopback, 0);
    if (!g_socket_listener_add_address (G_SOCKET_LISTENER (echo), echo_address,
                                        G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                        NULL, &echo_address, &error))
      goto failed;
    g_print ("echo service: listening on 127.0.0.1:%u\n",
             g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (echo_address)));

    /* 2. The obfs4 server in front of it. */
    server = pt_server_adapter_new (pt_exec, NULL, G_INET_SOCKET_ADDRESS (echo_address));
    g_signal_connect (server, "exited", G_CALLBACK (on_pt_exited), "server");
    if (!pt_server_adapter_add_transport (server, "obfs4", NULL, NULL, &error) ||
        !start_adapter (PT_ADAPTER (server), &error))
      goto failed;
    server_transport = pt_server_adapter_get_transport (server, "obfs4", &error);
    if (server_transport == NULL)
      goto failed;
    listen_address = pt_server_transport_get_address (server_transport);
    server_listen = g_inet_address_to_string (g_inet_socket_address_get_address (listen_address));
    bridge_args = pt_server_transport_dup_args (server_transport);
    g_print ("server: obfs4proxy (pid %s) takes obfs4 on %s:%u, cert=%.16s...\n",
             pt_adapter_get_identifier (PT_ADAPTER (server)), server_listen,
             g_inet_socket_address_get_port (listen_address),
             (const char *) g_hash_table_lookup (bridge_args, "cert"));

    /* 3. The obfs4 client, and a connection through it with the server's
     *    cert and iat-mode as per-connection arguments. */
    client = pt_client_adapter_new (pt_exec, NULL, transports, NULL);
    g_signal_connect (client, "exited", G_CALLBACK (on_pt_exited), "client");
    if (!start_adapter (PT_ADAPTER (client), &error))
      goto failed;
    client_transport = pt_client_adapter_get_transport (client, "obfs4", &error);
    if (client_transport == NULL)
      goto failed;
    socks_listen = g_inet_address_to_string (g_inet_socket_address_get_address (
                     pt_client_transport_get_address (client_transport)));
    g_print ("client: obfs4proxy (pid %s) has its %s listener on %s:%u\n",
             pt_adapter_get_identifier (PT_ADAPTER (client)),
             pt_client_transport_get_scheme (client_transport), socks_listen,
             g_inet_socket_address_get_port (pt_client_transport_get_address (client_transport)));

    wait.loop = g_main_loop_new (NULL, FALSE);
    pt_client_adapter_connect_async (client, "obfs4", server_listen,
                                     g_inet_socket_address_get_port (listen_address),
                                     bridge_args, NULL, on_done, &wait);
    connection = pt_client_adapter_connect_finish (client, wait_for (&wait), &error);
    g_clear_object (&wait.result);
    if (connection == NULL)
      goto failed;
    g_print ("client: connected through obfs4\n");

    /* 4. Data through the tunnel, while the main loop keeps the adapters
     *    serviced. */
    transfer.connection = connection;
    transfer.size = (gsize) megabytes * 1024 * 1024;
    transfer.loop = wait.loop;
    transfer_thread = g_thread_new ("transfer", transfer_data, &transfer);
    g_main_loop_run (wait.loop);
    g_thread_join (transfer_thread);
    g_main_loop_unref (wait.loop);

    if (transfer.error != NULL)
      {
        g_propagate_error (&error, transfer.error);
        goto failed;
      }
    g_print ("data: sent %d MiB through obfs4 and got %s back in %.2f s (%.1f MiB/s each way)\n",
             megabytes, transfer.same ? "the same bytes (SHA-256 equal)" : "DIFFERENT BYTES",
             transfer.seconds, megabytes / transfer.seconds);

    g_clear_object (&connection);
    stop_adapter (PT_ADAPTER (client));
    stop_adapter (PT_ADAPTER (server));
    g_socket_service_stop (echo);
    g_print ("done: both pluggable transports stopped\n");

    return transfer.same ? EXIT_SUCCESS : EXIT_FAILURE;
  }

failed:
  g_printerr ("obfs4-tunnel: %s\n", error->message);
  if (client != NULL)
    stop_adapter (PT_ADAPTER (client));
  if (server != NULL)
    stop_adapter (PT_ADAPTER (server));
  return EXIT_FAILURE;
}
