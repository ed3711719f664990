/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The server side of the Extended ORPort (ext-orport-spec.txt, proposal
 * 217): SafeCookie authentication and the command framing before DONE, as a
 * state machine fed with bytes. Pure: no I/O, no clock, no randomness (the
 * caller supplies the server nonce), safe to fuzz with any chunking.
 */

#define PT_EXT_OR_PORT_COOKIE_HEADER        "! Extended ORPort Auth Cookie !\n"
#define PT_EXT_OR_PORT_COOKIE_HEADER_LENGTH 32
#define PT_EXT_OR_PORT_COOKIE_LENGTH        32
#define PT_EXT_OR_PORT_COOKIE_FILE_LENGTH   64
#define PT_EXT_OR_PORT_NONCE_LENGTH         32
#define PT_EXT_OR_PORT_HASH_LENGTH          32

/* Bounds on what a peer may send before DONE. */
#define PT_EXT_OR_PORT_MAX_COMMANDS         64
#define PT_EXT_OR_PORT_MAX_COMMAND_BYTES    16384  /* headers + bodies */

#define PT_EXT_OR_PORT_CMD_DONE             0x0000
#define PT_EXT_OR_PORT_CMD_USERADDR         0x0001
#define PT_EXT_OR_PORT_CMD_TRANSPORT        0x0002
#define PT_EXT_OR_PORT_REPLY_OKAY           0x1000
#define PT_EXT_OR_PORT_REPLY_DENY           0x1001

typedef enum
{
  PT_EXT_OR_PORT_NEED_MORE,  /* everything given was consumed; feed more */
  PT_EXT_OR_PORT_DONE,       /* DONE received; the bytes after it are the
                              * client's payload */
  PT_EXT_OR_PORT_ERROR,      /* close the connection (after writing out
                              * whatever was appended to the output) */
} PtExtOrPortStatus;

typedef struct _PtExtOrPortServer PtExtOrPortServer;

/* @cookie: the 32 secret bytes (not the file header); @server_nonce: 32
 * random bytes chosen by the caller. Both are copied. */
PtExtOrPortServer *_pt_ext_or_port_server_new        (const guint8       *cookie,
                                                      const guint8       *server_nonce);
void               _pt_ext_or_port_server_free       (PtExtOrPortServer  *self);

/* Appends the server's first bytes (the auth types it supports: SAFE_COOKIE
 * (1), then the 0 terminator) to @output. Call once, before any feed. */
void               _pt_ext_or_port_server_begin      (PtExtOrPortServer  *self,
                                                      GByteArray         *output);

/* Feeds bytes from the peer. Whatever the server must send back (the server
 * hash and nonce, the status byte) is appended to @output, also when the
 * result is PT_EXT_OR_PORT_ERROR (a wrong client hash gets status 0 and then
 * the error). *@consumed is set to the number of bytes of @data used: all of
 * them for NEED_MORE; for DONE, up to and including the DONE command (the
 * rest is payload that must reach the application). After DONE or ERROR,
 * further feeds are a programmer error.
 * Errors (PT_ERROR_PROTOCOL, message for the debug log): an auth type other
 * than 1, a wrong client hash, USERADDR that is not an IP address:port, a
 * TRANSPORT that is not a C identifier, NUL in a USERADDR or TRANSPORT body,
 * more than PT_EXT_OR_PORT_MAX_COMMANDS commands or
 * PT_EXT_OR_PORT_MAX_COMMAND_BYTES bytes of commands before DONE. Unknown
 * commands are skipped (their bodies count toward the byte bound). A repeated
 * USERADDR or TRANSPORT replaces the earlier one. */
PtExtOrPortStatus  _pt_ext_or_port_server_feed       (PtExtOrPortServer  *self,
                                                      const guint8       *data,
                                                      gsize               length,
                                                      gsize              *consumed,
                                                      GByteArray         *output,
                                                      GError            **error);

/* How many bytes the server still needs to complete the field it is
 * reading (at least 1), or 0 once it has stopped reading (before
 * _pt_ext_or_port_server_begin(), after DONE or ERROR). A caller that never
 * reads more than this from its socket never reads past DONE, so the bytes
 * after DONE stay in the socket for the application. */
gsize              _pt_ext_or_port_server_get_bytes_wanted (PtExtOrPortServer *self);

/* After DONE: what the peer said. NULL when it did not send that command. */
const char        *_pt_ext_or_port_server_get_transport (PtExtOrPortServer *self);
GInetSocketAddress *_pt_ext_or_port_server_get_user_address (PtExtOrPortServer *self);

/* Appends the 4-byte OKAY or DENY reply (empty body) to @output. */
void               _pt_ext_or_port_append_reply      (gboolean            accept,
                                                      GByteArray         *output);

/* HMAC-SHA256 (@cookie, "ExtORPort authentication server-to-client hash" |
 * client_nonce | server_nonce), and the client-to-server one; @hash_out gets
 * PT_EXT_OR_PORT_HASH_LENGTH bytes. */
void               _pt_ext_or_port_compute_server_hash (const guint8 *cookie,
                                                        const guint8 *client_nonce,
                                                        const guint8 *server_nonce,
                                                        guint8       *hash_out);
void               _pt_ext_or_port_compute_client_hash (const guint8 *cookie,
                                                        const guint8 *client_nonce,
                                                        const guint8 *server_nonce,
                                                        guint8       *hash_out);

/* Compares in time that depends only on @length. */
gboolean           _pt_constant_time_equal           (const guint8       *a,
                                                      const guint8       *b,
                                                      gsize               length);

/* Fills @file_contents (PT_EXT_OR_PORT_COOKIE_FILE_LENGTH bytes) with the
 * header followed by @cookie. */
void               _pt_ext_or_port_format_cookie_file (const guint8      *cookie,
                                                       guint8            *file_contents);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtExtOrPortServer, _pt_ext_or_port_server_free)

G_END_DECLS
