/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "pt-error.h"
#include "pt-kvline-private.h"

/*
 * The key=value lines of LOG and STATUS, and CString unquoting. Whatever
 * parses is written out again, every value as a quoted string with escapes
 * of each kind, and must parse back to the same table.
 */

/* @text as a quoted string that uses every escape _pt_kvline_unquote()
 * knows; @style picks which one a byte that needs escaping gets. */
static void
append_quoted (GString    *out,
               const char *text,
               guint       style)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++, style++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          continue;
        case '\\':
          g_string_append (out, "\\\\");
          continue;
        case '\n':
          g_string_append (out, "\\n");
          continue;
        case '\t':
          g_string_append (out, "\\t");
          continue;
        case '\r':
          g_string_append (out, "\\r");
          continue;
        case '\'':
          g_string_append (out, (style & 1) ? "\\'" : "'");
          continue;
        default:
          break;
        }

      if (*p < 0x20 || *p >= 0x7f || (style % 7) == 0)
        {
          if (style & 2)
            g_string_append_printf (out, "\\%03o", *p);
          else
            g_string_append_printf (out, (style & 4) ? "\\x%02X" : "\\x%02x", *p);
        }
      else
        {
          g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

static void
check_unquote (const char *text,
               gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *decoded = NULL;
  gsize consumed = G_MAXSIZE;

  decoded = _pt_kvline_unquote (text, length, &consumed, &error);
  if (decoded == NULL)
    {
      fuzz_check_error (error, PT_ERROR, PT_ERROR_PROTOCOL);
      return;
    }

  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (consumed >= 2 && consumed <= length);
  FUZZ_CHECK (text[0] == '"' && text[consumed - 1] == '"');
  FUZZ_CHECK (g_utf8_validate (decoded, -1, NULL));
  /* Each input byte gives at most one byte, or a replacement character
   * (3 bytes) for an invalid one. */
  FUZZ_CHECK (strlen (decoded) <= 3 * (consumed - 2));

  /* Quoting the result again gives it back, whatever escapes are used. */
  for (guint style = 0; style < 8; style++)
    {
      g_autoptr(GString) quoted = g_string_new (NULL);
      g_autoptr(GError) again_error = NULL;
      g_autofree char *again = NULL;
      gsize again_consumed = 0;

      append_quoted (quoted, decoded, style);
      g_string_append (quoted, " trailing");
      again = _pt_kvline_unquote (quoted->str, quoted->len, &again_consumed, &again_error);
      FUZZ_CHECK (again != NULL && again_error == NULL);
      FUZZ_CHECK (strcmp (again, decoded) == 0);
      FUZZ_CHECK (again_consumed == quoted->len - strlen (" trailing"));
    }
}

static void
check_parse (const char *text,
             gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) pairs = NULL;
  g_autoptr(GHashTable) again = NULL;
  g_autoptr(GString) line = g_string_new (NULL);
  GHashTableIter iter;
  gpointer key, value;
  guint style = 0;

  pairs = _pt_kvline_parse (text, length, &error);
  if (pairs == NULL)
    {
      fuzz_check_error (error, PT_ERROR, PT_ERROR_PROTOCOL);
      return;
    }

  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (fuzz_string_table_is_valid (pairs));

  /* Written out again with quoted values (and a few spaces more) it
   * parses to the same table. */
  g_hash_table_iter_init (&iter, pairs);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *k = key;

      FUZZ_CHECK (strpbrk (k, " =\"") == NULL);
      g_string_append (line, style % 3 == 0 ? "  " : " ");
      g_string_append (line, k);
      g_string_append_c (line, '=');
      append_quoted (line, value, style++);
    }
  g_string_append (line, " ");

  again = _pt_kvline_parse (line->str, line->len, &error);
  FUZZ_CHECK (again != NULL && error == NULL);
  FUZZ_CHECK (fuzz_string_tables_equal (pairs, again));
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const char *text = (const char *) data;

  check_parse (text, size);
  check_unquote (text, size);

  /* A quoted value in the middle of a line. */
  for (gsize i = 0; i < size; i++)
    {
      if (text[i] == '"')
        {
          check_unquote (text + i, size - i);
          break;
        }
    }

  return 0;
}
