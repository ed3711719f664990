/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PtClientAdapter with the real obfs4proxy, against an obfs4proxy server
 * started by hand that forwards to an echo server. */
#include "config.h"

#include <string.h>

#include "test-util.h"

typedef struct
{
  PtTestEchoServer *echo;
  PtTestRawServer  *obfs4_server;
  PtTestRawServer  *obfs3_server;
  PtClientAdapter  *client;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char *argv[] = { pt_test_obfs4proxy (), NULL };
  const char *transports[] = { "obfs4", "obfs3", NULL };
  g_autoptr(GError) error = NULL;

  f->echo = pt_test_echo_server_new ();
  f->obfs4_server = pt_test_raw_server_start ("obfs4", pt_test_echo_server_get_port (f->echo));
  f->obfs3_server = pt_test_raw_server_start ("obfs3", pt_test_echo_server_get_port (f->echo));

  f->client = pt_client_adapter_new (argv, NULL, transports, NULL);
  g_assert_true (pt_test_start (PT_ADAPTER (f->client), NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_true (pt_test_stop (PT_ADAPTER (f->client), NULL));
  g_clear_object (&f->client);
  g_clear_pointer (&f->obfs4_server, pt_test_raw_server_stop);
  g_clear_pointer (&f->obfs3_server, pt_test_raw_server_stop);
  g_clear_pointer (&f->echo, pt_test_echo_server_free);
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
}

typedef struct
{
  Fixture    *f;
  const char *transport;
  GHashTable *args;
  guint16     port;
  gsize       size;
  guint32     seed;
  GError     *error;
} Transfer;

/* Connect (blocking) and echo @size bytes; runs in a thread. */
static gpointer
transfer_run (gpointer data)
{
  Transfer *transfer = data;
  g_autoptr(GSocketConnection) connection = NULL;

  connection = pt_client_adapter_connect (transfer->f->client, transfer->transport,
                                          "127.0.0.1", transfer->port, transfer->args,
                                          NULL, &transfer->error);
  if (connection != NULL)
    pt_test_echo_roundtrip (G_IO_STREAM (connection), transfer->size, transfer->seed,
                            &transfer->error);

  return NULL;
}

static void
test_obfs4_megabyte (Fixture       *f,
                     gconstpointer  data)
{
  Transfer transfer = { f, "obfs4", f->obfs4_server->args, f->obfs4_server->port,
                        1024 * 1024, 4, NULL };

  g_assert_nonnull (g_hash_table_lookup (f->obfs4_server->args, "cert"));
  pt_test_run_in_thread (transfer_run, &transfer);
  g_assert_no_error (transfer.error);
}

static void
test_obfs3_megabyte (Fixture       *f,
                     gconstpointer  data)
{
  Transfer transfer = { f, "obfs3", NULL, f->obfs3_server->port, 1024 * 1024, 3, NULL };

  pt_test_run_in_thread (transfer_run, &transfer);
  g_assert_no_error (transfer.error);
}

#define N_CONCURRENT 20

static gpointer
run_concurrent (gpointer data)
{
  Transfer *transfers = data;
  GThread *threads[N_CONCURRENT];

  for (guint i = 0; i < N_CONCURRENT; i++)
    threads[i] = g_thread_new ("transfer", transfer_run, &transfers[i]);
  for (guint i = 0; i < N_CONCURRENT; i++)
    g_thread_join (threads[i]);

  return NULL;
}

static void
test_concurrent (Fixture       *f,
                 gconstpointer  data)
{
  Transfer transfers[N_CONCURRENT];

  for (guint i = 0; i < N_CONCURRENT; i++)
    transfers[i] = (Transfer) { f, "obfs4", f->obfs4_server->args, f->obfs4_server->port,
                                256 * 1024, 100 + i, NULL };

  pt_test_run_in_thread (run_concurrent, transfers);

  for (guint i = 0; i < N_CONCURRENT; i++)
    g_assert_no_error (transfers[i].error);
}

/* The asynchronous connect, many at once on the main context. */
typedef struct
{
  guint      pending;
  gboolean   all_done;
  GPtrArray *connections;
  GError    *error;
} AsyncBatch;

static void
on_async_connected (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  AsyncBatch *batch = user_data;
  GSocketConnection *connection;

  connection = pt_client_adapter_connect_finish (PT_CLIENT_ADAPTER (source), result,
                                                 batch->error == NULL ? &batch->error : NULL);
  if (connection != NULL)
    g_ptr_array_add (batch->connections, connection);
  batch->all_done = --batch->pending == 0;
}

static gpointer
echo_each (gpointer data)
{
  GPtrArray *connections = data;
  GError *error = NULL;

  for (guint i = 0; i < connections->len; i++)
    {
      if (!pt_test_echo_roundtrip (g_ptr_array_index (connections, i), 4096, i, &error))
        return error;
    }

  return NULL;
}

static void
test_async_concurrent (Fixture       *f,
                       gconstpointer  data)
{
  AsyncBatch batch = { 0, FALSE, g_ptr_array_new_with_free_func (g_object_unref), NULL };
  GError *echo_error;

  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      pt_client_adapter_connect_async (f->client, "obfs4", "127.0.0.1", f->obfs4_server->port,
                                       f->obfs4_server->args, NULL, on_async_connected, &batch);
      batch.pending++;
    }
  pt_test_run_until (&batch.all_done);

  g_assert_no_error (batch.error);
  g_assert_cmpuint (batch.connections->len, ==, N_CONCURRENT);

  echo_error = pt_test_run_in_thread (echo_each, batch.connections);
  g_assert_no_error (echo_error);
  g_ptr_array_unref (batch.connections);
}

/* Another server's cert: obfs4proxy's handshake cannot complete, and our
 * deadline ends the wait long before obfs4proxy's own. */
static void
test_wrong_cert (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(PtTestRawServer) other = pt_test_raw_server_start ("obfs4", pt_test_echo_server_get_port (f->echo));
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (g_hash_table_lookup (other->args, "cert"), !=,
                   g_hash_table_lookup (f->obfs4_server->args, "cert"));

  pt_client_adapter_set_connect_timeout (f->client, 1500);
  connection = pt_test_connect (f->client, "obfs4", "127.0.0.1", f->obfs4_server->port,
                                other->args, &error);
  g_assert_null (connection);
  g_assert_error (error, PT_ERROR, PT_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "“obfs4”"));
}

/* Arguments obfs4proxy cannot use are refused in the SOCKS exchange
 * (obfs4proxy answers nearly every failure with reply 01). */
static void
test_malformed_cert (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GHashTable) args = pt_test_args_new ("cert", "not-a-cert", "iat-mode", "0", NULL);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  pt_client_adapter_set_connect_timeout (f->client, 10000);
  connection = pt_test_connect (f->client, "obfs4", "127.0.0.1", f->obfs4_server->port,
                                args, &error);
  g_assert_null (connection);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PROXY_FAILED);
  g_assert_nonnull (strstr (error->message, "“obfs4”"));
}

int
main (int   argc,
      char *argv[])
{
  pt_test_init (&argc, &argv);

  g_test_add ("/client-obfs4/obfs4-megabyte", Fixture, NULL, fixture_set_up, test_obfs4_megabyte, fixture_tear_down);
  g_test_add ("/client-obfs4/obfs3-megabyte", Fixture, NULL, fixture_set_up, test_obfs3_megabyte, fixture_tear_down);
  g_test_add ("/client-obfs4/concurrent", Fixture, NULL, fixture_set_up, test_concurrent, fixture_tear_down);
  g_test_add ("/client-obfs4/async-concurrent", Fixture, NULL, fixture_set_up, test_async_concurrent, fixture_tear_down);
  g_test_add ("/client-obfs4/wrong-cert", Fixture, NULL, fixture_set_up, test_wrong_cert, fixture_tear_down);
  g_test_add ("/client-obfs4/malformed-cert", Fixture, NULL, fixture_set_up, test_malformed_cert, fixture_tear_down);

  return g_test_run ();
}
