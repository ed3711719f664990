/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* -C: the client end. Each tunnel listens on its own address; every
 * accepted connection is carried through the PT to the tunnel's upstream
 * and relayed. */
#include "config.h"

#include <sys/socket.h>

#include <glib/gi18n.h>

#include "pt-accept-loop-private.h"
#include "pt-tool.h"

typedef struct
{
  PtTool          *tool;
  PtToolTunnel    *tunnel;
  GSocketListener *listener;
  PtAcceptLoop    *accept_loop;   /* NULL until the PT is up */
  GPtrArray       *bound;         /* "host:port" strings, for the log */
  char            *upstream;      /* "host:port", for the log */
  GHashTable      *args;          /* NULL when there are none */
} ClientTunnel;

static void
client_tunnel_free (gpointer data)
{
  ClientTunnel *ct = data;

  g_clear_pointer (&ct->accept_loop, _pt_accept_loop_stop);
  g_socket_listener_close (ct->listener);
  g_object_unref (ct->listener);
  g_ptr_array_unref (ct->bound);
  g_free (ct->upstream);
  g_clear_pointer (&ct->args, g_hash_table_unref);
  g_free (ct);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PtToolConnection *connection = user_data;
  const ClientTunnel *ct = connection->data;
  g_autoptr(GSocketConnection) outgoing = NULL;
  g_autoptr(GError) error = NULL;

  outgoing = pt_client_adapter_connect_finish (PT_CLIENT_ADAPTER (source), result, &error);
  if (outgoing == NULL)
    {
      g_autofree char *doing = g_strdup_printf ("could not connect to %s through %s",
                                                ct->upstream, ct->tunnel->transport);
      pt_tool_connection_fail (connection, doing, error);
      return;
    }

  pt_tool_debug ("tunnel %s #%" G_GUINT64_FORMAT ": connected to %s through %s",
                 connection->tunnel, connection->id, ct->upstream, ct->tunnel->transport);
  pt_tool_connection_relay (connection, outgoing);
}

static void
on_incoming (GSocketConnection *incoming,
             gpointer           user_data)
{
  ClientTunnel *ct = user_data;
  PtToolConnection *connection;
  char *what = NULL;

  if (pt_tool_log_enabled (PT_TOOL_LOG_INFO))
    {
      g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (incoming, NULL);
      g_autofree char *peer = remote != NULL ? pt_tool_address_to_string (remote) : g_strdup ("?");

      what = g_strdup_printf ("connection from %s", peer);
    }

  connection = pt_tool_connection_new (ct->tool, ct->tunnel->section, incoming, what);
  connection->data = ct;
  pt_client_adapter_connect_async (PT_CLIENT_ADAPTER (ct->tool->adapter), ct->tunnel->transport,
                                   ct->tunnel->upstream_host, ct->tunnel->upstream_port,
                                   ct->args, NULL, on_connected, connection);
}

static void
on_accept_failed (const GError *error,
                  gpointer      user_data)
{
  ClientTunnel *ct = user_data;

  pt_tool_warning ("tunnel %s: could not accept a connection: %s; trying again after "
                   "growing delays (up to %.1f s) until it works",
                   ct->tunnel->section, error->message, PT_ACCEPT_LOOP_MAX_DELAY_MS / 1000.0);
}

/* Binds every address @host resolves to on @port (the port the first one
 * got when @port is 0). */
static gboolean
listen_tunnel (ClientTunnel  *ct,
               GError       **error)
{
  PtToolTunnel *tunnel = ct->tunnel;
  g_autoptr(GError) local_error = NULL;
  guint16 port = tunnel->listen_port;
  GList *addresses;

  addresses = pt_tool_resolve (tunnel->listen_host, &local_error);
  if (addresses == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("%s: [%s] listen: %s"), ct->tool->config->path, tunnel->section,
                   local_error->message);
      return FALSE;
    }

  for (GList *l = addresses; l != NULL; l = l->next)
    {
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new (l->data, port);
      g_autoptr(GSocketAddress) effective = NULL;
      g_autoptr(GError) bind_error = NULL;

      if (!g_socket_listener_add_address (ct->listener, address,
                                          G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                          NULL, &effective, &bind_error))
        {
          g_autofree char *where = pt_tool_address_to_string (address);

          /* A name may resolve to an address family this host lacks. */
          if (ct->bound->len > 0)
            {
              pt_tool_warning ("tunnel %s: could not listen on %s: %s",
                               tunnel->section, where, bind_error->message);
              continue;
            }
          g_set_error (error, bind_error->domain, bind_error->code,
                       _("Could not listen on %s for tunnel [%s]: %s"),
                       where, tunnel->section, bind_error->message);
          g_resolver_free_addresses (addresses);
          return FALSE;
        }

      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
      g_ptr_array_add (ct->bound, pt_tool_address_to_string (effective));
    }

  g_resolver_free_addresses (addresses);
  return TRUE;
}

gboolean
pt_tool_client_setup (PtTool  *tool,
                      GError **error)
{
  PtToolConfig *config = tool->config;
  g_autoptr(GPtrArray) transports = g_ptr_array_new ();

  for (guint i = 0; i < config->tunnels->len; i++)
    {
      PtToolTunnel *tunnel = g_ptr_array_index (config->tunnels, i);
      gboolean seen = FALSE;

      for (guint j = 0; j < transports->len && !seen; j++)
        seen = g_str_equal (g_ptr_array_index (transports, j), tunnel->transport);
      if (!seen)
        g_ptr_array_add (transports, tunnel->transport);
    }
  g_ptr_array_add (transports, NULL);

  tool->adapter = PT_ADAPTER (pt_client_adapter_new ((const char * const *) config->pt_exec,
                                                     config->state,
                                                     (const char * const *) transports->pdata,
                                                     config->proxy));

  tool->services = g_ptr_array_new_with_free_func (client_tunnel_free);
  for (guint i = 0; i < config->tunnels->len; i++)
    {
      ClientTunnel *ct = g_new0 (ClientTunnel, 1);

      ct->tool = tool;
      ct->tunnel = g_ptr_array_index (config->tunnels, i);
      ct->bound = g_ptr_array_new_with_free_func (g_free);
      ct->upstream = pt_tool_host_port_to_string (ct->tunnel->upstream_host,
                                                  ct->tunnel->upstream_port);
      if (ct->tunnel->options != NULL && g_hash_table_size (ct->tunnel->options) > 0)
        ct->args = g_hash_table_ref (ct->tunnel->options);
      /* Bound now, accepting once the PT is up: connections that arrive
       * meanwhile wait in the backlog. */
      ct->listener = g_socket_listener_new ();
      /* GIO's default backlog (10) makes the kernel drop connections that
       * arrive in a burst (or while the PT starts) until a retransmission
       * a second later. */
      g_socket_listener_set_backlog (ct->listener, SOMAXCONN);
      g_ptr_array_add (tool->services, ct);

      if (!listen_tunnel (ct, error))
        return FALSE;
    }

  return TRUE;
}

void
pt_tool_client_ready (PtTool *tool)
{
  PtClientAdapter *adapter = PT_CLIENT_ADAPTER (tool->adapter);
  const char * const *transports = pt_client_adapter_get_transports (adapter);

  for (guint i = 0; transports != NULL && transports[i] != NULL; i++)
    {
      g_autoptr(PtClientTransport) transport = NULL;
      g_autofree char *where = NULL;

      transport = pt_client_adapter_get_transport (adapter, transports[i], NULL);
      if (transport == NULL)
        continue;
      where = pt_tool_address_to_string (G_SOCKET_ADDRESS (pt_client_transport_get_address (transport)));
      pt_tool_info ("transport %s: the PT's %s proxy is at %s", transports[i],
                    pt_client_transport_get_scheme (transport), where);
    }

  if (tool->ready)
    return;

  for (guint i = 0; i < tool->services->len; i++)
    {
      ClientTunnel *ct = g_ptr_array_index (tool->services, i);

      for (guint j = 0; j < ct->bound->len; j++)
        pt_tool_info ("tunnel %s: listening on %s, to %s through %s", ct->tunnel->section,
                      (const char *) g_ptr_array_index (ct->bound, j), ct->upstream,
                      ct->tunnel->transport);
      ct->accept_loop = _pt_accept_loop_start (ct->listener, on_incoming, on_accept_failed, ct);
    }
}

void
pt_tool_client_stop (PtTool *tool)
{
  for (guint i = 0; tool->services != NULL && i < tool->services->len; i++)
    {
      ClientTunnel *ct = g_ptr_array_index (tool->services, i);

      g_clear_pointer (&ct->accept_loop, _pt_accept_loop_stop);
      g_socket_listener_close (ct->listener);
    }
}
