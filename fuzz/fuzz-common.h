/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the libFuzzer targets (fuzz-common.c is linked into each). */

#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

G_BEGIN_DECLS

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

/* A finding: prints where and why, then aborts so that libFuzzer keeps the
 * input. */
#define FUZZ_CHECK(condition)                                           \
  G_STMT_START {                                                        \
    if (G_UNLIKELY (!(condition)))                                      \
      {                                                                 \
        fprintf (stderr, "%s:%d: check failed: %s\n",                   \
                 __FILE__, __LINE__, #condition);                       \
        abort ();                                                       \
      }                                                                 \
  } G_STMT_END

/* TRUE if @a and @b (string -> string tables; NULL is empty) hold the same
 * pairs. */
gboolean fuzz_string_tables_equal   (GHashTable   *a,
                                     GHashTable   *b);

/* TRUE if every key and value of @table is valid UTF-8 and no key is
 * empty. */
gboolean fuzz_string_table_is_valid (GHashTable   *table);

/* Checks that @error is set, in @domain with @code, with a UTF-8 message. */
void     fuzz_check_error           (const GError *error,
                                     GQuark        domain,
                                     int           code);

G_END_DECLS
