/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(PT_INSIDE) && !defined(PT_COMPILATION)
# error "Only <ptadapter/ptadapter.h> can be included directly."
#endif

#include <glib.h>
#include <ptadapter/pt-version-macros.h>

G_BEGIN_DECLS

/**
 * PT_ERROR:
 *
 * Error domain for ptadapter. Errors in this domain are from the #PtError
 * enumeration. See #GError for how to handle errors.
 */
#define PT_ERROR (pt_error_quark ())

/**
 * PtError:
 * @PT_ERROR_FAILED: a failure that none of the other codes describes
 * @PT_ERROR_VERSION: the PT answered `VERSION-ERROR`, or chose a protocol
 *   version that was not offered
 * @PT_ERROR_ENV: the PT answered `ENV-ERROR`: it rejected its environment
 * @PT_ERROR_PROXY: the upstream proxy was refused (`PROXY-ERROR`), or the PT
 *   did not confirm that it will use it
 * @PT_ERROR_METHOD: the PT could not launch a transport (`CMETHOD-ERROR` or
 *   `SMETHOD-ERROR`); the message quotes the PT
 * @PT_ERROR_UNKNOWN_TRANSPORT: the transport was not requested, or the PT did
 *   not answer for it
 * @PT_ERROR_PROTOCOL: the PT broke the managed-proxy protocol
 * @PT_ERROR_EXITED: the PT exited, or is not running
 * @PT_ERROR_TIMEOUT: an operation did not complete in the time allowed
 * @PT_ERROR_INVALID_STATE: the adapter is not in a state that allows the
 *   operation
 * @PT_ERROR_INVALID_ARGUMENT: an argument was rejected: a malformed address,
 *   transport name, URI or option
 * @PT_ERROR_ARGS_TOO_LONG: the encoded per-connection arguments do not fit in
 *   the SOCKS authentication fields
 *
 * Error codes of the %PT_ERROR domain. More codes may be added in later
 * versions; treat unknown ones like %PT_ERROR_FAILED.
 */
typedef enum
{
  PT_ERROR_FAILED,
  PT_ERROR_VERSION,
  PT_ERROR_ENV,
  PT_ERROR_PROXY,
  PT_ERROR_METHOD,
  PT_ERROR_UNKNOWN_TRANSPORT,
  PT_ERROR_PROTOCOL,
  PT_ERROR_EXITED,
  PT_ERROR_TIMEOUT,
  PT_ERROR_INVALID_STATE,
  PT_ERROR_INVALID_ARGUMENT,
  PT_ERROR_ARGS_TOO_LONG,
} PtError;

PT_AVAILABLE_IN_ALL
GQuark pt_error_quark (void);

G_END_DECLS
