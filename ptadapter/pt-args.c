/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-args-private.h"
#include "pt-error.h"

gboolean
_pt_transport_name_is_valid (const char *name)
{
  if (name == NULL || !(g_ascii_isalpha (name[0]) || name[0] == '_'))
    return FALSE;

  for (const char *p = name + 1; *p != '\0'; p++)
    {
      if (!(g_ascii_isalnum (*p) || *p == '_'))
        return FALSE;
    }

  return TRUE;
}

char *
_pt_quote_for_message (const char *text,
                       gsize       length,
                       gsize       max_length)
{
  GString *quoted = g_string_sized_new (MIN (length, max_length) + 8);
  gsize shown = MIN (length, max_length);

  for (gsize i = 0; i < shown; i++)
    {
      guchar c = (guchar) text[i];

      if (c >= 0x20 && c < 0x7f)
        g_string_append_c (quoted, (char) c);
      else
        g_string_append_printf (quoted, "\\x%02X", c);
    }

  if (shown < length)
    g_string_append (quoted, "…");

  return g_string_free (quoted, FALSE);
}

/* How many input bytes an error message quotes. */
#define QUOTE_MAX_LENGTH 80

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The keys of @table (may be NULL) in byte order; free the array, not the keys. */
static const char **
sorted_keys (GHashTable *table,
             guint      *n_keys)
{
  const char **keys;

  if (table == NULL)
    {
      *n_keys = 0;
      return g_new0 (const char *, 1);
    }

  keys = (const char **) g_hash_table_get_keys_as_array (table, n_keys);
  qsort (keys, *n_keys, sizeof (char *), compare_strings);
  return keys;
}

static const char *
lookup_value (GHashTable *table,
              const char *key)
{
  const char *value = g_hash_table_lookup (table, key);

  return value != NULL ? value : "";
}

/* Appends @text with a backslash before every byte in @specials. */
static void
append_escaped (GString    *out,
                const char *text,
                const char *specials)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (strchr (specials, *p) != NULL)
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
}

/* Every pair of @table as "[item_prefix]key=value", sorted by key, joined
 * with @separator; keys and values escaped as @specials says. */
static char *
join_sorted_pairs (GHashTable *table,
                   const char *item_prefix,
                   const char *specials,
                   char        separator)
{
  guint n_keys;
  g_autofree const char **keys = sorted_keys (table, &n_keys);
  GString *joined = g_string_new (NULL);

  for (guint i = 0; i < n_keys; i++)
    {
      if (i > 0)
        g_string_append_c (joined, separator);
      g_string_append (joined, item_prefix);
      append_escaped (joined, keys[i], specials);
      g_string_append_c (joined, '=');
      append_escaped (joined, lookup_value (table, keys[i]), specials);
    }

  return g_string_free (joined, FALSE);
}

static gboolean
is_sendable_in_socks (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if ((guchar) *p >= 0x80)
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_keys_not_empty (GHashTable  *table,
                      GError     **error)
{
  if (table != NULL && g_hash_table_contains (table, ""))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("A transport argument has an empty name"));
      return FALSE;
    }
  return TRUE;
}

char *
_pt_args_encode_client (GHashTable  *args,
                        gsize        max_length,
                        GError     **error)
{
  GHashTableIter iter;
  gpointer key, value;
  g_autofree char *encoded = NULL;
  gsize encoded_length;

  if (!check_keys_not_empty (args, error))
    return NULL;

  if (args != NULL)
    {
      g_hash_table_iter_init (&iter, args);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          if (!is_sendable_in_socks (key) || (value != NULL && !is_sendable_in_socks (value)))
            {
              g_autofree char *quoted = _pt_quote_for_message (key, strlen (key), QUOTE_MAX_LENGTH);

              g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                           _("The transport argument “%s” contains a byte that is not ASCII"),
                           quoted);
              return NULL;
            }
        }
    }

  encoded = join_sorted_pairs (args, "", "\\=;", ';');
  encoded_length = strlen (encoded);
  if (encoded_length > max_length)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_ARGS_TOO_LONG,
                   _("The encoded transport arguments are too long: %lu bytes, but at most %lu fit"),
                   (gulong) encoded_length, (gulong) max_length);
      return NULL;
    }

  return g_steal_pointer (&encoded);
}

void
_pt_args_split_socks5 (const char  *encoded,
                       char       **username,
                       char       **password)
{
  gsize length = strlen (encoded);
  /* Shorter input than the contract allows still gets a defined split. */
  gsize username_length = length >= 2 ? MIN (255, length - 1) : length;

  *username = g_strndup (encoded, username_length);
  *password = g_strdup (encoded + username_length);
}

char *
_pt_args_encode_server_options (const char  *transport,
                                GHashTable  *options,
                                GError     **error)
{
  g_autofree char *item_prefix = NULL;

  if (!_pt_transport_name_is_valid (transport))
    {
      g_autofree char *quoted =
        transport != NULL ? _pt_quote_for_message (transport, strlen (transport), QUOTE_MAX_LENGTH)
                          : g_strdup ("");

      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid transport name"), quoted);
      return NULL;
    }

  if (!check_keys_not_empty (options, error))
    return NULL;

  if (options == NULL || g_hash_table_size (options) == 0)
    return NULL;

  item_prefix = g_strconcat (transport, ":", NULL);
  return join_sorted_pairs (options, item_prefix, "\\:;=", ';');
}

char *
_pt_args_encode_smethod_args (GHashTable *args)
{
  return join_sorted_pairs (args, "", "\\=,", ',');
}

/* One "[transport:]key=value" item of an encoded list. */
typedef struct
{
  char *transport;
  char *key;
  char *value;
} ArgItem;

static void
arg_item_free (gpointer data)
{
  ArgItem *item = data;

  g_free (item->transport);
  g_free (item->key);
  g_free (item->value);
  g_free (item);
}

typedef enum
{
  ITEM_NO_COLON,
  ITEM_NO_TRANSPORT,
  ITEM_NO_EQUALS,
  ITEM_NO_KEY,
} ItemProblem;

static void
set_item_error (GError      **error,
                const char   *text,
                gsize         start,
                gsize         end,
                ItemProblem   problem)
{
  g_autofree char *quoted = _pt_quote_for_message (text + start, end - start, QUOTE_MAX_LENGTH);

  switch (problem)
    {
    case ITEM_NO_COLON:
      g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                   _("The option “%s” has no “:” after its transport name"), quoted);
      break;
    case ITEM_NO_TRANSPORT:
      g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                   _("The option “%s” has an empty transport name"), quoted);
      break;
    case ITEM_NO_EQUALS:
      g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                   _("The argument “%s” has no “=” after its key"), quoted);
      break;
    case ITEM_NO_KEY:
    default:
      g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                   _("The argument “%s” has an empty key"), quoted);
      break;
    }
}

/* Reads from @text[*pos] up to the first unescaped byte in @stops (or the
 * end), dropping the backslash of each escape. */
static char *
read_escaped (const char  *text,
              gsize        length,
              gsize       *pos,
              const char  *stops,
              GError     **error)
{
  GString *token = g_string_new (NULL);
  gsize i = *pos;

  for (; i < length && strchr (stops, text[i]) == NULL; i++)
    {
      if (text[i] == '\\')
        {
          i++;
          if (i == length)
            {
              g_autofree char *quoted = _pt_quote_for_message (text, length, QUOTE_MAX_LENGTH);

              g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                           _("The arguments “%s” end with a lone backslash"), quoted);
              g_string_free (token, TRUE);
              return NULL;
            }
        }
      g_string_append_c (token, text[i]);
    }

  *pos = i;
  return g_string_free (token, FALSE);
}

/* Reads the transport or key of an item, which must be followed by its
 * terminator, @stops[0], and must not be empty; moves *@pos past the
 * terminator. */
static char *
read_item_name (const char   *text,
                gsize         length,
                gsize        *pos,
                gsize         item_start,
                const char   *stops,
                ItemProblem   no_terminator,
                ItemProblem   empty,
                GError      **error)
{
  g_autofree char *name = read_escaped (text, length, pos, stops, error);

  if (name == NULL)
    return NULL;
  if (*pos == length || text[*pos] != stops[0])
    {
      set_item_error (error, text, item_start, *pos, no_terminator);
      return NULL;
    }
  if (name[0] == '\0')
    {
      set_item_error (error, text, item_start, *pos, empty);
      return NULL;
    }

  (*pos)++;
  return g_steal_pointer (&name);
}

/* Splits @text into items "[transport:]key=value" separated by
 * @separator, as goptlib does. Returns a GPtrArray of ArgItem. */
static GPtrArray *
parse_items (const char  *text,
             gsize        length,
             gboolean     with_transport,
             char         separator,
             GError     **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (arg_item_free);
  const char transport_stops[] = { ':', '=', separator, '\0' };
  const char key_stops[] = { '=', separator, '\0' };
  const char value_stops[] = { separator, '\0' };
  gsize pos = 0;

  if (length > 0 && memchr (text, '\0', length) != NULL)
    {
      g_autofree char *quoted = _pt_quote_for_message (text, length, QUOTE_MAX_LENGTH);

      g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                   _("The arguments “%s” contain a NUL byte"), quoted);
      return NULL;
    }

  if (length == 0)
    return g_steal_pointer (&items);

  for (;;)
    {
      ArgItem *item = g_new0 (ArgItem, 1);
      gsize start = pos;

      g_ptr_array_add (items, item);

      if (with_transport)
        {
          item->transport = read_item_name (text, length, &pos, start, transport_stops,
                                            ITEM_NO_COLON, ITEM_NO_TRANSPORT, error);
          if (item->transport == NULL)
            return NULL;
        }

      item->key = read_item_name (text, length, &pos, start, key_stops,
                                  ITEM_NO_EQUALS, ITEM_NO_KEY, error);
      if (item->key == NULL)
        return NULL;

      item->value = read_escaped (text, length, &pos, value_stops, error);
      if (item->value == NULL)
        return NULL;

      if (pos == length)
        break;
      pos++;
    }

  return g_steal_pointer (&items);
}

static GHashTable *
new_string_table (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* Adds @key -> @value unless @key is present (goptlib's Args.Get() returns
 * the first value); takes both strings. */
static void
insert_first_value (GHashTable *table,
                    char       *key,
                    char       *value)
{
  if (g_hash_table_contains (table, key))
    {
      g_free (key);
      g_free (value);
      return;
    }
  g_hash_table_insert (table, key, value);
}

GHashTable *
_pt_args_parse_client (const char  *encoded,
                       gsize        length,
                       GError     **error)
{
  g_autoptr(GPtrArray) items = parse_items (encoded, length, FALSE, ';', error);
  GHashTable *args;

  if (items == NULL)
    return NULL;

  args = new_string_table ();
  for (guint i = 0; i < items->len; i++)
    {
      ArgItem *item = g_ptr_array_index (items, i);

      insert_first_value (args, g_steal_pointer (&item->key), g_steal_pointer (&item->value));
    }
  return args;
}

GHashTable *
_pt_args_parse_server_options (const char  *text,
                               gsize        length,
                               GError     **error)
{
  g_autoptr(GPtrArray) items = parse_items (text, length, TRUE, ';', error);
  GHashTable *transports;

  if (items == NULL)
    return NULL;

  transports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_hash_table_unref);
  for (guint i = 0; i < items->len; i++)
    {
      ArgItem *item = g_ptr_array_index (items, i);
      GHashTable *options = g_hash_table_lookup (transports, item->transport);

      if (options == NULL)
        {
          options = new_string_table ();
          g_hash_table_insert (transports, g_steal_pointer (&item->transport), options);
        }
      insert_first_value (options, g_steal_pointer (&item->key), g_steal_pointer (&item->value));
    }
  return transports;
}

GHashTable *
_pt_args_parse_smethod_args (const char  *text,
                             gsize        length,
                             GError     **error)
{
  g_autoptr(GPtrArray) items = parse_items (text, length, FALSE, ',', error);
  GHashTable *args;

  if (items == NULL)
    return NULL;

  args = new_string_table ();
  for (guint i = 0; i < items->len; i++)
    {
      ArgItem *item = g_ptr_array_index (items, i);

      insert_first_value (args, g_utf8_make_valid (item->key, -1),
                          g_utf8_make_valid (item->value, -1));
    }
  return args;
}

static gboolean
parse_port (const char *text,
            gsize       length,
            gboolean    allow_port_zero,
            guint16    *port_out)
{
  guint value = 0;

  if (length == 0 || length > 5)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      value = value * 10 + (guint) (text[i] - '0');
    }

  if (value > G_MAXUINT16 || (value == 0 && !allow_port_zero))
    return FALSE;

  *port_out = (guint16) value;
  return TRUE;
}

GInetSocketAddress *
_pt_socket_address_parse (const char  *text,
                          gsize        length,
                          gboolean     allow_port_zero,
                          GError     **error)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *host = NULL;
  const char *colon;
  const char *port_text;
  gsize port_length;
  guint16 port;
  GSocketFamily expected_family;

  if (memchr (text, '\0', length) != NULL)
    goto invalid;

  colon = g_strrstr_len (text, length, ":");
  if (colon == NULL)
    goto invalid;

  port_text = colon + 1;
  port_length = length - (gsize) (port_text - text);

  if (text[0] == '[')
    {
      if (colon == text || colon[-1] != ']')
        goto invalid;
      host = g_strndup (text + 1, (gsize) (colon - text) - 2);
      expected_family = G_SOCKET_FAMILY_IPV6;
    }
  else
    {
      host = g_strndup (text, (gsize) (colon - text));
      expected_family = G_SOCKET_FAMILY_IPV4;
    }

  /* g_inet_address_new_from_string() is strict for both families: dotted
   * quads only for IPv4, and it rejects a zone id on GLib 2.74. */
  if (host[0] == '\0' || strchr (host, '%') != NULL)
    goto invalid;
  address = g_inet_address_new_from_string (host);
  if (address == NULL || g_inet_address_get_family (address) != expected_family)
    goto invalid;

  if (!parse_port (port_text, port_length, allow_port_zero, &port))
    goto invalid;

  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (address, port));

invalid:
  {
    g_autofree char *quoted = _pt_quote_for_message (text, length, 80);

    g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                 _("“%s” is not an IP address and port such as 127.0.0.1:9000 or [::1]:9000"),
                 quoted);
    return NULL;
  }
}

char *
_pt_socket_address_to_string (GInetSocketAddress *address)
{
  GInetAddress *inet = g_inet_socket_address_get_address (address);
  g_autofree char *host = g_inet_address_to_string (inet);
  guint16 port = g_inet_socket_address_get_port (address);

  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", host, port);

  return g_strdup_printf ("%s:%u", host, port);
}
