/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* -S and -E: the server end. The PT listens for each tunnel's transport;
 * -S lets it forward clients to "forward" itself, -E receives each client
 * through the Extended ORPort and relays it there. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "pt-tool.h"

static PtServerTransport *
get_transport (PtTool      *tool,
               const char  *name,
               GError     **error)
{
  if (PT_IS_SERVER_ADAPTER (tool->adapter))
    return pt_server_adapter_get_transport (PT_SERVER_ADAPTER (tool->adapter), name, error);
  return pt_ext_server_adapter_get_transport (PT_EXT_SERVER_ADAPTER (tool->adapter), name, error);
}

static void
on_forward_connected (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  PtToolConnection *connection = user_data;
  g_autoptr(GSocketConnection) outgoing = NULL;
  g_autoptr(GError) error = NULL;

  outgoing = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (outgoing == NULL)
    {
      g_autofree char *forward = pt_tool_address_to_string (G_SOCKET_ADDRESS (connection->tool->forward));
      g_autofree char *doing = g_strdup_printf ("could not connect to %s", forward);

      pt_tool_connection_fail (connection, doing, error);
      return;
    }

  pt_tool_connection_relay (connection, outgoing);
}

static void
on_client_connected (PtExtServerAdapter    *adapter,
                     GIOStream             *stream,
                     PtExtOrPortClientInfo *info,
                     gpointer               user_data)
{
  PtTool *tool = user_data;
  const char *transport = pt_ext_or_port_client_info_get_transport (info);
  const char *section = NULL;
  PtToolConnection *connection;
  char *what = NULL;

  if (!G_IS_SOCKET_CONNECTION (stream))
    {
      g_io_stream_close (stream, NULL, NULL);
      return;
    }

  for (guint i = 0; i < tool->config->tunnels->len && section == NULL; i++)
    {
      PtToolTunnel *tunnel = g_ptr_array_index (tool->config->tunnels, i);

      if (g_strcmp0 (tunnel->transport, transport) == 0)
        section = tunnel->section;
    }
  if (section == NULL)
    section = ((PtToolTunnel *) g_ptr_array_index (tool->config->tunnels, 0))->section;

  if (pt_tool_log_enabled (PT_TOOL_LOG_INFO))
    {
      GInetAddress *address = pt_ext_or_port_client_info_get_address (info);
      g_autofree char *peer = NULL;

      if (address != NULL)
        {
          g_autofree char *ip = g_inet_address_to_string (address);

          peer = pt_tool_host_port_to_string (ip, pt_ext_or_port_client_info_get_port (info));
        }
      what = g_strdup_printf ("%s client from %s", transport != NULL ? transport : "(unknown transport)",
                              peer != NULL ? peer : "an unknown address");
    }

  connection = pt_tool_connection_new (tool, section, G_SOCKET_CONNECTION (stream), what);
  g_socket_client_connect_async (tool->forward_client, G_SOCKET_CONNECTABLE (tool->forward),
                                 NULL, on_forward_connected, connection);
}

gboolean
pt_tool_server_setup (PtTool  *tool,
                      GError **error)
{
  PtToolConfig *config = tool->config;
  g_autoptr(GError) local_error = NULL;
  GList *addresses;

  addresses = pt_tool_resolve (config->forward_host, &local_error);
  if (addresses == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("%s: [server] forward: %s"), config->path, local_error->message);
      return FALSE;
    }
  tool->forward = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (addresses->data,
                                                                    config->forward_port));
  g_resolver_free_addresses (addresses);

  if (config->role == PT_TOOL_ROLE_EXT_SERVER)
    {
      tool->adapter = PT_ADAPTER (pt_ext_server_adapter_new ((const char * const *) config->pt_exec,
                                                             config->state));
      g_signal_connect (tool->adapter, "client-connected", G_CALLBACK (on_client_connected), tool);
      tool->forward_client = g_socket_client_new ();
    }
  else
    {
      tool->adapter = PT_ADAPTER (pt_server_adapter_new ((const char * const *) config->pt_exec,
                                                         config->state, tool->forward));
    }

  for (guint i = 0; i < config->tunnels->len; i++)
    {
      PtToolTunnel *tunnel = g_ptr_array_index (config->tunnels, i);
      g_autoptr(GSocketAddress) bind_address = NULL;
      GHashTable *options = NULL;
      gboolean added;

      addresses = pt_tool_resolve (tunnel->listen_host, &local_error);
      if (addresses == NULL)
        {
          g_set_error (error, local_error->domain, local_error->code,
                       _("%s: [%s] listen: %s"), config->path, tunnel->section,
                       local_error->message);
          return FALSE;
        }
      bind_address = g_inet_socket_address_new (addresses->data, tunnel->listen_port);
      g_resolver_free_addresses (addresses);

      if (tunnel->options != NULL && g_hash_table_size (tunnel->options) > 0)
        options = tunnel->options;

      if (PT_IS_SERVER_ADAPTER (tool->adapter))
        added = pt_server_adapter_add_transport (PT_SERVER_ADAPTER (tool->adapter), tunnel->transport,
                                                 G_INET_SOCKET_ADDRESS (bind_address), options,
                                                 &local_error);
      else
        added = pt_ext_server_adapter_add_transport (PT_EXT_SERVER_ADAPTER (tool->adapter),
                                                     tunnel->transport,
                                                     G_INET_SOCKET_ADDRESS (bind_address), options,
                                                     &local_error);
      if (!added)
        {
          g_set_error (error, local_error->domain, local_error->code,
                       _("%s: [%s] transport: %s"), config->path, tunnel->section,
                       local_error->message);
          return FALSE;
        }
    }

  return TRUE;
}

void
pt_tool_server_ready (PtTool *tool)
{
  PtToolConfig *config = tool->config;
  g_autofree char *forward = pt_tool_address_to_string (G_SOCKET_ADDRESS (tool->forward));

  if (PT_IS_EXT_SERVER_ADAPTER (tool->adapter) && pt_tool_log_enabled (PT_TOOL_LOG_DEBUG))
    {
      GInetSocketAddress *ext = pt_ext_server_adapter_get_ext_or_port_address (PT_EXT_SERVER_ADAPTER (tool->adapter));
      g_autofree char *where = pt_tool_address_to_string (G_SOCKET_ADDRESS (ext));

      pt_tool_debug ("the ExtORPort is at %s", where);
    }

  for (guint i = 0; i < config->tunnels->len; i++)
    {
      PtToolTunnel *tunnel = g_ptr_array_index (config->tunnels, i);
      g_autoptr(PtServerTransport) transport = get_transport (tool, tunnel->transport, NULL);
      g_autofree char *where = NULL;

      if (transport == NULL)
        continue;
      where = pt_tool_address_to_string (G_SOCKET_ADDRESS (pt_server_transport_get_address (transport)));
      pt_tool_info ("tunnel %s: the PT listens for %s on %s, forwarding to %s", tunnel->section,
                    tunnel->transport, where, forward);
    }
}

/* ---------------------------------------------------------------------- */
/* --print-client-config                                                   */

/* A value as configparser reads it back: "%" doubled (BasicInterpolation),
 * no line breaks (they would start a new key). */
static gboolean
append_value (GString     *out,
              const char  *value,
              const char  *what,
              GError     **error)
{
  if (strpbrk (value, "\r\n") != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s contains a line break, which a configuration file cannot hold"), what);
      return FALSE;
    }

  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '%')
        g_string_append_c (out, '%');
      g_string_append_c (out, *p);
    }
  return TRUE;
}

static gboolean
is_shell_safe (const char *word)
{
  if (*word == '\0')
    return FALSE;
  for (const char *p = word; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr ("_@%+=:,./-", *p) == NULL)
        return FALSE;
    }
  return TRUE;
}

/* configparser lowercases keys and splits at '=' or ':'. */
static gboolean
is_key_safe (const char *name)
{
  if (*name == '\0')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    {
      if (g_ascii_isupper (*p) || g_ascii_isspace (*p) || strchr ("=:[]#;%", *p) != NULL)
        return FALSE;
    }
  return TRUE;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The client tunnel section for @tunnel, with the bridge line that says the
 * same in a comment. */
static gboolean
append_tunnel (GString       *out,
               const char    *section,
               PtToolTunnel  *tunnel,
               PtServerTransport *transport,
               GError       **error)
{
  GInetSocketAddress *address = pt_server_transport_get_address (transport);
  GInetAddress *ip = g_inet_socket_address_get_address (address);
  guint16 port = g_inet_socket_address_get_port (address);
  g_autofree char *ip_string = g_inet_address_to_string (ip);
  g_autofree char *upstream = pt_tool_address_to_string (G_SOCKET_ADDRESS (address));
  g_autoptr(GHashTable) args = pt_server_transport_dup_args (transport);
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(PtBridgeLine) bridge = NULL;
  g_autofree char *bridge_line = NULL;
  GHashTableIter iter;
  gpointer key;

  if (args != NULL)
    {
      g_hash_table_iter_init (&iter, args);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_ptr_array_add (keys, key);
      g_ptr_array_sort (keys, compare_strings);
    }

  g_string_append_printf (out, "\n[%s]\n", section);
  g_string_append_printf (out, "transport = %s\n", tunnel->transport);
  g_string_append (out, "# The local entrance of the tunnel: pick a port (0 takes any free one).\n"
                        "listen = 127.0.0.1:0\n");
  if (g_inet_address_get_is_any (ip))
    g_string_append_printf (out, "# The server listens on all its addresses: replace %s with its public address.\n",
                            ip_string);
  g_string_append_printf (out, "upstream = %s\n", upstream);

  for (guint i = 0; i < keys->len; i++)
    {
      const char *name = g_ptr_array_index (keys, i);
      g_autofree char *what = g_strdup_printf ("options-%s", name);

      if (!is_key_safe (name))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("The transport argument name “%s” cannot be written as a configuration key"),
                       name);
          return FALSE;
        }
      g_string_append_printf (out, "options-%s = ", name);
      if (!append_value (out, g_hash_table_lookup (args, name), what, error))
        return FALSE;
      g_string_append_c (out, '\n');
    }

  bridge = pt_bridge_line_new (tunnel->transport, ip_string, port, NULL, args, error);
  if (bridge == NULL)
    return FALSE;
  bridge_line = pt_bridge_line_to_string (bridge);
  g_string_append (out, "# Or, in place of transport, upstream and options-*:\n# bridge = ");
  if (!append_value (out, bridge_line, "bridge", error))
    return FALSE;
  g_string_append_c (out, '\n');
  return TRUE;
}

char *
pt_tool_server_client_config (PtTool  *tool,
                              GError **error)
{
  PtToolConfig *config = tool->config;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GPtrArray) sections = g_ptr_array_new_with_free_func (g_free);

  g_string_append (out, "# A client configuration for this server, written by ptadapter --print-client-config.\n"
                        "# Run it at the other end with: ptadapter -C FILE\n"
                        "\n[client]\nexec =");
  for (guint i = 0; config->pt_exec[i] != NULL; i++)
    {
      const char *word = config->pt_exec[i];
      g_autofree char *quoted = is_shell_safe (word) ? g_strdup (word) : g_shell_quote (word);

      g_string_append_c (out, ' ');
      if (!append_value (out, quoted, "exec", error))
        return NULL;
    }
  g_string_append (out, "\n# Empty: a temporary directory.\nstate =\ntunnels =");

  for (guint i = 0; i < config->tunnels->len; i++)
    {
      PtToolTunnel *tunnel = g_ptr_array_index (config->tunnels, i);

      /* The server's own names, unless one is a name the client file
       * already uses. */
      if (g_ascii_strcasecmp (tunnel->section, "client") == 0 ||
          g_ascii_strcasecmp (tunnel->section, "DEFAULT") == 0)
        g_ptr_array_add (sections, g_strdup_printf ("tunnel-%s", tunnel->section));
      else
        g_ptr_array_add (sections, g_strdup (tunnel->section));
      g_string_append_printf (out, " %s", (const char *) g_ptr_array_index (sections, i));
    }
  g_string_append_c (out, '\n');

  for (guint i = 0; i < config->tunnels->len; i++)
    {
      PtToolTunnel *tunnel = g_ptr_array_index (config->tunnels, i);
      g_autoptr(PtServerTransport) transport = get_transport (tool, tunnel->transport, error);

      if (transport == NULL ||
          !append_tunnel (out, g_ptr_array_index (sections, i), tunnel, transport, error))
        return NULL;
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}
