/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The tool's byte relay (tools/pt-relay.c) between two loopback TCP
 * connections, with each method: both directions at once, half-close,
 * large transfers against a slow reader, resets, cancellation, many relays
 * at once. The peers are plain blocking sockets driven from threads; the
 * relay runs on this thread's main context. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pt-relay.h"
#include "test-util.h"

/* One relay and the two peers it connects: peer[0] talks to side a,
 * peer[1] to side b. */
typedef struct
{
  int           peer[2];
  gboolean      done;
  PtRelayStats  stats;
  GError       *error;
} Relay;

static void
on_relay_done (const PtRelayStats *stats,
               const GError       *error,
               gpointer            user_data)
{
  Relay *relay = user_data;

  relay->stats = *stats;
  relay->error = error != NULL ? g_error_copy (error) : NULL;
  relay->done = TRUE;
}

/* A connected loopback TCP pair: the GSocketConnection for the relay, and
 * the other end as a blocking descriptor for a peer thread. */
static GSocketConnection *
connected_pair (int *peer)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) outgoing = NULL;
  GSocketConnection *accepted;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);
  g_assert_cmpuint (port, !=, 0);
  outgoing = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  g_assert_nonnull (outgoing);
  accepted = g_socket_listener_accept (listener, NULL, NULL, NULL);
  g_assert_nonnull (accepted);

  *peer = dup (g_socket_get_fd (g_socket_connection_get_socket (outgoing)));
  g_assert_cmpint (*peer, >=, 0);
  g_assert_cmpint (fcntl (*peer, F_SETFL, 0), ==, 0);   /* blocking */
  return accepted;
}

static void
relay_start (Relay *relay)
{
  g_autoptr(GSocketConnection) a = connected_pair (&relay->peer[0]);
  g_autoptr(GSocketConnection) b = connected_pair (&relay->peer[1]);

  /* The relay keeps its own references. */
  g_assert_nonnull (pt_relay_start (a, b, on_relay_done, relay));
}

static void
relay_clear (Relay *relay)
{
  for (guint i = 0; i < 2; i++)
    {
      if (relay->peer[i] >= 0)
        close (relay->peer[i]);
      relay->peer[i] = -1;
    }
  g_clear_error (&relay->error);
}

/* ---------------------------------------------------------------------- */
/* Peer threads                                                            */

static void
fill (guint8  *data,
      gsize    size,
      guint32  seed)
{
  GRand *rand = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         size)
{
  while (size > 0)
    {
      ssize_t n = send (fd, data, size, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      size -= (gsize) n;
    }
  return TRUE;
}

/* Reads until end of file (or an error) in reads of at most @chunk bytes;
 * returns what came. */
static GByteArray *
read_to_end (int   fd,
             gsize chunk)
{
  GByteArray *data = g_byte_array_new ();
  guint8 *buffer = g_malloc (chunk);

  for (;;)
    {
      ssize_t n = recv (fd, buffer, chunk, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      g_byte_array_append (data, buffer, (guint) n);
    }
  g_free (buffer);
  return data;
}

/* A peer: sends @size bytes (seed @seed), then shuts down its write side
 * (or not, with @keep_open), and reads until end of file. */
typedef struct
{
  int         fd;
  gsize       size;
  guint32     seed;
  gsize       read_chunk;
  GByteArray *received;
  gboolean    sent_ok;
} Peer;

static gpointer
peer_send (gpointer user_data)
{
  Peer *peer = user_data;
  g_autofree guint8 *data = g_malloc (MAX (peer->size, 1));

  fill (data, peer->size, peer->seed);
  peer->sent_ok = write_all (peer->fd, data, peer->size);
  shutdown (peer->fd, SHUT_WR);
  return NULL;
}

static gpointer
peer_receive (gpointer user_data)
{
  Peer *peer = user_data;

  peer->received = read_to_end (peer->fd, peer->read_chunk);
  return NULL;
}

static void
assert_pattern (GByteArray *received,
                gsize       size,
                guint32     seed)
{
  g_autofree guint8 *expected = g_malloc (MAX (size, 1));

  fill (expected, size, seed);
  g_assert_cmpuint (received->len, ==, size);
  /* An empty GByteArray has no data pointer at all. */
  g_assert_true (size == 0 || memcmp (received->data, expected, size) == 0);
}

/* Both peers send and receive at once. */
static void
exchange (Relay *relay,
          gsize  size_a,
          gsize  size_b,
          gsize  read_chunk)
{
  Peer peers[2] = {
    { relay->peer[0], size_a, 1, read_chunk, NULL, FALSE },
    { relay->peer[1], size_b, 2, read_chunk, NULL, FALSE },
  };
  GThread *threads[4];

  for (guint i = 0; i < 2; i++)
    {
      threads[2 * i] = g_thread_new ("send", peer_send, &peers[i]);
      threads[2 * i + 1] = g_thread_new ("receive", peer_receive, &peers[i]);
    }
  pt_test_run_until (&relay->done);
  for (guint i = 0; i < 4; i++)
    g_thread_join (threads[i]);

  g_assert_no_error (relay->error);
  g_assert_true (peers[0].sent_ok);
  g_assert_true (peers[1].sent_ok);
  assert_pattern (peers[1].received, size_a, 1);
  assert_pattern (peers[0].received, size_b, 2);
  g_assert_cmpuint (relay->stats.a_to_b, ==, size_a);
  g_assert_cmpuint (relay->stats.b_to_a, ==, size_b);
  g_assert_cmpint (relay->stats.duration_us, >=, 0);

  for (guint i = 0; i < 2; i++)
    g_byte_array_unref (peers[i].received);
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */

static void
set_method (gconstpointer data)
{
  PtRelayMethod method = GPOINTER_TO_INT (data);

  pt_relay_set_method (method);
  g_assert_cmpint (pt_relay_get_method (), ==, method);
}

static void
test_both_ways (gconstpointer data)
{
  Relay relay = { { -1, -1 } };

  set_method (data);
  relay_start (&relay);
  exchange (&relay, 8 * 1024 * 1024 + 17, 6 * 1024 * 1024 + 5, 65536);
  relay_clear (&relay);
}

static void
test_large_slow_reader (gconstpointer data)
{
  Relay relay = { { -1, -1 } };

  set_method (data);
  relay_start (&relay);
  /* Reads of 1000 bytes keep the relay's destination full most of the
   * time: every byte waits in flight at some point. */
  exchange (&relay, 48 * 1024 * 1024, 0, 1000);
  relay_clear (&relay);
}

static void
test_empty (gconstpointer data)
{
  Relay relay = { { -1, -1 } };

  set_method (data);
  relay_start (&relay);
  exchange (&relay, 0, 0, 4096);
  relay_clear (&relay);
}

/* The server side reads the whole request to end of file and only then
 * answers: the answer must still reach the client, whose write side is
 * shut down. */
typedef struct
{
  int         fd;
  GByteArray *request;
  gsize       reply_size;
  gboolean    reply_ok;
} Server;

static gpointer
server_answer_after_eof (gpointer user_data)
{
  Server *server = user_data;
  g_autofree guint8 *reply = g_malloc (server->reply_size);

  server->request = read_to_end (server->fd, 65536);
  fill (reply, server->reply_size, 7);
  server->reply_ok = write_all (server->fd, reply, server->reply_size);
  shutdown (server->fd, SHUT_WR);
  return NULL;
}

static void
test_half_close (gconstpointer data)
{
  Relay relay = { { -1, -1 } };
  Server server = { -1, NULL, 3 * 1024 * 1024, FALSE };
  Peer client = { -1, 100 * 1000, 3, 65536, NULL, FALSE };
  GThread *threads[3];

  set_method (data);
  relay_start (&relay);
  client.fd = relay.peer[0];
  server.fd = relay.peer[1];

  threads[0] = g_thread_new ("server", server_answer_after_eof, &server);
  threads[1] = g_thread_new ("client-send", peer_send, &client);
  threads[2] = g_thread_new ("client-receive", peer_receive, &client);
  pt_test_run_until (&relay.done);
  for (guint i = 0; i < 3; i++)
    g_thread_join (threads[i]);

  g_assert_no_error (relay.error);
  g_assert_true (client.sent_ok);
  g_assert_true (server.reply_ok);
  assert_pattern (server.request, client.size, 3);
  {
    g_autofree guint8 *reply = g_malloc (server.reply_size);

    fill (reply, server.reply_size, 7);
    g_assert_cmpuint (client.received->len, ==, server.reply_size);
    g_assert_true (memcmp (client.received->data, reply, server.reply_size) == 0);
  }
  g_assert_cmpuint (relay.stats.a_to_b, ==, client.size);
  g_assert_cmpuint (relay.stats.b_to_a, ==, server.reply_size);

  g_byte_array_unref (server.request);
  g_byte_array_unref (client.received);
  relay_clear (&relay);
}

static void
reset (int fd)
{
  struct linger linger = { 1, 0 };

  /* Closing with a zero linger time sends RST instead of FIN. */
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger), ==, 0);
  close (fd);
}

static void
test_peer_reset (gconstpointer data)
{
  Relay relay = { { -1, -1 } };
  Peer client = { -1, 0, 0, 4096, NULL, FALSE };
  GThread *thread;

  set_method (data);
  relay_start (&relay);
  client.fd = relay.peer[0];

  /* Data in flight, then b's peer resets: the relay ends with an error
   * and a's peer sees its connection end. */
  g_assert_true (write_all (relay.peer[0], (const guint8 *) "hello", 5));
  thread = g_thread_new ("client-receive", peer_receive, &client);
  reset (relay.peer[1]);
  relay.peer[1] = -1;
  pt_test_run_until (&relay.done);
  g_thread_join (thread);

  g_assert_nonnull (relay.error);
  g_assert_false (g_error_matches (relay.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_assert_cmpuint (client.received->len, ==, 0);

  g_byte_array_unref (client.received);
  relay_clear (&relay);
}

/* A reset while the relay waits to write the other way. */
static void
test_reset_while_blocked (gconstpointer data)
{
  Relay relay = { { -1, -1 } };
  Peer sender = { -1, 32 * 1024 * 1024, 4, 4096, NULL, FALSE };
  GThread *thread;

  set_method (data);
  relay_start (&relay);
  sender.fd = relay.peer[0];

  /* b's peer reads nothing, so the relay fills b and then waits to
   * write; b's peer resets once the first bytes have arrived. */
  thread = g_thread_new ("send", peer_send, &sender);
  for (;;)
    {
      char byte;

      if (recv (relay.peer[1], &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 1)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  reset (relay.peer[1]);
  relay.peer[1] = -1;
  pt_test_run_until (&relay.done);
  shutdown (relay.peer[0], SHUT_RDWR);
  g_thread_join (thread);

  g_assert_nonnull (relay.error);
  relay_clear (&relay);
}

static void
test_cancel (gconstpointer data)
{
  Relay relay = { { -1, -1 } };
  Peer peers[2] = { { -1, 0, 0, 4096, NULL, FALSE }, { -1, 0, 0, 4096, NULL, FALSE } };
  GThread *threads[2];
  PtRelay *handle;

  set_method (data);
  {
    g_autoptr(GSocketConnection) a = connected_pair (&relay.peer[0]);
    g_autoptr(GSocketConnection) b = connected_pair (&relay.peer[1]);

    handle = pt_relay_start (a, b, on_relay_done, &relay);
  }
  for (guint i = 0; i < 2; i++)
    {
      peers[i].fd = relay.peer[i];
      threads[i] = g_thread_new ("receive", peer_receive, &peers[i]);
    }

  pt_relay_cancel (handle);
  g_assert_true (relay.done);
  g_assert_error (relay.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Both sockets are closed: the peers see end of file. */
  for (guint i = 0; i < 2; i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpuint (peers[i].received->len, ==, 0);
      g_byte_array_unref (peers[i].received);
    }
  relay_clear (&relay);
}

/* Ping-pong through the relay: side a sends BURST bytes and waits for one
 * byte back from side b, which reads them slowly, N_BURSTS times. The
 * socket buffers between the relay and b (SMALL_BUFFER each) hold much
 * less than a burst. */
#define BURST (2 * 1024 * 1024)
#define N_BURSTS 8
#define SMALL_BUFFER (128 * 1024)

static gpointer
burst_sender (gpointer user_data)
{
  int fd = GPOINTER_TO_INT (user_data);
  g_autofree guint8 *data = g_malloc0 (BURST);
  char byte;

  for (guint i = 0; i < N_BURSTS; i++)
    {
      if (!write_all (fd, data, BURST) || recv (fd, &byte, 1, MSG_WAITALL) != 1)
        return GINT_TO_POINTER (FALSE);
    }
  shutdown (fd, SHUT_WR);
  return GINT_TO_POINTER (recv (fd, &byte, 1, 0) == 0);
}

static gpointer
burst_receiver (gpointer user_data)
{
  int fd = GPOINTER_TO_INT (user_data);
  guint8 buffer[1000];

  for (guint i = 0; i < N_BURSTS; i++)
    {
      for (gsize got = 0; got < BURST;)
        {
          ssize_t n = recv (fd, buffer, MIN (sizeof buffer, BURST - got), 0);

          if (n <= 0)
            return GINT_TO_POINTER (FALSE);
          got += (gsize) n;
        }
      if (!write_all (fd, (const guint8 *) "!", 1))
        return GINT_TO_POINTER (FALSE);
    }
  if (recv (fd, buffer, 1, 0) != 0)
    return GINT_TO_POINTER (FALSE);
  shutdown (fd, SHUT_WR);
  return GINT_TO_POINTER (TRUE);
}

static gboolean
on_watchdog (gpointer user_data)
{
  g_error ("the relay did not finish in 60 s");
  return G_SOURCE_REMOVE;
}

/* The relay changes what it polls for in place, from its dispatch: it
 * never wakes its own main context, so every iteration dispatches
 * something. Each burst makes the direction a to b block and resume; only
 * the attach and the two ends of file (a socket leaves the poll set) may
 * wake the context. */
static void
test_no_wakeups (gconstpointer data)
{
  Relay relay = { { -1, -1 } };
  GSource *watchdog = g_timeout_source_new_seconds (60);
  g_autoptr(GSocketConnection) a = NULL;
  g_autoptr(GSocketConnection) b = NULL;
  int size = SMALL_BUFFER;
  GThread *sender;
  GThread *receiver;
  guint idle = 0;

  set_method (data);
  g_source_set_callback (watchdog, on_watchdog, NULL, NULL);
  g_source_attach (watchdog, NULL);
  a = connected_pair (&relay.peer[0]);
  b = connected_pair (&relay.peer[1]);
  g_assert_cmpint (setsockopt (g_socket_get_fd (g_socket_connection_get_socket (b)), SOL_SOCKET,
                               SO_SNDBUF, &size, sizeof size), ==, 0);
  g_assert_cmpint (setsockopt (relay.peer[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof size), ==, 0);
  g_assert_nonnull (pt_relay_start (a, b, on_relay_done, &relay));
  sender = g_thread_new ("send", burst_sender, GINT_TO_POINTER (relay.peer[0]));
  receiver = g_thread_new ("receive", burst_receiver, GINT_TO_POINTER (relay.peer[1]));

  while (!relay.done)
    {
      if (!g_main_context_iteration (NULL, TRUE))
        idle++;
    }
  g_source_destroy (watchdog);
  g_source_unref (watchdog);

  g_assert_true (GPOINTER_TO_INT (g_thread_join (sender)));
  g_assert_true (GPOINTER_TO_INT (g_thread_join (receiver)));
  g_assert_no_error (relay.error);
  g_assert_cmpuint (relay.stats.a_to_b, ==, (guint64) BURST * N_BURSTS);
  g_assert_cmpuint (relay.stats.b_to_a, ==, N_BURSTS);
  g_test_message ("%u iterations dispatched nothing", idle);
  g_assert_cmpuint (idle, <=, 3);
  relay_clear (&relay);
}

#define N_MANY 200

/* Many relays at once on one main context, each with its own bytes. */
static void
test_many (gconstpointer data)
{
  Relay *relays = g_new0 (Relay, N_MANY);
  Peer *peers = g_new0 (Peer, 2 * N_MANY);
  gboolean all_done = FALSE;

  set_method (data);
  for (guint i = 0; i < N_MANY; i++)
    {
      relays[i].peer[0] = relays[i].peer[1] = -1;
      relay_start (&relays[i]);
      for (guint side = 0; side < 2; side++)
        {
          Peer *peer = &peers[2 * i + side];

          peer->fd = relays[i].peer[side];
          peer->size = 1000 + 37 * i + side;
          peer->seed = 100 + 2 * i + side;
          peer->read_chunk = 4096;
        }
    }

  /* Small transfers fit in the socket buffers: every peer sends all and
   * shuts down its write side first, the relays run, then every peer reads
   * what it got. */
  for (guint i = 0; i < 2 * N_MANY; i++)
    peer_send (&peers[i]);

  while (!all_done)
    {
      all_done = TRUE;
      for (guint i = 0; i < N_MANY && all_done; i++)
        all_done = relays[i].done;
      if (!all_done)
        g_main_context_iteration (NULL, TRUE);
    }

  for (guint i = 0; i < N_MANY; i++)
    {
      for (guint side = 0; side < 2; side++)
        {
          Peer *from = &peers[2 * i + side];
          Peer *to = &peers[2 * i + 1 - side];

          peer_receive (to);
          assert_pattern (to->received, from->size, from->seed);
          g_byte_array_unref (to->received);
        }
      g_assert_no_error (relays[i].error);
      relay_clear (&relays[i]);
    }

  g_free (peers);
  g_free (relays);
}

static void
add_tests (const char    *name,
           GTestDataFunc  func)
{
  static const struct { const char *name; PtRelayMethod method; } methods[] = {
    { "copy", PT_RELAY_METHOD_COPY },
#ifdef __linux__
    { "splice", PT_RELAY_METHOD_SPLICE },
#endif
  };

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autofree char *path = g_strdup_printf ("/relay/%s/%s", methods[i].name, name);

      g_test_add_data_func (path, GINT_TO_POINTER (methods[i].method), func);
    }
}

int
main (int   argc,
      char *argv[])
{
  pt_test_init (&argc, &argv);
  signal (SIGPIPE, SIG_IGN);

  add_tests ("both-ways", test_both_ways);
  add_tests ("large-slow-reader", test_large_slow_reader);
  add_tests ("empty", test_empty);
  add_tests ("half-close", test_half_close);
  add_tests ("peer-reset", test_peer_reset);
  add_tests ("reset-while-blocked", test_reset_while_blocked);
  add_tests ("cancel", test_cancel);
  add_tests ("many", test_many);
  add_tests ("no-wakeups", test_no_wakeups);

  return g_test_run ();
}
