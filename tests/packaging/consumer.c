/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A program that uses ptadapter the way an application does: the umbrella
 * header and the ptadapter-1 pkg-config module (or meson dependency), and
 * nothing of the source tree. It prints the version it was compiled
 * against and the file the library was loaded from. */
#define _GNU_SOURCE
#include <dlfcn.h>

#include <ptadapter/ptadapter.h>

int
main (void)
{
  const char *pt_exec[] = { "/usr/bin/obfs4proxy", NULL };
  const char *transports[] = { "obfs4", NULL };
  g_autoptr(PtClientAdapter) adapter = pt_client_adapter_new (pt_exec, NULL, transports, NULL);
  g_autoptr(PtBridgeLine) bridge = NULL;
  g_autoptr(GError) error = NULL;
  Dl_info library;

#if !PT_CHECK_VERSION (0, 1, 0)
# error "PT_CHECK_VERSION does not accept this version"
#endif

  if (pt_adapter_get_state (PT_ADAPTER (adapter)) != PT_ADAPTER_STATE_NEW)
    return 1;

  bridge = pt_bridge_line_parse ("obfs4 192.0.2.3:443 cert=abc iat-mode=0", &error);
  if (bridge == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  if (dladdr ((void *) pt_client_adapter_new, &library) == 0 || library.dli_fname == NULL)
    return 1;

  g_print ("ptadapter %s (%d.%d.%d): %s for %s, bridge at %s\n", PT_VERSION_S,
           PT_MAJOR_VERSION, PT_MINOR_VERSION, PT_MICRO_VERSION,
           G_OBJECT_TYPE_NAME (adapter), pt_client_adapter_get_transports (adapter)[0],
           pt_bridge_line_get_host (bridge));
  g_print ("library: %s\n", library.dli_fname);
  return 0;
}
