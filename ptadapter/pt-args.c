/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-args-private.h"
#include "pt-error.h"

gboolean
_pt_transport_name_is_valid (const char *name)
{
  if (name == NULL || !(g_ascii_isalpha (name[0]) || name[0] == '_'))
    return FALSE;

  for (const char *p = name + 1; *p != '\0'; p++)
    {
      if (!(g_ascii_isalnum (*p) || *p == '_'))
        return FALSE;
    }

  return TRUE;
}

char *
_pt_quote_for_message (const char *text,
                       gsize       length,
                       gsize       max_length)
{
  GString *quoted = g_string_sized_new (MIN (length, max_length) + 8);
  gsize shown = MIN (length, max_length);

  for (gsize i = 0; i < shown; i++)
    {
      guchar c = (guchar) text[i];

      if (c >= 0x20 && c < 0x7f)
        g_string_append_c (quoted, (char) c);
      else
        g_string_append_printf (quoted, "\\x%02X", c);
    }

  if (shown < length)
    g_string_append (quoted, "…");

  return g_string_free (quoted, FALSE);
}

static gboolean
parse_port (const char *text,
            gsize       length,
            gboolean    allow_port_zero,
            guint16    *port_out)
{
  guint value = 0;

  if (length == 0 || length > 5)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      value = value * 10 + (guint) (text[i] - '0');
    }

  if (value > G_MAXUINT16 || (value == 0 && !allow_port_zero))
    return FALSE;

  *port_out = (guint16) value;
  return TRUE;
}

GInetSocketAddress *
_pt_socket_address_parse (const char  *text,
                          gsize        length,
                          gboolean     allow_port_zero,
                          GError     **error)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *host = NULL;
  const char *colon;
  const char *port_text;
  gsize port_length;
  guint16 port;
  GSocketFamily expected_family;

  if (memchr (text, '\0', length) != NULL)
    goto invalid;

  colon = g_strrstr_len (text, length, ":");
  if (colon == NULL)
    goto invalid;

  port_text = colon + 1;
  port_length = length - (gsize) (port_text - text);

  if (text[0] == '[')
    {
      if (colon == text || colon[-1] != ']')
        goto invalid;
      host = g_strndup (text + 1, (gsize) (colon - text) - 2);
      expected_family = G_SOCKET_FAMILY_IPV6;
    }
  else
    {
      host = g_strndup (text, (gsize) (colon - text));
      expected_family = G_SOCKET_FAMILY_IPV4;
    }

  /* g_inet_address_new_from_string() is strict for both families: dotted
   * quads only for IPv4, and it rejects a zone id on GLib 2.74. */
  if (host[0] == '\0' || strchr (host, '%') != NULL)
    goto invalid;
  address = g_inet_address_new_from_string (host);
  if (address == NULL || g_inet_address_get_family (address) != expected_family)
    goto invalid;

  if (!parse_port (port_text, port_length, allow_port_zero, &port))
    goto invalid;

  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (address, port));

invalid:
  {
    g_autofree char *quoted = _pt_quote_for_message (text, length, 80);

    g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                 _("“%s” is not an IP address and port such as 127.0.0.1:9000 or [::1]:9000"),
                 quoted);
    return NULL;
  }
}

char *
_pt_socket_address_to_string (GInetSocketAddress *address)
{
  GInetAddress *inet = g_inet_socket_address_get_address (address);
  g_autofree char *host = g_inet_address_to_string (inet);
  guint16 port = g_inet_socket_address_get_port (address);

  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", host, port);

  return g_strdup_printf ("%s:%u", host, port);
}
