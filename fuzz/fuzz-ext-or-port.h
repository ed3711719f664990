/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The input format of fuzz-ext-or-port, shared with the program that
 * writes its seeds:
 *
 *   byte 0      flags: FUZZ_EXT_OR_PORT_FIX_HASH = replace the 32 bytes
 *               where the client hash goes with the right hash, so that
 *               mutations get past authentication
 *   byte 1      seed of the cookie and the server nonce
 *   byte 2      low 3 bits: number of chunk sizes - 1
 *   bytes 3...  the chunk sizes (0 = an empty feed)
 *   the rest    what the client sends
 */

#include <glib.h>

#include "pt-ext-or-port-private.h"

#define FUZZ_EXT_OR_PORT_FIX_HASH  0x01
#define FUZZ_EXT_OR_PORT_MAX_CHUNK_SIZES 8

static inline void
fuzz_ext_or_port_derive_secrets (guint8  seed,
                                 guint8 *cookie,
                                 guint8 *server_nonce)
{
  for (guint i = 0; i < PT_EXT_OR_PORT_COOKIE_LENGTH; i++)
    cookie[i] = (guint8) (seed ^ (i * 0x3b + 0x11));
  for (guint i = 0; i < PT_EXT_OR_PORT_NONCE_LENGTH; i++)
    server_nonce[i] = (guint8) ((seed + i * 0x55) ^ 0xa5);
}
