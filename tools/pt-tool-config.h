/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The configuration of the ptadapter tool: the INI files of the Python
 * ptadapter console tool, read the way Python's configparser reads them
 * there (ConfigParser(empty_lines_in_values=False), BasicInterpolation):
 *
 *  - "[section]" headers (names case-sensitive); a [DEFAULT] section whose
 *    keys every other section inherits;
 *  - "key = value" or "key: value" (the first '=' or ':' splits), keys
 *    case-insensitive (stored lowercased), whitespace around keys and values
 *    stripped; a key without delimiter is an error;
 *  - comment lines start with '#' or ';' (after optional whitespace); no
 *    inline comments;
 *  - a line indented deeper than its key continues the value (joined with
 *    "\n"); an empty line ends a value, and so does a comment line (which
 *    configparser strips to an empty one);
 *  - BasicInterpolation: "%%" is a literal '%', "%(name)s" is the value of
 *    key name of the same section (or DEFAULT), recursively up to depth 10;
 *    any other '%' is an error. Like configparser, only the values the tool
 *    reads are interpolated: the role section's keys, and every key of each
 *    named tunnel section (configparser's items() reads them all);
 *  - a repeated section or a repeated key in one section is an error;
 *    [DEFAULT] may appear more than once, its keys may not repeat;
 *  - lines end at "\n", "\r\n" or "\r"; whitespace is ASCII (space, tab,
 *    \v, \f); a header is '[' to the last ']' of the line, so text after it
 *    is ignored, as configparser does;
 *  - beyond configparser: a UTF-8 byte order mark is skipped; a NUL byte or
 *    invalid UTF-8 is a syntax error naming the line.
 *
 * Roles:
 *   [client]  exec, state (optional; empty = a temp dir), proxy (optional),
 *             tunnels (whitespace-separated section names)
 *   [tunnel]  transport, listen, upstream, options-<name> (per-connection
 *             args, <name> lowercased), or bridge = <Tor bridge line>
 *             instead of transport/upstream/options-* (read with
 *             pt_bridge_line_parse(), continuation lines joined with
 *             spaces; its fingerprint is not used; any of those keys
 *             beside it, even inherited from DEFAULT, is an error)
 *   [server]  exec, state (optional), forward, tunnels
 *   [tunnel]  transport, listen, options-<name> (server transport options);
 *             a transport may be served by one tunnel only
 *
 * Other keys are ignored, as the Python tool does. "tunnels" must name at
 * least one section, each once. A tunnel's options come from its section
 * and DEFAULT, like configparser's items(); "options-" alone is an error.
 * "proxy" must be a URI (the adapter checks the rest when it starts).
 *
 * "exec" is split with shell quoting rules (g_shell_parse_argv; unlike
 * Python's shlex.split(), a word starting with '#' starts a comment).
 * Relative paths (state, and exec's program when it contains a '/') are
 * resolved against the current directory, lexically
 * (g_canonicalize_filename). Addresses are "host:port" with IPv6 in
 * brackets; every host may be an IP literal or a name (the tool resolves
 * names when it starts). Ports are 1-65535; a listen port may also be 0
 * (any free port).
 *
 * Every error names the file, the section and the key, e.g.
 *   "tunnel.ini: [client_obfs4] upstream: “127.0.0.1” has no port"
 * (a line that cannot be read names its line instead of a key, e.g.
 *   "tunnel.ini:12: [client] “foo” is neither a [section] header nor a
 *   key = value line")
 * and is in the PT_TOOL_CONFIG_ERROR domain.
 */

#define PT_TOOL_CONFIG_ERROR (pt_tool_config_error_quark ())

typedef enum
{
  PT_TOOL_CONFIG_ERROR_SYNTAX,          /* not INI as configparser reads it
                                         * ("file:line: ..."), or a bad '%' */
  PT_TOOL_CONFIG_ERROR_MISSING_SECTION, /* [client]/[server] or a tunnel's section */
  PT_TOOL_CONFIG_ERROR_MISSING_KEY,     /* also a %(name)s naming no key */
  PT_TOOL_CONFIG_ERROR_INVALID_VALUE,   /* bad host:port, exec, bridge line, ... */
  PT_TOOL_CONFIG_ERROR_READ,            /* pt_tool_config_load(): the file cannot be read */
} PtToolConfigError;

typedef enum
{
  PT_TOOL_ROLE_CLIENT,       /* -C: reads [client] */
  PT_TOOL_ROLE_SERVER,       /* -S: reads [server] */
  PT_TOOL_ROLE_EXT_SERVER,   /* -E: reads [server] */
} PtToolRole;

typedef struct
{
  char       *section;        /* the tunnel's section name */
  char       *transport;
  char       *listen_host;    /* IP literal or name, no brackets */
  guint16     listen_port;
  char       *upstream_host;  /* client only: IP literal or name, no brackets */
  guint16     upstream_port;
  /* options-<name>: client per-connection args, or server transport
   * options. <name> -> value, never NULL (maybe empty). */
  GHashTable *options;
} PtToolTunnel;

typedef struct
{
  PtToolRole  role;
  char       *path;           /* the file, as given */
  char      **pt_exec;
  char       *state;          /* absolute, or NULL for a temp dir */
  char       *proxy;          /* client: the upstream proxy URI, or NULL */
  char       *forward_host;   /* server: IP literal or name, no brackets */
  guint16     forward_port;
  GPtrArray  *tunnels;        /* PtToolTunnel*, in the order of "tunnels" */
} PtToolConfig;

GQuark        pt_tool_config_error_quark (void);

/* Parses @length bytes of @text (it need not be NUL-terminated, and may
 * contain anything: bad input is an error, never a crash) for @role.
 * @path only names the file in messages; relative paths are resolved
 * against the current directory. */
PtToolConfig *pt_tool_config_parse       (const char   *text,
                                          gsize         length,
                                          const char   *path,
                                          PtToolRole    role,
                                          GError      **error);

/* Reads @path and parses it; PT_TOOL_CONFIG_ERROR_READ if it cannot be
 * read (the message names the file). */
PtToolConfig *pt_tool_config_load        (const char   *path,
                                          PtToolRole    role,
                                          GError      **error);

void          pt_tool_config_free        (PtToolConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtToolConfig, pt_tool_config_free)

G_END_DECLS
