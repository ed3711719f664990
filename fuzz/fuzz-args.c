/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "pt-args-private.h"
#include "pt-error.h"

/*
 * The encodings of pt-args. The whole input goes into every parser; then it
 * is read as fields separated by its first byte (a transport name, then
 * key, value, key, value, ...), and the table they make must survive each
 * encoder followed by the goptlib-style parser unchanged.
 */

static gboolean
is_ascii_without_nul (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (*p >= 0x80)
        return FALSE;
    }
  return TRUE;
}

static gboolean
transport_name_model (const char *name)
{
  if (!g_ascii_isalpha (name[0]) && name[0] != '_')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '_')
        return FALSE;
    }
  return TRUE;
}

/* Client args: encode, then parse as goptlib does. */
static void
round_trip_client (GHashTable *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) decoded = NULL;
  g_autofree char *encoded = NULL;
  gboolean encodable = TRUE;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, args);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (*(const char *) key == '\0' || !is_ascii_without_nul (key) ||
          !is_ascii_without_nul (value))
        encodable = FALSE;
    }

  encoded = _pt_args_encode_client (args, G_MAXSIZE, &error);
  if (!encodable)
    {
      FUZZ_CHECK (encoded == NULL);
      fuzz_check_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
      return;
    }
  FUZZ_CHECK (encoded != NULL && error == NULL);

  decoded = _pt_args_parse_client (encoded, strlen (encoded), &error);
  FUZZ_CHECK (decoded != NULL && error == NULL);
  FUZZ_CHECK (fuzz_string_tables_equal (args, decoded));

  /* The SOCKS5 bound: too long is an error of its own. */
  {
    g_autofree char *bounded = _pt_args_encode_client (args, PT_ARGS_SOCKS5_MAX_LENGTH, &error);
    gsize length = strlen (encoded);

    if (length > PT_ARGS_SOCKS5_MAX_LENGTH)
      {
        FUZZ_CHECK (bounded == NULL);
        fuzz_check_error (error, PT_ERROR, PT_ERROR_ARGS_TOO_LONG);
        g_clear_error (&error);
      }
    else
      {
        FUZZ_CHECK (bounded != NULL && strcmp (bounded, encoded) == 0);
      }

    if (length >= 2)
      {
        g_autofree char *username = NULL;
        g_autofree char *password = NULL;
        g_autofree char *joined = NULL;

        _pt_args_split_socks5 (encoded, &username, &password);
        joined = g_strconcat (username, password, NULL);
        FUZZ_CHECK (strcmp (joined, encoded) == 0);
        FUZZ_CHECK (password[0] != '\0');
        if (length <= PT_ARGS_SOCKS5_MAX_LENGTH)
          FUZZ_CHECK (strlen (username) <= 255 && strlen (password) <= 255);
      }
  }
}

/* TOR_PT_SERVER_TRANSPORT_OPTIONS: encode, then parse as goptlib does. */
static void
round_trip_server_options (const char *transport,
                           GHashTable *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) decoded = NULL;
  g_autofree char *encoded = NULL;
  GHashTable *decoded_options;

  encoded = _pt_args_encode_server_options (transport, options, &error);
  if (!transport_name_model (transport) || g_hash_table_contains (options, ""))
    {
      FUZZ_CHECK (encoded == NULL);
      fuzz_check_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
      return;
    }
  FUZZ_CHECK (error == NULL);
  if (g_hash_table_size (options) == 0)
    {
      FUZZ_CHECK (encoded == NULL);
      return;
    }
  FUZZ_CHECK (encoded != NULL);

  decoded = _pt_args_parse_server_options (encoded, strlen (encoded), &error);
  FUZZ_CHECK (decoded != NULL && error == NULL);
  FUZZ_CHECK (g_hash_table_size (decoded) == 1);
  decoded_options = g_hash_table_lookup (decoded, transport);
  FUZZ_CHECK (decoded_options != NULL);
  FUZZ_CHECK (fuzz_string_tables_equal (options, decoded_options));
}

/* SMETHOD ARGS: encode, then parse as Tor and goptlib do. The parser makes
 * text valid UTF-8 and keys must not be empty, so the table is made so
 * first. */
static void
round_trip_smethod_args (GHashTable *args)
{
  g_autoptr(GHashTable) valid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) decoded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *encoded = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, args);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (*(const char *) key != '\0')
        g_hash_table_replace (valid, g_utf8_make_valid (key, -1), g_utf8_make_valid (value, -1));
    }

  encoded = _pt_args_encode_smethod_args (valid);
  decoded = _pt_args_parse_smethod_args (encoded, strlen (encoded), &error);
  FUZZ_CHECK (decoded != NULL && error == NULL);
  FUZZ_CHECK (fuzz_string_tables_equal (valid, decoded));
}

static void
check_socket_address (const char *text,
                      gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) strict = NULL;
  g_autoptr(GInetSocketAddress) lax = NULL;

  strict = _pt_socket_address_parse (text, length, FALSE, &error);
  if (strict == NULL)
    {
      fuzz_check_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
  else
    {
      FUZZ_CHECK (g_inet_socket_address_get_port (strict) != 0);
    }

  lax = _pt_socket_address_parse (text, length, TRUE, &error);
  FUZZ_CHECK (strict == NULL || lax != NULL);
  if (lax == NULL)
    {
      fuzz_check_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
      return;
    }

  {
    g_autofree char *printed = _pt_socket_address_to_string (lax);
    g_autoptr(GInetSocketAddress) again = _pt_socket_address_parse (printed, strlen (printed),
                                                                    TRUE, NULL);
    GInetAddress *address = g_inet_socket_address_get_address (lax);
    GSocketFamily family = g_inet_address_get_family (address);

    FUZZ_CHECK (again != NULL);
    FUZZ_CHECK (g_inet_socket_address_get_port (again) == g_inet_socket_address_get_port (lax));
    FUZZ_CHECK (g_inet_address_equal (g_inet_socket_address_get_address (again), address));
    /* IPv6 comes in brackets, IPv4 without. */
    FUZZ_CHECK ((family == G_SOCKET_FAMILY_IPV6) == (text[0] == '['));
  }
}

static void
check_quote (const char *text,
             gsize       length,
             gsize       max_length)
{
  g_autofree char *quoted = _pt_quote_for_message (text, length, max_length);
  gsize shown = MIN (length, max_length);
  gsize printable_length = strlen (quoted);
  const char *ellipsis = "…";

  if (shown < length)
    {
      FUZZ_CHECK (g_str_has_suffix (quoted, ellipsis));
      printable_length -= strlen (ellipsis);
    }
  FUZZ_CHECK (printable_length >= shown && printable_length <= 4 * shown);
  for (gsize i = 0; i < printable_length; i++)
    FUZZ_CHECK (quoted[i] >= 0x20 && quoted[i] < 0x7f);
}

/* Every parser, on the raw input; what parses must encode and parse back. */
static void
parse_raw (const char *text,
           gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) client = NULL;
  g_autoptr(GHashTable) server = NULL;
  g_autoptr(GHashTable) smethod = NULL;

  client = _pt_args_parse_client (text, length, &error);
  if (client == NULL)
    {
      fuzz_check_error (error, PT_ERROR, PT_ERROR_PROTOCOL);
      g_clear_error (&error);
    }
  else
    {
      FUZZ_CHECK (!g_hash_table_contains (client, ""));
      round_trip_client (client);
    }

  server = _pt_args_parse_server_options (text, length, &error);
  if (server == NULL)
    {
      fuzz_check_error (error, PT_ERROR, PT_ERROR_PROTOCOL);
      g_clear_error (&error);
    }
  else
    {
      GHashTableIter iter;
      gpointer transport, options;

      g_hash_table_iter_init (&iter, server);
      while (g_hash_table_iter_next (&iter, &transport, &options))
        {
          FUZZ_CHECK (*(const char *) transport != '\0');
          FUZZ_CHECK (g_hash_table_size (options) > 0);
          FUZZ_CHECK (!g_hash_table_contains (options, ""));
          round_trip_server_options (transport, options);
        }
    }

  smethod = _pt_args_parse_smethod_args (text, length, &error);
  if (smethod == NULL)
    {
      fuzz_check_error (error, PT_ERROR, PT_ERROR_PROTOCOL);
      g_clear_error (&error);
    }
  else
    {
      FUZZ_CHECK (fuzz_string_table_is_valid (smethod));
      round_trip_smethod_args (smethod);
    }

  check_socket_address (text, length);

  {
    g_autofree char *name = g_strndup (text, length);

    FUZZ_CHECK (_pt_transport_name_is_valid (name) == transport_name_model (name));
  }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const char *text = (const char *) data;
  g_autoptr(GHashTable) table = NULL;
  g_autofree char *transport = NULL;
  const char *field;
  const char *end = text + size;
  char separator;
  char *key = NULL;

  parse_raw (text, size);
  check_quote (text, size, size > 0 ? (guchar) text[0] : 0);
  check_quote (text, size, 80);

  if (size < 1)
    return 0;

  /* fields: separator, then transport, key, value, key, value, ... */
  separator = text[0];
  table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  field = text + 1;
  while (field <= end)
    {
      const char *field_end = memchr (field, separator, (gsize) (end - field));
      char *value;

      if (field_end == NULL)
        field_end = end;
      /* A NUL ends a C string: the field is what comes before it. */
      value = g_strndup (field, (gsize) (field_end - field));

      if (transport == NULL)
        transport = value;
      else if (key == NULL)
        key = value;
      else
        g_hash_table_replace (table, g_steal_pointer (&key), value);

      field = field_end + 1;
    }
  if (key != NULL)
    g_hash_table_replace (table, g_steal_pointer (&key), g_strdup (""));

  round_trip_client (table);
  round_trip_server_options (transport, table);
  round_trip_smethod_args (table);

  return 0;
}
