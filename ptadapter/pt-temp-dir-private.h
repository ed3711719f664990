/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A private (0700) directory "ptadapter-XXXXXX" in g_get_tmp_dir(), for a
 * PT's state or an ExtORPort cookie. It holds a lock file, locked for as
 * long as the PtTempDir lives (unless the file system cannot lock: then
 * there is none): a directory whose lock nobody holds was left by a process
 * that died without cleaning up (SIGKILL, a crash), and the first PtTempDir
 * a process makes removes such directories of its user. */
typedef struct _PtTempDir PtTempDir;

PtTempDir  *_pt_temp_dir_new      (GError     **error);
const char *_pt_temp_dir_get_path (PtTempDir   *dir);
/* Removes the directory, then lets go of its lock. */
void        _pt_temp_dir_free     (PtTempDir   *dir);

/* Removes the abandoned directories of this user in @parent: the ones
 * named like ours whose lock file is not locked. Returns how many. */
guint       _pt_temp_dir_sweep    (const char  *parent);

/* The lock file's name inside each directory. */
#define PT_TEMP_DIR_LOCK_NAME ".ptadapter-lock"

/* Removes @path and everything below it, without following symbolic
 * links. Failures are logged at debug level: nothing more can be done. */
void        _pt_temp_dir_remove   (const char  *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtTempDir, _pt_temp_dir_free)

G_END_DECLS
