/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <ptadapter/ptadapter.h>

#include "pt-relay.h"
#include "pt-tool-config.h"
#include "pt-tool-log.h"

G_BEGIN_DECLS

/* The running tool: one PT adapter, the tunnels' listeners and relays. */
typedef struct _PtTool PtTool;

struct _PtTool
{
  PtToolConfig       *config;
  gboolean            restart;
  gboolean            print_client_config;

  PtAdapter          *adapter;
  GPtrArray          *services;       /* client: a listener per tunnel */
  GInetSocketAddress *forward;        /* server: the resolved forward address */
  GSocketClient      *forward_client; /* ext-server: connects to forward */
  GHashTable         *connections;    /* PtToolConnection* (set) */
  guint64             next_connection_id;

  /* The service (ptadapter-tool.c). */
  GMainLoop          *loop;
  int                 exit_status;
  gboolean            ready;          /* the PT came up once */
  gboolean            pt_running;
  gboolean            stopping;
  char               *pt_pid;
  gint64              pt_started_at;
  guint               restart_delay_ms;
  guint               restart_timer;
  guint               n_restarts;
};

/* One relayed connection: it logs its opening and closing. */
typedef struct _PtToolConnection PtToolConnection;

struct _PtToolConnection
{
  PtTool            *tool;
  const char        *tunnel;        /* the tunnel's section name */
  gconstpointer      data;          /* the role's, for its callbacks */
  guint64            id;
  GSocketConnection *incoming;
  PtRelay           *relay;         /* while relaying */
};

/* @tunnel is the name of the tunnel section (it must outlive the
 * connection); @incoming is the accepted side. Logs the opening at INFO
 * with @what (e.g. "connection from 127.0.0.1:4567"), which it frees. */
PtToolConnection *pt_tool_connection_new    (PtTool            *tool,
                                             const char        *tunnel,
                                             GSocketConnection *incoming,
                                             char              *what);
/* Relays between the accepted side and @outgoing until both are done. */
void              pt_tool_connection_relay  (PtToolConnection  *connection,
                                             GSocketConnection *outgoing);
/* Could not reach the other end: logs a WARNING with @error (prefixed with
 * @doing, e.g. "could not connect to 192.0.2.3:443 through obfs4"), closes
 * the accepted side, frees @connection. */
void              pt_tool_connection_fail   (PtToolConnection  *connection,
                                             const char        *doing,
                                             const GError      *error);

/* "host:port" of a socket address, IPv6 in brackets. */
char             *pt_tool_address_to_string (GSocketAddress   *address);
char             *pt_tool_host_port_to_string (const char      *host,
                                               guint16          port);
/* Resolves @host (an IP literal or a name) at startup. */
GList            *pt_tool_resolve           (const char        *host,
                                             GError           **error);

/* Roles. setup creates the adapter and binds what must be bound (nothing
 * is started; an error here is a usage error); ready runs each time the PT
 * has (re)started; stop closes listeners and connections. */
gboolean          pt_tool_client_setup      (PtTool            *tool,
                                             GError           **error);
void              pt_tool_client_ready      (PtTool            *tool);
void              pt_tool_client_stop       (PtTool            *tool);

gboolean          pt_tool_server_setup      (PtTool            *tool,
                                             GError           **error);
void              pt_tool_server_ready      (PtTool            *tool);

/* Writes the client configuration that reaches this server's transports. */
char             *pt_tool_server_client_config (PtTool         *tool,
                                                GError        **error);

G_END_DECLS
