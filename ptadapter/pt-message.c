/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-message-private.h"
#include "pt-args-private.h"
#include "pt-error.h"
#include "pt-kvline-private.h"

/* How many bytes of a line an error message quotes. */
#define LINE_QUOTE_MAX_LENGTH 120
/* How many bytes of a single argument an error message quotes. */
#define ARGUMENT_QUOTE_MAX_LENGTH 40

#define SMETHOD_ARGS_PREFIX "ARGS:"

/* The space-separated arguments after the keyword. */
typedef struct
{
  const char *next;       /* start of the next argument */
  gsize       left;       /* bytes from @next to the end of the line */
  gboolean    has_more;   /* FALSE once the last argument was taken */
} ArgCursor;

typedef struct
{
  const char *line;
  gsize       length;
  PtMessage  *message;
  ArgCursor   args;
} ParseState;

static gboolean
arg_cursor_next (ArgCursor   *cursor,
                 const char **arg,
                 gsize       *arg_length)
{
  const char *space;

  if (!cursor->has_more)
    return FALSE;

  *arg = cursor->next;
  space = memchr (cursor->next, ' ', cursor->left);
  if (space == NULL)
    {
      *arg_length = cursor->left;
      cursor->next += cursor->left;
      cursor->left = 0;
      cursor->has_more = FALSE;
    }
  else
    {
      *arg_length = (gsize) (space - cursor->next);
      cursor->left -= *arg_length + 1;
      cursor->next = space + 1;
    }

  return TRUE;
}

static gboolean
arg_equals (const char *arg,
            gsize       arg_length,
            const char *expected)
{
  return arg_length == strlen (expected) && memcmp (arg, expected, arg_length) == 0;
}

static gboolean
arg_has_prefix (const char *arg,
                gsize       arg_length,
                const char *prefix)
{
  gsize prefix_length = strlen (prefix);

  return arg_length >= prefix_length && memcmp (arg, prefix, prefix_length) == 0;
}

static gboolean fail (ParseState  *state,
                      GError     **error,
                      const char  *reason_format,
                      ...) G_GNUC_PRINTF (3, 4);

/* Sets a PT_ERROR_PROTOCOL error for a line with a known keyword; the
 * reason, a sentence, says what is wrong. */
static gboolean
fail (ParseState  *state,
      GError     **error,
      const char  *reason_format,
      ...)
{
  g_autofree char *quoted_line =
    _pt_quote_for_message (state->line, state->length, LINE_QUOTE_MAX_LENGTH);
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, reason_format);
  reason = g_strdup_vprintf (reason_format, args);
  va_end (args);

  g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
               _("Malformed %s message “%s” from the pluggable transport: %s"),
               state->message->keyword, quoted_line, reason);
  return FALSE;
}

static char *
quote_argument (const char *arg,
                gsize       arg_length)
{
  return _pt_quote_for_message (arg, arg_length, ARGUMENT_QUOTE_MAX_LENGTH);
}

/* The rest of the line, verbatim ("" when nothing is left). */
static char *
take_rest_of_line (ParseState *state)
{
  char *rest = state->args.has_more ? g_strndup (state->args.next, state->args.left)
                                    : g_strdup ("");

  state->args.has_more = FALSE;
  state->args.left = 0;
  return rest;
}

static gboolean
take_transport (ParseState  *state,
                GError     **error)
{
  const char *arg;
  gsize arg_length;
  g_autofree char *transport = NULL;

  if (!arg_cursor_next (&state->args, &arg, &arg_length))
    return fail (state, error, _("The transport name is missing"));

  transport = g_strndup (arg, arg_length);
  if (!_pt_transport_name_is_valid (transport))
    {
      g_autofree char *quoted = quote_argument (arg, arg_length);

      return fail (state, error, _("“%s” is not a valid transport name"), quoted);
    }

  state->message->transport = g_steal_pointer (&transport);
  return TRUE;
}

static gboolean
take_address (ParseState  *state,
              GError     **error)
{
  const char *arg;
  gsize arg_length;
  g_autoptr(GError) local_error = NULL;

  if (!arg_cursor_next (&state->args, &arg, &arg_length))
    return fail (state, error, _("The address is missing"));

  state->message->address = _pt_socket_address_parse (arg, arg_length, FALSE, &local_error);
  if (state->message->address == NULL)
    return fail (state, error, "%s", local_error->message);

  return TRUE;
}

static gboolean
parse_version (ParseState  *state,
               GError     **error)
{
  const char *arg;
  gsize arg_length;
  g_autofree char *quoted = NULL;

  if (!arg_cursor_next (&state->args, &arg, &arg_length) || state->args.has_more)
    return fail (state, error, _("It needs exactly one argument"));
  if (arg_length == 0)
    return fail (state, error, _("The version is empty"));

  state->message->text = g_strndup (arg, arg_length);
  if (strcmp (state->message->text, PT_MANAGED_TRANSPORT_VERSION) == 0)
    return TRUE;

  quoted = quote_argument (arg, arg_length);
  g_set_error (error, PT_ERROR, PT_ERROR_VERSION,
               _("The pluggable transport chose protocol version “%s”, but only version “%s” was offered"),
               quoted, PT_MANAGED_TRANSPORT_VERSION);
  return FALSE;
}

/* VERSION-ERROR, ENV-ERROR, PROXY-ERROR */
static gboolean
parse_error_text (ParseState  *state,
                  GError     **error)
{
  state->message->text = take_rest_of_line (state);
  return TRUE;
}

/* PROXY DONE, CMETHODS DONE, SMETHODS DONE */
static gboolean
parse_done (ParseState  *state,
            GError     **error)
{
  const char *arg;
  gsize arg_length;

  if (!arg_cursor_next (&state->args, &arg, &arg_length) || state->args.has_more ||
      !arg_equals (arg, arg_length, "DONE"))
    return fail (state, error, _("Its only argument must be DONE"));

  return TRUE;
}

/* CMETHOD-ERROR, SMETHOD-ERROR */
static gboolean
parse_method_error (ParseState  *state,
                    GError     **error)
{
  return take_transport (state, error) && parse_error_text (state, error);
}

static gboolean
parse_cmethod (ParseState  *state,
               GError     **error)
{
  const char *arg;
  gsize arg_length;

  if (!take_transport (state, error))
    return FALSE;

  if (!arg_cursor_next (&state->args, &arg, &arg_length))
    return fail (state, error, _("The proxy type is missing"));
  if (!arg_equals (arg, arg_length, "socks4") && !arg_equals (arg, arg_length, "socks5"))
    {
      g_autofree char *quoted = quote_argument (arg, arg_length);

      return fail (state, error, _("“%s” is not a supported proxy type (socks4 or socks5)"),
                   quoted);
    }
  state->message->scheme = g_strndup (arg, arg_length);

  /* Arguments after the address are ignored, as pt-spec allows for future
   * extensions. */
  return take_address (state, error);
}

static gboolean
parse_smethod_options (ParseState  *state,
                       GError     **error)
{
  ArgCursor options = state->args;
  const char *option;
  gsize option_length;
  gboolean seen_args = FALSE;

  while (arg_cursor_next (&options, &option, &option_length))
    {
      gsize prefix_length = strlen (SMETHOD_ARGS_PREFIX);
      g_autoptr(GError) local_error = NULL;

      if (!arg_has_prefix (option, option_length, SMETHOD_ARGS_PREFIX))
        continue;
      if (seen_args)
        return fail (state, error, _("It has more than one ARGS: option"));
      seen_args = TRUE;

      g_clear_pointer (&state->message->args, g_hash_table_unref);
      state->message->args = _pt_args_parse_smethod_args (option + prefix_length,
                                                          option_length - prefix_length,
                                                          &local_error);
      if (state->message->args == NULL)
        return fail (state, error, "%s", local_error->message);
    }

  return TRUE;
}

static gboolean
parse_smethod (ParseState  *state,
               GError     **error)
{
  PtMessage *message = state->message;

  if (!take_transport (state, error) || !take_address (state, error))
    return FALSE;

  message->args = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!state->args.has_more || state->args.left == 0)
    return TRUE;

  if (!parse_smethod_options (state, error))
    return FALSE;
  message->options = take_rest_of_line (state);
  return TRUE;
}

static GHashTable *
parse_fields (ParseState  *state,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GHashTable *fields;

  fields = _pt_kvline_parse (state->args.next, state->args.left, &local_error);
  if (fields == NULL)
    fail (state, error, "%s", local_error->message);
  return fields;
}

/* Removes @key from @fields and returns its value, or NULL without it. */
static char *
take_field (GHashTable *fields,
            const char *key)
{
  gpointer stolen_key = NULL;
  gpointer value = NULL;

  if (!g_hash_table_steal_extended (fields, key, &stolen_key, &value))
    return NULL;

  g_free (stolen_key);
  return value;
}

static const struct
{
  const char    *name;
  PtLogSeverity  severity;
} log_severities[] = {
  { "error", PT_LOG_SEVERITY_ERROR },
  { "warning", PT_LOG_SEVERITY_WARNING },
  { "notice", PT_LOG_SEVERITY_NOTICE },
  { "info", PT_LOG_SEVERITY_INFO },
  { "debug", PT_LOG_SEVERITY_DEBUG },
};

static gboolean
parse_log (ParseState  *state,
           GError     **error)
{
  g_autoptr(GHashTable) fields = parse_fields (state, error);
  const char *severity;

  if (fields == NULL)
    return FALSE;

  severity = g_hash_table_lookup (fields, "SEVERITY");
  if (severity == NULL)
    return fail (state, error, _("The SEVERITY field is missing"));
  state->message->text = take_field (fields, "MESSAGE");
  if (state->message->text == NULL)
    return fail (state, error, _("The MESSAGE field is missing"));

  for (gsize i = 0; i < G_N_ELEMENTS (log_severities); i++)
    {
      if (strcmp (severity, log_severities[i].name) == 0)
        {
          state->message->severity = log_severities[i].severity;
          return TRUE;
        }
    }

  {
    g_autofree char *quoted = quote_argument (severity, strlen (severity));

    return fail (state, error, _("“%s” is not a known severity"), quoted);
  }
}

static gboolean
parse_status (ParseState  *state,
              GError     **error)
{
  g_autoptr(GHashTable) fields = parse_fields (state, error);

  if (fields == NULL)
    return FALSE;

  state->message->transport = take_field (fields, "TRANSPORT");
  if (state->message->transport == NULL && g_hash_table_size (fields) == 0)
    return fail (state, error, _("It has no fields"));

  state->message->fields = g_steal_pointer (&fields);
  return TRUE;
}

typedef gboolean (*ParseArguments) (ParseState  *state,
                                    GError     **error);

static const struct
{
  const char     *keyword;
  PtMessageKind   kind;
  ParseArguments  parse;
} message_syntaxes[] = {
  { "VERSION", PT_MESSAGE_VERSION, parse_version },
  { "VERSION-ERROR", PT_MESSAGE_VERSION_ERROR, parse_error_text },
  { "ENV-ERROR", PT_MESSAGE_ENV_ERROR, parse_error_text },
  { "PROXY", PT_MESSAGE_PROXY_DONE, parse_done },
  { "PROXY-ERROR", PT_MESSAGE_PROXY_ERROR, parse_error_text },
  { "CMETHOD", PT_MESSAGE_CMETHOD, parse_cmethod },
  { "CMETHOD-ERROR", PT_MESSAGE_CMETHOD_ERROR, parse_method_error },
  { "CMETHODS", PT_MESSAGE_CMETHODS_DONE, parse_done },
  { "SMETHOD", PT_MESSAGE_SMETHOD, parse_smethod },
  { "SMETHOD-ERROR", PT_MESSAGE_SMETHOD_ERROR, parse_method_error },
  { "SMETHODS", PT_MESSAGE_SMETHODS_DONE, parse_done },
  { "LOG", PT_MESSAGE_LOG, parse_log },
  { "STATUS", PT_MESSAGE_STATUS, parse_status },
};

static gboolean
is_keyword_byte (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_';
}

/* Checks the line metaformat of pt-spec 3.3 and finds the keyword's end. */
static gboolean
check_metaformat (const char  *line,
                  gsize        length,
                  gsize       *keyword_length,
                  GError     **error)
{
  g_autofree char *quoted = NULL;
  gsize i;

  if (length == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                   _("The pluggable transport sent an empty line"));
      return FALSE;
    }

  quoted = _pt_quote_for_message (line, length, LINE_QUOTE_MAX_LENGTH);

  for (i = 0; i < length; i++)
    {
      guchar c = (guchar) line[i];

      if (c == '\0' || c == '\n' || c >= 0x80)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                       _("The pluggable transport sent a line with a NUL, line feed or non-ASCII byte: “%s”"),
                       quoted);
          return FALSE;
        }
    }

  for (i = 0; i < length && is_keyword_byte (line[i]); i++)
    ;

  if (i == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                   _("The pluggable transport sent a line that does not start with a keyword: “%s”"),
                   quoted);
      return FALSE;
    }
  if (i < length && line[i] != ' ')
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PROTOCOL,
                   _("The pluggable transport sent a line whose keyword contains an invalid character: “%s”"),
                   quoted);
      return FALSE;
    }

  *keyword_length = i;
  return TRUE;
}

PtMessage *
_pt_message_parse (const char  *line,
                   gsize        length,
                   GError     **error)
{
  g_autoptr(PtMessage) message = NULL;
  ParseState state;
  gsize keyword_length;

  if (!check_metaformat (line, length, &keyword_length, error))
    return NULL;

  message = g_new0 (PtMessage, 1);
  message->kind = PT_MESSAGE_UNKNOWN;
  message->keyword = g_strndup (line, keyword_length);

  state.line = line;
  state.length = length;
  state.message = message;
  state.args.has_more = keyword_length < length;
  state.args.next = line + keyword_length + (state.args.has_more ? 1 : 0);
  state.args.left = state.args.has_more ? length - keyword_length - 1 : 0;

  for (gsize i = 0; i < G_N_ELEMENTS (message_syntaxes); i++)
    {
      if (strcmp (message->keyword, message_syntaxes[i].keyword) != 0)
        continue;

      message->kind = message_syntaxes[i].kind;
      if (!message_syntaxes[i].parse (&state, error))
        return NULL;
      break;
    }

  return g_steal_pointer (&message);
}

void
_pt_message_free (PtMessage *message)
{
  if (message == NULL)
    return;

  g_free (message->keyword);
  g_free (message->transport);
  g_free (message->text);
  g_free (message->scheme);
  g_clear_object (&message->address);
  g_free (message->options);
  g_clear_pointer (&message->args, g_hash_table_unref);
  g_clear_pointer (&message->fields, g_hash_table_unref);
  g_free (message);
}
