/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * A GProxyResolver that answers every lookup with exactly one proxy URI:
 * the PT's SOCKS listener, with the per-connection args in its userinfo.
 * Never "direct://" (that would bypass the PT) and never "socks://" (GIO
 * would fall back to SOCKS4 without the password).
 */
#define PT_TYPE_PROXY_RESOLVER (_pt_proxy_resolver_get_type ())
G_DECLARE_FINAL_TYPE (PtProxyResolver, _pt_proxy_resolver, PT, PROXY_RESOLVER, GObject)

PtProxyResolver *_pt_proxy_resolver_new (const char *proxy_uri);

G_END_DECLS
