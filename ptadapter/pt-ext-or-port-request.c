/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pt-ext-or-port-request-private.h"
#include "pt-init-private.h"

/**
 * SECTION:pt-ext-or-port-request
 * @title: PtExtOrPortRequest
 * @short_description: A client waiting to be accepted or denied
 *
 * A #PtExtOrPortRequest stands for a client of a #PtExtServerAdapter whose
 * PT has authenticated on the Extended ORPort and described the client,
 * and which waits for the application's decision. It is the argument of
 * #PtExtServerAdapter::preconnect.
 *
 * The decision is taken once: the first call to
 * pt_ext_or_port_request_accept() or pt_ext_or_port_request_deny() counts,
 * and later calls do nothing. A request that is finalized without a
 * decision denies its client, and so does a decision that comes after
 * #PtExtServerAdapter:handshake-timeout has run out (the client is already
 * gone by then). Both functions may be called from any thread; the reply
 * is sent from the adapter's main context.
 */

/**
 * PtExtOrPortRequest:
 *
 * A client of the Extended ORPort that waits for a decision.
 */
struct _PtExtOrPortRequest
{
  GObject                parent_instance;

  PtExtOrPortClientInfo *info;
  PtExtOrPortHandshake  *handshake;
  int                    decided;   /* atomic */
};

G_DEFINE_FINAL_TYPE (PtExtOrPortRequest, pt_ext_or_port_request, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_INFO,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
decide (PtExtOrPortRequest *self,
        gboolean            accept)
{
  if (!g_atomic_int_compare_and_exchange (&self->decided, FALSE, TRUE))
    return;

  if (self->handshake != NULL)
    _pt_ext_or_port_handshake_decide (self->handshake, accept);
}

static void
pt_ext_or_port_request_finalize (GObject *object)
{
  PtExtOrPortRequest *self = PT_EXT_OR_PORT_REQUEST (object);

  decide (self, FALSE);
  g_clear_pointer (&self->handshake, _pt_ext_or_port_handshake_unref);
  g_clear_object (&self->info);

  G_OBJECT_CLASS (pt_ext_or_port_request_parent_class)->finalize (object);
}

static void
pt_ext_or_port_request_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  PtExtOrPortRequest *self = PT_EXT_OR_PORT_REQUEST (object);

  switch (prop_id)
    {
    case PROP_INFO:
      g_value_set_object (value, self->info);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_ext_or_port_request_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  PtExtOrPortRequest *self = PT_EXT_OR_PORT_REQUEST (object);

  switch (prop_id)
    {
    case PROP_INFO:
      self->info = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_ext_or_port_request_class_init (PtExtOrPortRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _pt_init ();

  object_class->finalize = pt_ext_or_port_request_finalize;
  object_class->get_property = pt_ext_or_port_request_get_property;
  object_class->set_property = pt_ext_or_port_request_set_property;

  /**
   * PtExtOrPortRequest:info:
   *
   * What the PT told about the client.
   */
  properties[PROP_INFO] =
    g_param_spec_object ("info", "Info", "What the pluggable transport told about the client",
                         PT_TYPE_EXT_OR_PORT_CLIENT_INFO,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pt_ext_or_port_request_init (PtExtOrPortRequest *self)
{
}

PtExtOrPortRequest *
_pt_ext_or_port_request_new (PtExtOrPortClientInfo *info,
                             PtExtOrPortHandshake  *handshake)
{
  PtExtOrPortRequest *self = g_object_new (PT_TYPE_EXT_OR_PORT_REQUEST,
                                           "info", info,
                                           NULL);

  self->handshake = _pt_ext_or_port_handshake_ref (handshake);
  return self;
}

/**
 * pt_ext_or_port_request_get_info:
 * @self: a #PtExtOrPortRequest
 *
 * Gets what the PT told about the client: its transport and address.
 *
 * Returns: (transfer none): the value of #PtExtOrPortRequest:info
 */
PtExtOrPortClientInfo *
pt_ext_or_port_request_get_info (PtExtOrPortRequest *self)
{
  g_return_val_if_fail (PT_IS_EXT_OR_PORT_REQUEST (self), NULL);

  return self->info;
}

/**
 * pt_ext_or_port_request_accept:
 * @self: a #PtExtOrPortRequest
 *
 * Accepts the client: the PT is told `OKAY`, then
 * #PtExtServerAdapter::client-connected hands its connection to the
 * application. Does nothing if the request was already decided.
 */
void
pt_ext_or_port_request_accept (PtExtOrPortRequest *self)
{
  g_return_if_fail (PT_IS_EXT_OR_PORT_REQUEST (self));

  decide (self, TRUE);
}

/**
 * pt_ext_or_port_request_deny:
 * @self: a #PtExtOrPortRequest
 *
 * Denies the client: the PT is told `DENY` and the connection is closed.
 * Does nothing if the request was already decided.
 */
void
pt_ext_or_port_request_deny (PtExtOrPortRequest *self)
{
  g_return_if_fail (PT_IS_EXT_OR_PORT_REQUEST (self));

  decide (self, FALSE);
}
