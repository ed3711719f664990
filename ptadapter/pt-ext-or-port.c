/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "pt-args-private.h"
#include "pt-error.h"
#include "pt-ext-or-port-private.h"

#define AUTH_TYPE_END             0
#define AUTH_TYPE_SAFE_COOKIE     1
#define AUTH_STATUS_FAILURE       0
#define AUTH_STATUS_SUCCESS       1
#define COMMAND_HEADER_LENGTH     4   /* command and body length, 2 bytes each */
#define QUOTED_BODY_MAX_LENGTH    64

#define SERVER_TO_CLIENT_LABEL "ExtORPort authentication server-to-client hash"
#define CLIENT_TO_SERVER_LABEL "ExtORPort authentication client-to-server hash"

/* What the server waits for. Each waiting state reads one field of known
 * length; the field is handled once all of it has arrived. */
typedef enum
{
  STATE_NEW,             /* _pt_ext_or_port_server_begin() not called yet */
  STATE_AUTH_TYPE,
  STATE_CLIENT_NONCE,
  STATE_CLIENT_HASH,
  STATE_COMMAND_HEADER,
  STATE_COMMAND_BODY,
  STATE_FINISHED,        /* DONE received */
  STATE_FAILED,
} ServerState;

struct _PtExtOrPortServer
{
  ServerState state;

  guint8 cookie[PT_EXT_OR_PORT_COOKIE_LENGTH];
  guint8 server_nonce[PT_EXT_OR_PORT_NONCE_LENGTH];
  guint8 expected_client_hash[PT_EXT_OR_PORT_HASH_LENGTH];

  /* The field being read. Its bytes are stored in field_bytes only when
   * keep_field is set (bodies of unknown commands and of DONE are not). */
  gsize field_length;
  gsize field_received;
  gboolean keep_field;
  GByteArray *field_bytes;

  guint16 command;       /* of the command whose body is being read */
  guint n_commands;      /* before DONE, DONE included */
  gsize command_bytes;   /* headers and bodies before DONE, DONE included */

  char *transport;
  GInetSocketAddress *user_address;
};

static void
wipe_secret (guint8 *secret,
             gsize   length)
{
  volatile guint8 *byte = secret;

  for (gsize i = 0; i < length; i++)
    byte[i] = 0;
}

static guint16
read_uint16_be (const guint8 *bytes)
{
  return (guint16) ((bytes[0] << 8) | bytes[1]);
}

static void
append_uint16_be (GByteArray *output,
                  guint16     value)
{
  guint8 bytes[2] = { (guint8) (value >> 8), (guint8) (value & 0xff) };

  g_byte_array_append (output, bytes, sizeof bytes);
}

static void
append_byte (GByteArray *output,
             guint8      value)
{
  g_byte_array_append (output, &value, 1);
}

static void
compute_labelled_hash (const char   *label,
                       const guint8 *cookie,
                       const guint8 *client_nonce,
                       const guint8 *server_nonce,
                       guint8       *hash_out)
{
  GHmac *hmac = g_hmac_new (G_CHECKSUM_SHA256, cookie,
                            PT_EXT_OR_PORT_COOKIE_LENGTH);
  gsize hash_length = PT_EXT_OR_PORT_HASH_LENGTH;

  g_hmac_update (hmac, (const guchar *) label, strlen (label));
  g_hmac_update (hmac, client_nonce, PT_EXT_OR_PORT_NONCE_LENGTH);
  g_hmac_update (hmac, server_nonce, PT_EXT_OR_PORT_NONCE_LENGTH);
  g_hmac_get_digest (hmac, hash_out, &hash_length);
  g_hmac_unref (hmac);

  g_assert (hash_length == PT_EXT_OR_PORT_HASH_LENGTH);
}

void
_pt_ext_or_port_compute_server_hash (const guint8 *cookie,
                                     const guint8 *client_nonce,
                                     const guint8 *server_nonce,
                                     guint8       *hash_out)
{
  compute_labelled_hash (SERVER_TO_CLIENT_LABEL, cookie, client_nonce,
                         server_nonce, hash_out);
}

void
_pt_ext_or_port_compute_client_hash (const guint8 *cookie,
                                     const guint8 *client_nonce,
                                     const guint8 *server_nonce,
                                     guint8       *hash_out)
{
  compute_labelled_hash (CLIENT_TO_SERVER_LABEL, cookie, client_nonce,
                         server_nonce, hash_out);
}

gboolean
_pt_constant_time_equal (const guint8 *a,
                         const guint8 *b,
                         gsize         length)
{
  guint8 differences = 0;

  for (gsize i = 0; i < length; i++)
    differences |= a[i] ^ b[i];

  return differences == 0;
}

void
_pt_ext_or_port_format_cookie_file (const guint8 *cookie,
                                    guint8       *file_contents)
{
  G_STATIC_ASSERT (sizeof PT_EXT_OR_PORT_COOKIE_HEADER - 1 ==
                   PT_EXT_OR_PORT_COOKIE_HEADER_LENGTH);
  G_STATIC_ASSERT (PT_EXT_OR_PORT_COOKIE_HEADER_LENGTH +
                   PT_EXT_OR_PORT_COOKIE_LENGTH ==
                   PT_EXT_OR_PORT_COOKIE_FILE_LENGTH);

  memcpy (file_contents, PT_EXT_OR_PORT_COOKIE_HEADER,
          PT_EXT_OR_PORT_COOKIE_HEADER_LENGTH);
  memcpy (file_contents + PT_EXT_OR_PORT_COOKIE_HEADER_LENGTH, cookie,
          PT_EXT_OR_PORT_COOKIE_LENGTH);
}

void
_pt_ext_or_port_append_reply (gboolean    accept,
                              GByteArray *output)
{
  g_return_if_fail (output != NULL);

  append_uint16_be (output, accept ? PT_EXT_OR_PORT_REPLY_OKAY
                                   : PT_EXT_OR_PORT_REPLY_DENY);
  append_uint16_be (output, 0);
}

PtExtOrPortServer *
_pt_ext_or_port_server_new (const guint8 *cookie,
                            const guint8 *server_nonce)
{
  PtExtOrPortServer *self;

  g_return_val_if_fail (cookie != NULL, NULL);
  g_return_val_if_fail (server_nonce != NULL, NULL);

  self = g_new0 (PtExtOrPortServer, 1);
  self->state = STATE_NEW;
  memcpy (self->cookie, cookie, sizeof self->cookie);
  memcpy (self->server_nonce, server_nonce, sizeof self->server_nonce);
  self->field_bytes = g_byte_array_sized_new (PT_EXT_OR_PORT_NONCE_LENGTH);

  return self;
}

void
_pt_ext_or_port_server_free (PtExtOrPortServer *self)
{
  if (self == NULL)
    return;

  wipe_secret (self->cookie, sizeof self->cookie);
  wipe_secret (self->expected_client_hash, sizeof self->expected_client_hash);
  g_byte_array_unref (self->field_bytes);
  g_free (self->transport);
  g_clear_object (&self->user_address);
  g_free (self);
}

/* Enters @state, which reads a field of @length bytes. */
static void
expect_field (PtExtOrPortServer *self,
              ServerState        state,
              gsize              length,
              gboolean           keep)
{
  self->state = state;
  self->field_length = length;
  self->field_received = 0;
  self->keep_field = keep;
  g_byte_array_set_size (self->field_bytes, 0);
}

void
_pt_ext_or_port_server_begin (PtExtOrPortServer *self,
                              GByteArray        *output)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (output != NULL);
  g_return_if_fail (self->state == STATE_NEW);

  append_byte (output, AUTH_TYPE_SAFE_COOKIE);
  append_byte (output, AUTH_TYPE_END);
  expect_field (self, STATE_AUTH_TYPE, 1, TRUE);
}

/* Takes what it can of the current field from @data, starting at *@offset.
 * TRUE once the whole field has arrived. */
static gboolean
read_field (PtExtOrPortServer *self,
            const guint8      *data,
            gsize              length,
            gsize             *offset)
{
  gsize missing = self->field_length - self->field_received;
  gsize taken = MIN (missing, length - *offset);

  if (self->keep_field)
    g_byte_array_append (self->field_bytes, data + *offset, (guint) taken);
  self->field_received += taken;
  *offset += taken;

  return self->field_received == self->field_length;
}

static gboolean
handle_auth_type (PtExtOrPortServer  *self,
                  GError            **error)
{
  guint8 auth_type = self->field_bytes->data[0];

  if (auth_type == AUTH_TYPE_END)
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_PROTOCOL,
                           _("The ExtORPort client accepted none of the offered authentication types"));
      return FALSE;
    }

  if (auth_type != AUTH_TYPE_SAFE_COOKIE)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                   _("The ExtORPort client chose authentication type %u, which was not offered"),
                   auth_type);
      return FALSE;
    }

  expect_field (self, STATE_CLIENT_NONCE, PT_EXT_OR_PORT_NONCE_LENGTH, TRUE);
  return TRUE;
}

static void
handle_client_nonce (PtExtOrPortServer *self,
                     GByteArray        *output)
{
  const guint8 *client_nonce = self->field_bytes->data;
  guint8 server_hash[PT_EXT_OR_PORT_HASH_LENGTH];

  _pt_ext_or_port_compute_server_hash (self->cookie, client_nonce,
                                       self->server_nonce, server_hash);
  _pt_ext_or_port_compute_client_hash (self->cookie, client_nonce,
                                       self->server_nonce,
                                       self->expected_client_hash);

  g_byte_array_append (output, server_hash, sizeof server_hash);
  g_byte_array_append (output, self->server_nonce, sizeof self->server_nonce);

  expect_field (self, STATE_CLIENT_HASH, PT_EXT_OR_PORT_HASH_LENGTH, TRUE);
}

static gboolean
handle_client_hash (PtExtOrPortServer  *self,
                    GByteArray         *output,
                    GError            **error)
{
  if (!_pt_constant_time_equal (self->field_bytes->data,
                                self->expected_client_hash,
                                PT_EXT_OR_PORT_HASH_LENGTH))
    {
      append_byte (output, AUTH_STATUS_FAILURE);
      g_set_error_literal (error, PT_ERROR, PT_ERROR_PROTOCOL,
                           _("The ExtORPort client sent a wrong authentication hash; it does not know the cookie"));
      return FALSE;
    }

  append_byte (output, AUTH_STATUS_SUCCESS);
  expect_field (self, STATE_COMMAND_HEADER, COMMAND_HEADER_LENGTH, TRUE);
  return TRUE;
}

static gboolean
body_has_nul (const guint8  *body,
              gsize          length,
              const char    *command_name,
              GError       **error)
{
  if (memchr (body, '\0', length) == NULL)
    return FALSE;

  g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
               _("The ExtORPort client sent a NUL byte in a %s command"),
               command_name);
  return TRUE;
}

static gboolean
handle_user_address (PtExtOrPortServer  *self,
                     const guint8       *body,
                     gsize               length,
                     GError            **error)
{
  g_autoptr(GError) parse_error = NULL;
  GInetSocketAddress *address;

  if (body_has_nul (body, length, "USERADDR", error))
    return FALSE;

  address = _pt_socket_address_parse ((const char *) body, length, FALSE,
                                      &parse_error);
  if (address == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                   _("The ExtORPort client sent a bad USERADDR: %s"),
                   parse_error->message);
      return FALSE;
    }

  g_clear_object (&self->user_address);
  self->user_address = address;
  return TRUE;
}

static gboolean
handle_transport (PtExtOrPortServer  *self,
                  const guint8       *body,
                  gsize               length,
                  GError            **error)
{
  g_autofree char *name = NULL;

  if (body_has_nul (body, length, "TRANSPORT", error))
    return FALSE;

  name = g_strndup ((const char *) body, length);
  if (!_pt_transport_name_is_valid (name))
    {
      g_autofree char *quoted =
        _pt_quote_for_message (name, length, QUOTED_BODY_MAX_LENGTH);

      g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                   _("The ExtORPort client sent “%s” as its transport, which is not a transport name"),
                   quoted);
      return FALSE;
    }

  g_free (self->transport);
  self->transport = g_steal_pointer (&name);
  return TRUE;
}

/* Acts on the command whose body (kept or skipped) has fully arrived. */
static gboolean
handle_command (PtExtOrPortServer  *self,
                GError            **error)
{
  const guint8 *body = self->field_bytes->data;
  gsize length = self->field_bytes->len;

  switch (self->command)
    {
    case PT_EXT_OR_PORT_CMD_DONE:
      self->state = STATE_FINISHED;
      return TRUE;

    case PT_EXT_OR_PORT_CMD_USERADDR:
      if (!handle_user_address (self, body, length, error))
        return FALSE;
      break;

    case PT_EXT_OR_PORT_CMD_TRANSPORT:
      if (!handle_transport (self, body, length, error))
        return FALSE;
      break;

    default:
      break;  /* unknown commands are skipped */
    }

  expect_field (self, STATE_COMMAND_HEADER, COMMAND_HEADER_LENGTH, TRUE);
  return TRUE;
}

static gboolean
command_within_bounds (PtExtOrPortServer  *self,
                       gsize               body_length,
                       GError            **error)
{
  self->n_commands++;
  self->command_bytes += COMMAND_HEADER_LENGTH + body_length;

  if (self->n_commands > PT_EXT_OR_PORT_MAX_COMMANDS)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                   _("The ExtORPort client sent more than %u commands before DONE"),
                   (guint) PT_EXT_OR_PORT_MAX_COMMANDS);
      return FALSE;
    }

  if (self->command_bytes > PT_EXT_OR_PORT_MAX_COMMAND_BYTES)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                   _("The ExtORPort client sent more than %u bytes of commands before DONE"),
                   (guint) PT_EXT_OR_PORT_MAX_COMMAND_BYTES);
      return FALSE;
    }

  return TRUE;
}

static gboolean
command_body_is_used (guint16 command)
{
  return command == PT_EXT_OR_PORT_CMD_USERADDR ||
         command == PT_EXT_OR_PORT_CMD_TRANSPORT;
}

static gboolean
handle_command_header (PtExtOrPortServer  *self,
                       GError            **error)
{
  const guint8 *header = self->field_bytes->data;
  guint16 command = read_uint16_be (header);
  guint16 body_length = read_uint16_be (header + 2);

  /* The bounds are checked before any of the body is read, so a peer
   * cannot make the server buffer more than they allow. */
  if (!command_within_bounds (self, body_length, error))
    return FALSE;

  self->command = command;
  expect_field (self, STATE_COMMAND_BODY, body_length,
                command_body_is_used (command));

  if (body_length == 0)
    return handle_command (self, error);

  return TRUE;
}

/* Acts on the field that has fully arrived in the current state. */
static gboolean
handle_field (PtExtOrPortServer  *self,
              GByteArray         *output,
              GError            **error)
{
  switch (self->state)
    {
    case STATE_AUTH_TYPE:
      return handle_auth_type (self, error);

    case STATE_CLIENT_NONCE:
      handle_client_nonce (self, output);
      return TRUE;

    case STATE_CLIENT_HASH:
      return handle_client_hash (self, output, error);

    case STATE_COMMAND_HEADER:
      return handle_command_header (self, error);

    case STATE_COMMAND_BODY:
      return handle_command (self, error);

    case STATE_NEW:
    case STATE_FINISHED:
    case STATE_FAILED:
    default:
      g_assert_not_reached ();
      return FALSE;
    }
}

static gboolean
server_is_reading (PtExtOrPortServer *self)
{
  return self->state != STATE_FINISHED && self->state != STATE_FAILED;
}

PtExtOrPortStatus
_pt_ext_or_port_server_feed (PtExtOrPortServer  *self,
                             const guint8       *data,
                             gsize               length,
                             gsize              *consumed,
                             GByteArray         *output,
                             GError            **error)
{
  gsize offset = 0;

  g_return_val_if_fail (consumed != NULL, PT_EXT_OR_PORT_ERROR);
  *consumed = 0;
  g_return_val_if_fail (self != NULL, PT_EXT_OR_PORT_ERROR);
  g_return_val_if_fail (self->state != STATE_NEW, PT_EXT_OR_PORT_ERROR);
  g_return_val_if_fail (server_is_reading (self), PT_EXT_OR_PORT_ERROR);
  g_return_val_if_fail (data != NULL || length == 0, PT_EXT_OR_PORT_ERROR);
  g_return_val_if_fail (output != NULL, PT_EXT_OR_PORT_ERROR);
  g_return_val_if_fail (error == NULL || *error == NULL, PT_EXT_OR_PORT_ERROR);

  while (offset < length && server_is_reading (self))
    {
      if (!read_field (self, data, length, &offset))
        break;

      if (!handle_field (self, output, error))
        self->state = STATE_FAILED;
    }

  *consumed = offset;

  switch (self->state)
    {
    case STATE_FINISHED:
      return PT_EXT_OR_PORT_DONE;
    case STATE_FAILED:
      return PT_EXT_OR_PORT_ERROR;
    default:
      return PT_EXT_OR_PORT_NEED_MORE;
    }
}

gsize
_pt_ext_or_port_server_get_bytes_wanted (PtExtOrPortServer *self)
{
  g_return_val_if_fail (self != NULL, 0);

  if (self->state == STATE_NEW || !server_is_reading (self))
    return 0;

  return self->field_length - self->field_received;
}

const char *
_pt_ext_or_port_server_get_transport (PtExtOrPortServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->transport;
}

GInetSocketAddress *
_pt_ext_or_port_server_get_user_address (PtExtOrPortServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->user_address;
}
