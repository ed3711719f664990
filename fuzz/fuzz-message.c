/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "pt-args-private.h"
#include "pt-error.h"
#include "pt-message-private.h"
#include "pt-startup-private.h"

/*
 * The PT's stdout. Each '\n'-separated line of the input is parsed with
 * _pt_message_parse() and what it returns is checked against the contract;
 * then the lines are fed, in order, into PtStartup for a client (with and
 * without an upstream proxy) and for a server, as the adapter does.
 */

static const char * const requested_transports[] = {
  "obfs4", "obfs3", "meek_lite", "trebuchet", NULL
};

static gboolean
is_substring_of (const char *text,
                 const char *line,
                 gsize       length)
{
  gsize text_length = strlen (text);

  if (text_length == 0)
    return TRUE;
  for (gsize i = 0; i + text_length <= length; i++)
    {
      if (memcmp (line + i, text, text_length) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
check_address (GInetSocketAddress *address)
{
  g_autofree char *text = NULL;
  g_autoptr(GInetSocketAddress) again = NULL;
  g_autoptr(GError) error = NULL;
  GSocketFamily family;

  FUZZ_CHECK (G_IS_INET_SOCKET_ADDRESS (address));
  FUZZ_CHECK (g_inet_socket_address_get_port (address) != 0);
  family = g_inet_address_get_family (g_inet_socket_address_get_address (address));
  FUZZ_CHECK (family == G_SOCKET_FAMILY_IPV4 || family == G_SOCKET_FAMILY_IPV6);

  /* What the adapter shows of it parses back to the same address. */
  text = _pt_socket_address_to_string (address);
  again = _pt_socket_address_parse (text, strlen (text), FALSE, &error);
  FUZZ_CHECK (again != NULL && error == NULL);
  FUZZ_CHECK (g_inet_socket_address_get_port (again) ==
              g_inet_socket_address_get_port (address));
  FUZZ_CHECK (g_inet_address_equal (g_inet_socket_address_get_address (again),
                                    g_inet_socket_address_get_address (address)));
}

static void
check_smethod_args (GHashTable *args)
{
  g_autofree char *encoded = NULL;
  g_autoptr(GHashTable) again = NULL;
  g_autoptr(GError) error = NULL;

  FUZZ_CHECK (args != NULL);
  FUZZ_CHECK (fuzz_string_table_is_valid (args));

  encoded = _pt_args_encode_smethod_args (args);
  again = _pt_args_parse_smethod_args (encoded, strlen (encoded), &error);
  FUZZ_CHECK (again != NULL && error == NULL);
  FUZZ_CHECK (fuzz_string_tables_equal (args, again));
}

/* The fields of a parsed message are what the contract says for its kind. */
static void
check_message (const PtMessage *message,
               const char      *line,
               gsize            length)
{
  gsize keyword_length;

  FUZZ_CHECK (message->keyword != NULL);
  keyword_length = strlen (message->keyword);
  FUZZ_CHECK (keyword_length > 0 && keyword_length <= length);
  FUZZ_CHECK (memcmp (message->keyword, line, keyword_length) == 0);
  FUZZ_CHECK (keyword_length == length || line[keyword_length] == ' ');

  switch (message->kind)
    {
    case PT_MESSAGE_VERSION:
      FUZZ_CHECK (g_strcmp0 (message->text, PT_MANAGED_TRANSPORT_VERSION) == 0);
      break;

    case PT_MESSAGE_VERSION_ERROR:
    case PT_MESSAGE_ENV_ERROR:
    case PT_MESSAGE_PROXY_ERROR:
      FUZZ_CHECK (message->text != NULL);
      FUZZ_CHECK (is_substring_of (message->text, line, length));
      FUZZ_CHECK (message->transport == NULL);
      break;

    case PT_MESSAGE_CMETHOD_ERROR:
    case PT_MESSAGE_SMETHOD_ERROR:
      FUZZ_CHECK (_pt_transport_name_is_valid (message->transport));
      FUZZ_CHECK (message->text != NULL);
      FUZZ_CHECK (is_substring_of (message->text, line, length));
      break;

    case PT_MESSAGE_CMETHOD:
      FUZZ_CHECK (_pt_transport_name_is_valid (message->transport));
      FUZZ_CHECK (g_strcmp0 (message->scheme, "socks4") == 0 ||
                  g_strcmp0 (message->scheme, "socks5") == 0);
      check_address (message->address);
      break;

    case PT_MESSAGE_SMETHOD:
      FUZZ_CHECK (_pt_transport_name_is_valid (message->transport));
      check_address (message->address);
      FUZZ_CHECK (message->options == NULL || message->options[0] != '\0');
      FUZZ_CHECK (message->options == NULL ||
                  is_substring_of (message->options, line, length));
      /* Without options there are no ARGS: either. */
      FUZZ_CHECK (message->options != NULL || g_hash_table_size (message->args) == 0);
      check_smethod_args (message->args);
      break;

    case PT_MESSAGE_PROXY_DONE:
    case PT_MESSAGE_CMETHODS_DONE:
    case PT_MESSAGE_SMETHODS_DONE:
      FUZZ_CHECK (message->transport == NULL && message->text == NULL);
      break;

    case PT_MESSAGE_LOG:
      FUZZ_CHECK (message->text != NULL && g_utf8_validate (message->text, -1, NULL));
      FUZZ_CHECK (message->severity >= PT_LOG_SEVERITY_ERROR &&
                  message->severity <= PT_LOG_SEVERITY_DEBUG);
      break;

    case PT_MESSAGE_STATUS:
      FUZZ_CHECK (message->fields != NULL);
      FUZZ_CHECK (fuzz_string_table_is_valid (message->fields));
      FUZZ_CHECK (!g_hash_table_contains (message->fields, "TRANSPORT"));
      FUZZ_CHECK (message->transport == NULL ||
                  g_utf8_validate (message->transport, -1, NULL));
      FUZZ_CHECK (message->transport != NULL || g_hash_table_size (message->fields) > 0);
      break;

    case PT_MESSAGE_UNKNOWN:
      FUZZ_CHECK (message->transport == NULL && message->text == NULL &&
                  message->address == NULL && message->args == NULL &&
                  message->fields == NULL);
      break;

    default:
      FUZZ_CHECK (!"unknown message kind");
    }

  if (message->kind != PT_MESSAGE_CMETHOD && message->kind != PT_MESSAGE_SMETHOD)
    FUZZ_CHECK (message->address == NULL);
}

static PtMessage *
parse_and_check (const char *line,
                 gsize       length)
{
  g_autoptr(GError) error = NULL;
  PtMessage *message = _pt_message_parse (line, length, &error);

  if (message == NULL)
    {
      FUZZ_CHECK (error != NULL);
      fuzz_check_error (error, PT_ERROR,
                        error->code == PT_ERROR_VERSION ? PT_ERROR_VERSION : PT_ERROR_PROTOCOL);
      if (error->code == PT_ERROR_VERSION)
        FUZZ_CHECK (length > 8 && memcmp (line, "VERSION ", 8) == 0);
      return NULL;
    }

  FUZZ_CHECK (error == NULL);
  check_message (message, line, length);
  return message;
}

static void
check_answers (GHashTable *answers,
               PtRole      role)
{
  GHashTableIter iter;
  gpointer key, value;
  guint launched = 0;

  FUZZ_CHECK (answers != NULL && g_hash_table_size (answers) > 0);

  g_hash_table_iter_init (&iter, answers);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const PtMessage *answer = value;

      FUZZ_CHECK (g_strv_contains (requested_transports, key));
      FUZZ_CHECK (g_strcmp0 (answer->transport, key) == 0);
      if (role == PT_ROLE_CLIENT)
        FUZZ_CHECK (answer->kind == PT_MESSAGE_CMETHOD ||
                    answer->kind == PT_MESSAGE_CMETHOD_ERROR);
      else
        FUZZ_CHECK (answer->kind == PT_MESSAGE_SMETHOD ||
                    answer->kind == PT_MESSAGE_SMETHOD_ERROR);
      if (answer->kind == PT_MESSAGE_CMETHOD || answer->kind == PT_MESSAGE_SMETHOD)
        launched++;
    }

  /* READY means at least one transport was launched. */
  FUZZ_CHECK (launched > 0);
}

/* Feeds every line that parses into a PtStartup until it is ready or
 * has failed, as the adapter does. */
static void
run_startup (const char *data,
             gsize       size,
             PtRole      role,
             gboolean    proxy_requested)
{
  g_autoptr(PtStartup) startup = _pt_startup_new (role, requested_transports,
                                                  proxy_requested);
  const char *line = data;
  const char *end = data + size;

  while (line < end)
    {
      const char *newline = memchr (line, '\n', (gsize) (end - line));
      gsize length = (newline != NULL ? newline : end) - line;
      g_autoptr(GError) error = NULL;
      PtMessage *message = _pt_message_parse (line, length, NULL);
      PtStartupStatus status;

      line += length + 1;
      if (message == NULL)
        continue;

      status = _pt_startup_handle (startup, message, &error);
      switch (status)
        {
        case PT_STARTUP_CONTINUE:
          FUZZ_CHECK (error == NULL);
          continue;

        case PT_STARTUP_READY:
          {
            g_autoptr(GHashTable) answers = _pt_startup_steal_answers (startup);

            FUZZ_CHECK (error == NULL);
            check_answers (answers, role);
            return;
          }

        case PT_STARTUP_FAILED:
          FUZZ_CHECK (error != NULL);
          fuzz_check_error (error, PT_ERROR, error->code);
          /* No upstream proxy for a server: never a proxy error. */
          if (role == PT_ROLE_SERVER)
            FUZZ_CHECK (error->code != PT_ERROR_PROXY);
          return;

        default:
          FUZZ_CHECK (!"unknown startup status");
        }
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const char *text = (const char *) data;
  const char *line = text;
  const char *end = text + size;

  while (line < end)
    {
      const char *newline = memchr (line, '\n', (gsize) (end - line));
      gsize length = (newline != NULL ? newline : end) - line;
      _pt_message_free (parse_and_check (line, length));
      line += length + 1;
    }

  /* A line cannot end a PT's output without its '\n', but an input of one
   * line need not have one: parse it too when it is empty. */
  if (size == 0)
    {
      g_autoptr(GError) error = NULL;

      FUZZ_CHECK (_pt_message_parse (text, 0, &error) == NULL && error != NULL);
    }

  run_startup (text, size, PT_ROLE_CLIENT, FALSE);
  run_startup (text, size, PT_ROLE_CLIENT, TRUE);
  run_startup (text, size, PT_ROLE_SERVER, FALSE);

  return 0;
}
