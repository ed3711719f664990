/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "pt-accept-loop-private.h"
#include "pt-adapter-private.h"
#include "pt-args-private.h"
#include "pt-error.h"
#include "pt-ext-or-port-handshake-private.h"
#include "pt-ext-or-port-private.h"
#include "pt-ext-server-adapter.h"
#include "pt-init-private.h"
#include "pt-server-transports-private.h"
#include "pt-temp-dir-private.h"

/**
 * SECTION:pt-ext-server-adapter
 * @title: PtExtServerAdapter
 * @short_description: Accept obfuscated clients through the Extended ORPort
 *
 * A #PtExtServerAdapter runs a PT in server mode, like #PtServerAdapter,
 * but instead of forwarding each client to a TCP address it hands the
 * client's connection to the application, together with what the PT knows
 * about the client: its address and the transport it came through. The
 * application may also refuse clients.
 *
 * It does this with the Extended ORPort protocol: the adapter listens on
 * #PtExtServerAdapter:ext-or-port-address, the PT connects there for each
 * client, proves with the SafeCookie scheme that it knows the secret of
 * #PtExtServerAdapter:auth-cookie-file, and describes the client. Then
 * #PtExtServerAdapter::preconnect lets the application decide, and an
 * accepted client arrives as #PtExtServerAdapter::client-connected with a
 * stream that carries the client's de-obfuscated bytes, from the first.
 *
 * |[<!-- language="C" -->
 * static void
 * on_client_connected (PtExtServerAdapter    *adapter,
 *                      GIOStream             *stream,
 *                      PtExtOrPortClientInfo *info,
 *                      gpointer               user_data)
 * {
 *   g_autofree char *address =
 *     g_inet_address_to_string (pt_ext_or_port_client_info_get_address (info));
 *
 *   g_print ("%s client from %s\n",
 *            pt_ext_or_port_client_info_get_transport (info), address);
 *   serve_client (g_object_ref (stream));  // keep a reference to use it
 * }
 *
 * ...
 * const char *argv[] = { "/usr/bin/obfs4proxy", NULL };
 * PtExtServerAdapter *adapter = pt_ext_server_adapter_new (argv, "/var/lib/myapp/pt-state");
 *
 * pt_ext_server_adapter_add_transport (adapter, "obfs4", NULL, NULL, &error);
 * g_signal_connect (adapter, "client-connected", G_CALLBACK (on_client_connected), NULL);
 * pt_adapter_start_async (PT_ADAPTER (adapter), NULL, on_started, NULL);
 * ]|
 *
 * Connections to the Extended ORPort that fail the authentication, break
 * the protocol or do not finish within #PtExtServerAdapter:handshake-timeout
 * are closed; they never reach the application (the reason is logged at
 * debug level). When the process runs out of file descriptors, the adapter
 * logs it once (with g_message()) and tries to accept again after growing
 * delays of up to a second, while the PT's connections wait in the listen
 * queue.
 */

/**
 * PtExtServerAdapter:
 *
 * Runs a server pluggable transport and hands its clients to the
 * application through the Extended ORPort.
 */
struct _PtExtServerAdapter
{
  PtAdapter           parent_instance;

  PtServerTransports *transports;
  GMainContext       *context;

  /* Settings, for the next start. */
  GInetSocketAddress *ext_or_port_address;
  char               *auth_cookie_file;
  guint               handshake_timeout_ms;

  /* While a PT runs: what it was given. */
  GSocketListener    *listener;
  PtAcceptLoop       *accept_loop;
  GInetSocketAddress *bound_address;
  char               *cookie_path;
  PtTempDir          *cookie_temp_dir;
  guint8              cookie[PT_EXT_OR_PORT_COOKIE_LENGTH];
  GHashTable         *handshakes;   /* set of PtExtOrPortHandshake */
};

G_DEFINE_FINAL_TYPE (PtExtServerAdapter, pt_ext_server_adapter, PT_TYPE_ADAPTER)

enum {
  PROP_0,
  PROP_EXT_OR_PORT_ADDRESS,
  PROP_AUTH_COOKIE_FILE,
  PROP_HANDSHAKE_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_PRECONNECT,
  SIGNAL_CLIENT_CONNECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define COOKIE_FILE_NAME "extended_orport_auth_cookie"

static GInetSocketAddress *
default_ext_or_port_address (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (loopback, 0));
}

static void
wipe_cookie (PtExtServerAdapter *self)
{
  volatile guint8 *byte = self->cookie;

  for (gsize i = 0; i < sizeof self->cookie; i++)
    byte[i] = 0;
}

/* Property values while running: they change when a run begins and ends. */

static void
set_bound_address (PtExtServerAdapter *self,
                   GInetSocketAddress *address)
{
  g_clear_object (&self->bound_address);
  self->bound_address = address != NULL ? g_object_ref (address) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXT_OR_PORT_ADDRESS]);
}

static void
set_cookie_path (PtExtServerAdapter *self,
                 char               *path)
{
  gboolean changed = g_strcmp0 (path != NULL ? path : self->auth_cookie_file,
                                pt_ext_server_adapter_get_auth_cookie_file (self)) != 0;

  g_free (self->cookie_path);
  self->cookie_path = path;
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTH_COOKIE_FILE]);
}

/* ExtORPort connections */

static gboolean
on_handshake_preconnect (gpointer            owner,
                         PtExtOrPortRequest *request)
{
  gboolean handled = FALSE;

  g_signal_emit (owner, signals[SIGNAL_PRECONNECT], 0, request, &handled);
  return handled;
}

static void
on_handshake_connected (gpointer               owner,
                        GIOStream             *stream,
                        PtExtOrPortClientInfo *info)
{
  g_signal_emit (owner, signals[SIGNAL_CLIENT_CONNECTED], 0, stream, info);
}

static void
on_handshake_finished (gpointer              owner,
                       PtExtOrPortHandshake *handshake)
{
  PtExtServerAdapter *self = owner;

  if (self->handshakes != NULL)
    g_hash_table_remove (self->handshakes, handshake);
}

static const PtExtOrPortHandshakeCallbacks handshake_callbacks = {
  .preconnect = on_handshake_preconnect,
  .connected = on_handshake_connected,
  .finished = on_handshake_finished,
};

static void
on_incoming (GSocketConnection *connection,
             gpointer           user_data)
{
  PtExtServerAdapter *self = user_data;
  g_autoptr(GError) error = NULL;
  PtExtOrPortHandshake *handshake;

  handshake = _pt_ext_or_port_handshake_new (self->context, connection, self->cookie,
                                             self->handshake_timeout_ms,
                                             &handshake_callbacks, self, &error);
  if (handshake == NULL)
    {
      g_debug ("Refusing an ExtORPort connection: %s", error->message);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return;
    }

  g_hash_table_add (self->handshakes, handshake);
  _pt_ext_or_port_handshake_start (handshake);
}

/* Running */

/* Writes @length bytes to @path the way a reader can never see a part of:
 * a new 0600 file beside it, written, flushed to disk and renamed over. */
static gboolean
write_file_atomically (const char    *path,
                       const guint8  *contents,
                       gsize          length,
                       GError       **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *template = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  gsize written = 0;
  int saved_errno = 0;
  int fd;

  fd = g_mkstemp_full (template, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved_errno = errno;
      goto failed;
    }

  while (written < length)
    {
      ssize_t n = write (fd, contents + written, length - written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          saved_errno = errno;
          break;
        }
      written += (gsize) n;
    }

  if (saved_errno == 0 && fsync (fd) != 0)
    saved_errno = errno;
  if (close (fd) != 0 && saved_errno == 0)
    saved_errno = errno;
  if (saved_errno == 0 && g_rename (template, path) != 0)
    saved_errno = errno;
  if (saved_errno == 0)
    return TRUE;

  g_unlink (template);

failed:
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               _("Could not write the ExtORPort cookie file “%s”: %s"),
               path, g_strerror (saved_errno));
  return FALSE;
}

/* A fresh cookie, in its file, before the PT is spawned (the PT reads the
 * file for each connection). */
static gboolean
create_cookie (PtExtServerAdapter  *self,
               GError             **error)
{
  guint8 contents[PT_EXT_OR_PORT_COOKIE_FILE_LENGTH];
  g_autofree char *path = NULL;
  gboolean written;

  if (!_pt_random_bytes (self->cookie, sizeof self->cookie, error))
    return FALSE;

  if (self->auth_cookie_file != NULL)
    {
      path = g_canonicalize_filename (self->auth_cookie_file, NULL);
    }
  else
    {
      self->cookie_temp_dir = _pt_temp_dir_new (error);
      if (self->cookie_temp_dir == NULL)
        {
          g_prefix_error (error, _("Could not create a directory for the ExtORPort cookie: "));
          return FALSE;
        }
      path = g_build_filename (_pt_temp_dir_get_path (self->cookie_temp_dir), COOKIE_FILE_NAME, NULL);
    }

  _pt_ext_or_port_format_cookie_file (self->cookie, contents);
  written = write_file_atomically (path, contents, sizeof contents, error);
  memset (contents, 0, sizeof contents);
  if (!written)
    return FALSE;

  set_cookie_path (self, g_steal_pointer (&path));
  return TRUE;
}

static gboolean
start_listening (PtExtServerAdapter  *self,
                 GError             **error)
{
  g_autoptr(GSocketAddress) effective = NULL;
  gboolean listening;

  self->listener = g_socket_listener_new ();
  /* GIO's default backlog of 10 overflows when the PT connects for many
   * clients at once (or others connect) while this context is busy; the
   * kernel then falls back to SYN cookies, and a connection whose cookie
   * meets a full queue is dropped on this side only: the PT waits on it
   * forever and its client is never served. The kernel caps this to
   * net.core.somaxconn. */
  g_socket_listener_set_backlog (self->listener, SOMAXCONN);

  /* Connections are accepted, and handled, on the context that is
   * thread-default when the loop starts. */
  g_main_context_push_thread_default (self->context);
  listening = g_socket_listener_add_address (self->listener,
                                             G_SOCKET_ADDRESS (self->ext_or_port_address),
                                             G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                             NULL, &effective, error);
  if (listening)
    self->accept_loop = _pt_accept_loop_start (self->listener, on_incoming, NULL, self);
  g_main_context_pop_thread_default (self->context);

  if (!listening)
    {
      g_autofree char *address = _pt_socket_address_to_string (self->ext_or_port_address);

      g_prefix_error (error, _("Could not listen on %s for the ExtORPort: "), address);
      return FALSE;
    }

  set_bound_address (self, G_INET_SOCKET_ADDRESS (effective));
  return TRUE;
}

static const char * const *
ext_server_get_transports (PtAdapter *adapter)
{
  return _pt_server_transports_get_names (PT_EXT_SERVER_ADAPTER (adapter)->transports);
}

static gboolean
ext_server_prepare (PtAdapter   *adapter,
                    GPtrArray   *environment,
                    GError     **error)
{
  PtExtServerAdapter *self = PT_EXT_SERVER_ADAPTER (adapter);
  g_autofree char *bound = NULL;

  if (!_pt_server_transports_prepare (self->transports, environment, error) ||
      !create_cookie (self, error) ||
      !start_listening (self, error))
    return FALSE;

  bound = _pt_socket_address_to_string (self->bound_address);
  _pt_environment_add (environment, "TOR_PT_EXTENDED_SERVER_PORT", bound);
  _pt_environment_add (environment, "TOR_PT_AUTH_COOKIE_FILE", self->cookie_path);

  return TRUE;
}

static GObject *
ext_server_create_transport (PtAdapter       *adapter,
                             const PtMessage *answer)
{
  return _pt_server_transports_create_transport (answer);
}

static void
close_handshakes (PtExtServerAdapter *self)
{
  g_autoptr(GHashTable) handshakes = g_steal_pointer (&self->handshakes);
  GHashTableIter iter;
  PtExtOrPortHandshake *handshake;

  self->handshakes = g_hash_table_new_full (NULL, NULL,
                                            (GDestroyNotify) _pt_ext_or_port_handshake_unref,
                                            NULL);

  g_hash_table_iter_init (&iter, handshakes);
  while (g_hash_table_iter_next (&iter, (gpointer *) &handshake, NULL))
    _pt_ext_or_port_handshake_close (handshake);
}

static void
ext_server_cleanup (PtAdapter *adapter)
{
  PtExtServerAdapter *self = PT_EXT_SERVER_ADAPTER (adapter);

  g_clear_pointer (&self->accept_loop, _pt_accept_loop_stop);
  if (self->listener != NULL)
    {
      g_socket_listener_close (self->listener);
      g_clear_object (&self->listener);
    }

  close_handshakes (self);

  /* A cookie file of the application's stays where it asked for it. */
  g_clear_pointer (&self->cookie_temp_dir, _pt_temp_dir_free);
  wipe_cookie (self);

  if (self->bound_address != NULL)
    set_bound_address (self, NULL);
  if (self->cookie_path != NULL)
    set_cookie_path (self, NULL);
}

static const PtAdapterOps ext_server_ops = {
  .role = PT_ROLE_SERVER,
  .get_transports = ext_server_get_transports,
  .get_proxy_requested = NULL,
  .prepare = ext_server_prepare,
  .create_transport = ext_server_create_transport,
  .cleanup = ext_server_cleanup,
};

/* API */

/**
 * pt_ext_server_adapter_new:
 * @pt_exec: (array zero-terminated=1) (element-type filename): the PT's
 *   program and its arguments
 * @state_location: (nullable) (type filename): the PT's state directory, or
 *   %NULL for a temporary one
 *
 * Creates an Extended ORPort server adapter. Add transports with
 * pt_ext_server_adapter_add_transport(), connect to
 * #PtExtServerAdapter::client-connected, then start it with
 * pt_adapter_start_async().
 *
 * Returns: (transfer full): a new #PtExtServerAdapter
 */
PtExtServerAdapter *
pt_ext_server_adapter_new (const char * const *pt_exec,
                           const char         *state_location)
{
  return g_object_new (PT_TYPE_EXT_SERVER_ADAPTER,
                       "pt-exec", pt_exec,
                       "state-location", state_location,
                       NULL);
}

/**
 * pt_ext_server_adapter_get_ext_or_port_address:
 * @self: a #PtExtServerAdapter
 *
 * Gets the address of the Extended ORPort: while a PT runs, the address
 * the adapter listens on (with the port the system chose, if it was 0);
 * otherwise the address set for the next start.
 *
 * Returns: (transfer none): the value of
 *   #PtExtServerAdapter:ext-or-port-address
 */
GInetSocketAddress *
pt_ext_server_adapter_get_ext_or_port_address (PtExtServerAdapter *self)
{
  g_return_val_if_fail (PT_IS_EXT_SERVER_ADAPTER (self), NULL);

  return self->bound_address != NULL ? self->bound_address : self->ext_or_port_address;
}

/**
 * pt_ext_server_adapter_set_ext_or_port_address:
 * @self: a #PtExtServerAdapter
 * @address: (nullable): an IP address and a port (0 for any free port), or
 *   %NULL for 127.0.0.1 and any free port
 *
 * Sets where the Extended ORPort listens from the next start on. Only the
 * PT needs to reach it: keep it on a loopback address.
 */
void
pt_ext_server_adapter_set_ext_or_port_address (PtExtServerAdapter *self,
                                               GInetSocketAddress *address)
{
  g_autoptr(GInetSocketAddress) new_address = NULL;

  g_return_if_fail (PT_IS_EXT_SERVER_ADAPTER (self));
  g_return_if_fail (address == NULL || G_IS_INET_SOCKET_ADDRESS (address));

  new_address = address != NULL ? g_object_ref (address) : default_ext_or_port_address ();
  if (self->ext_or_port_address == new_address)
    return;

  g_clear_object (&self->ext_or_port_address);
  self->ext_or_port_address = g_steal_pointer (&new_address);
  if (self->bound_address == NULL)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXT_OR_PORT_ADDRESS]);
}

/**
 * pt_ext_server_adapter_get_auth_cookie_file:
 * @self: a #PtExtServerAdapter
 *
 * Gets the path of the Extended ORPort's cookie file: while a PT runs, the
 * file it was given (also when it is a temporary one); otherwise the path
 * set for the next start, or %NULL for a temporary file.
 *
 * Returns: (nullable) (type filename): the value of
 *   #PtExtServerAdapter:auth-cookie-file
 */
const char *
pt_ext_server_adapter_get_auth_cookie_file (PtExtServerAdapter *self)
{
  g_return_val_if_fail (PT_IS_EXT_SERVER_ADAPTER (self), NULL);

  return self->cookie_path != NULL ? self->cookie_path : self->auth_cookie_file;
}

/**
 * pt_ext_server_adapter_set_auth_cookie_file:
 * @self: a #PtExtServerAdapter
 * @path: (nullable) (type filename): where to write the cookie file, or
 *   %NULL for a file in a private temporary directory
 *
 * Sets where the Extended ORPort's cookie file is written from the next
 * start on.
 */
void
pt_ext_server_adapter_set_auth_cookie_file (PtExtServerAdapter *self,
                                            const char         *path)
{
  g_return_if_fail (PT_IS_EXT_SERVER_ADAPTER (self));

  if (g_strcmp0 (self->auth_cookie_file, path) == 0)
    return;

  g_free (self->auth_cookie_file);
  self->auth_cookie_file = g_strdup (path);
  if (self->cookie_path == NULL)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTH_COOKIE_FILE]);
}

/**
 * pt_ext_server_adapter_get_handshake_timeout:
 * @self: a #PtExtServerAdapter
 *
 * Gets how long an Extended ORPort connection may take before it is
 * accepted or denied.
 *
 * Returns: the value of #PtExtServerAdapter:handshake-timeout, in
 *   milliseconds
 */
guint
pt_ext_server_adapter_get_handshake_timeout (PtExtServerAdapter *self)
{
  g_return_val_if_fail (PT_IS_EXT_SERVER_ADAPTER (self), 0);

  return self->handshake_timeout_ms;
}

/**
 * pt_ext_server_adapter_set_handshake_timeout:
 * @self: a #PtExtServerAdapter
 * @timeout_ms: the time allowed, in milliseconds (at least 1)
 *
 * Sets #PtExtServerAdapter:handshake-timeout. It applies to the
 * connections accepted afterwards.
 */
void
pt_ext_server_adapter_set_handshake_timeout (PtExtServerAdapter *self,
                                             guint               timeout_ms)
{
  g_return_if_fail (PT_IS_EXT_SERVER_ADAPTER (self));
  g_return_if_fail (timeout_ms > 0);

  if (self->handshake_timeout_ms == timeout_ms)
    return;

  self->handshake_timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HANDSHAKE_TIMEOUT]);
}

/**
 * pt_ext_server_adapter_add_transport:
 * @self: a #PtExtServerAdapter that is not running
 * @name: the transport's name, such as "obfs4"
 * @bind_address: (nullable): where the PT should accept the transport's
 *   clients (an IP address and a port, 0 for any free port), or %NULL for
 *   127.0.0.1 and any free port
 * @options: (nullable) (element-type utf8 utf8): the transport's server
 *   options (`TOR_PT_SERVER_TRANSPORT_OPTIONS`), or %NULL
 * @error: return location for a #GError
 *
 * Asks the PT to launch @name at its next start, listening on
 * @bind_address. The errors are those of
 * pt_server_adapter_add_transport().
 *
 * Returns: %TRUE if the transport was added, %FALSE with @error set
 */
gboolean
pt_ext_server_adapter_add_transport (PtExtServerAdapter  *self,
                                     const char          *name,
                                     GInetSocketAddress  *bind_address,
                                     GHashTable          *options,
                                     GError             **error)
{
  g_return_val_if_fail (PT_IS_EXT_SERVER_ADAPTER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (bind_address == NULL || G_IS_INET_SOCKET_ADDRESS (bind_address), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _pt_server_transports_add (self->transports, PT_ADAPTER (self), name,
                                    bind_address, options, error);
}

/**
 * pt_ext_server_adapter_get_transport:
 * @self: a #PtExtServerAdapter
 * @name: the transport's name, such as "obfs4"
 * @error: return location for a #GError
 *
 * Gets a transport that the running PT launched. The errors are those of
 * pt_server_adapter_get_transport(). May be called from any thread.
 *
 * Returns: (transfer full): the transport, or %NULL with @error set
 */
PtServerTransport *
pt_ext_server_adapter_get_transport (PtExtServerAdapter  *self,
                                     const char          *name,
                                     GError             **error)
{
  g_return_val_if_fail (PT_IS_EXT_SERVER_ADAPTER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return PT_SERVER_TRANSPORT (_pt_adapter_lookup_transport (PT_ADAPTER (self), name, error));
}

/* GObject */

static void
pt_ext_server_adapter_finalize (GObject *object)
{
  PtExtServerAdapter *self = PT_EXT_SERVER_ADAPTER (object);

  g_clear_pointer (&self->transports, _pt_server_transports_free);
  g_clear_pointer (&self->handshakes, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->ext_or_port_address);
  g_free (self->auth_cookie_file);

  G_OBJECT_CLASS (pt_ext_server_adapter_parent_class)->finalize (object);
}

static void
pt_ext_server_adapter_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  PtExtServerAdapter *self = PT_EXT_SERVER_ADAPTER (object);

  switch (prop_id)
    {
    case PROP_EXT_OR_PORT_ADDRESS:
      g_value_set_object (value, pt_ext_server_adapter_get_ext_or_port_address (self));
      break;
    case PROP_AUTH_COOKIE_FILE:
      g_value_set_string (value, pt_ext_server_adapter_get_auth_cookie_file (self));
      break;
    case PROP_HANDSHAKE_TIMEOUT:
      g_value_set_uint (value, self->handshake_timeout_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_ext_server_adapter_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  PtExtServerAdapter *self = PT_EXT_SERVER_ADAPTER (object);

  switch (prop_id)
    {
    case PROP_EXT_OR_PORT_ADDRESS:
      pt_ext_server_adapter_set_ext_or_port_address (self, g_value_get_object (value));
      break;
    case PROP_AUTH_COOKIE_FILE:
      pt_ext_server_adapter_set_auth_cookie_file (self, g_value_get_string (value));
      break;
    case PROP_HANDSHAKE_TIMEOUT:
      pt_ext_server_adapter_set_handshake_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_ext_server_adapter_class_init (PtExtServerAdapterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _pt_init ();

  object_class->finalize = pt_ext_server_adapter_finalize;
  object_class->get_property = pt_ext_server_adapter_get_property;
  object_class->set_property = pt_ext_server_adapter_set_property;

  /**
   * PtExtServerAdapter:ext-or-port-address:
   *
   * Where the Extended ORPort listens (`TOR_PT_EXTENDED_SERVER_PORT`): an
   * IP address and a port, 0 for any free port. The default is 127.0.0.1
   * and any free port. While a PT runs, this property holds the address
   * actually listened on; a new value set meanwhile applies to the next
   * start. A start fails with the #GIOErrorEnum of the failure if the
   * adapter cannot listen there.
   */
  properties[PROP_EXT_OR_PORT_ADDRESS] =
    g_param_spec_object ("ext-or-port-address", "ExtORPort address",
                         "Where the Extended ORPort listens",
                         G_TYPE_INET_SOCKET_ADDRESS,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PtExtServerAdapter:auth-cookie-file:
   *
   * Where the secret that the PT must prove it knows is written
   * (`TOR_PT_AUTH_COOKIE_FILE`): a 64-byte file of mode 0600, written anew
   * with a fresh secret at each start, before the PT is spawned. A relative
   * path is taken from the current directory; its directory should be
   * private to the user. The file is left in place when the PT exits.
   *
   * When %NULL, every start writes the file into a private temporary
   * directory (mode 0700) that is removed once the PT has exited; while the
   * PT runs, this property holds the file's path.
   */
  properties[PROP_AUTH_COOKIE_FILE] =
    g_param_spec_string ("auth-cookie-file", "Auth cookie file",
                         "The file that holds the Extended ORPort's authentication cookie",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PtExtServerAdapter:handshake-timeout:
   *
   * How long, in milliseconds, an Extended ORPort connection may take from
   * being accepted to the adapter's reply, including the time that a
   * #PtExtServerAdapter::preconnect handler takes to decide. A connection
   * that takes longer is closed, and a pending #PtExtOrPortRequest is
   * denied.
   */
  properties[PROP_HANDSHAKE_TIMEOUT] =
    g_param_spec_uint ("handshake-timeout", "Handshake timeout",
                       "Milliseconds an Extended ORPort connection may take before its reply",
                       1, G_MAXUINT, 10000,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PtExtServerAdapter::preconnect:
   * @self: the #PtExtServerAdapter
   * @request: the client waiting for a decision
   *
   * Emitted when the PT has authenticated and described a new client
   * (pt_ext_or_port_request_get_info()), before the adapter answers. A
   * handler that returns %TRUE takes charge of the decision: it calls
   * pt_ext_or_port_request_accept() or pt_ext_or_port_request_deny(), at
   * once or later while holding a reference to @request, within
   * #PtExtServerAdapter:handshake-timeout. A request dropped without a
   * decision is denied. When no handler returns %TRUE, the client is
   * accepted, unless a handler denied it.
   *
   * Returns: %TRUE if the handler takes charge of the decision
   */
  signals[SIGNAL_PRECONNECT] =
    g_signal_new ("preconnect", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 1, PT_TYPE_EXT_OR_PORT_REQUEST);

  /**
   * PtExtServerAdapter::client-connected:
   * @self: the #PtExtServerAdapter
   * @stream: the client's connection (a #GSocketConnection): it reads the
   *   client's de-obfuscated bytes from the first one on, and writes to the
   *   client
   * @info: what the PT told about the client
   *
   * Emitted for each accepted client, after the PT was told `OKAY`. The
   * adapter drops its reference to @stream when the emission is over: a
   * handler that wants to use the connection keeps a reference with
   * g_object_ref(); without one, the connection is closed.
   */
  signals[SIGNAL_CLIENT_CONNECTED] =
    g_signal_new ("client-connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_IO_STREAM, PT_TYPE_EXT_OR_PORT_CLIENT_INFO);
}

static void
pt_ext_server_adapter_init (PtExtServerAdapter *self)
{
  self->transports = _pt_server_transports_new ();
  self->context = g_main_context_ref_thread_default ();
  self->ext_or_port_address = default_ext_or_port_address ();
  self->handshakes = g_hash_table_new_full (NULL, NULL,
                                            (GDestroyNotify) _pt_ext_or_port_handshake_unref,
                                            NULL);
  _pt_adapter_set_ops (PT_ADAPTER (self), &ext_server_ops);
}
