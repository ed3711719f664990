/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>

#include "pt-kvline-private.h"
#include "pt-error.h"

/* A string literal and its length, which may count embedded NUL bytes. */
#define BYTES(literal) (literal), (sizeof (literal) - 1)

typedef struct
{
  const char *path;
  const char *input;
  gsize       length;
  const char *expected;   /* NULL: must be rejected */
  gsize       consumed;
} UnquoteCase;

static const UnquoteCase unquote_cases[] = {
  { "/kvline/unquote/plain", BYTES ("\"Connected to bridge A\""), "Connected to bridge A", 23 },
  { "/kvline/unquote/empty", BYTES ("\"\""), "", 2 },
  { "/kvline/unquote/newline", BYTES ("\"a\\nb\""), "a\nb", 6 },
  { "/kvline/unquote/tab", BYTES ("\"a\\tb\""), "a\tb", 6 },
  { "/kvline/unquote/carriage-return", BYTES ("\"a\\rb\""), "a\rb", 6 },
  { "/kvline/unquote/backslash", BYTES ("\"a\\\\b\""), "a\\b", 6 },
  { "/kvline/unquote/double-quote", BYTES ("\"a\\\"b\""), "a\"b", 6 },
  { "/kvline/unquote/single-quote", BYTES ("\"a\\'b\""), "a'b", 6 },
  { "/kvline/unquote/octal", BYTES ("\"\\101\\060\""), "A0", 10 },
  { "/kvline/unquote/octal-utf8", BYTES ("\"caf\\303\\251\""), "café", 13 },
  { "/kvline/unquote/hex", BYTES ("\"\\x41\\x7a\""), "Az", 10 },
  { "/kvline/unquote/hex-utf8", BYTES ("\"\\xC3\\xA9\""), "é", 10 },
  { "/kvline/unquote/invalid-utf8-replaced", BYTES ("\"a\\377b\""), "a\xef\xbf\xbd" "b", 8 },
  { "/kvline/unquote/stops-at-closing-quote", BYTES ("\"ab\" rest\""), "ab", 4 },
  { "/kvline/unquote/keeps-spaces-and-equals", BYTES ("\"a = b\""), "a = b", 7 },
  { "/kvline/unquote/reject/empty-input", BYTES (""), NULL, 0 },
  { "/kvline/unquote/reject/no-opening-quote", BYTES ("abc\""), NULL, 0 },
  { "/kvline/unquote/reject/unterminated", BYTES ("\"abc"), NULL, 0 },
  { "/kvline/unquote/reject/lone-quote", BYTES ("\""), NULL, 0 },
  { "/kvline/unquote/reject/escaped-closing-quote", BYTES ("\"abc\\\""), NULL, 0 },
  { "/kvline/unquote/reject/trailing-backslash", BYTES ("\"abc\\"), NULL, 0 },
  { "/kvline/unquote/reject/unknown-escape", BYTES ("\"a\\qb\""), NULL, 0 },
  { "/kvline/unquote/reject/octal-one-digit", BYTES ("\"\\1\""), NULL, 0 },
  { "/kvline/unquote/reject/octal-two-digits", BYTES ("\"\\12\""), NULL, 0 },
  { "/kvline/unquote/reject/octal-non-octal-digit", BYTES ("\"\\128\""), NULL, 0 },
  { "/kvline/unquote/reject/octal-400", BYTES ("\"\\400\""), NULL, 0 },
  { "/kvline/unquote/reject/octal-777", BYTES ("\"\\777\""), NULL, 0 },
  { "/kvline/unquote/reject/octal-nul", BYTES ("\"a\\000b\""), NULL, 0 },
  { "/kvline/unquote/reject/hex-no-digit", BYTES ("\"\\x\""), NULL, 0 },
  { "/kvline/unquote/reject/hex-one-digit", BYTES ("\"\\x0\""), NULL, 0 },
  { "/kvline/unquote/reject/hex-one-digit-at-end", BYTES ("\"\\x0"), NULL, 0 },
  { "/kvline/unquote/reject/hex-bad-digit", BYTES ("\"\\xg0\""), NULL, 0 },
  { "/kvline/unquote/reject/hex-nul", BYTES ("\"\\x00\""), NULL, 0 },
  { "/kvline/unquote/reject/raw-nul", BYTES ("\"a\0b\""), NULL, 0 },
};

static void
test_unquote (gconstpointer data)
{
  const UnquoteCase *test = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *decoded = NULL;
  gsize consumed = 12345;

  decoded = _pt_kvline_unquote (test->input, test->length, &consumed, &error);

  if (test->expected == NULL)
    {
      g_assert_error (error, PT_ERROR, PT_ERROR_PROTOCOL);
      g_assert_null (decoded);
      g_assert_cmpuint (consumed, ==, 12345);
      return;
    }

  g_assert_no_error (error);
  g_assert_cmpstr (decoded, ==, test->expected);
  g_assert_cmpuint (consumed, ==, test->consumed);
  g_assert_true (g_utf8_validate (decoded, -1, NULL));
}

/* Expected pairs are given as a NULL-terminated key, value, key, value list. */
typedef struct
{
  const char *path;
  const char *input;
  gsize       length;
  const char *pairs[12];
} ParseCase;

static const ParseCase parse_cases[] = {
  { "/kvline/parse/log-line", BYTES ("SEVERITY=debug MESSAGE=\"Connected to bridge A\""),
    { "SEVERITY", "debug", "MESSAGE", "Connected to bridge A", NULL } },
  { "/kvline/parse/any-order", BYTES ("C=3 A=1 B=2"),
    { "A", "1", "B", "2", "C", "3", NULL } },
  { "/kvline/parse/empty", BYTES (""), { NULL } },
  { "/kvline/parse/all-spaces", BYTES ("    "), { NULL } },
  { "/kvline/parse/extra-spaces", BYTES ("  A=1    B=2  "),
    { "A", "1", "B", "2", NULL } },
  { "/kvline/parse/empty-value", BYTES ("A= B=2 C="),
    { "A", "", "B", "2", "C", "", NULL } },
  { "/kvline/parse/empty-quoted-value", BYTES ("A=\"\" B=x"),
    { "A", "", "B", "x", NULL } },
  { "/kvline/parse/quoted-value-with-spaces", BYTES ("ERRSTR=\"Connection refused\" X=1"),
    { "ERRSTR", "Connection refused", "X", "1", NULL } },
  { "/kvline/parse/quoted-value-escapes", BYTES ("M=\"a\\nb\\\\c\\\"d\\101\\xC3\\xA9\""),
    { "M", "a\nb\\c\"dAé", NULL } },
  { "/kvline/parse/bare-value-with-equals-and-quote", BYTES ("A=b=c D=e\"f"),
    { "A", "b=c", "D", "e\"f", NULL } },
  { "/kvline/parse/bare-value-not-unescaped", BYTES ("A=\\n"),
    { "A", "\\n", NULL } },
  { "/kvline/parse/repeated-key-keeps-last", BYTES ("A=1 B=2 A=3"),
    { "A", "3", "B", "2", NULL } },
  { "/kvline/parse/key-is-case-sensitive", BYTES ("a=1 A=2"),
    { "a", "1", "A", "2", NULL } },
  { "/kvline/parse/status-line", BYTES ("TRANSPORT=obfs4 ADDRESS=198.51.100.123:1234 CONNECT=Success"),
    { "TRANSPORT", "obfs4", "ADDRESS", "198.51.100.123:1234", "CONNECT", "Success", NULL } },
  { "/kvline/parse/invalid-utf8-replaced", BYTES ("K\xff=v\xfe"),
    { "K\xef\xbf\xbd", "v\xef\xbf\xbd", NULL } },
  { "/kvline/reject/no-equals", BYTES ("SEVERITY"), { NULL } },
  { "/kvline/reject/no-equals-second-pair", BYTES ("A=1 B"), { NULL } },
  { "/kvline/reject/empty-key", BYTES ("=value"), { NULL } },
  { "/kvline/reject/quote-in-key", BYTES ("K\"EY=1"), { NULL } },
  { "/kvline/reject/quoted-key", BYTES ("\"KEY\"=1"), { NULL } },
  { "/kvline/reject/unterminated-quote", BYTES ("A=\"abc"), { NULL } },
  { "/kvline/reject/junk-after-quoted-value", BYTES ("A=\"abc\"def B=1"), { NULL } },
  { "/kvline/reject/quote-after-quoted-value", BYTES ("A=\"abc\"\"def\""), { NULL } },
  { "/kvline/reject/bad-escape", BYTES ("A=\"\\400\""), { NULL } },
  { "/kvline/reject/escaped-nul", BYTES ("A=\"\\000\""), { NULL } },
  { "/kvline/reject/raw-nul-in-value", BYTES ("A=x\0y"), { NULL } },
  { "/kvline/reject/raw-nul-in-key", BYTES ("A\0B=1"), { NULL } },
};

static gboolean
parse_case_is_rejected (const ParseCase *test)
{
  return g_str_has_prefix (test->path, "/kvline/reject/");
}

static void
test_parse (gconstpointer data)
{
  const ParseCase *test = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) pairs = NULL;
  guint n_expected = 0;

  pairs = _pt_kvline_parse (test->input, test->length, &error);

  if (parse_case_is_rejected (test))
    {
      g_assert_error (error, PT_ERROR, PT_ERROR_PROTOCOL);
      g_assert_null (pairs);
      return;
    }

  g_assert_no_error (error);
  g_assert_nonnull (pairs);
  for (const char * const *pair = test->pairs; *pair != NULL; pair += 2)
    {
      g_assert_true (g_hash_table_contains (pairs, pair[0]));
      g_assert_cmpstr (g_hash_table_lookup (pairs, pair[0]), ==, pair[1]);
      n_expected++;
    }
  g_assert_cmpuint (g_hash_table_size (pairs), ==, n_expected);
}

static void
test_unquote_prefixes (void)
{
  static const char input[] = "\"a\\n\\t\\r\\\\\\\"\\'\\101\\xC3\\xA9 b\" tail";

  for (gsize length = 0; length <= sizeof input - 1; length++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *decoded = NULL;
      gsize consumed = 0;

      decoded = _pt_kvline_unquote (input, length, &consumed, &error);
      g_assert_true ((decoded == NULL) != (error == NULL));
      if (decoded != NULL)
        g_assert_cmpuint (consumed, <=, length);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (unquote_cases); i++)
    g_test_add_data_func (unquote_cases[i].path, &unquote_cases[i], test_unquote);
  for (gsize i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    g_test_add_data_func (parse_cases[i].path, &parse_cases[i], test_parse);
  g_test_add_func ("/kvline/unquote/every-prefix", test_unquote_prefixes);

  return g_test_run ();
}
