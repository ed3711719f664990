/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <glib.h>

#include "pt-args-private.h"
#include "pt-error.h"

/* A string literal and its length, which may count embedded NUL bytes. */
#define BYTES(literal) (literal), (sizeof (literal) - 1)

/* A table from a NULL-terminated list of keys and values. */
static GHashTable *
make_table (const char *first_key,
            ...)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  va_list args;

  va_start (args, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (args, const char *))
    g_hash_table_insert (table, g_strdup (key), g_strdup (va_arg (args, const char *)));
  va_end (args);

  return table;
}

static void
assert_tables_equal (GHashTable *actual,
                     GHashTable *expected)
{
  GHashTableIter iter;
  gpointer key, value;

  g_assert_nonnull (actual);
  g_assert_cmpuint (g_hash_table_size (actual), ==, g_hash_table_size (expected));
  g_hash_table_iter_init (&iter, expected);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_assert_true (g_hash_table_contains (actual, key));
      g_assert_cmpstr (g_hash_table_lookup (actual, key), ==, value);
    }
}

/* A table of one pair "k" -> "xxx..." whose client encoding is @length bytes. */
static GHashTable *
make_client_args_of_length (gsize length)
{
  g_autofree char *value = g_strnfill (length - 2, 'x');

  return make_table ("k", value, NULL);
}

/* Transport names */

static void
test_transport_name_valid (void)
{
  g_assert_true (_pt_transport_name_is_valid ("obfs4"));
  g_assert_true (_pt_transport_name_is_valid ("rot_by_N"));
  g_assert_true (_pt_transport_name_is_valid ("_x9"));
  g_assert_true (_pt_transport_name_is_valid ("X"));
}

static void
test_transport_name_invalid (void)
{
  g_assert_false (_pt_transport_name_is_valid (NULL));
  g_assert_false (_pt_transport_name_is_valid (""));
  g_assert_false (_pt_transport_name_is_valid ("4obfs"));
  g_assert_false (_pt_transport_name_is_valid ("web-tunnel"));
  g_assert_false (_pt_transport_name_is_valid ("a b"));
  g_assert_false (_pt_transport_name_is_valid ("caf\xc3\xa9"));
}

/* Client per-connection arguments */

static void
test_client_encode_empty (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) empty = make_table (NULL);
  g_autofree char *from_null = NULL;
  g_autofree char *from_empty = NULL;

  from_null = _pt_args_encode_client (NULL, PT_ARGS_SOCKS5_MAX_LENGTH, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (from_null, ==, "");

  from_empty = _pt_args_encode_client (empty, PT_ARGS_SOCKS5_MAX_LENGTH, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (from_empty, ==, "");
}

static void
test_client_encode_sorted (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) args = make_table ("shared-secret", "rahasia",
                                           "b", "2", "B", "3",
                                           "secrets-file", "/tmp/blob", NULL);
  g_autofree char *encoded = _pt_args_encode_client (args, PT_ARGS_SOCKS5_MAX_LENGTH, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (encoded, ==, "B=3;b=2;secrets-file=/tmp/blob;shared-secret=rahasia");
}

static void
test_client_encode_escapes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) args = make_table ("k=;\\", "v;=\\,:", NULL);
  g_autofree char *encoded = _pt_args_encode_client (args, PT_ARGS_SOCKS5_MAX_LENGTH, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (encoded, ==, "k\\=\\;\\\\=v\\;\\=\\\\,:");
}

static void
test_client_encode_empty_value (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) args = make_table ("a", "", NULL);
  g_autofree char *encoded = NULL;

  g_hash_table_insert (args, g_strdup ("b"), NULL);
  encoded = _pt_args_encode_client (args, PT_ARGS_SOCKS5_MAX_LENGTH, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (encoded, ==, "a=;b=");
}

static void
test_client_encode_reject_empty_key (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) args = make_table ("a", "1", "", "2", NULL);
  g_autofree char *encoded = _pt_args_encode_client (args, PT_ARGS_SOCKS5_MAX_LENGTH, &error);

  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  g_assert_null (encoded);
}

static void
test_client_encode_reject_non_ascii_key (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) args = make_table ("caf\xc3\xa9", "1", NULL);
  g_autofree char *encoded = _pt_args_encode_client (args, PT_ARGS_SOCKS5_MAX_LENGTH, &error);

  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  g_assert_null (encoded);
}

static void
test_client_encode_reject_non_ascii_value (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) args = make_table ("a", "1", "cert", "\x80", NULL);
  g_autofree char *encoded = _pt_args_encode_client (args, PT_ARGS_SOCKS5_MAX_LENGTH, &error);

  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  g_assert_null (encoded);
}

static void
test_client_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) args = make_table ("cert", "AbC+/x\\y=z;", "iat-mode", "0",
                                           "k=;", "", "\\", "\\\\", NULL);
  g_autofree char *encoded = _pt_args_encode_client (args, PT_ARGS_SOCKS5_MAX_LENGTH, &error);
  g_autoptr(GHashTable) decoded = NULL;

  g_assert_no_error (error);
  decoded = _pt_args_parse_client (encoded, strlen (encoded), &error);
  g_assert_no_error (error);
  assert_tables_equal (decoded, args);
}

static void
test_client_length_bound (gconstpointer data)
{
  gsize length = GPOINTER_TO_SIZE (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) args = make_client_args_of_length (length);
  g_autofree char *encoded = _pt_args_encode_client (args, PT_ARGS_SOCKS5_MAX_LENGTH, &error);

  if (length > PT_ARGS_SOCKS5_MAX_LENGTH)
    {
      g_assert_error (error, PT_ERROR, PT_ERROR_ARGS_TOO_LONG);
      g_assert_null (encoded);
      return;
    }

  g_assert_no_error (error);
  g_assert_cmpuint (strlen (encoded), ==, length);
  g_assert_true (g_str_has_prefix (encoded, "k=xxx"));
}

static void
test_client_length_bound_socks4 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) fits = make_client_args_of_length (PT_ARGS_SOCKS4_MAX_LENGTH);
  g_autoptr(GHashTable) too_long = make_client_args_of_length (PT_ARGS_SOCKS4_MAX_LENGTH + 1);
  g_autofree char *encoded = NULL;
  g_autofree char *rejected = NULL;

  encoded = _pt_args_encode_client (fits, PT_ARGS_SOCKS4_MAX_LENGTH, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (encoded), ==, 255);

  rejected = _pt_args_encode_client (too_long, PT_ARGS_SOCKS4_MAX_LENGTH, &error);
  g_assert_error (error, PT_ERROR, PT_ERROR_ARGS_TOO_LONG);
  g_assert_null (rejected);
}

static void
test_client_split_socks5 (gconstpointer data)
{
  gsize length = GPOINTER_TO_SIZE (data);
  g_autofree char *encoded = g_strnfill (length, 'a');
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;
  g_autofree char *joined = NULL;

  /* Make every position distinguishable. */
  for (gsize i = 0; i < length; i++)
    encoded[i] = (char) ('a' + i % 26);

  _pt_args_split_socks5 (encoded, &username, &password);
  g_assert_cmpuint (strlen (username), ==, MIN (255, length - 1));
  g_assert_cmpuint (strlen (password), ==, length - MIN (255, length - 1));
  g_assert_cmpuint (strlen (password), >, 0);
  if (length <= PT_ARGS_SOCKS5_MAX_LENGTH)
    g_assert_cmpuint (strlen (password), <=, 255);
  joined = g_strconcat (username, password, NULL);
  g_assert_cmpstr (joined, ==, encoded);
}

typedef struct
{
  const char *path;
  const char *input;
  gsize       length;
  const char *pairs[9];   /* NULL-terminated keys and values; unused when rejected */
} ParseCase;

static gboolean
parse_case_is_rejected (const ParseCase *test)
{
  return strstr (test->path, "/reject/") != NULL;
}

static GHashTable *
table_from_pairs (const char * const *pairs)
{
  GHashTable *table = make_table (NULL);

  for (; *pairs != NULL; pairs += 2)
    g_hash_table_insert (table, g_strdup (pairs[0]), g_strdup (pairs[1]));
  return table;
}

static const ParseCase client_parse_cases[] = {
  { "/args/client/parse/empty", BYTES (""), { NULL } },
  { "/args/client/parse/one", BYTES ("a=b"), { "a", "b", NULL } },
  { "/args/client/parse/spec-example", BYTES ("shared-secret=rahasia;secrets-file=/tmp/blob"),
    { "shared-secret", "rahasia", "secrets-file", "/tmp/blob", NULL } },
  { "/args/client/parse/empty-value", BYTES ("a=;b="), { "a", "", "b", "", NULL } },
  { "/args/client/parse/equals-in-value", BYTES ("a=b=c"), { "a", "b=c", NULL } },
  { "/args/client/parse/escapes", BYTES ("a\\=b\\;c\\\\=d\\;e\\=f\\\\"),
    { "a=b;c\\", "d;e=f\\", NULL } },
  { "/args/client/parse/escaped-ordinary-byte", BYTES ("\\a=\\b"), { "a", "b", NULL } },
  { "/args/client/parse/repeated-key-keeps-first", BYTES ("a=1;b=2;a=3"),
    { "a", "1", "b", "2", NULL } },
  { "/args/client/reject/no-equals", BYTES ("a"), { NULL } },
  { "/args/client/reject/semicolon-in-key", BYTES ("a;b=c"), { NULL } },
  { "/args/client/reject/empty-key", BYTES ("=b"), { NULL } },
  { "/args/client/reject/empty-second-key", BYTES ("a=b;=c"), { NULL } },
  { "/args/client/reject/trailing-semicolon", BYTES ("a=b;"), { NULL } },
  { "/args/client/reject/leading-semicolon", BYTES (";a=b"), { NULL } },
  { "/args/client/reject/trailing-backslash", BYTES ("a=b\\"), { NULL } },
  { "/args/client/reject/trailing-backslash-in-key", BYTES ("a\\"), { NULL } },
  { "/args/client/reject/nul", BYTES ("a=b\0c"), { NULL } },
};

static const ParseCase smethod_parse_cases[] = {
  { "/args/smethod/parse/empty", BYTES (""), { NULL } },
  { "/args/smethod/parse/spec-example", BYTES ("N=13"), { "N", "13", NULL } },
  { "/args/smethod/parse/obfs4",
    BYTES ("cert=Vt0Dl+6Ji/Fa2tP1U9DzuNHEJzBWwTgkUVaFc/MRkvt0Tap3mH4MvWvqwfsTCwJ\\=\\=,iat-mode=0"),
    { "cert", "Vt0Dl+6Ji/Fa2tP1U9DzuNHEJzBWwTgkUVaFc/MRkvt0Tap3mH4MvWvqwfsTCwJ==",
      "iat-mode", "0", NULL } },
  { "/args/smethod/parse/escapes", BYTES ("k\\,\\==a\\,b\\\\c\\=d"), { "k,=", "a,b\\c=d", NULL } },
  { "/args/smethod/parse/empty-value", BYTES ("a=,b="), { "a", "", "b", "", NULL } },
  { "/args/smethod/parse/semicolon-is-ordinary", BYTES ("a=1;2"), { "a", "1;2", NULL } },
  { "/args/smethod/parse/repeated-key-keeps-first", BYTES ("a=1,a=2"), { "a", "1", NULL } },
  { "/args/smethod/parse/invalid-utf8-replaced", BYTES ("k=\xff"), { "k", "\xef\xbf\xbd", NULL } },
  { "/args/smethod/reject/no-equals", BYTES ("N"), { NULL } },
  { "/args/smethod/reject/empty-key", BYTES ("=13"), { NULL } },
  { "/args/smethod/reject/comma-in-key", BYTES ("a,b=1"), { NULL } },
  { "/args/smethod/reject/trailing-comma", BYTES ("a=1,"), { NULL } },
  { "/args/smethod/reject/trailing-backslash", BYTES ("a=1\\"), { NULL } },
  { "/args/smethod/reject/nul", BYTES ("a=\0"), { NULL } },
};

static void
assert_parse_result (const ParseCase *test,
                     GHashTable      *parsed,
                     const GError    *error)
{
  g_autoptr(GHashTable) expected = NULL;

  if (parse_case_is_rejected (test))
    {
      g_assert_error (error, PT_ERROR, PT_ERROR_PROTOCOL);
      g_assert_null (parsed);
      return;
    }

  g_assert_no_error (error);
  expected = table_from_pairs (test->pairs);
  assert_tables_equal (parsed, expected);
}

static void
test_client_parse (gconstpointer data)
{
  const ParseCase *test = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) parsed = _pt_args_parse_client (test->input, test->length, &error);

  assert_parse_result (test, parsed, error);
}

static void
test_smethod_parse (gconstpointer data)
{
  const ParseCase *test = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) parsed = _pt_args_parse_smethod_args (test->input, test->length, &error);

  assert_parse_result (test, parsed, error);
}

/* SMETHOD ARGS: */

static void
test_smethod_encode (void)
{
  g_autoptr(GHashTable) args = make_table ("iat-mode", "0", "cert", "a+/b==", "k,=\\", "v,=\\;", NULL);
  g_autoptr(GHashTable) empty = make_table (NULL);
  g_autofree char *encoded = _pt_args_encode_smethod_args (args);
  g_autofree char *from_null = _pt_args_encode_smethod_args (NULL);
  g_autofree char *from_empty = _pt_args_encode_smethod_args (empty);

  g_assert_cmpstr (encoded, ==, "cert=a+/b\\=\\=,iat-mode=0,k\\,\\=\\\\=v\\,\\=\\\\;");
  g_assert_cmpstr (from_null, ==, "");
  g_assert_cmpstr (from_empty, ==, "");
}

static void
test_smethod_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) args = make_table ("cert", "Vt0Dl+6Ji/Fa==", "iat-mode", "1",
                                           "a,b", "c=d\\", "empty", "", NULL);
  g_autofree char *encoded = _pt_args_encode_smethod_args (args);
  g_autoptr(GHashTable) decoded = _pt_args_parse_smethod_args (encoded, strlen (encoded), &error);

  g_assert_no_error (error);
  assert_tables_equal (decoded, args);
}

/* TOR_PT_SERVER_TRANSPORT_OPTIONS */

static void
test_server_encode_empty (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) empty = make_table (NULL);
  g_autofree char *from_null = _pt_args_encode_server_options ("obfs4", NULL, &error);
  g_autofree char *from_empty = NULL;

  g_assert_no_error (error);
  g_assert_null (from_null);
  from_empty = _pt_args_encode_server_options ("obfs4", empty, &error);
  g_assert_no_error (error);
  g_assert_null (from_empty);
}

static void
test_server_encode_escapes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) options = make_table ("iat-mode", "0", "k:;=\\", "a:b;c=d\\e,f", NULL);
  g_autofree char *encoded = _pt_args_encode_server_options ("obfs4", options, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (encoded, ==,
                   "obfs4:iat-mode=0;obfs4:k\\:\\;\\=\\\\=a\\:b\\;c\\=d\\\\e,f");
}

static void
test_server_encode_reject_transport (void)
{
  static const char * const bad_names[] = { "", "4abc", "web-tunnel", "a:b", "a;b" };
  g_autoptr(GHashTable) options = make_table ("k", "v", NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *encoded = _pt_args_encode_server_options (bad_names[i], options, &error);

      g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
      g_assert_null (encoded);
    }
}

static void
test_server_encode_reject_empty_key (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) options = make_table ("k", "v", "", "w", NULL);
  g_autofree char *encoded = _pt_args_encode_server_options ("obfs4", options, &error);

  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  g_assert_null (encoded);
}

static void
test_server_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) options = make_table ("node-id", "a:b;c", "private-key", "\\x=y",
                                              "drbg-seed", "", "caf\xc3\xa9", "\xc3\xa9", NULL);
  g_autofree char *encoded = _pt_args_encode_server_options ("obfs4", options, &error);
  g_autoptr(GHashTable) transports = NULL;

  g_assert_no_error (error);
  transports = _pt_args_parse_server_options (encoded, strlen (encoded), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (transports), ==, 1);
  assert_tables_equal (g_hash_table_lookup (transports, "obfs4"), options);
}

static void
test_server_parse_spec_example (void)
{
  static const char text[] = "scramblesuit:key=banana;automata:rule=110;automata:depth=3;automata:rule=9";
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) transports = _pt_args_parse_server_options (BYTES (text), &error);
  g_autoptr(GHashTable) scramblesuit = make_table ("key", "banana", NULL);
  g_autoptr(GHashTable) automata = make_table ("rule", "110", "depth", "3", NULL);

  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (transports), ==, 2);
  assert_tables_equal (g_hash_table_lookup (transports, "scramblesuit"), scramblesuit);
  assert_tables_equal (g_hash_table_lookup (transports, "automata"), automata);
}

static void
test_server_parse_empty (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) transports = _pt_args_parse_server_options ("", 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (transports);
  g_assert_cmpuint (g_hash_table_size (transports), ==, 0);
}

static void
test_server_parse_reject (void)
{
  static const char * const bad_texts[] = {
    "key=banana",
    ":key=banana",
    "t=x:k=v",
    "t:key",
    "t:=v",
    "t:k=v;",
    "t:k=v\\",
    "t\\",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad_texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GHashTable) transports =
        _pt_args_parse_server_options (bad_texts[i], strlen (bad_texts[i]), &error);

      g_assert_error (error, PT_ERROR, PT_ERROR_PROTOCOL);
      g_assert_null (transports);
    }
}

/* Socket addresses */

typedef struct
{
  const char *text;
  gboolean    allow_port_zero;
  const char *host;       /* NULL: must be rejected */
  guint16     port;
  const char *canonical;
} AddressCase;

static const AddressCase address_cases[] = {
  { "127.0.0.1:9000", FALSE, "127.0.0.1", 9000, "127.0.0.1:9000" },
  { "198.51.100.1:1", FALSE, "198.51.100.1", 1, "198.51.100.1:1" },
  { "0.0.0.0:65535", FALSE, "0.0.0.0", 65535, "0.0.0.0:65535" },
  { "[::1]:9000", FALSE, "::1", 9000, "[::1]:9000" },
  { "[2001:DB8:0:0::1]:443", FALSE, "2001:db8::1", 443, "[2001:db8::1]:443" },
  { "127.0.0.1:0", TRUE, "127.0.0.1", 0, "127.0.0.1:0" },
  { "[::]:0", TRUE, "::", 0, "[::]:0" },
  { "127.0.0.1:0", FALSE, NULL, 0, NULL },
  { "127.0.0.1:65536", FALSE, NULL, 0, NULL },
  { "127.0.0.1:65536", TRUE, NULL, 0, NULL },
  { "127.0.0.1:123456", FALSE, NULL, 0, NULL },
  { "127.0.0.1:-1", FALSE, NULL, 0, NULL },
  { "127.0.0.1:+80", FALSE, NULL, 0, NULL },
  { "127.0.0.1: 80", FALSE, NULL, 0, NULL },
  { "127.0.0.1:80 ", FALSE, NULL, 0, NULL },
  { "127.0.0.1:", FALSE, NULL, 0, NULL },
  { "127.0.0.1", FALSE, NULL, 0, NULL },
  { ":80", FALSE, NULL, 0, NULL },
  { "", FALSE, NULL, 0, NULL },
  { "localhost:9000", FALSE, NULL, 0, NULL },
  { "example.com:80", FALSE, NULL, 0, NULL },
  { "1.2.3:80", FALSE, NULL, 0, NULL },
  { "256.1.1.1:80", FALSE, NULL, 0, NULL },
  { "::1:80", FALSE, NULL, 0, NULL },
  { "[::1]", FALSE, NULL, 0, NULL },
  { "[::1]80", FALSE, NULL, 0, NULL },
  { "[]:80", FALSE, NULL, 0, NULL },
  { "[127.0.0.1]:80", FALSE, NULL, 0, NULL },
  { "[fe80::1%eth0]:80", FALSE, NULL, 0, NULL },
  { "[::1:80", FALSE, NULL, 0, NULL },
};

static void
test_socket_address_parse (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (address_cases); i++)
    {
      const AddressCase *test = &address_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(GInetSocketAddress) address = NULL;
      g_autofree char *host = NULL;
      g_autofree char *canonical = NULL;

      g_test_message ("address %s (port 0 %s)", test->text,
                      test->allow_port_zero ? "allowed" : "refused");
      address = _pt_socket_address_parse (test->text, strlen (test->text),
                                          test->allow_port_zero, &error);
      if (test->host == NULL)
        {
          g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
          g_assert_null (address);
          continue;
        }

      g_assert_no_error (error);
      host = g_inet_address_to_string (g_inet_socket_address_get_address (address));
      g_assert_cmpstr (host, ==, test->host);
      g_assert_cmpuint (g_inet_socket_address_get_port (address), ==, test->port);
      canonical = _pt_socket_address_to_string (address);
      g_assert_cmpstr (canonical, ==, test->canonical);
    }
}

static void
test_socket_address_reject_nul (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) address =
    _pt_socket_address_parse (BYTES ("127.0.0.1\0:80"), FALSE, &error);

  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  g_assert_null (address);
}

static void
test_socket_address_explicit_length (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) address =
    _pt_socket_address_parse ("127.0.0.1:80 trailing", 12, FALSE, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (g_inet_socket_address_get_port (address), ==, 80);
}

/* Quoting for messages */

static void
test_quote_for_message (void)
{
  g_autofree char *printable = _pt_quote_for_message (BYTES ("a \"b\""), 80);
  g_autofree char *escaped = _pt_quote_for_message (BYTES ("a\0\n\xff"), 80);
  g_autofree char *cut = _pt_quote_for_message (BYTES ("abcdef"), 3);
  g_autofree char *exact = _pt_quote_for_message (BYTES ("abc"), 3);

  g_assert_cmpstr (printable, ==, "a \"b\"");
  g_assert_cmpstr (escaped, ==, "a\\x00\\x0A\\xFF");
  g_assert_cmpstr (cut, ==, "abc…");
  g_assert_cmpstr (exact, ==, "abc");
}

int
main (int   argc,
      char *argv[])
{
  static const gsize lengths[] = { 2, 3, 254, 255, 256, 257, 509, 510, 511 };

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/args/transport-name/valid", test_transport_name_valid);
  g_test_add_func ("/args/transport-name/invalid", test_transport_name_invalid);

  g_test_add_func ("/args/client/encode/empty", test_client_encode_empty);
  g_test_add_func ("/args/client/encode/sorted", test_client_encode_sorted);
  g_test_add_func ("/args/client/encode/escapes", test_client_encode_escapes);
  g_test_add_func ("/args/client/encode/empty-value", test_client_encode_empty_value);
  g_test_add_func ("/args/client/encode/reject/empty-key", test_client_encode_reject_empty_key);
  g_test_add_func ("/args/client/encode/reject/non-ascii-key", test_client_encode_reject_non_ascii_key);
  g_test_add_func ("/args/client/encode/reject/non-ascii-value",
                   test_client_encode_reject_non_ascii_value);
  g_test_add_func ("/args/client/round-trip", test_client_round_trip);
  g_test_add_func ("/args/client/length/socks4-255-256", test_client_length_bound_socks4);
  for (gsize i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autofree char *bound_path = g_strdup_printf ("/args/client/length/socks5-%" G_GSIZE_FORMAT,
                                                     lengths[i]);
      g_autofree char *split_path = g_strdup_printf ("/args/client/split-socks5/%" G_GSIZE_FORMAT,
                                                     lengths[i]);

      if (lengths[i] >= 254)
        g_test_add_data_func (bound_path, GSIZE_TO_POINTER (lengths[i]), test_client_length_bound);
      g_test_add_data_func (split_path, GSIZE_TO_POINTER (lengths[i]), test_client_split_socks5);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (client_parse_cases); i++)
    g_test_add_data_func (client_parse_cases[i].path, &client_parse_cases[i], test_client_parse);

  g_test_add_func ("/args/smethod/encode", test_smethod_encode);
  g_test_add_func ("/args/smethod/round-trip", test_smethod_round_trip);
  for (gsize i = 0; i < G_N_ELEMENTS (smethod_parse_cases); i++)
    g_test_add_data_func (smethod_parse_cases[i].path, &smethod_parse_cases[i], test_smethod_parse);

  g_test_add_func ("/args/server/encode/empty", test_server_encode_empty);
  g_test_add_func ("/args/server/encode/escapes", test_server_encode_escapes);
  g_test_add_func ("/args/server/encode/reject/transport", test_server_encode_reject_transport);
  g_test_add_func ("/args/server/encode/reject/empty-key", test_server_encode_reject_empty_key);
  g_test_add_func ("/args/server/round-trip", test_server_round_trip);
  g_test_add_func ("/args/server/parse/spec-example", test_server_parse_spec_example);
  g_test_add_func ("/args/server/parse/empty", test_server_parse_empty);
  g_test_add_func ("/args/server/parse/reject", test_server_parse_reject);

  g_test_add_func ("/args/socket-address/parse", test_socket_address_parse);
  g_test_add_func ("/args/socket-address/reject/nul", test_socket_address_reject_nul);
  g_test_add_func ("/args/socket-address/explicit-length", test_socket_address_explicit_length);

  g_test_add_func ("/args/quote-for-message", test_quote_for_message);

  return g_test_run ();
}
