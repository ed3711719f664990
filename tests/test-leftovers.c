/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs after every other test (meson priority, alone): no PT process and
 * no temporary file or directory may outlive the suite. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "test-util.h"

/* The PTs this suite started: their environment names this build's test
 * TMPDIR, so PTs of other builds or of the system do not count. */
static gboolean
started_by_this_suite (const char *pid,
                       const char *marker)
{
  g_autofree char *path = g_build_filename ("/proc", pid, "environ", NULL);
  g_autofree char *environ = NULL;
  gsize length;

  if (!g_file_get_contents (path, &environ, &length, NULL))
    return FALSE;

  for (gsize start = 0; start < length; start += strlen (environ + start) + 1)
    {
      if (strcmp (environ + start, marker) == 0)
        return TRUE;
    }

  return FALSE;
}

static GPtrArray *
find_processes (const char * const *names)
{
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *marker = g_strconcat ("PT_TEST_TMPDIR=", g_getenv ("PT_TEST_TMPDIR"), NULL);
  GDir *proc = g_dir_open ("/proc", 0, NULL);
  const char *entry;

  g_assert_nonnull (proc);
  while ((entry = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *comm_path = g_build_filename ("/proc", entry, "comm", NULL);
      g_autofree char *comm = NULL;

      if (!g_ascii_isdigit (entry[0]) || !g_file_get_contents (comm_path, &comm, NULL, NULL))
        continue;

      g_strstrip (comm);
      if (g_strv_contains (names, comm) && started_by_this_suite (entry, marker))
        g_ptr_array_add (found, g_strdup_printf ("%s (pid %s)", comm, entry));
    }
  g_dir_close (proc);

  return found;
}

static void
test_no_pt_process (void)
{
  const char *names[] = { "obfs4proxy", "fake-pt", NULL };
  g_autoptr(GPtrArray) found = find_processes (names);

  for (guint i = 0; i < found->len; i++)
    g_printerr ("left running: %s\n", (char *) g_ptr_array_index (found, i));
  g_assert_cmpuint (found->len, ==, 0);
}

/* Each test process has its own directory in PT_TEST_TMPDIR, removed at
 * exit when empty: nothing may be left in any. */
static void
collect_entries (const char *path,
                 guint       depth,
                 GPtrArray  *found)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (depth == 0 && g_file_test (child, G_FILE_TEST_IS_DIR))
        collect_entries (child, depth + 1, found);
      else
        g_ptr_array_add (found, g_steal_pointer (&child));
    }
  g_dir_close (dir);
}

static void
test_no_temp_files (void)
{
  const char *base = g_getenv ("PT_TEST_TMPDIR");
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

  g_assert_nonnull (base);
  collect_entries (base, 0, found);

  for (guint i = 0; i < found->len; i++)
    g_printerr ("left behind: %s\n", (char *) g_ptr_array_index (found, i));
  g_assert_cmpuint (found->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/leftovers/no-pt-process", test_no_pt_process);
  g_test_add_func ("/leftovers/no-temp-files", test_no_temp_files);

  return g_test_run ();
}
