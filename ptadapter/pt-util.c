/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pt-util-private.h"

void
_pt_clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}
