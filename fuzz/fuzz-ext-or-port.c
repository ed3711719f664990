/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "fuzz-ext-or-port.h"
#include "pt-args-private.h"
#include "pt-error.h"

/*
 * The ExtORPort server state machine (fuzz-ext-or-port.h has the input
 * format). The client's bytes are fed four ways: all at once, in the
 * chunks the input chooses, one byte at a time, and never more than
 * _pt_ext_or_port_server_get_bytes_wanted() (as the adapter reads its
 * socket). All four must end the same way: status, bytes consumed, bytes
 * sent back, transport, address and error.
 */

typedef struct
{
  guint8 cookie[PT_EXT_OR_PORT_COOKIE_LENGTH];
  guint8 server_nonce[PT_EXT_OR_PORT_NONCE_LENGTH];
  const guint8 *stream;
  gsize length;
  gsize chunk_sizes[FUZZ_EXT_OR_PORT_MAX_CHUNK_SIZES];
  guint n_chunk_sizes;
} Input;

typedef struct
{
  PtExtOrPortStatus status;
  gsize consumed;
  GByteArray *output;
  char *transport;
  char *address;
  char *error_message;
} Outcome;

typedef enum
{
  FEED_CHUNKS,        /* Input.chunk_sizes, cycled */
  FEED_BYTES_WANTED,  /* as wanted, cut to the chunk sizes */
} FeedMode;

static void
outcome_clear (Outcome *outcome)
{
  g_byte_array_unref (outcome->output);
  g_free (outcome->transport);
  g_free (outcome->address);
  g_free (outcome->error_message);
}

static void
feed (const Input *input,
      FeedMode     mode,
      const gsize *chunk_sizes,
      guint        n_chunk_sizes,
      Outcome     *outcome)
{
  g_autoptr(PtExtOrPortServer) server =
    _pt_ext_or_port_server_new (input->cookie, input->server_nonce);
  g_autoptr(GError) error = NULL;
  GInetSocketAddress *address;
  gsize offset = 0;
  guint chunk = 0;

  memset (outcome, 0, sizeof *outcome);
  outcome->output = g_byte_array_new ();
  outcome->status = PT_EXT_OR_PORT_NEED_MORE;

  FUZZ_CHECK (_pt_ext_or_port_server_get_bytes_wanted (server) == 0);
  _pt_ext_or_port_server_begin (server, outcome->output);
  FUZZ_CHECK (outcome->output->len == 2);
  FUZZ_CHECK (outcome->output->data[0] == 1 && outcome->output->data[1] == 0);

  while (outcome->status == PT_EXT_OR_PORT_NEED_MORE && offset < input->length)
    {
      gsize wanted = _pt_ext_or_port_server_get_bytes_wanted (server);
      gsize size = chunk_sizes[chunk++ % n_chunk_sizes];
      gsize consumed = G_MAXSIZE;

      FUZZ_CHECK (wanted >= 1);
      if (mode == FEED_BYTES_WANTED)
        size = size == 0 ? wanted : MIN (size, wanted);
      size = MIN (size, input->length - offset);

      outcome->status = _pt_ext_or_port_server_feed (server, input->stream + offset, size,
                                                     &consumed, outcome->output, &error);
      FUZZ_CHECK (consumed <= size);
      if (outcome->status == PT_EXT_OR_PORT_NEED_MORE || mode == FEED_BYTES_WANTED)
        FUZZ_CHECK (consumed == size);
      FUZZ_CHECK ((outcome->status == PT_EXT_OR_PORT_ERROR) == (error != NULL));
      if (outcome->status == PT_EXT_OR_PORT_NEED_MORE)
        FUZZ_CHECK (_pt_ext_or_port_server_get_bytes_wanted (server) >= 1);
      else
        FUZZ_CHECK (_pt_ext_or_port_server_get_bytes_wanted (server) == 0);
      offset += consumed;
    }

  outcome->consumed = offset;
  outcome->transport = g_strdup (_pt_ext_or_port_server_get_transport (server));
  address = _pt_ext_or_port_server_get_user_address (server);
  if (address != NULL)
    outcome->address = _pt_socket_address_to_string (address);
  if (error != NULL)
    {
      fuzz_check_error (error, PT_ERROR, PT_ERROR_PROTOCOL);
      outcome->error_message = g_strdup (error->message);
    }

  if (outcome->status == PT_EXT_OR_PORT_DONE)
    {
      _pt_ext_or_port_append_reply (TRUE, outcome->output);
      _pt_ext_or_port_append_reply (FALSE, outcome->output);
    }
}

static void
check_same (const Outcome *a,
            const Outcome *b)
{
  FUZZ_CHECK (a->status == b->status);
  FUZZ_CHECK (a->consumed == b->consumed);
  FUZZ_CHECK (a->output->len == b->output->len);
  FUZZ_CHECK (memcmp (a->output->data, b->output->data, a->output->len) == 0);
  FUZZ_CHECK (g_strcmp0 (a->transport, b->transport) == 0);
  FUZZ_CHECK (g_strcmp0 (a->address, b->address) == 0);
  FUZZ_CHECK (g_strcmp0 (a->error_message, b->error_message) == 0);
}

/* What the server sent is what SafeCookie says, as far as it got. */
static void
check_against_protocol (const Input   *input,
                        const Outcome *outcome)
{
  const guint8 *stream = input->stream;
  const guint8 *output = outcome->output->data;
  gsize output_length = outcome->output->len;
  guint8 hash[PT_EXT_OR_PORT_HASH_LENGTH];
  gboolean authenticated;

  if (outcome->consumed < 1 + PT_EXT_OR_PORT_NONCE_LENGTH || stream[0] != 1)
    {
      FUZZ_CHECK (output_length == 2);
      FUZZ_CHECK (outcome->status != PT_EXT_OR_PORT_DONE);
      return;
    }

  _pt_ext_or_port_compute_server_hash (input->cookie, stream + 1, input->server_nonce, hash);
  FUZZ_CHECK (output_length >= 2 + 2 * PT_EXT_OR_PORT_HASH_LENGTH);
  FUZZ_CHECK (memcmp (output + 2, hash, sizeof hash) == 0);
  FUZZ_CHECK (memcmp (output + 2 + sizeof hash, input->server_nonce,
                      PT_EXT_OR_PORT_NONCE_LENGTH) == 0);

  if (outcome->consumed < 1 + PT_EXT_OR_PORT_NONCE_LENGTH + PT_EXT_OR_PORT_HASH_LENGTH)
    {
      FUZZ_CHECK (output_length == 2 + 2 * PT_EXT_OR_PORT_HASH_LENGTH);
      FUZZ_CHECK (outcome->status != PT_EXT_OR_PORT_DONE);
      return;
    }

  _pt_ext_or_port_compute_client_hash (input->cookie, stream + 1, input->server_nonce, hash);
  authenticated = memcmp (stream + 1 + PT_EXT_OR_PORT_NONCE_LENGTH, hash, sizeof hash) == 0;
  FUZZ_CHECK (output_length >= 2 + 2 * PT_EXT_OR_PORT_HASH_LENGTH + 1);
  FUZZ_CHECK (output[2 + 2 * PT_EXT_OR_PORT_HASH_LENGTH] == (authenticated ? 1 : 0));
  if (!authenticated)
    FUZZ_CHECK (outcome->status == PT_EXT_OR_PORT_ERROR);

  if (outcome->status == PT_EXT_OR_PORT_DONE)
    {
      /* Status byte, then the two replies this program appended. */
      FUZZ_CHECK (output_length == 2 + 2 * PT_EXT_OR_PORT_HASH_LENGTH + 1 + 8);
      FUZZ_CHECK (outcome->transport == NULL || _pt_transport_name_is_valid (outcome->transport));
      /* At least the DONE command after authentication. */
      FUZZ_CHECK (outcome->consumed >= 1 + PT_EXT_OR_PORT_NONCE_LENGTH +
                                       PT_EXT_OR_PORT_HASH_LENGTH + 4);
    }
  else
    {
      FUZZ_CHECK (output_length == 2 + 2 * PT_EXT_OR_PORT_HASH_LENGTH + 1);
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const gsize whole[] = { G_MAXSIZE };
  static const gsize single[] = { 1 };
  g_autofree guint8 *stream = NULL;
  Input input;
  Outcome outcomes[5];
  gboolean all_empty = TRUE;
  guint8 flags;
  gsize header_length;

  if (size < 3)
    return 0;

  flags = data[0];
  fuzz_ext_or_port_derive_secrets (data[1], input.cookie, input.server_nonce);
  input.n_chunk_sizes = (data[2] & 0x07) + 1;
  header_length = 3 + input.n_chunk_sizes;
  if (size < header_length)
    return 0;
  for (guint i = 0; i < input.n_chunk_sizes; i++)
    {
      input.chunk_sizes[i] = data[3 + i];
      all_empty = all_empty && input.chunk_sizes[i] == 0;
    }
  /* Only empty feeds would never end. */
  if (all_empty)
    input.chunk_sizes[0] = 1;

  input.length = size - header_length;
  stream = g_memdup2 (data + header_length, input.length);
  input.stream = stream;

  if ((flags & FUZZ_EXT_OR_PORT_FIX_HASH) != 0 && input.length >= 65 && stream[0] == 1)
    _pt_ext_or_port_compute_client_hash (input.cookie, stream + 1, input.server_nonce,
                                         stream + 1 + PT_EXT_OR_PORT_NONCE_LENGTH);

  feed (&input, FEED_CHUNKS, whole, G_N_ELEMENTS (whole), &outcomes[0]);
  feed (&input, FEED_CHUNKS, input.chunk_sizes, input.n_chunk_sizes, &outcomes[1]);
  feed (&input, FEED_CHUNKS, single, G_N_ELEMENTS (single), &outcomes[2]);
  feed (&input, FEED_BYTES_WANTED, input.chunk_sizes, input.n_chunk_sizes, &outcomes[3]);
  /* The adapter's way: as much as is wanted, every time. */
  {
    static const gsize as_wanted[] = { 0 };

    feed (&input, FEED_BYTES_WANTED, as_wanted, G_N_ELEMENTS (as_wanted), &outcomes[4]);
  }

  if (outcomes[0].status == PT_EXT_OR_PORT_NEED_MORE)
    FUZZ_CHECK (outcomes[0].consumed == input.length);
  check_against_protocol (&input, &outcomes[0]);
  for (guint i = 1; i < G_N_ELEMENTS (outcomes); i++)
    check_same (&outcomes[0], &outcomes[i]);

  for (guint i = 0; i < G_N_ELEMENTS (outcomes); i++)
    outcome_clear (&outcomes[i]);

  return 0;
}
