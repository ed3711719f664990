/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pt-adapter.h"

G_BEGIN_DECLS

/*
 * One line of the PT's stdout, parsed into a typed message (pt-spec 3.3).
 * Pure: no I/O, no global state, safe to fuzz byte by byte.
 */

typedef enum
{
  PT_MESSAGE_UNKNOWN,          /* a well-formed line with an unknown keyword */
  PT_MESSAGE_VERSION,
  PT_MESSAGE_VERSION_ERROR,
  PT_MESSAGE_ENV_ERROR,
  PT_MESSAGE_PROXY_DONE,
  PT_MESSAGE_PROXY_ERROR,
  PT_MESSAGE_CMETHOD,
  PT_MESSAGE_CMETHOD_ERROR,
  PT_MESSAGE_CMETHODS_DONE,
  PT_MESSAGE_SMETHOD,
  PT_MESSAGE_SMETHOD_ERROR,
  PT_MESSAGE_SMETHODS_DONE,
  PT_MESSAGE_LOG,
  PT_MESSAGE_STATUS,
} PtMessageKind;

typedef struct
{
  PtMessageKind       kind;
  char               *keyword;    /* always: the line's keyword */
  /* CMETHOD, CMETHOD-ERROR, SMETHOD, SMETHOD-ERROR: the transport name (a
   * valid C identifier); STATUS: the TRANSPORT field, or NULL. */
  char               *transport;
  /* VERSION: the version ("1"); VERSION-ERROR, ENV-ERROR, PROXY-ERROR,
   * CMETHOD-ERROR, SMETHOD-ERROR: the PT's message, the rest of the line
   * (possibly ""); LOG: the MESSAGE field. Otherwise NULL. */
  char               *text;
  char               *scheme;     /* CMETHOD: "socks4" or "socks5" */
  GInetSocketAddress *address;    /* CMETHOD, SMETHOD */
  /* SMETHOD: the options after the address as sent (space-separated), or
   * NULL when there are none. */
  char               *options;
  /* SMETHOD: the decoded ARGS: option (empty table without one). */
  GHashTable         *args;
  PtLogSeverity       severity;   /* LOG */
  /* STATUS: every field but TRANSPORT. */
  GHashTable         *fields;
} PtMessage;

/* The protocol version this library offers in TOR_PT_MANAGED_TRANSPORT_VER. */
#define PT_MANAGED_TRANSPORT_VERSION "1"

/* Parses one line (without its line terminator; @length bytes, which may
 * contain NUL). Checks the line metaformat: keyword of [A-Za-z0-9_-]+, then
 * arguments each introduced by one space, only US-ASCII bytes, no NUL.
 * Then the message's own syntax:
 *   VERSION <version>                 exactly one argument; a version other
 *                                     than PT_MANAGED_TRANSPORT_VERSION fails
 *                                     with PT_ERROR_VERSION
 *   VERSION-ERROR|ENV-ERROR|PROXY-ERROR [message...]
 *   PROXY DONE
 *   CMETHOD <transport> <socks4|socks5> <address:port> [ignored...]
 *   CMETHOD-ERROR <transport> [message...]
 *   CMETHODS DONE
 *   SMETHOD <transport> <address:port> [options...]
 *   SMETHOD-ERROR <transport> [message...]
 *   SMETHODS DONE
 *   LOG SEVERITY=<error|warning|notice|info|debug> MESSAGE=<value> (kvline)
 *   STATUS [TRANSPORT=<value>] <key>=<value>...                    (kvline)
 * Every other failure is PT_ERROR_PROTOCOL with a message that names the
 * keyword and what is wrong and quotes the line (made printable, shortened).
 * An unknown keyword with a valid metaformat is PT_MESSAGE_UNKNOWN. */
PtMessage  *_pt_message_parse (const char  *line,
                               gsize        length,
                               GError     **error);

void        _pt_message_free  (PtMessage   *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtMessage, _pt_message_free)

G_END_DECLS
