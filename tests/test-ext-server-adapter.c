/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PtExtServerAdapter: clients through obfs4proxy and the Extended ORPort,
 * the preconnect decisions, hostile ExtORPort peers written here with raw
 * sockets, the cookie file and the environment. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "pt-ext-or-port-private.h"
#include "test-server-util.h"
#include "test-util.h"

#define ECHO_SIZE          (256 * 1024)
#define HOSTILE_TIMEOUT_MS 500
#define SILENT_TIMEOUT_MS  3000
#define RAW_PAYLOAD        "\x16\x03\x01 first bytes of the client, sent with DONE"

/* The adapter under test and what its signals saw */

typedef enum
{
  DECIDE_UNCLAIMED,   /* the handler returns FALSE */
  DECIDE_DENY,        /* denies at once */
  DECIDE_LATER,       /* accepts 100 ms later, from a timeout source */
  DECIDE_DROP,        /* claims the request and drops it undecided */
  DECIDE_HOLD,        /* claims the request and keeps it undecided */
} Decide;

typedef struct
{
  PtExtServerAdapter    *adapter;
  Decide                 decide;
  gboolean               echo;          /* echo on each accepted stream */

  guint                  n_preconnect;
  guint                  n_connected;
  gboolean               any_connected;
  PtExtOrPortClientInfo *info;          /* of the last preconnect */
  GIOStream             *stream;        /* the last stream, when not echoing */
  PtExtOrPortRequest    *held;
  gint64                 preconnect_time;
  gint64                 connected_time;
  guint                  live_echoes;
  gboolean               no_live_echo;
} Server;

static gboolean
accept_later (gpointer user_data)
{
  pt_ext_or_port_request_accept (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
on_preconnect (PtExtServerAdapter *adapter,
               PtExtOrPortRequest *request,
               gpointer            user_data)
{
  Server *server = user_data;

  server->n_preconnect++;
  server->preconnect_time = g_get_monotonic_time ();
  g_set_object (&server->info, pt_ext_or_port_request_get_info (request));

  switch (server->decide)
    {
    case DECIDE_UNCLAIMED:
      return FALSE;
    case DECIDE_DENY:
      pt_ext_or_port_request_deny (request);
      /* Decided once: this does nothing. */
      pt_ext_or_port_request_accept (request);
      return TRUE;
    case DECIDE_LATER:
      g_timeout_add_full (G_PRIORITY_DEFAULT, 100, accept_later,
                          g_object_ref (request), g_object_unref);
      return TRUE;
    case DECIDE_DROP:
      return TRUE;
    case DECIDE_HOLD:
    default:
      g_set_object (&server->held, request);
      return TRUE;
    }
}

/* Echo, asynchronously on the main context */

typedef struct
{
  Server    *server;
  GIOStream *stream;
  guint8     buffer[16384];
} Echo;

static void echo_read (Echo *echo);

static void
echo_free (Echo *echo)
{
  g_io_stream_close (echo->stream, NULL, NULL);
  g_object_unref (echo->stream);
  if (--echo->server->live_echoes == 0)
    echo->server->no_live_echo = TRUE;
  g_free (echo);
}

static void
on_echo_written (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Echo *echo = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    echo_free (echo);
  else
    echo_read (echo);
}

static void
on_echo_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Echo *echo = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0)
    {
      echo_free (echo);
      return;
    }

  g_output_stream_write_all_async (g_io_stream_get_output_stream (echo->stream),
                                   echo->buffer, (gsize) n, G_PRIORITY_DEFAULT, NULL,
                                   on_echo_written, echo);
}

static void
echo_read (Echo *echo)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (echo->stream),
                             echo->buffer, sizeof echo->buffer, G_PRIORITY_DEFAULT, NULL,
                             on_echo_read, echo);
}

static void
on_client_connected (PtExtServerAdapter    *adapter,
                     GIOStream             *stream,
                     PtExtOrPortClientInfo *info,
                     gpointer               user_data)
{
  Server *server = user_data;

  server->n_connected++;
  server->any_connected = TRUE;
  server->connected_time = g_get_monotonic_time ();
  g_assert_true (G_IS_SOCKET_CONNECTION (stream));
  g_assert_true (info == server->info);

  if (server->echo)
    {
      Echo *echo = g_new0 (Echo, 1);

      echo->server = server;
      echo->stream = g_object_ref (stream);
      server->live_echoes++;
      server->no_live_echo = FALSE;
      echo_read (echo);
    }
  else
    {
      g_set_object (&server->stream, stream);
    }
}

static void
server_init (Server             *server,
             const char * const *argv,
             const char * const *transports,
             guint               handshake_timeout_ms)
{
  g_autoptr(GError) error = NULL;

  memset (server, 0, sizeof *server);
  server->no_live_echo = TRUE;
  server->adapter = pt_ext_server_adapter_new (argv, NULL);
  pt_ext_server_adapter_set_handshake_timeout (server->adapter, handshake_timeout_ms);
  for (guint i = 0; transports[i] != NULL; i++)
    {
      g_assert_true (pt_ext_server_adapter_add_transport (server->adapter, transports[i],
                                                          NULL, NULL, &error));
      g_assert_no_error (error);
    }
  g_signal_connect (server->adapter, "preconnect", G_CALLBACK (on_preconnect), server);
  g_signal_connect (server->adapter, "client-connected", G_CALLBACK (on_client_connected), server);
}

/* obfs4proxy serving obfs4 through the adapter, started. */
static void
server_start_obfs4 (Server *server,
                    guint   handshake_timeout_ms)
{
  const char *argv[] = { pt_test_obfs4proxy (), NULL };
  const char *transports[] = { "obfs4", NULL };
  g_autoptr(GError) error = NULL;

  server_init (server, argv, transports, handshake_timeout_ms);
  g_assert_true (pt_test_start (PT_ADAPTER (server->adapter), NULL, &error));
  g_assert_no_error (error);
}

/* Stops the adapter; nothing may be left behind. */
static void
server_finish (Server *server)
{
  pt_test_run_until (&server->no_live_echo);
  pt_test_stop_ok (PT_ADAPTER (server->adapter));
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);

  g_clear_object (&server->held);
  g_clear_object (&server->stream);
  g_clear_object (&server->info);
  g_clear_object (&server->adapter);
}

/* Blocking helpers, run in a thread while the main context serves */

static gboolean
receive_exactly (GSocket  *socket,
                 guint8   *buffer,
                 gsize     length,
                 GError  **error)
{
  gsize received = 0;

  while (received < length)
    {
      gssize n = g_socket_receive (socket, (char *) buffer + received, length - received,
                                   NULL, error);

      if (n < 0)
        return FALSE;
      if (n == 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                               "Closed early");
          return FALSE;
        }
      received += (gsize) n;
    }

  return TRUE;
}

static gboolean
send_all (GSocket       *socket,
          const guint8  *data,
          gsize          length,
          GError       **error)
{
  gsize sent = 0;

  while (sent < length)
    {
      gssize n = g_socket_send (socket, (const char *) data + sent, length - sent, NULL, error);

      if (n < 0)
        return FALSE;
      sent += (gsize) n;
    }

  return TRUE;
}

/* Reads until the peer closes: TRUE for end of file or a reset, with the
 * number of bytes that came before it in *@extra. */
static gboolean
receive_until_closed (GSocket *socket,
                      gsize   *extra)
{
  char buffer[1024];

  *extra = 0;
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);

      if (n == 0 || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
        return TRUE;
      if (n < 0)
        return FALSE;   /* a timeout: never closed */
      *extra += (gsize) n;
    }
}

/* Reads from a GIOStream until it ends (end of file or an error). */
static gpointer
stream_ends_job (gpointer user_data)
{
  GInputStream *input = g_io_stream_get_input_stream (user_data);
  char buffer[4096];

  while (g_input_stream_read (input, buffer, sizeof buffer, NULL, NULL) > 0)
    ;

  return GINT_TO_POINTER (TRUE);
}

/* Reads a GIOStream to its end and returns all of it. */
static gpointer
stream_contents_job (gpointer user_data)
{
  GInputStream *input = g_io_stream_get_input_stream (user_data);
  GByteArray *contents = g_byte_array_new ();
  guint8 buffer[4096];
  gssize n;

  while ((n = g_input_stream_read (input, buffer, sizeof buffer, NULL, NULL)) > 0)
    g_byte_array_append (contents, buffer, (guint) n);

  return contents;
}

typedef struct
{
  GIOStream *stream;
  gsize      size;
  GError    *error;
} RoundtripJob;

static gpointer
roundtrip_job (gpointer user_data)
{
  RoundtripJob *job = user_data;

  return GINT_TO_POINTER (pt_test_echo_roundtrip (job->stream, job->size, 99, &job->error));
}

/* Connects through obfs4 and the adapter and checks the echo. */
static void
assert_obfs4_echo (PtClientAdapter *client,
                   Server          *server)
{
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  RoundtripJob job = { NULL, ECHO_SIZE, NULL };

  connection = pt_test_connect_to_server (client, PT_ADAPTER (server->adapter), "obfs4", &error);
  g_assert_no_error (error);

  job.stream = G_IO_STREAM (connection);
  g_assert_true (pt_test_run_in_thread (roundtrip_job, &job));
  g_assert_no_error (job.error);
}

/* Connects through obfs4 and checks that the connection ends without
 * carrying anything (or cannot be made at all). */
static void
assert_obfs4_refused (PtClientAdapter *client,
                      Server          *server)
{
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = pt_test_connect_to_server (client, PT_ADAPTER (server->adapter), "obfs4", &error);
  if (connection == NULL)
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PROXY_FAILED);
      return;
    }

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             "hello?", 6, NULL, NULL, NULL);
  g_assert_true (pt_test_run_in_thread (stream_ends_job, connection));
}

/* Tests: clients through obfs4proxy */

/* An obfs4 client adapter, and the adapter under test deciding with
 * @decide; the client adapter is returned. */
static PtClientAdapter *
start_pair (Server *server,
            Decide  decide,
            guint   handshake_timeout_ms)
{
  const char *transports[] = { "obfs4", NULL };
  PtClientAdapter *client = pt_test_client_start (transports);

  server_start_obfs4 (server, handshake_timeout_ms);
  server->decide = decide;
  server->echo = TRUE;

  return client;
}

static void
finish_pair (PtClientAdapter *client,
             Server          *server)
{
  pt_test_stop_ok (PT_ADAPTER (client));
  g_object_unref (client);
  server_finish (server);
}

static void
test_obfs4_echo (void)
{
  Server server;
  PtClientAdapter *client = start_pair (&server, DECIDE_UNCLAIMED, 10000);
  g_autofree char *address = NULL;

  assert_obfs4_echo (client, &server);
  g_assert_cmpuint (server.n_preconnect, ==, 1);
  g_assert_cmpuint (server.n_connected, ==, 1);
  g_assert_cmpstr (pt_ext_or_port_client_info_get_transport (server.info), ==, "obfs4");
  address = g_inet_address_to_string (pt_ext_or_port_client_info_get_address (server.info));
  g_assert_cmpstr (address, ==, "127.0.0.1");
  g_assert_cmpuint (pt_ext_or_port_client_info_get_port (server.info), !=, 0);

  finish_pair (client, &server);
}

static void
test_obfs4_deferred_accept (void)
{
  Server server;
  PtClientAdapter *client = start_pair (&server, DECIDE_LATER, 10000);

  assert_obfs4_echo (client, &server);
  g_assert_cmpuint (server.n_preconnect, ==, 1);
  g_assert_cmpuint (server.n_connected, ==, 1);
  g_assert_cmpint (server.connected_time - server.preconnect_time, >=, 100 * 1000);

  finish_pair (client, &server);
}

/* Denied at once, dropped undecided, or not decided within the handshake
 * timeout: the client's connection ends, and a late accept does nothing. */
static void
test_obfs4_refused (gconstpointer data)
{
  Decide decide = GPOINTER_TO_INT (data);
  Server server;
  PtClientAdapter *client =
    start_pair (&server, decide, decide == DECIDE_HOLD ? HOSTILE_TIMEOUT_MS : 10000);

  assert_obfs4_refused (client, &server);
  g_assert_cmpuint (server.n_preconnect, ==, 1);

  if (decide == DECIDE_HOLD)
    {
      g_assert_nonnull (server.held);
      pt_ext_or_port_request_accept (server.held);
      g_clear_object (&server.held);
      /* Whatever the accept could have scheduled runs now. */
      g_main_context_iteration (NULL, FALSE);
    }
  g_assert_cmpuint (server.n_connected, ==, 0);

  finish_pair (client, &server);
}

/* Tests: raw ExtORPort peers */

typedef enum
{
  RAW_GOOD,          /* the right hash, commands and payload in one write */
  RAW_WRONG_HASH,    /* checks the server's hash, then sends a wrong one */
  RAW_GARBAGE,       /* not the protocol at all */
  RAW_SILENT,        /* connects and sends nothing */
} RawKind;

typedef struct
{
  RawKind             kind;
  GInetSocketAddress *address;
  guint8              cookie[PT_EXT_OR_PORT_COOKIE_LENGTH];

  gboolean            server_hash_ok;
  guint8              status;
  guint8              reply[4];
  gboolean            closed;         /* the server closed the connection */
  gsize               extra;          /* bytes received before it did */
  gint64              elapsed;        /* from connect to close, in µs */
  gint                done;
  GError             *error;
} RawClient;

static void
raw_client_init (RawClient          *raw,
                 RawKind             kind,
                 PtExtServerAdapter *adapter)
{
  const char *path = pt_ext_server_adapter_get_auth_cookie_file (adapter);
  g_autofree char *contents = NULL;
  gsize length = 0;

  memset (raw, 0, sizeof *raw);
  raw->kind = kind;
  raw->address = g_object_ref (pt_ext_server_adapter_get_ext_or_port_address (adapter));

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, PT_EXT_OR_PORT_COOKIE_FILE_LENGTH);
  memcpy (raw->cookie, contents + PT_EXT_OR_PORT_COOKIE_HEADER_LENGTH, sizeof raw->cookie);
}

static void
raw_client_clear (RawClient *raw)
{
  g_clear_object (&raw->address);
  g_clear_error (&raw->error);
}

static void
append_command (GByteArray *bytes,
                guint16     command,
                const char *body)
{
  gsize length = strlen (body);
  guint8 header[4] = {
    (guint8) (command >> 8), (guint8) command, (guint8) (length >> 8), (guint8) length,
  };

  g_byte_array_append (bytes, header, sizeof header);
  g_byte_array_append (bytes, (const guint8 *) body, (guint) length);
}

/* SafeCookie from the client's side. */
static gboolean
raw_authenticate (RawClient  *raw,
                  GSocket    *socket,
                  GError    **error)
{
  guint8 hello[1 + PT_EXT_OR_PORT_NONCE_LENGTH] = { 1 };
  guint8 server_part[PT_EXT_OR_PORT_HASH_LENGTH + PT_EXT_OR_PORT_NONCE_LENGTH];
  const guint8 *server_nonce = server_part + PT_EXT_OR_PORT_HASH_LENGTH;
  const guint8 *client_nonce = hello + 1;
  guint8 expected[PT_EXT_OR_PORT_HASH_LENGTH];
  guint8 client_hash[PT_EXT_OR_PORT_HASH_LENGTH];

  for (gsize i = 1; i < sizeof hello; i++)
    hello[i] = (guint8) g_random_int ();
  if (!send_all (socket, hello, sizeof hello, error) ||
      !receive_exactly (socket, server_part, sizeof server_part, error))
    return FALSE;

  _pt_ext_or_port_compute_server_hash (raw->cookie, client_nonce, server_nonce, expected);
  raw->server_hash_ok = memcmp (expected, server_part, sizeof expected) == 0;

  _pt_ext_or_port_compute_client_hash (raw->cookie, client_nonce, server_nonce, client_hash);
  if (raw->kind == RAW_WRONG_HASH)
    client_hash[0] ^= 0x01;

  return send_all (socket, client_hash, sizeof client_hash, error) &&
         receive_exactly (socket, &raw->status, 1, error);
}

static gboolean
raw_client_talk (RawClient  *raw,
                 GSocket    *socket,
                 GError    **error)
{
  static const char garbage[] = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
  g_autoptr(GByteArray) commands = g_byte_array_new ();
  guint8 auth_types[2];

  if (!g_socket_connect (socket, G_SOCKET_ADDRESS (raw->address), NULL, error) ||
      !receive_exactly (socket, auth_types, sizeof auth_types, error))
    return FALSE;
  g_assert_cmpmem (auth_types, 2, "\x01\x00", 2);

  switch (raw->kind)
    {
    case RAW_SILENT:
      return TRUE;
    case RAW_GARBAGE:
      return send_all (socket, (const guint8 *) garbage, strlen (garbage), error);
    case RAW_WRONG_HASH:
      return raw_authenticate (raw, socket, error);
    case RAW_GOOD:
    default:
      break;
    }

  if (!raw_authenticate (raw, socket, error))
    return FALSE;

  append_command (commands, PT_EXT_OR_PORT_CMD_USERADDR, "192.0.2.7:5678");
  append_command (commands, PT_EXT_OR_PORT_CMD_TRANSPORT, "raw_test");
  append_command (commands, PT_EXT_OR_PORT_CMD_DONE, "");
  g_byte_array_append (commands, (const guint8 *) RAW_PAYLOAD, strlen (RAW_PAYLOAD));
  return send_all (socket, commands->data, commands->len, error) &&
         receive_exactly (socket, raw->reply, sizeof raw->reply, error);
}

static gpointer
raw_client_run (gpointer user_data)
{
  RawClient *raw = user_data;
  g_autoptr(GSocket) socket = NULL;
  gint64 started = g_get_monotonic_time ();

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &raw->error);
  g_assert_no_error (raw->error);
  /* A safety net: the server closes far sooner. */
  g_socket_set_timeout (socket, 30);

  if (raw_client_talk (raw, socket, &raw->error))
    {
      /* An accepted client ends its side and leaves; the others wait for
       * the server to close. */
      if (raw->kind == RAW_GOOD && raw->reply[1] == 0x00)
        g_socket_shutdown (socket, FALSE, TRUE, NULL);
      else
        raw->closed = receive_until_closed (socket, &raw->extra);
    }
  raw->elapsed = g_get_monotonic_time () - started;
  g_socket_close (socket, NULL);
  g_atomic_int_set (&raw->done, TRUE);
  g_main_context_wakeup (NULL);

  return NULL;
}

/* A hostile peer is closed before the timeout, and no signal fires. */
static void
assert_hostile_closed (RawKind kind)
{
  Server server;
  RawClient raw;

  server_start_obfs4 (&server, HOSTILE_TIMEOUT_MS);
  raw_client_init (&raw, kind, server.adapter);

  pt_test_run_in_thread (raw_client_run, &raw);
  g_assert_no_error (raw.error);
  g_assert_true (raw.closed);
  g_assert_cmpint (raw.elapsed, <, (HOSTILE_TIMEOUT_MS + 1000) * 1000);
  g_assert_cmpuint (server.n_preconnect, ==, 0);
  g_assert_cmpuint (server.n_connected, ==, 0);

  if (kind == RAW_WRONG_HASH)
    {
      g_assert_true (raw.server_hash_ok);
      g_assert_cmpuint (raw.status, ==, 0);
      g_assert_cmpuint (raw.extra, ==, 0);
    }

  raw_client_clear (&raw);
  server_finish (&server);
}

static void
test_hostile_wrong_hash (void)
{
  assert_hostile_closed (RAW_WRONG_HASH);
}

static void
test_hostile_garbage (void)
{
  assert_hostile_closed (RAW_GARBAGE);
}

/* A silent peer is closed when the timeout runs out; meanwhile an obfs4
 * client is served. */
static void
test_hostile_silent (void)
{
  Server server;
  PtClientAdapter *client = start_pair (&server, DECIDE_UNCLAIMED, SILENT_TIMEOUT_MS);
  GThread *thread;
  RawClient raw;

  raw_client_init (&raw, RAW_SILENT, server.adapter);
  thread = g_thread_new ("silent-peer", raw_client_run, &raw);

  assert_obfs4_echo (client, &server);
  g_assert_cmpuint (server.n_connected, ==, 1);
  /* Served while the silent peer was still connected. */
  g_assert_false (g_atomic_int_get (&raw.done));

  while (!g_atomic_int_get (&raw.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);

  g_assert_no_error (raw.error);
  g_assert_true (raw.closed);
  g_assert_cmpuint (raw.extra, ==, 0);
  g_assert_cmpint (raw.elapsed, >=, (SILENT_TIMEOUT_MS - 100) * 1000);
  g_assert_cmpint (raw.elapsed, <, (SILENT_TIMEOUT_MS + 5000) * 1000);
  g_assert_cmpuint (server.n_preconnect, ==, 1);

  raw_client_clear (&raw);
  finish_pair (client, &server);
}

/* The application's stream starts with the first byte after DONE, also
 * when it arrived in the same segment as the commands. */
static void
test_raw_payload_with_done (void)
{
  g_autoptr(GByteArray) received = NULL;
  g_autofree char *address = NULL;
  Server server;
  RawClient raw;

  server_start_obfs4 (&server, 10000);
  raw_client_init (&raw, RAW_GOOD, server.adapter);

  pt_test_run_in_thread (raw_client_run, &raw);
  g_assert_no_error (raw.error);
  g_assert_true (raw.server_hash_ok);
  g_assert_cmpuint (raw.status, ==, 1);
  g_assert_cmpmem (raw.reply, 4, "\x10\x00\x00\x00", 4);

  /* The reply is out before the signal is emitted. */
  pt_test_run_until (&server.any_connected);
  g_assert_cmpuint (server.n_connected, ==, 1);
  g_assert_cmpstr (pt_ext_or_port_client_info_get_transport (server.info), ==, "raw_test");
  address = g_inet_address_to_string (pt_ext_or_port_client_info_get_address (server.info));
  g_assert_cmpstr (address, ==, "192.0.2.7");
  g_assert_cmpuint (pt_ext_or_port_client_info_get_port (server.info), ==, 5678);

  received = pt_test_run_in_thread (stream_contents_job, server.stream);
  g_assert_cmpmem (received->data, received->len, RAW_PAYLOAD, strlen (RAW_PAYLOAD));

  raw_client_clear (&raw);
  server_finish (&server);
}

static void
test_raw_deny_reply (void)
{
  Server server;
  RawClient raw;

  server_start_obfs4 (&server, 10000);
  server.decide = DECIDE_DENY;
  raw_client_init (&raw, RAW_GOOD, server.adapter);

  pt_test_run_in_thread (raw_client_run, &raw);
  g_assert_no_error (raw.error);
  g_assert_cmpmem (raw.reply, 4, "\x10\x01\x00\x00", 4);
  g_assert_true (raw.closed);
  g_assert_cmpuint (server.n_preconnect, ==, 1);
  g_assert_cmpuint (server.n_connected, ==, 0);

  raw_client_clear (&raw);
  server_finish (&server);
}

/* Tests: the cookie file, the environment, the settings */

static void
assert_cookie_file (const char *path)
{
  g_autofree char *contents = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  gsize length = 0;
  GStatBuf info;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, 64);
  g_assert_cmpmem (contents, 32, "! Extended ORPort Auth Cookie !\n", 32);
  g_assert_cmpint (g_stat (path, &info), ==, 0);
  g_assert_cmpint (info.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (dir, &info), ==, 0);
  g_assert_cmpint (info.st_mode & 0777, ==, 0700);
}

/* An adapter running the fake PT with an env-file. */
static PtExtServerAdapter *
fake_ext_server (const char *env_path)
{
  g_auto(GStrv) argv = pt_test_fake_server_argv (env_path);
  g_autoptr(PtExtServerAdapter) adapter = pt_ext_server_adapter_new ((const char * const *) argv, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_ext_server_adapter_add_transport (adapter, "alpha", NULL, NULL, &error));
  g_assert_no_error (error);

  return g_steal_pointer (&adapter);
}

static void
start_ok (PtExtServerAdapter *adapter)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_no_error (error);
}

static void
test_cookie_temp_file (void)
{
  g_autofree char *env_path = pt_test_temp_path ("env");
  g_autoptr(PtExtServerAdapter) adapter = fake_ext_server (env_path);
  g_autoptr(GHashTable) environment = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;

  g_assert_null (pt_ext_server_adapter_get_auth_cookie_file (adapter));
  start_ok (adapter);

  path = g_strdup (pt_ext_server_adapter_get_auth_cookie_file (adapter));
  g_assert_nonnull (path);
  g_assert_true (g_path_is_absolute (path));
  assert_cookie_file (path);
  environment = pt_test_read_env_file (env_path);
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_AUTH_COOKIE_FILE"), ==, path);

  pt_test_stop_ok (PT_ADAPTER (adapter));
  dir = g_path_get_dirname (path);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_null (pt_ext_server_adapter_get_auth_cookie_file (adapter));
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
  g_unlink (env_path);
}

static char *
run_once_for_cookie (PtExtServerAdapter *adapter)
{
  char *contents = NULL;

  start_ok (adapter);
  g_assert_true (g_file_get_contents (pt_ext_server_adapter_get_auth_cookie_file (adapter),
                                      &contents, NULL, NULL));
  pt_test_stop_ok (PT_ADAPTER (adapter));

  return contents;
}

static void
test_cookie_given_path (void)
{
  g_autofree char *env_path = pt_test_temp_path ("env");
  g_autofree char *dir = pt_test_temp_path ("cookie-dir");
  g_autofree char *path = g_build_filename (dir, "cookie", NULL);
  g_autoptr(PtExtServerAdapter) adapter = fake_ext_server (env_path);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(GHashTable) environment = NULL;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  g_object_set (adapter, "auth-cookie-file", path, NULL);

  first = run_once_for_cookie (adapter);
  environment = pt_test_read_env_file (env_path);
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_AUTH_COOKIE_FILE"), ==, path);

  /* Left in place, with a fresh secret at each start. */
  assert_cookie_file (path);
  g_assert_cmpstr (pt_ext_server_adapter_get_auth_cookie_file (adapter), ==, path);
  second = run_once_for_cookie (adapter);
  g_assert_cmpmem (first, 32, second, 32);
  g_assert_true (memcmp (first + 32, second + 32, 32) != 0);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  g_unlink (env_path);
}

static void
test_environment (void)
{
  g_autofree char *env_path = pt_test_temp_path ("env");
  g_autoptr(PtExtServerAdapter) adapter = fake_ext_server (env_path);
  g_autoptr(GHashTable) environment = NULL;
  g_autofree char *bound = NULL;
  GInetSocketAddress *address;
  GInetSocketAddress *configured;

  configured = pt_ext_server_adapter_get_ext_or_port_address (adapter);
  g_assert_cmpuint (g_inet_socket_address_get_port (configured), ==, 0);

  g_setenv ("TOR_PT_CLIENT_TRANSPORTS", "obfs4", TRUE);
  start_ok (adapter);
  g_unsetenv ("TOR_PT_CLIENT_TRANSPORTS");

  address = pt_ext_server_adapter_get_ext_or_port_address (adapter);
  g_assert_cmpuint (g_inet_socket_address_get_port (address), !=, 0);
  bound = g_strdup_printf ("127.0.0.1:%u", g_inet_socket_address_get_port (address));

  environment = pt_test_read_env_file (env_path);
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_EXTENDED_SERVER_PORT"), ==, bound);
  g_assert_nonnull (g_hash_table_lookup (environment, "TOR_PT_AUTH_COOKIE_FILE"));
  g_assert_false (g_hash_table_contains (environment, "TOR_PT_ORPORT"));
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_SERVER_TRANSPORTS"), ==, "alpha");
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_SERVER_BINDADDR"), ==, "alpha-127.0.0.1:0");
  g_assert_false (g_hash_table_contains (environment, "TOR_PT_SERVER_TRANSPORT_OPTIONS"));
  g_assert_false (g_hash_table_contains (environment, "TOR_PT_CLIENT_TRANSPORTS"));

  pt_test_stop_ok (PT_ADAPTER (adapter));
  /* The configured address again. */
  address = pt_ext_server_adapter_get_ext_or_port_address (adapter);
  g_assert_cmpuint (g_inet_socket_address_get_port (address), ==, 0);
  g_unlink (env_path);
}

/* A listener that cannot be made fails the start before the PT is
 * spawned, and leaves nothing behind. */
static void
test_address_in_use (void)
{
  g_autofree char *env_path = pt_test_temp_path ("env");
  g_autoptr(PtExtServerAdapter) first = fake_ext_server (env_path);
  g_autoptr(PtExtServerAdapter) second = fake_ext_server (env_path);
  g_autoptr(GError) error = NULL;

  start_ok (first);
  g_unlink (env_path);
  pt_ext_server_adapter_set_ext_or_port_address (second,
                                                 pt_ext_server_adapter_get_ext_or_port_address (first));

  g_assert_false (pt_test_start (PT_ADAPTER (second), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_false (g_file_test (env_path, G_FILE_TEST_EXISTS));
  g_assert_null (pt_ext_server_adapter_get_auth_cookie_file (second));

  pt_test_stop_ok (PT_ADAPTER (first));
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
  g_unlink (env_path);
}

static void
test_add_transport_errors (void)
{
  g_autofree char *env_path = pt_test_temp_path ("env");
  g_auto(GStrv) argv = pt_test_fake_server_argv (env_path);
  g_autoptr(PtExtServerAdapter) adapter = pt_ext_server_adapter_new ((const char * const *) argv, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);

  g_assert_false (pt_ext_server_adapter_add_transport (adapter, "not-a-name", NULL, NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (pt_ext_server_adapter_add_transport (adapter, "alpha", NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (pt_ext_server_adapter_add_transport (adapter, "alpha", NULL, NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  start_ok (adapter);
  g_assert_false (pt_ext_server_adapter_add_transport (adapter, "beta", NULL, NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_STATE);
  pt_test_stop_ok (PT_ADAPTER (adapter));
  g_unlink (env_path);
}

int
main (int   argc,
      char *argv[])
{
  pt_test_init (&argc, &argv);

  g_test_add_func ("/ext-server-adapter/obfs4/echo", test_obfs4_echo);
  g_test_add_func ("/ext-server-adapter/obfs4/deferred-accept", test_obfs4_deferred_accept);
  g_test_add_data_func ("/ext-server-adapter/obfs4/deny", GINT_TO_POINTER (DECIDE_DENY),
                        test_obfs4_refused);
  g_test_add_data_func ("/ext-server-adapter/obfs4/dropped-request", GINT_TO_POINTER (DECIDE_DROP),
                        test_obfs4_refused);
  g_test_add_data_func ("/ext-server-adapter/obfs4/undecided-times-out", GINT_TO_POINTER (DECIDE_HOLD),
                        test_obfs4_refused);

  g_test_add_func ("/ext-server-adapter/hostile/wrong-hash", test_hostile_wrong_hash);
  g_test_add_func ("/ext-server-adapter/hostile/garbage", test_hostile_garbage);
  g_test_add_func ("/ext-server-adapter/hostile/silent", test_hostile_silent);
  g_test_add_func ("/ext-server-adapter/raw/payload-with-done", test_raw_payload_with_done);
  g_test_add_func ("/ext-server-adapter/raw/deny-reply", test_raw_deny_reply);

  g_test_add_func ("/ext-server-adapter/cookie/temp-file", test_cookie_temp_file);
  g_test_add_func ("/ext-server-adapter/cookie/given-path", test_cookie_given_path);
  g_test_add_func ("/ext-server-adapter/environment", test_environment);
  g_test_add_func ("/ext-server-adapter/ext-or-port-address/in-use", test_address_in_use);
  g_test_add_func ("/ext-server-adapter/add-transport/errors", test_add_transport_errors);

  return g_test_run ();
}
