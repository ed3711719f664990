/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ptadapter: one end of an obfuscated tunnel, run from an INI file (the
 * files of the Python ptadapter console tool), as a service.
 *
 *   ptadapter -C|-S|-E CONFIG [-v|-vv] [-t] [--restart] [--print-client-config]
 *
 * This file holds what every role shares: options, the PT's lifecycle
 * (start, restart with backoff, stop on SIGINT/SIGTERM), readiness
 * notification and the relayed connections. The roles are in
 * pt-tool-client.c and pt-tool-server.c. */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "pt-sd-notify.h"
#include "pt-tool.h"

#define EXIT_USAGE 2
#define RESTART_FIRST_DELAY_MS 500
#define RESTART_MAX_DELAY_MS 30000
/* A PT that ran this long before it died restarts after the first delay
 * again. */
#define RESTART_RESET_AFTER_US (60 * G_USEC_PER_SEC)

/* ---------------------------------------------------------------------- */
/* Helpers shared by the roles                                             */

char *
pt_tool_host_port_to_string (const char *host,
                             guint16     port)
{
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

char *
pt_tool_address_to_string (GSocketAddress *address)
{
  g_autofree char *ip = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("?");

  ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  return pt_tool_host_port_to_string (ip, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

GList *
pt_tool_resolve (const char  *host,
                 GError     **error)
{
  GInetAddress *literal = g_inet_address_new_from_string (host);
  g_autoptr(GResolver) resolver = NULL;

  if (literal != NULL)
    return g_list_prepend (NULL, literal);

  resolver = g_resolver_get_default ();
  return g_resolver_lookup_by_name (resolver, host, NULL, error);
}

/* ---------------------------------------------------------------------- */
/* Connections                                                             */

PtToolConnection *
pt_tool_connection_new (PtTool            *tool,
                        const char        *tunnel,
                        GSocketConnection *incoming,
                        char              *what)
{
  PtToolConnection *connection = g_new0 (PtToolConnection, 1);

  connection->tool = tool;
  connection->tunnel = tunnel;
  connection->id = ++tool->next_connection_id;
  connection->incoming = g_object_ref (incoming);
  g_hash_table_add (tool->connections, connection);

  if (what != NULL)
    pt_tool_info ("tunnel %s #%" G_GUINT64_FORMAT ": %s", tunnel, connection->id, what);
  g_free (what);

  return connection;
}

static void
connection_free (PtToolConnection *connection)
{
  g_hash_table_remove (connection->tool->connections, connection);
  g_clear_object (&connection->incoming);
  g_free (connection);
}

void
pt_tool_connection_fail (PtToolConnection *connection,
                         const char       *doing,
                         const GError     *error)
{
  if (connection->tool->stopping)
    pt_tool_debug ("tunnel %s #%" G_GUINT64_FORMAT ": %s: %s", connection->tunnel,
                   connection->id, doing, error->message);
  else
    pt_tool_warning ("tunnel %s #%" G_GUINT64_FORMAT ": %s: %s", connection->tunnel,
                     connection->id, doing, error->message);

  g_io_stream_close (G_IO_STREAM (connection->incoming), NULL, NULL);
  connection_free (connection);
}

static void
on_relay_done (const PtRelayStats *stats,
               const GError       *error,
               gpointer            user_data)
{
  PtToolConnection *connection = user_data;

  pt_tool_info ("tunnel %s #%" G_GUINT64_FORMAT ": closed after %.3f s, "
                "%" G_GUINT64_FORMAT " bytes up, %" G_GUINT64_FORMAT " bytes down%s%s",
                connection->tunnel, connection->id, stats->duration_us / 1e6,
                stats->a_to_b, stats->b_to_a,
                error != NULL ? ": " : "", error != NULL ? error->message : "");
  connection->relay = NULL;
  connection_free (connection);
}

void
pt_tool_connection_relay (PtToolConnection  *connection,
                          GSocketConnection *outgoing)
{
  if (connection->tool->stopping)
    {
      g_io_stream_close (G_IO_STREAM (outgoing), NULL, NULL);
      g_io_stream_close (G_IO_STREAM (connection->incoming), NULL, NULL);
      connection_free (connection);
      return;
    }

  connection->relay = pt_relay_start (connection->incoming, outgoing, on_relay_done, connection);
}

static void
close_connections (PtTool *tool)
{
  g_autoptr(GPtrArray) relays = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  /* Cancelling one removes it from the set: collect first. Connections
   * still connecting end when their connect fails. */
  g_hash_table_iter_init (&iter, tool->connections);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      PtToolConnection *connection = key;

      if (connection->relay != NULL)
        g_ptr_array_add (relays, connection->relay);
    }
  for (guint i = 0; i < relays->len; i++)
    pt_relay_cancel (g_ptr_array_index (relays, i));
}

/* ---------------------------------------------------------------------- */
/* The PT's lifecycle                                                      */

static void start_pt (PtTool *tool);

static char *
describe_wait_status (int status)
{
  if (WIFEXITED (status))
    return g_strdup_printf ("exited with status %d", WEXITSTATUS (status));
  if (WIFSIGNALED (status))
    return g_strdup_printf ("was killed by signal %d (%s)", WTERMSIG (status),
                            g_strsignal (WTERMSIG (status)));
  return g_strdup_printf ("ended with wait status %d", status);
}

static void
notify (const char *state)
{
  g_autoptr(GError) error = NULL;

  if (!pt_sd_notify (state, &error))
    pt_tool_warning ("%s", error->message);
}

static void
on_stopped (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  PtTool *tool = user_data;
  g_autoptr(GError) error = NULL;

  if (!pt_adapter_stop_finish (PT_ADAPTER (source), result, &error))
    pt_tool_warning ("could not stop the PT: %s", error->message);
  else
    pt_tool_debug ("the PT is stopped");

  g_main_loop_quit (tool->loop);
}

static void
shut_down (PtTool *tool,
           int     exit_status)
{
  if (tool->stopping)
    return;

  tool->stopping = TRUE;
  tool->exit_status = exit_status;
  notify ("STOPPING=1");

  g_clear_handle_id (&tool->restart_timer, g_source_remove);
  if (tool->config->role == PT_TOOL_ROLE_CLIENT)
    pt_tool_client_stop (tool);
  close_connections (tool);

  pt_adapter_stop_async (tool->adapter, NULL, on_stopped, tool);
}

static gboolean
on_signal (gpointer user_data)
{
  PtTool *tool = user_data;

  if (!tool->stopping)
    pt_tool_info ("stopping on a signal");
  shut_down (tool, EXIT_SUCCESS);
  return G_SOURCE_CONTINUE;
}

static void
print_client_config (PtTool *tool)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = pt_tool_server_client_config (tool, &error);

  if (text == NULL)
    {
      pt_tool_error ("could not write the client configuration: %s", error->message);
      return;
    }
  fputs (text, stdout);
  fflush (stdout);
}

static void
on_ready (PtTool *tool)
{
  gboolean first = !tool->ready;

  if (tool->config->role == PT_TOOL_ROLE_CLIENT)
    pt_tool_client_ready (tool);
  else
    pt_tool_server_ready (tool);

  tool->ready = TRUE;
  if (!first)
    return;

  pt_tool_info ("ready");
  notify ("READY=1");
  if (tool->print_client_config)
    print_client_config (tool);
}

static gboolean
on_restart_timer (gpointer user_data)
{
  PtTool *tool = user_data;

  tool->restart_timer = 0;
  tool->n_restarts++;
  pt_tool_info ("restarting the PT (restart %u)", tool->n_restarts);
  start_pt (tool);
  return G_SOURCE_REMOVE;
}

static void
schedule_restart (PtTool *tool)
{
  tool->restart_timer = g_timeout_add (tool->restart_delay_ms, on_restart_timer, tool);
  tool->restart_delay_ms = MIN (tool->restart_delay_ms * 2, RESTART_MAX_DELAY_MS);
}

static void
on_started (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  PtTool *tool = user_data;
  g_autoptr(GError) error = NULL;

  if (!pt_adapter_start_finish (PT_ADAPTER (source), result, &error))
    {
      if (tool->stopping)
        return;
      if (!tool->ready)
        {
          pt_tool_error ("could not start the PT: %s", error->message);
          shut_down (tool, EXIT_FAILURE);
          return;
        }
      pt_tool_warning ("could not restart the PT: %s; trying again in %.1f s",
                       error->message, tool->restart_delay_ms / 1000.0);
      schedule_restart (tool);
      return;
    }

  tool->pt_running = TRUE;
  tool->pt_started_at = g_get_monotonic_time ();
  g_free (tool->pt_pid);
  tool->pt_pid = g_strdup (pt_adapter_get_identifier (tool->adapter));
  pt_tool_info ("the PT is running (pid %s)", tool->pt_pid != NULL ? tool->pt_pid : "?");
  on_ready (tool);
}

static void
start_pt (PtTool *tool)
{
  pt_adapter_start_async (tool->adapter, NULL, on_started, tool);
}

static void
on_exited (PtAdapter *adapter,
           int        wait_status,
           gpointer   user_data)
{
  PtTool *tool = user_data;
  g_autofree char *how = describe_wait_status (wait_status);

  if (!tool->pt_running)
    return;   /* a failed start: on_started reports it */
  tool->pt_running = FALSE;

  if (tool->stopping)
    {
      pt_tool_debug ("the PT (pid %s) %s", tool->pt_pid, how);
      return;
    }

  if (!tool->restart)
    {
      pt_tool_error ("the PT (pid %s) %s", tool->pt_pid, how);
      shut_down (tool, EXIT_FAILURE);
      return;
    }

  if (g_get_monotonic_time () - tool->pt_started_at >= RESTART_RESET_AFTER_US)
    tool->restart_delay_ms = RESTART_FIRST_DELAY_MS;
  pt_tool_warning ("the PT (pid %s) %s; restarting it in %.1f s", tool->pt_pid, how,
                   tool->restart_delay_ms / 1000.0);
  schedule_restart (tool);
}

static void
on_pt_log (PtAdapter     *adapter,
           PtLogSeverity  severity,
           const char    *message,
           gpointer       user_data)
{
  PtToolLogLevel level;

  switch (severity)
    {
    case PT_LOG_SEVERITY_ERROR:
      level = PT_TOOL_LOG_ERROR;
      break;
    case PT_LOG_SEVERITY_WARNING:
      level = PT_TOOL_LOG_WARNING;
      break;
    case PT_LOG_SEVERITY_NOTICE:
    case PT_LOG_SEVERITY_INFO:
      level = PT_TOOL_LOG_INFO;
      break;
    case PT_LOG_SEVERITY_DEBUG:
    default:
      level = PT_TOOL_LOG_DEBUG;
      break;
    }
  pt_tool_log (level, "PT: %s", message);
}

/* ---------------------------------------------------------------------- */
/* Start-up                                                                */

static int verbosity;

static gboolean
on_verbose (const char  *option_name,
            const char  *value,
            gpointer     data,
            GError     **error)
{
  verbosity++;
  return TRUE;
}

static G_GNUC_PRINTF (1, 2) int
usage_error (const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("ptadapter: %s\n", message);
  return EXIT_USAGE;
}

/* Thousands of relayed connections need two descriptors each. */
static void
raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      rlim_t wanted = limit.rlim_max;

      limit.rlim_cur = wanted;
      if (setrlimit (RLIMIT_NOFILE, &limit) < 0)
        pt_tool_debug ("could not raise the open file limit: %s", g_strerror (errno));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *client_path = NULL;
  g_autofree char *server_path = NULL;
  g_autofree char *ext_server_path = NULL;
  g_auto(GStrv) remaining = NULL;
  gboolean no_time = FALSE;
  gboolean restart = FALSE;
  gboolean print_client_config_flag = FALSE;
  GOptionEntry entries[] = {
    { "client", 'C', 0, G_OPTION_ARG_FILENAME, &client_path,
      N_("Run the client end of the tunnels in CONFIG"), N_("CONFIG") },
    { "server", 'S', 0, G_OPTION_ARG_FILENAME, &server_path,
      N_("Run the server end: the PT forwards clients to the forward address"), N_("CONFIG") },
    { "ext-server", 'E', 0, G_OPTION_ARG_FILENAME, &ext_server_path,
      N_("Run the server end through the Extended ORPort, which tells each client’s address"),
      N_("CONFIG") },
    { "verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, on_verbose,
      N_("Log more: -v each connection, -vv everything"), NULL },
    { "log-no-time", 't', 0, G_OPTION_ARG_NONE, &no_time,
      N_("Log without time stamps (for a journal that adds its own)"), NULL },
    { "restart", 0, 0, G_OPTION_ARG_NONE, &restart,
      N_("Restart the PT when it exits, after growing delays"), NULL },
    { "print-client-config", 0, 0, G_OPTION_ARG_NONE, &print_client_config_flag,
      N_("With -S or -E: once the PT is up, print a client configuration for its transports"),
      NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &remaining, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtToolConfig) config = NULL;
  const char *relay_method;
  PtTool tool = { NULL };
  const char *path;
  PtToolRole role;
  gboolean set_up;
  guint sigint_id;
  guint sigterm_id;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("- one end of a pluggable transport tunnel"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Runs a Tor pluggable transport (such as obfs4proxy) and relays TCP connections through it,\n"
      "as configured in CONFIG, an INI file of the Python ptadapter tool. See ptadapter(1)."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error ("%s", error->message);

  if (remaining != NULL && remaining[0] != NULL)
    return usage_error (_("Unexpected argument “%s”"), remaining[0]);
  if ((client_path != NULL) + (server_path != NULL) + (ext_server_path != NULL) != 1)
    return usage_error (_("Give exactly one of -C, -S or -E with a configuration file (see --help)"));
  if (client_path != NULL)
    {
      path = client_path;
      role = PT_TOOL_ROLE_CLIENT;
    }
  else if (server_path != NULL)
    {
      path = server_path;
      role = PT_TOOL_ROLE_SERVER;
    }
  else
    {
      path = ext_server_path;
      role = PT_TOOL_ROLE_EXT_SERVER;
    }
  if (print_client_config_flag && role == PT_TOOL_ROLE_CLIENT)
    return usage_error (_("--print-client-config goes with -S or -E"));

  relay_method = g_getenv ("PTADAPTER_RELAY");
  if (relay_method != NULL && relay_method[0] != '\0')
    {
      PtRelayMethod method;

      if (!pt_relay_method_from_string (relay_method, &method))
        return usage_error (_("PTADAPTER_RELAY must be “copy”, “splice” or “default”, not “%s”"),
                            relay_method);
      pt_relay_set_method (method);
    }

  config = pt_tool_config_load (path, role, &error);
  if (config == NULL)
    return usage_error ("%s", error->message);

  pt_tool_log_init (verbosity >= 2 ? PT_TOOL_LOG_DEBUG :
                    verbosity == 1 ? PT_TOOL_LOG_INFO : PT_TOOL_LOG_WARNING,
                    !no_time);
  signal (SIGPIPE, SIG_IGN);
  raise_fd_limit ();

  tool.config = config;
  tool.restart = restart;
  tool.print_client_config = print_client_config_flag;
  tool.connections = g_hash_table_new (NULL, NULL);
  tool.restart_delay_ms = RESTART_FIRST_DELAY_MS;
  tool.loop = g_main_loop_new (NULL, FALSE);

  /* Before anything is logged: whoever waits for the first lines may
   * signal right after them, and the default action would kill the tool
   * without stopping the PT. */
  sigint_id = g_unix_signal_add (SIGINT, on_signal, &tool);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal, &tool);

  if (role == PT_TOOL_ROLE_CLIENT)
    set_up = pt_tool_client_setup (&tool, &error);
  else
    set_up = pt_tool_server_setup (&tool, &error);
  if (!set_up)
    {
      int status = error->domain == G_IO_ERROR ? EXIT_FAILURE : EXIT_USAGE;

      g_printerr ("ptadapter: %s\n", error->message);
      g_source_remove (sigint_id);
      g_source_remove (sigterm_id);
      g_clear_pointer (&tool.services, g_ptr_array_unref);
      g_clear_object (&tool.adapter);
      g_hash_table_unref (tool.connections);
      g_main_loop_unref (tool.loop);
      return status;
    }

  pt_tool_debug ("relaying with %s", pt_relay_method_to_string (pt_relay_get_method ()));
  g_signal_connect (tool.adapter, "log", G_CALLBACK (on_pt_log), &tool);
  g_signal_connect (tool.adapter, "exited", G_CALLBACK (on_exited), &tool);
  start_pt (&tool);
  g_main_loop_run (tool.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_clear_pointer (&tool.services, g_ptr_array_unref);
  g_clear_object (&tool.forward_client);
  g_clear_object (&tool.forward);
  g_clear_object (&tool.adapter);
  g_hash_table_unref (tool.connections);
  g_main_loop_unref (tool.loop);
  g_free (tool.pt_pid);

  return tool.exit_status;
}
