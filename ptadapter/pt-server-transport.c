/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pt-init-private.h"
#include "pt-server-transport-private.h"

/**
 * SECTION:pt-server-transport
 * @title: PtServerTransport
 * @short_description: A transport that a server PT launched
 *
 * An immutable description of one transport of a running #PtServerAdapter
 * or #PtExtServerAdapter, as the PT announced it with `SMETHOD`: the address
 * where the PT accepts obfuscated connections for that transport, and the
 * options it gave, such as the `ARGS:` that clients need (for obfs4, the
 * `cert` and `iat-mode` of its bridge line).
 */

/**
 * PtServerTransport:
 *
 * A transport launched by a server PT.
 */
struct _PtServerTransport
{
  GObject             parent_instance;

  char               *name;
  GInetSocketAddress *address;
  char               *options;
  GHashTable         *args;
};

G_DEFINE_FINAL_TYPE (PtServerTransport, pt_server_transport, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_ADDRESS,
  PROP_OPTIONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GHashTable *
copy_args (GHashTable *args)
{
  GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  if (args == NULL)
    return copy;

  g_hash_table_iter_init (&iter, args);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy, g_strdup (key), g_strdup (value));

  return copy;
}

static void
pt_server_transport_finalize (GObject *object)
{
  PtServerTransport *self = PT_SERVER_TRANSPORT (object);

  g_free (self->name);
  g_clear_object (&self->address);
  g_free (self->options);
  g_clear_pointer (&self->args, g_hash_table_unref);

  G_OBJECT_CLASS (pt_server_transport_parent_class)->finalize (object);
}

static void
pt_server_transport_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  PtServerTransport *self = PT_SERVER_TRANSPORT (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_ADDRESS:
      g_value_set_object (value, self->address);
      break;
    case PROP_OPTIONS:
      g_value_set_string (value, self->options);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_server_transport_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  PtServerTransport *self = PT_SERVER_TRANSPORT (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case PROP_ADDRESS:
      self->address = g_value_dup_object (value);
      break;
    case PROP_OPTIONS:
      self->options = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_server_transport_class_init (PtServerTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _pt_init ();

  object_class->finalize = pt_server_transport_finalize;
  object_class->get_property = pt_server_transport_get_property;
  object_class->set_property = pt_server_transport_set_property;

  /**
   * PtServerTransport:name:
   *
   * The name of the transport, such as "obfs4".
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", "Name", "The name of the transport",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PtServerTransport:address:
   *
   * The address where the PT accepts connections for this transport.
   */
  properties[PROP_ADDRESS] =
    g_param_spec_object ("address", "Address",
                         "The address where the pluggable transport listens",
                         G_TYPE_INET_SOCKET_ADDRESS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PtServerTransport:options:
   *
   * The options of the `SMETHOD` line after the address, as the PT sent
   * them (space-separated, such as
   * "ARGS:cert=…,iat-mode=0"), or %NULL when there were none.
   */
  properties[PROP_OPTIONS] =
    g_param_spec_string ("options", "Options",
                         "The options the pluggable transport gave after the address",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pt_server_transport_init (PtServerTransport *self)
{
}

PtServerTransport *
_pt_server_transport_new (const char         *name,
                          GInetSocketAddress *address,
                          const char         *options,
                          GHashTable         *args)
{
  PtServerTransport *self = g_object_new (PT_TYPE_SERVER_TRANSPORT,
                                          "name", name,
                                          "address", address,
                                          "options", options,
                                          NULL);

  self->args = copy_args (args);
  return self;
}

/**
 * pt_server_transport_get_name:
 * @self: a #PtServerTransport
 *
 * Gets the name of the transport.
 *
 * Returns: the value of #PtServerTransport:name
 */
const char *
pt_server_transport_get_name (PtServerTransport *self)
{
  g_return_val_if_fail (PT_IS_SERVER_TRANSPORT (self), NULL);

  return self->name;
}

/**
 * pt_server_transport_get_address:
 * @self: a #PtServerTransport
 *
 * Gets the address where the PT accepts connections for the transport.
 * Clients connect there, through the same transport.
 *
 * Returns: (transfer none): the value of #PtServerTransport:address
 */
GInetSocketAddress *
pt_server_transport_get_address (PtServerTransport *self)
{
  g_return_val_if_fail (PT_IS_SERVER_TRANSPORT (self), NULL);

  return self->address;
}

/**
 * pt_server_transport_get_options:
 * @self: a #PtServerTransport
 *
 * Gets the options that followed the address on the PT's `SMETHOD` line,
 * undecoded. pt_server_transport_dup_args() gives the `ARGS:` among them
 * decoded.
 *
 * Returns: (nullable): the value of #PtServerTransport:options
 */
const char *
pt_server_transport_get_options (PtServerTransport *self)
{
  g_return_val_if_fail (PT_IS_SERVER_TRANSPORT (self), NULL);

  return self->options;
}

/**
 * pt_server_transport_dup_args:
 * @self: a #PtServerTransport
 *
 * Gets the `ARGS:` option of the PT's `SMETHOD` line, decoded (`\,` and
 * `\=` unescaped). These are the arguments that clients of this transport
 * need, such as obfs4's "cert" and "iat-mode", ready to be passed to
 * pt_client_adapter_connect_async(). The table is empty when the PT gave
 * none.
 *
 * Returns: (transfer full) (element-type utf8 utf8): a new table of the
 *   arguments
 */
GHashTable *
pt_server_transport_dup_args (PtServerTransport *self)
{
  g_return_val_if_fail (PT_IS_SERVER_TRANSPORT (self), NULL);

  return copy_args (self->args);
}
