/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Encodings of key=value arguments and socket addresses that the PT
 * protocol uses (pt-spec 3.2.3, 3.3.3, 3.5; goptlib's args.go is the
 * reference parser on the PT side).
 *
 * Pure functions: no I/O, no global state, safe to fuzz. Every error is in
 * the PT_ERROR domain.
 */

/* The most bytes a SOCKS5 username plus password can carry (255 + 255). */
#define PT_ARGS_SOCKS5_MAX_LENGTH 510
/* The most bytes of a SOCKS4a user id that GIO will send. */
#define PT_ARGS_SOCKS4_MAX_LENGTH 255

/* TRUE if @name is a pt-spec transport name: [a-zA-Z_][a-zA-Z0-9_]* */
gboolean            _pt_transport_name_is_valid       (const char  *name);

/* Per-connection client arguments (pt-spec 3.5). Each key and value has
 * '\\', '=' and ';' escaped with a backslash; pairs are "key=value" joined
 * with ';', sorted by key (byte order), no trailing ';'. @args may be NULL or
 * empty: the result is then "". Errors: PT_ERROR_INVALID_ARGUMENT for an
 * empty key or a byte outside 0x01..0x7f in a key or value;
 * PT_ERROR_ARGS_TOO_LONG when the result is longer than @max_length bytes
 * (the message gives both lengths). */
char               *_pt_args_encode_client            (GHashTable  *args,
                                                       gsize        max_length,
                                                       GError     **error);

/* Decodes what _pt_args_encode_client() produced, the way goptlib does: keys
 * end at an unescaped '=' (a ';' before it is an error), values at an
 * unescaped ';', a backslash takes the next byte literally, a trailing lone
 * backslash or an empty key is an error (PT_ERROR_PROTOCOL). "" gives an
 * empty table. A repeated key keeps its first value. */
GHashTable         *_pt_args_parse_client             (const char  *encoded,
                                                       gsize        length,
                                                       GError     **error);

/* Splits encoded client args (length >= 2) for SOCKS5 username/password
 * authentication: the username gets the first MIN (255, length - 1) bytes,
 * the password the rest, so the password is never empty (goptlib rejects an
 * empty one) and neither exceeds 255 bytes when length <= 510. */
void                _pt_args_split_socks5             (const char  *encoded,
                                                       char       **username,
                                                       char       **password);

/* TOR_PT_SERVER_TRANSPORT_OPTIONS for one transport: "transport:key=value"
 * items joined with ';', sorted by key, with '\\', ':', ';' and '=' escaped
 * in keys and values. @options NULL or empty gives NULL (no item). Errors:
 * PT_ERROR_INVALID_ARGUMENT for an invalid transport name or an empty key. */
char               *_pt_args_encode_server_options    (const char  *transport,
                                                       GHashTable  *options,
                                                       GError     **error);

/* Parses a whole TOR_PT_SERVER_TRANSPORT_OPTIONS value the way goptlib does
 * (transport up to an unescaped ':', key up to an unescaped '=', value up to
 * an unescaped ';'). Returns transport -> (key -> value) tables; a repeated
 * key keeps its first value. Errors: PT_ERROR_PROTOCOL. Used by tests and
 * fuzzing to prove the encoder round-trips. */
GHashTable         *_pt_args_parse_server_options     (const char  *text,
                                                       gsize        length,
                                                       GError     **error);

/* The value of an SMETHOD "ARGS:" option (without the prefix):
 * "key=value,key=value" where '\\' escapes the next byte ('=' and ',' must be
 * escaped inside keys and values). Errors (PT_ERROR_PROTOCOL): a pair without
 * '=', an empty key, a trailing lone backslash. "" gives an empty table.
 * A repeated key keeps its first value. Values that are not UTF-8 are made
 * valid. */
GHashTable         *_pt_args_parse_smethod_args       (const char  *text,
                                                       gsize        length,
                                                       GError     **error);

/* The inverse of _pt_args_parse_smethod_args(): sorted by key, '\\', '=' and
 * ',' escaped. NULL or empty @args gives "". */
char               *_pt_args_encode_smethod_args      (GHashTable  *args);

/* Parses "a.b.c.d:port" or "[v6]:port" (IP literals only; no host names, no
 * zone ids). The port is 1 to 65535 in decimal without sign or leading '+',
 * or also 0 when @allow_port_zero. Errors: PT_ERROR_INVALID_ARGUMENT with a
 * message that quotes the text (made printable). */
GInetSocketAddress *_pt_socket_address_parse          (const char  *text,
                                                       gsize        length,
                                                       gboolean     allow_port_zero,
                                                       GError     **error);

/* "a.b.c.d:port" or "[v6]:port". */
char               *_pt_socket_address_to_string      (GInetSocketAddress *address);

/* A copy of @text of @length bytes that is safe to quote in a message:
 * printable ASCII kept, other bytes as \xHH, cut to @max_length input bytes
 * with "…" appended when longer. */
char               *_pt_quote_for_message             (const char  *text,
                                                       gsize        length,
                                                       gsize        max_length);

G_END_DECLS
