/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fuzz-ext-or-port.h"

/*
 * Writes the seed corpus of fuzz-ext-or-port into DIR: client sides of
 * SafeCookie sessions whose hashes come from the library's own compute
 * functions (the unit tests check those against Tor's test vector), with
 * the commands a real PT sends and a few that a hostile peer would.
 *
 *   gen-ext-or-port-seeds fuzz/corpus/fuzz-ext-or-port
 */

typedef struct
{
  GByteArray *bytes;
  guint8 cookie[PT_EXT_OR_PORT_COOKIE_LENGTH];
  guint8 server_nonce[PT_EXT_OR_PORT_NONCE_LENGTH];
} Seed;

static void
seed_begin (Seed         *seed,
            guint8        flags,
            guint8        secret_seed,
            const guint8 *chunk_sizes,
            guint         n_chunk_sizes)
{
  guint8 header[3] = { flags, secret_seed, (guint8) (n_chunk_sizes - 1) };

  g_assert (n_chunk_sizes >= 1 && n_chunk_sizes <= FUZZ_EXT_OR_PORT_MAX_CHUNK_SIZES);
  seed->bytes = g_byte_array_new ();
  g_byte_array_append (seed->bytes, header, sizeof header);
  g_byte_array_append (seed->bytes, chunk_sizes, n_chunk_sizes);
  fuzz_ext_or_port_derive_secrets (secret_seed, seed->cookie, seed->server_nonce);
}

/* Auth type, client nonce and client hash (@right_hash or all zeros). */
static void
seed_authenticate (Seed     *seed,
                   guint8    auth_type,
                   gboolean  right_hash)
{
  guint8 client_nonce[PT_EXT_OR_PORT_NONCE_LENGTH];
  guint8 hash[PT_EXT_OR_PORT_HASH_LENGTH] = { 0 };

  for (guint i = 0; i < sizeof client_nonce; i++)
    client_nonce[i] = (guint8) (0xc3 ^ (i * 7));
  if (right_hash)
    _pt_ext_or_port_compute_client_hash (seed->cookie, client_nonce, seed->server_nonce, hash);

  g_byte_array_append (seed->bytes, &auth_type, 1);
  g_byte_array_append (seed->bytes, client_nonce, sizeof client_nonce);
  g_byte_array_append (seed->bytes, hash, sizeof hash);
}

static void
seed_command (Seed         *seed,
              guint16       command,
              const guint8 *body,
              guint16       length)
{
  guint8 header[4] = { command >> 8, command & 0xff, length >> 8, length & 0xff };

  g_byte_array_append (seed->bytes, header, sizeof header);
  if (body != NULL)
    g_byte_array_append (seed->bytes, body, length);
}

static void
seed_text_command (Seed       *seed,
                   guint16     command,
                   const char *text)
{
  seed_command (seed, command, (const guint8 *) text, (guint16) strlen (text));
}

static void
seed_write (Seed       *seed,
            const char *dir,
            const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, (const char *) seed->bytes->data, seed->bytes->len, &error))
    g_error ("%s", error->message);
  g_byte_array_unref (seed->bytes);
  seed->bytes = NULL;
}

int
main (int    argc,
      char **argv)
{
  static const guint8 whole[] = { 0 };
  static const guint8 small[] = { 1, 3, 7, 2 };
  static const guint8 fields[] = { 1, 32, 32, 4, 17, 4, 5, 4 };
  static const char payload[] = "\x16\x03\x01 the OR protocol starts here";
  const char *dir;
  Seed seed;

  if (argc != 2)
    {
      g_printerr ("usage: %s DIR\n", argv[0]);
      return 2;
    }
  dir = argv[1];
  g_mkdir_with_parents (dir, 0755);

  /* What obfs4proxy sends: USERADDR, TRANSPORT, DONE, then data. */
  seed_begin (&seed, 0, 0x2a, fields, G_N_ELEMENTS (fields));
  seed_authenticate (&seed, 1, TRUE);
  seed_text_command (&seed, PT_EXT_OR_PORT_CMD_USERADDR, "203.0.113.5:51234");
  seed_text_command (&seed, PT_EXT_OR_PORT_CMD_TRANSPORT, "obfs4");
  seed_command (&seed, PT_EXT_OR_PORT_CMD_DONE, NULL, 0);
  g_byte_array_append (seed.bytes, (const guint8 *) payload, sizeof payload - 1);
  seed_write (&seed, dir, "obfs4-session");

  seed_begin (&seed, FUZZ_EXT_OR_PORT_FIX_HASH, 0x07, small, G_N_ELEMENTS (small));
  seed_authenticate (&seed, 1, TRUE);
  seed_text_command (&seed, PT_EXT_OR_PORT_CMD_USERADDR, "[2001:db8::1]:443");
  seed_text_command (&seed, 0x8001, "an unknown command");
  seed_text_command (&seed, PT_EXT_OR_PORT_CMD_TRANSPORT, "meek_lite");
  seed_command (&seed, PT_EXT_OR_PORT_CMD_DONE, NULL, 0);
  seed_write (&seed, dir, "ipv6-unknown-command");

  /* Only DONE, all in one read. */
  seed_begin (&seed, FUZZ_EXT_OR_PORT_FIX_HASH, 0x00, whole, G_N_ELEMENTS (whole));
  seed_authenticate (&seed, 1, TRUE);
  seed_command (&seed, PT_EXT_OR_PORT_CMD_DONE, NULL, 0);
  seed_write (&seed, dir, "done-only");

  /* Repeated commands replace each other. */
  seed_begin (&seed, FUZZ_EXT_OR_PORT_FIX_HASH, 0x99, small, G_N_ELEMENTS (small));
  seed_authenticate (&seed, 1, TRUE);
  seed_text_command (&seed, PT_EXT_OR_PORT_CMD_TRANSPORT, "obfs3");
  seed_text_command (&seed, PT_EXT_OR_PORT_CMD_USERADDR, "192.0.2.1:1");
  seed_text_command (&seed, PT_EXT_OR_PORT_CMD_TRANSPORT, "scramblesuit");
  seed_text_command (&seed, PT_EXT_OR_PORT_CMD_USERADDR, "[::ffff:192.0.2.2]:65535");
  seed_command (&seed, PT_EXT_OR_PORT_CMD_DONE, NULL, 0);
  seed_write (&seed, dir, "repeated-commands");

  /* Hostile peers. */
  seed_begin (&seed, 0, 0x13, small, G_N_ELEMENTS (small));
  seed_authenticate (&seed, 1, FALSE);
  seed_command (&seed, PT_EXT_OR_PORT_CMD_DONE, NULL, 0);
  seed_write (&seed, dir, "wrong-hash");

  seed_begin (&seed, 0, 0x13, whole, G_N_ELEMENTS (whole));
  seed_authenticate (&seed, 2, TRUE);
  seed_write (&seed, dir, "wrong-auth-type");

  seed_begin (&seed, 0, 0x13, whole, G_N_ELEMENTS (whole));
  g_byte_array_append (seed.bytes, (const guint8 *) "\0", 1);
  seed_write (&seed, dir, "no-auth-type");

  seed_begin (&seed, FUZZ_EXT_OR_PORT_FIX_HASH, 0x55, fields, G_N_ELEMENTS (fields));
  seed_authenticate (&seed, 1, TRUE);
  seed_text_command (&seed, PT_EXT_OR_PORT_CMD_USERADDR, "example.com:80");
  seed_write (&seed, dir, "useraddr-not-an-address");

  seed_begin (&seed, FUZZ_EXT_OR_PORT_FIX_HASH, 0x56, fields, G_N_ELEMENTS (fields));
  seed_authenticate (&seed, 1, TRUE);
  seed_command (&seed, PT_EXT_OR_PORT_CMD_TRANSPORT, (const guint8 *) "obfs\0", 5);
  seed_write (&seed, dir, "transport-with-nul");

  seed_begin (&seed, FUZZ_EXT_OR_PORT_FIX_HASH, 0x57, small, G_N_ELEMENTS (small));
  seed_authenticate (&seed, 1, TRUE);
  for (guint i = 0; i < PT_EXT_OR_PORT_MAX_COMMANDS; i++)
    seed_command (&seed, 0x4242, NULL, 0);
  seed_command (&seed, PT_EXT_OR_PORT_CMD_DONE, NULL, 0);
  seed_write (&seed, dir, "too-many-commands");

  seed_begin (&seed, FUZZ_EXT_OR_PORT_FIX_HASH, 0x58, whole, G_N_ELEMENTS (whole));
  seed_authenticate (&seed, 1, TRUE);
  seed_command (&seed, 0x4242, NULL, 0xffff);
  seed_write (&seed, dir, "huge-body");

  return 0;
}
