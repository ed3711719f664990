/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-adapter-private.h"
#include "pt-args-private.h"
#include "pt-error.h"
#include "pt-init-private.h"
#include "pt-server-adapter.h"
#include "pt-server-transports-private.h"

/**
 * SECTION:pt-server-adapter
 * @title: PtServerAdapter
 * @short_description: Accept obfuscated clients and forward them over TCP
 *
 * A #PtServerAdapter runs a PT in server mode: for each transport added with
 * pt_server_adapter_add_transport(), the PT listens for clients of that
 * transport, removes the obfuscation and forwards each connection's plain
 * bytes to #PtServerAdapter:forward-address, which is typically a service of
 * the application on the loopback interface.
 *
 * |[<!-- language="C" -->
 * const char *argv[] = { "/usr/bin/obfs4proxy", NULL };
 * GInetAddress *loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
 * GSocketAddress *service = g_inet_socket_address_new (loopback, 8080);
 * PtServerAdapter *adapter =
 *   pt_server_adapter_new (argv, "/var/lib/myapp/pt-state",
 *                          G_INET_SOCKET_ADDRESS (service));
 *
 * pt_server_adapter_add_transport (adapter, "obfs4", NULL, NULL, &error);
 * pt_adapter_start_async (PT_ADAPTER (adapter), NULL, on_started, NULL);
 * ...
 * // in on_started, after pt_adapter_start_finish():
 * PtServerTransport *obfs4 = pt_server_adapter_get_transport (adapter, "obfs4", &error);
 * GHashTable *client_args = pt_server_transport_dup_args (obfs4);  // cert, iat-mode
 * ]|
 *
 * Give a #PtAdapter:state-location that persists when clients must keep
 * working across restarts: an obfs4 server keeps its identity (and so the
 * `cert` its clients need) there.
 *
 * The forwarded connections carry only the clients' bytes; to learn each
 * client's address and transport, or to refuse clients, use
 * #PtExtServerAdapter instead.
 */

/**
 * PtServerAdapter:
 *
 * Runs a server pluggable transport that forwards to a TCP address.
 */
struct _PtServerAdapter
{
  PtAdapter           parent_instance;

  GInetSocketAddress *forward_address;
  PtServerTransports *transports;
};

G_DEFINE_FINAL_TYPE (PtServerAdapter, pt_server_adapter, PT_TYPE_ADAPTER)

enum {
  PROP_0,
  PROP_FORWARD_ADDRESS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const *
server_get_transports (PtAdapter *adapter)
{
  return _pt_server_transports_get_names (PT_SERVER_ADAPTER (adapter)->transports);
}

static gboolean
server_prepare (PtAdapter   *adapter,
                GPtrArray   *environment,
                GError     **error)
{
  PtServerAdapter *self = PT_SERVER_ADAPTER (adapter);
  g_autofree char *forward = NULL;

  if (self->forward_address == NULL)
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                           _("No forward address was given"));
      return FALSE;
    }

  if (!_pt_server_transports_prepare (self->transports, environment, error))
    return FALSE;

  forward = _pt_socket_address_to_string (self->forward_address);
  _pt_environment_add (environment, "TOR_PT_ORPORT", forward);
  _pt_environment_add (environment, "TOR_PT_EXTENDED_SERVER_PORT", "");

  return TRUE;
}

static GObject *
server_create_transport (PtAdapter       *adapter,
                         const PtMessage *answer)
{
  return _pt_server_transports_create_transport (answer);
}

static const PtAdapterOps server_ops = {
  .role = PT_ROLE_SERVER,
  .get_transports = server_get_transports,
  .get_proxy_requested = NULL,
  .prepare = server_prepare,
  .create_transport = server_create_transport,
  .cleanup = NULL,
};

/**
 * pt_server_adapter_new:
 * @pt_exec: (array zero-terminated=1) (element-type filename): the PT's
 *   program and its arguments
 * @state_location: (nullable) (type filename): the PT's state directory, or
 *   %NULL for a temporary one
 * @forward_address: where the PT forwards the clients' de-obfuscated
 *   connections (`TOR_PT_ORPORT`)
 *
 * Creates a server adapter. Add transports with
 * pt_server_adapter_add_transport(), then start it with
 * pt_adapter_start_async().
 *
 * Returns: (transfer full): a new #PtServerAdapter
 */
PtServerAdapter *
pt_server_adapter_new (const char * const *pt_exec,
                       const char         *state_location,
                       GInetSocketAddress *forward_address)
{
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (forward_address), NULL);

  return g_object_new (PT_TYPE_SERVER_ADAPTER,
                       "pt-exec", pt_exec,
                       "state-location", state_location,
                       "forward-address", forward_address,
                       NULL);
}

/**
 * pt_server_adapter_get_forward_address:
 * @self: a #PtServerAdapter
 *
 * Gets the address the PT forwards clients to.
 *
 * Returns: (transfer none) (nullable): the value of
 *   #PtServerAdapter:forward-address
 */
GInetSocketAddress *
pt_server_adapter_get_forward_address (PtServerAdapter *self)
{
  g_return_val_if_fail (PT_IS_SERVER_ADAPTER (self), NULL);

  return self->forward_address;
}

/**
 * pt_server_adapter_add_transport:
 * @self: a #PtServerAdapter that is not running
 * @name: the transport's name, such as "obfs4"
 * @bind_address: (nullable): where the PT should accept the transport's
 *   clients (an IP address and a port, 0 for any free port), or %NULL for
 *   127.0.0.1 and any free port
 * @options: (nullable) (element-type utf8 utf8): the transport's server
 *   options (`TOR_PT_SERVER_TRANSPORT_OPTIONS`), or %NULL
 * @error: return location for a #GError
 *
 * Asks the PT to launch @name at its next start, listening on
 * @bind_address. obfs4proxy, for example, takes the obfs4 server's
 * "node-id", "private-key", "drbg-seed" and "iat-mode" as options.
 *
 * Fails with %PT_ERROR_INVALID_STATE unless the adapter is new, stopped or
 * failed, and with %PT_ERROR_INVALID_ARGUMENT if @name is not a valid
 * transport name or was already added, or if an option has an empty key or
 * is not UTF-8. Transports stay added across restarts.
 *
 * Returns: %TRUE if the transport was added, %FALSE with @error set
 */
gboolean
pt_server_adapter_add_transport (PtServerAdapter     *self,
                                 const char          *name,
                                 GInetSocketAddress  *bind_address,
                                 GHashTable          *options,
                                 GError             **error)
{
  g_return_val_if_fail (PT_IS_SERVER_ADAPTER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (bind_address == NULL || G_IS_INET_SOCKET_ADDRESS (bind_address), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _pt_server_transports_add (self->transports, PT_ADAPTER (self), name,
                                    bind_address, options, error);
}

/**
 * pt_server_adapter_get_transport:
 * @self: a #PtServerAdapter
 * @name: the transport's name, such as "obfs4"
 * @error: return location for a #GError
 *
 * Gets a transport that the running PT launched. Fails with
 * %PT_ERROR_UNKNOWN_TRANSPORT if @name was not added or the PT did not
 * answer for it, with %PT_ERROR_METHOD (quoting the PT) if the PT could not
 * launch it, and with %PT_ERROR_INVALID_STATE or %PT_ERROR_EXITED if the PT
 * is not running. May be called from any thread.
 *
 * Returns: (transfer full): the transport, or %NULL with @error set
 */
PtServerTransport *
pt_server_adapter_get_transport (PtServerAdapter  *self,
                                 const char       *name,
                                 GError          **error)
{
  g_return_val_if_fail (PT_IS_SERVER_ADAPTER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return PT_SERVER_TRANSPORT (_pt_adapter_lookup_transport (PT_ADAPTER (self), name, error));
}

/* GObject */

static void
pt_server_adapter_finalize (GObject *object)
{
  PtServerAdapter *self = PT_SERVER_ADAPTER (object);

  g_clear_object (&self->forward_address);
  g_clear_pointer (&self->transports, _pt_server_transports_free);

  G_OBJECT_CLASS (pt_server_adapter_parent_class)->finalize (object);
}

static void
pt_server_adapter_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  PtServerAdapter *self = PT_SERVER_ADAPTER (object);

  switch (prop_id)
    {
    case PROP_FORWARD_ADDRESS:
      g_value_set_object (value, self->forward_address);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_server_adapter_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  PtServerAdapter *self = PT_SERVER_ADAPTER (object);

  switch (prop_id)
    {
    case PROP_FORWARD_ADDRESS:
      self->forward_address = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_server_adapter_class_init (PtServerAdapterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _pt_init ();

  object_class->finalize = pt_server_adapter_finalize;
  object_class->get_property = pt_server_adapter_get_property;
  object_class->set_property = pt_server_adapter_set_property;

  /**
   * PtServerAdapter:forward-address:
   *
   * Where the PT forwards each client's de-obfuscated connection
   * (`TOR_PT_ORPORT`): an IP address and a port. A start without one fails
   * with %PT_ERROR_INVALID_ARGUMENT.
   */
  properties[PROP_FORWARD_ADDRESS] =
    g_param_spec_object ("forward-address", "Forward address",
                         "Where the pluggable transport forwards its clients",
                         G_TYPE_INET_SOCKET_ADDRESS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pt_server_adapter_init (PtServerAdapter *self)
{
  self->transports = _pt_server_transports_new ();
  _pt_adapter_set_ops (PT_ADAPTER (self), &server_ops);
}
