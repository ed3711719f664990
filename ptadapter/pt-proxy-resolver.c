/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pt-proxy-resolver-private.h"

struct _PtProxyResolver
{
  GObject  parent_instance;
  char    *proxy_uri;
};

static void pt_proxy_resolver_iface_init (GProxyResolverInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PtProxyResolver, _pt_proxy_resolver, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_PROXY_RESOLVER,
                                                      pt_proxy_resolver_iface_init))

static void
_pt_proxy_resolver_finalize (GObject *object)
{
  PtProxyResolver *self = PT_PROXY_RESOLVER (object);

  g_free (self->proxy_uri);

  G_OBJECT_CLASS (_pt_proxy_resolver_parent_class)->finalize (object);
}

static void
_pt_proxy_resolver_class_init (PtProxyResolverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = _pt_proxy_resolver_finalize;
}

static void
_pt_proxy_resolver_init (PtProxyResolver *self)
{
}

static gboolean
pt_proxy_resolver_is_supported (GProxyResolver *resolver)
{
  return TRUE;
}

static char **
pt_proxy_resolver_lookup (GProxyResolver  *resolver,
                          const char      *uri,
                          GCancellable    *cancellable,
                          GError         **error)
{
  PtProxyResolver *self = PT_PROXY_RESOLVER (resolver);
  char **proxies;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  proxies = g_new0 (char *, 2);
  proxies[0] = g_strdup (self->proxy_uri);

  return proxies;
}

/* GProxyAddressEnumerator calls the async pair; without it, connecting
 * asynchronously crashes. */
static void
pt_proxy_resolver_lookup_async (GProxyResolver      *resolver,
                                const char          *uri,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  char **proxies;

  task = g_task_new (resolver, cancellable, callback, user_data);
  g_task_set_source_tag (task, pt_proxy_resolver_lookup_async);

  proxies = pt_proxy_resolver_lookup (resolver, uri, cancellable, &error);
  if (proxies == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, proxies, (GDestroyNotify) g_strfreev);
}

static char **
pt_proxy_resolver_lookup_finish (GProxyResolver  *resolver,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, resolver), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
pt_proxy_resolver_iface_init (GProxyResolverInterface *iface)
{
  iface->is_supported = pt_proxy_resolver_is_supported;
  iface->lookup = pt_proxy_resolver_lookup;
  iface->lookup_async = pt_proxy_resolver_lookup_async;
  iface->lookup_finish = pt_proxy_resolver_lookup_finish;
}

PtProxyResolver *
_pt_proxy_resolver_new (const char *proxy_uri)
{
  PtProxyResolver *self = g_object_new (PT_TYPE_PROXY_RESOLVER, NULL);

  self->proxy_uri = g_strdup (proxy_uri);

  return self;
}
