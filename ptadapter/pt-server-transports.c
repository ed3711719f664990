/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-adapter-private.h"
#include "pt-args-private.h"
#include "pt-error.h"
#include "pt-server-transport-private.h"
#include "pt-server-transports-private.h"

#define QUOTE_MAX_LENGTH 64

typedef struct
{
  char *bind_entry;      /* "name-addr:port" */
  char *options_item;    /* "name:key=value;...", or NULL */
} Entry;

struct _PtServerTransports
{
  GPtrArray *names;      /* NULL-terminated, in add order */
  GPtrArray *entries;    /* Entry, same order */
};

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->bind_entry);
  g_free (entry->options_item);
  g_free (entry);
}

PtServerTransports *
_pt_server_transports_new (void)
{
  PtServerTransports *self = g_new0 (PtServerTransports, 1);

  self->names = g_ptr_array_new_null_terminated (4, g_free, TRUE);
  self->entries = g_ptr_array_new_with_free_func (entry_free);

  return self;
}

void
_pt_server_transports_free (PtServerTransports *self)
{
  if (self == NULL)
    return;

  g_ptr_array_unref (self->names);
  g_ptr_array_unref (self->entries);
  g_free (self);
}

static gboolean
check_state (PtAdapter  *adapter,
             GError    **error)
{
  switch (pt_adapter_get_state (adapter))
    {
    case PT_ADAPTER_STATE_NEW:
    case PT_ADAPTER_STATE_STOPPED:
    case PT_ADAPTER_STATE_FAILED:
      return TRUE;
    case PT_ADAPTER_STATE_STARTING:
    case PT_ADAPTER_STATE_RUNNING:
    case PT_ADAPTER_STATE_STOPPING:
    default:
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID_STATE,
                           _("Transports can only be added while the pluggable transport is not running"));
      return FALSE;
    }
}

static gboolean
check_name (PtServerTransports  *self,
            const char          *name,
            GError             **error)
{
  if (!_pt_transport_name_is_valid (name))
    {
      g_autofree char *quoted = _pt_quote_for_message (name, strlen (name), QUOTE_MAX_LENGTH);

      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid transport name"), quoted);
      return FALSE;
    }

  if (g_strv_contains (_pt_server_transports_get_names (self), name))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("Transport “%s” was added twice"), name);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_options_utf8 (const char  *name,
                    GHashTable  *options,
                    GError     **error)
{
  GHashTableIter iter;
  const char *key;
  const char *value;

  if (options == NULL)
    return TRUE;

  g_hash_table_iter_init (&iter, options);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &value))
    {
      if (!g_utf8_validate (key, -1, NULL) || (value != NULL && !g_utf8_validate (value, -1, NULL)))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                       _("An option of transport “%s” is not valid UTF-8"), name);
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
_pt_server_transports_add (PtServerTransports  *self,
                           PtAdapter           *adapter,
                           const char          *name,
                           GInetSocketAddress  *bind_address,
                           GHashTable          *options,
                           GError             **error)
{
  g_autoptr(GInetSocketAddress) default_address = NULL;
  g_autofree char *options_item = NULL;
  g_autofree char *address = NULL;
  GError *local_error = NULL;
  Entry *entry;

  if (!check_state (adapter, error) ||
      !check_name (self, name, error) ||
      !check_options_utf8 (name, options, error))
    return FALSE;

  options_item = _pt_args_encode_server_options (name, options, &local_error);
  if (local_error != NULL)
    {
      g_propagate_prefixed_error (error, local_error,
                                  _("Bad options for transport “%s”: "), name);
      return FALSE;
    }

  if (bind_address == NULL)
    {
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

      default_address = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (loopback, 0));
      bind_address = default_address;
    }
  address = _pt_socket_address_to_string (bind_address);

  entry = g_new0 (Entry, 1);
  entry->bind_entry = g_strconcat (name, "-", address, NULL);
  entry->options_item = g_steal_pointer (&options_item);
  g_ptr_array_add (self->entries, entry);
  g_ptr_array_add (self->names, g_strdup (name));

  return TRUE;
}

const char * const *
_pt_server_transports_get_names (PtServerTransports *self)
{
  static const char * const none[] = { NULL };

  /* A null-terminated GPtrArray may have no storage yet. */
  if (self->names->pdata == NULL)
    return none;

  return (const char * const *) self->names->pdata;
}

gboolean
_pt_server_transports_prepare (PtServerTransports  *self,
                               GPtrArray           *environment,
                               GError             **error)
{
  g_autoptr(GPtrArray) bind_entries = g_ptr_array_new ();
  g_autoptr(GPtrArray) options_items = g_ptr_array_new ();
  g_autofree char *transports = NULL;
  g_autofree char *bind_addresses = NULL;

  if (self->entries->len == 0)
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                           _("No transport was added"));
      return FALSE;
    }

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      g_ptr_array_add (bind_entries, entry->bind_entry);
      if (entry->options_item != NULL)
        g_ptr_array_add (options_items, entry->options_item);
    }
  g_ptr_array_add (bind_entries, NULL);
  g_ptr_array_add (options_items, NULL);

  transports = g_strjoinv (",", (char **) self->names->pdata);
  bind_addresses = g_strjoinv (",", (char **) bind_entries->pdata);
  _pt_environment_add (environment, "TOR_PT_SERVER_TRANSPORTS", transports);
  _pt_environment_add (environment, "TOR_PT_SERVER_BINDADDR", bind_addresses);

  if (options_items->len > 1)
    {
      g_autofree char *options = g_strjoinv (";", (char **) options_items->pdata);

      _pt_environment_add (environment, "TOR_PT_SERVER_TRANSPORT_OPTIONS", options);
    }

  return TRUE;
}

GObject *
_pt_server_transports_create_transport (const PtMessage *answer)
{
  return G_OBJECT (_pt_server_transport_new (answer->transport, answer->address,
                                             answer->options, answer->args));
}
