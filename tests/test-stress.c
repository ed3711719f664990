/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Stress (issue 6): many connections through obfs4, PtClientAdapter ->
 * obfs4proxy -> obfs4proxy of a PtServerAdapter -> a hashing echo server,
 * CONCURRENCY at a time. Every stream is checked with SHA-256 on both
 * sides: what the echo server received and what came back must both be
 * what was sent. Then this process's VmRSS after the run is compared with
 * its VmRSS after a warm-up round.
 *
 * PT_STRESS_CONNECTIONS sets the number of connections (default 1000), for
 * slower runs such as valgrind's. */
#include "config.h"

#include <stdlib.h>

#include "test-server-util.h"
#include "test-util.h"

#define N_CONNECTIONS     1000
#define MAX_CONCURRENCY   50
#define STREAM_SIZE       (256 * 1024)
#define READ_CHUNK        (64 * 1024)
#define RSS_GROWTH_PERCENT 10
#define RUN_WATCHDOG_S    300

/* The echo server: a GThreadedSocketService whose threads echo and hash */

typedef struct
{
  GSocketService *service;
  guint16         port;
  GMutex          lock;
  GHashTable     *digests;     /* hex SHA-256 of what a connection sent -> count */
  guint           n_finished;
  guint           n_wanted;    /* when n_finished reaches it, *all_finished is set */
  gboolean        all_finished;
} EchoServer;

static gboolean
on_echo_run (GThreadedSocketService *service,
             GSocketConnection      *connection,
             GObject                *source_object,
             gpointer                user_data)
{
  EchoServer *echo = user_data;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint64 echoed = pt_test_echo_stream (G_IO_STREAM (connection), checksum);
  g_autofree char *key = g_strdup_printf ("%s/%" G_GUINT64_FORMAT,
                                          g_checksum_get_string (checksum), echoed);
  guint count;

  g_mutex_lock (&echo->lock);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (echo->digests, key));
  g_hash_table_insert (echo->digests, g_steal_pointer (&key), GUINT_TO_POINTER (count + 1));
  if (++echo->n_finished == echo->n_wanted)
    {
      g_atomic_int_set (&echo->all_finished, TRUE);
      g_main_context_wakeup (NULL);
    }
  g_mutex_unlock (&echo->lock);

  return TRUE;
}

static void
echo_server_init (EchoServer *echo)
{
  g_autoptr(GInetSocketAddress) loopback = pt_test_loopback_address (G_SOCKET_FAMILY_IPV4, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  memset (echo, 0, sizeof *echo);
  g_mutex_init (&echo->lock);
  echo->digests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* A thread for each connection the PT may open at a time, and spare. */
  echo->service = g_threaded_socket_service_new (MAX_CONCURRENCY + 14);
  g_signal_connect (echo->service, "run", G_CALLBACK (on_echo_run), echo);
  /* The default of 10 overflows when the PT opens many connections while
   * the main context is busy: the kernel then answers with SYN cookies,
   * which can fail and reset a connection. */
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (echo->service), 256);
  g_socket_listener_add_address (G_SOCKET_LISTENER (echo->service), G_SOCKET_ADDRESS (loopback),
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  echo->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_service_start (echo->service);
}

/* Forgets what earlier rounds saw; @n_wanted connections will come. */
static void
echo_server_expect (EchoServer *echo,
                    guint       n_wanted)
{
  g_mutex_lock (&echo->lock);
  g_hash_table_remove_all (echo->digests);
  echo->n_finished = 0;
  echo->n_wanted = n_wanted;
  echo->all_finished = FALSE;
  g_mutex_unlock (&echo->lock);
}

static void
echo_server_clear (EchoServer *echo)
{
  g_socket_service_stop (echo->service);
  g_socket_listener_close (G_SOCKET_LISTENER (echo->service));
  g_clear_object (&echo->service);
  g_hash_table_unref (echo->digests);
  g_mutex_clear (&echo->lock);
}

/* The client side: CONCURRENCY slots, each running one stream at a time on
 * the main context */

typedef struct _Stress Stress;

typedef struct
{
  Stress            *stress;
  guint              index;        /* of the connection in the run */
  guint8            *sent;         /* STREAM_SIZE bytes */
  guint8            *received;     /* READ_CHUNK bytes */
  char              *sent_key;     /* hex SHA-256 "/" size */
  GChecksum         *checksum;     /* of what came back */
  gsize              n_received;
  gboolean           written;
  GSocketConnection *connection;
} Slot;

struct _Stress
{
  PtClientAdapter *client;
  char            *host;
  guint16          port;
  GHashTable      *args;

  Slot             slots[MAX_CONCURRENCY];
  guint            concurrency;
  guint            n_total;
  guint            n_started;
  guint            n_done;
  gboolean         all_done;
  GPtrArray       *sent_keys;      /* of every connection of the round */

  guint            n_failed;       /* could not connect, or an I/O error */
  guint            n_short;        /* ended before all came back */
  guint            n_corrupted;    /* came back different */
};

static void slot_start (Slot *slot);

/* Ends the slot's stream; a failure (@what) is counted in *@counter. */
static void
slot_finish (Slot       *slot,
             guint      *counter,
             const char *what,
             GError     *error)
{
  Stress *stress = slot->stress;

  if (counter != NULL)
    {
      (*counter)++;
      g_printerr ("connection %u: %s: %s\n", slot->index, what,
                  error != NULL ? error->message : "");
    }
  g_clear_error (&error);

  if (slot->connection != NULL)
    g_io_stream_close (G_IO_STREAM (slot->connection), NULL, NULL);
  g_clear_object (&slot->connection);
  g_clear_pointer (&slot->checksum, g_checksum_free);
  g_clear_pointer (&slot->sent_key, g_free);

  if (++stress->n_done == stress->n_total)
    stress->all_done = TRUE;
  else if (stress->n_started < stress->n_total)
    slot_start (slot);
}

static void
slot_check_if_over (Slot *slot)
{
  g_autofree char *received_key = NULL;

  if (!slot->written || slot->n_received < STREAM_SIZE)
    return;

  received_key = g_strdup_printf ("%s/%u", g_checksum_get_string (slot->checksum), STREAM_SIZE);
  if (strcmp (received_key, slot->sent_key) != 0)
    {
      slot_finish (slot, &slot->stress->n_corrupted, "the echo differs", NULL);
      return;
    }
  slot_finish (slot, NULL, NULL, NULL);
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Slot *slot = user_data;
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      slot_finish (slot, &slot->stress->n_failed, "write", error);
      return;
    }
  slot->written = TRUE;
  slot_check_if_over (slot);
}

static void read_next (Slot *slot);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Slot *slot = user_data;
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n < 0)
    {
      slot_finish (slot, &slot->stress->n_failed, "read", error);
      return;
    }
  if (n == 0)
    {
      slot_finish (slot, &slot->stress->n_short, "ended early", NULL);
      return;
    }

  g_checksum_update (slot->checksum, slot->received, n);
  slot->n_received += (gsize) n;
  if (slot->n_received > STREAM_SIZE)
    {
      slot_finish (slot, &slot->stress->n_corrupted, "more came back than was sent", NULL);
      return;
    }
  if (slot->n_received < STREAM_SIZE)
    read_next (slot);
  else
    slot_check_if_over (slot);
}

static void
read_next (Slot *slot)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (slot->connection)),
                             slot->received, MIN (READ_CHUNK, STREAM_SIZE - slot->n_received),
                             G_PRIORITY_DEFAULT, NULL, on_read, slot);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Slot *slot = user_data;
  GError *error = NULL;

  slot->connection = pt_client_adapter_connect_finish (PT_CLIENT_ADAPTER (source), result, &error);
  if (slot->connection == NULL)
    {
      slot_finish (slot, &slot->stress->n_failed, "connect", error);
      return;
    }

  /* obfs4proxy closes both directions at the first end of file: no
   * half-close; all is written, all read back, then closed. */
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (slot->connection)),
                                   slot->sent, STREAM_SIZE, G_PRIORITY_DEFAULT, NULL,
                                   on_written, slot);
  read_next (slot);
}

static void
slot_start (Slot *slot)
{
  Stress *stress = slot->stress;
  g_autoptr(GChecksum) sent_checksum = g_checksum_new (G_CHECKSUM_SHA256);

  slot->index = stress->n_started++;
  /* Unique per connection and per round. */
  pt_test_fill_pattern (slot->sent, STREAM_SIZE, g_random_int ());
  g_checksum_update (sent_checksum, slot->sent, STREAM_SIZE);
  slot->sent_key = g_strdup_printf ("%s/%u", g_checksum_get_string (sent_checksum), STREAM_SIZE);
  g_ptr_array_add (stress->sent_keys, g_strdup (slot->sent_key));
  slot->checksum = g_checksum_new (G_CHECKSUM_SHA256);
  slot->n_received = 0;
  slot->written = FALSE;

  pt_client_adapter_connect_async (stress->client, "obfs4", stress->host, stress->port,
                                   stress->args, NULL, on_connected, slot);
}

/* Runs @n_total connections, CONCURRENCY at a time, and checks all on both
 * sides. */
static void
run_round (Stress     *stress,
           EchoServer *echo,
           guint       n_total)
{
  stress->n_total = n_total;
  stress->n_started = stress->n_done = 0;
  stress->all_done = FALSE;
  g_ptr_array_set_size (stress->sent_keys, 0);
  echo_server_expect (echo, n_total);

  for (guint i = 0; i < MIN (stress->concurrency, n_total); i++)
    slot_start (&stress->slots[i]);
  pt_test_run_until_within (&stress->all_done, RUN_WATCHDOG_S);

  g_assert_cmpuint (stress->n_failed, ==, 0);
  g_assert_cmpuint (stress->n_short, ==, 0);
  g_assert_cmpuint (stress->n_corrupted, ==, 0);

  /* The server side of each stream: once the client has closed, the echo
   * thread sees the end and records its digest. */
  pt_test_run_until_within (&echo->all_finished, RUN_WATCHDOG_S);
  g_mutex_lock (&echo->lock);
  g_assert_cmpuint (g_hash_table_size (echo->digests), ==, n_total);
  for (guint i = 0; i < stress->sent_keys->len; i++)
    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (echo->digests,
                                                             g_ptr_array_index (stress->sent_keys, i))),
                      ==, 1);
  g_mutex_unlock (&echo->lock);
}

static guint
connections_wanted (void)
{
  const char *text = g_getenv ("PT_STRESS_CONNECTIONS");
  guint64 n = N_CONNECTIONS;

  if (text != NULL)
    g_assert_true (g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT, &n, NULL));

  return (guint) n;
}

static void
test_stress (void)
{
  const char *transports[] = { "obfs4", NULL };
  guint n_connections = connections_wanted ();
  EchoServer echo;
  Stress stress = { 0 };
  g_autoptr(PtServerAdapter) server = NULL;
  g_autoptr(PtServerTransport) transport = NULL;
  g_autoptr(GError) error = NULL;
  GInetSocketAddress *address;
  gsize rss_warm;
  gsize rss_after;
  gint64 started;
  double seconds;
  double mebibytes;

  echo_server_init (&echo);
  server = pt_test_obfs4_server_start (echo.port, NULL);
  transport = pt_server_adapter_get_transport (server, "obfs4", &error);
  g_assert_no_error (error);

  address = pt_server_transport_get_address (transport);
  stress.host = g_inet_address_to_string (g_inet_socket_address_get_address (address));
  stress.port = g_inet_socket_address_get_port (address);
  stress.args = pt_server_transport_dup_args (transport);
  stress.client = pt_test_client_start (transports);
  stress.concurrency = MIN (MAX_CONCURRENCY, n_connections);
  stress.sent_keys = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < stress.concurrency; i++)
    {
      stress.slots[i].stress = &stress;
      stress.slots[i].sent = g_malloc (STREAM_SIZE);
      stress.slots[i].received = g_malloc (READ_CHUNK);
    }

  /* Warm-up: every slot, echo thread and buffer in use at least twice. */
  run_round (&stress, &echo, 2 * stress.concurrency);
  rss_warm = pt_test_get_rss ();

  started = g_get_monotonic_time ();
  run_round (&stress, &echo, n_connections);
  seconds = (g_get_monotonic_time () - started) / 1e6;
  rss_after = pt_test_get_rss ();

  mebibytes = (double) n_connections * STREAM_SIZE / (1024 * 1024);
  g_test_message ("%u connections x %u KiB through obfs4, %u at a time: %.0f MiB each way "
                  "in %.1f s (%.1f MiB/s each way); none lost or corrupted (SHA-256 on both sides)",
                  n_connections, STREAM_SIZE / 1024, stress.concurrency, mebibytes, seconds,
                  mebibytes / seconds);
  g_test_message ("VmRSS after the warm-up round %" G_GSIZE_FORMAT " KiB, after the run %"
                  G_GSIZE_FORMAT " KiB (%+.1f%%)", rss_warm / 1024, rss_after / 1024,
                  100.0 * ((double) rss_after - (double) rss_warm) / (double) rss_warm);
  pt_test_assert_rss_growth (rss_warm, rss_after, rss_warm * RSS_GROWTH_PERCENT / 100);

  pt_test_stop_ok (PT_ADAPTER (stress.client));
  pt_test_stop_ok (PT_ADAPTER (server));
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);

  for (guint i = 0; i < stress.concurrency; i++)
    {
      g_free (stress.slots[i].sent);
      g_free (stress.slots[i].received);
    }
  g_ptr_array_unref (stress.sent_keys);
  g_hash_table_unref (stress.args);
  g_free (stress.host);
  g_object_unref (stress.client);
  echo_server_clear (&echo);
}

int
main (int   argc,
      char *argv[])
{
  pt_test_init (&argc, &argv);

  g_test_add_func ("/stress/obfs4-1000x256k", test_stress);

  return g_test_run ();
}
