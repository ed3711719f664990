/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* The code under test logs bad input with g_debug() only: a warning or a
   * critical (a failed g_return_if_fail()) is a finding, as G_DEBUG=
   * fatal-warnings makes it in the tests. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING |
                          G_LOG_LEVEL_CRITICAL);
  return 0;
}

gboolean
fuzz_string_tables_equal (GHashTable *a,
                          GHashTable *b)
{
  GHashTableIter iter;
  gpointer key, value;
  guint size_a = a != NULL ? g_hash_table_size (a) : 0;
  guint size_b = b != NULL ? g_hash_table_size (b) : 0;

  if (size_a != size_b)
    return FALSE;
  if (size_a == 0)
    return TRUE;

  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *other = g_hash_table_lookup (b, key);

      if (other == NULL || g_strcmp0 (value, other) != 0)
        return FALSE;
    }
  return TRUE;
}

gboolean
fuzz_string_table_is_valid (GHashTable *table)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (key == NULL || value == NULL || *(const char *) key == '\0' ||
          !g_utf8_validate (key, -1, NULL) || !g_utf8_validate (value, -1, NULL))
        return FALSE;
    }
  return TRUE;
}

void
fuzz_check_error (const GError *error,
                  GQuark        domain,
                  int           code)
{
  FUZZ_CHECK (error != NULL);
  FUZZ_CHECK (error->domain == domain && error->code == code);
  FUZZ_CHECK (error->message != NULL && g_utf8_validate (error->message, -1, NULL));
}
