/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include <gio/gio.h>

#include "pt-args-private.h"
#include "pt-error.h"
#include "pt-ext-or-port-private.h"

/* SafeCookie test vector of Tor's own unit test (torproject/tor,
 * src/test/test_extorport.c, test_ext_or_cookie_auth_testvec). The two hashes
 * were recomputed with Python's hmac and hashlib. */
#define VECTOR_COOKIE          "Gliding wrapt in a brown mantle,"
#define VECTOR_CLIENT_NONCE    "But when I look ahead up the whi"
#define VECTOR_SERVER_NONCE    "te road There is always another "
#define VECTOR_SERVER_HASH_HEX \
  "ec80ed6e546d3b36fdfc22fe1315416b029f1ade7610d910878b62eeb7403821"
#define VECTOR_CLIENT_HASH_HEX \
  "ab391732dd2ed968cd40c087d1b1f25b33b3cd77ff79bd80c2074bbf438119a2"

#define BYTES(text) ((const guint8 *) (text))

#define NONCE_LENGTH        PT_EXT_OR_PORT_NONCE_LENGTH
#define HASH_LENGTH         PT_EXT_OR_PORT_HASH_LENGTH
#define HEADER_LENGTH       4
/* What the client sends to authenticate: auth type, nonce, hash. */
#define CLIENT_AUTH_LENGTH  (1 + NONCE_LENGTH + HASH_LENGTH)
/* What the server sends: auth types, then hash and nonce, then status. */
#define AUTH_TYPES_LENGTH   2
#define SERVER_AUTH_LENGTH  (AUTH_TYPES_LENGTH + HASH_LENGTH + NONCE_LENGTH + 1)

#define CMD_UNKNOWN         0xfff0

#define PAYLOAD             "\x16\x03\x01 the OR protocol starts here"

/* Helpers: bytes */

static void
decode_hex (const char *hex,
            guint8     *bytes_out,
            gsize       length)
{
  g_assert_cmpuint (strlen (hex), ==, 2 * length);

  for (gsize i = 0; i < length; i++)
    {
      int high = g_ascii_xdigit_value (hex[2 * i]);
      int low = g_ascii_xdigit_value (hex[2 * i + 1]);

      g_assert_cmpint (high, >=, 0);
      g_assert_cmpint (low, >=, 0);
      bytes_out[i] = (guint8) (high << 4 | low);
    }
}

static void
assert_hash_is (const guint8 *hash,
                const char   *expected_hex)
{
  guint8 expected[HASH_LENGTH];

  decode_hex (expected_hex, expected, sizeof expected);
  g_assert_cmpmem (hash, HASH_LENGTH, expected, sizeof expected);
}

static void
append_byte (GByteArray *array,
             guint8      value)
{
  g_byte_array_append (array, &value, 1);
}

static void
append_text (GByteArray *array,
             const char *text)
{
  g_byte_array_append (array, BYTES (text), (guint) strlen (text));
}

static void
append_hex (GByteArray *array,
            const char *hex)
{
  guint8 bytes[HASH_LENGTH];

  decode_hex (hex, bytes, sizeof bytes);
  g_byte_array_append (array, bytes, sizeof bytes);
}

static void
append_command (GByteArray *input,
                guint16     command,
                const void *body,
                gsize       length)
{
  guint8 header[HEADER_LENGTH] = {
    (guint8) (command >> 8), (guint8) (command & 0xff),
    (guint8) (length >> 8), (guint8) (length & 0xff),
  };

  g_assert_cmpuint (length, <=, G_MAXUINT16);
  g_byte_array_append (input, header, sizeof header);
  if (length > 0)
    g_byte_array_append (input, body, (guint) length);
}

static void
append_text_command (GByteArray *input,
                     guint16     command,
                     const char *body)
{
  append_command (input, command, body, strlen (body));
}

static void
append_done (GByteArray *input)
{
  append_command (input, PT_EXT_OR_PORT_CMD_DONE, NULL, 0);
}

/* @count unknown commands, each with @body_length bytes of body. */
static void
append_unknown_commands (GByteArray *input,
                         guint       count,
                         gsize       body_length)
{
  g_autofree guint8 *body = g_malloc (MAX (body_length, 1));

  memset (body, 'x', body_length);
  for (guint i = 0; i < count; i++)
    append_command (input, CMD_UNKNOWN, body, body_length);
}

/* Helpers: the two sides */

static PtExtOrPortServer *
new_vector_server (void)
{
  return _pt_ext_or_port_server_new (BYTES (VECTOR_COOKIE),
                                     BYTES (VECTOR_SERVER_NONCE));
}

static void
compute_vector_client_hash (guint8 *hash_out)
{
  _pt_ext_or_port_compute_client_hash (BYTES (VECTOR_COOKIE),
                                       BYTES (VECTOR_CLIENT_NONCE),
                                       BYTES (VECTOR_SERVER_NONCE),
                                       hash_out);
}

/* The client's auth type and nonce: everything before its hash. */
static void
append_client_hello (GByteArray *input)
{
  append_byte (input, 1);
  append_text (input, VECTOR_CLIENT_NONCE);
}

/* All a client that knows the cookie sends to authenticate. */
static void
append_client_auth (GByteArray *input)
{
  guint8 client_hash[HASH_LENGTH];

  append_client_hello (input);
  compute_vector_client_hash (client_hash);
  g_byte_array_append (input, client_hash, sizeof client_hash);
}

/* What the server sends during authentication, ending in @status. */
static void
append_server_auth (GByteArray *expected,
                    guint8      status)
{
  append_byte (expected, 1);
  append_byte (expected, 0);
  append_hex (expected, VECTOR_SERVER_HASH_HEX);
  append_text (expected, VECTOR_SERVER_NONCE);
  append_byte (expected, status);
}

/* Authentication, USERADDR, an unknown command, TRANSPORT and DONE. */
static void
append_session_with_transport (GByteArray *input,
                               const char *transport)
{
  append_client_auth (input);
  append_text_command (input, PT_EXT_OR_PORT_CMD_USERADDR, "1.2.3.4:5678");
  append_text_command (input, CMD_UNKNOWN, "ABC");
  append_text_command (input, PT_EXT_OR_PORT_CMD_TRANSPORT, transport);
  append_done (input);
}

static void
append_good_session (GByteArray *input)
{
  append_session_with_transport (input, "rfc1149");
}

/* Fixture: one server, what was sent to it and what it answered */

typedef struct
{
  PtExtOrPortServer *server;
  GByteArray *input;
  GByteArray *output;
  GError *error;
  gsize consumed;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = new_vector_server ();
  f->input = g_byte_array_new ();
  f->output = g_byte_array_new ();
  _pt_ext_or_port_server_begin (f->server, f->output);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  _pt_ext_or_port_server_free (f->server);
  g_byte_array_unref (f->input);
  g_byte_array_unref (f->output);
  g_clear_error (&f->error);
}

/* Feeds f->input from @start to @end. */
static PtExtOrPortStatus
feed_range (Fixture *f,
            gsize    start,
            gsize    end)
{
  g_assert_cmpuint (start, <=, end);
  g_assert_cmpuint (end, <=, f->input->len);

  return _pt_ext_or_port_server_feed (f->server, f->input->data + start,
                                      end - start, &f->consumed, f->output,
                                      &f->error);
}

static PtExtOrPortStatus
feed_input (Fixture *f)
{
  return feed_range (f, 0, f->input->len);
}

static void
assert_output_is (Fixture          *f,
                  const GByteArray *expected)
{
  g_assert_cmpmem (f->output->data, f->output->len,
                   expected->data, expected->len);
}

static void
assert_output_is_auth (Fixture *f,
                       guint8   status)
{
  g_autoptr(GByteArray) expected = g_byte_array_new ();

  append_server_auth (expected, status);
  assert_output_is (f, expected);
}

/* Feeds all of f->input: the session must end with @status, after the
 * server sent its authentication bytes ending in @auth_status and nothing
 * more. */
static void
assert_session_ends (Fixture           *f,
                     PtExtOrPortStatus  status,
                     guint8             auth_status)
{
  g_assert_cmpint (feed_input (f), ==, status);

  if (status == PT_EXT_OR_PORT_DONE)
    {
      g_assert_no_error (f->error);
      g_assert_cmpuint (f->consumed, ==, f->input->len);
    }
  else
    {
      g_assert_error (f->error, PT_ERROR, PT_ERROR_PROTOCOL);
    }

  assert_output_is_auth (f, auth_status);
}

/* Ends the commands with DONE and feeds everything: the server must accept
 * the session, or refuse it. */
static void
finish_session (Fixture  *f,
                gboolean  accepted)
{
  append_done (f->input);
  assert_session_ends (f, accepted ? PT_EXT_OR_PORT_DONE : PT_EXT_OR_PORT_ERROR, 1);
}

static void
assert_auth_type_rejected (Fixture *f,
                           guint8   auth_type)
{
  g_autoptr(GByteArray) auth_types = g_byte_array_new ();

  append_byte (f->input, auth_type);
  append_text (f->input, VECTOR_CLIENT_NONCE);

  g_assert_cmpint (feed_input (f), ==, PT_EXT_OR_PORT_ERROR);
  g_assert_error (f->error, PT_ERROR, PT_ERROR_PROTOCOL);

  append_byte (auth_types, 1);
  append_byte (auth_types, 0);
  assert_output_is (f, auth_types);
}

static char *
dup_user_address (PtExtOrPortServer *server)
{
  GInetSocketAddress *address =
    _pt_ext_or_port_server_get_user_address (server);

  return address != NULL ? _pt_socket_address_to_string (address) : NULL;
}

static void
assert_user_address_is (Fixture    *f,
                        const char *expected)
{
  g_autofree char *address = dup_user_address (f->server);

  g_assert_cmpstr (address, ==, expected);
}

/* Tests: hashes and helpers */

static void
test_server_hash_vector (void)
{
  guint8 hash[HASH_LENGTH];

  _pt_ext_or_port_compute_server_hash (BYTES (VECTOR_COOKIE),
                                       BYTES (VECTOR_CLIENT_NONCE),
                                       BYTES (VECTOR_SERVER_NONCE),
                                       hash);
  assert_hash_is (hash, VECTOR_SERVER_HASH_HEX);
}

static void
test_client_hash_vector (void)
{
  guint8 hash[HASH_LENGTH];

  compute_vector_client_hash (hash);
  assert_hash_is (hash, VECTOR_CLIENT_HASH_HEX);
}

static void
test_constant_time_equal (void)
{
  guint8 a[HASH_LENGTH];
  guint8 b[HASH_LENGTH];

  decode_hex (VECTOR_CLIENT_HASH_HEX, a, sizeof a);
  memcpy (b, a, sizeof b);
  g_assert_true (_pt_constant_time_equal (a, b, sizeof a));
  g_assert_true (_pt_constant_time_equal (a, b, 0));

  b[0] ^= 0x80;
  g_assert_false (_pt_constant_time_equal (a, b, sizeof a));
  b[0] ^= 0x80;
  b[sizeof b - 1] ^= 0x01;
  g_assert_false (_pt_constant_time_equal (a, b, sizeof a));
  g_assert_true (_pt_constant_time_equal (a, b, sizeof a - 1));
}

static void
test_reply_okay (void)
{
  g_autoptr(GByteArray) output = g_byte_array_new ();

  _pt_ext_or_port_append_reply (TRUE, output);
  g_assert_cmpmem (output->data, output->len, "\x10\x00\x00\x00", 4);
}

static void
test_reply_deny (void)
{
  g_autoptr(GByteArray) output = g_byte_array_new ();

  _pt_ext_or_port_append_reply (FALSE, output);
  g_assert_cmpmem (output->data, output->len, "\x10\x01\x00\x00", 4);
}

static void
test_cookie_file_format (void)
{
  static const char expected[] =
    "! Extended ORPort Auth Cookie !\n" VECTOR_COOKIE;
  guint8 contents[PT_EXT_OR_PORT_COOKIE_FILE_LENGTH + 1];

  g_assert_cmpuint (PT_EXT_OR_PORT_COOKIE_FILE_LENGTH, ==, 64);
  g_assert_cmpuint (sizeof expected - 1, ==, 64);

  contents[PT_EXT_OR_PORT_COOKIE_FILE_LENGTH] = 0xa5;  /* overrun canary */
  _pt_ext_or_port_format_cookie_file (BYTES (VECTOR_COOKIE), contents);
  g_assert_cmpmem (contents, PT_EXT_OR_PORT_COOKIE_FILE_LENGTH,
                   expected, sizeof expected - 1);
  g_assert_cmpuint (contents[PT_EXT_OR_PORT_COOKIE_FILE_LENGTH], ==, 0xa5);
}

/* Tests: authentication */

static void
test_begin_offers_safe_cookie (Fixture       *f,
                               gconstpointer  data)
{
  g_assert_cmpmem (f->output->data, f->output->len, "\x01\x00", 2);
}

/* A client written here, step by step: it checks the server's hash, then
 * answers with its own, then sends its commands. */
static void
test_handshake_success (Fixture       *f,
                        gconstpointer  data)
{
  guint8 server_hash[HASH_LENGTH];
  guint8 client_hash[HASH_LENGTH];
  g_autoptr(GByteArray) expected = g_byte_array_new ();
  GInetSocketAddress *address;

  append_client_hello (f->input);
  g_assert_cmpint (feed_input (f), ==, PT_EXT_OR_PORT_NEED_MORE);
  g_assert_cmpuint (f->consumed, ==, f->input->len);
  g_assert_cmpuint (f->output->len, ==, AUTH_TYPES_LENGTH + HASH_LENGTH + NONCE_LENGTH);

  _pt_ext_or_port_compute_server_hash (BYTES (VECTOR_COOKIE),
                                       BYTES (VECTOR_CLIENT_NONCE),
                                       f->output->data + AUTH_TYPES_LENGTH + HASH_LENGTH,
                                       server_hash);
  assert_hash_is (server_hash, VECTOR_SERVER_HASH_HEX);
  g_assert_cmpmem (f->output->data + AUTH_TYPES_LENGTH, HASH_LENGTH,
                   server_hash, sizeof server_hash);

  _pt_ext_or_port_compute_client_hash (BYTES (VECTOR_COOKIE),
                                       BYTES (VECTOR_CLIENT_NONCE),
                                       f->output->data + AUTH_TYPES_LENGTH + HASH_LENGTH,
                                       client_hash);
  assert_hash_is (client_hash, VECTOR_CLIENT_HASH_HEX);

  g_byte_array_set_size (f->input, 0);
  g_byte_array_append (f->input, client_hash, sizeof client_hash);
  g_assert_cmpint (feed_input (f), ==, PT_EXT_OR_PORT_NEED_MORE);
  g_assert_no_error (f->error);
  append_server_auth (expected, 1);
  assert_output_is (f, expected);

  g_byte_array_set_size (f->input, 0);
  append_text_command (f->input, PT_EXT_OR_PORT_CMD_USERADDR, "1.2.3.4:5678");
  append_text_command (f->input, PT_EXT_OR_PORT_CMD_TRANSPORT, "rfc1149");
  append_done (f->input);
  g_assert_cmpint (feed_input (f), ==, PT_EXT_OR_PORT_DONE);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->consumed, ==, f->input->len);
  assert_output_is (f, expected);

  g_assert_cmpstr (_pt_ext_or_port_server_get_transport (f->server), ==, "rfc1149");
  address = _pt_ext_or_port_server_get_user_address (f->server);
  g_assert_nonnull (address);
  g_assert_cmpint (g_inet_address_get_family (g_inet_socket_address_get_address (address)),
                   ==, G_SOCKET_FAMILY_IPV4);
  g_assert_cmpuint (g_inet_socket_address_get_port (address), ==, 5678);
  assert_user_address_is (f, "1.2.3.4:5678");
}

static void
test_wrong_client_hash (Fixture       *f,
                        gconstpointer  data)
{
  guint8 client_hash[HASH_LENGTH];

  append_client_hello (f->input);
  compute_vector_client_hash (client_hash);
  client_hash[HASH_LENGTH - 1] ^= 0x01;
  g_byte_array_append (f->input, client_hash, sizeof client_hash);
  append_done (f->input);
  assert_session_ends (f, PT_EXT_OR_PORT_ERROR, 0);
}

static void
test_auth_type_zero (Fixture       *f,
                     gconstpointer  data)
{
  assert_auth_type_rejected (f, 0);
}

static void
test_auth_type_two (Fixture       *f,
                    gconstpointer  data)
{
  assert_auth_type_rejected (f, 2);
}

/* Tests: commands */

static void
test_user_address_ipv6 (Fixture       *f,
                        gconstpointer  data)
{
  GInetSocketAddress *address;

  append_client_auth (f->input);
  append_text_command (f->input, PT_EXT_OR_PORT_CMD_USERADDR, "[1:2::3:4]:5678");
  finish_session (f, TRUE);

  address = _pt_ext_or_port_server_get_user_address (f->server);
  g_assert_nonnull (address);
  g_assert_cmpint (g_inet_address_get_family (g_inet_socket_address_get_address (address)),
                   ==, G_SOCKET_FAMILY_IPV6);
  assert_user_address_is (f, "[1:2::3:4]:5678");
  g_assert_null (_pt_ext_or_port_server_get_transport (f->server));
}

/* Commands that the server must refuse after a good authentication. */
typedef struct
{
  const char *path;
  guint16 command;
  const char *body;
  gsize length;
} RejectedCommand;

static const RejectedCommand rejected_commands[] = {
  { "/ext-or-port/useraddr/nul", PT_EXT_OR_PORT_CMD_USERADDR, "1.2.3.4:5678\0", 13 },
  { "/ext-or-port/useraddr/host-name", PT_EXT_OR_PORT_CMD_USERADDR, "localhost:5678", 14 },
  { "/ext-or-port/useraddr/no-port", PT_EXT_OR_PORT_CMD_USERADDR, "1.2.3.4", 7 },
  { "/ext-or-port/useraddr/ipv6-no-brackets", PT_EXT_OR_PORT_CMD_USERADDR, "1:2::3:4:5678", 13 },
  { "/ext-or-port/transport/nul", PT_EXT_OR_PORT_CMD_TRANSPORT, "rfc1149\0", 8 },
  { "/ext-or-port/transport/nul-inside", PT_EXT_OR_PORT_CMD_TRANSPORT, "rfc\0001149", 8 },
  { "/ext-or-port/transport/not-identifier", PT_EXT_OR_PORT_CMD_TRANSPORT, "rf*1149", 7 },
  { "/ext-or-port/transport/leading-digit", PT_EXT_OR_PORT_CMD_TRANSPORT, "1obfs4", 6 },
  { "/ext-or-port/transport/empty", PT_EXT_OR_PORT_CMD_TRANSPORT, "", 0 },
};

static void
test_command_rejected (Fixture       *f,
                       gconstpointer  data)
{
  const RejectedCommand *rejected = data;

  append_client_auth (f->input);
  append_command (f->input, rejected->command, rejected->body, rejected->length);
  finish_session (f, FALSE);
}

static void
add_rejected_command_tests (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (rejected_commands); i++)
    g_test_add (rejected_commands[i].path, Fixture, &rejected_commands[i],
                fixture_set_up, test_command_rejected, fixture_tear_down);
}

static void
test_user_address_repeated (Fixture       *f,
                            gconstpointer  data)
{
  append_client_auth (f->input);
  append_text_command (f->input, PT_EXT_OR_PORT_CMD_USERADDR, "1.2.3.4:5678");
  append_text_command (f->input, PT_EXT_OR_PORT_CMD_USERADDR, "[::1]:9000");
  finish_session (f, TRUE);

  assert_user_address_is (f, "[::1]:9000");
}

static void
test_transport_repeated (Fixture       *f,
                         gconstpointer  data)
{
  append_client_auth (f->input);
  append_text_command (f->input, PT_EXT_OR_PORT_CMD_TRANSPORT, "obfs4");
  append_text_command (f->input, PT_EXT_OR_PORT_CMD_TRANSPORT, "meek_lite");
  finish_session (f, TRUE);

  g_assert_cmpstr (_pt_ext_or_port_server_get_transport (f->server), ==, "meek_lite");
}

static void
test_unknown_command_skipped (Fixture       *f,
                              gconstpointer  data)
{
  append_client_auth (f->input);
  append_text_command (f->input, CMD_UNKNOWN, "ABC");
  append_text_command (f->input, 0x1000, "not a reply");
  finish_session (f, TRUE);

  g_assert_null (_pt_ext_or_port_server_get_transport (f->server));
  g_assert_null (_pt_ext_or_port_server_get_user_address (f->server));
}

static void
test_done_body_ignored (Fixture       *f,
                        gconstpointer  data)
{
  append_client_auth (f->input);
  append_text_command (f->input, PT_EXT_OR_PORT_CMD_TRANSPORT, "obfs4");
  /* A body that would read as a TRANSPORT command if it were not skipped */
  append_command (f->input, PT_EXT_OR_PORT_CMD_DONE, "\x00\x02\x00\x01x", 5);
  assert_session_ends (f, PT_EXT_OR_PORT_DONE, 1);

  g_assert_cmpstr (_pt_ext_or_port_server_get_transport (f->server), ==, "obfs4");
}

static void
test_payload_after_done (Fixture       *f,
                         gconstpointer  data)
{
  gsize session_length;

  append_good_session (f->input);
  session_length = f->input->len;
  append_text (f->input, PAYLOAD);

  g_assert_cmpint (feed_input (f), ==, PT_EXT_OR_PORT_DONE);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->consumed, ==, session_length);
  g_assert_cmpmem (f->input->data + f->consumed, f->input->len - f->consumed,
                   PAYLOAD, strlen (PAYLOAD));
  assert_output_is_auth (f, 1);
  g_assert_cmpstr (_pt_ext_or_port_server_get_transport (f->server), ==, "rfc1149");
}

/* Tests: bounds */

/* Authenticates, sends @count unknown commands with @body_length bytes of
 * body each, then DONE. */
static void
assert_unknown_commands_end (Fixture  *f,
                             guint     count,
                             gsize     body_length,
                             gboolean  accepted)
{
  append_client_auth (f->input);
  append_unknown_commands (f->input, count, body_length);
  finish_session (f, accepted);
}

/* DONE is a command too: 63 others and DONE make the most allowed. */
static void
test_max_commands_accepted (Fixture       *f,
                            gconstpointer  data)
{
  assert_unknown_commands_end (f, PT_EXT_OR_PORT_MAX_COMMANDS - 1, 0, TRUE);
}

static void
test_too_many_commands (Fixture       *f,
                        gconstpointer  data)
{
  assert_unknown_commands_end (f, PT_EXT_OR_PORT_MAX_COMMANDS, 0, FALSE);
}

/* Two headers (the command's and DONE's) and the body fill the bound. */
static void
test_max_command_bytes_accepted (Fixture       *f,
                                 gconstpointer  data)
{
  assert_unknown_commands_end (f, 1, PT_EXT_OR_PORT_MAX_COMMAND_BYTES - 2 * HEADER_LENGTH,
                               TRUE);
}

static void
test_too_many_command_bytes (Fixture       *f,
                             gconstpointer  data)
{
  assert_unknown_commands_end (f, 1, PT_EXT_OR_PORT_MAX_COMMAND_BYTES - 2 * HEADER_LENGTH + 1,
                               FALSE);
}

/* The bound is enforced when the header announces the body, before any of
 * the body has arrived. */
static void
test_huge_unknown_body (Fixture       *f,
                        gconstpointer  data)
{
  append_client_auth (f->input);
  append_unknown_commands (f->input, 1, G_MAXUINT16);
  g_byte_array_set_size (f->input, CLIENT_AUTH_LENGTH + HEADER_LENGTH);
  assert_session_ends (f, PT_EXT_OR_PORT_ERROR, 1);
}

/* Tests: input split anywhere */

/* Feeds the good session up to @cut, then the rest. */
static void
assert_cut_then_completes (Fixture *f,
                           gsize    cut,
                           gsize    output_length_at_cut)
{
  g_autoptr(GByteArray) expected = g_byte_array_new ();

  append_good_session (f->input);
  append_server_auth (expected, 1);

  g_assert_cmpint (feed_range (f, 0, cut), ==, PT_EXT_OR_PORT_NEED_MORE);
  g_assert_cmpuint (f->consumed, ==, cut);
  g_assert_cmpmem (f->output->data, f->output->len,
                   expected->data, output_length_at_cut);

  g_assert_cmpint (feed_range (f, cut, f->input->len), ==, PT_EXT_OR_PORT_DONE);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->consumed, ==, f->input->len - cut);
  assert_output_is (f, expected);
  assert_user_address_is (f, "1.2.3.4:5678");
  g_assert_cmpstr (_pt_ext_or_port_server_get_transport (f->server), ==, "rfc1149");
}

static void
test_truncated_client_nonce (Fixture       *f,
                             gconstpointer  data)
{
  assert_cut_then_completes (f, 1 + NONCE_LENGTH / 2, AUTH_TYPES_LENGTH);
}

static void
test_truncated_client_hash (Fixture       *f,
                            gconstpointer  data)
{
  assert_cut_then_completes (f, 1 + NONCE_LENGTH + HASH_LENGTH / 2,
                             SERVER_AUTH_LENGTH - 1);
}

static void
test_truncated_command_header (Fixture       *f,
                               gconstpointer  data)
{
  assert_cut_then_completes (f, CLIENT_AUTH_LENGTH + 2, SERVER_AUTH_LENGTH);
}

static void
test_truncated_command_body (Fixture       *f,
                             gconstpointer  data)
{
  assert_cut_then_completes (f, CLIENT_AUTH_LENGTH + HEADER_LENGTH + 5,
                             SERVER_AUTH_LENGTH);
}

/* Everything a session produced, to compare chunkings. */
typedef struct
{
  PtExtOrPortStatus status;
  gsize consumed;
  GByteArray *output;
  char *transport;
  char *user_address;
  GError *error;
} SessionResult;

static void
session_result_clear (SessionResult *result)
{
  g_clear_pointer (&result->output, g_byte_array_unref);
  g_clear_pointer (&result->transport, g_free);
  g_clear_pointer (&result->user_address, g_free);
  g_clear_error (&result->error);
}

/* Feeds @input to a new server: @first_length bytes first, then chunks of at
 * most @chunk_length bytes, until the server stops reading. */
static void
run_session (const GByteArray *input,
             gsize             first_length,
             gsize             chunk_length,
             SessionResult    *result)
{
  g_autoptr(PtExtOrPortServer) server = new_vector_server ();
  gsize offset = 0;
  gsize length = MIN (first_length, input->len);

  result->output = g_byte_array_new ();
  _pt_ext_or_port_server_begin (server, result->output);

  do
    {
      gsize consumed = 0;

      result->status = _pt_ext_or_port_server_feed (server, input->data + offset,
                                                    length, &consumed,
                                                    result->output,
                                                    &result->error);
      if (result->status == PT_EXT_OR_PORT_NEED_MORE)
        g_assert_cmpuint (consumed, ==, length);
      offset += consumed;
      length = MIN (chunk_length, input->len - offset);
    }
  while (result->status == PT_EXT_OR_PORT_NEED_MORE && offset < input->len);

  result->consumed = offset;
  result->transport = g_strdup (_pt_ext_or_port_server_get_transport (server));
  result->user_address = dup_user_address (server);
}

static void
assert_same_result (const SessionResult *actual,
                    const SessionResult *expected)
{
  g_assert_cmpint (actual->status, ==, expected->status);
  g_assert_cmpuint (actual->consumed, ==, expected->consumed);
  g_assert_cmpmem (actual->output->data, actual->output->len,
                   expected->output->data, expected->output->len);
  g_assert_cmpstr (actual->transport, ==, expected->transport);
  g_assert_cmpstr (actual->user_address, ==, expected->user_address);

  if (expected->error == NULL)
    {
      g_assert_no_error (actual->error);
      return;
    }
  g_assert_error (actual->error, expected->error->domain, expected->error->code);
  g_assert_cmpstr (actual->error->message, ==, expected->error->message);
}

static void
assert_one_byte_chunks_agree (const GByteArray *input)
{
  SessionResult whole = { 0 };
  SessionResult bytewise = { 0 };

  run_session (input, input->len, G_MAXSIZE, &whole);
  run_session (input, 1, 1, &bytewise);
  assert_same_result (&bytewise, &whole);

  session_result_clear (&whole);
  session_result_clear (&bytewise);
}

static void
assert_every_split_agrees (const GByteArray *input)
{
  SessionResult whole = { 0 };

  run_session (input, input->len, G_MAXSIZE, &whole);

  for (gsize split = 0; split <= input->len; split++)
    {
      SessionResult halves = { 0 };

      run_session (input, split, G_MAXSIZE, &halves);
      assert_same_result (&halves, &whole);
      session_result_clear (&halves);
    }

  session_result_clear (&whole);
}

static void
append_good_session_with_payload (GByteArray *input)
{
  append_good_session (input);
  append_text (input, PAYLOAD);
}

/* Authenticates, then sends a transport name that is refused. */
static void
append_bad_transport_session (GByteArray *input)
{
  append_session_with_transport (input, "rf*1149");
  append_text (input, PAYLOAD);
}

/* Fails at the client hash; the commands after it must not be read. */
static void
append_wrong_hash_session (GByteArray *input)
{
  append_client_hello (input);
  append_text (input, "not with a bang but a whimper...");
  append_text_command (input, PT_EXT_OR_PORT_CMD_TRANSPORT, "obfs4");
  append_done (input);
}

static GByteArray *
new_session_input (void (*append_session) (GByteArray *))
{
  GByteArray *input = g_byte_array_new ();

  append_session (input);
  return input;
}

typedef struct
{
  const char *name;
  void (*append_session) (GByteArray *input);
} SessionKind;

static const SessionKind session_kinds[] = {
  { "good", append_good_session_with_payload },
  { "bad-transport", append_bad_transport_session },
  { "wrong-hash", append_wrong_hash_session },
};

static void
test_one_byte_at_a_time (gconstpointer data)
{
  const SessionKind *kind = data;
  g_autoptr(GByteArray) input = new_session_input (kind->append_session);

  assert_one_byte_chunks_agree (input);
}

static void
test_every_split_point (gconstpointer data)
{
  const SessionKind *kind = data;
  g_autoptr(GByteArray) input = new_session_input (kind->append_session);

  assert_every_split_agrees (input);
}

static void
add_chunking_tests (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (session_kinds); i++)
    {
      const SessionKind *kind = &session_kinds[i];
      g_autofree char *one_byte_path =
        g_strdup_printf ("/ext-or-port/chunking/one-byte-at-a-time/%s", kind->name);
      g_autofree char *split_path =
        g_strdup_printf ("/ext-or-port/chunking/every-split-point/%s", kind->name);

      g_test_add_data_func (one_byte_path, kind, test_one_byte_at_a_time);
      g_test_add_data_func (split_path, kind, test_every_split_point);
    }
}

/* The whole-buffer results that the chunked runs are compared with. */
static void
test_whole_session_results (void)
{
  g_autoptr(GByteArray) good = new_session_input (append_good_session_with_payload);
  g_autoptr(GByteArray) wrong_hash = new_session_input (append_wrong_hash_session);
  SessionResult result = { 0 };

  run_session (good, good->len, G_MAXSIZE, &result);
  g_assert_cmpint (result.status, ==, PT_EXT_OR_PORT_DONE);
  g_assert_cmpuint (result.consumed, ==, good->len - strlen (PAYLOAD));
  g_assert_cmpstr (result.transport, ==, "rfc1149");
  g_assert_cmpstr (result.user_address, ==, "1.2.3.4:5678");
  session_result_clear (&result);

  run_session (wrong_hash, wrong_hash->len, G_MAXSIZE, &result);
  g_assert_cmpint (result.status, ==, PT_EXT_OR_PORT_ERROR);
  g_assert_error (result.error, PT_ERROR, PT_ERROR_PROTOCOL);
  g_assert_cmpuint (result.output->len, ==, SERVER_AUTH_LENGTH);
  g_assert_cmpuint (result.output->data[SERVER_AUTH_LENGTH - 1], ==, 0);
  g_assert_null (result.transport);
  session_result_clear (&result);
}

/* Tests: bytes wanted */

static void
assert_wanted (Fixture *f,
               gsize    expected)
{
  g_assert_cmpuint (_pt_ext_or_port_server_get_bytes_wanted (f->server), ==, expected);
}

/* Feeds f->input from @start to @end, which must all be consumed. */
static void
feed_expecting (Fixture           *f,
                gsize              start,
                gsize              end,
                PtExtOrPortStatus  status)
{
  g_assert_cmpint (feed_range (f, start, end), ==, status);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->consumed, ==, end - start);
}

static void
test_wanted_before_begin (void)
{
  g_autoptr(PtExtOrPortServer) server = new_vector_server ();

  g_assert_cmpuint (_pt_ext_or_port_server_get_bytes_wanted (server), ==, 0);
}

/* Each field's length, counting down as parts of it arrive. */
static void
test_wanted_follows_fields (Fixture       *f,
                            gconstpointer  data)
{
  gsize offset = 0;

  append_client_auth (f->input);
  append_text_command (f->input, PT_EXT_OR_PORT_CMD_USERADDR, "1.2.3.4:5678");
  append_done (f->input);

  assert_wanted (f, 1);
  feed_expecting (f, offset, offset + 1, PT_EXT_OR_PORT_NEED_MORE);
  offset += 1;
  assert_wanted (f, NONCE_LENGTH);
  feed_expecting (f, offset, offset + 10, PT_EXT_OR_PORT_NEED_MORE);
  offset += 10;
  assert_wanted (f, NONCE_LENGTH - 10);
  feed_expecting (f, offset, offset + NONCE_LENGTH - 10, PT_EXT_OR_PORT_NEED_MORE);
  offset += NONCE_LENGTH - 10;
  assert_wanted (f, HASH_LENGTH);
  feed_expecting (f, offset, offset + HASH_LENGTH, PT_EXT_OR_PORT_NEED_MORE);
  offset += HASH_LENGTH;
  assert_wanted (f, HEADER_LENGTH);
  feed_expecting (f, offset, offset + 3, PT_EXT_OR_PORT_NEED_MORE);
  offset += 3;
  assert_wanted (f, 1);
  feed_expecting (f, offset, offset + 1, PT_EXT_OR_PORT_NEED_MORE);
  offset += 1;
  assert_wanted (f, strlen ("1.2.3.4:5678"));
  feed_expecting (f, offset, offset + strlen ("1.2.3.4:5678"), PT_EXT_OR_PORT_NEED_MORE);
  offset += strlen ("1.2.3.4:5678");
  assert_wanted (f, HEADER_LENGTH);
  feed_expecting (f, offset, f->input->len, PT_EXT_OR_PORT_DONE);
  assert_wanted (f, 0);
}

static void
test_wanted_after_error (Fixture       *f,
                         gconstpointer  data)
{
  append_byte (f->input, 2);
  g_assert_cmpint (feed_input (f), ==, PT_EXT_OR_PORT_ERROR);
  g_assert_error (f->error, PT_ERROR, PT_ERROR_PROTOCOL);
  assert_wanted (f, 0);
}

/* A reader that never asks for more than is wanted stops exactly at the
 * end of DONE: what is left is the payload, all of it. */
static void
test_wanted_stops_at_done (gconstpointer data)
{
  const SessionKind *kind = data;
  g_autoptr(GByteArray) input = new_session_input (kind->append_session);
  g_autoptr(PtExtOrPortServer) server = new_vector_server ();
  g_autoptr(GByteArray) output = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  PtExtOrPortStatus status = PT_EXT_OR_PORT_NEED_MORE;
  SessionResult whole = { 0 };
  gsize offset = 0;
  gsize wanted;

  _pt_ext_or_port_server_begin (server, output);
  while ((wanted = _pt_ext_or_port_server_get_bytes_wanted (server)) > 0)
    {
      gsize consumed = 0;

      g_assert_cmpint (status, ==, PT_EXT_OR_PORT_NEED_MORE);
      g_assert_cmpuint (offset + wanted, <=, input->len);
      status = _pt_ext_or_port_server_feed (server, input->data + offset, wanted,
                                            &consumed, output, &error);
      /* Everything wanted is used: the server never leaves a part behind. */
      g_assert_cmpuint (consumed, ==, wanted);
      offset += consumed;
    }

  run_session (input, input->len, G_MAXSIZE, &whole);
  g_assert_cmpint (status, ==, whole.status);
  g_assert_cmpuint (offset, ==, whole.consumed);
  g_assert_cmpmem (output->data, output->len, whole.output->data, whole.output->len);
  if (status == PT_EXT_OR_PORT_DONE)
    g_assert_cmpmem (input->data + offset, input->len - offset, PAYLOAD, strlen (PAYLOAD));
  else
    g_assert_error (error, PT_ERROR, PT_ERROR_PROTOCOL);

  session_result_clear (&whole);
}

static void
add_wanted_tests (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (session_kinds); i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/ext-or-port/bytes-wanted/stops-at-done/%s", session_kinds[i].name);

      g_test_add_data_func (path, &session_kinds[i], test_wanted_stops_at_done);
    }
}

static void
add_fixture_test (const char *path,
                  void      (*test) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_set_up, test, fixture_tear_down);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ext-or-port/hash/server-test-vector", test_server_hash_vector);
  g_test_add_func ("/ext-or-port/hash/client-test-vector", test_client_hash_vector);
  g_test_add_func ("/ext-or-port/constant-time-equal", test_constant_time_equal);
  g_test_add_func ("/ext-or-port/reply/okay", test_reply_okay);
  g_test_add_func ("/ext-or-port/reply/deny", test_reply_deny);
  g_test_add_func ("/ext-or-port/cookie-file/format", test_cookie_file_format);

  add_fixture_test ("/ext-or-port/auth/begin-offers-safe-cookie", test_begin_offers_safe_cookie);
  add_fixture_test ("/ext-or-port/auth/handshake-success", test_handshake_success);
  add_fixture_test ("/ext-or-port/auth/wrong-client-hash", test_wrong_client_hash);
  add_fixture_test ("/ext-or-port/auth/auth-type-zero", test_auth_type_zero);
  add_fixture_test ("/ext-or-port/auth/auth-type-two", test_auth_type_two);

  add_fixture_test ("/ext-or-port/useraddr/ipv6", test_user_address_ipv6);
  add_rejected_command_tests ();
  add_fixture_test ("/ext-or-port/useraddr/repeated-replaces", test_user_address_repeated);
  add_fixture_test ("/ext-or-port/transport/repeated-replaces", test_transport_repeated);
  add_fixture_test ("/ext-or-port/command/unknown-skipped", test_unknown_command_skipped);
  add_fixture_test ("/ext-or-port/command/done-body-ignored", test_done_body_ignored);
  add_fixture_test ("/ext-or-port/command/payload-after-done", test_payload_after_done);

  add_fixture_test ("/ext-or-port/bounds/max-commands-accepted", test_max_commands_accepted);
  add_fixture_test ("/ext-or-port/bounds/too-many-commands", test_too_many_commands);
  add_fixture_test ("/ext-or-port/bounds/max-bytes-accepted", test_max_command_bytes_accepted);
  add_fixture_test ("/ext-or-port/bounds/too-many-bytes", test_too_many_command_bytes);
  add_fixture_test ("/ext-or-port/bounds/huge-unknown-body", test_huge_unknown_body);

  add_fixture_test ("/ext-or-port/truncated/client-nonce", test_truncated_client_nonce);
  add_fixture_test ("/ext-or-port/truncated/client-hash", test_truncated_client_hash);
  add_fixture_test ("/ext-or-port/truncated/command-header", test_truncated_command_header);
  add_fixture_test ("/ext-or-port/truncated/command-body", test_truncated_command_body);

  g_test_add_func ("/ext-or-port/chunking/whole-session-results", test_whole_session_results);
  add_chunking_tests ();

  g_test_add_func ("/ext-or-port/bytes-wanted/before-begin", test_wanted_before_begin);
  add_fixture_test ("/ext-or-port/bytes-wanted/follows-fields", test_wanted_follows_fields);
  add_fixture_test ("/ext-or-port/bytes-wanted/after-error", test_wanted_after_error);
  add_wanted_tests ();

  return g_test_run ();
}
