/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pt-adapter-private.h"
#include "test-server-util.h"
#include "test-util.h"

GInetSocketAddress *
pt_test_loopback_address (GSocketFamily family,
                          guint16       port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (family);

  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (loopback, port));
}

PtClientAdapter *
pt_test_client_start (const char * const *transports)
{
  const char *argv[] = { pt_test_obfs4proxy (), NULL };
  PtClientAdapter *client = pt_client_adapter_new (argv, NULL, transports, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_test_start (PT_ADAPTER (client), NULL, &error));
  g_assert_no_error (error);

  return client;
}

/* Through the base class, for both kinds of server adapter. */
static PtServerTransport *
get_server_transport (PtAdapter  *server,
                      const char *name)
{
  g_autoptr(GError) error = NULL;
  GObject *transport = _pt_adapter_lookup_transport (server, name, &error);

  g_assert_no_error (error);
  g_assert_true (PT_IS_SERVER_TRANSPORT (transport));

  return PT_SERVER_TRANSPORT (transport);
}

GSocketConnection *
pt_test_connect_to_server (PtClientAdapter  *client,
                           PtAdapter        *server,
                           const char       *name,
                           GError          **error)
{
  g_autoptr(PtServerTransport) transport = get_server_transport (server, name);
  g_autoptr(GHashTable) args = pt_server_transport_dup_args (transport);
  GInetSocketAddress *address = pt_server_transport_get_address (transport);
  g_autofree char *host = g_inet_address_to_string (g_inet_socket_address_get_address (address));

  return pt_test_connect (client, name, host, g_inet_socket_address_get_port (address),
                          args, error);
}

char *
pt_test_dup_server_arg (PtAdapter  *server,
                        const char *name,
                        const char *key)
{
  g_autoptr(PtServerTransport) transport = get_server_transport (server, name);
  g_autoptr(GHashTable) args = pt_server_transport_dup_args (transport);

  return g_strdup (g_hash_table_lookup (args, key));
}

char **
pt_test_fake_server_argv (const char *env_path)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  g_autofree char *env_step = g_strconcat ("env-file:", env_path, NULL);
  char **argv;

  g_strv_builder_add_many (builder, pt_test_fake_pt (), env_step, "version", "smethods", NULL);
  argv = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);

  return argv;
}

void
pt_test_stop_ok (PtAdapter *adapter)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_test_stop (adapter, &error));
  g_assert_no_error (error);
}

PtServerAdapter *
pt_test_obfs4_server_start (guint16     forward_port,
                            GHashTable *options)
{
  const char *argv[] = { pt_test_obfs4proxy (), NULL };
  g_autoptr(GInetSocketAddress) forward = pt_test_loopback_address (G_SOCKET_FAMILY_IPV4, forward_port);
  PtServerAdapter *server = pt_server_adapter_new (argv, NULL, forward);
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_server_adapter_add_transport (server, "obfs4", NULL, options, &error));
  g_assert_no_error (error);
  g_assert_true (pt_test_start (PT_ADAPTER (server), NULL, &error));
  g_assert_no_error (error);

  return server;
}

void
pt_test_ext_or_port_append_command (GByteArray *bytes,
                                    guint16     command,
                                    const char *body,
                                    gsize       length)
{
  guint8 header[4] = {
    (guint8) (command >> 8), (guint8) command, (guint8) (length >> 8), (guint8) length,
  };

  g_byte_array_append (bytes, header, sizeof header);
  g_byte_array_append (bytes, (const guint8 *) body, (guint) length);
}
