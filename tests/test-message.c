/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <glib.h>

#include "pt-message-private.h"
#include "pt-args-private.h"
#include "pt-error.h"
#include "pt-kvline-private.h"

/* A string literal and its length, which may count embedded NUL bytes. */
#define BYTES(literal) (literal), (sizeof (literal) - 1)

typedef struct
{
  const char *path;
  const char *line;
  gsize       length;
  int         code;
} RejectCase;

static const RejectCase reject_cases[] = {
  /* Line metaformat */
  { "/message/reject/empty-line", BYTES (""), PT_ERROR_PROTOCOL },
  { "/message/reject/leading-space", BYTES (" VERSION 1"), PT_ERROR_PROTOCOL },
  { "/message/reject/only-space", BYTES (" "), PT_ERROR_PROTOCOL },
  { "/message/reject/nul-in-argument", BYTES ("VERSION 1\0"), PT_ERROR_PROTOCOL },
  { "/message/reject/nul-in-keyword", BYTES ("VER\0SION 1"), PT_ERROR_PROTOCOL },
  { "/message/reject/nul-alone", BYTES ("\0"), PT_ERROR_PROTOCOL },
  { "/message/reject/non-ascii", BYTES ("LOG SEVERITY=info MESSAGE=caf\xc3\xa9"), PT_ERROR_PROTOCOL },
  { "/message/reject/non-ascii-in-unknown", BYTES ("FUTURE \x80"), PT_ERROR_PROTOCOL },
  { "/message/reject/line-feed", BYTES ("VERSION 1\nVERSION 1"), PT_ERROR_PROTOCOL },
  { "/message/reject/keyword-exclamation", BYTES ("VERSION! 1"), PT_ERROR_PROTOCOL },
  { "/message/reject/keyword-dot", BYTES ("VER.SION 1"), PT_ERROR_PROTOCOL },
  { "/message/reject/keyword-tab", BYTES ("VERSION\t1"), PT_ERROR_PROTOCOL },
  { "/message/reject/keyword-colon", BYTES ("CMETHOD: x"), PT_ERROR_PROTOCOL },
  /* VERSION */
  { "/message/reject/version-666", BYTES ("VERSION 666"), PT_ERROR_VERSION },
  { "/message/reject/version-2", BYTES ("VERSION 2"), PT_ERROR_VERSION },
  { "/message/reject/version-01", BYTES ("VERSION 01"), PT_ERROR_VERSION },
  { "/message/reject/version-empty", BYTES ("VERSION"), PT_ERROR_PROTOCOL },
  { "/message/reject/version-empty-argument", BYTES ("VERSION "), PT_ERROR_PROTOCOL },
  { "/message/reject/version-double-space", BYTES ("VERSION  1"), PT_ERROR_PROTOCOL },
  { "/message/reject/version-trailing-space", BYTES ("VERSION 1 "), PT_ERROR_PROTOCOL },
  { "/message/reject/version-two-arguments", BYTES ("VERSION 1 2"), PT_ERROR_PROTOCOL },
  /* *DONE */
  { "/message/reject/proxy-alone", BYTES ("PROXY"), PT_ERROR_PROTOCOL },
  { "/message/reject/proxy-lowercase-done", BYTES ("PROXY done"), PT_ERROR_PROTOCOL },
  { "/message/reject/proxy-done-extra", BYTES ("PROXY DONE now"), PT_ERROR_PROTOCOL },
  { "/message/reject/proxy-double-space", BYTES ("PROXY  DONE"), PT_ERROR_PROTOCOL },
  { "/message/reject/cmethods-alone", BYTES ("CMETHODS"), PT_ERROR_PROTOCOL },
  { "/message/reject/cmethods-foo", BYTES ("CMETHODS FOO"), PT_ERROR_PROTOCOL },
  { "/message/reject/cmethods-done-trailing-space", BYTES ("CMETHODS DONE "), PT_ERROR_PROTOCOL },
  { "/message/reject/smethods-alone", BYTES ("SMETHODS"), PT_ERROR_PROTOCOL },
  { "/message/reject/smethods-done-extra", BYTES ("SMETHODS DONE DONE"), PT_ERROR_PROTOCOL },
  /* CMETHOD */
  { "/message/reject/cmethod-alone", BYTES ("CMETHOD"), PT_ERROR_PROTOCOL },
  { "/message/reject/cmethod-transport-only", BYTES ("CMETHOD trebuchet"), PT_ERROR_PROTOCOL },
  { "/message/reject/cmethod-no-address", BYTES ("CMETHOD trebuchet socks5"), PT_ERROR_PROTOCOL },
  { "/message/reject/cmethod-unknown-proxy-type", BYTES ("CMETHOD trebuchet http 127.0.0.1:1080"),
    PT_ERROR_PROTOCOL },
  { "/message/reject/cmethod-socks4a", BYTES ("CMETHOD trebuchet socks4a 127.0.0.1:1080"),
    PT_ERROR_PROTOCOL },
  { "/message/reject/cmethod-uppercase-socks5", BYTES ("CMETHOD trebuchet SOCKS5 127.0.0.1:1080"),
    PT_ERROR_PROTOCOL },
  { "/message/reject/cmethod-bad-transport", BYTES ("CMETHOD tre-buchet socks5 127.0.0.1:1080"),
    PT_ERROR_PROTOCOL },
  { "/message/reject/cmethod-empty-transport", BYTES ("CMETHOD  trebuchet socks5 127.0.0.1:1080"),
    PT_ERROR_PROTOCOL },
  { "/message/reject/cmethod-empty-address", BYTES ("CMETHOD trebuchet socks5  127.0.0.1:1080"),
    PT_ERROR_PROTOCOL },
  { "/message/reject/cmethod-host-name", BYTES ("CMETHOD trebuchet socks5 localhost:1080"),
    PT_ERROR_PROTOCOL },
  { "/message/reject/cmethod-port-0", BYTES ("CMETHOD trebuchet socks5 127.0.0.1:0"), PT_ERROR_PROTOCOL },
  { "/message/reject/cmethod-port-65536", BYTES ("CMETHOD trebuchet socks5 127.0.0.1:65536"),
    PT_ERROR_PROTOCOL },
  { "/message/reject/cmethod-no-port", BYTES ("CMETHOD trebuchet socks5 127.0.0.1"), PT_ERROR_PROTOCOL },
  { "/message/reject/cmethod-ipv6-no-brackets", BYTES ("CMETHOD trebuchet socks5 ::1:1080"),
    PT_ERROR_PROTOCOL },
  { "/message/reject/cmethod-error-alone", BYTES ("CMETHOD-ERROR"), PT_ERROR_PROTOCOL },
  { "/message/reject/cmethod-error-bad-transport", BYTES ("CMETHOD-ERROR 1trebuchet no rocks"),
    PT_ERROR_PROTOCOL },
  /* SMETHOD */
  { "/message/reject/smethod-alone", BYTES ("SMETHOD"), PT_ERROR_PROTOCOL },
  { "/message/reject/smethod-transport-only", BYTES ("SMETHOD trebuchet"), PT_ERROR_PROTOCOL },
  { "/message/reject/smethod-host-name", BYTES ("SMETHOD trebuchet example.com:443"), PT_ERROR_PROTOCOL },
  { "/message/reject/smethod-port-0", BYTES ("SMETHOD trebuchet 198.51.100.1:0"), PT_ERROR_PROTOCOL },
  { "/message/reject/smethod-port-65536", BYTES ("SMETHOD trebuchet [::1]:65536"), PT_ERROR_PROTOCOL },
  { "/message/reject/smethod-bad-transport", BYTES ("SMETHOD tre:buchet 198.51.100.1:1"),
    PT_ERROR_PROTOCOL },
  { "/message/reject/smethod-args-no-equals", BYTES ("SMETHOD rot_by_N 198.51.100.1:2323 ARGS:N"),
    PT_ERROR_PROTOCOL },
  { "/message/reject/smethod-args-empty-key", BYTES ("SMETHOD rot_by_N 198.51.100.1:2323 ARGS:=13"),
    PT_ERROR_PROTOCOL },
  { "/message/reject/smethod-args-trailing-backslash",
    BYTES ("SMETHOD rot_by_N 198.51.100.1:2323 ARGS:N=13\\"), PT_ERROR_PROTOCOL },
  { "/message/reject/smethod-args-twice",
    BYTES ("SMETHOD rot_by_N 198.51.100.1:2323 ARGS:N=13 ARGS:M=1"), PT_ERROR_PROTOCOL },
  { "/message/reject/smethod-error-alone", BYTES ("SMETHOD-ERROR"), PT_ERROR_PROTOCOL },
  { "/message/reject/smethod-error-bad-transport", BYTES ("SMETHOD-ERROR tre-buchet no cows"),
    PT_ERROR_PROTOCOL },
  /* LOG */
  { "/message/reject/log-alone", BYTES ("LOG"), PT_ERROR_PROTOCOL },
  { "/message/reject/log-no-message", BYTES ("LOG SEVERITY=info"), PT_ERROR_PROTOCOL },
  { "/message/reject/log-no-severity", BYTES ("LOG MESSAGE=hello"), PT_ERROR_PROTOCOL },
  { "/message/reject/log-unknown-severity", BYTES ("LOG SEVERITY=fatal MESSAGE=hello"), PT_ERROR_PROTOCOL },
  { "/message/reject/log-uppercase-severity", BYTES ("LOG SEVERITY=INFO MESSAGE=hello"), PT_ERROR_PROTOCOL },
  { "/message/reject/log-unterminated-quote", BYTES ("LOG SEVERITY=info MESSAGE=\"hello"),
    PT_ERROR_PROTOCOL },
  { "/message/reject/log-escaped-nul", BYTES ("LOG SEVERITY=info MESSAGE=\"a\\000b\""), PT_ERROR_PROTOCOL },
  { "/message/reject/log-junk-after-quote", BYTES ("LOG SEVERITY=info MESSAGE=\"a\"b"), PT_ERROR_PROTOCOL },
  { "/message/reject/log-pair-without-equals", BYTES ("LOG SEVERITY=info MESSAGE=a b"), PT_ERROR_PROTOCOL },
  /* STATUS */
  { "/message/reject/status-alone", BYTES ("STATUS"), PT_ERROR_PROTOCOL },
  { "/message/reject/status-only-spaces", BYTES ("STATUS   "), PT_ERROR_PROTOCOL },
  { "/message/reject/status-pair-without-equals", BYTES ("STATUS TRANSPORT=obfs4 CONNECTED"),
    PT_ERROR_PROTOCOL },
  { "/message/reject/status-unterminated-quote", BYTES ("STATUS TRANSPORT=\"obfs4"), PT_ERROR_PROTOCOL },
};

static void
test_reject (gconstpointer data)
{
  const RejectCase *test = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtMessage) message = _pt_message_parse (test->line, test->length, &error);

  g_assert_error (error, PT_ERROR, test->code);
  g_assert_null (message);
  /* Messages quote the line in printable form. */
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_null (strchr (error->message, '\n'));
}

typedef struct
{
  const char    *path;
  const char    *line;
  gsize          length;
  PtMessageKind  kind;
  const char    *keyword;
  const char    *transport;
  const char    *text;
  const char    *scheme;
  const char    *address;     /* as _pt_socket_address_to_string() gives it */
  const char    *options;
  PtLogSeverity  severity;    /* LOG only */
  const char    *table[11];   /* SMETHOD args or STATUS fields: keys and values, NULL-terminated */
} AcceptCase;

static const AcceptCase accept_cases[] = {
  { "/message/accept/version-1", BYTES ("VERSION 1"), PT_MESSAGE_VERSION, "VERSION",
    .text = "1" },
  { "/message/accept/version-error-no-version", BYTES ("VERSION-ERROR no-version"),
    PT_MESSAGE_VERSION_ERROR, "VERSION-ERROR", .text = "no-version" },
  { "/message/accept/version-error-without-message", BYTES ("VERSION-ERROR"),
    PT_MESSAGE_VERSION_ERROR, "VERSION-ERROR", .text = "" },
  { "/message/accept/env-error-with-spaces",
    BYTES ("ENV-ERROR No TOR_PT_AUTH_COOKIE_FILE when TOR_PT_EXTENDED_SERVER_PORT set"),
    PT_MESSAGE_ENV_ERROR, "ENV-ERROR",
    .text = "No TOR_PT_AUTH_COOKIE_FILE when TOR_PT_EXTENDED_SERVER_PORT set" },
  { "/message/accept/env-error-keeps-spaces", BYTES ("ENV-ERROR  two  spaces "),
    PT_MESSAGE_ENV_ERROR, "ENV-ERROR", .text = " two  spaces " },
  { "/message/accept/proxy-done", BYTES ("PROXY DONE"), PT_MESSAGE_PROXY_DONE, "PROXY", .transport = NULL },
  { "/message/accept/proxy-error", BYTES ("PROXY-ERROR SOCKS 4 upstream proxies unsupported."),
    PT_MESSAGE_PROXY_ERROR, "PROXY-ERROR", .text = "SOCKS 4 upstream proxies unsupported." },
  { "/message/accept/cmethod-socks5-ipv4", BYTES ("CMETHOD trebuchet socks5 127.0.0.1:19999"),
    PT_MESSAGE_CMETHOD, "CMETHOD", .transport = "trebuchet", .scheme = "socks5",
    .address = "127.0.0.1:19999" },
  { "/message/accept/cmethod-socks4-ipv4", BYTES ("CMETHOD obfs4 socks4 198.51.100.7:1"),
    PT_MESSAGE_CMETHOD, "CMETHOD", .transport = "obfs4", .scheme = "socks4",
    .address = "198.51.100.7:1" },
  { "/message/accept/cmethod-socks5-ipv6", BYTES ("CMETHOD obfs4 socks5 [::1]:65535"),
    PT_MESSAGE_CMETHOD, "CMETHOD", .transport = "obfs4", .scheme = "socks5",
    .address = "[::1]:65535" },
  { "/message/accept/cmethod-socks4-ipv6", BYTES ("CMETHOD meek_lite socks4 [2001:DB8::7]:1080"),
    PT_MESSAGE_CMETHOD, "CMETHOD", .transport = "meek_lite", .scheme = "socks4",
    .address = "[2001:db8::7]:1080" },
  { "/message/accept/cmethod-extra-arguments-ignored",
    BYTES ("CMETHOD trebuchet socks5 127.0.0.1:19999 ARGS:a=b future  stuff"),
    PT_MESSAGE_CMETHOD, "CMETHOD", .transport = "trebuchet", .scheme = "socks5",
    .address = "127.0.0.1:19999" },
  { "/message/accept/cmethod-error", BYTES ("CMETHOD-ERROR trebuchet no rocks available"),
    PT_MESSAGE_CMETHOD_ERROR, "CMETHOD-ERROR", .transport = "trebuchet",
    .text = "no rocks available" },
  { "/message/accept/cmethod-error-without-message", BYTES ("CMETHOD-ERROR trebuchet"),
    PT_MESSAGE_CMETHOD_ERROR, "CMETHOD-ERROR", .transport = "trebuchet", .text = "" },
  { "/message/accept/cmethod-error-keeps-spaces", BYTES ("CMETHOD-ERROR trebuchet  no  rocks "),
    PT_MESSAGE_CMETHOD_ERROR, "CMETHOD-ERROR", .transport = "trebuchet", .text = " no  rocks " },
  { "/message/accept/cmethods-done", BYTES ("CMETHODS DONE"), PT_MESSAGE_CMETHODS_DONE, "CMETHODS", .transport = NULL },
  { "/message/accept/smethod-without-options", BYTES ("SMETHOD trebuchet 198.51.100.1:19999"),
    PT_MESSAGE_SMETHOD, "SMETHOD", .transport = "trebuchet", .address = "198.51.100.1:19999",
    .table = { NULL } },
  { "/message/accept/smethod-trailing-space", BYTES ("SMETHOD trebuchet 198.51.100.1:19999 "),
    PT_MESSAGE_SMETHOD, "SMETHOD", .transport = "trebuchet", .address = "198.51.100.1:19999",
    .table = { NULL } },
  { "/message/accept/smethod-args", BYTES ("SMETHOD rot_by_N 198.51.100.1:2323 ARGS:N=13"),
    PT_MESSAGE_SMETHOD, "SMETHOD", .transport = "rot_by_N", .address = "198.51.100.1:2323",
    .options = "ARGS:N=13", .table = { "N", "13", NULL } },
  { "/message/accept/smethod-obfs4-args",
    BYTES ("SMETHOD obfs4 [::]:443 ARGS:cert=Vt0D+6Ji/Fa\\=\\=\\,x\\\\y,iat-mode=0"),
    PT_MESSAGE_SMETHOD, "SMETHOD", .transport = "obfs4", .address = "[::]:443",
    .options = "ARGS:cert=Vt0D+6Ji/Fa\\=\\=\\,x\\\\y,iat-mode=0",
    .table = { "cert", "Vt0D+6Ji/Fa==,x\\y", "iat-mode", "0", NULL } },
  { "/message/accept/smethod-unknown-options",
    BYTES ("SMETHOD obfs4 0.0.0.0:443 FOO:bar ARGS:N=1  BAZ"),
    PT_MESSAGE_SMETHOD, "SMETHOD", .transport = "obfs4", .address = "0.0.0.0:443",
    .options = "FOO:bar ARGS:N=1  BAZ", .table = { "N", "1", NULL } },
  { "/message/accept/smethod-options-without-args", BYTES ("SMETHOD obfs4 10.0.0.1:443 FOO"),
    PT_MESSAGE_SMETHOD, "SMETHOD", .transport = "obfs4", .address = "10.0.0.1:443",
    .options = "FOO", .table = { NULL } },
  { "/message/accept/smethod-error", BYTES ("SMETHOD-ERROR trebuchet no cows available"),
    PT_MESSAGE_SMETHOD_ERROR, "SMETHOD-ERROR", .transport = "trebuchet",
    .text = "no cows available" },
  { "/message/accept/smethods-done", BYTES ("SMETHODS DONE"), PT_MESSAGE_SMETHODS_DONE, "SMETHODS", .transport = NULL },
  { "/message/accept/log-quoted", BYTES ("LOG SEVERITY=debug MESSAGE=\"Connected to bridge A\""),
    PT_MESSAGE_LOG, "LOG", .text = "Connected to bridge A", .severity = PT_LOG_SEVERITY_DEBUG },
  { "/message/accept/log-escapes",
    BYTES ("LOG SEVERITY=warning MESSAGE=\"a\\nb\\tc\\rd\\\\e\\\"f\\101\\xC3\\xA9\""),
    PT_MESSAGE_LOG, "LOG", .text = "a\nb\tc\rd\\e\"fAé", .severity = PT_LOG_SEVERITY_WARNING },
  { "/message/accept/log-octal-utf8", BYTES ("LOG SEVERITY=notice MESSAGE=\"caf\\303\\251\""),
    PT_MESSAGE_LOG, "LOG", .text = "café", .severity = PT_LOG_SEVERITY_NOTICE },
  { "/message/accept/log-bare", BYTES ("LOG SEVERITY=error MESSAGE=oops"),
    PT_MESSAGE_LOG, "LOG", .text = "oops", .severity = PT_LOG_SEVERITY_ERROR },
  { "/message/accept/log-empty-message", BYTES ("LOG SEVERITY=info MESSAGE="),
    PT_MESSAGE_LOG, "LOG", .text = "", .severity = PT_LOG_SEVERITY_INFO },
  { "/message/accept/log-any-order-extra-keys", BYTES ("LOG  MESSAGE=x  EXTRA=1 SEVERITY=info "),
    PT_MESSAGE_LOG, "LOG", .text = "x", .severity = PT_LOG_SEVERITY_INFO },
  { "/message/accept/status-with-transport",
    BYTES ("STATUS TRANSPORT=obfs4 ADDRESS=198.51.100.123:1234 CONNECT=Success"),
    PT_MESSAGE_STATUS, "STATUS", .transport = "obfs4",
    .table = { "ADDRESS", "198.51.100.123:1234", "CONNECT", "Success", NULL } },
  { "/message/accept/status-keys-any-order",
    BYTES ("STATUS CONNECT=Failed ERRSTR=\"Connection refused\" TRANSPORT=obfs4 ADDRESS=198.51.100.222:2222"),
    PT_MESSAGE_STATUS, "STATUS", .transport = "obfs4",
    .table = { "CONNECT", "Failed", "ERRSTR", "Connection refused", "ADDRESS", "198.51.100.222:2222",
               NULL } },
  { "/message/accept/status-without-transport", BYTES ("STATUS PERCENT=42"),
    PT_MESSAGE_STATUS, "STATUS", .table = { "PERCENT", "42", NULL } },
  { "/message/accept/status-transport-only", BYTES ("STATUS TRANSPORT=obfs4"),
    PT_MESSAGE_STATUS, "STATUS", .transport = "obfs4", .table = { NULL } },
  { "/message/accept/status-quoted-transport", BYTES ("STATUS TRANSPORT=\"web tunnel\" X="),
    PT_MESSAGE_STATUS, "STATUS", .transport = "web tunnel", .table = { "X", "", NULL } },
  { "/message/accept/unknown-keyword", BYTES ("FUTURE-THING a  b\tc"), PT_MESSAGE_UNKNOWN,
    "FUTURE-THING", .transport = NULL },
  { "/message/accept/unknown-keyword-alone", BYTES ("X_1"), PT_MESSAGE_UNKNOWN, "X_1", .transport = NULL },
  { "/message/accept/unknown-lowercase-version", BYTES ("version 666"), PT_MESSAGE_UNKNOWN, "version", .transport = NULL },
  { "/message/accept/unknown-with-trailing-space", BYTES ("NEW "), PT_MESSAGE_UNKNOWN, "NEW", .transport = NULL },
};

static void
assert_table (GHashTable         *table,
              const char * const *pairs)
{
  guint n_pairs = 0;

  g_assert_nonnull (table);
  for (; *pairs != NULL; pairs += 2)
    {
      g_assert_true (g_hash_table_contains (table, pairs[0]));
      g_assert_cmpstr (g_hash_table_lookup (table, pairs[0]), ==, pairs[1]);
      n_pairs++;
    }
  g_assert_cmpuint (g_hash_table_size (table), ==, n_pairs);
}

static void
test_accept (gconstpointer data)
{
  const AcceptCase *test = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtMessage) message = _pt_message_parse (test->line, test->length, &error);
  g_autofree char *address = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (message);
  g_assert_cmpint (message->kind, ==, test->kind);
  g_assert_cmpstr (message->keyword, ==, test->keyword);
  g_assert_cmpstr (message->transport, ==, test->transport);
  g_assert_cmpstr (message->text, ==, test->text);
  g_assert_cmpstr (message->scheme, ==, test->scheme);
  g_assert_cmpstr (message->options, ==, test->options);

  if (message->address != NULL)
    address = _pt_socket_address_to_string (message->address);
  g_assert_cmpstr (address, ==, test->address);

  if (test->kind == PT_MESSAGE_LOG)
    g_assert_cmpint (message->severity, ==, test->severity);

  if (test->kind == PT_MESSAGE_SMETHOD)
    assert_table (message->args, test->table);
  else
    g_assert_null (message->args);

  if (test->kind == PT_MESSAGE_STATUS)
    assert_table (message->fields, test->table);
  else
    g_assert_null (message->fields);
}

/* The explicit length is what counts, not a terminating NUL. */
static void
test_accept_explicit_length (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtMessage) message = _pt_message_parse ("VERSION 1 and more", 9, &error);

  g_assert_no_error (error);
  g_assert_cmpint (message->kind, ==, PT_MESSAGE_VERSION);
  g_assert_cmpstr (message->text, ==, "1");
}

static void
test_reject_error_message_is_bounded (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtMessage) message = NULL;
  g_autoptr(GString) line = g_string_new ("CMETHOD trebuchet socks5 ");

  for (int i = 0; i < 10000; i++)
    g_string_append (line, "9\x01");

  message = _pt_message_parse (line->str, line->len, &error);
  g_assert_error (error, PT_ERROR, PT_ERROR_PROTOCOL);
  g_assert_null (message);
  g_assert_cmpuint (strlen (error->message), <, 1000);
  g_assert_null (strchr (error->message, '\x01'));
}

static void
test_free_null (void)
{
  _pt_message_free (NULL);
}

/* Every prefix of each string either parses or fails cleanly. */
static const struct
{
  const char *bytes;
  gsize       length;
} tricky_inputs[] = {
  { BYTES ("VERSION 1") },
  { BYTES ("VERSION-ERROR no-version") },
  { BYTES ("CMETHOD trebuchet socks5 [2001:db8::1]:19999 extra") },
  { BYTES ("CMETHOD-ERROR trebuchet  no  rocks") },
  { BYTES ("SMETHOD obfs4 [::]:443 ARGS:cert=Vt0D+6Ji/Fa\\=\\=\\,x\\\\y,iat-mode=0 OTHER") },
  { BYTES ("SMETHOD obfs4 127.0.0.1:1 ARGS:a=b ARGS:c=d") },
  { BYTES ("LOG SEVERITY=warning MESSAGE=\"a\\nb\\tc\\rd\\\\e\\\"f\\101\\xC3\\xA9\\377\\400\\x0\"") },
  { BYTES ("LOG SEVERITY=info MESSAGE=\"\\000\" X=\"\\x00\"") },
  { BYTES ("STATUS TRANSPORT=\"obfs4\" A= B=\"\" C=\"x\"y D=e=f G\"=1") },
  { BYTES ("PROXY DONE\0CMETHODS DONE") },
  { BYTES ("CMETHODS DONE \xc3\xa9\x80\xff") },
  { BYTES ("  =\"\\\\\"\\") },
  { BYTES ("STATUS \"\"\"=\"\\x") },
};

static void
test_prefixes (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (tricky_inputs); i++)
    {
      for (gsize length = 0; length <= tricky_inputs[i].length; length++)
        {
          g_autoptr(GError) message_error = NULL;
          g_autoptr(GError) kvline_error = NULL;
          g_autoptr(PtMessage) message = NULL;
          g_autoptr(GHashTable) pairs = NULL;

          message = _pt_message_parse (tricky_inputs[i].bytes, length, &message_error);
          g_assert_true ((message == NULL) != (message_error == NULL));

          pairs = _pt_kvline_parse (tricky_inputs[i].bytes, length, &kvline_error);
          g_assert_true ((pairs == NULL) != (kvline_error == NULL));
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (reject_cases); i++)
    g_test_add_data_func (reject_cases[i].path, &reject_cases[i], test_reject);
  for (gsize i = 0; i < G_N_ELEMENTS (accept_cases); i++)
    g_test_add_data_func (accept_cases[i].path, &accept_cases[i], test_accept);

  g_test_add_func ("/message/accept/explicit-length", test_accept_explicit_length);
  g_test_add_func ("/message/reject/error-message-is-bounded", test_reject_error_message_is_bounded);
  g_test_add_func ("/message/free-null", test_free_null);
  g_test_add_func ("/message/every-prefix", test_prefixes);

  return g_test_run ();
}
