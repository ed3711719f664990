/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* orphan-host: the application that test-orphans kills.
 *
 * Usage: orphan-host obfs4proxy|stubborn
 *
 * Starts a PtClientAdapter running obfs4proxy (which exits when its stdin
 * closes), or the fake PT made to ignore stdin's end and SIGTERM (only the
 * parent-death signal can end it), prints one line
 *   pid=<the PT's pid> state=<its state directory>
 * and then waits to be killed. If its own stdin ends (the test died), it
 * stops the PT and exits, so that nothing is left behind. Its name is not
 * one that test-leftovers looks for. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <gio/gunixinputstream.h>

#include "test-util.h"

static void
on_stopped (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  pt_adapter_stop_finish (PT_ADAPTER (source), result, NULL);
  g_main_loop_quit (user_data);
}

static void
on_stdin_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  PtAdapter *adapter = user_data;
  GMainLoop *loop = g_object_get_data (G_OBJECT (adapter), "loop");

  /* Whatever was read: the test only ever closes our stdin. */
  g_input_stream_skip_finish (G_INPUT_STREAM (source), result, NULL);
  pt_adapter_stop_async (adapter, NULL, on_stopped, loop);
}

int
main (int   argc,
      char *argv[])
{
  const char *obfs4[] = { NULL, NULL };
  const char *stubborn[] = { NULL, "ignore-sigterm", "version", "cmethods", "ignore-stdin", NULL };
  const char *obfs4_transports[] = { "obfs4", NULL };
  const char *fake_transports[] = { "alpha", NULL };
  g_autoptr(PtClientAdapter) adapter = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GError) error = NULL;

  if (argc == 2 && strcmp (argv[1], "obfs4proxy") == 0)
    {
      obfs4[0] = pt_test_obfs4proxy ();
      adapter = pt_client_adapter_new (obfs4, NULL, obfs4_transports, NULL);
    }
  else if (argc == 2 && strcmp (argv[1], "stubborn") == 0)
    {
      stubborn[0] = pt_test_fake_pt ();
      adapter = pt_client_adapter_new (stubborn, NULL, fake_transports, NULL);
    }
  else
    {
      g_printerr ("Usage: orphan-host obfs4proxy|stubborn\n");
      return 2;
    }

  if (!pt_test_start (PT_ADAPTER (adapter), NULL, &error))
    {
      g_printerr ("orphan-host: %s\n", error->message);
      return 1;
    }

  printf ("pid=%s state=%s\n", pt_adapter_get_identifier (PT_ADAPTER (adapter)),
          pt_adapter_get_state_location (PT_ADAPTER (adapter)));
  fflush (stdout);

  g_object_set_data (G_OBJECT (adapter), "loop", loop);
  input = g_unix_input_stream_new (0, FALSE);
  g_input_stream_skip_async (input, 1, G_PRIORITY_DEFAULT, NULL, on_stdin_read, adapter);
  g_main_loop_run (loop);

  return 0;
}
