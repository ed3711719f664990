/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adapter temp dirs: each holds a locked lock file while it lives, and the
 * first one a process makes removes those whose lock nobody holds (left by
 * a process that was killed). */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "pt-temp-dir-private.h"
#include "test-util.h"

/* A directory that looks like one of ours in @parent, with a lock file
 * unless @lock is FALSE, and a file the way a PT leaves its state. */
static char *
make_dir (const char *parent,
          const char *name,
          int         mode,
          gboolean    lock)
{
  char *path = g_build_filename (parent, name, NULL);
  g_autofree char *state = g_build_filename (path, "obfs4_state.json", NULL);

  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  g_assert_true (g_file_set_contents (state, "{}", -1, NULL));
  if (lock)
    {
      g_autofree char *lock_path = g_build_filename (path, PT_TEMP_DIR_LOCK_NAME, NULL);

      g_assert_true (g_file_set_contents (lock_path, "", 0, NULL));
    }
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

/* Locks @path's lock file the way a living owner does; returns the fd. */
static int
hold_lock (const char *path)
{
  g_autofree char *lock_path = g_build_filename (path, PT_TEMP_DIR_LOCK_NAME, NULL);
  int fd = open (lock_path, O_RDONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (flock (fd, LOCK_EX | LOCK_NB), ==, 0);
  return fd;
}

/* Registered first: the process's first temp dir sweeps g_get_tmp_dir(). */
static void
test_first_sweeps (void)
{
  g_autofree char *stale = make_dir (g_get_tmp_dir (), "ptadapter-Stale1", 0700, TRUE);
  g_autoptr(PtTempDir) dir = NULL;
  g_autoptr(GError) error = NULL;

  dir = _pt_temp_dir_new (&error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
}

static void
test_new (void)
{
  g_autoptr(PtTempDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *lock_path = NULL;
  GStatBuf info;
  int fd;

  dir = _pt_temp_dir_new (&error);
  g_assert_no_error (error);
  path = g_strdup (_pt_temp_dir_get_path (dir));
  g_assert_true (g_str_has_prefix (path, g_get_tmp_dir ()));
  g_assert_cmpint (g_lstat (path, &info), ==, 0);
  g_assert_true (S_ISDIR (info.st_mode));
  g_assert_cmpint (info.st_mode & 0777, ==, 0700);

  /* Locked by its owner: another open file description cannot lock it,
   * and a sweep leaves the directory alone. */
  lock_path = g_build_filename (path, PT_TEMP_DIR_LOCK_NAME, NULL);
  fd = open (lock_path, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (flock (fd, LOCK_EX | LOCK_NB), ==, -1);
  close (fd);
  g_assert_cmpuint (_pt_temp_dir_sweep (g_get_tmp_dir ()), ==, 0);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));

  g_clear_pointer (&dir, _pt_temp_dir_free);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* Only abandoned directories of ours go: named like ours, private, this
 * user's, not a link, with a lock file nobody holds. */
static void
test_sweep (void)
{
  g_autofree char *parent = pt_test_temp_path ("sweep");
  g_autofree char *stale = NULL;
  g_autofree char *live = NULL;
  g_autofree char *no_lock = NULL;
  g_autofree char *shared = NULL;
  g_autofree char *long_name = NULL;
  g_autofree char *other_name = NULL;
  g_autofree char *target = NULL;
  g_autofree char *link = NULL;
  g_autofree char *file = NULL;
  int live_fd;

  g_assert_cmpint (g_mkdir (parent, 0700), ==, 0);
  stale = make_dir (parent, "ptadapter-Abc123", 0700, TRUE);
  live = make_dir (parent, "ptadapter-Live00", 0700, TRUE);
  live_fd = hold_lock (live);
  no_lock = make_dir (parent, "ptadapter-NoLock", 0700, FALSE);
  shared = make_dir (parent, "ptadapter-Shared", 0755, TRUE);
  long_name = make_dir (parent, "ptadapter-TooLong", 0700, TRUE);
  other_name = make_dir (parent, "otherapp-Abc123", 0700, TRUE);
  target = make_dir (parent, "target", 0700, TRUE);
  link = g_build_filename (parent, "ptadapter-Link00", NULL);
  g_assert_cmpint (symlink (target, link), ==, 0);
  file = g_build_filename (parent, "ptadapter-File00", NULL);
  g_assert_true (g_file_set_contents (file, "", 0, NULL));

  g_assert_cmpuint (_pt_temp_dir_sweep (parent), ==, 1);

  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (live, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (no_lock, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (shared, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (long_name, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (other_name, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_test (target, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));

  /* Once its owner lets go, the live one is abandoned too. */
  close (live_fd);
  g_assert_cmpuint (_pt_temp_dir_sweep (parent), ==, 1);
  g_assert_false (g_file_test (live, G_FILE_TEST_EXISTS));

  g_assert_cmpint (g_unlink (link), ==, 0);
  g_assert_cmpint (g_unlink (file), ==, 0);
  g_assert_cmpint (g_chmod (shared, 0700), ==, 0);
  _pt_temp_dir_remove (parent);
  g_assert_false (g_file_test (parent, G_FILE_TEST_EXISTS));
}

/* A parent that does not exist or cannot be read: nothing to do. */
static void
test_sweep_missing_parent (void)
{
  g_autofree char *parent = pt_test_temp_path ("no-such-dir");

  g_assert_cmpuint (_pt_temp_dir_sweep (parent), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  pt_test_init (&argc, &argv);

  g_test_add_func ("/temp-dir/first-sweeps", test_first_sweeps);
  g_test_add_func ("/temp-dir/new", test_new);
  g_test_add_func ("/temp-dir/sweep", test_sweep);
  g_test_add_func ("/temp-dir/sweep-missing-parent", test_sweep_missing_parent);

  return g_test_run ();
}
