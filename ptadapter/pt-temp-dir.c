/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "pt-temp-dir-private.h"

char *
_pt_temp_dir_create (GError **error)
{
  return g_dir_make_tmp ("ptadapter-XXXXXX", error);
}

void
_pt_temp_dir_remove (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          GStatBuf info;

          if (g_lstat (child, &info) == 0 && S_ISDIR (info.st_mode))
            _pt_temp_dir_remove (child);
          else if (g_unlink (child) != 0)
            g_debug ("Could not remove %s: %s", child, g_strerror (errno));
        }

      g_dir_close (dir);
    }

  if (g_rmdir (path) != 0 && errno != ENOENT)
    g_debug ("Could not remove %s: %s", path, g_strerror (errno));
}
