/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "pt-temp-dir-private.h"

#define NAME_PREFIX     "ptadapter-"
#define NAME_TEMPLATE   NAME_PREFIX "XXXXXX"

struct _PtTempDir
{
  char *path;
  int   lock_fd;
};

/* The lock file is made and locked under a temporary name, then renamed:
 * a sweeping process never sees it unlocked while its owner lives. Where
 * locking is not possible (a file system without flock(2)), the directory
 * goes without a lock file, which sweeps leave alone: it works as before,
 * only it is not cleaned up after a crash. Returns the locked fd, or -1. */
static int
create_lock (const char *dir_path)
{
  g_autofree char *temporary = g_build_filename (dir_path, PT_TEMP_DIR_LOCK_NAME ".new", NULL);
  g_autofree char *final = g_build_filename (dir_path, PT_TEMP_DIR_LOCK_NAME, NULL);
  int fd;

  fd = open (temporary, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || flock (fd, LOCK_EX | LOCK_NB) < 0 || rename (temporary, final) < 0)
    {
      g_debug ("No lock file in %s: %s", dir_path, g_strerror (errno));
      if (fd >= 0)
        {
          close (fd);
          g_unlink (temporary);
        }
      return -1;
    }
  return fd;
}

/* A name g_dir_make_tmp() would give for our template. */
static gboolean
is_our_name (const char *name)
{
  return g_str_has_prefix (name, NAME_PREFIX) &&
         strlen (name) == strlen (NAME_TEMPLATE) &&
         strchr (name, '/') == NULL;
}

static gboolean
is_abandoned (const char *path)
{
  g_autofree char *lock_path = g_build_filename (path, PT_TEMP_DIR_LOCK_NAME, NULL);
  GStatBuf info;
  gboolean abandoned;
  int fd;

  /* Only private directories of this user, never through a link. */
  if (g_lstat (path, &info) != 0 || !S_ISDIR (info.st_mode) ||
      info.st_uid != getuid () || (info.st_mode & 077) != 0)
    return FALSE;

  /* No lock file: not one of ours, or one being made or removed. */
  fd = open (lock_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    return FALSE;
  abandoned = flock (fd, LOCK_EX | LOCK_NB) == 0;
  close (fd);

  return abandoned;
}

guint
_pt_temp_dir_sweep (const char *parent)
{
  g_autoptr(GDir) dir = g_dir_open (parent, 0, NULL);
  const char *name;
  guint removed = 0;

  if (dir == NULL)
    return 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;

      if (!is_our_name (name))
        continue;
      path = g_build_filename (parent, name, NULL);
      if (is_abandoned (path))
        {
          g_debug ("Removing %s, left by a process that did not clean up", path);
          _pt_temp_dir_remove (path);
          removed++;
        }
    }

  return removed;
}

PtTempDir *
_pt_temp_dir_new (GError **error)
{
  static gsize swept = 0;
  g_autofree char *path = NULL;
  PtTempDir *dir;

  if (g_once_init_enter (&swept))
    {
      _pt_temp_dir_sweep (g_get_tmp_dir ());
      g_once_init_leave (&swept, 1);
    }

  path = g_dir_make_tmp (NAME_TEMPLATE, error);
  if (path == NULL)
    return NULL;

  dir = g_new0 (PtTempDir, 1);
  dir->path = g_steal_pointer (&path);
  dir->lock_fd = create_lock (dir->path);
  return dir;
}

const char *
_pt_temp_dir_get_path (PtTempDir *dir)
{
  return dir->path;
}

void
_pt_temp_dir_free (PtTempDir *dir)
{
  if (dir == NULL)
    return;

  _pt_temp_dir_remove (dir->path);
  if (dir->lock_fd >= 0)
    close (dir->lock_fd);
  g_free (dir->path);
  g_free (dir);
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
