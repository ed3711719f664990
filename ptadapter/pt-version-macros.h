/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(PT_INSIDE) && !defined(PT_COMPILATION)
# error "Only <ptadapter/ptadapter.h> can be included directly."
#endif

#include <glib.h>

#if defined(PT_COMPILATION) && defined(__GNUC__)
# define _PT_EXTERN __attribute__((visibility("default"))) extern
#else
# define _PT_EXTERN extern
#endif

/* Every public symbol carries one of these. New API in a later minor
 * version gets its own macro (PT_AVAILABLE_IN_0_2 ...), which can then be
 * tied to a PT_VERSION_MAX_ALLOWED check. */
#define PT_AVAILABLE_IN_ALL _PT_EXTERN
