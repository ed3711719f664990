/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Binds the gettext domain once; every class_init calls it. */
void _pt_init (void);

G_END_DECLS
