/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PtServerAdapter: with the real obfs4proxy end to end (a PtClientAdapter
 * through obfs4 to an echo server), and with the fake PT for the
 * environment and the add_transport() rules. */
#include "config.h"

#include <glib/gstdio.h>

#include "pt-temp-dir-private.h"
#include "test-server-util.h"
#include "test-util.h"

#define MEBIBYTE (1024 * 1024)

static PtServerAdapter *
obfs4proxy_server (const char *state_location,
                   guint16     forward_port)
{
  const char *argv[] = { pt_test_obfs4proxy (), NULL };
  g_autoptr(GInetSocketAddress) forward = pt_test_loopback_address (G_SOCKET_FAMILY_IPV4, forward_port);

  return pt_server_adapter_new (argv, state_location, forward);
}

static void
add_transport_ok (PtServerAdapter *server,
                  const char      *name,
                  GHashTable      *options)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_server_adapter_add_transport (server, name, NULL, options, &error));
  g_assert_no_error (error);
}

static void
start_ok (PtAdapter *adapter)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_test_start (adapter, NULL, &error));
  g_assert_no_error (error);
}

/* Sends @size bytes through @transport from @client to @server and back. */
static void
assert_echoes (PtClientAdapter *client,
               PtServerAdapter *server,
               const char      *transport,
               gsize            size)
{
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = pt_test_connect_to_server (client, PT_ADAPTER (server), transport, &error);
  g_assert_no_error (error);
  g_assert_true (pt_test_echo_roundtrip (G_IO_STREAM (connection), size, 4242, &error));
  g_assert_no_error (error);
}

static void
test_obfs4_echo (void)
{
  g_autoptr(PtTestEchoServer) echo = pt_test_echo_server_new ();
  g_autoptr(PtServerAdapter) server = obfs4proxy_server (NULL, pt_test_echo_server_get_port (echo));
  const char *transports[] = { "obfs4", NULL };
  g_autoptr(PtClientAdapter) client = NULL;
  g_autoptr(PtServerTransport) transport = NULL;
  g_autoptr(GHashTable) args = NULL;
  g_autoptr(GError) error = NULL;

  add_transport_ok (server, "obfs4", NULL);
  start_ok (PT_ADAPTER (server));

  transport = pt_server_adapter_get_transport (server, "obfs4", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pt_server_transport_get_name (transport), ==, "obfs4");
  g_assert_cmpuint (g_inet_socket_address_get_port (pt_server_transport_get_address (transport)), !=, 0);
  g_assert_true (g_str_has_prefix (pt_server_transport_get_options (transport), "ARGS:"));
  args = pt_server_transport_dup_args (transport);
  g_assert_nonnull (g_hash_table_lookup (args, "cert"));
  g_assert_cmpstr (g_hash_table_lookup (args, "iat-mode"), ==, "0");

  client = pt_test_client_start (transports);
  assert_echoes (client, server, "obfs4", MEBIBYTE);

  pt_test_stop_ok (PT_ADAPTER (client));
  pt_test_stop_ok (PT_ADAPTER (server));
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
}

static void
test_obfs3_and_obfs4 (void)
{
  g_autoptr(PtTestEchoServer) echo = pt_test_echo_server_new ();
  g_autoptr(PtServerAdapter) server = obfs4proxy_server (NULL, pt_test_echo_server_get_port (echo));
  const char *transports[] = { "obfs3", "obfs4", NULL };
  g_autoptr(PtClientAdapter) client = NULL;
  g_autoptr(PtServerTransport) obfs3 = NULL;
  g_autoptr(PtServerTransport) obfs4 = NULL;
  g_autoptr(GHashTable) obfs3_args = NULL;
  g_autoptr(GError) error = NULL;

  add_transport_ok (server, "obfs3", NULL);
  add_transport_ok (server, "obfs4", NULL);
  start_ok (PT_ADAPTER (server));

  obfs3 = pt_server_adapter_get_transport (server, "obfs3", &error);
  g_assert_no_error (error);
  obfs4 = pt_server_adapter_get_transport (server, "obfs4", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_inet_socket_address_get_port (pt_server_transport_get_address (obfs3)), !=,
                    g_inet_socket_address_get_port (pt_server_transport_get_address (obfs4)));
  /* obfs3 announces an empty ARGS: */
  obfs3_args = pt_server_transport_dup_args (obfs3);
  g_assert_cmpuint (g_hash_table_size (obfs3_args), ==, 0);

  client = pt_test_client_start (transports);
  assert_echoes (client, server, "obfs3", 65536);
  assert_echoes (client, server, "obfs4", 65536);

  pt_test_stop_ok (PT_ADAPTER (client));
  pt_test_stop_ok (PT_ADAPTER (server));
}

static char *
run_once_for_cert (const char *state_dir)
{
  g_autoptr(PtServerAdapter) server = obfs4proxy_server (state_dir, 9);
  char *cert;

  add_transport_ok (server, "obfs4", NULL);
  start_ok (PT_ADAPTER (server));
  cert = pt_test_dup_server_arg (PT_ADAPTER (server), "obfs4", "cert");
  pt_test_stop_ok (PT_ADAPTER (server));

  g_assert_nonnull (cert);
  return cert;
}

static void
test_identity_persists (void)
{
  g_autofree char *state_dir = pt_test_temp_path ("state");
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  first = run_once_for_cert (state_dir);
  second = run_once_for_cert (state_dir);
  g_assert_cmpstr (first, ==, second);

  _pt_temp_dir_remove (state_dir);
}

/* obfs4proxy needs node-id and drbg-seed along with private-key. */
static void
test_smethod_error (void)
{
  g_autoptr(PtServerAdapter) server = obfs4proxy_server (NULL, 9);
  g_autoptr(GHashTable) options =
    pt_test_args_new ("private-key", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                      NULL);
  g_autoptr(GError) error = NULL;

  add_transport_ok (server, "obfs4", options);
  g_assert_false (pt_test_start (PT_ADAPTER (server), NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_METHOD);
  g_assert_nonnull (strstr (error->message, "obfs4"));
  g_assert_nonnull (strstr (error->message, "missing argument 'node-id'"));
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (server)), ==, PT_ADAPTER_STATE_FAILED);
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
}

/* add_transport() rules, with the fake PT */

/* The fake PT, relaying to the loopback address of @family and @port. */
static PtServerAdapter *
fake_server_to (const char    *env_path,
                GSocketFamily  family,
                guint16        port)
{
  g_auto(GStrv) argv = pt_test_fake_server_argv (env_path);
  g_autoptr(GInetSocketAddress) forward = pt_test_loopback_address (family, port);

  return pt_server_adapter_new ((const char * const *) argv, NULL, forward);
}

static PtServerAdapter *
fake_server (const char *env_path)
{
  return fake_server_to (env_path, G_SOCKET_FAMILY_IPV4, 9);
}

/* Stops a fake PT and removes its environment file. */
static void
stop_fake (PtServerAdapter *server,
           const char      *env_path)
{
  pt_test_stop_ok (PT_ADAPTER (server));
  g_unlink (env_path);
}

static void
assert_add_fails (PtServerAdapter *server,
                  const char      *name,
                  GHashTable      *options,
                  int              code)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (pt_server_adapter_add_transport (server, name, NULL, options, &error));
  g_assert_error (error, PT_ERROR, code);
}

static void
test_add_bad_name (void)
{
  g_autoptr(PtServerAdapter) server = fake_server ("/nonexistent");

  assert_add_fails (server, "obfs-4", NULL, PT_ERROR_INVALID_ARGUMENT);
  assert_add_fails (server, "", NULL, PT_ERROR_INVALID_ARGUMENT);
  assert_add_fails (server, "4obfs", NULL, PT_ERROR_INVALID_ARGUMENT);
}

static void
test_add_duplicate (void)
{
  g_autoptr(PtServerAdapter) server = fake_server ("/nonexistent");

  add_transport_ok (server, "obfs4", NULL);
  assert_add_fails (server, "obfs4", NULL, PT_ERROR_INVALID_ARGUMENT);
}

static void
test_add_bad_options (void)
{
  g_autoptr(PtServerAdapter) server = fake_server ("/nonexistent");
  g_autoptr(GHashTable) empty_key = pt_test_args_new ("", "value", NULL);
  g_autoptr(GHashTable) bad_key = pt_test_args_new ("k\xff", "value", NULL);
  g_autoptr(GHashTable) bad_value = pt_test_args_new ("key", "\xc3(", NULL);

  assert_add_fails (server, "alpha", empty_key, PT_ERROR_INVALID_ARGUMENT);
  assert_add_fails (server, "alpha", bad_key, PT_ERROR_INVALID_ARGUMENT);
  assert_add_fails (server, "alpha", bad_value, PT_ERROR_INVALID_ARGUMENT);
  /* None of them was added. */
  add_transport_ok (server, "alpha", NULL);
}

static void
test_add_while_running (void)
{
  g_autofree char *env_path = pt_test_temp_path ("env");
  g_autoptr(PtServerAdapter) server = fake_server (env_path);

  add_transport_ok (server, "alpha", NULL);
  start_ok (PT_ADAPTER (server));
  assert_add_fails (server, "beta", NULL, PT_ERROR_INVALID_STATE);
  pt_test_stop_ok (PT_ADAPTER (server));

  /* Once stopped, it may be changed again. */
  add_transport_ok (server, "beta", NULL);
  g_unlink (env_path);
}

static void
test_start_without_transport (void)
{
  g_autofree char *env_path = pt_test_temp_path ("env");
  g_autoptr(PtServerAdapter) server = fake_server (env_path);
  g_autoptr(GError) error = NULL;

  g_assert_false (pt_test_start (PT_ADAPTER (server), NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  /* Nothing was spawned. */
  g_assert_false (g_file_test (env_path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
}

static void
test_unknown_transport (void)
{
  g_autofree char *env_path = pt_test_temp_path ("env");
  g_autoptr(PtServerAdapter) server = fake_server (env_path);
  g_autoptr(PtServerTransport) transport = NULL;
  g_autoptr(GError) error = NULL;

  add_transport_ok (server, "alpha", NULL);
  start_ok (PT_ADAPTER (server));
  transport = pt_server_adapter_get_transport (server, "beta", &error);
  g_assert_null (transport);
  g_assert_error (error, PT_ERROR, PT_ERROR_UNKNOWN_TRANSPORT);
  stop_fake (server, env_path);
}

/* The environment the PT gets */

static void
test_environment (void)
{
  g_autofree char *env_path = pt_test_temp_path ("env");
  g_autoptr(PtServerAdapter) server = fake_server (env_path);
  g_autoptr(GInetSocketAddress) v6_any_port = pt_test_loopback_address (G_SOCKET_FAMILY_IPV6, 0);
  g_autoptr(GHashTable) options = pt_test_args_new ("k;e:y", "v\\a=l", "plain", "1", NULL);
  g_autoptr(GHashTable) environment = NULL;
  g_autoptr(GError) error = NULL;

  /* Must not reach a server PT: obfs4proxy refuses to start with both. */
  g_setenv ("TOR_PT_CLIENT_TRANSPORTS", "obfs4", TRUE);

  add_transport_ok (server, "alpha", NULL);
  g_assert_true (pt_server_adapter_add_transport (server, "beta", v6_any_port, options, &error));
  g_assert_no_error (error);
  start_ok (PT_ADAPTER (server));
  g_unsetenv ("TOR_PT_CLIENT_TRANSPORTS");

  environment = pt_test_read_env_file (env_path);
  g_assert_nonnull (environment);
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_SERVER_TRANSPORTS"), ==, "alpha,beta");
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_SERVER_BINDADDR"), ==,
                   "alpha-127.0.0.1:0,beta-[::1]:0");
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_SERVER_TRANSPORT_OPTIONS"), ==,
                   "beta:k\\;e\\:y=v\\\\a\\=l;beta:plain=1");
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_ORPORT"), ==, "127.0.0.1:9");
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_EXTENDED_SERVER_PORT"), ==, "");
  g_assert_false (g_hash_table_contains (environment, "TOR_PT_AUTH_COOKIE_FILE"));
  g_assert_false (g_hash_table_contains (environment, "TOR_PT_CLIENT_TRANSPORTS"));
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_MANAGED_TRANSPORT_VER"), ==, "1");

  stop_fake (server, env_path);
}

static void
test_environment_ipv6_forward (void)
{
  g_autofree char *env_path = pt_test_temp_path ("env");
  g_autoptr(PtServerAdapter) server = fake_server_to (env_path, G_SOCKET_FAMILY_IPV6, 4242);
  g_autoptr(GHashTable) environment = NULL;

  add_transport_ok (server, "alpha", NULL);
  start_ok (PT_ADAPTER (server));

  environment = pt_test_read_env_file (env_path);
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_ORPORT"), ==, "[::1]:4242");
  /* No options: no variable. */
  g_assert_false (g_hash_table_contains (environment, "TOR_PT_SERVER_TRANSPORT_OPTIONS"));

  stop_fake (server, env_path);
}

/* The fake PT relays as it is: the forward address is where bytes land. */
static void
test_fake_relay (void)
{
  g_autofree char *env_path = pt_test_temp_path ("env");
  g_autoptr(PtTestEchoServer) echo = pt_test_echo_server_new ();
  g_autoptr(PtServerAdapter) server =
    fake_server_to (env_path, G_SOCKET_FAMILY_IPV4, pt_test_echo_server_get_port (echo));
  g_autoptr(PtServerTransport) transport = NULL;
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  add_transport_ok (server, "alpha", NULL);
  start_ok (PT_ADAPTER (server));
  transport = pt_server_adapter_get_transport (server, "alpha", &error);
  g_assert_no_error (error);
  g_assert_null (pt_server_transport_get_options (transport));

  connection = g_socket_client_connect (socket_client,
                                        G_SOCKET_CONNECTABLE (pt_server_transport_get_address (transport)),
                                        NULL, &error);
  g_assert_no_error (error);
  g_assert_true (pt_test_echo_roundtrip (G_IO_STREAM (connection), 65536, 7, &error));
  g_assert_no_error (error);

  stop_fake (server, env_path);
}

int
main (int   argc,
      char *argv[])
{
  pt_test_init (&argc, &argv);

  g_test_add_func ("/server-adapter/obfs4/echo-1mib", test_obfs4_echo);
  g_test_add_func ("/server-adapter/obfs4/obfs3-and-obfs4", test_obfs3_and_obfs4);
  g_test_add_func ("/server-adapter/obfs4/identity-persists", test_identity_persists);
  g_test_add_func ("/server-adapter/obfs4/smethod-error", test_smethod_error);

  g_test_add_func ("/server-adapter/add-transport/bad-name", test_add_bad_name);
  g_test_add_func ("/server-adapter/add-transport/duplicate", test_add_duplicate);
  g_test_add_func ("/server-adapter/add-transport/bad-options", test_add_bad_options);
  g_test_add_func ("/server-adapter/add-transport/while-running", test_add_while_running);
  g_test_add_func ("/server-adapter/start/without-transport", test_start_without_transport);
  g_test_add_func ("/server-adapter/get-transport/unknown", test_unknown_transport);

  g_test_add_func ("/server-adapter/environment/variables", test_environment);
  g_test_add_func ("/server-adapter/environment/ipv6-forward", test_environment_ipv6_forward);
  g_test_add_func ("/server-adapter/fake-relay", test_fake_relay);

  return g_test_run ();
}
