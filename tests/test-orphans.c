/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* No orphaned PTs (issue 6): when the application is SIGKILLed, its PT
 * exits within a second. orphan-host is the application; this test kills
 * it and waits on a pidfd of the PT.
 *
 * Two ways out, both armed by the library: obfs4proxy is told to exit when
 * its stdin closes (TOR_PT_EXIT_ON_STDIN_CLOSE=1), which the kernel does
 * when the host dies; and every PT gets a parent-death signal (SIGKILL,
 * PR_SET_PDEATHSIG in the child before exec). The fake PT of the second
 * case ignores stdin's end and SIGTERM, so only the latter can end it.
 *
 * This process makes itself a child subreaper, so that the orphaned PT
 * becomes its child and its wait status tells which way it went. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "pt-temp-dir-private.h"
#include "test-util.h"

#define EXIT_DEADLINE_MS 1000
#define N_RUNS           5

typedef struct
{
  GSubprocess *host;
  char        *tmpdir;
  GPid         pt_pid;
  char        *state_location;
} Host;

static void
host_start (Host       *host,
            const char *mode)
{
  g_autofree char *program = g_test_build_filename (G_TEST_BUILT, "orphan-host", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *line = NULL;
  g_auto(GStrv) fields = NULL;
  GError *error = NULL;

  memset (host, 0, sizeof *host);
  host->tmpdir = pt_test_temp_path ("host-tmp");
  g_assert_cmpint (g_mkdir (host->tmpdir, 0700), ==, 0);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "TMPDIR", host->tmpdir, TRUE);
  host->host = g_subprocess_launcher_spawn (launcher, &error, program, mode, NULL);
  g_assert_no_error (error);

  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (host->host));
  line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);

  fields = g_strsplit (line, " ", 2);
  g_assert_cmpuint (g_strv_length (fields), ==, 2);
  g_assert_true (g_str_has_prefix (fields[0], "pid="));
  g_assert_true (g_str_has_prefix (fields[1], "state="));
  host->pt_pid = (GPid) atoi (fields[0] + strlen ("pid="));
  host->state_location = g_strdup (fields[1] + strlen ("state="));
  g_assert_cmpint (host->pt_pid, >, 0);
  g_assert_true (g_str_has_prefix (host->state_location, host->tmpdir));
}

/* The host died without cleaning up: its PT's temp state dir is left, and
 * its lock went with the host, so the next process that makes a temp dir
 * there removes it. */
static void
host_clear (Host *host)
{
  g_assert_true (g_file_test (host->state_location, G_FILE_TEST_IS_DIR));
  g_assert_cmpuint (_pt_temp_dir_sweep (host->tmpdir), ==, 1);
  g_assert_false (g_file_test (host->state_location, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_rmdir (host->tmpdir), ==, 0);

  g_clear_object (&host->host);
  g_free (host->tmpdir);
  g_free (host->state_location);
}

/* Kills the host and returns how long its PT took to exit, in µs; the PT
 * must exit within EXIT_DEADLINE_MS. *@wait_status is the PT's. */
static gint64
kill_host (Host *host,
           int  *wait_status)
{
  g_autoptr(GError) error = NULL;
  PtTestExitWatch *watch = pt_test_exit_watch_new (host->pt_pid);
  gint64 killed;
  gint64 took;
  gboolean exited;

  g_subprocess_send_signal (host->host, SIGKILL);
  killed = g_get_monotonic_time ();
  exited = pt_test_exit_watch_wait (watch, EXIT_DEADLINE_MS);
  took = g_get_monotonic_time () - killed;
  pt_test_exit_watch_free (watch);

  if (!exited)
    {
      /* Not left running even when the test fails. */
      kill (host->pt_pid, SIGKILL);
      g_error ("The PT (pid %d) still runs %d ms after its host was killed",
               (int) host->pt_pid, EXIT_DEADLINE_MS);
    }

  g_assert_true (g_subprocess_wait (host->host, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (host->host));
  g_assert_cmpint (g_subprocess_get_term_sig (host->host), ==, SIGKILL);

  /* The PT may have exited before its parent was done dying; once the
   * host is reaped, the PT has been handed to us (a subreaper). */
  g_assert_cmpint (waitpid (host->pt_pid, wait_status, 0), ==, host->pt_pid);

  return took;
}

static const char *
describe (int wait_status)
{
  if (WIFEXITED (wait_status) && WEXITSTATUS (wait_status) == 0)
    return "exited 0 (stdin closed)";
  if (WIFSIGNALED (wait_status) && WTERMSIG (wait_status) == SIGKILL)
    return "SIGKILL (parent-death signal)";
  return "something else";
}

static void
test_orphan (gconstpointer data)
{
  const char *mode = data;
  gboolean stubborn = strcmp (mode, "stubborn") == 0;
  g_autoptr(GString) times = g_string_new (NULL);
  guint n_stdin = 0;
  guint n_pdeathsig = 0;

  for (guint i = 0; i < N_RUNS; i++)
    {
      Host host;
      int wait_status = -1;
      gint64 took;

      host_start (&host, mode);
      took = kill_host (&host, &wait_status);
      g_string_append_printf (times, "%s%.2f", i > 0 ? ", " : "", took / 1000.0);

      if (WIFEXITED (wait_status) && WEXITSTATUS (wait_status) == 0)
        n_stdin++;
      else if (WIFSIGNALED (wait_status) && WTERMSIG (wait_status) == SIGKILL)
        n_pdeathsig++;
      else
        g_error ("The PT ended with wait status %d: %s", wait_status, describe (wait_status));

      host_clear (&host);
    }

  g_test_message ("%s: the PT exited %s ms after its host was SIGKILLed; "
                  "%u times by stdin's end, %u times by the parent-death signal",
                  mode, times->str, n_stdin, n_pdeathsig);
  /* Ignoring stdin and SIGTERM, only SIGKILL could end it. */
  if (stubborn)
    g_assert_cmpuint (n_pdeathsig, ==, N_RUNS);
}

int
main (int   argc,
      char *argv[])
{
  pt_test_init (&argc, &argv);

  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1), ==, 0);

  g_test_add_data_func ("/orphans/obfs4proxy", "obfs4proxy", test_orphan);
  g_test_add_data_func ("/orphans/pt-ignoring-stdin", "stubborn", test_orphan);

  return g_test_run ();
}
