/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pt-client-transport-private.h"
#include "pt-init-private.h"

/**
 * SECTION:pt-client-transport
 * @title: PtClientTransport
 * @short_description: A transport that a client PT launched
 *
 * An immutable description of one transport of a running #PtClientAdapter,
 * as the PT announced it with `CMETHOD`: the SOCKS listener to which
 * connections through that transport are made. pt_client_adapter_connect()
 * uses it for you; it is useful to hand the listener to other software.
 */

/**
 * PtClientTransport:
 *
 * A transport launched by a client PT.
 */
struct _PtClientTransport
{
  GObject             parent_instance;

  char               *name;
  char               *scheme;
  GInetSocketAddress *address;
};

G_DEFINE_FINAL_TYPE (PtClientTransport, pt_client_transport, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_SCHEME,
  PROP_ADDRESS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
pt_client_transport_finalize (GObject *object)
{
  PtClientTransport *self = PT_CLIENT_TRANSPORT (object);

  g_free (self->name);
  g_free (self->scheme);
  g_clear_object (&self->address);

  G_OBJECT_CLASS (pt_client_transport_parent_class)->finalize (object);
}

static void
pt_client_transport_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  PtClientTransport *self = PT_CLIENT_TRANSPORT (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_SCHEME:
      g_value_set_string (value, self->scheme);
      break;
    case PROP_ADDRESS:
      g_value_set_object (value, self->address);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_client_transport_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  PtClientTransport *self = PT_CLIENT_TRANSPORT (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case PROP_SCHEME:
      self->scheme = g_value_dup_string (value);
      break;
    case PROP_ADDRESS:
      self->address = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_client_transport_class_init (PtClientTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _pt_init ();

  object_class->finalize = pt_client_transport_finalize;
  object_class->get_property = pt_client_transport_get_property;
  object_class->set_property = pt_client_transport_set_property;

  /**
   * PtClientTransport:name:
   *
   * The name of the transport, such as "obfs4".
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", "Name", "The name of the transport",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PtClientTransport:scheme:
   *
   * The SOCKS version of the listener: "socks5" or "socks4".
   */
  properties[PROP_SCHEME] =
    g_param_spec_string ("scheme", "Scheme", "The SOCKS version of the listener",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PtClientTransport:address:
   *
   * The address of the PT's SOCKS listener for this transport.
   */
  properties[PROP_ADDRESS] =
    g_param_spec_object ("address", "Address", "The address of the SOCKS listener",
                         G_TYPE_INET_SOCKET_ADDRESS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pt_client_transport_init (PtClientTransport *self)
{
}

PtClientTransport *
_pt_client_transport_new (const char         *name,
                          const char         *scheme,
                          GInetSocketAddress *address)
{
  return g_object_new (PT_TYPE_CLIENT_TRANSPORT,
                       "name", name,
                       "scheme", scheme,
                       "address", address,
                       NULL);
}

/**
 * pt_client_transport_get_name:
 * @self: a #PtClientTransport
 *
 * Gets the name of the transport.
 *
 * Returns: the value of #PtClientTransport:name
 */
const char *
pt_client_transport_get_name (PtClientTransport *self)
{
  g_return_val_if_fail (PT_IS_CLIENT_TRANSPORT (self), NULL);

  return self->name;
}

/**
 * pt_client_transport_get_scheme:
 * @self: a #PtClientTransport
 *
 * Gets the SOCKS version of the transport's listener.
 *
 * Returns: "socks5" or "socks4"
 */
const char *
pt_client_transport_get_scheme (PtClientTransport *self)
{
  g_return_val_if_fail (PT_IS_CLIENT_TRANSPORT (self), NULL);

  return self->scheme;
}

/**
 * pt_client_transport_get_address:
 * @self: a #PtClientTransport
 *
 * Gets the address of the transport's SOCKS listener.
 *
 * Returns: (transfer none): the value of #PtClientTransport:address
 */
GInetSocketAddress *
pt_client_transport_get_address (PtClientTransport *self)
{
  g_return_val_if_fail (PT_IS_CLIENT_TRANSPORT (self), NULL);

  return self->address;
}
