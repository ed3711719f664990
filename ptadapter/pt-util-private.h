/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Destroys and unrefs *@source if set, and sets it to NULL. */
void _pt_clear_source (GSource **source);

G_END_DECLS
