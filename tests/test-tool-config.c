/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "pt-tool-config.h"
#include "test-util.h"

/* A string literal and its length, which may count embedded NUL bytes. */
#define TEXT(literal) (literal), (sizeof (literal) - 1)

#define PATH "tunnel.ini"

#define CERT "TT5FYRSZBwJVcYJ6EndmG1+fykZDk9dkEEJiCmCIGnLrtH74xaWECstPhY5cACbLLnX9bw"
#define FP "4D3E4561149907025571827A1277661B5F9FCA46"

/* A minimal client configuration, one tunnel [t]; lines 1 to 7. */
#define CLIENT_START "[client]\nexec = obfs4proxy\ntunnels = t\n"
#define TUNNEL_START "[t]\ntransport = obfs4\n"
#define CLIENT_HEAD CLIENT_START TUNNEL_START "listen = 127.0.0.1:1\nupstream = 192.0.2.1:2\n"

/* A minimal server configuration, one tunnel [s]. */
#define SERVER_START "[server]\nexec = obfs4proxy\nforward = 127.0.0.1:7000\ntunnels = s\n"
#define SERVER_HEAD SERVER_START "[s]\ntransport = obfs4\nlisten = 0.0.0.0:443\n"

/* The example configuration of the Python ptadapter console tool (its keys
 * and values; the comments are ours): both ends of obfs4 and obfs3
 * tunnels in one file. */
static const char python_example[] =
  "# Both ends in one file: -C reads [client], -S and -E read [server].\n"
  "[client]\n"
  "exec = /usr/bin/obfs4proxy\n"
  "state = ./state\n"
  "tunnels = client_obfs4_1 client_obfs4_2 client_obfs3\n"
  "\n"
  "[client_obfs4_1]\n"
  "transport = obfs4\n"
  "listen = 127.0.0.1:8000\n"
  "upstream = 127.0.0.1:7900\n"
  "options-cert = " CERT "\n"
  "options-iat-mode = 0\n"
  "\n"
  "[client_obfs4_2]\n"
  "transport = obfs4\n"
  "listen = 127.0.0.1:8001\n"
  "upstream = 127.0.0.1:7900\n"
  "options-cert = " CERT "\n"
  "options-iat-mode = 0\n"
  "\n"
  "[client_obfs3]\n"
  "transport = obfs3\n"
  "listen = 127.0.0.1:8002\n"
  "upstream = 127.0.0.1:7901\n"
  "\n"
  "\n"
  "[server]\n"
  "exec = /usr/bin/obfs4proxy\n"
  "state = ./state\n"
  "forward = 127.0.0.1:7000\n"
  "tunnels = server_obfs4 server_obfs3\n"
  "\n"
  "[server_obfs4]\n"
  "transport = obfs4\n"
  "listen = 127.0.0.1:7900\n"
  "options-node-id = 4d3e4561149907025571827a1277661b5f9fca46\n"
  "options-private-key = 7886017adfd178cd139e91250dddee0b2af8ab6cf93f1fe9a7a469d3a13a3067\n"
  "options-public-key = 4393d7641042620a60881a72ebb47ef8c5a5840acb4f858e5c0026cb2e75fd6f\n"
  "options-drbg-seed = c23e876ddc408cc392317e017a6796a96161f76d8dd90522\n"
  "options-iat-mode = 0\n"
  "\n"
  "[server_obfs3]\n"
  "transport = obfs3\n"
  "listen = 127.0.0.1:7901";

static PtToolConfig *
parse_ok (const char *text,
          gsize       length,
          PtToolRole  role)
{
  g_autoptr(GError) error = NULL;
  PtToolConfig *config = pt_tool_config_parse (text, length, PATH, role, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpint (config->role, ==, role);
  g_assert_cmpstr (config->path, ==, PATH);
  return config;
}

static PtToolTunnel *
get_tunnel (PtToolConfig *config,
            guint         index)
{
  g_assert_cmpuint (index, <, config->tunnels->len);
  return g_ptr_array_index (config->tunnels, index);
}

/* @expected: key, value, ..., NULL */
static void
assert_options (GHashTable         *options,
                const char * const *expected)
{
  guint n = 0;

  g_assert_nonnull (options);
  for (; expected[n] != NULL; n += 2)
    {
      if (!g_hash_table_contains (options, expected[n]))
        g_error ("no option “%s”", expected[n]);
      g_assert_cmpstr (g_hash_table_lookup (options, expected[n]), ==, expected[n + 1]);
    }
  g_assert_cmpuint (g_hash_table_size (options), ==, n / 2);
}

static void
assert_tunnel (PtToolTunnel *tunnel,
               const char   *section,
               const char   *transport,
               const char   *listen_host,
               guint16       listen_port,
               const char   *upstream_host,
               guint16       upstream_port)
{
  g_assert_cmpstr (tunnel->section, ==, section);
  g_assert_cmpstr (tunnel->transport, ==, transport);
  g_assert_cmpstr (tunnel->listen_host, ==, listen_host);
  g_assert_cmpuint (tunnel->listen_port, ==, listen_port);
  g_assert_cmpstr (tunnel->upstream_host, ==, upstream_host);
  g_assert_cmpuint (tunnel->upstream_port, ==, upstream_port);
}

/* @relative made absolute against the current directory. */
static char *
in_cwd (const char *relative)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *joined = g_build_filename (cwd, relative, NULL);

  return g_canonicalize_filename (joined, NULL);
}

/* The Python tool's example configuration */

static void
test_python_example_client (void)
{
  g_autoptr(PtToolConfig) config = parse_ok (TEXT (python_example), PT_TOOL_ROLE_CLIENT);
  g_autofree char *state = in_cwd ("state");
  const char *obfs4_options[] = { "cert", CERT, "iat-mode", "0", NULL };
  const char *no_options[] = { NULL };

  g_assert_cmpstrv (config->pt_exec, ((const char *[]) { "/usr/bin/obfs4proxy", NULL }));
  g_assert_cmpstr (config->state, ==, state);
  g_assert_null (config->proxy);
  g_assert_null (config->forward_host);
  g_assert_cmpuint (config->forward_port, ==, 0);
  g_assert_cmpuint (config->tunnels->len, ==, 3);

  assert_tunnel (get_tunnel (config, 0), "client_obfs4_1", "obfs4", "127.0.0.1", 8000,
                 "127.0.0.1", 7900);
  assert_options (get_tunnel (config, 0)->options, obfs4_options);
  assert_tunnel (get_tunnel (config, 1), "client_obfs4_2", "obfs4", "127.0.0.1", 8001,
                 "127.0.0.1", 7900);
  assert_options (get_tunnel (config, 1)->options, obfs4_options);
  assert_tunnel (get_tunnel (config, 2), "client_obfs3", "obfs3", "127.0.0.1", 8002,
                 "127.0.0.1", 7901);
  assert_options (get_tunnel (config, 2)->options, no_options);
}

static void
check_python_example_server (PtToolRole role)
{
  g_autoptr(PtToolConfig) config = parse_ok (TEXT (python_example), role);
  g_autofree char *state = in_cwd ("state");
  const char *obfs4_options[] = {
    "node-id", "4d3e4561149907025571827a1277661b5f9fca46",
    "private-key", "7886017adfd178cd139e91250dddee0b2af8ab6cf93f1fe9a7a469d3a13a3067",
    "public-key", "4393d7641042620a60881a72ebb47ef8c5a5840acb4f858e5c0026cb2e75fd6f",
    "drbg-seed", "c23e876ddc408cc392317e017a6796a96161f76d8dd90522",
    "iat-mode", "0",
    NULL
  };
  const char *no_options[] = { NULL };

  g_assert_cmpstrv (config->pt_exec, ((const char *[]) { "/usr/bin/obfs4proxy", NULL }));
  g_assert_cmpstr (config->state, ==, state);
  g_assert_null (config->proxy);
  g_assert_cmpstr (config->forward_host, ==, "127.0.0.1");
  g_assert_cmpuint (config->forward_port, ==, 7000);
  g_assert_cmpuint (config->tunnels->len, ==, 2);

  assert_tunnel (get_tunnel (config, 0), "server_obfs4", "obfs4", "127.0.0.1", 7900, NULL, 0);
  assert_options (get_tunnel (config, 0)->options, obfs4_options);
  assert_tunnel (get_tunnel (config, 1), "server_obfs3", "obfs3", "127.0.0.1", 7901, NULL, 0);
  assert_options (get_tunnel (config, 1)->options, no_options);
}

static void
test_python_example_server (void)
{
  check_python_example_server (PT_TOOL_ROLE_SERVER);
}

static void
test_python_example_ext_server (void)
{
  check_python_example_server (PT_TOOL_ROLE_EXT_SERVER);
}

/* INI rules and interpolation, seen through the options of client tunnel
 * [t]: each case is a whole file and the options it gives. */
typedef struct
{
  const char *path;
  const char *text;
  gsize       length;
  const char *options[9];   /* name, value, ..., NULL */
} OptionsCase;

static const OptionsCase options_cases[] = {
  { "/tool-config/ini/equals", TEXT (CLIENT_HEAD "options-x = v\n"), { "x", "v", NULL } },
  { "/tool-config/ini/colon", TEXT (CLIENT_HEAD "options-x: v\n"), { "x", "v", NULL } },
  { "/tool-config/ini/first-delimiter-colon", TEXT (CLIENT_HEAD "options-x: a=b\n"),
    { "x", "a=b", NULL } },
  { "/tool-config/ini/first-delimiter-equals", TEXT (CLIENT_HEAD "options-x = a:b\n"),
    { "x", "a:b", NULL } },
  { "/tool-config/ini/no-blanks", TEXT (CLIENT_HEAD "options-x=v\n"), { "x", "v", NULL } },
  { "/tool-config/ini/blanks-stripped", TEXT (CLIENT_HEAD "options-x \t =  \t v  w \t \n"),
    { "x", "v  w", NULL } },
  { "/tool-config/ini/keys-case-insensitive", TEXT (CLIENT_HEAD "OPTIONS-Cert = C\nOptions-IAT-mode = 1\n"),
    { "cert", "C", "iat-mode", "1", NULL } },
  { "/tool-config/ini/keys-case-insensitive-required",
    TEXT (CLIENT_START "[t]\nTransport = obfs4\nLISTEN = 127.0.0.1:1\nUpStream = 192.0.2.1:2\n"),
    { NULL } },
  { "/tool-config/ini/comments",
    TEXT ("# hash\n; semicolon\n" CLIENT_HEAD "# c\n; c\n  # indented\n\t; indented\noptions-x = v\n# end"),
    { "x", "v", NULL } },
  { "/tool-config/ini/no-inline-comments", TEXT (CLIENT_HEAD "options-x = v # no\noptions-y = w ; no\n"),
    { "x", "v # no", "y", "w ; no", NULL } },
  { "/tool-config/ini/continuation", TEXT (CLIENT_HEAD "options-x = a\n  b\n\tc  d \n"),
    { "x", "a\nb\nc  d", NULL } },
  { "/tool-config/ini/continuation-of-empty", TEXT (CLIENT_HEAD "options-x =\n  a\n"),
    { "x", "\na", NULL } },
  { "/tool-config/ini/continuation-like-header", TEXT (CLIENT_HEAD "options-x = a\n  [t]\n"),
    { "x", "a\n[t]", NULL } },
  { "/tool-config/ini/continuation-like-key", TEXT (CLIENT_HEAD "options-x = a\n  options-y = b\n"),
    { "x", "a\noptions-y = b", NULL } },
  { "/tool-config/ini/empty-line-ends-value", TEXT (CLIENT_HEAD "options-x = a\n\n  options-y = b\n"),
    { "x", "a", "y", "b", NULL } },
  { "/tool-config/ini/blank-line-ends-value", TEXT (CLIENT_HEAD "options-x = a\n \t \n  options-y = b\n"),
    { "x", "a", "y", "b", NULL } },
  { "/tool-config/ini/comment-ends-value", TEXT (CLIENT_HEAD "options-x = a\n  # c\n  options-y = b\n"),
    { "x", "a", "y", "b", NULL } },
  { "/tool-config/ini/indented-keys",
    TEXT (CLIENT_HEAD "\n  options-x = a\n   more\n  options-y = b\n"),
    { "x", "a\nmore", "y", "b", NULL } },
  { "/tool-config/ini/empty-value", TEXT (CLIENT_HEAD "options-x =\noptions-y:\n"),
    { "x", "", "y", "", NULL } },
  { "/tool-config/ini/value-of-delimiters", TEXT (CLIENT_HEAD "options-x = =:\n"),
    { "x", "=:", NULL } },
  { "/tool-config/ini/utf8-value", TEXT (CLIENT_HEAD "options-x = caf\xc3\xa9\n"),
    { "x", "caf\xc3\xa9", NULL } },
  { "/tool-config/ini/crlf",
    TEXT ("[client]\r\nexec = pt\r\ntunnels = t\r\n[t]\r\ntransport = obfs4\r\n"
          "listen = 127.0.0.1:1\r\nupstream = 192.0.2.1:2\r\noptions-x = a\r\n  b\r\n\r\n"),
    { "x", "a\nb", NULL } },
  { "/tool-config/ini/cr",
    TEXT ("[client]\rexec = pt\rtunnels = t\r[t]\rtransport = obfs4\r"
          "listen = 127.0.0.1:1\rupstream = 192.0.2.1:2\roptions-x = a\r  b\r\r"),
    { "x", "a\nb", NULL } },
  { "/tool-config/ini/byte-order-mark", TEXT ("\xef\xbb\xbf" CLIENT_HEAD "options-x = v\n"),
    { "x", "v", NULL } },
  { "/tool-config/ini/no-final-newline", TEXT (CLIENT_HEAD "options-x = v"), { "x", "v", NULL } },
  { "/tool-config/ini/header-trailing-text",
    TEXT ("[client] ; the client end\nexec = pt\ntunnels = t\n[t]  # a tunnel\ntransport = obfs4\n"
          "listen = 127.0.0.1:1\nupstream = 192.0.2.1:2\n"),
    { NULL } },
  { "/tool-config/ini/unknown-keys-ignored", TEXT (CLIENT_HEAD "comment = anything\nbridges = x\n"),
    { NULL } },
  { "/tool-config/ini/default-inherited", TEXT ("[DEFAULT]\noptions-iat-mode = 0\n" CLIENT_HEAD),
    { "iat-mode", "0", NULL } },
  { "/tool-config/ini/default-overridden", TEXT ("[DEFAULT]\noptions-x = d\n" CLIENT_HEAD "options-x = s\n"),
    { "x", "s", NULL } },
  { "/tool-config/ini/default-after-sections", TEXT (CLIENT_HEAD "[DEFAULT]\noptions-x = late\n"),
    { "x", "late", NULL } },
  { "/tool-config/ini/default-twice",
    TEXT ("[DEFAULT]\noptions-x = 1\n" CLIENT_HEAD "[DEFAULT]\noptions-y = 2\n"),
    { "x", "1", "y", "2", NULL } },
  { "/tool-config/ini/default-gives-required-keys",
    TEXT ("[DEFAULT]\nlisten = 127.0.0.1:0\nexec = pt\n[client]\ntunnels = t\n" TUNNEL_START
          "upstream = 192.0.2.1:2\n"),
    { NULL } },
  { "/tool-config/interpolation/percent", TEXT (CLIENT_HEAD "options-x = 100%%\noptions-y = %%%%(a)s\n"),
    { "x", "100%", "y", "%%(a)s", NULL } },
  { "/tool-config/interpolation/same-section", TEXT (CLIENT_HEAD "base = abc\noptions-x = %(base)s-1\n"),
    { "x", "abc-1", NULL } },
  { "/tool-config/interpolation/from-default", TEXT ("[DEFAULT]\ncert = " CERT "\n" CLIENT_HEAD
                                                     "options-cert = %(cert)s\n"),
    { "cert", CERT, NULL } },
  { "/tool-config/interpolation/name-case-insensitive", TEXT (CLIENT_HEAD "Base = b\noptions-x = %(BASE)s\n"),
    { "x", "b", NULL } },
  { "/tool-config/interpolation/nested", TEXT (CLIENT_HEAD "a = 1%%\nb = %(a)s2\noptions-x = %(b)s3\n"),
    { "x", "1%23", NULL } },
  { "/tool-config/interpolation/default-sees-section",
    TEXT ("[DEFAULT]\noptions-x = %(port)s!\n" CLIENT_HEAD "port = 7\n"),
    { "x", "7!", NULL } },
  { "/tool-config/interpolation/multi-line", TEXT (CLIENT_HEAD "a = 1\n  2\noptions-x = <%(a)s>\n"),
    { "x", "<1\n2>", NULL } },
  /* configparser interpolates only what the tool reads. */
  { "/tool-config/interpolation/unread-values",
    TEXT ("[client]\nexec = pt\ntunnels = t\nnote = 50% off %(nothing)s\n"
          "[t]\ntransport = obfs4\nlisten = 127.0.0.1:1\nupstream = 192.0.2.1:2\n"
          "[other]\nx = %(nope)s\ny = %\n[server]\nexec = %\n"),
    { NULL } },
};

static void
test_options (gconstpointer data)
{
  const OptionsCase *c = data;
  g_autoptr(PtToolConfig) config = parse_ok (c->text, c->length, PT_TOOL_ROLE_CLIENT);

  g_assert_cmpuint (config->tunnels->len, ==, 1);
  g_assert_cmpstr (get_tunnel (config, 0)->transport, ==, "obfs4");
  assert_options (get_tunnel (config, 0)->options, c->options);
}

/* Bad configurations: the error code, the start of the message (file,
 * section, key) and what it says is wrong. */
typedef struct
{
  const char *path;
  const char *text;
  gsize       length;
  PtToolRole  role;
  int         code;
  const char *prefix;
  const char *problem;
} ErrorCase;

#define C PT_TOOL_ROLE_CLIENT
#define S PT_TOOL_ROLE_SERVER
#define E PT_TOOL_ROLE_EXT_SERVER
#define SYNTAX PT_TOOL_CONFIG_ERROR_SYNTAX
#define MISSING_SECTION PT_TOOL_CONFIG_ERROR_MISSING_SECTION
#define MISSING_KEY PT_TOOL_CONFIG_ERROR_MISSING_KEY
#define INVALID PT_TOOL_CONFIG_ERROR_INVALID_VALUE

static const ErrorCase error_cases[] = {
  /* Sections */
  { "/tool-config/error/no-client-section", TEXT (SERVER_HEAD), C, MISSING_SECTION,
    "tunnel.ini: there is no [client] section", "" },
  { "/tool-config/error/no-server-section", TEXT (CLIENT_HEAD), S, MISSING_SECTION,
    "tunnel.ini: there is no [server] section", "" },
  { "/tool-config/error/no-server-section-ext", TEXT (CLIENT_HEAD), E, MISSING_SECTION,
    "tunnel.ini: there is no [server] section", "" },
  { "/tool-config/error/empty-file", TEXT (""), C, MISSING_SECTION,
    "tunnel.ini: there is no [client] section", "" },
  { "/tool-config/error/only-default", TEXT ("[DEFAULT]\nexec = pt\n"), C, MISSING_SECTION,
    "tunnel.ini: there is no [client] section", "" },
  { "/tool-config/error/section-name-case", TEXT ("[Client]\nexec = pt\n"), C, MISSING_SECTION,
    "tunnel.ini: there is no [client] section", "" },
  { "/tool-config/error/missing-tunnel-section",
    TEXT ("[client]\nexec = pt\ntunnels = t nope\n" TUNNEL_START "listen = 127.0.0.1:1\nupstream = 192.0.2.1:2\n"),
    C, MISSING_SECTION, "tunnel.ini: [client] tunnels: ", "there is no section [nope]" },
  { "/tool-config/error/tunnel-section-case", TEXT ("[client]\nexec = pt\ntunnels = T\n" TUNNEL_START), C,
    MISSING_SECTION, "tunnel.ini: [client] tunnels: ", "there is no section [T]" },
  { "/tool-config/error/missing-server-tunnel-section", TEXT (SERVER_START), S, MISSING_SECTION,
    "tunnel.ini: [server] tunnels: ", "there is no section [s]" },
  /* Keys */
  { "/tool-config/error/missing-exec", TEXT ("[client]\ntunnels = t\n" TUNNEL_START), C, MISSING_KEY,
    "tunnel.ini: [client] exec: ", "the key is missing" },
  { "/tool-config/error/missing-exec-server", TEXT ("[server]\nforward = 127.0.0.1:1\n"), S,
    MISSING_KEY, "tunnel.ini: [server] exec: ", "the key is missing" },
  { "/tool-config/error/missing-tunnels", TEXT ("[client]\nexec = pt\n"), C, MISSING_KEY,
    "tunnel.ini: [client] tunnels: ", "the key is missing" },
  { "/tool-config/error/missing-tunnels-server", TEXT ("[server]\nexec = pt\nforward = 127.0.0.1:1\n"),
    S, MISSING_KEY, "tunnel.ini: [server] tunnels: ", "the key is missing" },
  { "/tool-config/error/missing-transport",
    TEXT (CLIENT_START "[t]\nlisten = 127.0.0.1:1\nupstream = 192.0.2.1:2\n"), C, MISSING_KEY,
    "tunnel.ini: [t] transport: ", "the key is missing" },
  { "/tool-config/error/missing-listen", TEXT (CLIENT_START TUNNEL_START "upstream = 192.0.2.1:2\n"), C,
    MISSING_KEY, "tunnel.ini: [t] listen: ", "the key is missing" },
  { "/tool-config/error/missing-upstream", TEXT (CLIENT_START TUNNEL_START "listen = 127.0.0.1:1\n"), C,
    MISSING_KEY, "tunnel.ini: [t] upstream: ", "the key is missing" },
  { "/tool-config/error/missing-forward", TEXT ("[server]\nexec = pt\ntunnels = s\n"), S, MISSING_KEY,
    "tunnel.ini: [server] forward: ", "the key is missing" },
  { "/tool-config/error/missing-server-listen", TEXT (SERVER_START "[s]\ntransport = obfs4\n"), E,
    MISSING_KEY, "tunnel.ini: [s] listen: ", "the key is missing" },
  { "/tool-config/error/missing-server-transport", TEXT (SERVER_START "[s]\nlisten = 0.0.0.0:1\n"), S,
    MISSING_KEY, "tunnel.ini: [s] transport: ", "the key is missing" },
  /* Addresses */
  { "/tool-config/error/upstream-no-port",
    TEXT ("[client]\nexec = pt\ntunnels = client_obfs4\n[client_obfs4]\ntransport = obfs4\n"
          "listen = 127.0.0.1:8000\nupstream = 127.0.0.1\n"),
    C, INVALID, "tunnel.ini: [client_obfs4] upstream: “127.0.0.1” has no port", "" },
  { "/tool-config/error/upstream-port-0", TEXT (CLIENT_START TUNNEL_START "listen = 127.0.0.1:1\nupstream = 192.0.2.1:0\n"),
    C, INVALID, "tunnel.ini: [t] upstream: ", "“192.0.2.1:0” does not end with a port from 1 to 65535" },
  { "/tool-config/error/listen-port-65536",
    TEXT (CLIENT_START TUNNEL_START "listen = 127.0.0.1:65536\nupstream = 192.0.2.1:2\n"), C, INVALID,
    "tunnel.ini: [t] listen: ", "“127.0.0.1:65536” does not end with a port from 0 to 65535" },
  { "/tool-config/error/forward-port-65536", TEXT ("[server]\nexec = pt\nforward = 127.0.0.1:65536\n"), S,
    INVALID, "tunnel.ini: [server] forward: ", "“127.0.0.1:65536” does not end with a port from 1 to 65535" },
  { "/tool-config/error/forward-port-0", TEXT ("[server]\nexec = pt\nforward = 127.0.0.1:0\n"), S,
    INVALID, "tunnel.ini: [server] forward: ", "from 1 to 65535" },
  { "/tool-config/error/port-not-number", TEXT (CLIENT_START TUNNEL_START "listen = 127.0.0.1:http\n"), C,
    INVALID, "tunnel.ini: [t] listen: ", "“127.0.0.1:http” does not end with a port" },
  { "/tool-config/error/port-negative", TEXT (CLIENT_START TUNNEL_START "listen = 127.0.0.1:-1\n"), C,
    INVALID, "tunnel.ini: [t] listen: ", "does not end with a port" },
  { "/tool-config/error/port-huge", TEXT (CLIENT_START TUNNEL_START "listen = 127.0.0.1:99999999999999999999\n"),
    C, INVALID, "tunnel.ini: [t] listen: ", "does not end with a port" },
  { "/tool-config/error/address-empty", TEXT (CLIENT_START TUNNEL_START "listen =\n"), C, INVALID,
    "tunnel.ini: [t] listen: ", "the address is empty" },
  { "/tool-config/error/address-junk", TEXT ("[server]\nexec = pt\nforward = not an address\n"), S,
    INVALID, "tunnel.ini: [server] forward: ", "“not an address” has no port" },
  { "/tool-config/error/host-junk", TEXT ("[server]\nexec = pt\nforward = a b/c:80\n"), S, INVALID,
    "tunnel.ini: [server] forward: ", "“a b/c:80” has a host that is neither an IP address nor a host name" },
  { "/tool-config/error/no-host", TEXT (CLIENT_START TUNNEL_START "listen = :8000\n"), C, INVALID,
    "tunnel.ini: [t] listen: ", "“:8000” has no host" },
  { "/tool-config/error/bad-ipv4", TEXT (CLIENT_START TUNNEL_START "listen = 256.0.0.1:8000\n"), C,
    INVALID, "tunnel.ini: [t] listen: ", "“256.0.0.1:8000” does not have a valid IPv4 address" },
  { "/tool-config/error/ipv6-without-brackets", TEXT (CLIENT_START TUNNEL_START "listen = ::1:8000\n"), C,
    INVALID, "tunnel.ini: [t] listen: ", "without brackets" },
  { "/tool-config/error/ipv6-no-port", TEXT (CLIENT_START TUNNEL_START "listen = [::1]\n"), C, INVALID,
    "tunnel.ini: [t] listen: ", "“[::1]” has no port" },
  { "/tool-config/error/ipv6-no-close", TEXT (CLIENT_START TUNNEL_START "listen = [::1:80\n"), C, INVALID,
    "tunnel.ini: [t] listen: ", "has no “]”" },
  { "/tool-config/error/ipv6-junk-after", TEXT (CLIENT_START TUNNEL_START "listen = [::1]x:80\n"), C,
    INVALID, "tunnel.ini: [t] listen: ", "something other than “:port”" },
  { "/tool-config/error/ipv4-in-brackets", TEXT (CLIENT_START TUNNEL_START "listen = [127.0.0.1]:80\n"), C,
    INVALID, "tunnel.ini: [t] listen: ", "does not have an IPv6 address in its brackets" },
  { "/tool-config/error/name-in-brackets", TEXT (CLIENT_START TUNNEL_START "listen = [localhost]:80\n"), C,
    INVALID, "tunnel.ini: [t] listen: ", "does not have an IPv6 address in its brackets" },
  /* Lines that are not INI */
  { "/tool-config/error/duplicate-section", TEXT (CLIENT_HEAD "[t]\nx = 1\n"), C, SYNTAX,
    "tunnel.ini:8: [t] appears a second time (first at line 4)", "" },
  { "/tool-config/error/duplicate-key", TEXT ("[client]\nexec = a\nEXEC = b\n"), C, SYNTAX,
    "tunnel.ini:3: [client] exec: the key appears a second time (first at line 2)", "" },
  { "/tool-config/error/duplicate-key-unused-section", TEXT (CLIENT_HEAD "[other]\nx = 1\nx = 2\n"), C,
    SYNTAX, "tunnel.ini:10: [other] x: the key appears a second time (first at line 9)", "" },
  { "/tool-config/error/duplicate-default-key",
    TEXT ("[DEFAULT]\nx = 1\n[DEFAULT]\nX = 2\n" CLIENT_HEAD), C, SYNTAX,
    "tunnel.ini:4: [DEFAULT] x: the key appears a second time (first at line 2)", "" },
  { "/tool-config/error/not-a-key-value-line", TEXT (CLIENT_HEAD "options-x\n"), C, SYNTAX,
    "tunnel.ini:8: [t] “options-x” is neither a [section] header nor a key = value line", "" },
  { "/tool-config/error/before-first-section", TEXT ("exec = pt\n" CLIENT_HEAD), C, SYNTAX,
    "tunnel.ini:1: “exec = pt” comes before the first [section] header", "" },
  { "/tool-config/error/empty-header", TEXT ("[]\n" CLIENT_HEAD), C, SYNTAX,
    "tunnel.ini:1: “[]” comes before the first [section] header", "" },
  { "/tool-config/error/empty-header-in-section", TEXT (CLIENT_HEAD "[]\n"), C, SYNTAX,
    "tunnel.ini:8: [t] “[]” is neither a [section] header nor a key = value line", "" },
  { "/tool-config/error/empty-key", TEXT (CLIENT_HEAD "= v\n"), C, SYNTAX,
    "tunnel.ini:8: [t] “= v” has no key before its “=”", "" },
  { "/tool-config/error/empty-key-colon", TEXT (CLIENT_HEAD ": v\n"), C, SYNTAX,
    "tunnel.ini:8: [t] “: v” has no key before its “:”", "" },
  { "/tool-config/error/nul-byte", TEXT (CLIENT_HEAD "options-x = a\0b\n"), C, SYNTAX,
    "tunnel.ini:8: the line contains a NUL byte", "" },
  { "/tool-config/error/not-utf8", TEXT ("[client]\r\n\r\nexec = \xff\n"), C, SYNTAX,
    "tunnel.ini:3: the line is not valid UTF-8 text", "" },
  { "/tool-config/error/not-utf8-after-cr", TEXT ("[client]\r\xc3"), C, SYNTAX,
    "tunnel.ini:2: the line is not valid UTF-8 text", "" },
  /* Values */
  { "/tool-config/error/exec-unbalanced-quote", TEXT ("[client]\nexec = obfs4proxy 'unterminated\n"), C,
    INVALID, "tunnel.ini: [client] exec: this is not a command line: ", "“obfs4proxy 'unterminated”" },
  { "/tool-config/error/exec-empty", TEXT ("[client]\nexec =\n"), C, INVALID,
    "tunnel.ini: [client] exec: this is not a command line: ", "" },
  { "/tool-config/error/exec-only-comment", TEXT ("[server]\nexec = #obfs4proxy\n"), S, INVALID,
    "tunnel.ini: [server] exec: this is not a command line: ", "" },
  { "/tool-config/error/exec-empty-program", TEXT ("[client]\nexec = '' -x\n"), C, INVALID,
    "tunnel.ini: [client] exec: ", "the program name is empty" },
  { "/tool-config/error/bad-transport", TEXT (CLIENT_START "[t]\ntransport = obfs-4\n"), C, INVALID,
    "tunnel.ini: [t] transport: ", "“obfs-4” is not a transport name" },
  { "/tool-config/error/transport-served-twice",
    TEXT ("[server]\nexec = pt\nforward = 127.0.0.1:1\ntunnels = s s2\n[s]\ntransport = obfs4\n"
          "listen = 0.0.0.0:1\n[s2]\ntransport = obfs4\nlisten = 0.0.0.0:2\n"),
    S, INVALID, "tunnel.ini: [s2] transport: ", "“obfs4” is already served by [s]" },
  { "/tool-config/error/no-tunnels", TEXT ("[client]\nexec = pt\ntunnels =\n"), C, INVALID,
    "tunnel.ini: [client] tunnels: ", "no tunnel section is named" },
  { "/tool-config/error/blank-tunnels", TEXT ("[server]\nexec = pt\nforward = 127.0.0.1:1\ntunnels = \n  \n"),
    S, INVALID, "tunnel.ini: [server] tunnels: ", "no tunnel section is named" },
  { "/tool-config/error/tunnel-twice", TEXT ("[client]\nexec = pt\ntunnels = t  t\n" TUNNEL_START "listen = 127.0.0.1:1\n"
                                             "upstream = 192.0.2.1:2\n"), C,
    INVALID, "tunnel.ini: [client] tunnels: ", "the section “t” is named twice" },
  { "/tool-config/error/option-without-name", TEXT (CLIENT_HEAD "options- = x\n"), C, INVALID,
    "tunnel.ini: [t] options-: ", "the option has no name" },
  { "/tool-config/error/bad-proxy", TEXT ("[client]\nexec = pt\nproxy = not a uri\n"), C, INVALID,
    "tunnel.ini: [client] proxy: ", "“not a uri” is not a proxy URI" },
  /* Bridge lines */
  { "/tool-config/error/bridge-with-transport",
    TEXT (CLIENT_START TUNNEL_START "listen = 127.0.0.1:1\nbridge = obfs4 192.0.2.3:443\n"), C, INVALID,
    "tunnel.ini: [t] bridge: ", "so “transport” must not be set too" },
  { "/tool-config/error/bridge-with-upstream",
    TEXT (CLIENT_START "[t]\nbridge = obfs4 192.0.2.3:443\nupstream = 192.0.2.1:2\n"), C, INVALID,
    "tunnel.ini: [t] bridge: ", "so “upstream” must not be set too" },
  { "/tool-config/error/bridge-with-options",
    TEXT (CLIENT_START "[t]\nbridge = obfs4 192.0.2.3:443\noptions-cert = x\n"), C, INVALID,
    "tunnel.ini: [t] bridge: ", "so “options-cert” must not be set too" },
  { "/tool-config/error/bridge-with-default-options",
    TEXT ("[DEFAULT]\noptions-iat-mode = 0\n" CLIENT_START "[t]\nbridge = obfs4 192.0.2.3:443\n"), C,
    INVALID, "tunnel.ini: [t] bridge: ", "so “options-iat-mode” must not be set too" },
  { "/tool-config/error/bridge-host-name",
    TEXT (CLIENT_START "[t]\nlisten = 127.0.0.1:1\nbridge = obfs4 bridge.example.com:443\n"), C, INVALID,
    "tunnel.ini: [t] bridge: ", "The bridge address “bridge.example.com:443”" },
  { "/tool-config/error/bridge-empty", TEXT (CLIENT_START "[t]\nlisten = 127.0.0.1:1\nbridge =\n"), C,
    INVALID, "tunnel.ini: [t] bridge: ", "The bridge line is empty" },
  { "/tool-config/error/bridge-without-listen", TEXT (CLIENT_START "[t]\nbridge = obfs4 192.0.2.3:443\n"),
    C, MISSING_KEY, "tunnel.ini: [t] listen: ", "the key is missing" },
  /* Interpolation */
  { "/tool-config/error/lone-percent", TEXT (CLIENT_HEAD "options-x = 50%\n"), C, SYNTAX,
    "tunnel.ini: [t] options-x: ", "“%”: a “%” must be followed by “%”" },
  { "/tool-config/error/percent-letter", TEXT ("[client]\nexec = pt %s\n"), C, SYNTAX,
    "tunnel.ini: [client] exec: ", "“%s”: a “%” must be followed" },
  { "/tool-config/error/reference-without-s", TEXT (CLIENT_HEAD "a = 1\noptions-x = %(a)\n"), C, SYNTAX,
    "tunnel.ini: [t] options-x: ", "“%(a)” is not a reference such as “%(name)s”" },
  { "/tool-config/error/reference-unclosed", TEXT (CLIENT_HEAD "options-x = %(a\n"), C, SYNTAX,
    "tunnel.ini: [t] options-x: ", "“%(a” is not a reference" },
  { "/tool-config/error/reference-empty", TEXT (CLIENT_HEAD "options-x = %()s\n"), C, SYNTAX,
    "tunnel.ini: [t] options-x: ", "“%()s” is not a reference" },
  { "/tool-config/error/reference-missing", TEXT (CLIENT_HEAD "options-x = %(nope)s\n"), C, MISSING_KEY,
    "tunnel.ini: [t] options-x: ", "“%(nope)s” refers to a key that is neither in [t] nor in [DEFAULT]" },
  { "/tool-config/error/reference-other-section", TEXT ("[client]\nexec = %(transport)s\n" TUNNEL_START),
    C, MISSING_KEY, "tunnel.ini: [client] exec: ", "neither in [client] nor in [DEFAULT]" },
  { "/tool-config/error/reference-loop", TEXT (CLIENT_HEAD "options-x = %(options-x)s\n"), C, INVALID,
    "tunnel.ini: [t] options-x: ", "more than 10 levels deep" },
  { "/tool-config/error/bad-percent-in-default",
    TEXT ("[DEFAULT]\nnote = 5%\n" CLIENT_HEAD), C, SYNTAX, "tunnel.ini: [t] note: ", "must be followed" },
};

static void
test_error (gconstpointer data)
{
  const ErrorCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtToolConfig) config = pt_tool_config_parse (c->text, c->length, PATH, c->role, &error);

  g_assert_null (config);
  g_assert_error (error, PT_TOOL_CONFIG_ERROR, c->code);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  if (!g_str_has_prefix (error->message, c->prefix))
    g_error ("the message does not start with “%s”: %s", c->prefix, error->message);
  if (strstr (error->message, c->problem) == NULL)
    g_error ("“%s” is not in the message: %s", c->problem, error->message);
}

/* exec: shell quoting, and the program resolved against the current
 * directory when it is a relative path. */
typedef struct
{
  const char *path;
  const char *exec;
  const char *argv[6];        /* "@/x" stands for the current directory's x */
} ExecCase;

static const ExecCase exec_cases[] = {
  { "/tool-config/exec/absolute", "exec = /usr/bin/obfs4proxy", { "/usr/bin/obfs4proxy", NULL } },
  { "/tool-config/exec/arguments", "exec = /usr/bin/obfs4proxy  -enableLogging\t-logLevel DEBUG",
    { "/usr/bin/obfs4proxy", "-enableLogging", "-logLevel", "DEBUG", NULL } },
  { "/tool-config/exec/single-quotes", "exec = '/opt/my pt/obfs4proxy' 'a \"b\"'",
    { "/opt/my pt/obfs4proxy", "a \"b\"", NULL } },
  { "/tool-config/exec/double-quotes", "exec = pt \"a \\\"b\\\" $c\" d\\ e ''",
    { "pt", "a \"b\" $c", "d e", "", NULL } },
  { "/tool-config/exec/search-path", "exec = obfs4proxy -x ./arg", { "obfs4proxy", "-x", "./arg", NULL } },
  { "/tool-config/exec/relative-dot", "exec = ./bin/obfs4proxy ./arg", { "@/bin/obfs4proxy", "./arg", NULL } },
  { "/tool-config/exec/relative", "exec = bin/obfs4proxy", { "@/bin/obfs4proxy", NULL } },
  { "/tool-config/exec/relative-parent", "exec = ../pt/obfs4proxy", { "@/../pt/obfs4proxy", NULL } },
  { "/tool-config/exec/continuation", "exec = /usr/bin/obfs4proxy\n  -enableLogging\n  -unsafeLogging",
    { "/usr/bin/obfs4proxy", "-enableLogging", "-unsafeLogging", NULL } },
  { "/tool-config/exec/interpolated", "dir = /opt/pt\nexec = %(dir)s/obfs4proxy -logLevel=INFO",
    { "/opt/pt/obfs4proxy", "-logLevel=INFO", NULL } },
  { "/tool-config/exec/percent", "exec = pt --rate=100%%", { "pt", "--rate=100%", NULL } },
};

static void
test_exec (gconstpointer data)
{
  const ExecCase *c = data;
  g_autofree char *text = g_strdup_printf ("[client]\n%s\ntunnels = t\n" TUNNEL_START
                                           "listen = 127.0.0.1:1\nupstream = 192.0.2.1:2\n",
                                           c->exec);
  g_autoptr(PtToolConfig) config = parse_ok (text, strlen (text), PT_TOOL_ROLE_CLIENT);
  guint n = 0;

  for (; c->argv[n] != NULL; n++)
    {
      g_autofree char *expected = g_str_has_prefix (c->argv[n], "@/")
                                  ? in_cwd (c->argv[n] + 2) : g_strdup (c->argv[n]);

      g_assert_nonnull (config->pt_exec[n]);
      g_assert_cmpstr (config->pt_exec[n], ==, expected);
    }
  g_assert_null (config->pt_exec[n]);
}

/* state: optional, empty means a temp dir (NULL), relative means against
 * the current directory. */
typedef struct
{
  const char *path;
  const char *line;
  const char *state;          /* "@/x" as above, or NULL */
} StateCase;

static const StateCase state_cases[] = {
  { "/tool-config/state/absent", "", NULL },
  { "/tool-config/state/empty", "state =", NULL },
  { "/tool-config/state/blank", "state =  \t ", NULL },
  { "/tool-config/state/absolute", "state = /var/lib/ptadapter", "/var/lib/ptadapter" },
  { "/tool-config/state/relative-dot", "state = ./state", "@/state" },
  { "/tool-config/state/relative", "state = pt/state", "@/pt/state" },
  { "/tool-config/state/relative-parent", "state = a/../b", "@/b" },
  { "/tool-config/state/from-default", "", "@/shared" },
};

static void
check_state (const StateCase *c,
             PtToolRole       role)
{
  const char *defaults = g_str_has_suffix (c->path, "/from-default") ? "[DEFAULT]\nstate = shared\n" : "";
  g_autofree char *text =
    role == PT_TOOL_ROLE_CLIENT
    ? g_strdup_printf ("%s" CLIENT_START "%s\n" TUNNEL_START
                       "listen = 127.0.0.1:1\nupstream = 192.0.2.1:2\n", defaults, c->line)
    : g_strdup_printf ("%s" SERVER_START "%s\n[s]\ntransport = obfs4\nlisten = 0.0.0.0:443\n",
                       defaults, c->line);
  g_autoptr(PtToolConfig) config = parse_ok (text, strlen (text), role);
  g_autofree char *expected = NULL;

  if (c->state != NULL && g_str_has_prefix (c->state, "@/"))
    expected = in_cwd (c->state + 2);
  else
    expected = g_strdup (c->state);
  g_assert_cmpstr (config->state, ==, expected);
}

static void
test_state (gconstpointer data)
{
  check_state (data, PT_TOOL_ROLE_CLIENT);
  check_state (data, PT_TOOL_ROLE_SERVER);
}

static void
test_proxy (void)
{
  static const char text[] =
    "[client]\nexec = pt\nproxy = socks5://user:pw@127.0.0.1:1080\ntunnels = t\n" TUNNEL_START
    "listen = 127.0.0.1:1\nupstream = 192.0.2.1:2\n"
    "[server]\nexec = pt\nforward = 127.0.0.1:1\nproxy = ignored\ntunnels = s\n"
    "[s]\ntransport = obfs4\nlisten = 0.0.0.0:443\n";
  g_autoptr(PtToolConfig) client = parse_ok (TEXT (text), PT_TOOL_ROLE_CLIENT);
  g_autoptr(PtToolConfig) server = parse_ok (TEXT (text), PT_TOOL_ROLE_SERVER);
  g_autoptr(PtToolConfig) empty = parse_ok (TEXT (CLIENT_HEAD "[DEFAULT]\nproxy =\n"), PT_TOOL_ROLE_CLIENT);

  g_assert_cmpstr (client->proxy, ==, "socks5://user:pw@127.0.0.1:1080");
  g_assert_null (server->proxy);
  g_assert_null (empty->proxy);
}

/* Hosts: IPv6 literals in brackets, IPv4 literals and names. */
static void
test_addresses (void)
{
  static const char text[] =
    "[client]\nexec = pt\ntunnels = a b\n"
    "[a]\ntransport = obfs4\nlisten = [::1]:0\nupstream = [2001:db8::1]:443\n"
    "[b]\ntransport = obfs4\nlisten = localhost:8000\nupstream = bridge.example.com.:00443\n"
    "[server]\nexec = pt\nforward = [::1]:7000\ntunnels = s t\n"
    "[s]\ntransport = obfs4\nlisten = [::]:443\n"
    "[t]\ntransport = obfs3\nlisten = pt-host_1.example:65535\n";
  g_autoptr(PtToolConfig) client = parse_ok (TEXT (text), PT_TOOL_ROLE_CLIENT);
  g_autoptr(PtToolConfig) server = parse_ok (TEXT (text), PT_TOOL_ROLE_SERVER);
  g_autoptr(PtToolConfig) names = parse_ok (TEXT ("[server]\nexec = pt\nforward = backend:22\n"
                                                  "tunnels = s\n[s]\ntransport = obfs4\n"
                                                  "listen = 0.0.0.0:0\n"),
                                            PT_TOOL_ROLE_EXT_SERVER);

  assert_tunnel (get_tunnel (client, 0), "a", "obfs4", "::1", 0, "2001:db8::1", 443);
  assert_tunnel (get_tunnel (client, 1), "b", "obfs4", "localhost", 8000, "bridge.example.com.", 443);
  g_assert_cmpstr (server->forward_host, ==, "::1");
  g_assert_cmpuint (server->forward_port, ==, 7000);
  assert_tunnel (get_tunnel (server, 0), "s", "obfs4", "::", 443, NULL, 0);
  assert_tunnel (get_tunnel (server, 1), "t", "obfs3", "pt-host_1.example", 65535, NULL, 0);
  g_assert_cmpstr (names->forward_host, ==, "backend");
  g_assert_cmpuint (names->forward_port, ==, 22);
  assert_tunnel (get_tunnel (names, 0), "s", "obfs4", "0.0.0.0", 0, NULL, 0);
}

/* "tunnels" is whitespace-separated, over lines too, in its order. */
static void
test_tunnels_order (void)
{
  static const char text[] =
    "[client]\nexec = pt\ntunnels =  b\ta\n   c\n"
    "[a]\ntransport = a\nlisten = 127.0.0.1:1\nupstream = 192.0.2.1:1\n"
    "[b]\ntransport = b\nlisten = 127.0.0.1:2\nupstream = 192.0.2.1:2\n"
    "[c]\ntransport = c\nlisten = 127.0.0.1:3\nupstream = 192.0.2.1:3\n";
  g_autoptr(PtToolConfig) config = parse_ok (TEXT (text), PT_TOOL_ROLE_CLIENT);

  g_assert_cmpuint (config->tunnels->len, ==, 3);
  assert_tunnel (get_tunnel (config, 0), "b", "b", "127.0.0.1", 2, "192.0.2.1", 2);
  assert_tunnel (get_tunnel (config, 1), "a", "a", "127.0.0.1", 1, "192.0.2.1", 1);
  assert_tunnel (get_tunnel (config, 2), "c", "c", "127.0.0.1", 3, "192.0.2.1", 3);
}

/* bridge = <line> in a client tunnel. */
typedef struct
{
  const char *path;
  const char *bridge;
  const char *transport;
  const char *host;
  guint16     port;
  const char *options[7];
} BridgeCase;

static const BridgeCase bridge_cases[] = {
  { "/tool-config/bridge/obfs4", "bridge = obfs4 192.0.2.3:443 " FP " cert=" CERT " iat-mode=0",
    "obfs4", "192.0.2.3", 443, { "cert", CERT, "iat-mode", "0", NULL } },
  { "/tool-config/bridge/keyword", "bridge = Bridge obfs4 192.0.2.3:443 cert=" CERT " iat-mode=1",
    "obfs4", "192.0.2.3", 443, { "cert", CERT, "iat-mode", "1", NULL } },
  { "/tool-config/bridge/ipv6", "Bridge: obfs3 [2001:db8::3]:80",
    "obfs3", "2001:db8::3", 80, { NULL } },
  { "/tool-config/bridge/continued", "bridge = obfs4 192.0.2.3:443 " FP "\n    cert=" CERT "\n    iat-mode=0",
    "obfs4", "192.0.2.3", 443, { "cert", CERT, "iat-mode", "0", NULL } },
  { "/tool-config/bridge/interpolated", "cert = " CERT "\nbridge = obfs4 192.0.2.3:443 cert=%(cert)s",
    "obfs4", "192.0.2.3", 443, { "cert", CERT, NULL } },
};

static void
test_bridge (gconstpointer data)
{
  const BridgeCase *c = data;
  g_autofree char *text = g_strdup_printf (CLIENT_START "[t]\nlisten = 127.0.0.1:1\n%s\n", c->bridge);
  g_autoptr(PtToolConfig) config = parse_ok (text, strlen (text), PT_TOOL_ROLE_CLIENT);

  assert_tunnel (get_tunnel (config, 0), "t", c->transport, "127.0.0.1", 1, c->host, c->port);
  assert_options (get_tunnel (config, 0)->options, c->options);
}

/* A server section ignores "bridge", as it does any key it does not use. */
static void
test_bridge_ignored_by_server (void)
{
  g_autoptr(PtToolConfig) config =
    parse_ok (TEXT (SERVER_HEAD "bridge = obfs4 192.0.2.3:443\noptions-iat-mode = 0\n"), PT_TOOL_ROLE_SERVER);
  const char *options[] = { "iat-mode", "0", NULL };

  assert_options (get_tunnel (config, 0)->options, options);
}

/* configparser's depth limit: a chain of 10 references resolves, 11 do
 * not. */
static char *
make_reference_chain (guint links)
{
  GString *text = g_string_new (CLIENT_HEAD);

  g_string_append (text, "options-x = %(k1)s\n");
  for (guint i = 1; i < links; i++)
    g_string_append_printf (text, "k%u = %%(k%u)s\n", i, i + 1);
  g_string_append_printf (text, "k%u = end\n", links);
  return g_string_free (text, FALSE);
}

static void
test_interpolation_depth (void)
{
  g_autofree char *ten = make_reference_chain (10);
  g_autofree char *eleven = make_reference_chain (11);
  g_autoptr(PtToolConfig) config = parse_ok (ten, strlen (ten), PT_TOOL_ROLE_CLIENT);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtToolConfig) too_deep = NULL;

  g_assert_cmpstr (g_hash_table_lookup (get_tunnel (config, 0)->options, "x"), ==, "end");

  too_deep = pt_tool_config_parse (eleven, strlen (eleven), PATH, PT_TOOL_ROLE_CLIENT, &error);
  g_assert_null (too_deep);
  g_assert_error (error, PT_TOOL_CONFIG_ERROR, PT_TOOL_CONFIG_ERROR_INVALID_VALUE);
  g_assert_true (g_str_has_prefix (error->message, "tunnel.ini: [t] options-x: "));
}

/* References that fan out within the depth limit would expand to 8^9 copies
 * of a value: an error, not hours of work. */
static void
test_interpolation_bomb (void)
{
  GString *text = g_string_new (CLIENT_HEAD "options-x = %(k1)s\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(PtToolConfig) config = NULL;

  for (guint i = 1; i < 9; i++)
    {
      g_string_append_printf (text, "k%u = ", i);
      for (guint j = 0; j < 8; j++)
        g_string_append_printf (text, "%%(k%u)s", i + 1);
      g_string_append_c (text, '\n');
    }
  g_string_append (text, "k9 = %%0123456789012345678901234567890123456789\n");

  config = pt_tool_config_parse (text->str, text->len, PATH, PT_TOOL_ROLE_CLIENT, &error);
  g_assert_null (config);
  g_assert_error (error, PT_TOOL_CONFIG_ERROR, PT_TOOL_CONFIG_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "too much text"));
  g_string_free (text, TRUE);
}

/* pt_tool_config_load() reads the file, and names it in errors. */
static void
test_load (void)
{
  g_autofree char *path = pt_test_temp_path ("tunnel.ini");
  g_autofree char *missing = pt_test_temp_path ("missing.ini");
  g_autoptr(GError) error = NULL;
  g_autoptr(PtToolConfig) config = NULL;
  g_autoptr(PtToolConfig) none = NULL;
  g_autoptr(PtToolConfig) bad = NULL;
  g_autofree char *prefix = NULL;

  g_assert_true (g_file_set_contents (path, python_example, sizeof python_example - 1, NULL));
  config = pt_tool_config_load (path, PT_TOOL_ROLE_SERVER, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->path, ==, path);
  g_assert_cmpuint (config->tunnels->len, ==, 2);

  none = pt_tool_config_load (missing, PT_TOOL_ROLE_CLIENT, &error);
  g_assert_null (none);
  g_assert_error (error, PT_TOOL_CONFIG_ERROR, PT_TOOL_CONFIG_ERROR_READ);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "[client]\nexec = pt\n", -1, NULL));
  bad = pt_tool_config_load (path, PT_TOOL_ROLE_CLIENT, &error);
  g_assert_null (bad);
  g_assert_error (error, PT_TOOL_CONFIG_ERROR, PT_TOOL_CONFIG_ERROR_MISSING_KEY);
  prefix = g_strdup_printf ("%s: [client] tunnels: ", path);
  g_assert_true (g_str_has_prefix (error->message, prefix));

  g_assert_cmpint (g_remove (path), ==, 0);
}

static void
test_free_null (void)
{
  pt_tool_config_free (NULL);
}

/* Crash-freedom: every input gives a configuration or an error, never both
 * nor neither. The input is copied to a buffer of exactly its length, so
 * that a read past the end shows under valgrind or ASan. */

static const char rich_config[] =
  "\xef\xbb\xbf# every feature at once\r\n"
  "[DEFAULT]\n"
  "pt = /usr/bin/obfs4proxy\n"
  "iat: 0\n"
  "[client]\n"
  "exec = %(pt)s -enableLogging 'quoted arg'\n"
  "  -logLevel=DEBUG\n"
  "state = ./state\n"
  "proxy = socks5://127.0.0.1:1080\n"
  "tunnels = t1 t2\n"
  "  t3\n"
  "\n"
  "[t1]\n"
  "transport = obfs4\n"
  "listen = [::1]:8000\n"
  "upstream = 192.0.2.1:7900\n"
  "options-cert = " CERT "\n"
  "options-iat-mode = %(iat)s\n"
  "; comment\n"
  "[t2]\n"
  "bridge = obfs4 192.0.2.3:443 " FP " cert=" CERT "\n"
  "listen = 127.0.0.1:0\n"
  "[t3] trailing\n"
  "TRANSPORT = obfs3\n"
  "listen = localhost:8002\n"
  "upstream = bridge.example.com:7901\n"
  "note = 100%% %(transport)s\n"
  "options-iat-mode =\n"
  "[server]\n"
  "exec = %(pt)s\n"
  "forward = [2001:db8::1]:7000\n"
  "tunnels = s1\n"
  "[s1]\n"
  "transport = obfs4\n"
  "listen = 0.0.0.0:443\n"
  "options-node-id = 4d3e4561149907025571827a1277661b5f9fca46\n";

/* Returns how many of the three roles gave a configuration. */
static guint
check_parse_outcome (const char *text,
                     gsize       length)
{
  static const PtToolRole roles[] = {
    PT_TOOL_ROLE_CLIENT, PT_TOOL_ROLE_SERVER, PT_TOOL_ROLE_EXT_SERVER,
  };
  g_autofree char *copy = g_memdup2 (text, length);
  guint parsed = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PtToolConfig) config = pt_tool_config_parse (copy, length, PATH, roles[i], &error);

      g_assert_true ((config == NULL) != (error == NULL));
      if (error != NULL)
        {
          g_assert_true (error->domain == PT_TOOL_CONFIG_ERROR);
          g_assert_true (g_utf8_validate (error->message, -1, NULL));
          g_assert_true (g_str_has_prefix (error->message, PATH));
        }
      else
        {
          g_assert_nonnull (config->pt_exec);
          g_assert_nonnull (config->pt_exec[0]);
          g_assert_cmpuint (config->tunnels->len, >, 0);
          parsed++;
        }
    }

  return parsed;
}

static void
test_rich_config (void)
{
  g_autoptr(PtToolConfig) client = parse_ok (TEXT (rich_config), PT_TOOL_ROLE_CLIENT);
  g_autoptr(PtToolConfig) server = parse_ok (TEXT (rich_config), PT_TOOL_ROLE_SERVER);

  g_assert_cmpuint (client->tunnels->len, ==, 3);
  g_assert_cmpstrv (client->pt_exec, ((const char *[]) {
    "/usr/bin/obfs4proxy", "-enableLogging", "quoted arg", "-logLevel=DEBUG", NULL }));
  g_assert_cmpstr (get_tunnel (client, 1)->upstream_host, ==, "192.0.2.3");
  g_assert_cmpuint (server->tunnels->len, ==, 1);
}

static void
test_every_prefix (void)
{
  guint parsed = 0;

  for (gsize length = 0; length <= sizeof rich_config - 1; length++)
    parsed += check_parse_outcome (rich_config, length);
  g_test_message ("%u of %u parses gave a configuration", parsed, 3 * (guint) sizeof rich_config);
  g_assert_cmpuint (parsed, >, 0);
}

static void
test_mutations (void)
{
  static const char interesting[] = "[]=:%()s#; \t\r\n\0\xff\xc3-.0";
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240605);
  gsize base_length = sizeof rich_config - 1;
  guint parsed = 0;

  for (guint round = 0; round < 3000; round++)
    {
      g_autoptr(GString) bytes = g_string_new_len (rich_config, (gssize) base_length);
      guint edits = (guint) g_rand_int_range (rand, 1, 5);

      for (guint e = 0; e < edits; e++)
        {
          gssize at = g_rand_int_range (rand, 0, (gint32) bytes->len);
          char byte = g_rand_boolean (rand)
                      ? interesting[g_rand_int_range (rand, 0, sizeof interesting - 1)]
                      : (char) g_rand_int_range (rand, 0, 256);

          switch (g_rand_int_range (rand, 0, 3))
            {
            case 0:
              bytes->str[at] = byte;
              break;
            case 1:
              g_string_insert_c (bytes, at, byte);
              break;
            default:
              if (bytes->len > 1)
                g_string_erase (bytes, at, 1);
              break;
            }
        }

      parsed += check_parse_outcome (bytes->str, bytes->len);
    }

  g_test_message ("%u of %u parses gave a configuration", parsed, 3 * 3000);
  g_assert_cmpuint (parsed, >, 0);
}

int
main (int   argc,
      char *argv[])
{
  pt_test_init (&argc, &argv);

  g_test_add_func ("/tool-config/python-example/client", test_python_example_client);
  g_test_add_func ("/tool-config/python-example/server", test_python_example_server);
  g_test_add_func ("/tool-config/python-example/ext-server", test_python_example_ext_server);

  for (gsize i = 0; i < G_N_ELEMENTS (options_cases); i++)
    g_test_add_data_func (options_cases[i].path, &options_cases[i], test_options);
  g_test_add_func ("/tool-config/interpolation/depth", test_interpolation_depth);
  g_test_add_func ("/tool-config/interpolation/bomb", test_interpolation_bomb);

  for (gsize i = 0; i < G_N_ELEMENTS (exec_cases); i++)
    g_test_add_data_func (exec_cases[i].path, &exec_cases[i], test_exec);
  for (gsize i = 0; i < G_N_ELEMENTS (state_cases); i++)
    g_test_add_data_func (state_cases[i].path, &state_cases[i], test_state);
  g_test_add_func ("/tool-config/proxy", test_proxy);
  g_test_add_func ("/tool-config/addresses", test_addresses);
  g_test_add_func ("/tool-config/tunnels-order", test_tunnels_order);

  for (gsize i = 0; i < G_N_ELEMENTS (bridge_cases); i++)
    g_test_add_data_func (bridge_cases[i].path, &bridge_cases[i], test_bridge);
  g_test_add_func ("/tool-config/bridge/ignored-by-server", test_bridge_ignored_by_server);

  for (gsize i = 0; i < G_N_ELEMENTS (error_cases); i++)
    g_test_add_data_func (error_cases[i].path, &error_cases[i], test_error);

  g_test_add_func ("/tool-config/load", test_load);
  g_test_add_func ("/tool-config/free-null", test_free_null);
  g_test_add_func ("/tool-config/robust/rich-config", test_rich_config);
  g_test_add_func ("/tool-config/robust/every-prefix", test_every_prefix);
  g_test_add_func ("/tool-config/robust/mutations", test_mutations);

  return g_test_run ();
}
