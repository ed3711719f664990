/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-kvline-private.h"
#include "pt-args-private.h"
#include "pt-error.h"

/* How many input bytes an error message quotes. */
#define QUOTE_MAX_LENGTH 80
/* The longest escape sequence, backslash included: \ooo or \xHH. */
#define ESCAPE_MAX_LENGTH 4

/* Decodes the escape sequence whose backslash is at @text[*pos]. Returns the
 * byte it stands for and moves *@pos past the sequence, or returns -1 for an
 * unknown or truncated escape. */
static int
decode_escape (const char *text,
               gsize       length,
               gsize      *pos)
{
  gsize start = *pos + 1;
  gsize available = length - start;
  int value;

  if (available == 0)
    return -1;

  switch (text[start])
    {
    case 'n':
      value = '\n';
      break;
    case 't':
      value = '\t';
      break;
    case 'r':
      value = '\r';
      break;
    case '\\':
    case '"':
    case '\'':
      value = (guchar) text[start];
      break;
    case 'x':
      {
        int high, low;

        if (available < 3)
          return -1;
        high = g_ascii_xdigit_value (text[start + 1]);
        low = g_ascii_xdigit_value (text[start + 2]);
        if (high < 0 || low < 0)
          return -1;
        *pos = start + 3;
        return high * 16 + low;
      }
    case '0': case '1': case '2': case '3':
    case '4': case '5': case '6': case '7':
      value = 0;
      if (available < 3)
        return -1;
      for (gsize i = 0; i < 3; i++)
        {
          char digit = text[start + i];

          if (digit < '0' || digit > '7')
            return -1;
          value = value * 8 + (digit - '0');
        }
      if (value > 0377)
        return -1;
      *pos = start + 3;
      return value;
    default:
      return -1;
    }

  *pos = start + 1;
  return value;
}

char *
_pt_kvline_unquote (const char  *text,
                    gsize        length,
                    gsize       *consumed,
                    GError     **error)
{
  g_autoptr(GString) decoded = NULL;
  gsize pos = 1;

  if (length == 0 || text[0] != '"')
    {
      g_autofree char *quoted = _pt_quote_for_message (text, length, QUOTE_MAX_LENGTH);

      g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                   _("“%s” does not start with a quotation mark"), quoted);
      return NULL;
    }

  decoded = g_string_sized_new (length);

  while (pos < length)
    {
      gsize sequence_start = pos;
      int byte;

      if (text[pos] == '"')
        {
          if (consumed != NULL)
            *consumed = pos + 1;
          return g_utf8_make_valid (decoded->str, (gssize) decoded->len);
        }

      if (text[pos] == '\\')
        {
          byte = decode_escape (text, length, &pos);
          if (byte < 0)
            {
              g_autofree char *quoted =
                _pt_quote_for_message (text + sequence_start,
                                       MIN (ESCAPE_MAX_LENGTH, length - sequence_start),
                                       ESCAPE_MAX_LENGTH);

              g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                           _("Invalid escape sequence “%s” in a quoted string"), quoted);
              return NULL;
            }
        }
      else
        {
          byte = (guchar) text[pos];
          pos++;
        }

      /* The result is a C string: a NUL, escaped or raw, would cut it. */
      if (byte == 0)
        {
          g_autofree char *quoted = _pt_quote_for_message (text, length, QUOTE_MAX_LENGTH);

          g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                       _("The quoted string “%s” contains a NUL byte"), quoted);
          return NULL;
        }

      g_string_append_c (decoded, (char) byte);
    }

  {
    g_autofree char *quoted = _pt_quote_for_message (text, length, QUOTE_MAX_LENGTH);

    g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                 _("The quoted string “%s” has no closing quotation mark"), quoted);
    return NULL;
  }
}

static gboolean
is_key_byte (char c)
{
  return c != ' ' && c != '=' && c != '"';
}

static gsize
skip_to_space (const char *text,
               gsize       length,
               gsize       pos)
{
  while (pos < length && text[pos] != ' ')
    pos++;
  return pos;
}

GHashTable *
_pt_kvline_parse (const char  *text,
                  gsize        length,
                  GError     **error)
{
  g_autoptr(GHashTable) pairs =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gsize pos = 0;

  if (length > 0 && memchr (text, '\0', length) != NULL)
    {
      g_autofree char *quoted = _pt_quote_for_message (text, length, QUOTE_MAX_LENGTH);

      g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                   _("The key=value list “%s” contains a NUL byte"), quoted);
      return NULL;
    }

  for (;;)
    {
      gsize key_start;
      gsize key_end;
      char *value;

      while (pos < length && text[pos] == ' ')
        pos++;
      if (pos == length)
        break;

      key_start = pos;
      while (pos < length && is_key_byte (text[pos]))
        pos++;
      key_end = pos;

      if (key_end == key_start || pos == length || text[pos] != '=')
        {
          gsize pair_end = skip_to_space (text, length, pos);
          g_autofree char *quoted =
            _pt_quote_for_message (text + key_start, pair_end - key_start, QUOTE_MAX_LENGTH);

          g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                       _("“%s” is not a key=value pair"), quoted);
          return NULL;
        }
      pos++;

      if (pos < length && text[pos] == '"')
        {
          gsize consumed = 0;

          value = _pt_kvline_unquote (text + pos, length - pos, &consumed, error);
          if (value == NULL)
            return NULL;
          pos += consumed;

          if (pos < length && text[pos] != ' ')
            {
              gsize pair_end = skip_to_space (text, length, pos);
              g_autofree char *quoted =
                _pt_quote_for_message (text + key_start, pair_end - key_start, QUOTE_MAX_LENGTH);

              g_free (value);
              g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                           _("Unexpected text after the quoted value in “%s”"), quoted);
              return NULL;
            }
        }
      else
        {
          gsize value_start = pos;

          pos = skip_to_space (text, length, pos);
          value = g_utf8_make_valid (text + value_start, (gssize) (pos - value_start));
        }

      g_hash_table_replace (pairs,
                            g_utf8_make_valid (text + key_start, (gssize) (key_end - key_start)),
                            value);
    }

  return g_steal_pointer (&pairs);
}
