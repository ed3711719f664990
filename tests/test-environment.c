/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a client PT finds in its environment, as the fake PT reports it. */
#include "config.h"

#include <glib/gstdio.h>

#include "test-util.h"

/* Starts a client adapter on the fake PT, returns the PT's environment. */
static GHashTable *
environment_of (PtClientAdapter *adapter,
                const char      *env_path)
{
  g_autoptr(GError) error = NULL;
  GHashTable *environment;

  g_assert_true (pt_test_start (PT_ADAPTER (adapter), NULL, &error));
  g_assert_no_error (error);
  environment = pt_test_read_env_file (env_path);
  g_assert_nonnull (environment);

  return environment;
}

static PtClientAdapter *
fake_client (const char *env_path,
             const char *state_location,
             const char *proxy_uri,
             const char *cmethods_step)
{
  g_autofree char *env_step = g_strconcat ("env-file:", env_path, NULL);
  const char *argv[] = { pt_test_fake_pt (), env_step, "version", cmethods_step, NULL };
  const char *transports[] = { "alpha", "beta", NULL };

  return pt_client_adapter_new (argv, state_location, transports, proxy_uri);
}

static guint
count_tor_pt_variables (GHashTable *environment)
{
  GHashTableIter iter;
  const char *name;
  guint count = 0;

  g_hash_table_iter_init (&iter, environment);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    {
      if (g_str_has_prefix (name, "TOR_PT_"))
        count++;
    }

  return count;
}

static void
test_required_variables (void)
{
  g_autofree char *env_path = pt_test_temp_path ("env");
  g_autoptr(PtClientAdapter) adapter = fake_client (env_path, NULL, NULL, "cmethods");
  g_autoptr(GHashTable) environment = NULL;
  const char *state_location;

  /* Inherited TOR_PT_* variables must not reach the PT: obfs4proxy refuses
   * to start with both client and server transports set. Others must. */
  g_setenv ("TOR_PT_SERVER_TRANSPORTS", "obfs4", TRUE);
  g_setenv ("TOR_PT_ORPORT", "127.0.0.1:9", TRUE);
  g_setenv ("TOR_PT_PROXY", "socks5://127.0.0.1:9", TRUE);
  g_setenv ("PT_TEST_MARKER", "kept", TRUE);

  environment = environment_of (adapter, env_path);

  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_MANAGED_TRANSPORT_VER"), ==, "1");
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_CLIENT_TRANSPORTS"), ==, "alpha,beta");
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_EXIT_ON_STDIN_CLOSE"), ==, "1");
  state_location = g_hash_table_lookup (environment, "TOR_PT_STATE_LOCATION");
  g_assert_nonnull (state_location);
  g_assert_true (g_path_is_absolute (state_location));
  g_assert_true (g_file_test (state_location, G_FILE_TEST_IS_DIR));
  g_assert_false (g_hash_table_contains (environment, "TOR_PT_SERVER_TRANSPORTS"));
  g_assert_false (g_hash_table_contains (environment, "TOR_PT_ORPORT"));
  g_assert_false (g_hash_table_contains (environment, "TOR_PT_PROXY"));
  g_assert_cmpuint (count_tor_pt_variables (environment), ==, 4);
  g_assert_cmpstr (g_hash_table_lookup (environment, "PT_TEST_MARKER"), ==, "kept");

  g_unsetenv ("TOR_PT_SERVER_TRANSPORTS");
  g_unsetenv ("TOR_PT_ORPORT");
  g_unsetenv ("TOR_PT_PROXY");
  g_unsetenv ("PT_TEST_MARKER");

  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), NULL));
  g_unlink (env_path);
}

typedef struct
{
  const char *name;
  const char *v4;
  const char *v6;
  const char *expected_v4;
  const char *expected_v6;
} BindCase;

static const BindCase bind_cases[] = {
  { "none", NULL, NULL, NULL, NULL },
  { "empty", "", "", NULL, NULL },
  { "v4", "203.0.113.4", NULL, "203.0.113.4", NULL },
  { "v6-bare", NULL, "2001:db8::4", NULL, "[2001:db8::4]" },
  { "v6-bracketed", NULL, "[2001:db8::4]", NULL, "[2001:db8::4]" },
  { "both", "192.0.2.7", "::1", "192.0.2.7", "[::1]" },
};

static void
test_outbound_bind_addresses (gconstpointer data)
{
  const BindCase *bind = data;
  g_autofree char *env_path = pt_test_temp_path ("env");
  g_autoptr(PtClientAdapter) adapter = fake_client (env_path, NULL, NULL, "cmethods");
  g_autoptr(GHashTable) environment = NULL;

  pt_adapter_set_outbound_bind_address_v4 (PT_ADAPTER (adapter), bind->v4);
  pt_adapter_set_outbound_bind_address_v6 (PT_ADAPTER (adapter), bind->v6);
  environment = environment_of (adapter, env_path);

  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_OUTBOUND_BIND_ADDRESS_V4"), ==, bind->expected_v4);
  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_OUTBOUND_BIND_ADDRESS_V6"), ==, bind->expected_v6);

  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), NULL));
  g_unlink (env_path);
}

static void
test_proxy (void)
{
  g_autofree char *env_path = pt_test_temp_path ("env");
  const char *proxy = "socks5://tor:test1234@198.51.100.1:8000";
  g_autofree char *env_step = g_strconcat ("env-file:", env_path, NULL);
  const char *argv[] = { pt_test_fake_pt (), env_step, "version", "line:PROXY DONE", "cmethods", NULL };
  const char *transports[] = { "alpha", NULL };
  g_autoptr(PtClientAdapter) adapter = pt_client_adapter_new (argv, NULL, transports, proxy);
  g_autoptr(GHashTable) environment = environment_of (adapter, env_path);

  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_PROXY"), ==, proxy);
  g_assert_cmpstr (pt_client_adapter_get_proxy_uri (adapter), ==, proxy);

  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), NULL));
  g_unlink (env_path);
}

/* A relative state location reaches the PT as an absolute path. */
static void
test_relative_state_location (void)
{
  g_autofree char *env_path = pt_test_temp_path ("env");
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *expected = NULL;
  g_autoptr(PtClientAdapter) adapter = NULL;
  g_autoptr(GHashTable) environment = NULL;

  g_assert_cmpint (g_chdir (g_get_tmp_dir ()), ==, 0);
  expected = g_build_filename (g_get_tmp_dir (), "relative-state", NULL);
  adapter = fake_client (env_path, "relative-state", NULL, "cmethods");
  environment = environment_of (adapter, env_path);

  g_assert_cmpstr (g_hash_table_lookup (environment, "TOR_PT_STATE_LOCATION"), ==, expected);
  g_assert_cmpstr (pt_adapter_get_state_location (PT_ADAPTER (adapter)), ==, expected);

  g_assert_true (pt_test_stop (PT_ADAPTER (adapter), NULL));
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  g_rmdir (expected);
  g_unlink (env_path);
}

int
main (int   argc,
      char *argv[])
{
  pt_test_init (&argc, &argv);

  g_test_add_func ("/environment/required-variables", test_required_variables);
  for (guint i = 0; i < G_N_ELEMENTS (bind_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/environment/outbound-bind/%s", bind_cases[i].name);

      g_test_add_data_func (path, &bind_cases[i], test_outbound_bind_addresses);
    }
  g_test_add_func ("/environment/proxy", test_proxy);
  g_test_add_func ("/environment/relative-state-location", test_relative_state_location);

  return g_test_run ();
}
