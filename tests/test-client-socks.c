/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Dialing through a client PT, checked byte for byte against the fake
 * PT's SOCKS server, which records what it receives. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "test-util.h"
#include "pt-args-private.h"

typedef struct
{
  char             *record_path;
  PtClientAdapter  *adapter;
  PtTestEchoServer *echo;
} Fixture;

static void
fixture_start (Fixture    *f,
               const char *cmethods_step,
               const char *extra_step)
{
  g_autofree char *record_step = NULL;
  const char *transports[] = { "alpha", NULL };
  const char *argv[6] = { NULL };
  guint n = 0;
  g_autoptr(GError) error = NULL;

  f->record_path = pt_test_temp_path ("record");
  record_step = g_strconcat ("record:", f->record_path, NULL);

  argv[n++] = pt_test_fake_pt ();
  argv[n++] = record_step;
  if (extra_step != NULL)
    argv[n++] = extra_step;
  argv[n++] = "version";
  argv[n++] = cmethods_step;

  f->echo = pt_test_echo_server_new ();
  f->adapter = pt_client_adapter_new (argv, NULL, transports, NULL);
  g_assert_true (pt_test_start (PT_ADAPTER (f->adapter), NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  fixture_start (f, data != NULL ? data : "cmethods", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_true (pt_test_stop (PT_ADAPTER (f->adapter), NULL));
  g_clear_object (&f->adapter);
  g_clear_pointer (&f->echo, pt_test_echo_server_free);
  g_unlink (f->record_path);
  g_free (f->record_path);
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
}

static char **
read_records (Fixture *f)
{
  g_autofree char *contents = pt_test_read_file (f->record_path);

  if (contents == NULL)
    return g_new0 (char *, 1);

  g_strchomp (contents);
  if (contents[0] == '\0')
    return g_new0 (char *, 1);

  return g_strsplit (contents, "\n", -1);
}

static char *
last_record (Fixture *f)
{
  g_auto(GStrv) records = read_records (f);
  guint n = g_strv_length (records);

  g_assert_cmpuint (n, >, 0);
  return g_strdup (records[n - 1]);
}

static char *
to_hex (const char *bytes,
        gsize       length)
{
  GString *hex = g_string_new (NULL);

  for (gsize i = 0; i < length; i++)
    g_string_append_printf (hex, "%02x", (guchar) bytes[i]);

  return g_string_free (hex, FALSE);
}

/* The record line of a SOCKS5 connection with these encoded args. */
static char *
expected_userpass_record (const char *encoded,
                          const char *host,
                          guint16     port)
{
  gsize length = strlen (encoded);
  gsize user_length = MIN (255, length - 1);
  g_autofree char *user = to_hex (encoded, user_length);
  g_autofree char *pass = to_hex (encoded + user_length, length - user_length);

  return g_strdup_printf ("auth=userpass user=%s pass=%s host=%s port=%u",
                          user, pass, host, port);
}

static void
assert_echo_works (GSocketConnection *connection)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_test_echo_roundtrip (G_IO_STREAM (connection), 64 * 1024, 7, &error));
  g_assert_no_error (error);
}

static void
test_no_args (Fixture       *f,
              gconstpointer  data)
{
  guint16 port = pt_test_echo_server_get_port (f->echo);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GHashTable) empty = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("auth=none host=127.0.0.1 port=%u", port);
  g_auto(GStrv) records = NULL;

  connection = pt_test_connect (f->adapter, "alpha", "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  assert_echo_works (connection);
  g_clear_object (&connection);

  /* An empty table is the same as none: no authentication at all. */
  connection = pt_test_connect (f->adapter, "alpha", "127.0.0.1", port, empty, &error);
  g_assert_no_error (error);
  assert_echo_works (connection);

  records = read_records (f);
  g_assert_cmpuint (g_strv_length (records), ==, 2);
  g_assert_cmpstr (records[0], ==, expected);
  g_assert_cmpstr (records[1], ==, expected);
}

static void
test_args (Fixture       *f,
           gconstpointer  data)
{
  guint16 port = pt_test_echo_server_get_port (f->echo);
  g_autoptr(GHashTable) args = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *record = NULL;

  /* Sorted by key, \ = ; escaped, and characters that URIs escape (% : @ /
   * and space) passed through GIO unchanged. */
  args = pt_test_args_new ("iat-mode", "0",
                           "cert", "p2r+Oq/8Hk==",
                           "k;=\\", "v=;\\x",
                           "uri", "%41:@/ ?#",
                           NULL);
  connection = pt_test_connect (f->adapter, "alpha", "127.0.0.1", port, args, &error);
  g_assert_no_error (error);
  assert_echo_works (connection);

  expected = expected_userpass_record ("cert=p2r+Oq/8Hk\\=\\=;iat-mode=0;k\\;\\=\\\\=v\\=\\;\\\\x;uri=%41:@/ ?#",
                                       "127.0.0.1", port);
  record = last_record (f);
  g_assert_cmpstr (record, ==, expected);
}

/* Encoded args of exactly @length bytes: "k=" and a value. */
static GHashTable *
args_of_encoded_length (gsize length)
{
  g_autofree char *value = g_strnfill (length - 2, 'v');

  return pt_test_args_new ("k", value, NULL);
}

static void
test_args_length (Fixture       *f,
                  gconstpointer  data)
{
  const gsize lengths[] = { 2, 3, 254, 255, 256, 257, 509, 510 };
  guint16 port = pt_test_echo_server_get_port (f->echo);

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autoptr(GHashTable) args = args_of_encoded_length (lengths[i]);
      g_autoptr(GSocketConnection) connection = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *encoded = NULL;
      g_autofree char *expected = NULL;
      g_autofree char *record = NULL;

      connection = pt_test_connect (f->adapter, "alpha", "127.0.0.1", port, args, &error);
      g_assert_no_error (error);

      encoded = g_strconcat ("k=", g_hash_table_lookup (args, "k"), NULL);
      g_assert_cmpuint (strlen (encoded), ==, lengths[i]);
      expected = expected_userpass_record (encoded, "127.0.0.1", port);
      record = last_record (f);
      g_assert_cmpstr (record, ==, expected);
    }
}

static void
test_args_too_long (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GHashTable) args = args_of_encoded_length (511);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) records = NULL;

  connection = pt_test_connect (f->adapter, "alpha", "127.0.0.1",
                                pt_test_echo_server_get_port (f->echo), args, &error);
  g_assert_null (connection);
  g_assert_error (error, PT_ERROR, PT_ERROR_ARGS_TOO_LONG);
  g_assert_nonnull (strstr (error->message, "511"));

  /* Refused before anything reached the PT. */
  records = read_records (f);
  g_assert_cmpuint (g_strv_length (records), ==, 0);
}

typedef struct
{
  const char *key;
  const char *value;
} BadArg;

static void
test_bad_args (Fixture       *f,
               gconstpointer  data)
{
  const BadArg bad[] = {
    { "", "value" },
    { "key", "caf\xc3\xa9" },
    { "k\xc3\xa9y", "value" },
  };
  g_auto(GStrv) records = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GHashTable) args = pt_test_args_new (bad[i].key, bad[i].value, NULL);
      g_autoptr(GSocketConnection) connection = NULL;
      g_autoptr(GError) error = NULL;

      connection = pt_test_connect (f->adapter, "alpha", "127.0.0.1",
                                    pt_test_echo_server_get_port (f->echo), args, &error);
      g_assert_null (connection);
      g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
    }

  records = read_records (f);
  g_assert_cmpuint (g_strv_length (records), ==, 0);
}

static void
test_ipv6_destination (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(PtTestEchoServer) echo6 = pt_test_echo_server_new_for_family (G_SOCKET_FAMILY_IPV6);
  guint16 port = pt_test_echo_server_get_port (echo6);
  g_autofree char *expected = g_strdup_printf ("auth=none host=::1 port=%u", port);
  const char *hosts[] = { "::1", "[::1]" };

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_autoptr(GSocketConnection) connection = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *record = NULL;

      connection = pt_test_connect (f->adapter, "alpha", hosts[i], port, NULL, &error);
      g_assert_no_error (error);
      assert_echo_works (connection);
      record = last_record (f);
      g_assert_cmpstr (record, ==, expected);
    }
}

static void
test_host_name_destination (Fixture       *f,
                            gconstpointer  data)
{
  guint16 port = pt_test_echo_server_get_port (f->echo);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("auth=none host=localhost port=%u", port);
  g_autofree char *record = NULL;

  /* The name goes to the PT unresolved. */
  connection = pt_test_connect (f->adapter, "alpha", "localhost", port, NULL, &error);
  g_assert_no_error (error);
  assert_echo_works (connection);
  record = last_record (f);
  g_assert_cmpstr (record, ==, expected);
}

static void
test_socks4 (Fixture       *f,
             gconstpointer  data)
{
  guint16 port = pt_test_echo_server_get_port (f->echo);
  g_autoptr(GHashTable) args = pt_test_args_new ("cert", "a=b", "x", "y", NULL);
  g_autoptr(GHashTable) long_args = args_of_encoded_length (256);
  g_autoptr(GHashTable) longest_args = args_of_encoded_length (255);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *userid = to_hex ("cert=a\\=b;x=y", strlen ("cert=a\\=b;x=y"));
  g_autofree char *expected = g_strdup_printf ("auth=socks4 userid=%s host=localhost port=%u",
                                               userid, port);
  g_autofree char *record = NULL;
  g_autoptr(PtClientTransport) transport = pt_client_adapter_get_transport (f->adapter, "alpha", NULL);

  g_assert_cmpstr (pt_client_transport_get_scheme (transport), ==, "socks4");

  connection = pt_test_connect (f->adapter, "alpha", "localhost", port, args, &error);
  g_assert_no_error (error);
  assert_echo_works (connection);
  record = last_record (f);
  g_assert_cmpstr (record, ==, expected);
  g_clear_object (&connection);

  connection = pt_test_connect (f->adapter, "alpha", "127.0.0.1", port, longest_args, &error);
  g_assert_no_error (error);
  g_clear_object (&connection);

  connection = pt_test_connect (f->adapter, "alpha", "127.0.0.1", port, long_args, &error);
  g_assert_null (connection);
  g_assert_error (error, PT_ERROR, PT_ERROR_ARGS_TOO_LONG);
}

static void
test_auth_rejected (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GHashTable) args = pt_test_args_new ("cert", "wrong", NULL);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  fixture_start (f, "cmethods", "reject-auth");

  connection = pt_test_connect (f->adapter, "alpha", "127.0.0.1",
                                pt_test_echo_server_get_port (f->echo), args, &error);
  g_assert_null (connection);
  /* GIO's code, with our context in front of GIO's message. */
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PROXY_AUTH_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "Could not connect to 127.0.0.1:"));
  g_assert_nonnull (strstr (error->message, "“alpha”"));
}

static void
test_destination_refused (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  guint16 closed_port;

  /* A port that was just free. */
  {
    g_autoptr(PtTestEchoServer) gone = pt_test_echo_server_new ();

    closed_port = pt_test_echo_server_get_port (gone);
  }

  connection = pt_test_connect (f->adapter, "alpha", "127.0.0.1", closed_port, NULL, &error);
  g_assert_null (connection);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

static void
test_bad_requests (Fixture       *f,
                   gconstpointer  data)
{
  guint16 port = pt_test_echo_server_get_port (f->echo);
  g_autofree char *long_host = g_strnfill (256, 'a');
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_auto(GStrv) records = NULL;

  connection = pt_test_connect (f->adapter, "beta", "127.0.0.1", port, NULL, &error);
  g_assert_null (connection);
  g_assert_error (error, PT_ERROR, PT_ERROR_UNKNOWN_TRANSPORT);
  g_clear_error (&error);

  connection = pt_test_connect (f->adapter, "alpha", "127.0.0.1", 0, NULL, &error);
  g_assert_null (connection);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  connection = pt_test_connect (f->adapter, "alpha", "", port, NULL, &error);
  g_assert_null (connection);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  connection = pt_test_connect (f->adapter, "alpha", long_host, port, NULL, &error);
  g_assert_null (connection);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  connection = pt_test_connect (f->adapter, "alpha", "two words", port, NULL, &error);
  g_assert_null (connection);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  records = read_records (f);
  g_assert_cmpuint (g_strv_length (records), ==, 0);
}

static void
test_not_running (void)
{
  const char *argv[] = { pt_test_fake_pt (), "version", "cmethods", NULL };
  const char *transports[] = { "alpha", NULL };
  g_autoptr(PtClientAdapter) adapter = pt_client_adapter_new (argv, NULL, transports, NULL);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = pt_test_connect (adapter, "alpha", "127.0.0.1", 80, NULL, &error);
  g_assert_null (connection);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_STATE);
}

static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  connection = pt_client_adapter_connect (f->adapter, "alpha", "127.0.0.1",
                                          pt_test_echo_server_get_port (f->echo),
                                          NULL, cancellable, &error);
  g_assert_null (connection);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

typedef struct
{
  Fixture *f;
  guint    index;
  GError  *error;
} ThreadJob;

static gpointer
connect_in_thread (gpointer data)
{
  ThreadJob *job = data;
  g_autofree char *value = g_strdup_printf ("thread-%u", job->index);
  g_autoptr(GHashTable) args = pt_test_args_new ("id", value, NULL);
  g_autoptr(GSocketConnection) connection = NULL;

  connection = pt_client_adapter_connect (job->f->adapter, "alpha", "127.0.0.1",
                                          pt_test_echo_server_get_port (job->f->echo),
                                          args, NULL, &job->error);
  if (connection != NULL)
    pt_test_echo_roundtrip (G_IO_STREAM (connection), 32 * 1024, job->index, &job->error);

  return NULL;
}

typedef struct
{
  ThreadJob *jobs;
  guint      n_jobs;
} ThreadBatch;

static gpointer
run_batch (gpointer data)
{
  ThreadBatch *batch = data;
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();

  for (guint i = 0; i < batch->n_jobs; i++)
    g_ptr_array_add (threads, g_thread_new ("connect", connect_in_thread, &batch->jobs[i]));
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));

  return NULL;
}

/* The blocking connect, from eight threads at once. */
static void
test_sync_from_threads (Fixture       *f,
                        gconstpointer  data)
{
  ThreadJob jobs[8];
  ThreadBatch batch = { jobs, G_N_ELEMENTS (jobs) };
  g_auto(GStrv) records = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    jobs[i] = (ThreadJob) { f, i, NULL };

  pt_test_run_in_thread (run_batch, &batch);

  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    g_assert_no_error (jobs[i].error);

  records = read_records (f);
  g_assert_cmpuint (g_strv_length (records), ==, G_N_ELEMENTS (jobs));
}

/* A SOCKS listener that accepts and never answers: only our own timeout
 * ends the connect. */
static void
test_connect_timeout (void)
{
  g_autoptr(GSocketListener) silent = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(PtClientAdapter) adapter = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cmethod = NULL;
  const char *transports[] = { "alpha", NULL };
  const char *argv[5] = { NULL };
  gint64 started;

  g_socket_listener_add_address (silent, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &bound, &error);
  g_assert_no_error (error);
  cmethod = g_strdup_printf ("line:CMETHOD alpha socks5 127.0.0.1:%u",
                             g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  argv[0] = pt_test_fake_pt ();
  argv[1] = "version";
  argv[2] = cmethod;
  argv[3] = "line:CMETHODS DONE";

  adapter = pt_client_adapter_new (argv, NULL, transports, NULL);
  pt_client_adapter_set_connect_timeout (adapter, 300);
  g_assert_true (pt_test_start (PT_ADAPTER (adapter), NULL, &error));

  started = g_get_monotonic_time ();
  connection = pt_test_connect (adapter, "alpha", "192.0.2.1", 443, NULL, &error);
  g_assert_null (connection);
  g_assert_error (error, PT_ERROR, PT_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "192.0.2.1:443"));
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 300 * 1000);

  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), NULL));
}

int
main (int   argc,
      char *argv[])
{
  pt_test_init (&argc, &argv);

  g_test_add ("/client-socks/no-args", Fixture, NULL, fixture_set_up, test_no_args, fixture_tear_down);
  g_test_add ("/client-socks/args", Fixture, NULL, fixture_set_up, test_args, fixture_tear_down);
  g_test_add ("/client-socks/args-length", Fixture, NULL, fixture_set_up, test_args_length, fixture_tear_down);
  g_test_add ("/client-socks/args-too-long", Fixture, NULL, fixture_set_up, test_args_too_long, fixture_tear_down);
  g_test_add ("/client-socks/bad-args", Fixture, NULL, fixture_set_up, test_bad_args, fixture_tear_down);
  g_test_add ("/client-socks/ipv6-destination", Fixture, NULL, fixture_set_up, test_ipv6_destination, fixture_tear_down);
  g_test_add ("/client-socks/host-name-destination", Fixture, NULL, fixture_set_up, test_host_name_destination, fixture_tear_down);
  g_test_add ("/client-socks/socks4", Fixture, "cmethods-socks4", fixture_set_up, test_socks4, fixture_tear_down);
  g_test_add ("/client-socks/auth-rejected", Fixture, NULL, NULL, test_auth_rejected, fixture_tear_down);
  g_test_add ("/client-socks/destination-refused", Fixture, NULL, fixture_set_up, test_destination_refused, fixture_tear_down);
  g_test_add ("/client-socks/bad-requests", Fixture, NULL, fixture_set_up, test_bad_requests, fixture_tear_down);
  g_test_add ("/client-socks/cancelled", Fixture, NULL, fixture_set_up, test_cancelled, fixture_tear_down);
  g_test_add ("/client-socks/sync-from-threads", Fixture, NULL, fixture_set_up, test_sync_from_threads, fixture_tear_down);
  g_test_add_func ("/client-socks/not-running", test_not_running);
  g_test_add_func ("/client-socks/connect-timeout", test_connect_timeout);

  return g_test_run ();
}
