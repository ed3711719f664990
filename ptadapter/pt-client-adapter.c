/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-adapter-private.h"
#include "pt-args-private.h"
#include "pt-client-adapter.h"
#include "pt-client-transport-private.h"
#include "pt-error.h"
#include "pt-init-private.h"
#include "pt-proxy-resolver-private.h"

/**
 * SECTION:pt-client-adapter
 * @title: PtClientAdapter
 * @short_description: Connect through a client pluggable transport
 *
 * A #PtClientAdapter runs a PT in client mode and makes connections through
 * it. Give it the transports to launch, start it with
 * pt_adapter_start_async(), then call pt_client_adapter_connect_async() for
 * each connection: it returns a plain #GSocketConnection whose bytes the PT
 * carries, obfuscated, to the server.
 *
 * |[<!-- language="C" -->
 * const char *argv[] = { "/usr/bin/obfs4proxy", NULL };
 * const char *transports[] = { "obfs4", NULL };
 * PtClientAdapter *adapter = pt_client_adapter_new (argv, NULL, transports, NULL);
 *
 * pt_adapter_start_async (PT_ADAPTER (adapter), NULL, on_started, NULL);
 * ...
 * // in on_started, after pt_adapter_start_finish():
 * GHashTable *args = g_hash_table_new (g_str_hash, g_str_equal);
 * g_hash_table_insert (args, "cert", cert);
 * g_hash_table_insert (args, "iat-mode", "0");
 * pt_client_adapter_connect_async (adapter, "obfs4", "192.0.2.3", 443, args,
 *                                  NULL, on_connected, NULL);
 * ]|
 *
 * Connections go through the PT's SOCKS listener with GIO's own SOCKS
 * support; the per-connection arguments travel in the SOCKS authentication
 * fields as the specification requires. When an upstream proxy is given,
 * the start fails unless the PT confirms it will use it, so that nothing is
 * ever sent around the proxy.
 */

/**
 * PtClientAdapter:
 *
 * Runs a client pluggable transport and connects through it.
 */
struct _PtClientAdapter
{
  PtAdapter  parent_instance;

  char     **transports;
  char      *proxy_uri;
  guint      connect_timeout_ms;
};

G_DEFINE_FINAL_TYPE (PtClientAdapter, pt_client_adapter, PT_TYPE_ADAPTER)

enum {
  PROP_0,
  PROP_TRANSPORTS,
  PROP_PROXY_URI,
  PROP_CONNECT_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const *
client_get_transports (PtAdapter *adapter)
{
  PtClientAdapter *self = PT_CLIENT_ADAPTER (adapter);
  static const char * const none[] = { NULL };

  return self->transports != NULL ? (const char * const *) self->transports : none;
}

static gboolean
client_get_proxy_requested (PtAdapter *adapter)
{
  return PT_CLIENT_ADAPTER (adapter)->proxy_uri != NULL;
}

/* TOR_PT_PROXY: <socks5|socks4a|http>://[user[:password]@]ip:port */
static gboolean
validate_proxy_uri (const char  *proxy_uri,
                    GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;
  const char *path;

  uri = g_uri_parse (proxy_uri, G_URI_FLAGS_HAS_PASSWORD, NULL);
  if (uri == NULL)
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                           _("The upstream proxy is not a valid URI"));
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "socks5") != 0 &&
      g_ascii_strcasecmp (scheme, "socks4a") != 0 &&
      g_ascii_strcasecmp (scheme, "http") != 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("The upstream proxy must be a socks5, socks4a or http URI, not “%s”"),
                   scheme);
      return FALSE;
    }

  host = g_uri_get_host (uri);
  if (host == NULL || !g_hostname_is_ip_address (host) || g_uri_get_port (uri) <= 0)
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                           _("The upstream proxy must be given as an IP address and a port"));
      return FALSE;
    }

  path = g_uri_get_path (uri);
  if ((path[0] != '\0' && strcmp (path, "/") != 0) ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                           _("The upstream proxy URI must not have a path, query or fragment"));
      return FALSE;
    }

  if (g_ascii_strcasecmp (scheme, "socks4a") == 0 && g_uri_get_password (uri) != NULL)
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                           _("A socks4a upstream proxy cannot have a password"));
      return FALSE;
    }

  return TRUE;
}

static gboolean
validate_transports (const char * const  *transports,
                     GError             **error)
{
  if (transports == NULL || transports[0] == NULL)
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                           _("No transport was requested"));
      return FALSE;
    }

  for (guint i = 0; transports[i] != NULL; i++)
    {
      if (!_pt_transport_name_is_valid (transports[i]))
        {
          g_autofree char *quoted = _pt_quote_for_message (transports[i], strlen (transports[i]), 64);

          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a valid transport name"), quoted);
          return FALSE;
        }

      for (guint j = 0; j < i; j++)
        {
          if (strcmp (transports[i], transports[j]) == 0)
            {
              g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                           _("Transport “%s” was requested twice"), transports[i]);
              return FALSE;
            }
        }
    }

  return TRUE;
}

static gboolean
client_prepare (PtAdapter   *adapter,
                GPtrArray   *environment,
                GError     **error)
{
  PtClientAdapter *self = PT_CLIENT_ADAPTER (adapter);
  g_autofree char *joined = NULL;

  if (!validate_transports ((const char * const *) self->transports, error))
    return FALSE;
  if (self->proxy_uri != NULL && !validate_proxy_uri (self->proxy_uri, error))
    return FALSE;

  joined = g_strjoinv (",", self->transports);
  _pt_environment_add (environment, "TOR_PT_CLIENT_TRANSPORTS", joined);
  if (self->proxy_uri != NULL)
    _pt_environment_add (environment, "TOR_PT_PROXY", self->proxy_uri);

  return TRUE;
}

static GObject *
client_create_transport (PtAdapter       *adapter,
                         const PtMessage *answer)
{
  return G_OBJECT (_pt_client_transport_new (answer->transport, answer->scheme,
                                             answer->address));
}

static const PtAdapterOps client_ops = {
  .role = PT_ROLE_CLIENT,
  .get_transports = client_get_transports,
  .get_proxy_requested = client_get_proxy_requested,
  .prepare = client_prepare,
  .create_transport = client_create_transport,
  .cleanup = NULL,
};

/**
 * pt_client_adapter_new:
 * @pt_exec: (array zero-terminated=1) (element-type filename): the PT's
 *   program and its arguments
 * @state_location: (nullable) (type filename): the PT's state directory, or
 *   %NULL for a temporary one
 * @transports: (array zero-terminated=1): the transports to launch, such
 *   as "obfs4"
 * @proxy_uri: (nullable): an upstream proxy the PT must use, such as
 *   "socks5://user:password@198.51.100.1:1080" (socks5, socks4a or http,
 *   with an IP address), or %NULL
 *
 * Creates a client adapter. Nothing is checked or spawned until
 * pt_adapter_start_async(), which fails with %PT_ERROR_INVALID_ARGUMENT if
 * a transport name or the proxy URI is invalid.
 *
 * Returns: (transfer full): a new #PtClientAdapter
 */
PtClientAdapter *
pt_client_adapter_new (const char * const *pt_exec,
                       const char         *state_location,
                       const char * const *transports,
                       const char         *proxy_uri)
{
  return g_object_new (PT_TYPE_CLIENT_ADAPTER,
                       "pt-exec", pt_exec,
                       "state-location", state_location,
                       "transports", transports,
                       "proxy-uri", proxy_uri,
                       NULL);
}

/**
 * pt_client_adapter_get_transports:
 * @self: a #PtClientAdapter
 *
 * Gets the names of the transports the PT is asked to launch.
 *
 * Returns: (transfer none) (array zero-terminated=1) (nullable): the value
 *   of #PtClientAdapter:transports
 */
const char * const *
pt_client_adapter_get_transports (PtClientAdapter *self)
{
  g_return_val_if_fail (PT_IS_CLIENT_ADAPTER (self), NULL);

  return (const char * const *) self->transports;
}

/**
 * pt_client_adapter_get_proxy_uri:
 * @self: a #PtClientAdapter
 *
 * Gets the upstream proxy the PT must use.
 *
 * Returns: (nullable): the value of #PtClientAdapter:proxy-uri
 */
const char *
pt_client_adapter_get_proxy_uri (PtClientAdapter *self)
{
  g_return_val_if_fail (PT_IS_CLIENT_ADAPTER (self), NULL);

  return self->proxy_uri;
}

/**
 * pt_client_adapter_get_connect_timeout:
 * @self: a #PtClientAdapter
 *
 * Gets how long a connection may take.
 *
 * Returns: the value of #PtClientAdapter:connect-timeout, in milliseconds
 */
guint
pt_client_adapter_get_connect_timeout (PtClientAdapter *self)
{
  g_return_val_if_fail (PT_IS_CLIENT_ADAPTER (self), 0);

  return self->connect_timeout_ms;
}

/**
 * pt_client_adapter_set_connect_timeout:
 * @self: a #PtClientAdapter
 * @timeout_ms: the time allowed, in milliseconds; 0 for no limit of our own
 *
 * Sets #PtClientAdapter:connect-timeout. It applies to connections started
 * afterwards.
 */
void
pt_client_adapter_set_connect_timeout (PtClientAdapter *self,
                                       guint            timeout_ms)
{
  g_return_if_fail (PT_IS_CLIENT_ADAPTER (self));

  if (self->connect_timeout_ms == timeout_ms)
    return;

  self->connect_timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECT_TIMEOUT]);
}

/**
 * pt_client_adapter_get_transport:
 * @self: a #PtClientAdapter
 * @name: the transport's name, such as "obfs4"
 * @error: return location for a #GError
 *
 * Gets a transport that the running PT launched. Fails with
 * %PT_ERROR_UNKNOWN_TRANSPORT if @name was not requested or the PT did not
 * answer for it, with %PT_ERROR_METHOD (quoting the PT) if the PT could not
 * launch it, and with %PT_ERROR_INVALID_STATE or %PT_ERROR_EXITED if the PT
 * is not running. May be called from any thread.
 *
 * Returns: (transfer full): the transport, or %NULL with @error set
 */
PtClientTransport *
pt_client_adapter_get_transport (PtClientAdapter  *self,
                                 const char       *name,
                                 GError          **error)
{
  g_return_val_if_fail (PT_IS_CLIENT_ADAPTER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return PT_CLIENT_TRANSPORT (_pt_adapter_lookup_transport (PT_ADAPTER (self), name, error));
}

/* Connecting */

typedef struct
{
  GSocketClient *client;
  GCancellable  *cancellable;       /* ours: cancelled on timeout too */
  GCancellable  *user_cancellable;
  gulong         user_cancelled_id;
  GSource       *timeout_source;
  gboolean       timed_out;
  guint          timeout_ms;
  char          *transport;
  char          *destination;       /* host:port, for messages */
} ConnectData;

static void
connect_data_free (ConnectData *data)
{
  if (data->timeout_source != NULL)
    {
      g_source_destroy (data->timeout_source);
      g_source_unref (data->timeout_source);
    }
  if (data->user_cancellable != NULL)
    {
      g_cancellable_disconnect (data->user_cancellable, data->user_cancelled_id);
      g_object_unref (data->user_cancellable);
    }
  g_clear_object (&data->cancellable);
  g_clear_object (&data->client);
  g_free (data->transport);
  g_free (data->destination);
  g_free (data);
}

/* Host names go to the PT as they are; IPv6 literals may come in brackets. */
static char *
normalize_host (const char  *host,
                GError     **error)
{
  g_autofree char *bare = NULL;
  gsize length = strlen (host);

  if (length >= 2 && host[0] == '[' && host[length - 1] == ']')
    bare = g_strndup (host + 1, length - 2);
  else
    bare = g_strdup (host);

  if (!g_str_is_ascii (bare))
    {
      g_autofree char *ascii = g_hostname_to_ascii (bare);

      if (ascii == NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a valid host name"), host);
          return NULL;
        }
      g_free (bare);
      bare = g_steal_pointer (&ascii);
    }

  if (bare[0] == '\0' || strlen (bare) > 255)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid host name"), host);
      return NULL;
    }

  for (const char *p = bare; *p != '\0'; p++)
    {
      if (*p <= ' ' || *p >= 0x7f)
        {
          g_autofree char *quoted = _pt_quote_for_message (host, length, 80);

          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a valid host name"), quoted);
          return NULL;
        }
    }

  return g_steal_pointer (&bare);
}

/* The one proxy URI for this connection: the PT's listener, with the
 * encoded args as SOCKS credentials. */
static char *
build_proxy_uri (PtClientTransport  *transport,
                 GHashTable         *args,
                 GError            **error)
{
  GInetSocketAddress *listener = pt_client_transport_get_address (transport);
  g_autofree char *listener_host =
    g_inet_address_to_string (g_inet_socket_address_get_address (listener));
  int listener_port = g_inet_socket_address_get_port (listener);
  g_autofree char *encoded = NULL;
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;

  if (g_strcmp0 (pt_client_transport_get_scheme (transport), "socks4") == 0)
    {
      encoded = _pt_args_encode_client (args, PT_ARGS_SOCKS4_MAX_LENGTH, error);
      if (encoded == NULL)
        return NULL;

      /* socks4a: the args are the user id; the name is resolved by the PT. */
      return g_uri_join_with_user (G_URI_FLAGS_NONE, "socks4a",
                                   encoded[0] != '\0' ? encoded : NULL, NULL, NULL,
                                   listener_host, listener_port, "", NULL, NULL);
    }

  encoded = _pt_args_encode_client (args, PT_ARGS_SOCKS5_MAX_LENGTH, error);
  if (encoded == NULL)
    return NULL;

  /* Without args, no userinfo: GIO then offers only NO AUTH. */
  if (encoded[0] == '\0')
    return g_uri_join (G_URI_FLAGS_NONE, "socks5", NULL, listener_host, listener_port,
                       "", NULL, NULL);

  _pt_args_split_socks5 (encoded, &username, &password);
  return g_uri_join_with_user (G_URI_FLAGS_HAS_PASSWORD, "socks5",
                               username, password, NULL,
                               listener_host, listener_port, "", NULL, NULL);
}

static char *
format_destination (const char *host,
                    guint16     port)
{
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, port);

  return g_strdup_printf ("%s:%u", host, port);
}

static void
on_user_cancelled (GCancellable *user_cancellable,
                   gpointer      user_data)
{
  GCancellable *ours = user_data;

  g_cancellable_cancel (ours);
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  ConnectData *data = user_data;

  data->timed_out = TRUE;
  g_cancellable_cancel (data->cancellable);

  return G_SOURCE_REMOVE;
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConnectData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (connection != NULL)
    {
      g_task_return_pointer (task, connection, g_object_unref);
      return;
    }

  if (data->timed_out &&
      !(data->user_cancellable != NULL && g_cancellable_is_cancelled (data->user_cancellable)))
    {
      g_task_return_new_error (task, PT_ERROR, PT_ERROR_TIMEOUT,
                               _("Could not connect to %s through transport “%s” within %u ms; the transport’s handshake with the server did not complete"),
                               data->destination, data->transport, data->timeout_ms);
      return;
    }

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_prefix_error (&error, _("Could not connect to %s through transport “%s”: "),
                    data->destination, data->transport);

  g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * pt_client_adapter_connect_async:
 * @self: a running #PtClientAdapter
 * @transport: the name of the transport to go through, such as "obfs4"
 * @host: the server: an IPv4 or IPv6 address (brackets allowed) or a host
 *   name, which is passed to the PT unresolved
 * @port: the server's port
 * @args: (nullable) (element-type utf8 utf8): the per-connection arguments
 *   of the transport, such as obfs4's "cert" and "iat-mode", or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the connection is made or has
 *   failed
 * @user_data: (closure): data for @callback
 *
 * Connects to @host and @port through @transport. The arguments are escaped
 * and passed in the SOCKS authentication fields, at most 510 bytes once
 * encoded for a SOCKS5 transport (255 for SOCKS4); longer ones fail with
 * %PT_ERROR_ARGS_TOO_LONG before anything is sent, and arguments with bytes
 * outside ASCII or an empty key with %PT_ERROR_INVALID_ARGUMENT.
 *
 * Lookup failures are those of pt_client_adapter_get_transport(). Failures
 * of the SOCKS exchange keep their #GIOErrorEnum code, such as
 * %G_IO_ERROR_PROXY_AUTH_FAILED (the PT rejected the arguments) or
 * %G_IO_ERROR_PROXY_FAILED (the PT could not reach the server or complete
 * its handshake). If #PtClientAdapter:connect-timeout passes first, the
 * connection fails with %PT_ERROR_TIMEOUT.
 *
 * May be called from any thread that runs its thread-default main context;
 * @callback runs there.
 */
void
pt_client_adapter_connect_async (PtClientAdapter     *self,
                                 const char          *transport,
                                 const char          *host,
                                 guint16              port,
                                 GHashTable          *args,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PtClientTransport) client_transport = NULL;
  g_autoptr(PtProxyResolver) resolver = NULL;
  g_autoptr(GSocketConnectable) destination = NULL;
  g_autofree char *bare_host = NULL;
  g_autofree char *proxy_uri = NULL;
  GError *error = NULL;
  ConnectData *data;

  g_return_if_fail (PT_IS_CLIENT_ADAPTER (self));
  g_return_if_fail (transport != NULL);
  g_return_if_fail (host != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pt_client_adapter_connect_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  bare_host = normalize_host (host, &error);
  if (bare_host == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (port == 0)
    {
      g_task_return_new_error (task, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                               _("Port 0 is not a valid destination"));
      return;
    }

  client_transport = pt_client_adapter_get_transport (self, transport, &error);
  if (client_transport == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  proxy_uri = build_proxy_uri (client_transport, args, &error);
  if (proxy_uri == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  data = g_new0 (ConnectData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) connect_data_free);
  data->transport = g_strdup (transport);
  data->destination = format_destination (bare_host, port);
  data->timeout_ms = self->connect_timeout_ms;
  data->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      data->user_cancellable = g_object_ref (cancellable);
      data->user_cancelled_id = g_cancellable_connect (cancellable,
                                                       G_CALLBACK (on_user_cancelled),
                                                       g_object_ref (data->cancellable),
                                                       g_object_unref);
    }
  if (data->timeout_ms > 0)
    {
      data->timeout_source = g_timeout_source_new (data->timeout_ms);
      g_source_set_callback (data->timeout_source, on_connect_timeout, data, NULL);
      g_source_set_static_name (data->timeout_source, "[ptadapter] connect timeout");
      g_source_attach (data->timeout_source, g_task_get_context (task));
    }

  resolver = _pt_proxy_resolver_new (proxy_uri);
  data->client = g_socket_client_new ();
  g_socket_client_set_proxy_resolver (data->client, G_PROXY_RESOLVER (resolver));
  g_socket_client_set_enable_proxy (data->client, TRUE);

  destination = g_network_address_new (bare_host, port);
  g_socket_client_connect_async (data->client, destination, data->cancellable,
                                 on_connected, g_steal_pointer (&task));
}

/**
 * pt_client_adapter_connect_finish:
 * @self: a #PtClientAdapter
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes pt_client_adapter_connect_async().
 *
 * Returns: (transfer full): the connection, or %NULL with @error set
 */
GSocketConnection *
pt_client_adapter_connect_finish (PtClientAdapter  *self,
                                  GAsyncResult     *result,
                                  GError          **error)
{
  g_return_val_if_fail (PT_IS_CLIENT_ADAPTER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_sync_connected (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GAsyncResult **result_out = user_data;

  *result_out = g_object_ref (result);
}

/**
 * pt_client_adapter_connect: (skip)
 * @self: a running #PtClientAdapter
 * @transport: the name of the transport to go through, such as "obfs4"
 * @host: the server: an IPv4 or IPv6 address or a host name
 * @port: the server's port
 * @args: (nullable) (element-type utf8 utf8): the per-connection arguments
 *   of the transport, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects like pt_client_adapter_connect_async(), blocking the calling
 * thread until it is done. It may be called from any thread, for example
 * from a worker that does blocking I/O.
 *
 * Language bindings do not offer this function: there a method named
 * connect() would hide the one that connects signal handlers. They use
 * pt_client_adapter_connect_async() instead.
 *
 * Returns: (transfer full): the connection, or %NULL with @error set
 */
GSocketConnection *
pt_client_adapter_connect (PtClientAdapter  *self,
                           const char       *transport,
                           const char       *host,
                           guint16           port,
                           GHashTable       *args,
                           GCancellable     *cancellable,
                           GError          **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (PT_IS_CLIENT_ADAPTER (self), NULL);
  g_return_val_if_fail (transport != NULL, NULL);
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The asynchronous path on a private context, so that both behave the
   * same, timeout included. */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);

  pt_client_adapter_connect_async (self, transport, host, port, args, cancellable,
                                   on_sync_connected, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);

  g_main_context_pop_thread_default (context);

  return pt_client_adapter_connect_finish (self, result, error);
}

/* GObject */

static void
pt_client_adapter_finalize (GObject *object)
{
  PtClientAdapter *self = PT_CLIENT_ADAPTER (object);

  g_strfreev (self->transports);
  g_free (self->proxy_uri);

  G_OBJECT_CLASS (pt_client_adapter_parent_class)->finalize (object);
}

static void
pt_client_adapter_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  PtClientAdapter *self = PT_CLIENT_ADAPTER (object);

  switch (prop_id)
    {
    case PROP_TRANSPORTS:
      g_value_set_boxed (value, self->transports);
      break;
    case PROP_PROXY_URI:
      g_value_set_string (value, self->proxy_uri);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, self->connect_timeout_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_client_adapter_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  PtClientAdapter *self = PT_CLIENT_ADAPTER (object);

  switch (prop_id)
    {
    case PROP_TRANSPORTS:
      self->transports = g_value_dup_boxed (value);
      break;
    case PROP_PROXY_URI:
      self->proxy_uri = g_value_dup_string (value);
      break;
    case PROP_CONNECT_TIMEOUT:
      pt_client_adapter_set_connect_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_client_adapter_class_init (PtClientAdapterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _pt_init ();

  object_class->finalize = pt_client_adapter_finalize;
  object_class->get_property = pt_client_adapter_get_property;
  object_class->set_property = pt_client_adapter_set_property;

  /**
   * PtClientAdapter:transports:
   *
   * The transports the PT is asked to launch (`TOR_PT_CLIENT_TRANSPORTS`),
   * such as "obfs4".
   */
  properties[PROP_TRANSPORTS] =
    g_param_spec_boxed ("transports", "Transports",
                        "The names of the transports to launch",
                        G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PtClientAdapter:proxy-uri:
   *
   * The upstream proxy the PT must send its traffic through
   * (`TOR_PT_PROXY`), or %NULL. When set, the PT must confirm it with
   * `PROXY DONE`, or the start fails with %PT_ERROR_PROXY.
   */
  properties[PROP_PROXY_URI] =
    g_param_spec_string ("proxy-uri", "Proxy URI",
                         "The upstream proxy the pluggable transport must use",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PtClientAdapter:connect-timeout:
   *
   * How long, in milliseconds, a connection may take, SOCKS exchange and
   * the transport's handshake with the server included; 0 leaves it to the
   * PT (obfs4proxy gives up on an unresponsive server after 30 to 60
   * seconds).
   */
  properties[PROP_CONNECT_TIMEOUT] =
    g_param_spec_uint ("connect-timeout", "Connect timeout",
                       "Milliseconds a connection may take, or 0",
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pt_client_adapter_init (PtClientAdapter *self)
{
  _pt_adapter_set_ops (PT_ADAPTER (self), &client_ops);
}
