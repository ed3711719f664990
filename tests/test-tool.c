/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ptadapter tool end to end: the real binary ($PT_TEST_TOOL), spawned
 * with configuration files written here, with obfs4proxy and with the fake
 * PT's plain SOCKS forwarder. Nothing waits by sleeping: the tests wait for
 * the tool's log lines (read from its stderr as they come), for sockets and
 * for process exits, each with a watchdog. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "test-util.h"

#define WATCHDOG_SECONDS 60
#define MIB (1024 * 1024)

/* The fixed obfs4 identity of examples/tunnel-server.ini, and the cert a
 * client needs for it. Secrets the tool must never log. */
#define NODE_ID "aff95b3f0b56f60b9acd677d3b19da2465b52e75"
#define PRIVATE_KEY "1976243e4bfc5337e07966c907bc5d079078b6fb60cce2c39a1ad1c71e964d4b"
#define PUBLIC_KEY "67fe2fe03ae3eb3d1799bc44ec5b6fb9ba04b348a0b4d1a2cdf7fb467a178234"
#define DRBG_SEED "2078c936650db954e2c0fed4f784651f898534b9702de6f2"
#define CERT "r/lbPwtW9guazWd9OxnaJGW1LnVn/i/gOuPrPReZvETsW2+5ugSzSKC00aLN9/tGeheCNA"

static const char *
tool_path (void)
{
  const char *path = g_getenv ("PT_TEST_TOOL");

  if (path == NULL)
    g_error ("PT_TEST_TOOL is not set; run the tests with meson test");
  return path;
}

/* ---------------------------------------------------------------------- */
/* Watchdog                                                                */

static gboolean
on_watchdog (gpointer user_data)
{
  g_error ("Waited more than %d seconds for %s", WATCHDOG_SECONDS, (const char *) user_data);
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until *@flag, or fails the test. */
static void
run_until (gboolean   *flag,
           const char *what)
{
  guint watchdog = g_timeout_add_seconds (WATCHDOG_SECONDS, on_watchdog, (gpointer) what);

  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
}

/* ---------------------------------------------------------------------- */
/* A running tool                                                          */

/* One of the tool's output pipes, read as it comes. */
typedef struct
{
  GInputStream *stream;
  GString      *data;       /* stdout: all of it; stderr: the unfinished line */
  GPtrArray    *lines;      /* stderr: the finished lines; stdout: NULL */
  const char   *name;
  gboolean      eof;
  char          buffer[4096];
} Output;

typedef struct
{
  char        *name;        /* for the test's own log */
  GSubprocess *process;
  Output       err;
  Output       out;
  GPtrArray   *lines;       /* its stderr, line by line */
  gboolean     exited;
} Tool;

static void output_read (Output *output);

static void
on_output_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Output *output = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  char *newline;

  if (n <= 0)
    {
      if (output->lines != NULL && output->data->len > 0)
        g_ptr_array_add (output->lines, g_strdup (output->data->str));
      output->eof = TRUE;
      return;
    }

  g_string_append_len (output->data, output->buffer, n);
  while (output->lines != NULL && (newline = strchr (output->data->str, '\n')) != NULL)
    {
      char *line = g_strndup (output->data->str, (gsize) (newline - output->data->str));

      g_printerr ("%s| %s\n", output->name, line);
      g_ptr_array_add (output->lines, line);
      g_string_erase (output->data, 0, newline - output->data->str + 1);
    }
  output_read (output);
}

static void
output_read (Output *output)
{
  g_input_stream_read_async (output->stream, output->buffer, sizeof output->buffer,
                             G_PRIORITY_DEFAULT, NULL, on_output_read, output);
}

static void
output_init (Output       *output,
             GInputStream *stream,
             GPtrArray    *lines,
             const char   *name)
{
  output->stream = stream;
  output->data = g_string_new (NULL);
  output->lines = lines;
  output->name = name;
  output_read (output);
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Tool *tool = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  tool->exited = TRUE;
}

static void
child_setup (gpointer user_data)
{
  /* If this test dies, the tool is told to stop (and stops its PT). */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Starts the tool with @args (NULL-terminated) and @env_extra
 * ("NAME=VALUE" strings, NULL-terminated, or NULL). */
static Tool *
tool_start_with_env (const char         *name,
                     const char * const *env_extra,
                     const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Tool *tool = g_new0 (Tool, 1);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  g_subprocess_launcher_unsetenv (launcher, "NOTIFY_SOCKET");
  for (guint i = 0; env_extra != NULL && env_extra[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (env_extra[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }

  g_ptr_array_add (argv, (gpointer) tool_path ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  tool->name = g_strdup (name);
  tool->lines = g_ptr_array_new_with_free_func (g_free);
  tool->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  output_init (&tool->err, g_subprocess_get_stderr_pipe (tool->process), tool->lines, tool->name);
  output_init (&tool->out, g_subprocess_get_stdout_pipe (tool->process), NULL, tool->name);
  g_subprocess_wait_async (tool->process, NULL, on_exited, tool);
  return tool;
}

#define tool_start(name, ...) \
  tool_start_with_env (name, NULL, (const char * const []) { __VA_ARGS__, NULL })

/* Waits for a stderr line that contains @needle (and, if @after is not
 * NULL, comes after the line @after); returns it. Fails if the tool
 * ends first. */
static const char *
tool_wait_line_after (Tool       *tool,
                      const char *needle,
                      const char *after)
{
  guint watchdog = g_timeout_add_seconds (WATCHDOG_SECONDS, on_watchdog, (gpointer) needle);
  guint start = 0;

  if (after != NULL)
    {
      g_assert_true (g_ptr_array_find (tool->lines, after, &start));
      start++;
    }

  for (;;)
    {
      for (guint i = start; i < tool->lines->len; i++)
        {
          const char *line = g_ptr_array_index (tool->lines, i);

          if (strstr (line, needle) != NULL)
            {
              g_source_remove (watchdog);
              return line;
            }
        }
      if (tool->err.eof)
        g_error ("%s ended without logging “%s”", tool->name, needle);
      g_main_context_iteration (NULL, TRUE);
    }
}

static const char *
tool_wait_line (Tool       *tool,
                const char *needle)
{
  return tool_wait_line_after (tool, needle, NULL);
}

static gboolean
tool_logged (Tool       *tool,
             const char *needle)
{
  for (guint i = 0; i < tool->lines->len; i++)
    {
      if (strstr (g_ptr_array_index (tool->lines, i), needle) != NULL)
        return TRUE;
    }
  return FALSE;
}

/* The number after @prefix in @line. */
static guint
number_after (const char *line,
              const char *prefix)
{
  const char *p = strstr (line, prefix);
  guint64 value;

  g_assert_nonnull (p);
  value = g_ascii_strtoull (p + strlen (prefix), NULL, 10);
  g_assert_cmpuint (value, >, 0);
  return (guint) value;
}

/* Waits for the tool to exit and its output to end; returns its wait
 * status. */
static int
tool_wait_exit (Tool *tool)
{
  run_until (&tool->exited, "the tool to exit");
  run_until (&tool->err.eof, "the end of the tool's stderr");
  run_until (&tool->out.eof, "the end of the tool's stdout");
  return g_subprocess_get_status (tool->process);
}

static GPid
tool_pid (Tool *tool)
{
  return (GPid) g_ascii_strtoll (g_subprocess_get_identifier (tool->process), NULL, 10);
}

/* SIGTERM, then the tool must exit 0. */
static void
tool_stop (Tool *tool)
{
  int status;

  g_subprocess_send_signal (tool->process, SIGTERM);
  status = tool_wait_exit (tool);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

static void
tool_free (Tool *tool)
{
  if (!tool->exited)
    {
      g_subprocess_force_exit (tool->process);
      tool_wait_exit (tool);
    }
  g_object_unref (tool->process);
  g_ptr_array_unref (tool->lines);
  g_string_free (tool->err.data, TRUE);
  g_string_free (tool->out.data, TRUE);
  g_free (tool->name);
  g_free (tool);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Tool, tool_free)

/* The PT's pid from "the PT is running (pid N)", checked against the
 * tool's children in /proc. */
static GPid
pt_pid (Tool       *tool,
        const char *line)
{
  GPid pid = (GPid) number_after (line, "(pid ");
  g_autofree char *task_dir = g_strdup_printf ("/proc/%d/task", (int) tool_pid (tool));
  g_autoptr(GDir) dir = g_dir_open (task_dir, 0, NULL);
  g_autofree char *wanted = g_strdup_printf ("%d", (int) pid);
  gboolean found = FALSE;
  const char *task;

  g_assert_nonnull (dir);
  while (!found && (task = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (task_dir, task, "children", NULL);
      g_autofree char *children = NULL;
      g_auto(GStrv) pids = NULL;

      if (!g_file_get_contents (path, &children, NULL, NULL))
        continue;
      pids = g_strsplit (g_strstrip (children), " ", -1);
      found = g_strv_contains ((const char * const *) pids, wanted);
    }
  g_assert_true (found);
  return pid;
}

/* ---------------------------------------------------------------------- */
/* Configuration files and data                                            */

/* A file in the test's TMPDIR, removed by config_remove(). */
static char *
config_write (const char *name,
              const char *text)
{
  char *path = pt_test_temp_path (name);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
config_remove (char *path)
{
  g_unlink (path);
  g_free (path);
}

typedef char ConfigPath;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfigPath, config_remove)

typedef struct
{
  guint16  port;
  gsize    size;
  guint32  seed;
  GError  *error;
} Roundtrip;

static gpointer
roundtrip_job (gpointer user_data)
{
  Roundtrip *job = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", job->port, NULL, &job->error);
  if (connection != NULL)
    pt_test_echo_roundtrip (G_IO_STREAM (connection), job->size, job->seed, &job->error);
  return NULL;
}

/* @size bytes to 127.0.0.1:@port and the same back (an echo service is
 * at the far end), while the main context reads the tools' logs. */
static void
assert_roundtrip (guint16 port,
                  gsize   size,
                  guint32 seed)
{
  Roundtrip job = { port, size, seed, NULL };

  pt_test_run_in_thread (roundtrip_job, &job);
  g_assert_no_error (job.error);
}

static char *
server_config (const char *exec,
               guint16     forward_port,
               gboolean    fixed_identity)
{
  return g_strdup_printf ("[server]\n"
                          "exec = %s\n"
                          "state =\n"
                          "forward = 127.0.0.1:%u\n"
                          "tunnels = server_obfs4\n"
                          "\n"
                          "[server_obfs4]\n"
                          "transport = obfs4\n"
                          "listen = 127.0.0.1:0\n"
                          "%s",
                          exec, forward_port,
                          fixed_identity ?
                            "options-node-id = " NODE_ID "\n"
                            "options-private-key = " PRIVATE_KEY "\n"
                            "options-public-key = " PUBLIC_KEY "\n"
                            "options-drbg-seed = " DRBG_SEED "\n"
                            "options-iat-mode = 0\n" : "");
}

/* A client of the fixed identity at 127.0.0.1:@upstream_port; @bridge
 * writes it as a bridge line. */
static char *
client_config (guint16  upstream_port,
               gboolean bridge)
{
  if (bridge)
    return g_strdup_printf ("[client]\n"
                            "exec = %s\n"
                            "tunnels = client_obfs4\n"
                            "\n"
                            "[client_obfs4]\n"
                            "listen = 127.0.0.1:0\n"
                            "bridge = obfs4 127.0.0.1:%u cert=" CERT " iat-mode=0\n",
                            pt_test_obfs4proxy (), upstream_port);

  return g_strdup_printf ("[client]\n"
                          "exec = %s\n"
                          "state =\n"
                          "tunnels = client_obfs4\n"
                          "\n"
                          "[client_obfs4]\n"
                          "transport = obfs4\n"
                          "listen = 127.0.0.1:0\n"
                          "upstream = 127.0.0.1:%u\n"
                          "options-cert = " CERT "\n"
                          "options-iat-mode = 0\n",
                          pt_test_obfs4proxy (), upstream_port);
}

/* A client end through the fake PT's plain SOCKS forwarder (@exec, or
 * fake-pt itself when NULL) to 127.0.0.1:@upstream_port. */
static char *
fake_client_config (const char *exec,
                    guint16     upstream_port)
{
  return g_strdup_printf ("[client]\n"
                          "exec = %s version cmethods\n"
                          "tunnels = plain\n"
                          "\n"
                          "[plain]\n"
                          "transport = plain\n"
                          "listen = 127.0.0.1:0\n"
                          "upstream = 127.0.0.1:%u\n"
                          "options-secret = do-not-log-me\n",
                          exec != NULL ? exec : pt_test_fake_pt (), upstream_port);
}

static guint16
server_port (Tool *server)
{
  return (guint16) number_after (tool_wait_line (server, "the PT listens for obfs4 on 127.0.0.1:"),
                                 "127.0.0.1:");
}

static guint16
client_port (Tool *client)
{
  return (guint16) number_after (tool_wait_line (client, "listening on 127.0.0.1:"),
                                 "listening on 127.0.0.1:");
}

static void
assert_no_secrets (Tool *tool)
{
  static const char * const secrets[] = {
    NODE_ID, PRIVATE_KEY, PUBLIC_KEY, DRBG_SEED, CERT, "do-not-log-me", NULL
  };

  for (guint i = 0; i < tool->lines->len; i++)
    {
      for (guint j = 0; secrets[j] != NULL; j++)
        {
          if (strstr (g_ptr_array_index (tool->lines, i), secrets[j]) != NULL)
            g_error ("%s logged a secret: %s", tool->name,
                     (const char *) g_ptr_array_index (tool->lines, i));
        }
    }
}

/* ---------------------------------------------------------------------- */
/* Usage and configuration errors                                          */

/* Runs the tool to its end; it must exit 2 with one line on stderr that
 * contains each of @needles. */
static void
assert_usage_error (const char * const *args,
                    const char * const *needles)
{
  g_autoptr(Tool) tool = tool_start_with_env ("tool", NULL, args);
  int status = tool_wait_exit (tool);

  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  g_assert_cmpuint (tool->lines->len, ==, 1);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (tool->lines, 0), "ptadapter: "));
  for (guint i = 0; needles[i] != NULL; i++)
    {
      if (strstr (g_ptr_array_index (tool->lines, 0), needles[i]) == NULL)
        g_error ("“%s” does not say “%s”", (const char *) g_ptr_array_index (tool->lines, 0),
                 needles[i]);
    }
  g_assert_cmpuint (tool->out.data->len, ==, 0);
}

#define ARGS(...) ((const char * const []) { __VA_ARGS__, NULL })

static void
test_usage (void)
{
  g_autoptr(ConfigPath) config = config_write ("usage.ini", "[client]\n");

  assert_usage_error ((const char * const []) { NULL }, ARGS ("-C, -S or -E"));
  assert_usage_error (ARGS ("-C", config, "-S", config), ARGS ("-C, -S or -E"));
  assert_usage_error (ARGS ("--bogus"), ARGS ("--bogus"));
  assert_usage_error (ARGS ("-C", config, "--print-client-config"), ARGS ("--print-client-config"));
  assert_usage_error (ARGS ("-C", config, "extra"), ARGS ("extra"));
  assert_usage_error (ARGS ("-C", "/nonexistent/tunnel.ini"), ARGS ("/nonexistent/tunnel.ini"));
}

typedef struct
{
  const char *flag;
  const char *text;          /* @EXEC@: the fake PT command, which writes a pid file */
  const char *needles[3];
} BadConfig;

static const BadConfig bad_configs[] = {
  /* A missing section. */
  { "-C", "[server]\nexec = @EXEC@\nforward = 127.0.0.1:1\ntunnels = t\n", { "[client]" } },
  { "-S", "[client]\nexec = @EXEC@\ntunnels = t\n", { "[server]" } },
  /* A missing key. */
  { "-C", "[client]\nexec = @EXEC@\n", { "[client]", "tunnels" } },
  { "-S", "[server]\nexec = @EXEC@\ntunnels = t\n[t]\ntransport = obfs4\nlisten = 127.0.0.1:0\n",
    { "[server]", "forward" } },
  { "-C", "[client]\nexec = @EXEC@\ntunnels = t\n[t]\ntransport = plain\nlisten = 127.0.0.1:0\n",
    { "[t]", "upstream" } },
  /* A bad host:port. */
  { "-C", "[client]\nexec = @EXEC@\ntunnels = t\n[t]\ntransport = plain\nlisten = 127.0.0.1\n"
          "upstream = 127.0.0.1:1\n", { "[t]", "listen" } },
  { "-E", "[server]\nexec = @EXEC@\nforward = 127.0.0.1:99999\ntunnels = t\n[t]\ntransport = obfs4\n"
          "listen = 127.0.0.1:0\n", { "[server]", "forward" } },
  /* A tunnel naming a missing section. */
  { "-C", "[client]\nexec = @EXEC@\ntunnels = nosuch\n", { "[client]", "tunnels", "nosuch" } },
  /* An exec that shell quoting cannot split. */
  { "-C", "[client]\nexec = @EXEC@ \"unterminated\ntunnels = t\n[t]\ntransport = plain\n"
          "listen = 127.0.0.1:0\nupstream = 127.0.0.1:1\n", { "[client]", "exec" } },
  /* Not INI at all. */
  { "-C", "exec = @EXEC@\n", { "bad.ini" } },
};

static void
test_bad_config (gconstpointer data)
{
  const BadConfig *bad = data;
  g_autofree char *pid_file = pt_test_temp_path ("bad-config.pid");
  g_autofree char *exec = g_strdup_printf ("%s pid-file:%s version cmethods", pt_test_fake_pt (), pid_file);
  g_autoptr(GString) text = g_string_new (bad->text);
  g_autoptr(ConfigPath) config = NULL;
  const char *needles[5] = { "bad.ini", NULL };

  g_string_replace (text, "@EXEC@", exec, 0);
  config = config_write ("bad.ini", text->str);
  for (guint i = 0; i < G_N_ELEMENTS (bad->needles) && bad->needles[i] != NULL; i++)
    needles[i + 1] = bad->needles[i];

  assert_usage_error (ARGS (bad->flag, config, "-v"), needles);
  /* Nothing was started. */
  g_assert_false (g_file_test (pid_file, G_FILE_TEST_EXISTS));
}

/* ---------------------------------------------------------------------- */
/* obfs4 end to end                                                        */

/* A server end (@server_flag: -S or -E) with the fixed obfs4 identity in
 * front of an echo service, and a client end that reaches it. */
typedef struct
{
  PtTestEchoServer *echo;
  ConfigPath       *server_path;
  ConfigPath       *client_path;
  Tool             *server;
  Tool             *client;
  guint16           port;          /* the client end's listener */
} Pair;

static void
pair_start (Pair       *pair,
            const char *server_flag,
            gboolean    bridge,
            const char *verbosity)
{
  g_autofree char *server_text = NULL;
  g_autofree char *client_text = NULL;

  pair->echo = pt_test_echo_server_new ();
  server_text = server_config (pt_test_obfs4proxy (), pt_test_echo_server_get_port (pair->echo), TRUE);
  pair->server_path = config_write ("server.ini", server_text);
  pair->server = tool_start ("server", server_flag, pair->server_path, verbosity);
  client_text = client_config (server_port (pair->server), bridge);
  pair->client_path = config_write ("client.ini", client_text);
  pair->client = tool_start ("client", "-C", pair->client_path, verbosity);
  pair->port = client_port (pair->client);
}

/* Both ends stop on SIGTERM with status 0. */
static void
pair_stop (Pair *pair)
{
  tool_stop (pair->client);
  tool_stop (pair->server);
  g_clear_pointer (&pair->client, tool_free);
  g_clear_pointer (&pair->server, tool_free);
  g_clear_pointer (&pair->client_path, config_remove);
  g_clear_pointer (&pair->server_path, config_remove);
  g_clear_pointer (&pair->echo, pt_test_echo_server_free);
}

/* -S and -C with obfs4proxy: 1 MiB each way, compared; one line for the
 * connection when it opens and one with its bytes when it closes; no
 * secret in any log line, even at -vv. */
static void
test_obfs4 (void)
{
  Pair pair = { NULL };
  const char *line;

  pair_start (&pair, "-S", FALSE, "-vv");
  tool_wait_line (pair.client, "the PT's socks5 proxy is at 127.0.0.1:");
  assert_roundtrip (pair.port, MIB, 1);

  tool_wait_line (pair.client, "tunnel client_obfs4 #1: connection from 127.0.0.1:");
  line = tool_wait_line (pair.client, "tunnel client_obfs4 #1: closed after ");
  g_assert_nonnull (strstr (line, " 1048576 bytes up, 1048576 bytes down"));
  g_assert_true (g_regex_match_simple ("^\\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\] INFO     tunnel ",
                                       line, 0, 0));

  assert_no_secrets (pair.client);
  assert_no_secrets (pair.server);
  pair_stop (&pair);
}

/* The same with the client's tunnel given as a bridge line. */
static void
test_bridge_line (void)
{
  Pair pair = { NULL };

  pair_start (&pair, "-S", TRUE, "-v");
  assert_roundtrip (pair.port, MIB, 2);
  pair_stop (&pair);
}

/* What --print-client-config prints, used as it is, is the client end. */
static void
test_print_client_config (void)
{
  g_autoptr(PtTestEchoServer) echo = pt_test_echo_server_new ();
  g_autofree char *server_text = server_config (pt_test_obfs4proxy (),
                                                pt_test_echo_server_get_port (echo), FALSE);
  g_autoptr(ConfigPath) server_path = config_write ("server.ini", server_text);
  g_autoptr(Tool) server = tool_start ("server", "-S", server_path, "--print-client-config");
  g_autoptr(ConfigPath) client_path = NULL;
  g_autoptr(Tool) client = NULL;
  guint watchdog;

  /* Complete once the bridge line's comment has its line end. */
  watchdog = g_timeout_add_seconds (WATCHDOG_SECONDS, on_watchdog, "the client configuration");
  while (strstr (server->out.data->str, "# bridge = ") == NULL ||
         !g_str_has_suffix (server->out.data->str, "\n"))
    {
      g_assert_false (server->out.eof);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (watchdog);
  g_printerr ("%s", server->out.data->str);

  g_assert_nonnull (strstr (server->out.data->str, "[client]\nexec = "));
  g_assert_nonnull (strstr (server->out.data->str, "\ntransport = obfs4\n"));
  g_assert_nonnull (strstr (server->out.data->str, "\nlisten = 127.0.0.1:0\n"));
  g_assert_nonnull (strstr (server->out.data->str, "\nupstream = 127.0.0.1:"));
  g_assert_nonnull (strstr (server->out.data->str, "\noptions-cert = "));
  g_assert_nonnull (strstr (server->out.data->str, "\noptions-iat-mode = 0\n"));
  g_assert_nonnull (strstr (server->out.data->str, "\n# bridge = obfs4 127.0.0.1:"));

  client_path = config_write ("printed.ini", server->out.data->str);
  client = tool_start ("client", "-C", client_path, "-v");
  assert_roundtrip (client_port (client), MIB, 3);

  /* It goes on running after printing. */
  tool_stop (client);
  tool_stop (server);
}

/* -E: the client's address and transport at INFO, then the relay. */
static void
test_ext_server (void)
{
  Pair pair = { NULL };
  const char *line;

  pair_start (&pair, "-E", FALSE, "-v");
  assert_roundtrip (pair.port, MIB, 4);

  tool_wait_line (pair.server, "tunnel server_obfs4 #1: obfs4 client from 127.0.0.1:");
  line = tool_wait_line (pair.server, "tunnel server_obfs4 #1: closed after ");
  g_assert_nonnull (strstr (line, " 1048576 bytes up, 1048576 bytes down"));

  assert_no_secrets (pair.server);
  pair_stop (&pair);
}

/* ---------------------------------------------------------------------- */
/* Half-close through the relay (fake PT)                                  */

typedef struct
{
  GSocketListener *listener;
  gsize            request_size;
  gsize            reply_size;
  gsize            got;
  GError          *error;
} AnswerServer;

/* Accepts one connection, reads it to end of file, then answers. */
static gpointer
answer_after_eof (gpointer user_data)
{
  AnswerServer *server = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autofree guint8 *reply = g_malloc (server->reply_size);
  guint8 buffer[16384];
  gssize n;

  connection = g_socket_listener_accept (server->listener, NULL, NULL, &server->error);
  if (connection == NULL)
    return NULL;
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                   buffer, sizeof buffer, NULL, &server->error)) > 0)
    server->got += (gsize) n;
  if (n < 0)
    return NULL;

  memset (reply, 'r', server->reply_size);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             reply, server->reply_size, NULL, NULL, &server->error);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return NULL;
}

typedef struct
{
  guint16  port;
  gsize    request_size;
  gsize    reply_got;
  GError  *error;
} HalfCloseClient;

/* Sends the request, shuts down its write side, reads the reply. */
static gpointer
half_close_client (gpointer user_data)
{
  HalfCloseClient *job = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autofree guint8 *request = g_malloc0 (job->request_size);
  guint8 buffer[16384];
  gssize n;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", job->port, NULL, &job->error);
  if (connection == NULL)
    return NULL;
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                  request, job->request_size, NULL, NULL, &job->error) ||
      !g_socket_shutdown (g_socket_connection_get_socket (connection), FALSE, TRUE, &job->error))
    return NULL;
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                   buffer, sizeof buffer, NULL, &job->error)) > 0)
    job->reply_got += (gsize) n;
  return NULL;
}

static void
test_half_close (void)
{
  AnswerServer answer = { g_socket_listener_new (), 0, 300 * 1000, 0, NULL };
  HalfCloseClient job = { 0, 200 * 1000, 0, NULL };
  g_autoptr(ConfigPath) config = NULL;
  g_autoptr(Tool) tool = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  guint16 answer_port;
  GThread *thread;
  const char *line;

  answer_port = g_socket_listener_add_any_inet_port (answer.listener, NULL, NULL);
  g_assert_cmpuint (answer_port, !=, 0);
  thread = g_thread_new ("answer", answer_after_eof, &answer);

  text = fake_client_config (NULL, answer_port);
  config = config_write ("half-close.ini", text);
  tool = tool_start ("client", "-C", config, "-v", "-t");
  job.port = client_port (tool);

  pt_test_run_in_thread (half_close_client, &job);
  g_thread_join (thread);

  g_assert_no_error (job.error);
  g_assert_no_error (answer.error);
  g_assert_cmpuint (answer.got, ==, job.request_size);
  g_assert_cmpuint (job.reply_got, ==, answer.reply_size);

  expected = g_strdup_printf (" %" G_GSIZE_FORMAT " bytes up, %" G_GSIZE_FORMAT " bytes down",
                              job.request_size, answer.reply_size);
  line = tool_wait_line (tool, "tunnel plain #1: closed after ");
  g_assert_nonnull (strstr (line, expected));
  /* -t: no time stamps. */
  g_assert_true (g_str_has_prefix (line, "INFO     tunnel plain #1: "));

  tool_stop (tool);
  assert_no_secrets (tool);
  g_object_unref (answer.listener);
}

/* ---------------------------------------------------------------------- */
/* Service behaviour                                                       */

/* SIGTERM: exit 0, and the obfs4proxy it ran is gone. */
static void
test_sigterm (void)
{
  g_autofree char *text = client_config (9, FALSE);
  g_autoptr(ConfigPath) config = config_write ("client.ini", text);
  g_autoptr(Tool) tool = tool_start ("client", "-C", config, "-v");
  GPid pid;

  pid = pt_pid (tool, tool_wait_line (tool, "the PT is running (pid "));
  client_port (tool);
  g_assert_true (pt_test_process_exists (pid));

  tool_stop (tool);
  g_assert_true (tool_logged (tool, "stopping on a signal"));
  /* The tool waited for its PT: it is gone, not even a zombie. */
  g_assert_false (pt_test_process_exists (pid));
}

/* A client whose PT never finishes starting: it says VERSION, then waits
 * for stdin to close. */
static char *
never_ready_config (guint16 listen_port)
{
  return g_strdup_printf ("[client]\n"
                          "exec = %s version wait-stdin\n"
                          "tunnels = t\n"
                          "[t]\n"
                          "transport = plain\n"
                          "listen = 127.0.0.1:%u\n"
                          "upstream = 127.0.0.1:1\n",
                          pt_test_fake_pt (), listen_port);
}

/* SIGTERM as soon as the tool has logged anything, with the PT still
 * starting (it never says DONE): the tool stops it and exits 0 rather than
 * dying of the signal's default action. */
static void
test_sigterm_while_starting (void)
{
  g_autofree char *text = never_ready_config (0);
  g_autoptr(ConfigPath) config = config_write ("starting.ini", text);
  g_autoptr(Tool) tool = tool_start ("client", "-C", config, "-vv");

  tool_wait_line (tool, "relaying with ");
  tool_stop (tool);
  g_assert_true (tool_logged (tool, "stopping on a signal"));
  g_assert_false (tool_logged (tool, "could not start the PT"));
}

/* The PT dies and there is no --restart: how it ended is logged and the
 * tool exits 1. */
static void
test_pt_dies (void)
{
  g_autoptr(PtTestEchoServer) echo = pt_test_echo_server_new ();
  g_autofree char *text = fake_client_config (NULL, pt_test_echo_server_get_port (echo));
  g_autoptr(ConfigPath) config = config_write ("client.ini", text);
  g_autoptr(Tool) tool = tool_start ("client", "-C", config, "-v");
  GPid pid = pt_pid (tool, tool_wait_line (tool, "the PT is running (pid "));
  int status;

  client_port (tool);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  status = tool_wait_exit (tool);

  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);
  g_assert_true (tool_logged (tool, "ERROR    the PT (pid "));
  g_assert_true (tool_logged (tool, ") was killed by signal 9"));
}

/* A PT that fails to start: exit 1 with the reason. */
static void
test_pt_start_fails (void)
{
  g_autofree char *text = g_strdup_printf ("[client]\n"
                                           "exec = %s version exit:3\n"
                                           "tunnels = t\n"
                                           "[t]\n"
                                           "transport = plain\n"
                                           "listen = 127.0.0.1:0\n"
                                           "upstream = 127.0.0.1:1\n",
                                           pt_test_fake_pt ());
  g_autoptr(ConfigPath) config = config_write ("client.ini", text);
  g_autoptr(Tool) tool = tool_start ("client", "-C", config);
  int status = tool_wait_exit (tool);

  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);
  g_assert_true (tool_logged (tool, "ERROR    could not start the PT: "));
}

/* A loopback port that was free a moment ago. */
static guint16
free_port (void)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t length = sizeof address;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &address, sizeof address), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &address, &length), ==, 0);
  close (fd);
  return ntohs (address.sin_port);
}

#define BURST 64

/* A burst of connections waits in the listen backlog, here while the PT
 * is still starting (the listener is bound, not yet accepting): with GIO's
 * default backlog of 10 the kernel drops the other SYNs, and those
 * connections would only come after retransmissions, a second or more
 * later. */
static void
test_backlog (void)
{
  guint16 port = free_port ();
  g_autofree char *text = never_ready_config (port);
  g_autoptr(ConfigPath) config = config_write ("backlog.ini", text);
  g_autoptr(Tool) tool = tool_start ("client", "-C", config, "-vv");
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (port),
                                 .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  struct pollfd fds[BURST];
  gint64 deadline;
  guint established = 0;

  /* Logged once the listeners are bound. */
  tool_wait_line (tool, "relaying with ");

  for (guint i = 0; i < BURST; i++)
    {
      fds[i].fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      fds[i].events = POLLOUT;
      g_assert_cmpint (fds[i].fd, >=, 0);
      if (connect (fds[i].fd, (struct sockaddr *) &address, sizeof address) < 0)
        g_assert_cmpint (errno, ==, EINPROGRESS);
    }

  /* The handshakes take microseconds when the backlog has room; a dropped
   * SYN is sent again after one second. */
  deadline = g_get_monotonic_time () + 900 * 1000;
  while (established < BURST && g_get_monotonic_time () < deadline)
    {
      int timeout_ms = (int) MAX (1, (deadline - g_get_monotonic_time ()) / 1000);

      g_assert_cmpint (poll (fds, BURST, timeout_ms), >=, 0);
      for (guint i = 0; i < BURST; i++)
        {
          int value = 0;
          socklen_t length = sizeof value;

          if (fds[i].fd < 0 || (fds[i].revents & (POLLOUT | POLLERR | POLLHUP)) == 0)
            continue;
          g_assert_cmpint (getsockopt (fds[i].fd, SOL_SOCKET, SO_ERROR, &value, &length), ==, 0);
          g_assert_cmpint (value, ==, 0);
          close (fds[i].fd);
          fds[i].fd = -1;   /* poll() skips it from now on */
          established++;
        }
    }

  for (guint i = 0; i < BURST; i++)
    {
      if (fds[i].fd >= 0)
        close (fds[i].fd);
    }
  g_assert_cmpuint (established, ==, BURST);
  tool_stop (tool);
}

/* Out of descriptors: accept(2) fails with EMFILE while the connection
 * waits in the backlog. The tool says so once per run of failures and tries
 * again after growing delays (GSocketService retries at once and logs each
 * time: a busy loop that wrote 100,000 lines a second), and serves again
 * once connections close. */
#define EMFILE_LIMIT    32
#define EMFILE_CLIENTS  40

static void
test_out_of_descriptors (void)
{
  g_autoptr(PtTestEchoServer) echo = pt_test_echo_server_new ();
  g_autofree char *text = fake_client_config (NULL, pt_test_echo_server_get_port (echo));
  g_autoptr(ConfigPath) config = config_write ("emfile.ini", text);
  g_autoptr(Tool) tool = NULL;
  struct sockaddr_in address = { .sin_family = AF_INET,
                                 .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  int clients[EMFILE_CLIENTS];
  struct rlimit limit = { EMFILE_LIMIT, EMFILE_LIMIT };
  guint warnings = 0;

  tool = tool_start ("client", "-C", config, "-v");
  address.sin_port = htons (client_port (tool));
  /* Set from here (and not in the child before exec, where valgrind would
   * keep it to itself), once the tool has raised its own soft limit. */
  g_assert_cmpint (prlimit (tool_pid (tool), RLIMIT_NOFILE, &limit, NULL), ==, 0);

  /* Each connection the tool relays takes two descriptors: these are more
   * than it has. They are held open, so the tool's ones stay open too. */
  for (guint i = 0; i < EMFILE_CLIENTS; i++)
    {
      clients[i] = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      g_assert_cmpint (clients[i], >=, 0);
      g_assert_cmpint (connect (clients[i], (struct sockaddr *) &address, sizeof address), ==, 0);
    }
  tool_wait_line (tool, "could not accept a connection: ");

  for (guint i = 0; i < EMFILE_CLIENTS; i++)
    close (clients[i]);
  assert_roundtrip (g_ntohs (address.sin_port), 64 * 1024, 7);

  for (guint i = 0; i < tool->lines->len; i++)
    {
      if (strstr (g_ptr_array_index (tool->lines, i), "could not accept a connection: ") != NULL)
        warnings++;
    }
  /* Once per run of failures, and a run ends with an accepted connection:
   * at most one more than the connections there were. */
  g_assert_cmpuint (warnings, >=, 1);
  g_assert_cmpuint (warnings, <=, EMFILE_CLIENTS + 2);
  g_assert_true (tool_logged (tool, "Too many open files"));
  tool_stop (tool);
}

/* Connects and reads: the connection must end without a byte. */
static gpointer
refused_job (gpointer user_data)
{
  Roundtrip *job = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  char byte;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", job->port, NULL, &job->error);
  if (connection != NULL &&
      g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                           &byte, 1, NULL, NULL) > 0)
    g_set_error_literal (&job->error, G_IO_ERROR, G_IO_ERROR_FAILED, "a byte came");
  return NULL;
}

/* --restart: the PT is killed; its restart fails once (its program is
 * gone), and connections accepted meanwhile are closed with a warning; then
 * it comes back and the same listener carries data again. */
static void
test_restart (void)
{
  g_autoptr(PtTestEchoServer) echo = pt_test_echo_server_new ();
  g_autofree char *program = pt_test_temp_path ("fake-pt");
  g_autofree char *text = fake_client_config (program, pt_test_echo_server_get_port (echo));
  g_autoptr(ConfigPath) config = config_write ("client.ini", text);
  g_autoptr(Tool) tool = NULL;
  Roundtrip refused = { 0 };
  const char *first_line;
  const char *failed_line;
  const char *line;
  GPid first;
  GPid second;
  guint16 port;

  g_assert_cmpint (symlink (pt_test_fake_pt (), program), ==, 0);
  tool = tool_start ("client", "-C", config, "-v", "--restart");
  first_line = tool_wait_line (tool, "the PT is running (pid ");
  first = pt_pid (tool, first_line);
  port = client_port (tool);
  assert_roundtrip (port, 64 * 1024, 5);

  g_assert_cmpint (g_unlink (program), ==, 0);
  g_assert_cmpint (kill (first, SIGKILL), ==, 0);
  line = tool_wait_line (tool, "was killed by signal 9");
  g_assert_nonnull (strstr (line, "WARNING"));
  g_assert_nonnull (strstr (line, "restarting it in 0.5 s"));
  tool_wait_line (tool, "restarting the PT (restart 1)");
  failed_line = tool_wait_line (tool, "could not restart the PT: ");
  g_assert_nonnull (strstr (failed_line, "trying again in 1.0 s"));

  /* The PT is down, the listener is not. */
  refused.port = port;
  pt_test_run_in_thread (refused_job, &refused);
  g_assert_no_error (refused.error);
  line = tool_wait_line (tool, "tunnel plain #2: could not connect to 127.0.0.1:");
  g_assert_nonnull (strstr (line, "WARNING"));

  g_assert_cmpint (symlink (pt_test_fake_pt (), program), ==, 0);
  tool_wait_line_after (tool, "restarting the PT (restart 2)", failed_line);
  second = pt_pid (tool, tool_wait_line_after (tool, "the PT is running (pid ", failed_line));
  g_assert_cmpint (second, !=, first);

  assert_roundtrip (port, 64 * 1024, 6);

  tool_stop (tool);
  g_assert_false (pt_test_process_exists (second));
  g_unlink (program);
}

/* sd_notify: READY=1 once listening, STOPPING=1 on SIGTERM; to a socket
 * path or an abstract name. */
static char *
receive_datagram (GSocket *socket)
{
  char buffer[256];
  gssize n;
  g_autoptr(GError) error = NULL;

  /* The tool runs on its own: blocking here is fine, with a deadline. */
  g_socket_set_timeout (socket, WATCHDOG_SECONDS);
  n = g_socket_receive (socket, buffer, sizeof buffer - 1, NULL, &error);
  g_assert_no_error (error);
  buffer[n] = '\0';
  return g_strdup (buffer);
}

static void
test_sd_notify (gconstpointer data)
{
  gboolean abstract = GPOINTER_TO_INT (data);
  g_autoptr(PtTestEchoServer) echo = pt_test_echo_server_new ();
  g_autofree char *text = fake_client_config (NULL, pt_test_echo_server_get_port (echo));
  g_autoptr(ConfigPath) config = config_write ("client.ini", text);
  g_autofree char *path = pt_test_temp_path ("notify.sock");
  g_autofree char *name = g_strdup_printf ("ptadapter-test-notify-%d", (int) getpid ());
  g_autofree char *variable = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Tool) tool = NULL;
  g_autofree char *ready = NULL;
  g_autofree char *stopping = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  if (abstract)
    address = g_unix_socket_address_new_with_type (name, -1, G_UNIX_SOCKET_ADDRESS_ABSTRACT);
  else
    address = g_unix_socket_address_new (path);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);

  variable = abstract ? g_strdup_printf ("NOTIFY_SOCKET=@%s", name)
                      : g_strdup_printf ("NOTIFY_SOCKET=%s", path);
  tool = tool_start_with_env ("client", (const char * const []) { variable, NULL },
                              ARGS ("-C", config, "-v", "-t"));

  ready = receive_datagram (socket);
  g_assert_cmpstr (ready, ==, "READY=1");
  /* By then the tunnel is open. */
  assert_roundtrip (client_port (tool), 4096, 7);

  g_subprocess_send_signal (tool->process, SIGTERM);
  stopping = receive_datagram (socket);
  g_assert_cmpstr (stopping, ==, "STOPPING=1");
  g_assert_cmpint (tool_wait_exit (tool), ==, 0);

  if (!abstract)
    g_unlink (path);
}

int
main (int   argc,
      char *argv[])
{
  pt_test_init (&argc, &argv);
  signal (SIGPIPE, SIG_IGN);

  g_test_add_func ("/tool/usage", test_usage);
  for (guint i = 0; i < G_N_ELEMENTS (bad_configs); i++)
    {
      g_autofree char *path = g_strdup_printf ("/tool/bad-config/%u", i);

      g_test_add_data_func (path, &bad_configs[i], test_bad_config);
    }
  g_test_add_func ("/tool/obfs4", test_obfs4);
  g_test_add_func ("/tool/bridge-line", test_bridge_line);
  g_test_add_func ("/tool/print-client-config", test_print_client_config);
  g_test_add_func ("/tool/ext-server", test_ext_server);
  g_test_add_func ("/tool/half-close", test_half_close);
  g_test_add_func ("/tool/sigterm", test_sigterm);
  g_test_add_func ("/tool/sigterm-while-starting", test_sigterm_while_starting);
  g_test_add_func ("/tool/pt-dies", test_pt_dies);
  g_test_add_func ("/tool/pt-start-fails", test_pt_start_fails);
  g_test_add_func ("/tool/backlog", test_backlog);
  g_test_add_func ("/tool/out-of-descriptors", test_out_of_descriptors);
  g_test_add_func ("/tool/restart", test_restart);
  g_test_add_data_func ("/tool/sd-notify/path", GINT_TO_POINTER (FALSE), test_sd_notify);
  g_test_add_data_func ("/tool/sd-notify/abstract", GINT_TO_POINTER (TRUE), test_sd_notify);

  return g_test_run ();
}
