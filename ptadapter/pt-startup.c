/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-error.h"
#include "pt-startup-private.h"

struct _PtStartup
{
  PtRole      role;
  char      **transports;       /* requested, in order */
  gboolean    proxy_requested;
  gboolean    version_seen;
  gboolean    proxy_done;
  gboolean    finished;
  GHashTable *answers;          /* name -> PtMessage */
};

PtStartup *
_pt_startup_new (PtRole              role,
                 const char * const *transports,
                 gboolean            proxy_requested)
{
  PtStartup *self = g_new0 (PtStartup, 1);

  self->role = role;
  self->transports = g_strdupv ((char **) transports);
  self->proxy_requested = proxy_requested;
  self->answers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) _pt_message_free);

  return self;
}

void
_pt_startup_free (PtStartup *self)
{
  if (self == NULL)
    return;

  g_strfreev (self->transports);
  g_clear_pointer (&self->answers, g_hash_table_unref);
  g_free (self);
}

GHashTable *
_pt_startup_steal_answers (PtStartup *self)
{
  g_return_val_if_fail (self->finished, NULL);

  return g_steal_pointer (&self->answers);
}

static PtStartupStatus
fail (PtStartup  *self,
      GError    **error,
      PtError     code,
      const char *format,
      ...) G_GNUC_PRINTF (4, 5);

static PtStartupStatus
fail (PtStartup  *self,
      GError    **error,
      PtError     code,
      const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (PT_ERROR, code, format, args));
  va_end (args);

  self->finished = TRUE;
  return PT_STARTUP_FAILED;
}

static gboolean
is_method_message (PtMessageKind kind)
{
  return kind == PT_MESSAGE_CMETHOD || kind == PT_MESSAGE_CMETHOD_ERROR ||
         kind == PT_MESSAGE_SMETHOD || kind == PT_MESSAGE_SMETHOD_ERROR;
}

static gboolean
is_for_role (PtStartup     *self,
             PtMessageKind  kind)
{
  switch (kind)
    {
    case PT_MESSAGE_PROXY_DONE:
    case PT_MESSAGE_PROXY_ERROR:
    case PT_MESSAGE_CMETHOD:
    case PT_MESSAGE_CMETHOD_ERROR:
    case PT_MESSAGE_CMETHODS_DONE:
      return self->role == PT_ROLE_CLIENT;
    case PT_MESSAGE_SMETHOD:
    case PT_MESSAGE_SMETHOD_ERROR:
    case PT_MESSAGE_SMETHODS_DONE:
      return self->role == PT_ROLE_SERVER;
    default:
      return TRUE;
    }
}

static PtStartupStatus
handle_method (PtStartup  *self,
               PtMessage  *message,
               GError    **error)
{
  if (self->proxy_requested && !self->proxy_done)
    {
      _pt_message_free (message);
      return fail (self, error, PT_ERROR_PROXY,
                   _("The pluggable transport set up its transports without confirming the upstream proxy (no “PROXY DONE”); refusing to risk direct connections"));
    }

  if (!g_strv_contains ((const char * const *) self->transports, message->transport))
    {
      g_debug ("Ignoring %s for transport “%s”, which was not requested",
               message->keyword, message->transport);
      _pt_message_free (message);
      return PT_STARTUP_CONTINUE;
    }

  if (g_hash_table_contains (self->answers, message->transport))
    {
      PtStartupStatus status =
        fail (self, error, PT_ERROR_PROTOCOL,
              _("The pluggable transport answered twice for transport “%s”"),
              message->transport);
      _pt_message_free (message);
      return status;
    }

  g_hash_table_insert (self->answers, message->transport, message);
  return PT_STARTUP_CONTINUE;
}

static PtStartupStatus
handle_done (PtStartup  *self,
             GError    **error)
{
  const PtMessage *first_error = NULL;
  guint launched = 0;

  if (self->proxy_requested && !self->proxy_done)
    return fail (self, error, PT_ERROR_PROXY,
                 _("The pluggable transport finished its startup without confirming the upstream proxy (no “PROXY DONE”); refusing to risk direct connections"));

  for (guint i = 0; self->transports[i] != NULL; i++)
    {
      const PtMessage *answer = g_hash_table_lookup (self->answers, self->transports[i]);

      if (answer == NULL)
        continue;
      if (answer->kind == PT_MESSAGE_CMETHOD || answer->kind == PT_MESSAGE_SMETHOD)
        launched++;
      else if (first_error == NULL)
        first_error = answer;
    }

  if (launched > 0)
    {
      self->finished = TRUE;
      return PT_STARTUP_READY;
    }

  if (first_error != NULL)
    return fail (self, error, PT_ERROR_METHOD,
                 _("The pluggable transport could not launch transport “%s”: %s"),
                 first_error->transport, first_error->text);

  {
    g_autofree char *names = g_strjoinv (", ", self->transports);

    return fail (self, error, PT_ERROR_UNKNOWN_TRANSPORT,
                 _("The pluggable transport supports none of the requested transports (%s)"),
                 names);
  }
}

PtStartupStatus
_pt_startup_handle (PtStartup  *self,
                    PtMessage  *message,
                    GError    **error)
{
  g_autoptr(PtMessage) owned = message;
  PtMessageKind kind = message->kind;

  g_return_val_if_fail (!self->finished, PT_STARTUP_FAILED);

  switch (kind)
    {
    case PT_MESSAGE_UNKNOWN:
    case PT_MESSAGE_LOG:
    case PT_MESSAGE_STATUS:
      return PT_STARTUP_CONTINUE;

    case PT_MESSAGE_VERSION_ERROR:
      return fail (self, error, PT_ERROR_VERSION,
                   _("The pluggable transport supports no protocol version that was offered: %s"),
                   message->text);

    case PT_MESSAGE_ENV_ERROR:
      return fail (self, error, PT_ERROR_ENV,
                   _("The pluggable transport rejected its environment: %s"),
                   message->text);

    case PT_MESSAGE_PROXY_ERROR:
      /* A client message: from a server, it is checked like the others. */
      if (self->role != PT_ROLE_CLIENT)
        break;
      return fail (self, error, PT_ERROR_PROXY,
                   _("The pluggable transport cannot use the upstream proxy: %s"),
                   message->text);

    case PT_MESSAGE_VERSION:
      if (self->version_seen)
        return fail (self, error, PT_ERROR_PROTOCOL,
                     _("The pluggable transport sent “VERSION” twice"));
      self->version_seen = TRUE;
      return PT_STARTUP_CONTINUE;

    default:
      break;
    }

  if (!self->version_seen)
    return fail (self, error, PT_ERROR_PROTOCOL,
                 _("The pluggable transport sent “%s” before “VERSION”"),
                 message->keyword);

  if (!is_for_role (self, kind))
    {
      if (self->role == PT_ROLE_CLIENT)
        return fail (self, error, PT_ERROR_PROTOCOL,
                     _("The pluggable transport sent “%s”, which a client transport must not send"),
                     message->keyword);
      return fail (self, error, PT_ERROR_PROTOCOL,
                   _("The pluggable transport sent “%s”, which a server transport must not send"),
                   message->keyword);
    }

  if (is_method_message (kind))
    return handle_method (self, g_steal_pointer (&owned), error);

  switch (kind)
    {
    case PT_MESSAGE_PROXY_DONE:
      if (!self->proxy_requested)
        return fail (self, error, PT_ERROR_PROTOCOL,
                     _("The pluggable transport sent “PROXY DONE” but no upstream proxy was given"));
      if (self->proxy_done)
        return fail (self, error, PT_ERROR_PROTOCOL,
                     _("The pluggable transport sent “PROXY DONE” twice"));
      self->proxy_done = TRUE;
      return PT_STARTUP_CONTINUE;

    case PT_MESSAGE_CMETHODS_DONE:
    case PT_MESSAGE_SMETHODS_DONE:
      return handle_done (self, error);

    default:
      g_assert_not_reached ();
    }
}
