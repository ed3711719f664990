/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pt-ext-or-port-client-info-private.h"
#include "pt-init-private.h"

/**
 * SECTION:pt-ext-or-port-client-info
 * @title: PtExtOrPortClientInfo
 * @short_description: What the PT told about a client
 *
 * An immutable description of one client of a #PtExtServerAdapter, as the
 * PT reported it over the Extended ORPort before handing the connection
 * over: the transport the client came through (`TRANSPORT`) and the
 * client's address and port (`USERADDR`). A PT may leave either out.
 */

/**
 * PtExtOrPortClientInfo:
 *
 * The transport and address of a client, as its PT reported them.
 */
struct _PtExtOrPortClientInfo
{
  GObject       parent_instance;

  char         *transport;
  GInetAddress *address;
  guint         port;
};

G_DEFINE_FINAL_TYPE (PtExtOrPortClientInfo, pt_ext_or_port_client_info, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TRANSPORT,
  PROP_ADDRESS,
  PROP_PORT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
pt_ext_or_port_client_info_finalize (GObject *object)
{
  PtExtOrPortClientInfo *self = PT_EXT_OR_PORT_CLIENT_INFO (object);

  g_free (self->transport);
  g_clear_object (&self->address);

  G_OBJECT_CLASS (pt_ext_or_port_client_info_parent_class)->finalize (object);
}

static void
pt_ext_or_port_client_info_get_property (GObject    *object,
                                         guint       prop_id,
                                         GValue     *value,
                                         GParamSpec *pspec)
{
  PtExtOrPortClientInfo *self = PT_EXT_OR_PORT_CLIENT_INFO (object);

  switch (prop_id)
    {
    case PROP_TRANSPORT:
      g_value_set_string (value, self->transport);
      break;
    case PROP_ADDRESS:
      g_value_set_object (value, self->address);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_ext_or_port_client_info_set_property (GObject      *object,
                                         guint         prop_id,
                                         const GValue *value,
                                         GParamSpec   *pspec)
{
  PtExtOrPortClientInfo *self = PT_EXT_OR_PORT_CLIENT_INFO (object);

  switch (prop_id)
    {
    case PROP_TRANSPORT:
      self->transport = g_value_dup_string (value);
      break;
    case PROP_ADDRESS:
      self->address = g_value_dup_object (value);
      break;
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_ext_or_port_client_info_class_init (PtExtOrPortClientInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _pt_init ();

  object_class->finalize = pt_ext_or_port_client_info_finalize;
  object_class->get_property = pt_ext_or_port_client_info_get_property;
  object_class->set_property = pt_ext_or_port_client_info_set_property;

  /**
   * PtExtOrPortClientInfo:transport:
   *
   * The transport the client came through, such as "obfs4", or %NULL if
   * the PT did not say.
   */
  properties[PROP_TRANSPORT] =
    g_param_spec_string ("transport", "Transport",
                         "The transport the client came through",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PtExtOrPortClientInfo:address:
   *
   * The client's IP address, or %NULL if the PT did not say.
   */
  properties[PROP_ADDRESS] =
    g_param_spec_object ("address", "Address", "The client's IP address",
                         G_TYPE_INET_ADDRESS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PtExtOrPortClientInfo:port:
   *
   * The client's port, or 0 if the PT did not say.
   */
  properties[PROP_PORT] =
    g_param_spec_uint ("port", "Port", "The client's port",
                       0, G_MAXUINT16, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pt_ext_or_port_client_info_init (PtExtOrPortClientInfo *self)
{
}

PtExtOrPortClientInfo *
_pt_ext_or_port_client_info_new (const char         *transport,
                                 GInetSocketAddress *user_address)
{
  GInetAddress *address = NULL;
  guint port = 0;

  if (user_address != NULL)
    {
      address = g_inet_socket_address_get_address (user_address);
      port = g_inet_socket_address_get_port (user_address);
    }

  return g_object_new (PT_TYPE_EXT_OR_PORT_CLIENT_INFO,
                       "transport", transport,
                       "address", address,
                       "port", port,
                       NULL);
}

/**
 * pt_ext_or_port_client_info_get_transport:
 * @self: a #PtExtOrPortClientInfo
 *
 * Gets the transport the client came through.
 *
 * Returns: (nullable): the value of #PtExtOrPortClientInfo:transport
 */
const char *
pt_ext_or_port_client_info_get_transport (PtExtOrPortClientInfo *self)
{
  g_return_val_if_fail (PT_IS_EXT_OR_PORT_CLIENT_INFO (self), NULL);

  return self->transport;
}

/**
 * pt_ext_or_port_client_info_get_address:
 * @self: a #PtExtOrPortClientInfo
 *
 * Gets the client's IP address.
 *
 * Returns: (transfer none) (nullable): the value of
 *   #PtExtOrPortClientInfo:address
 */
GInetAddress *
pt_ext_or_port_client_info_get_address (PtExtOrPortClientInfo *self)
{
  g_return_val_if_fail (PT_IS_EXT_OR_PORT_CLIENT_INFO (self), NULL);

  return self->address;
}

/**
 * pt_ext_or_port_client_info_get_port:
 * @self: a #PtExtOrPortClientInfo
 *
 * Gets the client's port.
 *
 * Returns: the value of #PtExtOrPortClientInfo:port, 0 when unknown
 */
guint16
pt_ext_or_port_client_info_get_port (PtExtOrPortClientInfo *self)
{
  g_return_val_if_fail (PT_IS_EXT_OR_PORT_CLIENT_INFO (self), 0);

  return (guint16) self->port;
}
