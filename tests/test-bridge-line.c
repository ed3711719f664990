/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <glib.h>

#include "test-util.h"

#define FP "4D3E4561149907025571827A1277661B5F9FCA46"
#define FP_LOWER "4d3e4561149907025571827a1277661b5f9fca46"
#define CERT "ssH+9rP8dG2NLDN2XuFw63hIO/9MNNinLmxQDpVa+7kTOa9/m+tGWT1SmSYpQ9uTBGa6Hw"

/* Lines that parse: every value they give, and their canonical form. */
typedef struct
{
  const char *path;
  const char *line;
  const char *transport;
  const char *host;
  guint16     port;
  const char *fingerprint;
  const char *args[9];        /* key, value, ... in order, NULL-terminated */
  const char *canonical;
} AcceptCase;

static const AcceptCase accept_cases[] = {
  { "/bridge-line/accept/obfs4",
    "obfs4 192.0.2.3:443 " FP " cert=" CERT " iat-mode=0",
    "obfs4", "192.0.2.3", 443, FP, { "cert", CERT, "iat-mode", "0", NULL },
    "obfs4 192.0.2.3:443 " FP " cert=" CERT " iat-mode=0" },
  { "/bridge-line/accept/bridge-keyword",
    "Bridge obfs4 192.0.2.3:443 " FP " cert=" CERT " iat-mode=0",
    "obfs4", "192.0.2.3", 443, FP, { "cert", CERT, "iat-mode", "0", NULL },
    "obfs4 192.0.2.3:443 " FP " cert=" CERT " iat-mode=0" },
  { "/bridge-line/accept/bridge-keyword-lower-case",
    "bridge obfs3 192.0.2.4:80",
    "obfs3", "192.0.2.4", 80, NULL, { NULL },
    "obfs3 192.0.2.4:80" },
  { "/bridge-line/accept/bridge-keyword-upper-case",
    "BRIDGE obfs3 192.0.2.4:80",
    "obfs3", "192.0.2.4", 80, NULL, { NULL },
    "obfs3 192.0.2.4:80" },
  { "/bridge-line/accept/transport-named-bridge",
    "Bridge bridge 192.0.2.4:80",
    "bridge", "192.0.2.4", 80, NULL, { NULL },
    "Bridge bridge 192.0.2.4:80" },
  { "/bridge-line/accept/runs-of-blanks",
    " \t obfs4\t\t192.0.2.3:443  " FP " \tcert=" CERT "   iat-mode=0 \t ",
    "obfs4", "192.0.2.3", 443, FP, { "cert", CERT, "iat-mode", "0", NULL },
    "obfs4 192.0.2.3:443 " FP " cert=" CERT " iat-mode=0" },
  { "/bridge-line/accept/no-fingerprint",
    "obfs4 192.0.2.3:443 cert=" CERT " iat-mode=1",
    "obfs4", "192.0.2.3", 443, NULL, { "cert", CERT, "iat-mode", "1", NULL },
    "obfs4 192.0.2.3:443 cert=" CERT " iat-mode=1" },
  { "/bridge-line/accept/fingerprint-only",
    "obfs4 192.0.2.3:443 " FP,
    "obfs4", "192.0.2.3", 443, FP, { NULL },
    "obfs4 192.0.2.3:443 " FP },
  { "/bridge-line/accept/fingerprint-lower-case",
    "obfs4 192.0.2.3:443 " FP_LOWER " iat-mode=2",
    "obfs4", "192.0.2.3", 443, FP, { "iat-mode", "2", NULL },
    "obfs4 192.0.2.3:443 " FP " iat-mode=2" },
  { "/bridge-line/accept/fingerprint-dollar",
    "obfs4 192.0.2.3:443 $" FP_LOWER,
    "obfs4", "192.0.2.3", 443, FP, { NULL },
    "obfs4 192.0.2.3:443 " FP },
  { "/bridge-line/accept/ipv6",
    "obfs4 [2001:DB8:0:0::1]:9001 " FP " cert=" CERT,
    "obfs4", "2001:db8::1", 9001, FP, { "cert", CERT, NULL },
    "obfs4 [2001:db8::1]:9001 " FP " cert=" CERT },
  { "/bridge-line/accept/ipv4-mapped-ipv6",
    "obfs4 [::ffff:192.0.2.3]:443",
    "obfs4", "::ffff:192.0.2.3", 443, NULL, { NULL },
    "obfs4 [::ffff:192.0.2.3]:443" },
  { "/bridge-line/accept/port-1",
    "x 10.0.0.1:1",
    "x", "10.0.0.1", 1, NULL, { NULL },
    "x 10.0.0.1:1" },
  { "/bridge-line/accept/port-65535",
    "_x9 10.0.0.1:65535",
    "_x9", "10.0.0.1", 65535, NULL, { NULL },
    "_x9 10.0.0.1:65535" },
  { "/bridge-line/accept/value-with-equals",
    "obfs4 192.0.2.3:443 cert=abc== pair=a=b",
    "obfs4", "192.0.2.3", 443, NULL, { "cert", "abc==", "pair", "a=b", NULL },
    "obfs4 192.0.2.3:443 cert=abc== pair=a=b" },
  { "/bridge-line/accept/empty-value",
    "obfs4 192.0.2.3:443 iat-mode=",
    "obfs4", "192.0.2.3", 443, NULL, { "iat-mode", "", NULL },
    "obfs4 192.0.2.3:443 iat-mode=" },
  { "/bridge-line/accept/order-kept",
    "meek_lite 192.0.2.18:80 url=https://meek.example.net/ front=cdn.example.com a=1",
    "meek_lite", "192.0.2.18", 80, NULL,
    { "url", "https://meek.example.net/", "front", "cdn.example.com", "a", "1", NULL },
    "meek_lite 192.0.2.18:80 url=https://meek.example.net/ front=cdn.example.com a=1" },
  { "/bridge-line/accept/snowflake",
    "snowflake 192.0.2.3:80 2B280B23E1107BB62ABFC40DDCC8824814F80A72 "
    "fingerprint=2B280B23E1107BB62ABFC40DDCC8824814F80A72 "
    "ice=stun:stun.example.net:3478,stun:stun.example.org:3478 utls-imitate=hellorandomizedalpn",
    "snowflake", "192.0.2.3", 80, "2B280B23E1107BB62ABFC40DDCC8824814F80A72",
    { "fingerprint", "2B280B23E1107BB62ABFC40DDCC8824814F80A72",
      "ice", "stun:stun.example.net:3478,stun:stun.example.org:3478",
      "utls-imitate", "hellorandomizedalpn", NULL },
    "snowflake 192.0.2.3:80 2B280B23E1107BB62ABFC40DDCC8824814F80A72 "
    "fingerprint=2B280B23E1107BB62ABFC40DDCC8824814F80A72 "
    "ice=stun:stun.example.net:3478,stun:stun.example.org:3478 utls-imitate=hellorandomizedalpn" },
  { "/bridge-line/accept/key-like-fingerprint",
    "obfs4 192.0.2.3:443 $" FP "=1",
    "obfs4", "192.0.2.3", 443, NULL, { "$" FP, "1", NULL },
    "obfs4 192.0.2.3:443 $" FP "=1" },
  { "/bridge-line/accept/utf8-value",
    "obfs4 192.0.2.3:443 name=caf\xc3\xa9",
    "obfs4", "192.0.2.3", 443, NULL, { "name", "caf\xc3\xa9", NULL },
    "obfs4 192.0.2.3:443 name=caf\xc3\xa9" },
};

static void
assert_args (PtBridgeLine      *bridge,
             const char * const *expected)
{
  g_autoptr(GHashTable) args = pt_bridge_line_dup_args (bridge);
  guint n = 0;

  for (; expected[n] != NULL; n += 2)
    {
      g_assert_true (g_hash_table_contains (args, expected[n]));
      g_assert_cmpstr (g_hash_table_lookup (args, expected[n]), ==, expected[n + 1]);
    }
  g_assert_cmpuint (g_hash_table_size (args), ==, n / 2);
}

static void
test_accept (gconstpointer data)
{
  const AcceptCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBridgeLine) bridge = pt_bridge_line_parse (c->line, &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (bridge);
  g_assert_cmpstr (pt_bridge_line_get_transport (bridge), ==, c->transport);
  g_assert_cmpstr (pt_bridge_line_get_host (bridge), ==, c->host);
  g_assert_cmpuint (pt_bridge_line_get_port (bridge), ==, c->port);
  g_assert_cmpstr (pt_bridge_line_get_fingerprint (bridge), ==, c->fingerprint);
  assert_args (bridge, c->args);

  text = pt_bridge_line_to_string (bridge);
  g_assert_cmpstr (text, ==, c->canonical);
}

/* parse (to_string (x)) == x, and the canonical form is a fixed point. */
static void
test_round_trip (gconstpointer data)
{
  const AcceptCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBridgeLine) bridge = pt_bridge_line_parse (c->line, &error);
  g_autofree char *text = NULL;
  g_autoptr(PtBridgeLine) again = NULL;
  g_autofree char *text_again = NULL;

  g_assert_no_error (error);
  text = pt_bridge_line_to_string (bridge);
  again = pt_bridge_line_parse (text, &error);
  g_assert_no_error (error);
  g_assert_true (pt_bridge_line_equal (bridge, again));
  g_assert_true (pt_bridge_line_equal (again, bridge));
  assert_args (again, c->args);
  text_again = pt_bridge_line_to_string (again);
  g_assert_cmpstr (text_again, ==, text);
}

/* Lines that do not parse: each error is PT_ERROR_INVALID_ARGUMENT, and its
 * message says what is wrong (@what) and quotes the offending part (@quoted,
 * made printable). */
typedef struct
{
  const char *path;
  const char *line;
  const char *what;
  const char *quoted;
} RejectCase;

static const RejectCase reject_cases[] = {
  { "/bridge-line/reject/empty", "", "empty", NULL },
  { "/bridge-line/reject/blank", " \t  ", "empty", NULL },
  { "/bridge-line/reject/keyword-only", "Bridge", "empty", NULL },
  { "/bridge-line/reject/keyword-and-blanks", "bridge \t", "empty", NULL },
  { "/bridge-line/reject/transport-only", "obfs4", "no address", "“obfs4”" },
  { "/bridge-line/reject/no-transport", "192.0.2.3:443 " FP, "no transport name", "“192.0.2.3:443”" },
  { "/bridge-line/reject/vanilla-bridge", "Bridge 192.0.2.3:443", "no transport name",
    "“192.0.2.3:443”" },
  { "/bridge-line/reject/transport-dash", "web-tunnel 192.0.2.3:443", "not a valid transport name",
    "“web-tunnel”" },
  { "/bridge-line/reject/transport-digit", "4obfs 192.0.2.3:443", "not a valid transport name",
    "“4obfs”" },
  { "/bridge-line/reject/transport-non-ascii", "caf\xc3\xa9 192.0.2.3:443",
    "not a valid transport name", "“caf\\xC3\\xA9”" },
  { "/bridge-line/reject/no-port", "obfs4 192.0.2.3 " FP, "has no port", "“192.0.2.3”" },
  { "/bridge-line/reject/host-name", "obfs4 bridge.example.com:443",
    "host name", "“bridge.example.com:443”" },
  { "/bridge-line/reject/localhost", "obfs4 localhost:443", "host name", "“localhost:443”" },
  { "/bridge-line/reject/bad-ipv4", "obfs4 192.0.2.256:443", "not start with an IP address",
    "“192.0.2.256:443”" },
  { "/bridge-line/reject/short-ipv4", "obfs4 10.1:443", "not start with an IP address",
    "“10.1:443”" },
  { "/bridge-line/reject/port-0", "obfs4 192.0.2.3:0", "port from 1 to 65535", "“192.0.2.3:0”" },
  { "/bridge-line/reject/port-65536", "obfs4 192.0.2.3:65536", "port from 1 to 65535",
    "“192.0.2.3:65536”" },
  { "/bridge-line/reject/port-name", "obfs4 192.0.2.3:https", "port from 1 to 65535",
    "“192.0.2.3:https”" },
  { "/bridge-line/reject/port-negative", "obfs4 192.0.2.3:-1", "port from 1 to 65535",
    "“192.0.2.3:-1”" },
  { "/bridge-line/reject/port-empty", "obfs4 192.0.2.3:", "port from 1 to 65535",
    "“192.0.2.3:”" },
  { "/bridge-line/reject/ipv6-without-brackets", "obfs4 2001:db8::1:443", "brackets",
    "“2001:db8::1:443”" },
  { "/bridge-line/reject/ipv6-without-port", "obfs4 [2001:db8::1]", "port from 1 to 65535",
    "“[2001:db8::1]”" },
  { "/bridge-line/reject/ipv4-in-brackets", "obfs4 [192.0.2.3]:443", "not start with an IP address",
    "“[192.0.2.3]:443”" },
  { "/bridge-line/reject/ipv6-zone", "obfs4 [fe80::1%eth0]:443", "not start with an IP address",
    "“[fe80::1%eth0]:443”" },
  { "/bridge-line/reject/stray-word", "obfs4 192.0.2.3:443 " FP " iat-mode", "neither a fingerprint",
    "“iat-mode”" },
  { "/bridge-line/reject/short-fingerprint", "obfs4 192.0.2.3:443 4D3E456114990702557182",
    "neither a fingerprint", "“4D3E456114990702557182”" },
  { "/bridge-line/reject/fingerprint-39", "obfs4 192.0.2.3:443 4D3E4561149907025571827A1277661B5F9FCA4",
    "neither a fingerprint", "“4D3E4561149907025571827A1277661B5F9FCA4”" },
  { "/bridge-line/reject/fingerprint-41", "obfs4 192.0.2.3:443 " FP "0", "neither a fingerprint",
    "“" FP "0”" },
  { "/bridge-line/reject/fingerprint-not-hex", "obfs4 192.0.2.3:443 4D3E4561149907025571827A1277661B5F9FCA4G",
    "neither a fingerprint", "“4D3E4561149907025571827A1277661B5F9FCA4G”" },
  { "/bridge-line/reject/fingerprint-after-args", "obfs4 192.0.2.3:443 iat-mode=0 " FP,
    "right after the bridge address", "“" FP "”" },
  { "/bridge-line/reject/two-fingerprints", "obfs4 192.0.2.3:443 " FP " " FP,
    "right after the bridge address", "“" FP "”" },
  { "/bridge-line/reject/empty-key", "obfs4 192.0.2.3:443 =abc", "empty key", "“=abc”" },
  { "/bridge-line/reject/lone-equals", "obfs4 192.0.2.3:443 a=1 =", "empty key", "“=”" },
  { "/bridge-line/reject/duplicate-key", "obfs4 192.0.2.3:443 cert=a iat-mode=0 cert=b",
    "repeats the key", "“cert=b”" },
  { "/bridge-line/reject/newline", "obfs4 192.0.2.3:443\n", "control character",
    "“192.0.2.3:443\\x0A”" },
  { "/bridge-line/reject/carriage-return", "obfs4 192.0.2.3:443 cert=a\rb", "control character",
    "“cert=a\\x0Db”" },
  { "/bridge-line/reject/control-in-transport", "obfs\x01 192.0.2.3:443", "control character",
    "“obfs\\x01”" },
  { "/bridge-line/reject/vertical-tab", "obfs4\v192.0.2.3:443", "control character",
    "“obfs4\\x0B192.0.2.3:443”" },
  { "/bridge-line/reject/delete", "obfs4 192.0.2.3:443 k=\x7f", "control character",
    "“k=\\x7F”" },
  { "/bridge-line/reject/not-utf8", "obfs4 192.0.2.3:443 k=\xff", "not valid UTF-8", "“k=\\xFF”" },
};

static void
test_reject (gconstpointer data)
{
  const RejectCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBridgeLine) bridge = pt_bridge_line_parse (c->line, &error);

  g_assert_null (bridge);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  if (strstr (error->message, c->what) == NULL)
    g_error ("“%s” is not in the message: %s", c->what, error->message);
  if (c->quoted != NULL && strstr (error->message, c->quoted) == NULL)
    g_error ("“%s” is not in the message: %s", c->quoted, error->message);
}

/* A message quotes at most 80 bytes of what it rejects. */
static void
test_reject_long_token (void)
{
  g_autofree char *junk = g_strnfill (10000, 'x');
  g_autofree char *line = g_strdup_printf ("obfs4 192.0.2.3:443 %s", junk);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBridgeLine) bridge = pt_bridge_line_parse (line, &error);

  g_assert_null (bridge);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (strlen (error->message), <, 300);
  g_assert_nonnull (strstr (error->message, "…"));
}

/* pt_bridge_line_new(): what bindings call with a dict. */

static void
test_new (void)
{
  g_autoptr(GHashTable) args = pt_test_args_new ("iat-mode", "0", "cert", CERT, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBridgeLine) bridge =
    pt_bridge_line_new ("obfs4", "192.0.2.3", 443, FP_LOWER, args, &error);
  g_autoptr(PtBridgeLine) parsed = NULL;
  g_autofree char *text = NULL;
  const char *expected_args[] = { "cert", CERT, "iat-mode", "0", NULL };

  g_assert_no_error (error);
  g_assert_cmpstr (pt_bridge_line_get_transport (bridge), ==, "obfs4");
  g_assert_cmpstr (pt_bridge_line_get_host (bridge), ==, "192.0.2.3");
  g_assert_cmpuint (pt_bridge_line_get_port (bridge), ==, 443);
  g_assert_cmpstr (pt_bridge_line_get_fingerprint (bridge), ==, FP);
  assert_args (bridge, expected_args);

  /* The table is copied, and its keys come out sorted. */
  g_hash_table_remove_all (args);
  assert_args (bridge, expected_args);
  text = pt_bridge_line_to_string (bridge);
  g_assert_cmpstr (text, ==, "obfs4 192.0.2.3:443 " FP " cert=" CERT " iat-mode=0");

  parsed = pt_bridge_line_parse ("Bridge obfs4 192.0.2.3:443 " FP " iat-mode=0 cert=" CERT, &error);
  g_assert_no_error (error);
  g_assert_true (pt_bridge_line_equal (bridge, parsed));
}

static void
test_new_minimal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBridgeLine) bridge =
    pt_bridge_line_new ("obfs3", "2001:DB8::7", 8080, NULL, NULL, &error);
  g_autoptr(GHashTable) args = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (pt_bridge_line_get_host (bridge), ==, "2001:db8::7");
  g_assert_null (pt_bridge_line_get_fingerprint (bridge));
  args = pt_bridge_line_dup_args (bridge);
  g_assert_cmpuint (g_hash_table_size (args), ==, 0);
  text = pt_bridge_line_to_string (bridge);
  g_assert_cmpstr (text, ==, "obfs3 [2001:db8::7]:8080");
}

/* A table from a binding may hold NULL values: they are empty ones. */
static void
test_new_null_value (void)
{
  g_autoptr(GHashTable) args = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBridgeLine) bridge = NULL;
  g_autofree char *text = NULL;

  g_hash_table_insert (args, "iat-mode", NULL);
  bridge = pt_bridge_line_new ("obfs4", "192.0.2.3", 443, "$" FP, args, &error);
  g_assert_no_error (error);
  text = pt_bridge_line_to_string (bridge);
  g_assert_cmpstr (text, ==, "obfs4 192.0.2.3:443 " FP " iat-mode=");
}

typedef struct
{
  const char *path;
  const char *transport;
  const char *host;
  guint16     port;
  const char *fingerprint;
  const char *key;            /* one argument, or NULL */
  const char *value;
  const char *what;
} NewRejectCase;

static const NewRejectCase new_reject_cases[] = {
  { "/bridge-line/new/reject/transport", "obfs-4", "192.0.2.3", 443, NULL, NULL, NULL,
    "“obfs-4” is not a valid transport name" },
  { "/bridge-line/new/reject/empty-transport", "", "192.0.2.3", 443, NULL, NULL, NULL,
    "“” is not a valid transport name" },
  { "/bridge-line/new/reject/host-name", "obfs4", "bridge.example.com", 443, NULL, NULL, NULL,
    "“bridge.example.com” is not an IP address" },
  { "/bridge-line/new/reject/empty-host", "obfs4", "", 443, NULL, NULL, NULL,
    "“” is not an IP address" },
  { "/bridge-line/new/reject/bracketed-host", "obfs4", "[2001:db8::1]", 443, NULL, NULL, NULL,
    "“[2001:db8::1]” is not an IP address" },
  { "/bridge-line/new/reject/zone-id", "obfs4", "fe80::1%eth0", 443, NULL, NULL, NULL,
    "“fe80::1%eth0” is not an IP address" },
  { "/bridge-line/new/reject/port-0", "obfs4", "192.0.2.3", 0, NULL, NULL, NULL,
    "port is 0" },
  { "/bridge-line/new/reject/short-fingerprint", "obfs4", "192.0.2.3", 443, "4D3E", NULL, NULL,
    "“4D3E” is not a fingerprint" },
  { "/bridge-line/new/reject/empty-fingerprint", "obfs4", "192.0.2.3", 443, "", NULL, NULL,
    "“” is not a fingerprint" },
  { "/bridge-line/new/reject/empty-key", "obfs4", "192.0.2.3", 443, NULL, "", "x",
    "value “x” has an empty key" },
  { "/bridge-line/new/reject/key-with-equals", "obfs4", "192.0.2.3", 443, NULL, "a=b", "x",
    "“a=b” contains “=”" },
  { "/bridge-line/new/reject/key-with-space", "obfs4", "192.0.2.3", 443, NULL, "a b", "x",
    "“a b” contains a space or a tab" },
  { "/bridge-line/new/reject/value-with-space", "obfs4", "192.0.2.3", 443, NULL, "cert", "a b",
    "“cert” contains a space or a tab" },
  { "/bridge-line/new/reject/value-with-tab", "obfs4", "192.0.2.3", 443, NULL, "cert", "a\tb",
    "“cert” contains a space or a tab" },
  { "/bridge-line/new/reject/value-with-newline", "obfs4", "192.0.2.3", 443, NULL, "cert", "a\nb",
    "“cert” contains a control character" },
  { "/bridge-line/new/reject/key-with-control", "obfs4", "192.0.2.3", 443, NULL, "c\x1b", "x",
    "“c\\x1B” contains a control character" },
  { "/bridge-line/new/reject/value-not-utf8", "obfs4", "192.0.2.3", 443, NULL, "cert", "\xc3",
    "“cert” is not valid UTF-8" },
};

static void
test_new_reject (gconstpointer data)
{
  const NewRejectCase *c = data;
  g_autoptr(GHashTable) args = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBridgeLine) bridge = NULL;

  if (c->key != NULL)
    args = pt_test_args_new (c->key, c->value, NULL);
  bridge = pt_bridge_line_new (c->transport, c->host, c->port, c->fingerprint, args, &error);
  g_assert_null (bridge);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT);
  if (strstr (error->message, c->what) == NULL)
    g_error ("“%s” is not in the message: %s", c->what, error->message);
}

/* Whatever pt_bridge_line_new() accepts formats to a line that parses back
 * to an equal value. */
static void
test_new_round_trip (void)
{
  const char *values[] = { "", "=", "a=b==", "caf\xc3\xa9", "$" FP, "\\;:,", NULL };

  for (guint i = 0; values[i] != NULL; i++)
    {
      g_autoptr(GHashTable) args = pt_test_args_new ("k", values[i], "$k", "v", NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(PtBridgeLine) bridge =
        pt_bridge_line_new ("t", "::", 1, NULL, args, &error);
      g_autofree char *text = NULL;
      g_autoptr(PtBridgeLine) parsed = NULL;

      g_assert_no_error (error);
      text = pt_bridge_line_to_string (bridge);
      parsed = pt_bridge_line_parse (text, &error);
      g_assert_no_error (error);
      g_assert_true (pt_bridge_line_equal (bridge, parsed));
    }
}

/* Equality */

static gboolean
lines_equal (const char *a,
             const char *b)
{
  g_autoptr(PtBridgeLine) line_a = pt_bridge_line_parse (a, NULL);
  g_autoptr(PtBridgeLine) line_b = pt_bridge_line_parse (b, NULL);

  g_assert_nonnull (line_a);
  g_assert_nonnull (line_b);
  g_assert_true (pt_bridge_line_equal (line_a, line_b) == pt_bridge_line_equal (line_b, line_a));
  return pt_bridge_line_equal (line_a, line_b);
}

static void
test_equal (void)
{
  g_assert_true (lines_equal ("t 10.0.0.1:5 a=1 b=2", "t 10.0.0.1:5 b=2 a=1"));
  g_assert_true (lines_equal ("t 10.0.0.1:5 " FP, "Bridge t 10.0.0.1:5 $" FP_LOWER));
  g_assert_true (lines_equal ("t [::1]:5", "t [0:0::1]:5"));
  g_assert_false (lines_equal ("t 10.0.0.1:5", "u 10.0.0.1:5"));
  g_assert_false (lines_equal ("t 10.0.0.1:5", "t 10.0.0.2:5"));
  g_assert_false (lines_equal ("t 10.0.0.1:5", "t 10.0.0.1:6"));
  g_assert_false (lines_equal ("t 10.0.0.1:5", "t 10.0.0.1:5 " FP));
  g_assert_false (lines_equal ("t 10.0.0.1:5 a=1", "t 10.0.0.1:5"));
  g_assert_false (lines_equal ("t 10.0.0.1:5 a=1", "t 10.0.0.1:5 a=2"));
  g_assert_false (lines_equal ("t 10.0.0.1:5 a=1", "t 10.0.0.1:5 b=1"));
  g_assert_false (lines_equal ("t 10.0.0.1:5 a=", "t 10.0.0.1:5 a=1"));
}

/* The boxed type: copy is a new reference to the same immutable value. */
static void
test_boxed (void)
{
  g_autoptr(PtBridgeLine) bridge = pt_bridge_line_parse ("obfs4 192.0.2.3:443", NULL);
  PtBridgeLine *copy;
  GValue value = G_VALUE_INIT;

  g_assert_true (G_TYPE_IS_BOXED (PT_TYPE_BRIDGE_LINE));
  g_assert_cmpstr (g_type_name (PT_TYPE_BRIDGE_LINE), ==, "PtBridgeLine");

  copy = g_boxed_copy (PT_TYPE_BRIDGE_LINE, bridge);
  g_assert_true (copy == bridge);
  g_boxed_free (PT_TYPE_BRIDGE_LINE, copy);

  g_value_init (&value, PT_TYPE_BRIDGE_LINE);
  g_value_set_boxed (&value, bridge);
  g_assert_true (g_value_get_boxed (&value) == bridge);
  g_value_unset (&value);

  g_assert_true (pt_bridge_line_ref (bridge) == bridge);
  pt_bridge_line_unref (bridge);
  g_assert_cmpstr (pt_bridge_line_get_transport (bridge), ==, "obfs4");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (accept_cases); i++)
    {
      g_autofree char *round_trip = NULL;

      g_test_add_data_func (accept_cases[i].path, &accept_cases[i], test_accept);
      round_trip = g_strconcat ("/bridge-line/round-trip/",
                                strrchr (accept_cases[i].path, '/') + 1, NULL);
      g_test_add_data_func (round_trip, &accept_cases[i], test_round_trip);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (reject_cases); i++)
    g_test_add_data_func (reject_cases[i].path, &reject_cases[i], test_reject);
  g_test_add_func ("/bridge-line/reject/long-token", test_reject_long_token);

  g_test_add_func ("/bridge-line/new/accept", test_new);
  g_test_add_func ("/bridge-line/new/minimal", test_new_minimal);
  g_test_add_func ("/bridge-line/new/null-value", test_new_null_value);
  g_test_add_func ("/bridge-line/new/round-trip", test_new_round_trip);
  for (gsize i = 0; i < G_N_ELEMENTS (new_reject_cases); i++)
    g_test_add_data_func (new_reject_cases[i].path, &new_reject_cases[i], test_new_reject);

  g_test_add_func ("/bridge-line/equal", test_equal);
  g_test_add_func ("/bridge-line/boxed", test_boxed);

  return g_test_run ();
}
