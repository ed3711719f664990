/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Security (issue 6): hostile peers on the Extended ORPort, and secrets in
 * the logs.
 *
 * /security/hostile-ext-or-port: 1,000 hostile ExtORPort connections of
 * twelve kinds (random bytes, wrong and reflected hashes, bad auth types,
 * stalls of several shapes that only the handshake timeout ends, resets,
 * and peers that know the cookie but break the protocol before DONE), 40 at
 * a time, while real obfs4 clients go through obfs4proxy and the same
 * PtExtServerAdapter. Every real client is served, no hostile one reaches
 * ::preconnect, each is closed by the server in time, and this process's
 * VmRSS after the run stays within HOSTILE_RSS_BOUND of its VmRSS after a
 * warm-up round.
 *
 * /security/no-secrets-in-logs: every log message at every level (a writer
 * function, G_MESSAGES_DEBUG=all) and every `log` signal of a full obfs4
 * session, with fixed server keys and the client's cert, contains none of
 * those secrets.
 *
 * PT_SECURITY_HOSTILE sets the number of hostile connections (default
 * 1,000; the warm-up round has a fifth as many), for valgrind.
 *
 * The cookie file's mode (0600) and its directory's (0700) are checked in
 * test-ext-server-adapter.c (/ext-server-adapter/cookie/temp-file and
 * /ext-server-adapter/cookie/given-path). */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "pt-args-private.h"
#include "pt-ext-or-port-private.h"
#include "test-server-util.h"
#include "test-util.h"

#define N_HOSTILE          1000
#define N_HOSTILE_AT_ONCE  40
#define N_REAL_AT_ONCE     3
#define HANDSHAKE_MS       1000
#define REAL_ECHO_SIZE     (64 * 1024)
/* Every hostile connection makes a handshake (4 KiB of read buffer alone), a
 * GSocketConnection with its GSocket and streams, a cancellable and a
 * timeout source: about 6 KiB. Leaking any of them for 1,000 connections
 * would add 4 MiB or more; 2 MiB leaves room for the allocator's noise and
 * nothing for such a leak. */
#define HOSTILE_RSS_BOUND  (2 * 1024 * 1024)
/* How much later than the handshake timeout a stalled peer may be closed,
 * on a loaded machine (times pt_test_slowdown ()). */
#define CLOSE_SLACK_MS     3000

/* Captured log output */

static GMutex   capture_lock;
static gboolean capturing;
static GString *captured;

static void
capture (const char *domain,
         const char *message)
{
  g_mutex_lock (&capture_lock);
  if (capturing)
    g_string_append_printf (captured, "%s: %s\n", domain != NULL ? domain : "", message);
  g_mutex_unlock (&capture_lock);
}

/* Sees every message of every level; passes on all but the debug ones,
 * which G_MESSAGES_DEBUG=all would otherwise print by the thousand. */
static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }
  if (message != NULL)
    capture (domain, message);

  if (log_level & G_LOG_LEVEL_DEBUG)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static void
on_log_signal (PtAdapter     *adapter,
               PtLogSeverity  severity,
               const char    *message,
               gpointer       user_data)
{
  capture ("log signal", message);
}

/* Hostile ExtORPort peers */

typedef enum
{
  HOSTILE_RANDOM_BYTES,       /* 1 to 512 random bytes at once */
  HOSTILE_BAD_AUTH_TYPE,      /* picks an auth type not offered */
  HOSTILE_WRONG_HASH,         /* does not know the cookie */
  HOSTILE_REFLECTED_HASH,     /* sends the server's own hash back */
  HOSTILE_SILENT,             /* connects and says nothing */
  HOSTILE_HALF_NONCE,         /* stops halfway through its nonce */
  HOSTILE_DRIBBLE,            /* one byte every 50 ms */
  HOSTILE_RESET,              /* connects and resets */
  HOSTILE_BAD_TRANSPORT,      /* knows the cookie; "obfs-4" is no transport name */
  HOSTILE_NUL_USERADDR,       /* knows the cookie; a NUL in USERADDR */
  HOSTILE_COMMAND_FLOOD,      /* knows the cookie; more commands than allowed */
  HOSTILE_NO_DONE,            /* knows the cookie; never sends DONE */
  N_HOSTILE_KINDS
} HostileKind;

static const char * const hostile_names[N_HOSTILE_KINDS] = {
  "random-bytes", "bad-auth-type", "wrong-hash", "reflected-hash", "silent", "half-nonce",
  "dribble", "reset", "bad-transport", "nul-useraddr", "command-flood", "no-done",
};

/* Closed only by the handshake timeout. */
static gboolean
is_stall (HostileKind kind)
{
  return kind == HOSTILE_SILENT || kind == HOSTILE_HALF_NONCE ||
         kind == HOSTILE_DRIBBLE || kind == HOSTILE_NO_DONE;
}

typedef struct
{
  GInetSocketAddress *address;
  guint8              cookie[PT_EXT_OR_PORT_COOKIE_LENGTH];
  guint               n_total;
  gint                next;            /* atomic: the next connection's number */

  GMutex              lock;
  guint               n_closed[N_HOSTILE_KINDS];
  GPtrArray          *failures;        /* what went wrong, for the report */
  gint64              stall_min_us;
  gint64              stall_max_us;
} Hostile;

static void
hostile_fail (Hostile     *hostile,
              guint        number,
              HostileKind  kind,
              const char  *what,
              GError      *error)
{
  g_mutex_lock (&hostile->lock);
  g_ptr_array_add (hostile->failures,
                   g_strdup_printf ("hostile %u (%s): %s%s%s", number, hostile_names[kind], what,
                                    error != NULL ? ": " : "", error != NULL ? error->message : ""));
  g_mutex_unlock (&hostile->lock);
}

static void
random_fill (guint8 *buffer,
             gsize   length)
{
  for (gsize i = 0; i < length; i++)
    buffer[i] = (guint8) g_random_int ();
}

static gboolean
write_bytes (GIOStream     *stream,
             const guint8  *data,
             gsize          length,
             GError       **error)
{
  return g_output_stream_write_all (g_io_stream_get_output_stream (stream), data, length,
                                    NULL, NULL, error);
}

static gboolean
read_bytes (GIOStream  *stream,
            guint8     *buffer,
            gsize       length,
            GError    **error)
{
  gsize n_read = 0;

  if (!g_input_stream_read_all (g_io_stream_get_input_stream (stream), buffer, length,
                                &n_read, NULL, error))
    return FALSE;
  if (n_read < length)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "closed early");
      return FALSE;
    }
  return TRUE;
}

/* Reads until the server closes (end of file or a reset): TRUE, or FALSE
 * if the socket's own timeout came first. */
static gboolean
server_closes (GIOStream  *stream,
               GError    **error)
{
  GInputStream *input = g_io_stream_get_input_stream (stream);
  g_autoptr(GError) local_error = NULL;
  guint8 buffer[1024];
  gssize n;

  while ((n = g_input_stream_read (input, buffer, sizeof buffer, NULL, &local_error)) > 0)
    ;
  if (n == 0 || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    return TRUE;

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* SafeCookie from the client's side: with @cookie the right hash, without
 * it a random one, or with @reflect the server's own. Returns the status
 * byte the server answered in *@status. */
static gboolean
authenticate (GIOStream     *stream,
              const guint8  *cookie,
              gboolean       reflect,
              guint8        *status,
              GError       **error)
{
  guint8 auth_types[2];
  guint8 hello[1 + PT_EXT_OR_PORT_NONCE_LENGTH] = { 1 };
  guint8 server_part[PT_EXT_OR_PORT_HASH_LENGTH + PT_EXT_OR_PORT_NONCE_LENGTH];
  guint8 client_hash[PT_EXT_OR_PORT_HASH_LENGTH];

  if (!read_bytes (stream, auth_types, sizeof auth_types, error))
    return FALSE;
  g_assert_cmpmem (auth_types, 2, "\x01\x00", 2);

  random_fill (hello + 1, sizeof hello - 1);
  if (!write_bytes (stream, hello, sizeof hello, error) ||
      !read_bytes (stream, server_part, sizeof server_part, error))
    return FALSE;

  if (cookie != NULL)
    _pt_ext_or_port_compute_client_hash (cookie, hello + 1, server_part + PT_EXT_OR_PORT_HASH_LENGTH,
                                         client_hash);
  else if (reflect)
    memcpy (client_hash, server_part, sizeof client_hash);
  else
    random_fill (client_hash, sizeof client_hash);

  return write_bytes (stream, client_hash, sizeof client_hash, error) &&
         read_bytes (stream, status, 1, error);
}

/* Sends a byte every 50 ms until the server closes. */
static gboolean
dribble (GIOStream  *stream,
         GError    **error)
{
  GSocket *socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
  guint8 byte = 1;   /* SafeCookie, then a nonce that never ends */

  for (;;)
    {
      g_autoptr(GError) wait_error = NULL;

      if (!write_bytes (stream, &byte, 1, NULL))
        return server_closes (stream, error);   /* reset already */
      if (g_socket_condition_timed_wait (socket, G_IO_IN, 50 * 1000, NULL, &wait_error))
        {
          /* Two auth-type bytes, then nothing until it closes. */
          guint8 auth_types[2];

          return read_bytes (stream, auth_types, 1, NULL) && server_closes (stream, error);
        }
      if (!g_error_matches (wait_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        {
          g_propagate_error (error, g_steal_pointer (&wait_error));
          return FALSE;
        }
      byte = (guint8) g_random_int ();
    }
}

/* Plays one hostile peer; TRUE if the server dealt with it as it should. */
static gboolean
play_hostile (Hostile      *hostile,
              HostileKind   kind,
              GIOStream    *stream,
              GError      **error)
{
  g_autoptr(GByteArray) commands = g_byte_array_new ();
  guint8 status = 0xff;

  switch (kind)
    {
    case HOSTILE_RANDOM_BYTES:
      {
        guint8 garbage[512];
        gsize length = (gsize) g_random_int_range (1, sizeof garbage + 1);

        random_fill (garbage, length);
        /* Refused at once, or failed at the hash, or stalled: all close. */
        write_bytes (stream, garbage, length, NULL);
        return server_closes (stream, error);
      }

    case HOSTILE_BAD_AUTH_TYPE:
      {
        guint8 auth_types[2];

        return read_bytes (stream, auth_types, 2, error) &&
               write_bytes (stream, (const guint8 *) "\x02", 1, error) &&
               server_closes (stream, error);
      }

    case HOSTILE_WRONG_HASH:
    case HOSTILE_REFLECTED_HASH:
      if (!authenticate (stream, NULL, kind == HOSTILE_REFLECTED_HASH, &status, error))
        return FALSE;
      g_assert_cmpuint (status, ==, 0);
      return server_closes (stream, error);

    case HOSTILE_SILENT:
      return server_closes (stream, error);

    case HOSTILE_HALF_NONCE:
      {
        guint8 half[1 + PT_EXT_OR_PORT_NONCE_LENGTH / 2] = { 1 };

        random_fill (half + 1, sizeof half - 1);
        return write_bytes (stream, half, sizeof half, error) && server_closes (stream, error);
      }

    case HOSTILE_DRIBBLE:
      return dribble (stream, error);

    case HOSTILE_RESET:
      {
        GSocket *socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
        struct linger linger = { 1, 0 };

        g_assert_cmpint (setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER,
                                     &linger, sizeof linger), ==, 0);
        return g_io_stream_close (stream, NULL, error);
      }

    case HOSTILE_BAD_TRANSPORT:
      pt_test_ext_or_port_append_command (commands, PT_EXT_OR_PORT_CMD_USERADDR, "192.0.2.1:1", 11);
      pt_test_ext_or_port_append_command (commands, PT_EXT_OR_PORT_CMD_TRANSPORT, "obfs-4", 6);
      break;

    case HOSTILE_NUL_USERADDR:
      pt_test_ext_or_port_append_command (commands, PT_EXT_OR_PORT_CMD_USERADDR, "192.0.2.1:1\0", 12);
      break;

    case HOSTILE_COMMAND_FLOOD:
      for (guint i = 0; i <= PT_EXT_OR_PORT_MAX_COMMANDS; i++)
        pt_test_ext_or_port_append_command (commands, 0x00ff, "", 0);
      break;

    case HOSTILE_NO_DONE:
    default:
      pt_test_ext_or_port_append_command (commands, PT_EXT_OR_PORT_CMD_USERADDR, "192.0.2.1:1", 11);
      pt_test_ext_or_port_append_command (commands, PT_EXT_OR_PORT_CMD_TRANSPORT, "obfs4", 5);
      break;
    }

  /* The ones that know the cookie. */
  if (!authenticate (stream, hostile->cookie, FALSE, &status, error))
    return FALSE;
  g_assert_cmpuint (status, ==, 1);
  return write_bytes (stream, commands->data, commands->len, error) &&
         server_closes (stream, error);
}

static void
run_one_hostile (Hostile *hostile,
                 guint    number)
{
  HostileKind kind = number % N_HOSTILE_KINDS;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();
  gint64 elapsed;

  /* A safety net: the server must close far sooner. */
  g_socket_client_set_timeout (client, HANDSHAKE_MS / 1000 + 30);
  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (hostile->address), NULL, &error);
  if (connection == NULL)
    {
      hostile_fail (hostile, number, kind, "could not connect", error);
      return;
    }

  /* Closed sooner than the peer expected (a reset, or an end of file in
   * the middle of a field) is closed all the same: on a slow machine the
   * handshake timeout can come first. */
  if (!play_hostile (hostile, kind, G_IO_STREAM (connection), &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    {
      hostile_fail (hostile, number, kind, "not closed by the server", error);
      return;
    }
  elapsed = g_get_monotonic_time () - started;

  g_mutex_lock (&hostile->lock);
  hostile->n_closed[kind]++;
  if (is_stall (kind))
    {
      hostile->stall_min_us = MIN (hostile->stall_min_us, elapsed);
      hostile->stall_max_us = MAX (hostile->stall_max_us, elapsed);
    }
  g_mutex_unlock (&hostile->lock);
}

/* Workers */

typedef struct
{
  Hostile         *hostile;
  PtClientAdapter *client;
  const char      *host;
  guint16          port;
  GHashTable      *args;

  gint             hostile_workers_left;   /* atomic */
  gint             workers_left;           /* atomic */
  gboolean         all_done;

  GMutex           lock;
  guint            n_real_served;
  GPtrArray       *real_failures;
} Round;

static void
worker_done (Round *round)
{
  if (g_atomic_int_dec_and_test (&round->workers_left))
    {
      g_atomic_int_set (&round->all_done, TRUE);
      g_main_context_wakeup (NULL);
    }
}

static gpointer
hostile_worker (gpointer user_data)
{
  Round *round = user_data;
  Hostile *hostile = round->hostile;
  guint number;

  while ((number = (guint) g_atomic_int_add (&hostile->next, 1)) < hostile->n_total)
    run_one_hostile (hostile, number);

  g_atomic_int_dec_and_test (&round->hostile_workers_left);
  worker_done (round);
  return NULL;
}

/* Real obfs4 clients, one after the other, until the hostile ones are
 * over (and at least three each). */
static gpointer
real_worker (gpointer user_data)
{
  Round *round = user_data;
  guint n_mine = 0;

  while (n_mine < 3 || g_atomic_int_get (&round->hostile_workers_left) > 0)
    {
      g_autoptr(GSocketConnection) connection = NULL;
      g_autoptr(GError) error = NULL;

      connection = pt_client_adapter_connect (round->client, "obfs4", round->host, round->port,
                                              round->args, NULL, &error);
      if (connection != NULL)
        pt_test_echo_roundtrip (G_IO_STREAM (connection), REAL_ECHO_SIZE, g_random_int (), &error);

      g_mutex_lock (&round->lock);
      if (error != NULL)
        g_ptr_array_add (round->real_failures, g_strdup (error->message));
      else
        round->n_real_served++;
      g_mutex_unlock (&round->lock);
      n_mine++;
    }

  worker_done (round);
  return NULL;
}

/* The adapter's side */

typedef struct
{
  guint        n_preconnect;
  guint        n_not_obfs4;     /* a preconnect that was not a real client */
  guint        n_connected;
  GThreadPool *echoes;
} Server;

static gboolean
on_preconnect (PtExtServerAdapter *adapter,
               PtExtOrPortRequest *request,
               gpointer            user_data)
{
  Server *server = user_data;
  PtExtOrPortClientInfo *info = pt_ext_or_port_request_get_info (request);

  server->n_preconnect++;
  if (g_strcmp0 (pt_ext_or_port_client_info_get_transport (info), "obfs4") != 0)
    server->n_not_obfs4++;

  return FALSE;
}

static void
on_client_connected (PtExtServerAdapter    *adapter,
                     GIOStream             *stream,
                     PtExtOrPortClientInfo *info,
                     gpointer               user_data)
{
  Server *server = user_data;
  g_autoptr(GError) error = NULL;

  server->n_connected++;
  g_thread_pool_push (server->echoes, g_object_ref (stream), &error);
  g_assert_no_error (error);
}

static void
echo_job (gpointer data,
          gpointer user_data)
{
  g_autoptr(GIOStream) stream = data;

  pt_test_echo_stream (stream, NULL);
}

/* Runs @n_hostile hostile peers and real clients alongside, and checks the
 * outcome. */
static void
run_round (Round  *round,
           Server *server,
           guint   n_hostile)
{
  Hostile *hostile = round->hostile;
  GThread *threads[N_HOSTILE_AT_ONCE + N_REAL_AT_ONCE];
  guint n_threads = 0;
  guint n_closed = 0;
  guint n_preconnect_before = server->n_preconnect;
  guint n_connected_before = server->n_connected;

  hostile->n_total = n_hostile;
  hostile->next = 0;
  memset (hostile->n_closed, 0, sizeof hostile->n_closed);
  hostile->stall_min_us = G_MAXINT64;
  hostile->stall_max_us = 0;
  round->n_real_served = 0;
  round->all_done = FALSE;
  round->hostile_workers_left = N_HOSTILE_AT_ONCE;
  round->workers_left = N_HOSTILE_AT_ONCE + N_REAL_AT_ONCE;

  for (guint i = 0; i < N_HOSTILE_AT_ONCE; i++)
    threads[n_threads++] = g_thread_new ("hostile", hostile_worker, round);
  for (guint i = 0; i < N_REAL_AT_ONCE; i++)
    threads[n_threads++] = g_thread_new ("real", real_worker, round);
  pt_test_run_until_within (&round->all_done, 300);
  for (guint i = 0; i < n_threads; i++)
    g_thread_join (threads[i]);

  for (guint i = 0; i < hostile->failures->len; i++)
    g_printerr ("%s\n", (char *) g_ptr_array_index (hostile->failures, i));
  for (guint i = 0; i < round->real_failures->len; i++)
    g_printerr ("real client: %s\n", (char *) g_ptr_array_index (round->real_failures, i));
  g_assert_cmpuint (hostile->failures->len, ==, 0);
  g_assert_cmpuint (round->real_failures->len, ==, 0);

  for (guint kind = 0; kind < N_HOSTILE_KINDS; kind++)
    n_closed += hostile->n_closed[kind];
  g_assert_cmpuint (n_closed, ==, n_hostile);

  /* Only the real clients got as far as the application. */
  g_assert_cmpuint (server->n_preconnect - n_preconnect_before, ==, round->n_real_served);
  g_assert_cmpuint (server->n_connected - n_connected_before, ==, round->n_real_served);
  g_assert_cmpuint (server->n_not_obfs4, ==, 0);

  /* Stalls end at the handshake timeout, not before, not much after. */
  g_assert_cmpint (hostile->stall_min_us, >=, (HANDSHAKE_MS - 100) * 1000);
  g_assert_cmpint (hostile->stall_max_us, <,
                   (HANDSHAKE_MS + CLOSE_SLACK_MS * (gint64) pt_test_slowdown ()) * 1000);
}

static guint
hostile_wanted (void)
{
  const char *text = g_getenv ("PT_SECURITY_HOSTILE");
  guint64 n = N_HOSTILE;

  if (text != NULL)
    g_assert_true (g_ascii_string_to_unsigned (text, 10, N_HOSTILE_KINDS, G_MAXUINT, &n, NULL));

  return (guint) n;
}

static void
test_hostile_ext_or_port (void)
{
  const char *argv[] = { pt_test_obfs4proxy (), NULL };
  const char *transports[] = { "obfs4", NULL };
  g_autoptr(PtExtServerAdapter) adapter = pt_ext_server_adapter_new (argv, NULL);
  g_autoptr(PtServerTransport) transport = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cookie_file = NULL;
  g_autofree char *host = NULL;
  Hostile hostile = { 0 };
  Round round = { 0 };
  Server server = { 0 };
  GInetSocketAddress *address;
  gsize cookie_length = 0;
  guint n_hostile = hostile_wanted ();
  guint n_warm_up = n_hostile / 5;
  gsize rss_warm;
  gsize rss_after;
  gint64 started;

  server.echoes = g_thread_pool_new (echo_job, NULL, N_REAL_AT_ONCE + 2, FALSE, &error);
  g_assert_no_error (error);
  pt_ext_server_adapter_set_handshake_timeout (adapter, HANDSHAKE_MS);
  g_assert_true (pt_ext_server_adapter_add_transport (adapter, "obfs4", NULL, NULL, &error));
  g_assert_no_error (error);
  g_signal_connect (adapter, "preconnect", G_CALLBACK (on_preconnect), &server);
  g_signal_connect (adapter, "client-connected", G_CALLBACK (on_client_connected), &server);
  g_assert_true (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_no_error (error);

  /* The peers that know the cookie read it where the PT does. */
  g_assert_true (g_file_get_contents (pt_ext_server_adapter_get_auth_cookie_file (adapter),
                                      &cookie_file, &cookie_length, NULL));
  g_assert_cmpuint (cookie_length, ==, PT_EXT_OR_PORT_COOKIE_FILE_LENGTH);
  memcpy (hostile.cookie, cookie_file + PT_EXT_OR_PORT_COOKIE_HEADER_LENGTH, sizeof hostile.cookie);
  hostile.address = pt_ext_server_adapter_get_ext_or_port_address (adapter);
  hostile.failures = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&hostile.lock);

  transport = pt_ext_server_adapter_get_transport (adapter, "obfs4", &error);
  g_assert_no_error (error);
  address = pt_server_transport_get_address (transport);
  host = g_inet_address_to_string (g_inet_socket_address_get_address (address));
  round.hostile = &hostile;
  round.client = pt_test_client_start (transports);
  round.host = host;
  round.port = g_inet_socket_address_get_port (address);
  round.args = pt_server_transport_dup_args (transport);
  round.real_failures = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&round.lock);

  run_round (&round, &server, n_warm_up);
  rss_warm = pt_test_get_rss ();

  started = g_get_monotonic_time ();
  run_round (&round, &server, n_hostile);
  rss_after = pt_test_get_rss ();

  g_test_message ("%u hostile ExtORPort connections (%u kinds, %u at a time) in %.1f s, all closed "
                  "by the server, none reached preconnect; %u real obfs4 clients served alongside; "
                  "stalls closed after %.0f to %.0f ms (handshake-timeout %d ms)",
                  n_hostile, N_HOSTILE_KINDS, N_HOSTILE_AT_ONCE,
                  (g_get_monotonic_time () - started) / 1e6, round.n_real_served,
                  hostile.stall_min_us / 1000.0, hostile.stall_max_us / 1000.0, HANDSHAKE_MS);
  g_test_message ("VmRSS after the warm-up round (%u hostile) %" G_GSIZE_FORMAT " KiB, after %u "
                  "hostile %" G_GSIZE_FORMAT " KiB (%+" G_GSSIZE_FORMAT " KiB, bound %d KiB)",
                  n_warm_up, rss_warm / 1024, n_hostile, rss_after / 1024,
                  (gssize) (rss_after - rss_warm) / 1024, HOSTILE_RSS_BOUND / 1024);
  pt_test_assert_rss_growth (rss_warm, rss_after, HOSTILE_RSS_BOUND);

  pt_test_stop_ok (PT_ADAPTER (round.client));
  pt_test_stop_ok (PT_ADAPTER (adapter));
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);

  g_thread_pool_free (server.echoes, FALSE, TRUE);
  g_object_unref (round.client);
  g_hash_table_unref (round.args);
  g_ptr_array_unref (round.real_failures);
  g_ptr_array_unref (hostile.failures);
  g_mutex_clear (&round.lock);
  g_mutex_clear (&hostile.lock);
}

/* Secrets in the logs */

/* Fixed obfs4 server keys; CERT is what obfs4proxy derives from NODE_ID and
 * PUBLIC_KEY (the public half of PRIVATE_KEY). */
#define NODE_ID     "0123456789abcdef0123456789abcdef01234567"
#define PRIVATE_KEY "a0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c7d8e9f"
#define PUBLIC_KEY  "f4b60c209785b3d1d48d2a1f9a0d49b00aeffde95c9c9e7c9e14091f84692b6a"
#define DRBG_SEED   "00112233445566778899aabbccddeeff0011223344556677"
#define CERT        "ASNFZ4mrze8BI0VniavN7wEjRWf0tgwgl4Wz0dSNKh+aDUmwCu/96VycnnyeFAkfhGkrag"
#define CANARY      "ptadapter-security-canary"

/* @secret, and each run of 8 or more letters and digits in it, so that an
 * escaped copy (%2F for '/' in a URI) is found too. */
static void
add_needles (GPtrArray  *needles,
             const char *secret)
{
  const char *p = secret;

  g_ptr_array_add (needles, g_strdup (secret));
  while (*p != '\0')
    {
      gsize run = 0;

      while (g_ascii_isalnum (p[run]))
        run++;
      if (run >= 8 && run < strlen (secret))
        g_ptr_array_add (needles, g_strndup (p, run));
      p += run > 0 ? run : 1;
    }
}

static void
test_no_secrets_in_logs (void)
{
  const char *argv[] = { pt_test_obfs4proxy (), NULL };
  const char *transports[] = { "obfs4", NULL };
  g_autoptr(PtTestEchoServer) echo = pt_test_echo_server_new ();
  g_autoptr(PtServerAdapter) server = NULL;
  g_autoptr(PtClientAdapter) client = NULL;
  g_autoptr(GHashTable) options = pt_test_args_new ("node-id", NODE_ID, "private-key", PRIVATE_KEY,
                                                    "public-key", PUBLIC_KEY, "drbg-seed", DRBG_SEED,
                                                    NULL);
  g_autoptr(GHashTable) args = pt_test_args_new ("cert", CERT, "iat-mode", "0", NULL);
  g_autoptr(GHashTable) bad_args = pt_test_args_new ("cert", CERT, "iat-mode", "7", NULL);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GPtrArray) needles = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *announced_cert = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;
  g_autofree char *text = NULL;
  g_autofree char *lowered = NULL;
  guint n_lines = 0;
  guint16 port;

  g_mutex_lock (&capture_lock);
  g_string_truncate (captured, 0);
  capturing = TRUE;
  g_mutex_unlock (&capture_lock);

  server = pt_test_obfs4_server_start (pt_test_echo_server_get_port (echo), options);
  g_signal_connect (server, "log", G_CALLBACK (on_log_signal), NULL);
  /* The fixed keys are the ones in use. */
  announced_cert = pt_test_dup_server_arg (PT_ADAPTER (server), "obfs4", "cert");
  g_assert_cmpstr (announced_cert, ==, CERT);

  client = pt_client_adapter_new (argv, NULL, transports, NULL);
  g_signal_connect (client, "log", G_CALLBACK (on_log_signal), NULL);
  g_assert_true (pt_test_start (PT_ADAPTER (client), NULL, &error));
  g_assert_no_error (error);

  {
    g_autoptr(PtServerTransport) transport = pt_server_adapter_get_transport (server, "obfs4", &error);

    g_assert_no_error (error);
    port = g_inet_socket_address_get_port (pt_server_transport_get_address (transport));
  }

  connection = pt_test_connect (client, "obfs4", "127.0.0.1", port, args, &error);
  g_assert_no_error (error);
  g_assert_true (pt_test_echo_roundtrip (G_IO_STREAM (connection), 65536, 3, &error));
  g_assert_no_error (error);
  g_clear_object (&connection);

  /* A failure on the way, with the secret args: obfs4proxy refuses the
   * iat-mode once it parses the args, with SOCKS reply 01. The error's
   * message is what an application would log. */
  connection = pt_test_connect (client, "obfs4", "127.0.0.1", port, bad_args, &error);
  g_assert_null (connection);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PROXY_FAILED);
  capture ("error", error->message);
  g_clear_error (&error);

  pt_test_stop_ok (PT_ADAPTER (client));
  pt_test_stop_ok (PT_ADAPTER (server));
  /* Debug messages reach the capture. */
  g_debug ("%s", CANARY);

  g_mutex_lock (&capture_lock);
  capturing = FALSE;
  text = g_strdup (captured->str);
  g_mutex_unlock (&capture_lock);

  g_assert_nonnull (strstr (text, CANARY));
  /* GIO's debug messages of the connection were seen too. */
  g_assert_nonnull (strstr (text, "GSocketClient"));

  encoded = _pt_args_encode_client (args, PT_ARGS_SOCKS5_MAX_LENGTH, &error);
  g_assert_no_error (error);
  _pt_args_split_socks5 (encoded, &username, &password);
  add_needles (needles, NODE_ID);
  add_needles (needles, PRIVATE_KEY);
  add_needles (needles, PUBLIC_KEY);
  add_needles (needles, DRBG_SEED);
  add_needles (needles, CERT);
  add_needles (needles, encoded);
  add_needles (needles, username);
  if (strlen (password) >= 8)
    add_needles (needles, password);

  lowered = g_ascii_strdown (text, -1);
  for (const char *p = text; *p != '\0'; p++)
    n_lines += *p == '\n';
  g_test_message ("searched %" G_GSIZE_FORMAT " bytes of log output (%u messages) for %u strings",
                  strlen (text), n_lines, needles->len);
  for (guint i = 0; i < needles->len; i++)
    {
      const char *needle = g_ptr_array_index (needles, i);
      g_autofree char *lowered_needle = g_ascii_strdown (needle, -1);

      if (strstr (text, needle) != NULL || strstr (lowered, lowered_needle) != NULL)
        g_error ("The secret “%s” appears in the log output:\n%s", needle, text);
    }
}

int
main (int   argc,
      char *argv[])
{
  /* Every level, before anything logs. */
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  captured = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  pt_test_init (&argc, &argv);

  g_test_add_func ("/security/no-secrets-in-logs", test_no_secrets_in_logs);
  g_test_add_func ("/security/hostile-ext-or-port", test_hostile_ext_or_port);

  return g_test_run ();
}
