/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A new private (0700) directory "ptadapter-XXXXXX" in g_get_tmp_dir(). */
char     *_pt_temp_dir_create (GError     **error);

/* Removes @path and everything below it, without following symbolic
 * links. Failures are logged at debug level: nothing more can be done. */
void      _pt_temp_dir_remove (const char  *path);

G_END_DECLS
