/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The PtAdapter lifecycle, driven by the fake PT: every way a start can
 * fail, stopping, unexpected exits, and the signals. */
#include "config.h"

#include <signal.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "test-util.h"

typedef struct
{
  char      *env_path;
  char      *pid_path;
  GPtrArray *argv;
} Scenario;

/* fake-pt with env-file: and pid-file: first, then the given steps. */
static Scenario *
scenario_new (const char *first_step,
              ...)
{
  Scenario *scenario = g_new0 (Scenario, 1);
  const char *step = first_step;
  va_list ap;

  scenario->env_path = pt_test_temp_path ("env");
  scenario->pid_path = pt_test_temp_path ("pid");
  scenario->argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (scenario->argv, g_strdup (pt_test_fake_pt ()));
  g_ptr_array_add (scenario->argv, g_strconcat ("env-file:", scenario->env_path, NULL));
  g_ptr_array_add (scenario->argv, g_strconcat ("pid-file:", scenario->pid_path, NULL));

  va_start (ap, first_step);
  while (step != NULL)
    {
      g_ptr_array_add (scenario->argv, g_strdup (step));
      step = va_arg (ap, const char *);
    }
  va_end (ap);
  g_ptr_array_add (scenario->argv, NULL);

  return scenario;
}

static const char * const *
scenario_argv (Scenario *scenario)
{
  return (const char * const *) scenario->argv->pdata;
}

static PtClientAdapter *
scenario_client (Scenario   *scenario,
                 const char *proxy_uri)
{
  const char *transports[] = { "alpha", "beta", NULL };

  return pt_client_adapter_new (scenario_argv (scenario), NULL, transports, proxy_uri);
}

/* The PT process is gone, and so is the temp state dir it was given. */
static void
scenario_assert_cleaned_up (Scenario *scenario)
{
  g_autoptr(GHashTable) environment = pt_test_read_env_file (scenario->env_path);

  g_assert_nonnull (environment);
  g_assert_false (g_file_test (g_hash_table_lookup (environment, "TOR_PT_STATE_LOCATION"),
                               G_FILE_TEST_EXISTS));
  g_assert_false (pt_test_process_exists (pt_test_read_pid_file (scenario->pid_path)));
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
}

static void
scenario_free (Scenario *scenario)
{
  g_unlink (scenario->env_path);
  g_unlink (scenario->pid_path);
  g_free (scenario->env_path);
  g_free (scenario->pid_path);
  g_ptr_array_unref (scenario->argv);
  g_free (scenario);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Scenario, scenario_free)

typedef struct
{
  const char *name;
  const char *steps[6];
  const char *proxy_uri;
  GQuark      (*domain) (void);
  int         code;
  const char *in_message;    /* the error message must contain this */
} StartFailure;

static const StartFailure start_failures[] = {
  { "version-error", { "line:VERSION-ERROR no-version", "exit:1" }, NULL,
    pt_error_quark, PT_ERROR_VERSION, "no-version" },
  { "version-666", { "line:VERSION 666", "hang" }, NULL,
    pt_error_quark, PT_ERROR_VERSION, "666" },
  { "empty-version", { "line:VERSION", "hang" }, NULL,
    pt_error_quark, PT_ERROR_PROTOCOL, NULL },
  { "second-version", { "version", "version", "hang" }, NULL,
    pt_error_quark, PT_ERROR_PROTOCOL, "VERSION" },
  { "env-error", { "version", "line:ENV-ERROR no TOR_PT_STATE_LOCATION here", "exit:1" }, NULL,
    pt_error_quark, PT_ERROR_ENV, "no TOR_PT_STATE_LOCATION here" },
  { "cmethod-before-version", { "line:CMETHOD alpha socks5 127.0.0.1:9", "hang" }, NULL,
    pt_error_quark, PT_ERROR_PROTOCOL, "CMETHOD" },
  { "garbage-line", { "version", "line:CMETHOD alpha", "hang" }, NULL,
    pt_error_quark, PT_ERROR_PROTOCOL, NULL },
  { "bad-keyword", { "version", "line:CMETHOD! alpha socks5 127.0.0.1:9", "hang" }, NULL,
    pt_error_quark, PT_ERROR_PROTOCOL, NULL },
  { "unknown-proxy-type", { "version", "line:CMETHOD alpha socks6 127.0.0.1:9", "hang" }, NULL,
    pt_error_quark, PT_ERROR_PROTOCOL, NULL },
  { "bad-address", { "version", "line:CMETHOD alpha socks5 localhost:9", "hang" }, NULL,
    pt_error_quark, PT_ERROR_PROTOCOL, NULL },
  { "nul-in-line", { "version", "raw:434d4554484f4400616c7068610a", "hang" }, NULL,
    pt_error_quark, PT_ERROR_PROTOCOL, NULL },
  { "megabyte-line", { "version", "big-line:1048576", "hang" }, NULL,
    pt_error_quark, PT_ERROR_PROTOCOL, "65536" },
  { "server-message", { "version", "line:SMETHOD alpha 127.0.0.1:9", "hang" }, NULL,
    pt_error_quark, PT_ERROR_PROTOCOL, "SMETHOD" },
  { "duplicate-answer", { "version", "line:CMETHOD alpha socks5 127.0.0.1:9",
                          "line:CMETHOD alpha socks5 127.0.0.1:10", "hang" }, NULL,
    pt_error_quark, PT_ERROR_PROTOCOL, "alpha" },
  { "all-methods-failed", { "version", "line:CMETHOD-ERROR alpha no rocks available",
                            "line:CMETHOD-ERROR beta no cows", "line:CMETHODS DONE", "hang" }, NULL,
    pt_error_quark, PT_ERROR_METHOD, "no rocks available" },
  { "no-transport-supported", { "version", "line:CMETHODS DONE", "hang" }, NULL,
    pt_error_quark, PT_ERROR_UNKNOWN_TRANSPORT, NULL },
  { "exit-before-done", { "version", "exit:0" }, NULL,
    pt_error_quark, PT_ERROR_EXITED, "status 0" },
  { "exit-silently", { "exit:3" }, NULL,
    pt_error_quark, PT_ERROR_EXITED, "status 3" },
  { "crash", { "version", "crash" }, NULL,
    pt_error_quark, PT_ERROR_EXITED, "signal 11" },
  { "stdout-closed", { "version", "close-stdout", "hang" }, NULL,
    pt_error_quark, PT_ERROR_PROTOCOL, NULL },
  { "proxy-error", { "version", "line:PROXY-ERROR SOCKS 4 upstream proxies unsupported.", "exit:1" },
    "socks5://127.0.0.1:1080",
    pt_error_quark, PT_ERROR_PROXY, "SOCKS 4 upstream proxies unsupported." },
  { "proxy-not-confirmed", { "version", "cmethods", "hang" }, "socks5://127.0.0.1:1080",
    pt_error_quark, PT_ERROR_PROXY, NULL },
  { "proxy-done-without-proxy", { "version", "line:PROXY DONE", "cmethods", "hang" }, NULL,
    pt_error_quark, PT_ERROR_PROTOCOL, NULL },
};

static void
test_start_failure (gconstpointer data)
{
  const StartFailure *failure = data;
  g_autoptr(Scenario) scenario = NULL;
  g_autoptr(PtClientAdapter) adapter = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *s = failure->steps;

  scenario = scenario_new (s[0], s[1], s[2], s[3], s[4], s[5], NULL);
  adapter = scenario_client (scenario, failure->proxy_uri);
  /* Failures must not wait for the timeout. */
  pt_adapter_set_start_timeout (PT_ADAPTER (adapter), 50000);

  g_assert_false (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_error (error, failure->domain (), failure->code);
  if (failure->in_message != NULL)
    g_assert_nonnull (strstr (error->message, failure->in_message));
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (adapter)), ==, PT_ADAPTER_STATE_FAILED);
  g_assert_null (pt_adapter_get_state_location (PT_ADAPTER (adapter)));
  g_assert_null (pt_adapter_get_identifier (PT_ADAPTER (adapter)));

  scenario_assert_cleaned_up (scenario);
}

static void
test_start_timeout (void)
{
  g_autoptr(Scenario) scenario = scenario_new ("version", "hang", NULL);
  g_autoptr(PtClientAdapter) adapter = scenario_client (scenario, NULL);
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();

  pt_adapter_set_start_timeout (PT_ADAPTER (adapter), 1000);
  g_assert_false (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_TIMEOUT);
  /* Not before its time. */
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 1000 * 1000);
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (adapter)), ==, PT_ADAPTER_STATE_FAILED);

  scenario_assert_cleaned_up (scenario);
}

static void
test_spawn_failure (void)
{
  const char *argv[] = { "/nonexistent/ptadapter-test-pt", NULL };
  const char *transports[] = { "obfs4", NULL };
  g_autoptr(PtClientAdapter) adapter = pt_client_adapter_new (argv, NULL, transports, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, "/nonexistent/ptadapter-test-pt"));
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (adapter)), ==, PT_ADAPTER_STATE_FAILED);
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
}

typedef struct
{
  const char *name;
  const char *transports[3];
  const char *proxy_uri;
  const char *bind_v4;
  const char *bind_v6;
} BadSetting;

static const BadSetting bad_settings[] = {
  { "no-transport", { NULL }, NULL, NULL, NULL },
  { "bad-transport-name", { "obfs-4", NULL }, NULL, NULL, NULL },
  { "duplicate-transport", { "obfs4", "obfs4", NULL }, NULL, NULL, NULL },
  { "proxy-not-a-uri", { "obfs4", NULL }, "not a uri", NULL, NULL },
  { "proxy-bad-scheme", { "obfs4", NULL }, "socks://127.0.0.1:1080", NULL, NULL },
  { "proxy-host-name", { "obfs4", NULL }, "socks5://proxy.example:1080", NULL, NULL },
  { "proxy-no-port", { "obfs4", NULL }, "socks5://127.0.0.1", NULL, NULL },
  { "proxy-path", { "obfs4", NULL }, "http://127.0.0.1:8080/path", NULL, NULL },
  { "proxy-socks4a-password", { "obfs4", NULL }, "socks4a://user:pass@127.0.0.1:1080", NULL, NULL },
  { "bind-v4-not-ipv4", { "obfs4", NULL }, NULL, "::1", NULL },
  { "bind-v4-host-name", { "obfs4", NULL }, NULL, "localhost", NULL },
  { "bind-v6-not-ipv6", { "obfs4", NULL }, NULL, NULL, "127.0.0.1" },
};

/* Bad settings fail the start before anything is spawned. */
static void
test_bad_setting (gconstpointer data)
{
  const BadSetting *setting = data;
  g_autoptr(Scenario) scenario = scenario_new ("version", "cmethods", NULL);
  g_autoptr(PtClientAdapter) adapter = NULL;
  g_autoptr(GError) error = NULL;

  adapter = pt_client_adapter_new (scenario_argv (scenario), NULL,
                                   setting->transports, setting->proxy_uri);
  pt_adapter_set_outbound_bind_address_v4 (PT_ADAPTER (adapter), setting->bind_v4);
  pt_adapter_set_outbound_bind_address_v6 (PT_ADAPTER (adapter), setting->bind_v6);

  g_assert_false (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  g_assert_false (g_file_test (scenario->pid_path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
}

static void
on_state_notify (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  GArray *states = user_data;
  PtAdapterState state = pt_adapter_get_state (PT_ADAPTER (object));

  g_array_append_val (states, state);
}

static void
test_start_stop (void)
{
  g_autoptr(Scenario) scenario = scenario_new ("version", "cmethods", NULL);
  g_autoptr(PtClientAdapter) adapter = scenario_client (scenario, NULL);
  g_autoptr(GArray) states = g_array_new (FALSE, FALSE, sizeof (PtAdapterState));
  g_autoptr(PtClientTransport) transport = NULL;
  g_autoptr(GHashTable) environment = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *state_location = NULL;
  GStatBuf info;
  const PtAdapterState expected[] = {
    PT_ADAPTER_STATE_STARTING, PT_ADAPTER_STATE_RUNNING,
    PT_ADAPTER_STATE_STOPPING, PT_ADAPTER_STATE_STOPPED,
  };

  g_signal_connect (adapter, "notify::state", G_CALLBACK (on_state_notify), states);
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (adapter)), ==, PT_ADAPTER_STATE_NEW);
  g_assert_null (pt_adapter_get_state_location (PT_ADAPTER (adapter)));

  g_assert_true (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_no_error (error);

  /* A private temp dir, given to the PT, shown in the property. */
  state_location = g_strdup (pt_adapter_get_state_location (PT_ADAPTER (adapter)));
  g_assert_nonnull (state_location);
  g_assert_cmpint (g_stat (state_location, &info), ==, 0);
  g_assert_cmpint (info.st_mode & 0777, ==, 0700);
  environment = pt_test_read_env_file (scenario->env_path);
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_STATE_LOCATION"), ==, state_location);
  g_assert_cmpint (pt_test_read_pid_file (scenario->pid_path), ==,
                   atoi (pt_adapter_get_identifier (PT_ADAPTER (adapter))));

  transport = pt_client_adapter_get_transport (adapter, "beta", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pt_client_transport_get_name (transport), ==, "beta");
  g_assert_cmpstr (pt_client_transport_get_scheme (transport), ==, "socks5");
  g_assert_cmpuint (g_inet_socket_address_get_port (pt_client_transport_get_address (transport)), !=, 0);

  /* Starting twice is refused. */
  g_assert_false (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_STATE);
  g_clear_error (&error);

  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), &error));
  g_assert_no_error (error);
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (adapter)), ==, PT_ADAPTER_STATE_STOPPED);
  g_assert_false (g_file_test (state_location, G_FILE_TEST_EXISTS));
  g_assert_null (pt_adapter_get_state_location (PT_ADAPTER (adapter)));

  g_assert_cmpuint (states->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpint (g_array_index (states, PtAdapterState, i), ==, expected[i]);

  /* Idempotent once stopped. */
  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), &error));
  g_assert_no_error (error);

  g_clear_object (&transport);
  transport = pt_client_adapter_get_transport (adapter, "beta", &error);
  g_assert_null (transport);
  g_assert_error (error, PT_ERROR, PT_ERROR_EXITED);

  scenario_assert_cleaned_up (scenario);
}

static void
test_restart (void)
{
  g_autoptr(Scenario) scenario = scenario_new ("version", "cmethods", NULL);
  g_autoptr(PtClientAdapter) adapter = scenario_client (scenario, NULL);
  g_autoptr(GError) error = NULL;
  GPid first_pid;

  g_assert_true (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  first_pid = pt_test_read_pid_file (scenario->pid_path);
  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), &error));

  g_assert_true (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pt_test_read_pid_file (scenario->pid_path), !=, first_pid);
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (adapter)), ==, PT_ADAPTER_STATE_RUNNING);
  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), &error));
  g_assert_no_error (error);

  scenario_assert_cleaned_up (scenario);
}

static void
test_given_state_location (void)
{
  g_autoptr(Scenario) scenario = scenario_new ("version", "cmethods", NULL);
  const char *transports[] = { "alpha", NULL };
  g_autofree char *state_dir = pt_test_temp_path ("state");
  g_autoptr(PtClientAdapter) adapter = NULL;
  g_autoptr(GHashTable) environment = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (state_dir, 0700), ==, 0);
  adapter = pt_client_adapter_new (scenario_argv (scenario), state_dir, transports, NULL);

  g_assert_true (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (pt_adapter_get_state_location (PT_ADAPTER (adapter)), ==, state_dir);
  environment = pt_test_read_env_file (scenario->env_path);
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_STATE_LOCATION"), ==, state_dir);

  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), &error));
  /* Not ours: it stays. */
  g_assert_true (g_file_test (state_dir, G_FILE_TEST_IS_DIR));
  g_assert_cmpstr (pt_adapter_get_state_location (PT_ADAPTER (adapter)), ==, state_dir);
  g_assert_cmpint (g_rmdir (state_dir), ==, 0);
}

typedef struct
{
  const char *name;
  const char *steps[4];
  gboolean    exit_on_stdin_close;
  int         expected_signal;   /* 0: a clean exit */
} StopCase;

static const StopCase stop_cases[] = {
  { "stdin-close", { "version", "cmethods" }, TRUE, 0 },
  { "sigterm", { "version", "cmethods", "ignore-stdin" }, TRUE, SIGTERM },
  { "sigkill", { "ignore-sigterm", "version", "cmethods", "ignore-stdin" }, TRUE, SIGKILL },
  { "without-stdin-close", { "version", "cmethods" }, FALSE, SIGTERM },
};

static void
on_exited (PtAdapter *adapter,
           int        wait_status,
           gpointer   user_data)
{
  int *status_out = user_data;

  *status_out = wait_status;
}

static void
test_stop_sequence (gconstpointer data)
{
  const StopCase *stop_case = data;
  const char * const *s = stop_case->steps;
  g_autoptr(Scenario) scenario = scenario_new (s[0], s[1], s[2], s[3], NULL);
  const char *transports[] = { "alpha", NULL };
  g_autoptr(PtClientAdapter) adapter = NULL;
  g_autoptr(GHashTable) environment = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;

  adapter = g_object_new (PT_TYPE_CLIENT_ADAPTER,
                          "pt-exec", scenario_argv (scenario),
                          "transports", transports,
                          "exit-on-stdin-close", stop_case->exit_on_stdin_close,
                          "stop-timeout", 200,
                          NULL);
  g_signal_connect (adapter, "exited", G_CALLBACK (on_exited), &status);

  g_assert_true (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_no_error (error);
  environment = pt_test_read_env_file (scenario->env_path);
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_EXIT_ON_STDIN_CLOSE"), ==,
                   stop_case->exit_on_stdin_close ? "1" : "0");

  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), &error));
  g_assert_no_error (error);
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (adapter)), ==, PT_ADAPTER_STATE_STOPPED);

  if (stop_case->expected_signal == 0)
    {
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);
    }
  else
    {
      g_assert_true (WIFSIGNALED (status));
      g_assert_cmpint (WTERMSIG (status), ==, stop_case->expected_signal);
    }

  scenario_assert_cleaned_up (scenario);
}

typedef struct
{
  gboolean done;
  int      status;
  GError  *error;
} WaitResult;

static void
on_wait_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  WaitResult *wait = user_data;

  pt_adapter_wait_finish (PT_ADAPTER (source), result, &wait->status, &wait->error);
  wait->done = TRUE;
}

static void
test_unexpected_exit (void)
{
  g_autoptr(Scenario) scenario = scenario_new ("version", "cmethods", NULL);
  g_autoptr(PtClientAdapter) adapter = scenario_client (scenario, NULL);
  g_autoptr(PtClientTransport) transport = NULL;
  g_autoptr(GError) error = NULL;
  WaitResult wait = { FALSE, -1, NULL };
  WaitResult wait_after = { FALSE, -1, NULL };
  int status = -1;

  g_signal_connect (adapter, "exited", G_CALLBACK (on_exited), &status);
  g_assert_true (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  pt_adapter_wait_async (PT_ADAPTER (adapter), NULL, on_wait_done, &wait);

  g_assert_cmpint (kill (pt_test_read_pid_file (scenario->pid_path), SIGKILL), ==, 0);
  pt_test_run_until (&wait.done);

  g_assert_no_error (wait.error);
  g_assert_true (WIFSIGNALED (wait.status));
  g_assert_cmpint (WTERMSIG (wait.status), ==, SIGKILL);
  g_assert_cmpint (status, ==, wait.status);
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (adapter)), ==, PT_ADAPTER_STATE_FAILED);

  transport = pt_client_adapter_get_transport (adapter, "alpha", &error);
  g_assert_null (transport);
  g_assert_error (error, PT_ERROR, PT_ERROR_EXITED);

  /* Waiting after the exit gives the same status at once. */
  pt_adapter_wait_async (PT_ADAPTER (adapter), NULL, on_wait_done, &wait_after);
  pt_test_run_until (&wait_after.done);
  g_assert_no_error (wait_after.error);
  g_assert_cmpint (wait_after.status, ==, wait.status);

  scenario_assert_cleaned_up (scenario);
}

static void
test_wait_never_started (void)
{
  const char *argv[] = { "/bin/true", NULL };
  const char *transports[] = { "obfs4", NULL };
  g_autoptr(PtClientAdapter) adapter = pt_client_adapter_new (argv, NULL, transports, NULL);
  WaitResult wait = { FALSE, -1, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PtClientTransport) transport = NULL;

  pt_adapter_wait_async (PT_ADAPTER (adapter), NULL, on_wait_done, &wait);
  pt_test_run_until (&wait.done);
  g_assert_error (wait.error, PT_ERROR, PT_ERROR_INVALID_STATE);
  g_clear_error (&wait.error);

  transport = pt_client_adapter_get_transport (adapter, "obfs4", &error);
  g_assert_null (transport);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_STATE);

  /* Stopping a new adapter is a no-op. */
  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), NULL));
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (adapter)), ==, PT_ADAPTER_STATE_NEW);
}

static void
test_cancel_wait (void)
{
  g_autoptr(Scenario) scenario = scenario_new ("version", "cmethods", NULL);
  g_autoptr(PtClientAdapter) adapter = scenario_client (scenario, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  WaitResult wait = { FALSE, -1, NULL };

  g_assert_true (pt_test_start (PT_ADAPTER (adapter), NULL, NULL));
  pt_adapter_wait_async (PT_ADAPTER (adapter), cancellable, on_wait_done, &wait);
  g_cancellable_cancel (cancellable);
  pt_test_run_until (&wait.done);
  g_assert_error (wait.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&wait.error);
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (adapter)), ==, PT_ADAPTER_STATE_RUNNING);

  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), NULL));
  scenario_assert_cleaned_up (scenario);
}

static void
test_cancel_before_start (void)
{
  g_autoptr(Scenario) scenario = scenario_new ("version", "cmethods", NULL);
  g_autoptr(PtClientAdapter) adapter = scenario_client (scenario, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (pt_test_start (PT_ADAPTER (adapter), cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (scenario->pid_path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (pt_test_count_adapter_temp_dirs (), ==, 0);
}

typedef struct
{
  GCancellable *cancellable;
  PtAdapter    *adapter_to_stop;
  gboolean      stop_done;
} OnLogAction;

static void
on_stop_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  OnLogAction *action = user_data;

  g_assert_true (pt_adapter_stop_finish (PT_ADAPTER (source), result, NULL));
  action->stop_done = TRUE;
}

static void
on_log_act (PtAdapter     *adapter,
            PtLogSeverity  severity,
            const char    *message,
            gpointer       user_data)
{
  OnLogAction *action = user_data;

  if (g_strcmp0 (message, "now") != 0)
    return;
  if (action->cancellable != NULL)
    g_cancellable_cancel (action->cancellable);
  if (action->adapter_to_stop != NULL)
    pt_adapter_stop_async (action->adapter_to_stop, NULL, on_stop_done, action);
}

/* Cancelled while it waits for VERSION, and while it waits for DONE. */
static void
test_cancel_during_start (gconstpointer data)
{
  gboolean after_version = GPOINTER_TO_INT (data);
  g_autoptr(Scenario) scenario = NULL;
  g_autoptr(PtClientAdapter) adapter = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  OnLogAction action = { cancellable, NULL, FALSE };

  if (after_version)
    scenario = scenario_new ("version", "line:LOG SEVERITY=info MESSAGE=now", "hang", NULL);
  else
    scenario = scenario_new ("line:LOG SEVERITY=info MESSAGE=now", "hang", NULL);
  adapter = scenario_client (scenario, NULL);
  g_signal_connect (adapter, "log", G_CALLBACK (on_log_act), &action);

  g_assert_false (pt_test_start (PT_ADAPTER (adapter), cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (adapter)), ==, PT_ADAPTER_STATE_FAILED);

  scenario_assert_cleaned_up (scenario);
}

static void
test_stop_during_start (void)
{
  g_autoptr(Scenario) scenario = scenario_new ("version", "line:LOG SEVERITY=info MESSAGE=now", NULL);
  g_autoptr(PtClientAdapter) adapter = scenario_client (scenario, NULL);
  g_autoptr(GError) error = NULL;
  OnLogAction action = { NULL, PT_ADAPTER (adapter), FALSE };

  g_signal_connect (adapter, "log", G_CALLBACK (on_log_act), &action);

  g_assert_false (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  pt_test_run_until (&action.stop_done);
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (adapter)), ==, PT_ADAPTER_STATE_STOPPED);

  scenario_assert_cleaned_up (scenario);
}

typedef struct
{
  GPtrArray  *logs;        /* "severity:message" */
  GPtrArray  *statuses;    /* "transport|k=v,k=v" sorted */
} Recorded;

static void
on_log_record (PtAdapter     *adapter,
               PtLogSeverity  severity,
               const char    *message,
               gpointer       user_data)
{
  Recorded *recorded = user_data;

  g_ptr_array_add (recorded->logs, g_strdup_printf ("%d:%s", severity, message));
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
on_status_record (PtAdapter  *adapter,
                  const char *transport,
                  GHashTable *fields,
                  gpointer    user_data)
{
  Recorded *recorded = user_data;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  const char *key;
  const char *value;
  g_autofree char *joined = NULL;

  g_hash_table_iter_init (&iter, fields);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &value))
    g_ptr_array_add (items, g_strdup_printf ("%s=%s", key, value));
  g_ptr_array_sort (items, compare_strings);
  g_ptr_array_add (items, NULL);
  joined = g_strjoinv (",", (char **) items->pdata);

  g_ptr_array_add (recorded->statuses,
                   g_strdup_printf ("%s|%s", transport != NULL ? transport : "(none)", joined));
}

static void
test_log_and_status (gconstpointer data)
{
  gboolean awkward_output = GPOINTER_TO_INT (data);
  g_autoptr(Scenario) scenario = NULL;
  g_autoptr(PtClientAdapter) adapter = NULL;
  g_autoptr(GError) error = NULL;
  Recorded recorded = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free) };

#define LOG_LINE "line:LOG SEVERITY=warning MESSAGE=\"tab\\there \\\"quoted\\\" caf\\303\\251\""
#define STATUS_LINE "line:STATUS TRANSPORT=alpha CONNECT=Success ADDRESS=192.0.2.1:443"
#define STATUS_LINE_2 "line:STATUS PERCENT=42"
  /* The same session, also written one byte per write with CRLF line ends. */
  if (awkward_output)
    scenario = scenario_new ("bytewise", "crlf", "version", LOG_LINE, STATUS_LINE, STATUS_LINE_2,
                             "cmethods", NULL);
  else
    scenario = scenario_new ("version", LOG_LINE, STATUS_LINE, STATUS_LINE_2, "cmethods", NULL);

  adapter = scenario_client (scenario, NULL);
  g_signal_connect (adapter, "log", G_CALLBACK (on_log_record), &recorded);
  g_signal_connect (adapter, "transport-status", G_CALLBACK (on_status_record), &recorded);

  g_assert_true (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (recorded.logs->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (recorded.logs, 0), ==, "1:tab\there \"quoted\" café");
  g_assert_cmpuint (recorded.statuses->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (recorded.statuses, 0), ==,
                   "alpha|ADDRESS=192.0.2.1:443,CONNECT=Success");
  g_assert_cmpstr (g_ptr_array_index (recorded.statuses, 1), ==, "(none)|PERCENT=42");

  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), &error));
  g_ptr_array_unref (recorded.logs);
  g_ptr_array_unref (recorded.statuses);
  scenario_assert_cleaned_up (scenario);
}

/* After the startup, an overlong line or garbage is skipped and the lines
 * after it still arrive. */
static void
test_bad_lines_after_startup (void)
{
  g_autoptr(Scenario) scenario = NULL;
  g_autoptr(PtClientAdapter) adapter = NULL;
  g_autoptr(GError) error = NULL;
  Recorded recorded = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free) };

  scenario = scenario_new ("version", "cmethods", "big-line:1048576", "line:garbage!",
                           "line:LOG SEVERITY=debug MESSAGE=after", NULL);
  adapter = scenario_client (scenario, NULL);
  g_signal_connect (adapter, "log", G_CALLBACK (on_log_record), &recorded);

  g_assert_true (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_no_error (error);
  while (recorded.logs->len == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (g_ptr_array_index (recorded.logs, 0), ==, "4:after");
  g_assert_cmpint (pt_adapter_get_state (PT_ADAPTER (adapter)), ==, PT_ADAPTER_STATE_RUNNING);

  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), &error));
  g_ptr_array_unref (recorded.logs);
  g_ptr_array_unref (recorded.statuses);
  scenario_assert_cleaned_up (scenario);
}

static void
test_partial_answers (void)
{
  g_autoptr(Scenario) scenario = NULL;
  g_autoptr(PtClientAdapter) adapter = NULL;
  g_autoptr(PtClientTransport) transport = NULL;
  g_autoptr(GError) error = NULL;
  const char *transports[] = { "alpha", "beta", "gamma", NULL };

  scenario = scenario_new ("version",
                           "line:CMETHOD-ERROR beta no rocks available",
                           "line:CMETHOD alpha socks4 127.0.0.1:1234",
                           "line:CMETHOD delta socks5 127.0.0.1:1235",
                           "line:CMETHODS DONE", NULL);
  adapter = pt_client_adapter_new (scenario_argv (scenario), NULL, transports, NULL);
  g_assert_true (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_no_error (error);

  transport = pt_client_adapter_get_transport (adapter, "alpha", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pt_client_transport_get_scheme (transport), ==, "socks4");
  g_assert_cmpuint (g_inet_socket_address_get_port (pt_client_transport_get_address (transport)), ==, 1234);
  g_clear_object (&transport);

  transport = pt_client_adapter_get_transport (adapter, "beta", &error);
  g_assert_error (error, PT_ERROR, PT_ERROR_METHOD);
  g_assert_nonnull (strstr (error->message, "no rocks available"));
  g_clear_error (&error);

  transport = pt_client_adapter_get_transport (adapter, "gamma", &error);
  g_assert_error (error, PT_ERROR, PT_ERROR_UNKNOWN_TRANSPORT);
  g_clear_error (&error);

  /* Answered but never requested: ignored. */
  transport = pt_client_adapter_get_transport (adapter, "delta", &error);
  g_assert_error (error, PT_ERROR, PT_ERROR_UNKNOWN_TRANSPORT);
  g_clear_error (&error);

  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), NULL));
  scenario_assert_cleaned_up (scenario);
}

static void
test_proxy_confirmed (void)
{
  g_autoptr(Scenario) scenario = scenario_new ("version", "line:PROXY DONE", "cmethods", NULL);
  g_autoptr(PtClientAdapter) adapter = scenario_client (scenario, "socks5://user:secret@127.0.0.1:1080");
  g_autoptr(GHashTable) environment = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_no_error (error);
  environment = pt_test_read_env_file (scenario->env_path);
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_PROXY"), ==,
                   "socks5://user:secret@127.0.0.1:1080");
  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), NULL));
  scenario_assert_cleaned_up (scenario);
}

/* Dropping the last reference to a running adapter kills its PT. */
static void
test_unref_while_running (void)
{
  g_autoptr(Scenario) scenario = scenario_new ("version", "cmethods", "ignore-stdin", NULL);
  PtClientAdapter *adapter = scenario_client (scenario, NULL);
  g_autoptr(GHashTable) environment = NULL;
  GPid pid;

  g_assert_true (pt_test_start (PT_ADAPTER (adapter), NULL, NULL));
  pid = pt_test_read_pid_file (scenario->pid_path);
  g_object_unref (adapter);

  pt_test_wait_for_exit (pid);
  environment = pt_test_read_env_file (scenario->env_path);
  g_assert_false (g_file_test (g_hash_table_lookup (environment, "TOR_PT_STATE_LOCATION"),
                               G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  pt_test_init (&argc, &argv);

  for (guint i = 0; i < G_N_ELEMENTS (start_failures); i++)
    {
      g_autofree char *path = g_strdup_printf ("/lifecycle/start-fails/%s", start_failures[i].name);

      g_test_add_data_func (path, &start_failures[i], test_start_failure);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_settings); i++)
    {
      g_autofree char *path = g_strdup_printf ("/lifecycle/bad-setting/%s", bad_settings[i].name);

      g_test_add_data_func (path, &bad_settings[i], test_bad_setting);
    }
  for (guint i = 0; i < G_N_ELEMENTS (stop_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/lifecycle/stop/%s", stop_cases[i].name);

      g_test_add_data_func (path, &stop_cases[i], test_stop_sequence);
    }
  g_test_add_func ("/lifecycle/start-fails/timeout", test_start_timeout);
  g_test_add_func ("/lifecycle/start-fails/spawn", test_spawn_failure);
  g_test_add_func ("/lifecycle/start-stop", test_start_stop);
  g_test_add_func ("/lifecycle/restart", test_restart);
  g_test_add_func ("/lifecycle/given-state-location", test_given_state_location);
  g_test_add_func ("/lifecycle/unexpected-exit", test_unexpected_exit);
  g_test_add_func ("/lifecycle/wait-never-started", test_wait_never_started);
  g_test_add_func ("/lifecycle/cancel/wait", test_cancel_wait);
  g_test_add_func ("/lifecycle/cancel/before-spawn", test_cancel_before_start);
  g_test_add_data_func ("/lifecycle/cancel/waiting-for-version", GINT_TO_POINTER (FALSE),
                        test_cancel_during_start);
  g_test_add_data_func ("/lifecycle/cancel/waiting-for-done", GINT_TO_POINTER (TRUE),
                        test_cancel_during_start);
  g_test_add_func ("/lifecycle/stop-during-start", test_stop_during_start);
  g_test_add_data_func ("/lifecycle/log-and-status/plain", GINT_TO_POINTER (FALSE), test_log_and_status);
  g_test_add_data_func ("/lifecycle/log-and-status/bytewise-crlf", GINT_TO_POINTER (TRUE), test_log_and_status);
  g_test_add_func ("/lifecycle/bad-lines-after-startup", test_bad_lines_after_startup);
  g_test_add_func ("/lifecycle/partial-answers", test_partial_answers);
  g_test_add_func ("/lifecycle/proxy-confirmed", test_proxy_confirmed);
  g_test_add_func ("/lifecycle/unref-while-running", test_unref_while_running);

  return g_test_run ();
}
