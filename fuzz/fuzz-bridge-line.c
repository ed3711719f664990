/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "pt-args-private.h"
#include "pt-bridge-line.h"
#include "pt-error.h"

/*
 * Tor bridge lines. The input (up to its first NUL) is parsed; a line
 * that parses is formatted with pt_bridge_line_to_string(), which must
 * parse back to an equal PtBridgeLine and format the same way again, and
 * pt_bridge_line_new() from its parts must give an equal one too.
 */

static void
check_fields (PtBridgeLine *bridge)
{
  const char *fingerprint = pt_bridge_line_get_fingerprint (bridge);
  const char *host = pt_bridge_line_get_host (bridge);
  g_autoptr(GHashTable) args = pt_bridge_line_dup_args (bridge);
  g_autoptr(GInetAddress) address = NULL;

  FUZZ_CHECK (_pt_transport_name_is_valid (pt_bridge_line_get_transport (bridge)));
  FUZZ_CHECK (pt_bridge_line_get_port (bridge) != 0);
  FUZZ_CHECK (host != NULL && host[0] != '[');
  address = g_inet_address_new_from_string (host);
  FUZZ_CHECK (address != NULL);
  if (fingerprint != NULL)
    {
      FUZZ_CHECK (strlen (fingerprint) == 40);
      for (const char *p = fingerprint; *p != '\0'; p++)
        FUZZ_CHECK (g_ascii_isdigit (*p) || (*p >= 'A' && *p <= 'F'));
    }
  FUZZ_CHECK (args != NULL);
  FUZZ_CHECK (!g_hash_table_contains (args, ""));
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *line = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBridgeLine) bridge = NULL;
  g_autoptr(PtBridgeLine) again = NULL;
  g_autoptr(PtBridgeLine) rebuilt = NULL;
  g_autoptr(GHashTable) args = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text_again = NULL;

  bridge = pt_bridge_line_parse (line, &error);
  if (bridge == NULL)
    {
      fuzz_check_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
      return 0;
    }
  FUZZ_CHECK (error == NULL);
  check_fields (bridge);
  FUZZ_CHECK (pt_bridge_line_equal (bridge, bridge));

  text = pt_bridge_line_to_string (bridge);
  again = pt_bridge_line_parse (text, &error);
  FUZZ_CHECK (again != NULL && error == NULL);
  FUZZ_CHECK (pt_bridge_line_equal (bridge, again));
  FUZZ_CHECK (pt_bridge_line_equal (again, bridge));
  text_again = pt_bridge_line_to_string (again);
  FUZZ_CHECK (strcmp (text, text_again) == 0);

  args = pt_bridge_line_dup_args (bridge);
  rebuilt = pt_bridge_line_new (pt_bridge_line_get_transport (bridge),
                                pt_bridge_line_get_host (bridge),
                                pt_bridge_line_get_port (bridge),
                                pt_bridge_line_get_fingerprint (bridge),
                                args, &error);
  FUZZ_CHECK (rebuilt != NULL && error == NULL);
  FUZZ_CHECK (pt_bridge_line_equal (bridge, rebuilt));

  return 0;
}
